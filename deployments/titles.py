"""The Chinese title and help text of every deployment parameter: one table, both ways of deploying.

Prefect titles a deployment parameter with its Python name, whatever the flow's signature says
(`prefect deploy` rebuilds the schema from the flow and ignores any schema in prefect.yaml).
So the titles live here, beside the flows' own tables, and are written into the schema:
- `deployments/serve.py` (the embedded default) before it serves;
- `python -m deployments.titles` after `prefect deploy --all` (the work-pool variant,
  prefect.yaml), into the deployments just registered on the server.
Dates are strings with `format: date` (the flow checks them): the UI shows a date picker.
"""

import copy

from flows.daily import PARAMETERS as DAILY_PARAMETERS
from flows.deadline_sweep import PARAMETERS as SWEEP_PARAMETERS
from flows.desk_morning import PARAMETERS as DESK_MORNING_PARAMETERS
from flows.internal_report import PARAMETERS as INTERNAL_REPORT_PARAMETERS
from flows.sampling_plan import PARAMETERS as SAMPLING_PARAMETERS
from flows.sanctions import PARAMETERS as SANCTION_PARAMETERS
from flows.special import PARAMETERS as SPECIAL_PARAMETERS

TITLES: dict[str, dict[str, tuple[str, str]]] = {  # deployment name → parameter → (title, help)
    "daily-inspection": DAILY_PARAMETERS,
    "deadline-sweep": SWEEP_PARAMETERS,
    "special-inspection": SPECIAL_PARAMETERS,
    "sanction-procedure": SANCTION_PARAMETERS,
    "internal-supervision-report": INTERNAL_REPORT_PARAMETERS,
    "sampling-plan": SAMPLING_PARAMETERS,
    "desk-morning": DESK_MORNING_PARAMETERS,
}
DATE_PARAMETERS = {"as_of", "planned_start", "planned_end", "complaint_received_on", "period_start", "period_end"}


def titled_schema(deployment_name: str, schema: dict) -> dict:
    """A copy of a deployment's parameter schema with the Chinese titles and help texts."""
    schema = copy.deepcopy(schema)
    for name, (title, description) in TITLES.get(deployment_name, {}).items():
        prop = schema["properties"][name]
        prop["title"], prop["description"] = title, description
        if name in DATE_PARAMETERS:
            prop["format"] = "date"
            if prop.get("default") == "":  # the UI checks a default against the format: '' is not a 'date',
                del prop["default"]         # so an untouched 业务日期 blocked the run; omitted, the flow's '' applies
    return schema


def apply_to_server(flow_names: dict[str, str] | None = None) -> list[str]:
    """Write the titles into the deployments registered on the server (after `prefect deploy`)."""
    from prefect.client.schemas.actions import DeploymentUpdate

    from adapters.prefect_client import sync_client

    flow_names = flow_names or {name: name for name in TITLES}  # here each flow is named like its deployment
    done = []
    with sync_client() as client:
        for name in TITLES:
            deployment = client.read_deployment_by_name(f"{flow_names[name]}/{name}")
            schema = titled_schema(name, deployment.parameter_openapi_schema)  # a dict, as the API keeps it
            client.update_deployment(deployment.id, DeploymentUpdate(parameter_openapi_schema=schema))
            done.append(name)
    return done


if __name__ == "__main__":
    for name in apply_to_server():
        print(f"已写入参数中文标题：{name}")
