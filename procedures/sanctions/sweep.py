"""The sanctions' part of the daily sweep (run by tasks.sanctions.sweep_sanctions): the periods
the steps set, and — from sweep_thresholds.py — the thresholds; each acts exactly once.

- 第二十五条: a period to state and defend that has ended without a defence is closed (the
  waiting run is resumed with "no submission");
- 附件4: reminders before a rectification deadline (settings: 30, 7, 1 days); a deadline passed
  without a report → the escalation (第二十二条(六), or 第二十三条(一) after an earlier written
  notice; 第二十七条（三） for a missed improvement) is opened once, and the waiting run is told;
- 送达回执: a 处理决定书 not signed for through its portal link by its receipt date → the
  institution is reminded (with the link) and the agency told, once each (the decision was served
  by mail all the same; the receipt is the proof);
- 期限待定: a period left unknown is computed once its year is declared; a stored last day on a
  day off moves to the next working day (民法典第二百零三条), the institution told once;
- sweep_thresholds: 第二十三条(十) the third 不合格 session of a year, 第二十二条(四) / 第二十三条(七)
  no evaluation for 1 / 2 years; the agencies are told in one mail each of the cases opened.

Flat in history: every query reads only rows due around the sweep's day (indexed), never the
closed cases or the whole record table; the writes are set-based (one key lookup and one bulk
insert per kind, not a transaction per case, sweep_common.py), so 10,000 due items take well
under a second. Database keys make a second run on the same day a no-op.
"""

from datetime import date, timedelta
from html import escape

from sqlalchemy import and_, insert, or_, update
from sqlmodel import Session, col, select

from adapters import audit
from adapters.clock import now
from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import chinese_date, chinese_datetime, render_email
from models import Agency, Institution, OutboxMessage, PortalLink, RegisterEntry, SanctionCase
from procedures.casework.work_calendar import current_calendar
from procedures.sanctions.sweep_common import (
    SanctionSweep,
    _chunks,
    _existing,
    _insert_cases,
    _new_case,
)
from procedures.sanctions.sweep_thresholds import _inactivity, _third_fail
from regulation.calendar import CalendarDataMissing
from regulation.deadlines import moved_last_day, period_last_day


def _set(s: Session, ids: list[int], **values) -> None:
    for part in _chunks(ids):
        s.exec(update(SanctionCase).where(col(SanctionCase.id).in_(part)).values(**values))


def _resume(run_id: str | None, key: str, summary: SanctionSweep) -> bool:
    """Tell a waiting run its window closed ({"submission_id": 0}); True once it has it."""
    if not run_id:
        return False
    from adapters.prefect_resume import resume_at

    result = resume_at(run_id, key, {"submission_id": 0})
    if result.outcome in ("resumed", "already"):
        return True
    summary.waiting.append(f"{run_id}@{key}")
    return False


def sweep(as_of: date, resume: bool = True) -> SanctionSweep:
    """`resume=False` leaves the waiting runs alone (tests of the database part, the bench)."""
    summary = SanctionSweep(as_of)
    with session_scope() as s:
        _compute_unknown_dues(s, as_of, summary)
        _move_day_off_dues(s, as_of, summary)
        _close_hearings(s, as_of, summary, resume)
        _remind(s, as_of, summary)
        _remind_receipts(s, as_of, summary)
        _escalate(s, as_of, summary, resume)
        _third_fail(s, as_of, summary)
        _inactivity(s, as_of, summary)
        _tell_agencies(s, as_of, summary)
    return summary


def _tell_agencies(s: Session, as_of: date, summary: SanctionSweep) -> None:
    """One mail per agency listing the cases this sweep opened (start sanction-procedure with the
    case number); keyed by its first case, so a second sweep that opens nothing sends nothing."""
    keys = summary.opened + summary.escalation_keys
    if not keys:
        return
    rows = []
    for part in _chunks(keys):  # by the unique key: flat in history
        rows += s.exec(select(SanctionCase.id, SanctionCase.agency_id, SanctionCase.finding_case, SanctionCase.number)
                       .where(col(SanctionCase.key).in_(part))).all()
    by_agency: dict[str, list[tuple[int, str, str]]] = {}
    for case_id, agency_id, finding, number in rows:
        by_agency.setdefault(agency_id, []).append((case_id, finding, _label(case_id, number)))
    agencies = {a.id: a for a in s.exec(select(Agency).where(col(Agency.id).in_(list(by_agency))))}
    for agency_id, cases in by_agency.items():
        cases.sort()
        listing = "、".join(f"{label}（{finding}）" for _, finding, label in cases[:50])
        more = f"等 {len(cases)} 件" if len(cases) > 50 else f"共 {len(cases)} 件"
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【新开处理案件】{as_of} {len(cases)} 件", greeting=agencies[agency_id].name,
            paragraphs=[f"期限巡检（{as_of}）开立了以下处理案件：{listing}，{more}。",
                        "请在流程管理界面以“处理案件编号”启动 sanction-procedure（处理程序），先行告知评价机构（第二十五条）。"],
            sender="督导系统")
        enqueue(s, f"sanction-opened:{agency_id}:{as_of}:{cases[0][0]}", agencies[agency_id].email, "agency",
                subject, text, html)


# the portal links whose deadline is each period's (hearing.invite_args, service.RECEIPT_STEP)
_LINK_STEPS = {"hearing_due": (["defence"], ["defence-"]), "receipt_due": (["decision-receipt"], []),
               "rectification_due": (["explanation"], ["rectification-", "improvement-"])}


def _set_due(s: Session, case: SanctionCase, field_name: str, due: date) -> None:
    """A period's end now known (or moved): the case, the portal links of its window (a re-hearing's
    defence-2, defence-3 … too) and, for the rectification, the public register's 整改期限."""
    from procedures.casework.unknown_dues import fix_links

    setattr(case, field_name, due)
    keys, prefixes = _LINK_STEPS[field_name]
    fix_links(s, "sanction", case.id, keys, prefixes, due, case.clock_offset_days)
    if field_name == "rectification_due":
        s.exec(update(RegisterEntry).where(RegisterEntry.key == f"sanction-{case.id}-rectification")
               .values(until=due))
        changed = s.exec(select(RegisterEntry.id).where(RegisterEntry.key == f"sanction-{case.id}-rectification")).all()
        audit.record(s.connection(), "register_entry", list(changed), "update")  # a core update: no ORM event


def _move_day_off_dues(s: Session, as_of: date, summary: SanctionSweep) -> None:
    """A rectification/improvement/explanation date stored before the 民法典第二百零三条 rule (or a
    day declared off after the date was computed) that falls on a day off: moved to the next
    working day, the case's links and register line with it, and the institution told the new
    date once (keyed mail). Interpretation: only the open cases not yet escalated (status waiting,
    no report, the date not passed beyond the catch-up window) — one indexed query on (status, due);
    a date in a year not yet declared is kept as stored and never escalated on until the year is
    declared (_escalate), when this step moves it if need be."""
    since = as_of - timedelta(days=get_settings().sweep_catchup_days)
    rows = s.exec(select(SanctionCase).where(
        col(SanctionCase.status).in_(_WAITING), SanctionCase.rectification_due >= since,
        col(SanctionCase.report_received_on).is_(None), col(SanctionCase.escalated_on).is_(None))).all()
    if not rows:
        return
    cal = current_calendar(s)
    fill = _notice_mail("【期限顺延】整改（改进、说明）期限")
    for case in rows:
        stored = case.rectification_due
        due = moved_last_day(stored, cal)
        if due is None:
            continue
        _set_due(s, case, "rectification_due", due)
        case.details = (case.details or {}) | {"due_moved": [*(case.details or {}).get("due_moved", []),
                                                             {"from": str(stored), "to": str(due), "on": str(as_of)}]}
        s.add(case)
        inst = s.get(Institution, case.institution_id)
        subject, text, html = fill(inst.name, f"此前通知你单位的期限{chinese_date(stored)}为法定休假日（周末或法定节假日），"
                                              f"依民法典第二百零三条顺延至{chinese_date(due)}（含当日）。请在该日前通过原链接报送。"
                                              f"（处理案件 {_label(case.id, case.number)}）")
        enqueue(s, f"deadline-moved:sanction:{case.id}:{case.rectification_round}:{stored}", inst.contact_email,
                "institution", subject, text, html)
        summary.due_moved.append(case.id)


def _compute_unknown_dues(s: Session, as_of: date, summary: SanctionSweep) -> None:
    """Periods left 期限待定 (a year not yet declared, procedures/casework/unknown_dues.py): computed as
    soon as the year is known, and the institution told the date — once (the field is set, the
    pending entry removed). Until then nothing closes or escalates on them (NULL is never < day)."""
    from procedures.casework.unknown_dues import Period, due_or_unknown, tell_fixed

    rows = list(s.exec(select(SanctionCase).where(or_(  # indexed on (status, due)
        and_(SanctionCase.status == "hearing", col(SanctionCase.hearing_due).is_(None)),
        and_(col(SanctionCase.status).in_(_WAITING), col(SanctionCase.rectification_due).is_(None))))))
    # the partial index ix_sanction_case_receipt_open (0012_cal): only served, unsigned decisions
    rows += [c for c in s.exec(select(SanctionCase).where(
        col(SanctionCase.receipt_due).is_(None), col(SanctionCase.decision_served_on).is_not(None),
        col(SanctionCase.receipt_signed_at).is_(None))) if c not in rows]
    for case in rows:
        pending = dict((case.details or {}).get("due_pending", {}))
        if not pending:
            continue
        inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
        for field_name, entry in list(pending.items()):
            due, _ = due_or_unknown(s, agency, Period.from_dict(entry["period"]).due, entry["what"],
                                    f"处理案件 {_label(case.id, case.number)}")
            if due is None:
                continue
            del pending[field_name]
            # a re-hearing's round in the key: each round's date is told (not dropped as a duplicate)
            key = f"sanction:{case.id}:{field_name}" + (
                f":{case.details.get('hearing_round', 1)}" if field_name == "hearing_due" else "")
            tell_fixed(s, key, inst.contact_email, "institution", inst.name, entry["what"], due)
            _set_due(s, case, field_name, due)
            summary.due_computed.append(case.id)
        case.details = case.details | {"due_pending": pending}
        s.add(case)


def _close_hearings(s: Session, as_of: date, summary: SanctionSweep, resume: bool) -> None:
    rows = s.exec(select(SanctionCase.id, SanctionCase.flow_run_id, SanctionCase.details)
                  .where(SanctionCase.status == "hearing", SanctionCase.hearing_due < as_of,
                         col(SanctionCase.hearing_closed_on).is_(None))).all()
    # a hearing reopened after a change waits at defence-2, defence-3 … (common.defence_step)
    step = {case_id: "defence" if int((d or {}).get("hearing_round", 1)) == 1 else f"defence-{d['hearing_round']}"
            for case_id, _run, d in rows}
    closed = [case_id for case_id, run_id, _d in rows if not resume or _resume(run_id, step[case_id], summary)]
    _set(s, closed, hearing_closed_on=as_of)
    summary.hearings_closed += closed


_SENTINEL_NAME, _SENTINEL_TEXT = "\x00name\x00", "\x00text\x00"


def _notice_mail(subject_text: str):
    """A notice to an institution rendered once; each one's name and text put in afterwards
    (escaped in the HTML body): one template render per sweep and kind, not one per case."""
    subject, text, html = render_email("supervisor_notice", subject_text=subject_text,
                                       greeting=_SENTINEL_NAME, paragraphs=[_SENTINEL_TEXT],
                                       sender="技能人才评价质量督导")

    def fill(name: str, body: str) -> tuple[str, str, str]:
        return (subject, text.replace(_SENTINEL_NAME, name).replace(_SENTINEL_TEXT, body),
                html.replace(escape(_SENTINEL_NAME), escape(name)).replace(escape(_SENTINEL_TEXT), escape(body)))
    return fill


def _outbox_row(key: str, email: str, mail: tuple[str, str, str], at) -> dict:
    """An outbox row for a bulk insert (every column given)."""
    subject, text, html = mail
    return {"idempotency_key": key, "case_id": None, "recipient": email, "recipient_kind": "institution",
            "subject": subject, "text_body": text, "html_body": html, "document_ids": [], "status": "pending",
            "attempts": 0, "last_error": "", "created_at": at}


def _reminder_mail(left: int):
    """The rectification reminder, rendered once per day count."""
    fill = _notice_mail(f"【整改期限提醒】还有{left}天")

    def reminder(name: str, due: date, number: str) -> tuple[str, str, str]:
        return fill(name, f"你单位的整改期限为{due}（《整改通知书》{number}，附件4）。请在期限前通过整改报告链接提交"
                          "书面整改报告；整改期间不得组织职业技能等级认定。")
    return reminder


def _remind(s: Session, as_of: date, summary: SanctionSweep) -> None:
    days = sorted(set(get_settings().rectification_reminder_days))
    rows = s.exec(select(SanctionCase.id, SanctionCase.rectification_due, SanctionCase.rectification_round,
                         SanctionCase.details, Institution.name, Institution.contact_email)
                  .join(Institution, Institution.id == SanctionCase.institution_id)
                  .where(SanctionCase.status == "rectifying",
                         col(SanctionCase.rectification_due).in_([as_of + timedelta(days=d) for d in days]),
                         col(SanctionCase.report_received_on).is_(None))).all()
    keyed = {f"sanction-remind:{r[0]}:{r[2]}:{(r[1] - as_of).days}": r for r in rows}
    sent = _existing(s, OutboxMessage.idempotency_key, list(keyed))
    mails, now_ = {}, now()
    new = []
    for key, (case_id, due, _round, details, name, email) in keyed.items():
        if key in sent:
            continue
        left = (due - as_of).days
        fill = mails.setdefault(left, _reminder_mail(left))
        new.append(_outbox_row(key, email, fill(name, due, (details or {}).get("notice_number", "")), now_))
        summary.reminded.append(case_id)
    if new:
        s.exec(insert(OutboxMessage), params=new)


def _remind_receipts(s: Session, as_of: date, summary: SanctionSweep) -> None:
    """A decision not signed for by its receipt date: the institution reminded with its link (while
    the link lives), the agency told in one mail listing its cases — once (receipt_reminded_on).
    Set-based like the other reminders: one render, one bulk insert."""
    from procedures.portal.links import aware, url_of
    from procedures.sanctions.service import RECEIPT_STEP

    rows = s.exec(select(SanctionCase.id, SanctionCase.agency_id, SanctionCase.flow_run_id,
                         SanctionCase.decision_served_on, SanctionCase.receipt_due, SanctionCase.details,
                         Institution.name, Institution.contact_email, SanctionCase.number)
                  .join(Institution, Institution.id == SanctionCase.institution_id)
                  .where(SanctionCase.receipt_due < as_of, col(SanctionCase.receipt_signed_at).is_(None),
                         col(SanctionCase.receipt_reminded_on).is_(None))).all()
    if not rows:
        return
    links = {}
    for part in _chunks([r[2] for r in rows if r[2]]):  # by the run's indexed id
        links.update({link.flow_run_id: link for link in s.exec(select(PortalLink).where(
            col(PortalLink.flow_run_id).in_(part), PortalLink.step_key == RECEIPT_STEP))})
    fill, now_ = _notice_mail("【送达回执待签收】质量督导处理决定书"), now()
    new, by_agency = [], {}
    for case_id, agency_id, run_id, served, due, details, name, email, case_number in rows:
        number = (details or {}).get("decision_number", "")
        link = links.get(run_id)
        how = (f"请于{chinese_datetime(aware(link.expires_at))}前打开以下链接查看、下载并签收：{url_of(link)}"
               if link is not None and aware(link.expires_at) > now_
               else f"签收链接已过期，请与{link.agency_name if link else '委派机构'}联系办理签收。")
        new.append(_outbox_row(f"sanction-receipt-remind:{case_id}", email, fill(
            name, f"《质量督导处理决定书》（{number}）已于{chinese_date(served)}以电子邮件送达你单位，签收期限为{chinese_date(due)}，"
            f"至今未签收送达回执。{how}"),
            now_))
        by_agency.setdefault(agency_id, []).append(f"案件 {_label(case_id, case_number)}（{name}，决定书 {number}，{chinese_date(served)}送达，期限{chinese_date(due)}）")
        summary.receipts_reminded.append(case_id)
    sent = _existing(s, OutboxMessage.idempotency_key, [r["idempotency_key"] for r in new])
    if len(sent) < len(new):
        s.exec(insert(OutboxMessage), params=[r for r in new if r["idempotency_key"] not in sent])
    agencies = {a.id: a for a in s.exec(select(Agency).where(col(Agency.id).in_(list(by_agency))))}
    for agency_id, cases in by_agency.items():
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【送达回执未签收】{as_of} {len(cases)} 件", greeting=agencies[agency_id].name,
            paragraphs=[f"以下处理决定书已以电子邮件送达，但评价机构至签收期限未签收送达回执，已提醒评价机构一次：{'；'.join(cases[:50])}"
                        + (f"等 {len(cases)} 件。" if len(cases) > 50 else "。"),
                        "电子邮件送达仍然有效，处理措施照常执行；如需送达证明，请另行取得（如纸质送达回执）并归入案卷。"],
            sender="督导系统")
        enqueue(s, f"sanction-receipt-missing:{agency_id}:{as_of}:{summary.receipts_reminded[0]}",
                agencies[agency_id].email, "agency", subject, text, html)
    _set(s, summary.receipts_reminded, receipt_reminded_on=as_of)


# status → (the pause the run waits at, the case the missed date opens, 情节严重)
_WAITING = {"rectifying": ("rectification-{round}", "22.6", False),  # 第二十二条（六）
            "improving": ("improvement-{round}", "27.3", True),  # 第二十七条（三） 对督导意见拒不采取整改措施
            "awaiting_report": ("explanation", None, False)}  # 第二十条: recorded, no sanction of its own


def _escalate(s: Session, as_of: date, summary: SanctionSweep, resume: bool) -> None:
    rows = s.exec(select(SanctionCase.id, SanctionCase.status, SanctionCase.rectification_round,
                         SanctionCase.rectification_due, SanctionCase.escalated_on, SanctionCase.institution_id,
                         SanctionCase.agency_id, SanctionCase.details, SanctionCase.flow_run_id)
                  .where(col(SanctionCase.status).in_(_WAITING), SanctionCase.rectification_due < as_of,
                         col(SanctionCase.report_received_on).is_(None))).all()
    opened, first = [], []
    cal = None
    for case_id, status, rnd, due, escalated_on, inst_id, agency_id, details, run_id in rows:
        step, finding, serious = _WAITING[status]
        if escalated_on is None:  # 民法典第二百零三条: never before the period's real last day
            cal = cal or current_calendar(s)
            try:
                if period_last_day(due, cal) >= as_of:
                    continue
            except CalendarDataMissing:  # the year not declared: not known to have passed
                continue
        if escalated_on is None:
            first.append(case_id)
            if finding:
                what = {"22.6": f"《整改通知书》（{(details or {}).get('notice_number', '')}）限期于{due}前"
                                "完成整改，逾期未报送整改报告",
                        "27.3": f"改进要求限期于{due}前完成，逾期未报送改进情况"}[finding]
                opened.append(_new_case(f"overdue:{case_id}:{rnd}", inst_id, agency_id, finding, what, as_of,
                                        "sweep", case_id, serious))
        if resume:
            _resume(run_id, step.format(round=rnd), summary)
    summary.escalation_keys += [r["key"] for r in _insert_cases(s, opened)]
    _set(s, first, escalated_on=as_of)
    summary.escalated += first


def _label(case_id: int, number: str | None) -> str:
    """A case as staff and letters name it (procedures.sanctions.proposal.case_label, without its import)."""
    return number or f"第{case_id}号"
