"""Links to a run point at the route the installed Prefect UI serves (not a redirect, not a 404)."""

import re
from pathlib import Path

import prefect

from procedures.casework.cases import run_url


def _ui_bundle() -> str:
    assets = Path(prefect.__file__).parent / "server" / "ui" / "assets"
    return "".join(p.read_text(errors="ignore") for p in assets.glob("*.js") if "workspace.runs.flow-run" in
                   p.read_text(errors="ignore"))


def test_run_links_use_the_flow_run_route_of_the_installed_ui():
    bundle = _ui_bundle()
    # the UI's own route: runs → flow-run/:flowRunId (flow-runs/flow-run/… only redirects there)
    assert re.search(r"path:`runs`.{0,400}name:`workspace\.runs\.flow-run`,path:`flow-run/:flowRunId`", bundle)
    v2 = "".join(p.read_text(errors="ignore") for p in (Path(prefect.__file__).parent / "server" / "ui-v2" / "assets")
                 .glob("*.js"))
    assert "to:`/runs/flow-run/$id`" in v2  # the new UI's route, served under /v2
    assert run_url("0b1c").endswith("/v2/runs/flow-run/0b1c")  # mails lead staff to the new UI (issue 23)
