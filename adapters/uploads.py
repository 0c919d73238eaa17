"""Uploaded files: what they are (by content, never by name), and where they are kept.

Files are stored under var/uploads/<first two hex digits>/<sha256>, written to a
temporary name in the same folder and renamed, so a file is either whole or absent, and
the same content is stored once. The sender's file name is never part of a path.
"""

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from adapters.settings import get_settings


@dataclass(frozen=True)
class FileType:
    key: str
    label: str  # what a person reads
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", "PDF 文档", "application/pdf", (".pdf",))
DOCX = FileType("docx", "Word 文档（DOCX）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                (".docx",))
JPEG = FileType("jpeg", "JPG 图片", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileType("png", "PNG 图片", "image/png", (".png",))
ALLOWED = (PDF, DOCX, JPEG, PNG)
ALLOWED_TEXT = "PDF、DOCX、JPG、PNG"


def sniff(head: bytes, data: bytes | None = None) -> FileType | None:
    """The file's type from its first bytes (and, for a zip, its directory); None when it is
    none of the allowed types. A DOCX is a zip holding `[Content_Types].xml` and `word/…`."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and data is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()  # reads the directory only, never inflates a member
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return DOCX
    return None


def type_for_name(name: str) -> FileType | None:
    lower = name.lower()
    return next((t for t in ALLOWED if lower.endswith(t.extensions)), None)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(digest: str, root: Path | None = None) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("not a SHA-256 hex digest")
    root = root or get_settings().uploads_dir()
    return root / digest[:2] / digest


def store(data: bytes, root: Path | None = None) -> tuple[str, bool]:
    """Keep `data` by its SHA-256; returns (digest, whether this call wrote it)."""
    digest = sha256(data)
    path = path_for(digest, root)
    if path.exists():
        return digest, False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{digest}.{os.getpid()}.{id(data)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return digest, True


def discard(digest: str, root: Path | None = None) -> None:
    """Remove a stored file (one this request wrote and no record came to name)."""
    try:
        path_for(digest, root).unlink()
    except FileNotFoundError:
        pass
