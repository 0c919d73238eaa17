"""The runner for benchmarks: every real deployment plus the bare baseline, in one process."""

from prefect import serve

from adapters.settings import get_settings
from bench.bare_flow import bare_lifecycle
from deployments.serve import deployments

BARE = "bare-lifecycle/bare-lifecycle"

if __name__ == "__main__":
    serve(*deployments(), bare_lifecycle.to_deployment(name="bare-lifecycle"),
          limit=get_settings().runner_process_limit)
