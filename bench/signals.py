"""A benchmark stopped by SIGTERM or SIGHUP (`timeout 20 make bench`, a closed terminal) cleans up
like one stopped by Ctrl-C: the signal becomes SystemExit in the main thread, so the `finally`
blocks and context managers that stop what the benchmark started — the runner (bench.serve, in a
session of its own) and its flow-run processes, the Prefect server, the PostgreSQL server (a
daemon of pg_ctl) — run. Python's default for SIGTERM is to die on the spot and leave them."""

import signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def stop_on_sigterm() -> None:
    """Install once, at a benchmark's start (main thread only)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _stop)


def _stop(signum, _frame):
    # The cleanup must not be cut by a second signal: `timeout` signals the bench and then its
    # whole process group, make forwards what it gets.
    for sig in (*STOP_SIGNALS, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    print(f"\n{signal.Signals(signum).name} received: stopping what the benchmark started", flush=True)
    raise SystemExit(128 + signum)
