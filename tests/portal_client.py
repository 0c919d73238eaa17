"""The portal as a real process (uvicorn on a free port) and a browser-like HTTP client."""

import re
import subprocess
import sys
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import httpx

from deployments.run_all import wait_healthy
from tests.postgres_server import free_port

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@dataclass
class Portal:
    url: str
    proc: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_portal(env: dict, log: Path, **settings: str):
    """`python -m portal` with `env` (+ SUPERVISION_PORTAL_* overrides), stopped after."""
    port = free_port()
    full = dict(env) | {"SUPERVISION_PORTAL_PORT": str(port), "SUPERVISION_PORTAL_HOST": "127.0.0.1"}
    full |= {f"SUPERVISION_PORTAL_{k.upper()}": v for k, v in settings.items()}
    proc = subprocess.Popen([sys.executable, "-m", "portal"], env=full, cwd=ROOT,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    portal = Portal(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_healthy(portal.url, seconds=60, process=proc, path="/healthz")
        yield portal
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def browser() -> httpx.Client:
    """One browser: keeps its cookies, does not follow redirects by itself."""
    return httpx.Client(timeout=30)


def open_form(client: httpx.Client, url: str) -> str:
    """GET the link page; returns the CSRF token of its form."""
    page = client.get(url)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


def post(client: httpx.Client, url: str, csrf: str | None, statement: str | None,
         files: list[tuple[str, bytes]] = (), follow: bool = True) -> httpx.Response:
    data = {} if csrf is None else {"csrf_token": csrf}
    if statement is not None:
        data["statement"] = statement
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    response = client.post(url, data=data, files=parts or None)
    if follow and response.status_code == 303:
        return client.get(str(response.url.join(response.headers["location"])))
    return response


def post_fields(client: httpx.Client, url: str, fields: dict, files=(), follow: bool = True) -> httpx.Response:
    """Open the link page, then post `fields` (a list value posts the name once per item) and
    `files` as (field, file name, bytes), like a browser filling the form."""
    body = {"csrf_token": [open_form(client, url)]}
    for name, value in fields.items():
        body.setdefault(name, []).extend(str(v) for v in (value if isinstance(value, list) else [value]))
    parts = [(name, (filename, content, "application/octet-stream")) for name, filename, content in files]
    response = client.post(url, data=body, files=parts or None)
    if follow and response.status_code == 303:
        return client.get(str(response.url.join(response.headers["location"])))
    return response


# -- real files of each kind --------------------------------------------------------------------
def pdf_bytes(text: str = "statement") -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def docx_bytes(text: str = "整改报告") -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


@contextmanager
def portal_env(root: Path, max_request_mb: str = "1", agencies: bool = True):
    """An app environment for HTTP tests of the portal: its own SQLite database under `root`,
    small upload limits, an SMTP port nobody listens on (mail stays in the outbox) and a
    Prefect API that is down (submissions stay pending). Yields the environment for
    `running_portal`, with `_root` beside it."""
    import os

    from adapters.db import session_scope, upgrade
    from cli.demo_data import add_agencies
    from tests.app_env import app_env

    values = {"SUPERVISION_VAR_DIR": str(root / "var"),
              "SUPERVISION_DATABASE_URL": f"sqlite:///{root / 'var' / 'supervision.db'}",
              "SUPERVISION_SMTP_PORT": str(free_port()),
              "SUPERVISION_PORTAL_MAX_FILE_MB": "0.05", "SUPERVISION_PORTAL_MAX_REQUEST_MB": max_request_mb,
              "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    with app_env(values):
        upgrade()
        if agencies:
            with session_scope() as s:
                add_agencies(s)
        yield dict(os.environ) | values | {"_root": root}


def nothing_stored(case_id: int) -> bool:
    """No portal submission for any link of the case."""
    from sqlmodel import select

    from adapters.db import session_scope
    from models import PortalLink, PortalSubmission

    with session_scope() as s:
        link_ids = [link.id for link in s.exec(select(PortalLink).where(PortalLink.case_id == case_id))]
        return not list(s.exec(select(PortalSubmission).where(PortalSubmission.link_id.in_(link_ids))))


def beside(page: str, field: str, text: str) -> bool:
    """The error sits beside its field: inside the field's block, before the field's input."""
    m = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', page)
    return bool(m) and text in m.group(1)
