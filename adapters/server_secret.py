"""A server secret: from a setting, or on the embedded default a random key kept in a file
under var/ (mode 0600), created once — also when two processes start at the same moment."""

import os
import secrets
from pathlib import Path


def server_secret(configured: str, path: Path) -> bytes:
    if configured:
        return configured.encode()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
