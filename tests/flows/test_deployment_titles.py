"""The work-pool variant (prefect.yaml): after `prefect deploy`, `python -m deployments.titles`
gives the registered deployments the same Chinese parameter titles the embedded service has."""

from prefect.client.schemas.actions import DeploymentUpdate
from prefect.utilities.callables import parameter_schema

from adapters.prefect_client import sync_client
from deployments.serve import DAILY_INSPECTION
from deployments.titles import apply_to_server
from flows.daily import daily_inspection


def test_titles_are_written_into_a_deployment_registered_without_them(service):
    with sync_client() as client:
        deployment = client.read_deployment_by_name(DAILY_INSPECTION)
        bare = parameter_schema(daily_inspection).model_dump()  # what `prefect deploy` registers
        client.update_deployment(deployment.id, DeploymentUpdate(parameter_openapi_schema=bare))
        assert client.read_deployment(deployment.id).parameter_openapi_schema["properties"]["batch_number"][
            "title"] == "batch_number"
        assert "daily-inspection" in apply_to_server()
        props = client.read_deployment(deployment.id).parameter_openapi_schema["properties"]
    assert props["batch_number"]["title"] == "批次编号" and props["agency_id"]["title"] == "委派机构编码"
    assert props["as_of"]["format"] == "date"
