"""`make bench-province` — a province-year, simulated and measured (issue 20, part 5).

1. A province generated into an app database on PostgreSQL (bench/province_data.py): 16 cities
   and the provincial centre, 2,000 institutions, 5,000 supervisors, 60,000 sessions in a year.
2. The real pool stack started on it (`make run-pool`: Prefect server on PostgreSQL, the
   `supervision` process work pool, two workers, the portal, the SMTP catcher), and a compressed
   peak pushed through it (bench/province_peak.py): N daily inspections in a burst, the deadline
   sweep with all N waiting, records through the portal at a steady rate, decisions, letters.
3. Printed: runs started per second, legs per second, submit → next state (p50/p95), RSS of the
   server and the workers, the databases' sizes, the sweep's time, CPU per leg, the checks (no
   run lost or doubled, each mail once, no "database is locked"), the ratios to the issue's
   goals, and the paper projection of a year and of one city (bench/province_figures.py).

`python -m bench.province [--runs N] [--quick] [--rate R] [--records K] [--timeout S]`; not part of `make bench`.
"""

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench import province_checks as pc
from bench.province_data import generate
from bench.province_figures import GIB, Assumptions, PerLeg, goal_ratio, percentile, projection
from bench.province_mail import MailIndex
from bench.province_peak import Peak
from bench.province_procs import Sampler, find_parts
from bench.signals import stop_on_sigterm

PEAK_DAY = date(2026, 11, 23)  # a Monday
MIB = 2 ** 20


def args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.province", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000, help="daily inspections in the peak (default 1,000)")
    p.add_argument("--quick", action="store_true", help="a trial: 100 inspections")
    p.add_argument("--rate", type=float, default=1.0, help="records submitted per second (default 1)")
    p.add_argument("--records", type=int, default=None,
                   help="records posted for K of the N, spread evenly; the others stay waiting (default: all)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds each phase may take")
    a = p.parse_args(argv)
    if a.quick:
        a.runs = 100
    return a


def row(what: str, figure: str, note: str = "") -> None:
    print(f"  {what:<44} {figure:>16}  {note}")


def main(argv=None) -> None:
    from deployments.postgres import LocalPostgres, find_bin_dir
    from tests.app_env import app_env
    from tests.flows.service_process import service_process

    a = args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # a long run: each line as it comes
    stop_on_sigterm()
    if find_bin_dir() is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="province-"))
    root.chmod(0o755)
    app_pg = LocalPostgres(root / "app-pg")  # durable (fsync on), as a province's database server
    answered = "all" if a.records is None else f"{min(a.records, a.runs):,} of them"
    print(f"== a province-year: {a.runs:,} daily inspections at the peak, records for {answered} at {a.rate:g}/s ==")
    try:
        app_pg.start()
        url = app_pg.create_database("supervision")
        with app_env({"SUPERVISION_DATABASE_URL": url, "SUPERVISION_VAR_DIR": str(root / "gen")}):
            province = generate(url, PEAK_DAY, a.runs)
        app_gen = pc.database_bytes(app_pg.port, "supervision")
        print(f"  generated {province.counts} in {province.seconds:.1f} s (bulk inserts); "
              f"app database {app_gen / MIB:.0f} MiB")
        with service_process("run-pool", SUPERVISION_DATABASE_URL=url, SUPERVISION_RUN_WATCH_SECONDS="15",
                             PREFECT_LOGGING_LEVEL="INFO") as svc:
            began = time.monotonic()
            svc.start()
            print(f"  pool stack up in {time.monotonic() - began:.0f} s (server, 2 workers, portal, SMTP catcher)")
            measure(svc, app_pg, province, a, svc.root / "mail")
    finally:
        app_pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def measure(svc, app_pg, province, a, mail_dir: Path) -> None:
    prefect_data = svc.root / "var" / "prefect-pg" / "data"
    sampler = Sampler(find_parts(svc.proc.pid, [prefect_data, app_pg.data]))
    sampler.start()
    peak = Peak(province.peak, PEAK_DAY.isoformat())
    began = time.monotonic()
    warm = peak.sweep((PEAK_DAY - timedelta(days=1)).isoformat())  # the province's first sweep: one-off notices
    print(f"  first sweep of the province (the day before): {time.monotonic() - began:.0f} s, scheduled → done")
    app0, pf0 = pc.database_bytes(app_pg.port, "supervision"), pc.database_bytes(pc.pg_port(prefect_data), "prefect")
    cpu0 = sampler.cpu()
    peak.start_burst(a.timeout)
    time.sleep(3)  # the last run processes exit after their pause
    cpu1 = sampler.cpu()
    rss_waiting = sampler.read()
    print(f"  burst: {len(peak.ids):,} runs created in {peak.created_s:.1f} s, all waiting at the record form after "
          f"{peak.first_legs_s:.0f} s; workers' CPU {cpu1['workers'] - cpu0['workers']:.0f} s; server RSS "
          f"{rss_waiting['server'][0] / 1024:.0f} MiB")
    began = time.monotonic()
    peak.sweep_id = peak.sweep(PEAK_DAY.isoformat())
    cpu2 = sampler.cpu()
    print(f"  the sweep with all waiting: {time.monotonic() - began:.0f} s, scheduled → done")
    mail = MailIndex(mail_dir)
    peak.steady(mail, a.rate, a.timeout, a.records)
    time.sleep(3)
    cpu3 = sampler.cpu()
    sampler.running = False
    app1, pf1 = pc.database_bytes(app_pg.port, "supervision"), pc.database_bytes(pc.pg_port(prefect_data), "prefect")
    ids = list(peak.ids.values())
    hist = pc.histories([*ids, peak.sweep_id, warm])
    sweep_states, warm_states = hist.pop(peak.sweep_id), hist.pop(warm)
    n_legs = sum(pc.legs(hist[i]) for i in ids)
    # A whole inspection's legs, from the runs answered (the others stopped at their first pause).
    legs_per_run = sum(pc.legs(hist[peak.ids[b]]) for b in peak.answered) / max(1, len(peak.answered))
    lat = pc.latencies(hist, peak.submitted, peak.decided)
    checks = pc.check(list(peak.ids), peak.answered, peak.ids, hist, mail.doubled(), len(mail.keys), svc.log())
    cpu = {k: (cpu1[k] - cpu0[k]) + (cpu3[k] - cpu2[k]) for k in cpu0}
    report(a, peak, n_legs, legs_per_run, lat, sampler, rss_waiting, cpu, checks, sweep_states, warm_states,
           (app0, app1, pf0, pf1))


def _in_run(states) -> float:
    """Seconds inside the run's legs (each Running state → the next state)."""
    return sum((b.timestamp - s.timestamp).total_seconds() for s, b in zip(states, states[1:], strict=False)
               if s.type.value == "RUNNING")


def report(a, peak, n_legs, legs_per_run, lat, sampler, rss_waiting, cpu, checks, sweep_states, warm_states, sizes) -> None:
    n = len(peak.ids)
    app0, app1, pf0, pf1 = sizes
    total_s = peak.first_legs_s + peak.steady_s
    sweep_s = _in_run(sweep_states)
    sweep_wall = (sweep_states[-1].timestamp - sweep_states[0].timestamp).total_seconds()
    p = {k: (percentile(v, 50), percentile(v, 95)) for k, v in lat.items() if v}
    server_peak = sampler.peak_kb["server"] * 1024
    print(f"\n== the peak: N = {n:,} daily inspections, {n_legs:,} legs, "
          f"2 workers (limit {sampler_limit()} each), machine: 2 cores shared ==")
    row("runs started (API, 8 threads)", f"{n / peak.created_s:.1f} /s", f"{n:,} in {peak.created_s:.1f} s")
    row("first legs: all N waiting at the record form", f"{n / peak.first_legs_s:.2f} legs/s",
        f"{peak.first_legs_s:.0f} s after the burst began")
    k = len(peak.answered)
    row("records + decisions (steady)", f"{2 * k / peak.steady_s:.2f} legs/s",
        f"{2 * k:,} legs in {peak.steady_s:.0f} s at {a.rate:g} records/s"
        + (f"; {n - k:,} runs left waiting at their form" if k < n else ""))
    row("whole peak", f"{n_legs / total_s:.2f} legs/s", f"{n_legs:,} legs in {total_s:.0f} s")
    for key, label in (("submit_resumed", "submit → run resumed"), ("submit_next_wait", "submit → next wait (decision form)"),
                       ("decision_done", "decision → run completed")):
        if key in p:
            row(label + " p50/p95", f"{p[key][0]:.2f} / {p[key][1]:.2f} s", f"{len(lat[key]):,} measured")
    posts = [d for _, d in peak.submitted.values()]
    row("portal POST (record) p50/p95", f"{percentile(posts, 50):.2f} / {percentile(posts, 95):.2f} s")
    for part in ("server", "workers", "portal", "postgres"):
        row(f"RSS {part} (tree sum): N waiting / peak", f"{rss_waiting[part][0] / 1024:.0f} / "
            f"{sampler.peak_kb[part] / 1024:.0f} MiB")
    # Per whole inspection: the growth per leg times a whole inspection's legs (the same as
    # growth / N when every run was answered; an estimate when some stopped at their first pause).
    app_per_run, pf_per_run = ((b1 - b0) / n_legs * legs_per_run for b0, b1 in ((app0, app1), (pf0, pf1)))
    row("app database (PostgreSQL)", f"{app1 / MIB:.0f} MiB", f"+{app_per_run / 1024:.1f} KiB per inspection")
    row("Prefect database (PostgreSQL)", f"{pf1 / MIB:.0f} MiB", f"+{pf_per_run / 1024:.1f} KiB per inspection")
    row("deadline sweep with N waiting (in its leg)", f"{sweep_s:.2f} s", f"{sweep_wall:.1f} s scheduled → done; "
        f"first sweep of the province {_in_run(warm_states):.2f} s")
    print("    its parts: " + ", ".join(f"{name} {took:.2f} s" for name, took in pc.task_seconds(peak.sweep_id)[:6]))
    for part in ("workers", "server", "postgres", "portal"):
        row(f"CPU per leg: {part}", f"{cpu[part] / n_legs:.3f} s", f"{cpu[part]:.0f} s over {n_legs:,} legs")
        if part == "workers":
            row("  of it, the worker processes alone", f"{cpu['workers_own'] / n_legs:.3f} s",
                "polls, submits, watching; the rest is the run processes (one a leg)")
    print("\n  checks (each must be 0):")
    for what, count in checks.items():
        print(f"    {what:<46} {count}")
    if peak.refused:
        print(f"    decisions refused: {len(peak.refused)}")
    print("\n  goals (issue 20):")
    for name, value, shown in (("server_rss", server_peak, f"{server_peak / GIB:.2f} GiB"),
                               ("submit_p95", p.get("submit_next_wait", (0, float("inf")))[1],
                                f"{p.get('submit_next_wait', (0, float('nan')))[1]:.2f} s"),
                               ("sweep", sweep_s, f"{sweep_s:.2f} s")):
        ratio, ok = goal_ratio(name, value)
        print(f"    {name:<12} {shown:>10}  ratio {ratio:.2f} of the goal  {'met' if ok else 'MISSED'}")
    lost = sum(checks.values()) + len(peak.refused)
    print(f"    nothing lost, doubled or locked: {'met' if lost == 0 else 'MISSED'}")
    m = PerLeg(legs_per_run=legs_per_run, worker_cpu=cpu["workers"] / n_legs, server_cpu=cpu["server"] / n_legs,
               postgres_cpu=cpu["postgres"] / n_legs, app_bytes_per_run=app_per_run,
               prefect_bytes_per_run=pf_per_run, app_base_bytes=app0)
    print("\n  projection (paper, from the per-leg figures above):")
    for what, figure, arithmetic in projection(m, Assumptions(peak_runs=1000)):
        row(what, figure, arithmetic)


def sampler_limit() -> int:
    from adapters.settings import get_settings

    return get_settings().runner_process_limit


if __name__ == "__main__":
    main()
