"""bench/province_figures.py: the percentiles, the goal ratios and the projection arithmetic that
`make bench-province` prints and the README quotes (issue 20, part 5)."""

import pytest

from bench.province_figures import GIB, Assumptions, PerLeg, goal_ratio, percentile, projection


def test_percentile_interpolates_between_ranks_as_numpy_does():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 1, 7], 0) == 1 and percentile([10, 1, 7], 100) == 10
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([3.0], 95) == 3.0


def test_percentile_refuses_no_values_and_a_rank_outside_0_to_100():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_goal_ratio_is_measured_over_limit_and_met_only_strictly_under():
    assert goal_ratio("submit_p95", 2.5) == (0.5, True)
    assert goal_ratio("sweep", 2.0) == (1.0, False)
    ratio, ok = goal_ratio("server_rss", 1.5 * GIB)
    assert ratio == 1.5 and not ok


MEASURED = PerLeg(legs_per_run=3, worker_cpu=2.0, server_cpu=0.5, postgres_cpu=0.5,
                  app_bytes_per_run=10 * 1024, prefect_bytes_per_run=100 * 1024, app_base_bytes=64 * 2**20)


def _rows(m=MEASURED, a=Assumptions()) -> dict:
    return {what: (figure, arithmetic) for what, figure, arithmetic in projection(m, a)}


def test_a_year_is_60000_runs_times_legs_and_cpu_per_leg_summed_over_the_parts():
    rows = _rows()
    assert rows["legs a year"][0] == "180,000"
    assert rows["CPU per leg (all parts)"][0] == "3.00 s"
    assert rows["CPU a year"][0] == "150 core-hours"  # 180,000 × 3 s ÷ 3,600


def test_cores_are_the_day_or_the_peak_morning_at_half_load_and_hosts_round_up():
    rows = _rows()
    # 720 legs a day × 3 s ÷ 28,800 s ÷ 0.5 = 0.15; 1,000 first legs × 3 s ÷ 3,600 s ÷ 0.5 = 1.67
    assert rows["cores, an average day"][0] == "0.15"
    assert rows["cores, the peak morning"][0] == "1.67"
    # 1.67 cores × 2/3 in the run processes = 1.11 cores ÷ 2 a host → 1 host
    assert rows["worker hosts"][0] == "1"
    bigger = _rows(a=Assumptions(peak_runs=6_000))  # 10 cores × 2/3 = 6.67 ÷ 2 → 4 hosts
    assert bigger["worker hosts"][0] == "4"


def test_database_size_after_a_year_is_the_province_plus_each_run_s_growth():
    rows = _rows()
    app = (64 * 2**20 + 60_000 * 10 * 1024) / GIB
    assert rows["app database after a year"][0] == f"{app:.2f} GiB"
    assert rows["Prefect database after a year"][0] == f"{60_000 * 100 * 1024 / GIB:.2f} GiB"
    city = (64 * 2**20 / 16 + 3_750 * 110 * 1024) / GIB
    assert rows["one city of 16: databases after a year"][0] == f"{city:.2f} GiB"
