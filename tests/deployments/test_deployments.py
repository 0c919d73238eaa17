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
    from tests.app_env import app_env

    declared = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    (schedule,) = declared["deadline-sweep"]["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 8 * * *", "Asia/Shanghai")
    with app_env({"SUPERVISION_SCHEDULES_PAUSED": "false"}):  # as `make run` has it (a test service pauses them)
        assert not {d.name: d for d in deployments()}["deadline-sweep"].paused
    (served,) = {d.name: d for d in deployments()}["deadline-sweep"].schedules
    assert (served.schedule.cron, served.schedule.timezone) == ("0 8 * * *", "Asia/Shanghai")


def test_served_names_list_every_served_deployment():
    from deployments.serve import SERVED

    assert sorted(SERVED) == sorted(f"{d.flow_name}/{d.name}" for d in deployments())


TITLED = {"daily-inspection", "deadline-sweep", "special-inspection", "sanction-procedure", "roster-import",
          "supervisor-card-issue", "appointment-draw", "misconduct-register", "misconduct-decide",
          "internal-supervision-report", "sampling-plan", "desk-morning"}  # the deployments staff start by hand with a form


def _yaml_flows():
    for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]:
        path, func = d["entrypoint"].split(":")
        yield d["name"], getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), func)


def test_prefect_deploy_registers_the_same_chinese_parameter_form_as_serve_with_no_step_after_it():
    from prefect.utilities.callables import parameter_schema

    served = {d.name: d for d in deployments()}
    assert "deployments.titles" not in (ROOT / "prefect.yaml").read_text()  # nothing patches the schema after deploy
    for name, flow in _yaml_flows():
        deployed = parameter_schema(flow).model_dump()  # what `prefect deploy --all` registers (cli/deploy/_core.py)
        assert deployed == served[name]._parameter_openapi_schema.model_dump(), name
    daily = served["daily-inspection"]._parameter_openapi_schema.model_dump()["properties"]
    assert daily["batch_number"]["title"] == "批次编号" and daily["as_of"]["format"] == "date"
    assert daily["agency_id"]["title"] == "委派机构编码" and "第十一条" in daily["agency_id"]["description"]


def test_every_parameter_of_a_hand_started_deployment_has_a_chinese_title_and_help_text():
    for d in deployments():
        if d.name in TITLED:
            for name, prop in d._parameter_openapi_schema.model_dump()["properties"].items():
                assert prop["title"] != name and prop.get("description"), f"{d.name}.{name}"


def test_an_optional_date_left_empty_has_no_default_the_ui_would_refuse_and_the_flow_gets_empty_text():
    # the UI checks a default against its format: '' is not a 'date', and the run would not start
    from flows.deadline_sweep import deadline_sweep

    for d in deployments():
        for prop in d._parameter_openapi_schema.model_dump()["properties"].values():
            assert not (prop.get("format") == "date" and prop.get("default") == ""), d.name
    sweep = {d.name: d for d in deployments()}["deadline-sweep"]._parameter_openapi_schema.model_dump()
    assert "default" not in sweep["properties"]["as_of"] and "as_of" not in sweep.get("required", [])
    from prefect.utilities.callables import get_call_parameters

    assert get_call_parameters(deadline_sweep.fn, (), {})["as_of"] == ""


def test_no_parameter_title_says_optional_itself_the_ui_adds_optional_to_every_field_with_a_default():
    said = [f"{d.name}.{name}" for d in deployments()
            for name, prop in d._parameter_openapi_schema.model_dump()["properties"].items() if "可选" in prop["title"]]
    assert said == []


def test_no_parameter_may_be_none_the_ui_would_show_a_type_switch_instead_of_a_field():
    # `T | None` becomes anyOf [T, null]: Prefect's form shows a "Property is type None" toggle
    nullable = [f"{d.name}.{name}" for d in deployments()
                for name, prop in d._parameter_openapi_schema.model_dump()["properties"].items()
                if any(alt.get("type") == "null" for alt in prop.get("anyOf", []))]
    assert nullable == []


def test_an_optional_date_that_is_not_a_date_ends_the_run_refused_naming_the_field():
    import pytest
    from prefect import flow
    from prefect.exceptions import Abort

    from adapters.clock import today
    from flows.parameters import BLANK_DATE, day_given

    @flow(name="day-given-check")
    def typed(as_of: str) -> str:
        return str(day_given(as_of, "发证日期"))

    assert typed("2026-06-01") == "2026-06-01" and typed(BLANK_DATE) == str(today())
    with pytest.raises(Abort, match="已拒绝：发证日期：应为有效日期（YYYY-MM-DD），实际为“2026-02-30”"):
        typed("2026-02-30")  # the engine ends a deployment's run Cancelled 已拒绝 on this (flows/ending.py)


def test_a_refusal_reads_refused_once_whether_or_not_the_flow_wrote_the_prefix():
    import pytest
    from prefect import flow
    from prefect.exceptions import Abort

    from flows.ending import end_refused

    @flow(name="refusal-prefix-check")
    def refusing(message: str) -> None:
        end_refused(message)

    for given in ("批次不存在", "已拒绝：批次不存在"):
        with pytest.raises(Abort) as refused:
            refusing(given)
        assert str(refused.value) == "已拒绝：批次不存在"


def test_every_flow_reads_its_typed_dates_through_day_given():
    """One refusal for a bad date in every flow (its field named, the run ended 已拒绝): no flow
    parses a typed date itself (deadline_sweep kept its own copy once)."""
    from pathlib import Path

    flows = Path(__file__).resolve().parents[2] / "flows"
    own = [p.name for p in flows.glob("*.py") if p.name != "parameters.py" and "fromisoformat(" in p.read_text()]
    assert own == []


def test_no_flow_refuses_by_returning_a_cancelled_state():
    """A refused start ends through flows.ending.end_refused in every flow: a *returned* Cancelled
    state is raised again by the engine and logged on the run as an ERROR with a traceback
    (the sanction and special-inspection flows did so once)."""
    import re
    from pathlib import Path

    flows = Path(__file__).resolve().parents[2] / "flows"
    returning = [p.name for p in flows.glob("*.py") if re.search(r"return\s+Cancelled\(", p.read_text())]
    assert returning == []
