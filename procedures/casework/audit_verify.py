"""`supervise audit verify`: walk the audit log and say 「完整」 or name the first entry that does not
match (issue 22): a broken hash link, a gap in the sequence, an entry altered or swapped, a seal
the chain no longer reaches (the whole chain rewritten after it), a timeline row or decision
edited or deleted behind the application's back, a stored upload altered or gone, a row no entry
describes. One pass over the entries (the latest entry of each row kept as a digest), then one
pass over the live rows of each audited table.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from adapters import audit, uploads
from models import AuditEntry, AuditSeal

TABLE_NAMES = {
    "case_event": "时间线记录", "agency_decision": "处理决定", "inspection_record": "督导记录表",
    "internal_record": "内督记录表", "document": "文书", "register_entry": "公示记录",
    "portal_submission": "门户提交", "sanction_case": "处理程序", "special_inspection": "专项督导",
    "misconduct_case": "督导员违规处理",
}
_E = AuditEntry.__table__


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the entry named; None: a row no entry describes
    ref: str  # table:id
    why: str  # in Chinese, for the person who reads the report

    @property
    def what(self) -> str:
        table = self.ref.split(":", 1)[0]
        return f"{TABLE_NAMES.get(table, table)} {self.ref}" if self.ref else "审计日志"

    def line(self) -> str:
        where = f"第 {self.seq} 条（{self.what}）" if self.seq is not None else f"未登记的行（{self.what}）"
        return f"{where}：{self.why}"


@dataclass
class VerifyReport:
    entries: int = 0
    rows: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return min(self.problems, key=lambda p: (p.seq is None, p.seq or 0), default=None)

    def text(self) -> str:
        if self.ok:
            return f"完整：{self.entries} 条审计记录，核对 {self.rows} 行、{self.files} 个文件"
        return f"不完整：{self.first.line()}（共 {len(self.problems)} 处问题）"


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def snapshot_session(s: Session) -> Session:
    """`s`, its transaction opened REPEATABLE READ on PostgreSQL (one snapshot for `verify`)."""
    if s.get_bind().dialect.name == "postgresql":
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return s


def _entries(conn):
    """Every entry in chain order, streamed; on SQLite straight from its cursor (the same
    transaction's connection: a third of the walk's time is the result layer otherwise)."""
    sql = "SELECT seq, kind, ref, case_ref, content, prev_hash, hash FROM audit_entry ORDER BY seq"
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.driver_connection.cursor()
        cursor.arraysize = 10000
        yield from cursor.execute(sql)
        cursor.close()
        return
    yield from conn.exec_driver_sql(sql, execution_options={"stream_results": True, "yield_per": 20000})


def verify(s: Session, case_ref: str | None = None, files: bool = True) -> VerifyReport:
    """Walk the chain (all of it: a case's entries hang on every entry before them), then the live
    rows and stored files — of one case (`case_ref`, e.g. "inspection:12") or of all. One snapshot
    for both passes, so a write arriving meanwhile is not taken for a row missing from the log:
    SQLite reads inside one transaction; on PostgreSQL the caller opens the session REPEATABLE READ
    (`snapshot_session`)."""
    conn = s.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")  # the driver would read each statement in its own snapshot
    report = VerifyReport()
    seals = {}
    for seal in s.exec(select(AuditSeal).order_by(AuditSeal.day)):
        seals.setdefault(seal.head_seq, []).append(seal)
    latest: dict[str, dict[int, tuple[int, str, str, bytes]]] = {name: {} for name in audit.SPECS}
    expect, prev, broken, count = 1, audit.GENESIS_HASH, False, 0
    sha256, blake2b, problems = hashlib.sha256, hashlib.blake2b, report.problems
    for seq, kind, ref, case, content, prev_hash, digest in _entries(conn):
        if not broken:
            why = (f"序号不连续：第 {expect} 条缺失" if seq != expect else
                   "与前一条的哈希不相连（条目被删除、插入或调换）" if prev_hash != prev else
                   "内容与其哈希不符（条目被改动）"
                   if sha256(f"{prev_hash}{seq}{content}".encode()).hexdigest() != digest else None)
            if why:
                problems.append(Problem(seq, ref, why))
                broken = True
        if seq in seals:
            problems += [Problem(seq, ref, f"与 {seal.day} 封存的链头哈希 {seal.head_hash[:16]}… 不符（封存之后日志被改写）")
                         for seal in seals.pop(seq) if digest != seal.head_hash]
        expect, prev, count = seq + 1, digest, count + 1
        table, _, row_id = ref.partition(":")
        row_text = content[content.index('"row":') + 6:-1]  # audit.row_part, inline: once per entry
        try:
            latest[table][int(row_id)] = (seq, kind, case, blake2b(row_text.encode(), digest_size=16).digest())
        except KeyError:
            latest[table] = {int(row_id): (seq, kind, case, _digest(row_text))}
    report.entries = count
    for head_seq, gone in seals.items():
        report.problems += [Problem(head_seq, "", f"{seal.day} 封存时已有第 {head_seq} 条，现已不存在（日志被截短）")
                            for seal in gone]
    _check_rows(s, report, latest, case_ref, files)
    return report


def _check_rows(s: Session, report: VerifyReport, latest: dict, case_ref: str | None, files: bool) -> None:
    conn, blake2b, row_json = s.connection(), hashlib.blake2b, audit.row_json
    for name in audit.SPECS:
        entries = latest.get(name, {})
        if case_ref is None:
            live, expected = audit.rows_of(conn, name), set(entries)
        else:
            expected = {row_id for row_id, e in entries.items() if e[2] == case_ref}
            live = audit.rows_of(conn, name, sorted(expected))
        for row in live:
            row_id = row["id"]
            expected.discard(row_id)
            report.rows += 1
            entry = entries.get(row_id)
            if entry is None:
                report.problems.append(Problem(None, f"{name}:{row_id}",
                                               "此行不在审计日志中（绕过应用直接写入，或尚未运行 supervise audit init）"))
                continue
            seq, kind, _, digest = entry
            if kind == "delete":
                report.problems.append(Problem(seq, f"{name}:{row_id}", "日志记其已删除，此行却仍在"))
            elif blake2b(row_json(name, row).encode(), digest_size=16).digest() != digest:
                report.problems.append(Problem(seq, f"{name}:{row_id}",
                                               f"所记载的行已被改动（{_changed_fields(s, seq, name, row)}）"))
            elif files and name == "portal_submission":
                _check_files(report, seq, f"{name}:{row_id}", row)
        for row_id in expected:
            seq, kind, _, _ = entries[row_id]
            if kind != "delete":
                report.problems.append(Problem(seq, f"{name}:{row_id}", "所记载的行已被删除"))


def _changed_fields(s: Session, seq: int, name: str, row: dict) -> str:
    content = s.connection().execute(select(_E.c.content).where(_E.c.seq == seq)).scalar_one()
    was, now = json.loads(audit.row_part(content)) or {}, json.loads(audit.row_json(name, row))
    changed = sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))
    return "字段：" + "、".join(changed)


def _check_files(report: VerifyReport, seq: int, ref: str, row: dict) -> None:
    for f in row.get("files", []):
        report.files += 1
        path: Path = uploads.path_for(f["sha256"])
        if not path.is_file():
            report.problems.append(Problem(seq, ref, f"上传文件 {f['sha256'][:16]}…（第 {f['position'] + 1} 个）已不在存储中"))
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != f["sha256"]:
            report.problems.append(Problem(seq, ref, f"上传文件 {f['sha256'][:16]}…（第 {f['position'] + 1} 个）"
                                                     "的内容已被改动（SHA-256 不符）"))
