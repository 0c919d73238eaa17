"""Appending to the audit log (models.audit): what each audited table records, its canonical JSON,
the hash chain, and the session event that appends in the same transaction as the write.

Every new row of an audited table, every change of an audited column and every deletion appends
one entry; the ORM's `after_flush` sees them with no change at the call sites. Writers that use
core statements on the connection (the portal's submit, the sanction sweep's bulk inserts and its
register update) call `record` themselves. The content is built from the row as the database
returns it, the way `verify` reads it later, so both sides compare like with like.

Order with several writers: on SQLite the flush has already taken the one write lock when the
head is read; on PostgreSQL a transaction-scoped advisory lock is taken before reading the head,
so two transactions never chain onto the same head (one waits for the other's commit).
"""

import hashlib
import json
import json.encoder as json_encoder
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, event, func, insert, inspect, select, text
from sqlmodel import Session, SQLModel

from models import AuditEntry

GENESIS_HASH = "0" * 64
PG_LOCK_KEY = 0x22A0D17  # pg_advisory_xact_lock: one chain, one writer at a time
_ENTRY = AuditEntry.__table__
_CHUNK = 500


@dataclass(frozen=True)
class Spec:
    """What an audited table records: its columns (None: all), the ones kept as a SHA-256 only
    (a letter's HTML; bytes always are), and the case the row belongs to."""

    columns: tuple[str, ...] | None
    case: Callable[[dict], str]
    digest: tuple[str, ...] = ()


def _inspection(row: dict) -> str:
    return f"inspection:{row['case_id']}" if row.get("case_id") else ""


def _by_key(row: dict) -> str:
    key = row.get("key") or row.get("idempotency_key") or ""
    if m := re.match(r"sanction-(\d+)-", key):
        return f"sanction:{m[1]}"
    if m := re.match(r"misconduct-[\w-]+:(\d+)$", key):
        return f"misconduct:{m[1]}"
    return ""


# A link's case_kind → the case reference of what came in through it.
LINK_CASES = {"daily_inspection": "inspection", "special_inspection": "inspection", "sanction": "sanction",
              "internal_session": "internal", "misconduct": "misconduct"}

SPECS: dict[str, Spec] = {
    "case_event": Spec(None, _inspection),
    "agency_decision": Spec(None, _inspection),
    "inspection_record": Spec(None, _inspection),
    "internal_record": Spec(None, lambda r: f"internal:{r['internal_session_id']}"),
    "document": Spec(None, lambda r: _inspection(r) or _by_key(r), digest=("html",)),
    "register_entry": Spec(None, _by_key),
    "portal_submission": Spec(("id", "link_id", "receipt_number", "payload", "received_at"),
                              lambda r: r.get("case", "")),
    "sanction_case": Spec(("id", "key", "number", "institution_id", "agency_id", "finding_case", "facts", "status",
                           "decision", "decided_case", "measure", "decision_reason", "decided_on", "decided_by",
                           "decision_served_on", "receipt_signed_at", "receipt_signer", "rectification_due"),
                          lambda r: f"sanction:{r['id']}"),
    "special_inspection": Spec(("id", "case_id", "stage", "decided_by", "outcome"), _inspection),
    # 双随机 (第十五条): the plan as approved (its published frame, seed and draw) and each session's
    # fate — struck with its reason, started, moved, cancelled.
    "sampling_plan": Spec(("id", "number", "agency_id", "period_start", "period_end", "rate_percent", "requested_count",
                           "minimum_per_year", "weights", "frame_size", "sample_size", "frame_hash", "seed",
                           "published_on", "chosen", "status", "approved_by", "approved_on"),
                          lambda r: f"plan:{r['id']}"),
    "plan_session": Spec(("id", "plan_id", "session_id", "batch_number", "status", "struck_reason", "struck_by",
                          "struck_on", "flow_run_id", "started_on", "moved_to"), lambda r: f"plan:{r['plan_id']}"),
    "misconduct_case": Spec(("id", "key", "supervisor_id", "item", "status", "proposed_measure", "measure",
                             "suspended_until", "body_measure", "body_decided_on", "decided_on", "decided_by",
                             "decision_text"), lambda r: f"misconduct:{r['id']}"),
}


# -- canonical content and the chain ---------------------------------------------------------------
def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    raise TypeError(f"not recordable: {type(value).__name__}")


def canonical(obj) -> str:
    """The one JSON text of `obj`: sorted keys, no spaces, dates ISO, bytes as their SHA-256 —
    json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain), its C
    encoder made once (json.dumps builds an encoder per call: 2.5× the time, and verify calls it
    once per row)."""
    if _ENCODE is None:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return "".join(_ENCODE(obj, 0))


_ENCODE = (json_encoder.c_make_encoder(None, _plain, json_encoder.encode_basestring, None, ":", ",", True, False, True)
           if json_encoder.c_make_encoder is not None else None)


def chain_hash(prev_hash: str, seq: int, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}{seq}{content}".encode()).hexdigest()


def row_json(name: str, row: dict) -> str:
    """What an entry records of a row (its audited columns, digests applied), as canonical JSON."""
    digest = SPECS[name].digest
    if not digest:
        return canonical(row)
    out = dict(row)
    for column in digest:
        if out.get(column) is not None:
            out[column] = "sha256:" + hashlib.sha256(str(out[column]).encode()).hexdigest()
    return canonical(out)


def entry_content(kind: str, row_text: str | None, corrects: int | None = None) -> str:
    """An entry's content: {"corrects": seq, "kind": …, "row": …}, keys in canonical order."""
    head = f'{{"corrects":{corrects},' if corrects is not None else "{"
    return f'{head}"kind":"{kind}","row":{row_text if row_text is not None else "null"}}}'


def row_part(content: str) -> str:
    """The row's JSON inside an entry's content (the last key; nothing before it can hold '"row":')."""
    return content[content.index('"row":') + 6:-1]


# -- reading audited rows as the database returns them ---------------------------------------------
def _columns(name: str):
    table = SQLModel.metadata.tables[name]
    spec = SPECS[name]
    return table, [table.c[c] for c in spec.columns] if spec.columns else list(table.c)


def rows_of(conn: Connection, name: str, ids: Iterable[int] | None = None) -> Iterator[dict]:
    """The audited rows of `name` (those with `ids`, or all), as recorded; a submission with its
    files' SHA-256 and the case of its link."""
    table, cols = _columns(name)
    ids = None if ids is None else list(ids)
    parts = [None] if ids is None else [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    for part in parts:
        query = select(*cols).order_by(table.c.id)
        if part is not None:
            query = query.where(table.c.id.in_(part))
        result = conn.execute(query, execution_options={"stream_results": True, "yield_per": 20000})
        keys = list(result.keys())
        if name != "portal_submission":
            yield from (dict(zip(keys, r, strict=True)) for r in result)
            continue
        rows = [dict(zip(keys, r, strict=True)) for r in result]
        _add_files(conn, rows, part)
        yield from rows


def _add_files(conn: Connection, rows: list[dict], part: list[int] | None) -> None:
    files, links = SQLModel.metadata.tables["portal_file"], SQLModel.metadata.tables["portal_link"]
    by_id = {r["id"]: r for r in rows}
    query = select(files.c.submission_id, files.c.position, files.c.sha256, files.c.size) \
        .order_by(files.c.submission_id, files.c.position)
    if part is not None:
        query = query.where(files.c.submission_id.in_(part))
    for r in rows:
        r["files"] = []
    for sub_id, position, digest, size in conn.execute(query):
        if sub_id in by_id:
            by_id[sub_id]["files"].append({"position": position, "sha256": digest, "size": size})
    link_ids = sorted({r["link_id"] for r in rows})
    kinds = {}
    for i in range(0, len(link_ids), _CHUNK):
        kinds.update({lid: (kind, cid) for lid, kind, cid in conn.execute(
            select(links.c.id, links.c.case_kind, links.c.case_id).where(links.c.id.in_(link_ids[i:i + _CHUNK])))})
    for r in rows:
        kind, case_id = kinds.get(r["link_id"], ("", 0))
        r["case"] = f"{LINK_CASES[kind]}:{case_id}" if kind in LINK_CASES else ""


# -- appending ---------------------------------------------------------------------------------------
def lock(conn: Connection) -> None:
    """PostgreSQL: wait for the chain (held to the end of the transaction; taking it again is free)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def append(conn: Connection, items: list[tuple[str, str, str, str]]) -> None:
    """Chain (kind, ref, case_ref, content) items onto the head, in this transaction."""
    if not items:
        return
    lock(conn)
    head = conn.execute(select(_ENTRY.c.seq, _ENTRY.c.hash).order_by(_ENTRY.c.seq.desc()).limit(1)).first()
    seq, prev = head if head else (0, GENESIS_HASH)
    at, rows = datetime.now(UTC), []
    for kind, ref, case_ref, content in items:
        seq += 1
        digest = chain_hash(prev, seq, content)
        rows.append({"seq": seq, "at": at, "kind": kind, "ref": ref, "case_ref": case_ref, "content": content,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(insert(_ENTRY), rows)


def _latest(conn: Connection, refs: list[str]) -> dict[str, int]:
    out = {}
    for i in range(0, len(refs), _CHUNK):
        out.update(conn.execute(select(_ENTRY.c.ref, func.max(_ENTRY.c.seq))
                                .where(_ENTRY.c.ref.in_(refs[i:i + _CHUNK])).group_by(_ENTRY.c.ref)).all())
    return out


def record(conn: Connection, name: str, ids: list[int], kind: str = "insert") -> None:
    """Append an entry for each of `ids` of table `name`: insert | update | delete | genesis.
    An update or a deletion names the entry it corrects (the row's latest)."""
    if not ids:
        return
    refs = [f"{name}:{i}" for i in ids]
    corrects = _latest(conn, refs) if kind in ("update", "delete") else {}
    rows = {} if kind == "delete" else {r["id"]: r for r in rows_of(conn, name, ids)}
    items = []
    for row_id, ref in zip(ids, refs, strict=True):
        row = rows.get(row_id)
        if kind == "delete":
            items.append((kind, ref, "", entry_content(kind, None, corrects.get(ref))))
        elif row is not None:
            items.append((kind, ref, SPECS[name].case(row),
                          entry_content(kind, row_json(name, row), corrects.get(ref))))
    append(conn, items)


def genesis(conn: Connection, progress: Callable[[str, int], None] | None = None) -> int:
    """Append a genesis entry for every audited row that has none (rows written before 0020):
    once, idempotent. Returns how many were appended."""
    total = 0
    for name in SPECS:
        table = SQLModel.metadata.tables[name]
        have = {int(ref.split(":", 1)[1]) for ref in conn.execute(
            select(_ENTRY.c.ref).where(_ENTRY.c.ref.like(f"{name}:%"))).scalars()}
        ids = [i for i in conn.execute(select(table.c.id).order_by(table.c.id)).scalars() if i not in have]
        for i in range(0, len(ids), 5000):
            record(conn, name, ids[i:i + 5000], "genesis")
        total += len(ids)
        if progress:
            progress(name, len(ids))
    return total


# -- the session event ------------------------------------------------------------------------------
def _name(obj) -> str | None:
    name = getattr(type(obj), "__tablename__", None)
    return name if name in SPECS else None


def _changed(obj, spec: Spec) -> bool:
    attrs = inspect(obj).attrs
    columns = spec.columns or [c.key for c in obj.__table__.columns]
    return any(attrs[c].history.has_changes() for c in columns if c in attrs)


def _before_flush(session: Session, _context, _instances) -> None:
    """PostgreSQL: take the chain's lock before this flush writes an audited row, not after: a
    transaction never holds an audited row's lock while it waits for the chain."""
    if session.get_bind().dialect.name == "postgresql" and any(
            _name(obj) for objs in (session.new, session.dirty, session.deleted) for obj in objs):
        lock(session.connection())


def _after_flush(session: Session, _context) -> None:
    found: dict[tuple[str, str], list[int]] = {}
    for kind, objs in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if (name := _name(obj)) is None or (kind == "update" and not _changed(obj, SPECS[name])):
                continue
            found.setdefault((name, kind), []).append(obj.id)
    if found:
        conn = session.connection()
        for (name, kind), ids in sorted(found.items(), key=lambda kv: (kv[0][1] != "insert", kv[0])):
            record(conn, name, sorted(ids), kind)


_installed = False


def install() -> None:
    """Register the after-flush append on every SQLModel session (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
