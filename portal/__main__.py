"""`python -m portal`: the portal on SUPERVISION_PORTAL_HOST:SUPERVISION_PORTAL_PORT.

uvicorn's own access log is off (it would print each link's token); portal.guard logs
every request with the token replaced."""

import logging
import sys

import uvicorn

from adapters.settings import get_settings
from portal.app import create_app


def main() -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="[%(name)s] %(message)s")
    s = get_settings()
    uvicorn.run(create_app(), host=s.portal_host, port=s.portal_port, access_log=False, log_level="warning",
                server_header=False, date_header=False, proxy_headers=False)


if __name__ == "__main__":
    main()
