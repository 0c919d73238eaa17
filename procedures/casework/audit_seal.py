"""Sealing the audit log, and what a case file carries of it (issue 22).

Once a day the sweep stores the head of the chain as it stands (`seal_day`), mails it to the
provincial centre and the public register shows the latest seals: numbers kept outside the
database, so a chain rewritten after a seal no longer reaches it (`audit_verify`). The case file a
staff member exports carries the case's entries with their hashes and the latest seal that covers
them (`case_manifest`), so a court copy can be checked against the log later.
"""

import html
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from adapters import clock, mailer
from adapters.db import session_scope
from models import Agency, AuditEntry, AuditSeal


@dataclass(frozen=True)
class SealView:
    day: date
    head_seq: int
    head_hash: str
    sealed_at: datetime


def seal_day(s: Session, day: date) -> AuditSeal | None:
    """The day's seal: the chain's head stored once (a rerun of the sweep keeps the first), and
    mailed once to the provincial centre (level "province"). None while the log is empty."""
    seal = s.exec(select(AuditSeal).where(AuditSeal.day == day)).first()
    if seal is None:
        head = s.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
        if head is None:
            return None
        seal = AuditSeal(day=day, head_seq=head.seq, head_hash=head.hash, sealed_at=clock.now())
        s.add(seal)
        s.flush()
    if not seal.mailed:
        province = s.exec(select(Agency).where(Agency.level == "province").order_by(Agency.id)).first()
        if province is not None:
            subject, text, body = _seal_mail(seal)
            mailer.enqueue(s, f"audit-seal:{day.isoformat()}", province.email, "agency", subject, text, body)
            seal.mailed = True
            s.add(seal)
    return seal


def _seal_mail(seal: AuditSeal) -> tuple[str, str, str]:
    subject = f"审计日志封存值（{seal.day}）：第 {seal.head_seq} 条"
    lines = [f"{seal.day} 督导案卷审计日志的封存值如下，请留存本邮件备查：",
             f"链头序号：{seal.head_seq}",
             f"链头哈希（SHA-256）：{seal.head_hash}",
             "日后核对案卷时，若日志中第该序号条目的哈希与此不符，说明封存之后日志被改写。"
             "同一数值亦在公开的处理情况公布页面上公布。"]
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return subject, "\n".join(lines) + "\n", body


def latest_seals(limit: int = 7) -> list[SealView]:
    """The most recent seals, newest first, for the public register page."""
    with session_scope() as s:
        rows = s.exec(select(AuditSeal).order_by(col(AuditSeal.day).desc()).limit(limit))
        return [SealView(r.day, r.head_seq, r.head_hash, r.sealed_at) for r in rows]


def case_manifest(case_ref: str) -> dict:
    """The case's entries (seq, time, kind, row, case, content, previous hash, hash) and the latest
    seal covering the last of them, or None while no seal covers it yet."""
    with session_scope() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.case_ref == case_ref).order_by(AuditEntry.seq)).all()
        last = entries[-1].seq if entries else 0
        seal = s.exec(select(AuditSeal).where(AuditSeal.head_seq >= last)
                      .order_by(col(AuditSeal.day).desc())).first() if entries else None
        return {
            "case": case_ref,
            "how_to_check": "每条的 hash = SHA-256(prev_hash + seq + content)；封存值与日志中该序号条目的 hash 相同，"
                            "且由封存值向前逐条相连，则本案记录自登记以来未被改动（supervise audit verify --case）。",
            "entries": [{"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "ref": e.ref, "content": e.content,
                         "prev_hash": e.prev_hash, "hash": e.hash} for e in entries],
            "seal": ({"day": seal.day.isoformat(), "head_seq": seal.head_seq, "head_hash": seal.head_hash,
                      "sealed_at": seal.sealed_at.isoformat()} if seal else None),
            "seal_note": "" if seal or not entries else "本案最新记录尚无封存覆盖：次日巡检封存后可重新导出",
        }


def seal_for_sweep(day: date) -> str:
    """The daily sweep's step (its last, so the seal covers the sweep's own writes): seal the day
    once and say so in the sweep's summary."""
    with session_scope() as s:
        seal = seal_day(s, day)
        if seal is None:
            return f"审计日志：{day} 无记录，无需封存。"
        sent = "已发送省级中心" if seal.mailed else "未找到省级中心（级别 province）的邮箱，未发送"
        return f"审计日志：{seal.day} 已封存，链头第 {seal.head_seq} 条，哈希 `{seal.head_hash}`（{sent}，并在公布页面公示）。"
