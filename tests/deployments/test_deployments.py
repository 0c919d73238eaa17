"""prefect.yaml (workers) and deployments/serve.py (embedded) declare the same deployments."""

import importlib
from pathlib import Path

import yaml

from deployments.serve import deployments

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_matches_served_deployments():
    declared = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    served = {d.name: d for d in deployments()}
    assert set(declared) == set(served)
    for name, d in declared.items():
        path, func = d["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), func)
        assert flow.name == served[name].flow_name
        assert d["description"] == served[name].description


def test_deadline_sweep_runs_daily_at_eight_shanghai_time():
    declared = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    (schedule,) = declared["deadline-sweep"]["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 8 * * *", "Asia/Shanghai")
    (served,) = {d.name: d for d in deployments()}["deadline-sweep"].schedules
    assert (served.schedule.cron, served.schedule.timezone) == ("0 8 * * *", "Asia/Shanghai")


def test_served_names_list_every_served_deployment():
    from deployments.serve import SERVED

    assert sorted(SERVED) == sorted(f"{d.flow_name}/{d.name}" for d in deployments())


def test_prefect_yaml_deployments_get_the_same_chinese_parameter_titles_as_the_served_ones():
    from prefect.utilities.callables import parameter_schema

    from deployments.titles import TITLES, titled_schema

    declared = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    served = {d.name: d for d in deployments()}
    assert "python -m deployments.titles" in (ROOT / "prefect.yaml").read_text()  # the step after prefect deploy
    for name, d in declared.items():
        path, func = d["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), func)
        deployed = titled_schema(name, parameter_schema(flow).model_dump())  # what prefect deploy + titles give
        assert deployed["properties"] == served[name]._parameter_openapi_schema.model_dump()["properties"], name
    daily = served["daily-inspection"]._parameter_openapi_schema.model_dump()["properties"]
    assert daily["batch_number"]["title"] == "批次编号" and daily["as_of"]["format"] == "date"
    # an optional date left empty: no '' default, which the UI refuses ("'' is not a 'date'") before the run starts
    for name, d in served.items():
        for prop in d._parameter_openapi_schema.model_dump()["properties"].values():
            assert not (prop.get("format") == "date" and prop.get("default") == ""), name
    assert set(TITLES) <= set(declared)


def test_no_parameter_title_says_optional_itself_the_ui_adds_optional_to_every_field_with_a_default():
    from deployments.titles import TITLES

    said = [f"{d}.{name}" for d, params in TITLES.items() for name, (title, _) in params.items() if "可选" in title]
    assert said == []
