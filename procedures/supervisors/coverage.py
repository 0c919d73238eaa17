"""Internal coverage (第十六条): every evaluation session has its internal supervisors. Part of
the daily sweep (sweep.py): a session starting within the next week with none is reported to
the agency responsible for its institution, once (第二十一条（七）).
"""

from datetime import date, timedelta

from sqlmodel import Session, select

from adapters.mailer import enqueue
from adapters.templates import render_email
from models import Institution, OutboxMessage

COVERAGE_LOOKAHEAD_DAYS = 7


def flag_internal_coverage(s: Session, as_of: date, lookahead_days: int = COVERAGE_LOOKAHEAD_DAYS) -> list[str]:
    """Sessions starting within the next week with no internal supervisor: tell the agency once (第十六条)."""
    from datetime import datetime

    from adapters.clock import tz
    from models import EvaluationSession
    from procedures.casework.dispatching import responsible_agency
    from regulation.internal_supervision import coverage_gap

    start = datetime(as_of.year, as_of.month, as_of.day, tzinfo=tz())
    rows = s.exec(select(EvaluationSession, Institution).join(Institution, Institution.id == EvaluationSession.institution_id)
                  .where(EvaluationSession.starts_at >= start,
                         EvaluationSession.starts_at < start + timedelta(days=lookahead_days + 1)))
    flagged = []
    for sess, inst in rows:
        gap = coverage_gap(sess.internal_supervisors)
        if gap is None:
            continue
        agency = responsible_agency(s, inst)
        key = f"internal-coverage:{sess.id}"
        if agency is None or s.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first():
            continue
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【内督未全覆盖】{sess.batch_number} {inst.name}", greeting=agency.name,
            paragraphs=[f"{inst.name}批次 {sess.batch_number}（{sess.occupation} {sess.level}，"
                        f"{sess.starts_at:%Y-%m-%d}）未安排内督员：{gap}。", "请督促该机构按规定安排内督员（第二十一条（七））。"],
            sender="督导系统")
        enqueue(s, key, agency.email, "agency", subject, text, html)
        flagged.append(sess.batch_number)
    return flagged
