"""The runner for benchmarks: every real deployment plus the bare baseline, in one process."""

from prefect import serve

from adapters.settings import get_settings
from bench.bare_flow import bare_lifecycle, bare_suspends
from deployments.serve import deployments

BARE = "bare-lifecycle/bare-lifecycle"
BARE_SUSPENDS = "bare-suspends/bare-suspends"

if __name__ == "__main__":
    serve(*deployments(), bare_lifecycle.to_deployment(name="bare-lifecycle"),
          bare_suspends.to_deployment(name="bare-suspends"),
          limit=get_settings().runner_process_limit)
