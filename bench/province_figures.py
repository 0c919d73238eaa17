"""A province-year (issue 20, part 5): the pure arithmetic of `make bench-province` — percentiles,
the ratios to the issue's goals, and the paper projection of a year (60,000 sessions) and of
the 16 cities (附件1 表3) from the measured per-leg figures. No I/O: tests/bench checks it."""

import math
from dataclasses import dataclass

GIB = 1024 ** 3
GOALS = {  # issue 20 "Goals": name → (limit, unit)
    "server_rss": (1 * GIB, "bytes"),
    "submit_p95": (5.0, "s"),
    "sweep": (2.0, "s"),
}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), interpolated linearly between the closest ranks (numpy's
    default); an empty list has none."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0–100")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def goal_ratio(name: str, measured: float) -> tuple[float, bool]:
    """measured ÷ the goal's limit, and whether it is met (strictly under)."""
    limit, _ = GOALS[name]
    return measured / limit, measured < limit


@dataclass(frozen=True)
class PerLeg:
    """What one leg costs, measured: CPU seconds in the workers' process trees (the run
    processes), in the Prefect server and in PostgreSQL (both clusters); database growth per
    daily inspection (app and Prefect)."""

    legs_per_run: float
    worker_cpu: float
    server_cpu: float
    postgres_cpu: float
    app_bytes_per_run: float
    prefect_bytes_per_run: float
    app_base_bytes: float  # the province's own rows (institutions, supervisors, the year's sessions)


@dataclass(frozen=True)
class Assumptions:
    runs_per_year: int = 60_000  # one daily inspection per evaluation session (issue 20)
    working_days: int = 250
    hours_per_day: float = 8.0
    peak_runs: int = 1_000  # the busiest morning: this many started at the 08:00 sweep
    peak_hours: float = 1.0  # … whose first legs must all be done within this (notices out)
    utilisation: float = 0.5  # plan cores at half load: room for the portal, bursts, a lost host
    cores_per_host: int = 2  # this machine
    cities: int = 16


def projection(m: PerLeg, a: Assumptions = Assumptions()) -> list[tuple[str, str, str]]:
    """Rows (what, figure, arithmetic) for the README: a year of the whole province, its peak
    morning, and one city of 16."""
    cpu = m.worker_cpu + m.server_cpu + m.postgres_cpu
    legs_year = a.runs_per_year * m.legs_per_run
    legs_day = legs_year / a.working_days
    cores_day = legs_day * cpu / (a.hours_per_day * 3600) / a.utilisation
    first_leg_cpu = cpu  # the first leg (open, draw, dispatch mail) costs about as much as any
    cores_peak = a.peak_runs * first_leg_cpu / (a.peak_hours * 3600) / a.utilisation
    worker_share = m.worker_cpu / cpu if cpu else 0.0
    worker_cores = max(cores_day, cores_peak) * worker_share
    worker_hosts = max(1, math.ceil(worker_cores / a.cores_per_host))
    app_year = m.app_base_bytes + a.runs_per_year * m.app_bytes_per_run
    prefect_year = a.runs_per_year * m.prefect_bytes_per_run
    city_runs = a.runs_per_year / a.cities
    city_legs_day = city_runs * m.legs_per_run / a.working_days
    city_cores = city_legs_day * cpu / (a.hours_per_day * 3600) / a.utilisation
    city_peak = a.peak_runs / a.cities * cpu / (a.peak_hours * 3600) / a.utilisation
    city_db = (m.app_base_bytes / a.cities + city_runs * m.app_bytes_per_run
               + city_runs * m.prefect_bytes_per_run)
    gib = GIB
    return [
        ("legs a year", f"{legs_year:,.0f}", f"{a.runs_per_year:,} runs × {m.legs_per_run:.2f} legs"),
        ("CPU per leg (all parts)", f"{cpu:.2f} s",
         f"workers {m.worker_cpu:.2f} + server {m.server_cpu:.2f} + PostgreSQL {m.postgres_cpu:.2f} s"),
        ("CPU a year", f"{legs_year * cpu / 3600:,.0f} core-hours", f"{legs_year:,.0f} legs × {cpu:.2f} s ÷ 3,600"),
        ("cores, an average day", f"{cores_day:.2f}",
         f"{legs_day:,.0f} legs/day × {cpu:.2f} s ÷ ({a.hours_per_day:g} h × 3,600 s) ÷ {a.utilisation:g} load"),
        ("cores, the peak morning", f"{cores_peak:.2f}",
         f"{a.peak_runs:,} first legs × {first_leg_cpu:.2f} s ÷ ({a.peak_hours:g} h × 3,600 s) ÷ {a.utilisation:g} load"),
        ("worker hosts", f"{worker_hosts}",
         f"max({cores_day:.2f}, {cores_peak:.2f}) cores × {worker_share:.0%} in the run processes "
         f"= {worker_cores:.2f} cores ÷ {a.cores_per_host} cores a host, rounded up (2 workers each)"),
        ("app database after a year", f"{app_year / gib:.2f} GiB",
         f"{m.app_base_bytes / 2**20:,.0f} MiB province + {a.runs_per_year:,} × {m.app_bytes_per_run / 1024:.1f} KiB"),
        ("Prefect database after a year", f"{prefect_year / gib:.2f} GiB",
         f"{a.runs_per_year:,} × {m.prefect_bytes_per_run / 1024:.1f} KiB (states, inputs, logs, artifacts)"),
        ("one city of 16: cores", f"{max(city_cores, city_peak):.2f}",
         f"max(day {city_cores:.2f}, peak {city_peak:.2f}): {city_runs:,.0f} runs a year, "
         f"{a.peak_runs / a.cities:,.0f} on its peak morning"),
        ("one city of 16: databases after a year", f"{city_db / gib:.2f} GiB",
         f"{m.app_base_bytes / a.cities / 2**20:,.0f} MiB + {city_runs:,.0f} × "
         f"({m.app_bytes_per_run / 1024:.1f} + {m.prefect_bytes_per_run / 1024:.1f}) KiB"),
    ]
