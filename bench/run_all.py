"""`make bench`: every benchmark, printing figures and ratios."""

from bench import (
    audit_bench,
    backup_bench,
    desk_page,
    desk_stats,
    dispatch_bench,
    flow_bench,
    internal_coverage_bench,
    portal_bench,
    roster_bench,
    sampling,
    sanction_sweep_bench,
    service_bench,
    special_bench,
)
from bench.signals import stop_on_sigterm


def main() -> None:
    stop_on_sigterm()
    dispatch_bench.main()
    roster_bench.main()
    sanction_sweep_bench.main()
    internal_coverage_bench.main()
    sampling.main()
    flow_bench.main()
    service_bench.main()
    portal_bench.main()
    special_bench.main()
    backup_bench.main()
    audit_bench.main()
    desk_stats.main()
    desk_page.main()


if __name__ == "__main__":
    main()
