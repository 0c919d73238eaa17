"""`python -m portal`: the portal on SUPERVISION_PORTAL_HOST:SUPERVISION_PORTAL_PORT, in
SUPERVISION_PORTAL_WORKERS uvicorn worker processes (default 2: parsing uploads is CPU-bound
and one process uses one core). Workers share nothing in memory that matters: submissions,
resume claims, the writers' turn and the wrong-token counts are in the database or var/.

uvicorn's own access log is off (it would print each link's token); portal.guard logs
every request with the token replaced."""

import logging
import signal
import sys

import uvicorn

from adapters.settings import get_settings


def _logging() -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="[%(name)s] %(message)s")


def worker_app():
    """The app in one worker process (uvicorn spawns each; they do not inherit our logging), which
    ends with its supervisor: a SIGKILL to `python -m portal` leaves no worker holding the port."""
    import ctypes
    import os

    _logging()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:
        os._exit(1)
    from portal.app import create_app

    return create_app()


def main() -> None:
    _logging()
    s = get_settings()
    common = dict(host=s.portal_host, port=s.portal_port, access_log=False, log_level="warning",
                  server_header=False, date_header=False, proxy_headers=False)
    if s.portal_workers == 1:
        from portal.app import create_app

        uvicorn.run(create_app(), **common)
    else:
        uvicorn.run("portal.__main__:worker_app", factory=True, workers=s.portal_workers, **common)


if __name__ == "__main__":
    main()
