"""Evidence files of a case, for agency staff only (第八条: records and their evidence are
confidential): which step and which item each file belongs to, who sent it and when, and its
SHA-256. The record's artifact lists them (never their content, never a link's token);
`supervise evidence export` copies them out of var/uploads with generated names and a
manifest, checking every hash, with the case's audit entries and seal (audit.json). Nothing here is ever mailed, least of all to an institution.
"""

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from adapters import uploads
from adapters.db import session_scope
from adapters.markdown_text import inert
from models import FormSubmission, PortalFile, PortalLink, PortalSubmission
from procedures.portal.links import aware

INSPECTION_KINDS = ("daily_inspection", "special_inspection")  # both keyed by inspection_case.id
SANCTION_KIND = "sanction"
SENDER_KINDS = {"supervisor": "督导员", "institution": "评价机构", "staff": "工作人员代录"}
NO_ITEM = "（未指定项目的附件）"
MANIFEST_FIELDS = ("file", "status", "step", "step_key", "item", "original_name", "type", "size", "sha256",
                   "received_at", "sender", "receipt_number")


@dataclass(frozen=True)
class EvidenceFile:
    step: str  # what the link asked for, e.g. 督导情况记录表
    step_key: str  # the run's pause key (record, findings-3, defence …)
    item_key: str  # the form field the file was attached to (item_05, matter_6) or ""
    item: str  # that item, as a person reads it; "" for a submission's plain attachments
    original_name: str  # the sender's file name: display text only, never a path
    content_type: str
    type_label: str
    size: int
    sha256: str
    received_at: datetime
    sender: str
    receipt_number: str
    submission_id: int
    position: int


def item_labels(link: PortalLink) -> dict[str, str]:
    """Form field → the item a person reads, for the link's form (the portal_forms registry)."""
    from procedures.portal.forms import forms

    form = forms().get(link.kind)
    return form.item_labels(link) if form else {}


def file_items(link: PortalLink, payload: dict) -> dict[int, tuple[str, str]]:
    """Position of each file of a submission → (field, item label), from the stored payload."""
    labels = None
    out = {}
    for f in payload.get("files", []) or []:
        key = str(f.get("field") or "")
        if key and labels is None:
            labels = item_labels(link)
        out[int(f.get("position", -1))] = (key, (labels or {}).get(key, key))
    return out


def size_text(n: int) -> str:
    """A file's size as the receipt and the case file write it."""
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _sender(link: PortalLink, payload: dict) -> str:
    if link.recipient_kind == "staff":
        who = payload.get("entered_by") or link.recipient_name
        return f"{who}（{SENDER_KINDS['staff']}）"
    return f"{link.recipient_name}（{SENDER_KINDS.get(link.recipient_kind, link.recipient_kind)}）"


def _files_of_links(s: Session, links: list[PortalLink]) -> list[EvidenceFile]:
    by_id = {link.id: link for link in links}
    if not by_id:
        return []
    rows = s.exec(select(PortalSubmission, PortalFile).join(PortalFile, PortalFile.submission_id == PortalSubmission.id)
                  .where(col(PortalSubmission.link_id).in_(list(by_id)))
                  .order_by(PortalSubmission.received_at, PortalSubmission.id, PortalFile.position)).all()
    out, items = [], {}
    for sub, f in rows:
        link = by_id[sub.link_id]
        if sub.id not in items:
            items[sub.id] = file_items(link, sub.payload)
        key, label = items[sub.id].get(f.position, ("", ""))
        out.append(EvidenceFile(link.title, link.step_key, key, label, f.display_name, f.content_type,
                                _type_label(f.content_type), f.size, f.sha256, aware(sub.received_at),
                                _sender(link, sub.payload), sub.receipt_number, sub.id, f.position))
    return out


def _type_label(content_type: str) -> str:
    return next((t.label for t in uploads.ALLOWED if t.content_type == content_type), content_type)


def case_files(case_id: int, kind: str = "inspection") -> list[EvidenceFile]:
    """Every file that came in for a case, in the order received: records and member findings
    (supervisors), institution uploads, 代录. `kind`: inspection (a daily or special inspection,
    by inspection case id), sanction (a sanction case id) or misconduct (a 第二十六条 case id)."""
    kinds = {"inspection": INSPECTION_KINDS, "sanction": (SANCTION_KIND,), "misconduct": ("misconduct",)}[kind]
    with session_scope() as s:
        links = list(s.exec(select(PortalLink).where(PortalLink.case_id == case_id,
                                                     col(PortalLink.case_kind).in_(kinds))))
        return _files_of_links(s, links)


def record_files(case_id: int) -> list[EvidenceFile]:
    """The files of the record that counts: the portal submission the run accepted as the record."""
    with session_scope() as s:
        keys = s.exec(select(FormSubmission.pause_key).where(FormSubmission.case_id == case_id,
                                                             FormSubmission.accepted == True,  # noqa: E712
                                                             col(FormSubmission.pause_key).like("portal-%"))).all()
        ids = {int(k.removeprefix("portal-")) for k in keys if k.removeprefix("portal-").isdigit()}
        links = list(s.exec(select(PortalLink).join(PortalSubmission, PortalSubmission.link_id == PortalLink.id)
                            .where(col(PortalSubmission.id).in_(ids), PortalLink.kind == "record_form")))
        return [f for f in _files_of_links(s, links) if f.submission_id in ids]


# A sender's text made inert in Markdown and in the HTML it becomes: the one helper.
md = inert


def markdown(files: list[EvidenceFile], case_id: int, kind: str = "inspection",
             heading: str = "## 证据文件（仅限委派机构内部，第八条）") -> list[str]:
    """The files by item: name, type, size, SHA-256, and the command that exports them. Never
    content, never a token."""
    lines = [heading, ""]
    if not files:
        return [*lines, "无。", ""]
    groups: dict[tuple[str, str], list[EvidenceFile]] = {}
    for f in files:
        groups.setdefault((f.step, f.item or NO_ITEM), []).append(f)
    for (step, item), group in groups.items():
        lines.append(f"**{md(step)} · {md(item)}**")
        lines += [f"- {md(f.original_name)} · {f.type_label} · {size_text(f.size)} · SHA-256 `{f.sha256}`"
                  f"（{md(f.sender)}，{f.received_at:%Y-%m-%d %H:%M}）" for f in group]
        lines.append("")
    option = " --kind sanction" if kind == SANCTION_KIND else ""
    lines.append(f"导出原件（附清单，逐个核对 SHA-256）：`supervise evidence export --case {case_id}{option} --to <目录>`")
    return lines


# -- export ----------------------------------------------------------------------------------------
@dataclass
class ExportReport:
    directory: Path
    rows: list[dict] = field(default_factory=list)

    @property
    def problems(self) -> list[dict]:
        return [r for r in self.rows if r["status"] != "ok"]


class ExportError(ValueError):
    """The export cannot start: the reason in Chinese."""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)[:40] or "x"


def export_name(n: int, f: EvidenceFile) -> str:
    """A generated name: number, step, item and the start of the hash; never the sender's name."""
    ext = next((t.extensions[0] for t in uploads.ALLOWED if t.content_type == f.content_type), ".bin")
    return f"{n:03d}-{_safe(f.step_key)}-{_safe(f.item_key or 'files')}-{f.sha256[:12]}{ext}"


def _copy_checked(source: Path, target: Path, expected: str) -> str:
    """Copy, hashing what is read; then read the copy back and hash it. ok | missing | mismatch."""
    if not source.is_file():
        return "missing"
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
    copied = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest.hexdigest() != expected or copied != expected:
        target.unlink()
        return "mismatch"
    return "ok"


def export(case_id: int, to: Path, kind: str = "inspection") -> ExportReport:
    """Copy every file of a case into `to` (new or empty; mode 0700, files 0600) under generated
    names, with manifest.csv and manifest.json; every copy's SHA-256 is checked against the
    stored one. A missing or altered file is not copied and is listed with its status."""
    files = case_files(case_id, kind)
    if not files:
        raise ExportError(f"案件 {case_id} 没有经门户收到的文件（案件编号错误，或本案尚无附件）")
    to = Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise ExportError(f"目标目录 {to} 已存在且不为空：请指定一个新的或空的目录，以免与其他案件的文件混在一起")
    to.mkdir(parents=True, exist_ok=True, mode=0o700)
    report = ExportReport(to)
    for n, f in enumerate(files, 1):
        name = export_name(n, f)
        status = _copy_checked(uploads.path_for(f.sha256), to / name, f.sha256)
        report.rows.append({"file": name if status == "ok" else "", "status": status, "step": f.step,
                            "step_key": f.step_key, "item": f.item, "original_name": f.original_name,
                            "type": f.type_label, "size": f.size, "sha256": f.sha256,
                            "received_at": f.received_at.isoformat(), "sender": f.sender,
                            "receipt_number": f.receipt_number})
    _write_manifests(to, report.rows)
    _write_audit_manifest(to, f"{kind}:{case_id}")
    return report


def _write_audit_manifest(to: Path, case_ref: str) -> None:
    """audit.json: the case's audit entries with their hashes and the latest seal covering them,
    so a court copy can be checked against the log later (issue 22)."""
    from procedures.casework.audit_seal import case_manifest

    fd = os.open(to / "audit.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(case_manifest(case_ref), fh, ensure_ascii=False, indent=1)


def _write_manifests(to: Path, rows: list[dict]) -> None:
    fd = os.open(to / "manifest.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:  # utf-8-sig: Excel reads the Chinese
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    fd = os.open(to / "manifest.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(rows, fh, ensure_ascii=False, indent=1)
