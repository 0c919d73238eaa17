"""Serve the `sampling-plan` deployment beside the shared test service, until deployments/serve.py
serves it itself (the lead adds it there, and its titles to deployments/titles.py):
`python -m tests.flows.sampling_runner`."""

from prefect import serve

from deployments.serve import titled
from deployments.titles import TITLES
from flows.sampling_plan import PARAMETERS, sampling_plan

if __name__ == "__main__":
    TITLES.setdefault("sampling-plan", PARAMETERS)  # this process only: the Chinese titles, as serve.py will
    serve(titled(sampling_plan.to_deployment(name="sampling-plan", tags=["督导"],
                                             description="随机抽查计划（第十五条“双随机、一公开”）")), limit=2)
