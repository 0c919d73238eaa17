"""What comes in through a portal link: validated, stored in one transaction, then handed to
the waiting run by reference (`{"submission_id": …}`), exactly once.

- Bad input is refused whole, each error naming the field, why and what is allowed; nothing
  is written (files are checked before any is kept).
- One submission per link (a unique key): a second submit (two tabs, a double click) gets
  the first receipt.
- The waiting run reads it back, checked to be its own (`read_for_step`, `read_payload`);
  handing it over, exactly once, is resumes.py.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from adapters import audit, mailer, uploads
from adapters.clock import now
from adapters.db import session_scope
from adapters.markdown_text import inert
from adapters.settings import get_settings
from adapters.templates import render_email
from models import PortalFile, PortalLink, PortalSubmission
from procedures.portal import limits as portal_limits
from procedures.portal.evidence import file_items, size_text
from procedures.portal.links import LinkLookup, aware, lookup
from procedures.portal.writers import one_writer

NAME_MAX = 200
STATEMENT_FIELD = "「陈述」"
FILES_FIELD = "「附件」"


@dataclass(frozen=True)
class IncomingFile:
    name: str  # as the browser sent it: display text only
    data: bytes


@dataclass(frozen=True)
class FileView:
    display_name: str
    type_label: str
    size: int
    size_text: str
    sha256: str
    item: str = ""  # the item of the form the file was attached to (附件3 第N项, a matter); "" for plain uploads


@dataclass(frozen=True)
class Receipt:
    submission_id: int
    receipt_number: str
    title: str
    recipient_name: str
    agency_name: str
    agency_email: str
    received_at: datetime
    statement: str
    files: list[FileView]


@dataclass
class SubmitResult:
    status: str  # stored | again | invalid | unknown | expired
    receipt: Receipt | None = None
    errors: list[str] = field(default_factory=list)
    link: PortalLink | None = None
    field_errors: dict[str, str] = field(default_factory=dict)  # form field → its message
    answers: dict = field(default_factory=dict)  # what was posted, to fill the page in again


def _mb(limit: float) -> str:
    return f"{limit:g} MB"


def _has_control(text: str, allow_newlines: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed and ch != "\u200d"
               for ch in text)


def validate(statement: str | None, files: list[IncomingFile]) -> list[str]:
    """Every problem of a submission, in Chinese: the field, why, and what is allowed."""
    settings = get_settings()
    errors = []
    text = (statement or "").strip()
    most = portal_limits.for_field("statement").max_chars
    if not text:
        errors.append(f"{STATEMENT_FIELD}：未填写。请写明您的陈述，最多 {most} 字。")
    elif portal_limits.measured(text) > most:
        errors.append(f"{STATEMENT_FIELD}：共 {portal_limits.measured(text)} 字，超过上限。最多 {most} 字。")
    elif _has_control(text, allow_newlines=True):
        errors.append(f"{STATEMENT_FIELD}：含有不可显示的控制字符。只能填写普通文字、标点和换行。")
    if len(files) > settings.portal_max_files:
        errors.append(f"{FILES_FIELD}：共选择了 {len(files)} 个文件，超过上限。最多 {settings.portal_max_files} 个。")
        return errors
    max_bytes = int(settings.portal_max_file_mb * 1024 * 1024)
    for f in files:
        errors.extend(_file_errors(f, max_bytes, settings.portal_max_file_mb))
    return errors


def _file_errors(f: IncomingFile, max_bytes: int, max_mb: float) -> list[str]:
    name = f.name.strip()
    shown = name[:60] + ("…" if len(name) > 60 else "")
    where = f"{FILES_FIELD}文件「{shown}」"
    if not name:
        return [f"{FILES_FIELD}：有一个文件没有文件名。请给文件起一个名字（如 说明.pdf）后再上传。"]
    if "/" in name or "\\" in name or ".." in name:
        return [f"{where}：文件名含有路径符号（/、\\ 或 ..）。请改用普通文件名（如 整改报告.pdf）后再上传。"]
    if _has_control(name, allow_newlines=False):
        return [f"{where}：文件名含有控制字符。请改用普通文件名后再上传。"]
    if len(name) > NAME_MAX:
        return [f"{where}：文件名共 {len(name)} 字，太长。最多 {NAME_MAX} 字。"]
    if not f.data:
        return [f"{where}：是空文件（0 字节）。请选择有内容的文件。"]
    if len(f.data) > max_bytes:
        return [f"{where}：大小 {size_text(len(f.data))}，超过上限。每个文件最大 {_mb(max_mb)}。"]
    actual = uploads.sniff(f.data[:16], f.data)
    if actual is None:
        return [f"{where}：内容不是 {uploads.ALLOWED_TEXT} 中的任何一种（按文件内容判断，不看扩展名）。"
                f"只能上传 {uploads.ALLOWED_TEXT} 文件。"]
    named = uploads.type_for_name(name)
    if named is not actual:
        said = f"扩展名表示{named.label}" if named else "扩展名不是 .pdf、.docx、.jpg、.png"
        return [f"{where}：{said}，但内容是{actual.label}。请把扩展名改为 {actual.extensions[0]} 后再上传。"]
    return []


def _files_of(s: Session, submission_id: int) -> list[PortalFile]:
    return list(s.exec(select(PortalFile).where(PortalFile.submission_id == submission_id)
                       .order_by(PortalFile.position)))


def _label(content_type: str) -> str:
    return next((t.label for t in uploads.ALLOWED if t.content_type == content_type), content_type)


def receipt_for(s: Session, link: PortalLink) -> Receipt:

    sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
    items = file_items(link, sub.payload)
    files = [FileView(f.display_name, _label(f.content_type), f.size, size_text(f.size), f.sha256,
                      items.get(f.position, ("", ""))[1]) for f in _files_of(s, sub.id)]
    return Receipt(sub.id, sub.receipt_number, link.title, link.recipient_name, link.agency_name,
                   link.agency_email, aware(sub.received_at), sub.payload.get("statement", ""), files)


def _usable(token: str, at: datetime | None, found: LinkLookup | None) -> tuple[LinkLookup, SubmitResult | None]:
    """The link a submit is for, or the answer that ends it (used: the first receipt). `found`
    is the portal's own lookup of this request (read just before the form was parsed): its
    expiry is checked again at `at`; whether another tab won meanwhile, the write itself checks."""
    if found is not None and found.problem == "":
        if (at or now()) > aware(found.link.expires_at):
            return found, SubmitResult("expired", link=found.link)
        return found, None
    with session_scope() as s:
        found = lookup(s, token, at)
        if found.problem == "used":
            return found, SubmitResult("again", receipt_for(s, found.link), link=found.link)
        if found.problem:
            return found, SubmitResult(found.problem, link=found.link)
        s.expunge(found.link)
    return found, None


def submit(token: str, statement: str | None, files: list[IncomingFile],
           at: datetime | None = None, found: LinkLookup | None = None) -> SubmitResult:
    """Validate, then store the submission, its files and its receipt mail in one transaction."""
    found, ended = _usable(token, at, found)
    if ended is not None:
        return ended
    errors = validate(statement, files)
    if errors:
        return SubmitResult("invalid", errors=errors, link=found.link)
    # Everything that needs no lock is done before the write: files kept, receipt and mail made.
    return _store(found.link, {"statement": (statement or "").strip()}, files, at or now(),
                  (statement or "").strip())


def submit_form(token: str, form, fields: dict[str, list[str]], files: list[tuple[str, IncomingFile]],
                at: datetime | None = None, found: LinkLookup | None = None) -> SubmitResult:
    """A form of the registry (procedures/portal/forms.py): the procedure that owns the step
    checks the answers, the files are checked by content and size (each error beside the item it
    belongs to); only then is anything stored, in one transaction, with the receipt mail."""
    found, ended = _usable(token, at, found)
    if ended is not None:
        return ended
    link = found.link
    answers = form.parse(fields)
    refusal, payload = form.check(link, answers, fields)
    errors, field_errors = list(refusal), dict(refusal.fields)
    for name, message in portal_limits.too_long(fields).items():  # every text field has its limit
        if name not in refusal.fields:  # a field the step's own check refused already says why
            errors.append(message)
            field_errors[name] = message
    settings = get_settings()
    if len(files) > settings.portal_max_files:
        message = f"{FILES_FIELD}：共选择了 {len(files)} 个文件，超过上限。最多 {settings.portal_max_files} 个。"
        errors.append(message)
        field_errors["files"] = message
    else:
        max_bytes = int(settings.portal_max_file_mb * 1024 * 1024)
        allowed = form.file_fields(link) if form.file_fields else None
        for name, f in files:
            where = form.file_field(name)
            if allowed is not None and where not in allowed:
                message = f"{FILES_FIELD}：表单中没有“{name[:40]}”这一上传项，请在本次督导事项下选择文件"
                errors.append(message)
                field_errors["files"] = f"{field_errors['files']}；{message}" if "files" in field_errors else message
                continue
            for message in _file_errors(f, max_bytes, settings.portal_max_file_mb):
                errors.append(message)
                key = where or "files"
                field_errors[key] = f"{field_errors[key]}；{message}" if key in field_errors else message
    if errors:
        return SubmitResult("invalid", errors=errors, link=link, field_errors=field_errors, answers=answers)
    payload = payload | {"files": [{"position": n, "field": form.file_field(name) or ""}
                                   for n, (name, _) in enumerate(files)]}
    labels = form.item_labels(link) if files else {}
    items = [labels.get(form.file_field(name) or "", "") for name, _ in files]
    return _store(link, payload, [f for _, f in files], at or now(), payload.get("statement", ""), items, form)


def _store(link: PortalLink, payload: dict, files: list[IncomingFile], received: datetime,
           text: str, items: list[str] | None = None, form=None) -> SubmitResult:
    """Files kept, receipt and mail made before the write; then one short transaction (with the
    form's own `stored` step, when it has one). An answer no run waits for is never resumed."""
    link_id = link.id
    kept = [uploads.store(f.data) for f in files]
    items = items or [""] * len(files)
    kinds = [uploads.sniff(f.data[:16], f.data) for f in files]
    views = [FileView(f.name.strip(), kind.label, len(f.data), size_text(len(f.data)), digest, item)
             for f, kind, (digest, _), item in zip(files, kinds, kept, items, strict=True)]
    # The receipt number follows the order of receipt (the submission's id, given in the write turn);
    # the mail is made now with a stand-in that the number replaces once it is known.
    stand_in = f"HZPENDING{link_id}"
    subject, mail_text, mail_html = _receipt_mail(link, stand_in, received, text, views)
    resumes = form is None or form.resumes
    try:
        with one_writer, session_scope() as s:
            # Statements built once (below), on the session's connection: this transaction is the
            # turn every submit waits for, and the ORM's unit of work and statement building cost
            # most of it (bench/portal_bench.py). The link is claimed by its accepted_at (a row
            # lock on PostgreSQL): another tab that won while we validated leaves nothing to update.
            conn = s.connection()
            if conn.execute(_CLAIM_LINK, {"link_id": link_id, "received": received}).rowcount != 1:
                raise _AlreadyAccepted
            submission_id = conn.execute(_INSERT_SUBMISSION, {
                "link_id": link_id, "receipt_number": stand_in, "payload": payload, "received_at": received,
                "resume_status": "pending" if resumes else "none", "resume_attempts": 0, "last_error": "",
            }).scalar_one()
            number = receipt_number(received, submission_id)
            conn.execute(_NUMBER_SUBMISSION, {"submission_id": submission_id, "number": number})
            if views:
                conn.execute(_INSERT_FILE, [
                    {"submission_id": submission_id, "position": position, "sha256": view.sha256,
                     "size": view.size, "content_type": kind.content_type, "display_name": view.display_name}
                    for position, (view, kind) in enumerate(zip(views, kinds, strict=True))])
            audit.record(conn, "portal_submission", [submission_id])  # core statements: no ORM event sees them
            if form is not None and form.stored is not None:
                form.stored(s, link, payload, received)
            mailer.enqueue(s, f"portal-receipt:{link_id}", link.recipient_email, link.recipient_kind,
                           *(part.replace(stand_in, number) for part in (subject, mail_text, mail_html)))
        link.accepted_at = received
        if form is not None and form.after_stored is not None:
            form.after_stored(link)
        receipt = Receipt(submission_id, number, link.title, link.recipient_name, link.agency_name,
                          link.agency_email, received, text, views)
        return SubmitResult("stored", receipt, link=link)
    except (_AlreadyAccepted, IntegrityError):
        _discard_unreferenced([d for d, wrote in kept if wrote])
        with session_scope() as s:
            link = s.get(PortalLink, link_id)
            return SubmitResult("again", receipt_for(s, link), link=link)


_LINK, _SUBMISSION = PortalLink.__table__, PortalSubmission.__table__
_CLAIM_LINK = (update(_LINK).where(_LINK.c.id == bindparam("link_id"), _LINK.c.accepted_at.is_(None))
               .values(accepted_at=bindparam("received")))
_INSERT_SUBMISSION = insert(_SUBMISSION).returning(_SUBMISSION.c.id)
_INSERT_FILE = insert(PortalFile.__table__)
_NUMBER_SUBMISSION = (update(_SUBMISSION).where(_SUBMISSION.c.id == bindparam("submission_id"))
                      .values(receipt_number=bindparam("number")))


def receipt_number(received: datetime, submission_id: int) -> str:
    """回执编号: the day received and the submission's place in the order of receipt."""
    return f"HZ{received:%Y%m%d}-{submission_id:06d}"


class _AlreadyAccepted(Exception):
    pass


def _discard_unreferenced(digests: list[str]) -> None:
    if not digests:
        return
    with session_scope() as s:
        used = set(s.exec(select(PortalFile.sha256).where(col(PortalFile.sha256).in_(digests))))
    for d in digests:
        if d not in used:
            uploads.discard(d)


def _receipt_mail(link: PortalLink, number: str, received: datetime, statement: str,
                  files: list[FileView]) -> tuple[str, str, str]:
    """The 回执: file names and hashes, never the statement itself (only its length)."""
    return render_email("portal_receipt", title=link.title, receipt_number=number,
                        recipient_name=link.recipient_name, agency_name=link.agency_name,
                        agency_email=link.agency_email, received_at=aware(received),
                        statement_chars=len(statement), files=files)


# -- the waiting run reads what was submitted ---------------------------------------------------
@dataclass(frozen=True)
class SubmissionView:
    submission_id: int
    receipt_number: str
    case_kind: str
    case_id: int
    statement: str
    files: list[FileView]


def read_for_step(submission_id: int, flow_run_id: str, step_key: str) -> SubmissionView:
    """The submission a run was resumed with, checked to belong to that run and pause key (a
    run input is only a reference; it must not open someone else's submission)."""
    with session_scope() as s:
        sub = s.get(PortalSubmission, submission_id)
        link = s.get(PortalLink, sub.link_id) if sub else None
        if link is None or link.flow_run_id != str(flow_run_id) or link.step_key != step_key:
            raise LookupError(f"submission {submission_id} does not belong to run {flow_run_id} at {step_key}")
        r = receipt_for(s, link)
        return SubmissionView(sub.id, sub.receipt_number, link.case_kind, link.case_id, r.statement, r.files)


def summary_markdown(submission_id: int, flow_run_id: str, step_key: str) -> str:
    """A submission as staff read it in a Prefect form: receipt, file names, the statement quoted
    (the files stay in var/uploads; the portal never serves them, 第八条)."""
    view = read_for_step(submission_id, flow_run_id, step_key)
    files = "、".join(inert(f.display_name) for f in view.files) or "无"
    quoted = "\n".join(f"> {inert(line)}" for line in view.statement.splitlines() if line.strip())
    return f"回执编号 {view.receipt_number}；附件：{files}" + (f"\n\n{quoted}" if quoted else "")


def read_payload(submission_id: int, flow_run_id: str, step_key: str) -> dict:
    """The structured answers a form of the registry stored, checked like `read_for_step`."""
    with session_scope() as s:
        sub = s.get(PortalSubmission, submission_id)
        link = s.get(PortalLink, sub.link_id) if sub else None
        if link is None or link.flow_run_id != str(flow_run_id) or link.step_key != step_key:
            raise LookupError(f"submission {submission_id} does not belong to run {flow_run_id} at {step_key}")
        return dict(sub.payload)
