"""Daily-inspection cases in the database (第十五条(一), 第十七条, 附件3).

Each operation is one transaction and idempotent by a database key (the flow run id, a
pause key, a document or message key), so a replayed flow run changes nothing twice.
Rules come from regulation/; this module only reads, decides through them, and writes.
"""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from adapters import assignment_codes, clock
from adapters.db import session_scope
from adapters.documents import Document, OfficialLetter, allocate_number, docx_text, store_document
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email, render_paragraphs
from models import (
    Agency,
    AgencyDecision,
    CaseEvent,
    Dispatch,
    Draw,
    EvaluationSession,
    FormSubmission,
    InspectionCase,
    InspectionRecord,
    Institution,
    PendingCase,
    Supervisor,
)
from procedures import dispatching
from regulation.calendar import CalendarDataMissing
from regulation.cards import canonical_card_code
from regulation.checklists import FORM_NAMES, load_checklist
from regulation.deadlines import record_due
from regulation.dispatch import DispatchPool, check_named
from regulation.filing import scope_findings, status_refusal
from regulation.reasons import RuleViolation
from regulation.sanctions import FOLLOWUP_OPTIONS, SanctionHistory, propose_daily_followup
from regulation.scoring import AnswerError, score

METHODS = ("现场督导", "数据比对", "抽查评价资料（含录像）", "远程监控")  # 第十五条(一)2
LETTERS = {  # decision → (template, title, document kind)
    "约谈提醒": ("interview_notice", "约谈提醒通知", "interview_notice"),
    "提醒函": ("reminder_letter", "提醒函", "reminder_letter"),
    "质量通报": ("quality_bulletin", "质量通报", "quality_bulletin"),
}
PENDING_KINDS = {"转专项督导": "special_inspection", "启动处理程序": "sanction"}


@dataclass(frozen=True)
class CaseView:
    case_id: int
    flow_run_id: str
    status: str
    batch_number: str
    refusal_reason: str = ""
    form_kind: str = ""
    institution: str = ""
    record_due: date | None = None
    opened_on: date | None = None


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    errors: list[str] = field(default_factory=list)


def case_today(case: InspectionCase) -> date:
    """The case's "today": the real date shifted by the offset fixed when it opened (as_of)."""
    return clock.today() + timedelta(days=case.clock_offset_days)


def run_url(flow_run_id: str) -> str:
    return f"{get_settings().prefect_ui_url.rstrip('/')}/runs/flow-run/{flow_run_id}"


def add_event(s: Session, case_id: int, key: str, on: date, text: str) -> None:
    if s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.key == key)).first() is None:
        s.add(CaseEvent(case_id=case_id, key=key, on=on, text=text))


def _view(s: Session, case: InspectionCase) -> CaseView:
    sess = s.get(EvaluationSession, case.session_id) if case.session_id else None
    inst = s.get(Institution, case.institution_id) if case.institution_id else None
    return CaseView(case.id, case.flow_run_id, case.status, case.batch_number, case.refusal_reason,
                    sess.form_kind if sess else "", inst.name if inst else "", case.record_due, case.opened_on)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(clock.tz()).date()


def _refuse(s: Session, case: InspectionCase, reason: str) -> None:
    case.status, case.refusal_reason = "refused", reason
    s.add(case)
    add_event(s, case.id, "refused", case.opened_on, f"终止：{reason}")


def open_case(flow_run_id: str, batch_number: str, as_of: date | None, agency_id: str | None) -> CaseView:
    """Open (once per flow run) and check the session: exists, institution may evaluate, in scope."""
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == flow_run_id)).first()
        if case:
            return _view(s, case)
        real_today = clock.today()
        opened = as_of or real_today
        case = InspectionCase(flow_run_id=flow_run_id, batch_number=batch_number, opened_on=opened,
                              clock_offset_days=(opened - real_today).days)
        s.add(case)
        s.flush()
        sess = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == batch_number)).first()
        if sess is None:
            _refuse(s, case, f"批次编号“{batch_number}”不存在，请核对后重新发起")
            return _view(s, case)
        inst = s.get(Institution, sess.institution_id)
        case.session_id, case.institution_id = sess.id, inst.id
        add_event(s, case.id, "opened", opened, f"发起日常督导：{inst.name}，批次 {batch_number}")
        refusal = status_refusal(inst.status)
        if refusal:
            _refuse(s, case, str(refusal))
            return _view(s, case)
        agency = dispatching.responsible_agency(s, inst, agency_id)
        if agency is None:
            _refuse(s, case, f"未找到对该机构有委派管辖权的委派机构{f'“{agency_id}”' if agency_id else ''}（第十一条）")
            return _view(s, case)
        case.agency_id = agency.id
        findings = scope_findings(inst.scope_occupations, inst.scope_levels, inst.scope_regions, inst.exam_sites,
                                  sess.occupation, sess.level, sess.region, sess.site)
        if findings:
            reasons = "；".join(str(f.reason) for f in findings)
            s.add(PendingCase(kind="sanction", institution_id=inst.id, source_case_id=case.id,
                              article=findings[0].reason.article, opened_on=opened,
                              facts=f"批次 {batch_number} 超出备案范围：{reasons}"))
            _refuse(s, case, f"该批次超出备案范围，已作为违规线索登记待处理：{reasons}")
            return _view(s, case)
        try:
            case.record_due = record_due(_local_date(sess.ends_at)).due
        except CalendarDataMissing as exc:  # the legal deadline cannot be known: say so, don't guess
            _refuse(s, case, str(exc))
            return _view(s, case)
        case.status = "dispatching"
        s.add(case)
        return _view(s, case)


def dispatch(case_id: int, cards: list[str] | None, k: int) -> CaseView:
    """Draw (or check the named) supervisors, store draw + dispatches, queue the notices. Once."""
    try:
        with session_scope() as s:
            case = s.get(InspectionCase, case_id)
            if case.status != "dispatching":
                return _view(s, case)
            _dispatch(s, case, cards, k)
            return _view(s, case)
    except RuleViolation as exc:
        with session_scope() as s:
            case = s.get(InspectionCase, case_id)
            _refuse(s, case, f"无法委派：{exc}")
            return _view(s, case)


def _dispatch(s: Session, case: InspectionCase, cards: list[str] | None, k: int) -> None:
    sess = s.get(EvaluationSession, case.session_id)
    inst = s.get(Institution, case.institution_id)
    agency = s.get(Agency, case.agency_id)
    facts = dispatching.agency_facts(s, agency)
    people = dispatching.session_people(sess, case.opened_on)
    hist = dispatching.history(s, inst.id, case.opened_on)
    conflicts = dispatching.declared_conflicts(s, inst.id)
    draw_id = None
    if cards:
        wanted = list(dict.fromkeys(canonical_card_code(c) for c in cards if c.strip()))
        found = {sup.card_code: sup for sup in s.exec(select(Supervisor).where(col(Supervisor.card_code).in_(wanted)))}
        problems = [f"{c}：无此督导员" for c in wanted if c not in found]
        for code in wanted:
            if code in found:
                (sf,) = dispatching.supervisor_facts(s, [found[code]])
                problems += [f"{code}：{r}" for r in check_named(facts, dispatching.institution_facts(inst), sf,
                                                                 people, conflicts, hist)]
        if problems:
            raise RuleViolation("；".join(problems), "第十一条、第十三条")
        chosen = [found[c] for c in wanted]
    else:
        pool = DispatchPool(facts, dispatching.supervisor_facts(s, dispatching.issuer_pool(s, facts)), case.opened_on)
        result = pool.draw(dispatching.institution_facts(inst), people, k, secrets.token_hex(16), conflicts, hist)
        draw = Draw(session_id=sess.id, agency_id=agency.id, drawn_on=case.opened_on, seed=result.seed, k=k,
                    candidates=list(result.candidates), candidates_hash=result.candidates_hash,
                    chosen=list(result.chosen))
        s.add(draw)
        s.flush()
        draw_id = draw.id
        by_id = {str(sup.id): sup for sup in s.exec(select(Supervisor).where(
            col(Supervisor.id).in_([int(i) for i in result.chosen_ids])))}
        chosen = [by_id[i] for i in result.chosen_ids]
        add_event(s, case.id, "draw", case.opened_on,
                  f"随机抽取：候选 {len(result.candidates)} 人，抽取 {k} 人，种子 {result.seed}")
    brief = _brief(sess, inst, len(chosen))
    for sup in chosen:
        d = Dispatch(session_id=sess.id, supervisor_id=sup.id, agency_id=agency.id, institution_id=inst.id,
                     draw_id=draw_id, dispatched_on=case.opened_on, case_id=case.id)
        s.add(d)
        s.flush()
        code = assignment_codes.code_for(d.id)
        d.assignment_code_hash = assignment_codes.code_hash(code)
        subject, text, html = render_email(
            "dispatch_notice", supervisor_name=sup.name, agency_name=agency.name, brief=brief,
            assignment_code=code, record_due=case.record_due, form_url=run_url(case.flow_run_id))
        enqueue(s, f"dispatch-notice:{d.id}", sup.email, "supervisor", subject, text, html, case.id)
        add_event(s, case.id, f"dispatch-{sup.id}", case.opened_on, f"委派外督员 {sup.name}（{sup.card_code}），已发派遣通知")
    case.status = "awaiting_record"
    s.add(case)


def _brief(sess: EvaluationSession, inst: Institution, supervisor_count: int) -> dict:
    fmt = "%Y-%m-%d %H:%M"
    return {
        "institution": inst.name, "batch_number": sess.batch_number, "site": sess.site,
        "occupation": sess.occupation, "level": sess.level, "form_name": FORM_NAMES[sess.form_kind],
        "candidate_count": sess.candidate_count,
        "starts_at": sess.starts_at.astimezone(clock.tz()).strftime(fmt),
        "ends_at": sess.ends_at.astimezone(clock.tz()).strftime(fmt),
        "examiners": [e["name"] for e in sess.examiners], "supervisor_count": supervisor_count,
        "internal_supervisors": [f"{i['name']}（{i.get('card_code', '')}）" for i in sess.internal_supervisors],
    }


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _sanction_history(s: Session, institution_id: int, exclude_case: int) -> SanctionHistory:
    fails = s.exec(select(InspectionRecord.inspection_ended_on).join(
        InspectionCase, InspectionCase.id == InspectionRecord.case_id).where(
        InspectionCase.institution_id == institution_id, InspectionRecord.verdict == "不合格",
        InspectionRecord.case_id != exclude_case))
    return SanctionHistory(failed_results=tuple(fails))


def _answer_once(case_id: int, pause_key: str, judge) -> Outcome:
    """Judge one answer to a form once: a replay reads the stored outcome and never judges
    again (the clock, or the data a check reads, may have moved since)."""
    with session_scope() as s:
        prior = s.exec(select(FormSubmission).where(FormSubmission.case_id == case_id,
                                                    FormSubmission.pause_key == pause_key)).first()
        if prior:
            return Outcome(prior.accepted, prior.errors)
        case = s.get(InspectionCase, case_id)
        today = case_today(case)
        errors = judge(s, case, today)
        s.add(FormSubmission(case_id=case_id, pause_key=pause_key, accepted=not errors, errors=errors,
                             received_on=today))
        return Outcome(not errors, errors)


def submit_record(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Check and store the 附件3 record once; a refused answer stores only its refusal."""
    def judge(s: Session, case: InspectionCase, today: date) -> list[str]:
        errors, record = _check_record(s, case, answers, today)
        if errors:
            add_event(s, case.id, f"refused-{pause_key}", today, f"记录表被退回（{len(errors)} 处问题），已请重新填写")
        else:
            _store_record(s, case, *record, today=today)
        return errors

    return _answer_once(case_id, pause_key, judge)


def _check_record(s: Session, case: InspectionCase, answers: dict, today: date):
    sess = s.get(EvaluationSession, case.session_id)
    checklist = load_checklist(sess.form_kind)
    errors, deadline = [], None
    dispatches = list(s.exec(select(Dispatch).where(Dispatch.case_id == case.id)))
    given = assignment_codes.code_hash(str(answers.get("assignment_code", "")))
    signer = next((d for d in dispatches if hmac.compare_digest(given, d.assignment_code_hash)), None)
    if signer is None:
        errors.append("任务编码不正确：请填写派遣通知邮件中的一次性任务编码")
    ended = _as_date(answers.get("inspection_ended_on"))
    started = _local_date(sess.starts_at)
    if ended is None:
        errors.append("督导结束日期：应为有效日期（YYYY-MM-DD）")
    elif ended > today:
        errors.append(f"督导结束日期：{ended} 晚于今天（{today}），请填写实际结束日期")
    elif ended < started:
        errors.append(f"督导结束日期：{ended} 早于评价活动开始日期（{started}）")
    else:
        try:
            deadline = record_due(ended)
        except CalendarDataMissing as exc:
            errors.append(f"督导结束日期：无法计算提交期限（{exc}），请联系委派机构")
    methods = [m for m in answers.get("methods") or [] if m in METHODS]
    if not methods:
        errors.append(f"督导方式：请至少选择一项（{'、'.join(METHODS)}）")
    if not str(answers.get("overall_evaluation", "")).strip():
        errors.append("总体评价：不能为空，请总结本次督导情况")
    veto = {v.no: answers.get(f"veto_{v.no}") for v in checklist.veto_items}
    items = {i.no: answers.get(f"item_{i.no:02d}") for i in checklist.items}
    result = None
    try:
        result = score(checklist, {n: a for n, a in veto.items() if a}, {n: a for n, a in items.items() if a})
    except AnswerError as exc:
        errors += exc.problems
    return errors, (checklist, signer, deadline, methods, veto, items, answers, result)


def _store_record(s, case, checklist, signer, deadline, methods, veto, items, answers, result, today):
    sess = s.get(EvaluationSession, case.session_id)
    inst = s.get(Institution, case.institution_id)
    agency = s.get(Agency, case.agency_id)
    supervisor = s.get(Supervisor, signer.supervisor_id)
    ended, due, late = _as_date(answers["inspection_ended_on"]), deadline.due, deadline.missed_by(today)
    remarks = {str(i.no): answers.get(f"remark_{i.no:02d}", "") for i in checklist.items
               if answers.get(f"remark_{i.no:02d}")}
    s.add(InspectionRecord(
        case_id=case.id, form_kind=checklist.form, form_version=checklist.version, submitted_by=supervisor.id,
        submitted_on=today, inspection_ended_on=ended, due_on=due, late=late, methods=methods,
        veto_answers={str(k): v for k, v in veto.items()}, item_answers={str(k): v for k, v in items.items()},
        remarks=remarks, overall_evaluation=str(answers["overall_evaluation"]).strip(), verdict=result.verdict,
        negative_count=result.negative_count, item_count=result.item_count,
        veto_hits=[v.no for v in result.veto_hits], failed_items=[i.no for i in result.failed_items]))
    for d in s.exec(select(Dispatch).where(Dispatch.case_id == case.id)):
        d.status = "recorded"
        s.add(d)
    facts = (f"{ended}，外督员对{inst.name}组织的{sess.occupation}（{sess.level}）{FORM_NAMES[sess.form_kind]}"
             f"（批次编号：{sess.batch_number}）进行日常督导，总体评价结果为“{result.verdict}”")
    proposal = propose_daily_followup(result, _sanction_history(s, inst.id, case.id), ended, facts)
    case.proposal = {"option": proposal.option, "reasons": [str(r) for r in proposal.reasons],
                     "article": proposal.sanction.article if proposal.sanction else "第十五条（一）",
                     "notice_text": proposal.sanction.notice_text if proposal.sanction else ""}
    case.status = "awaiting_decision"
    s.add(case)
    late_text = f"，逾期（应于 {due} 前提交）" if late else ""
    add_event(s, case.id, "record", today,
              f"外督员 {supervisor.name} 提交记录表：{result.verdict}（否定项 {result.negative_count}/{result.item_count}）{late_text}")
    subject, text, html = render_email(
        "record_received", agency_name=agency.name, batch_number=sess.batch_number, institution=inst.name,
        supervisor_name=supervisor.name, submitted_on=today, late=late, due_on=due, verdict=result.verdict,
        negative_count=result.negative_count, item_count=result.item_count,
        reasons=[str(r) for r in result.reasons], failed_items=result.failed_items,
        proposal_option=proposal.option, proposal_article=case.proposal["article"],
        decision_url=run_url(case.flow_run_id))
    enqueue(s, f"record-received:{case.id}", agency.email, "agency", subject, text, html, case.id)


def decide(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Store the agency's follow-up decision once (第十五条(一)3)."""
    def judge(s: Session, case: InspectionCase, today: date) -> list[str]:
        option = answers.get("decision")
        handled_by = str(answers.get("handled_by", "")).strip()
        opinion = str(answers.get("opinion", "")).strip()
        errors = []
        if option not in FOLLOWUP_OPTIONS:
            errors.append(f"处理决定：应为 {'/'.join(FOLLOWUP_OPTIONS)} 之一")
        if not handled_by:
            errors.append("经办人：不能为空")
        if option == "约谈提醒" and not opinion:
            errors.append("处理意见：约谈提醒须写明约谈时间、地点和要求")
        if not errors:
            s.add(AgencyDecision(case_id=case.id, option=option, proposed_option=case.proposal.get("option", ""),
                                 opinion=opinion, handled_by=handled_by, decided_on=today))
            case.decision = option
            s.add(case)
            add_event(s, case.id, "decision", today,
                      f"{handled_by} 决定：{option}（系统建议：{case.proposal.get('option')}）")
        return errors

    return _answer_once(case_id, pause_key, judge)


def _problems(checklist, record: InspectionRecord) -> list[str]:
    """What the institution is told: veto hits and failed items, never remarks or names (第八条)."""
    problems = [f"一票否决项：{checklist.veto_items[n - 1].text}" for n in record.veto_hits]
    for n in record.failed_items:
        item = checklist.item(n)
        problems.append(f"{item.phase}·{item.category}：未达到“{item.text}”的要求（记录表第{n}项）")
    return problems


def carry_out(case_id: int) -> str:
    """Issue the letter or open the pending procedure the decision calls for; close the case. Once."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        decision = s.exec(select(AgencyDecision).where(AgencyDecision.case_id == case_id)).one()
        today = decision.decided_on
        inst = s.get(Institution, case.institution_id)
        summary = "无需处理，结案"
        if decision.option in LETTERS:
            doc = _issue_letter(s, case, decision, inst, today)
            summary = f"已向评价机构发出《{doc.title}》（{doc.number}）"
        elif decision.option in PENDING_KINDS:
            kind = PENDING_KINDS[decision.option]
            if s.exec(select(PendingCase).where(PendingCase.source_case_id == case_id,
                                                PendingCase.kind == kind)).first() is None:
                facts = case.proposal.get("notice_text") or "；".join(case.proposal.get("reasons", []))
                s.add(PendingCase(kind=kind, institution_id=inst.id, source_case_id=case_id, opened_on=today,
                                  article=case.proposal.get("article", ""),
                                  facts=(decision.opinion + "。" if decision.opinion else "") + facts))
            summary = f"已登记待办：{decision.option}（待后续程序办理）"
        case.status = "closed"
        s.add(case)
        if decision.option not in LETTERS:  # a letter has its own event, with its number
            add_event(s, case_id, "closed-note", today, summary)
        add_event(s, case_id, "closed", today, "结案")
        return summary


def _issue_letter(s: Session, case, decision, inst, today):
    template, title, kind = LETTERS[decision.option]
    key = f"case-{case.id}-{kind}"
    agency = s.get(Agency, case.agency_id)
    sess = s.get(EvaluationSession, case.session_id)
    record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        checklist = load_checklist(record.form_kind)
        paragraphs = render_paragraphs(
            template, inspected_on=f"{record.inspection_ended_on.year}年{record.inspection_ended_on.month}月"
                                   f"{record.inspection_ended_on.day}日",
            occupation=sess.occupation, level=sess.level, form_name=FORM_NAMES[sess.form_kind],
            batch_number=sess.batch_number, verdict=record.verdict, problems=_problems(checklist, record),
            opinion=decision.opinion)
        letter = OfficialLetter(kind, agency.name, allocate_number(s, agency.id, agency.letter_prefix, today.year),
                                f"关于{inst.name}技能人才评价质量督导情况的{title}", inst.name, paragraphs, today)
        doc = store_document(s, key, letter, agency.id, case.id)
    subject, text, html = render_email("official_letter", title=doc.title, number=doc.number,
                                       filename=doc.filename, text=docx_text(doc.content), html=doc.html)
    enqueue(s, f"letter:{doc.id}", inst.contact_email, "institution", subject, text, html, case.id, [doc.id])
    add_event(s, case.id, f"letter-{doc.id}", today, f"生成《{title}》{doc.number}，发送评价机构")
    return doc


def timeline_markdown(case_id: int) -> str:
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        rows = "\n".join(f"| {e.on} | {e.text} |" for e in events)
        return (f"# 日常督导案卷：{case.batch_number}\n\n状态：**{_STATUS[case.status]}**\n\n"
                f"| 日期 | 事项 |\n|---|---|\n{rows}\n")


_STATUS = {"open": "已发起", "dispatching": "委派中", "refused": "已终止", "awaiting_record": "待提交记录表",
           "awaiting_decision": "待处理决定", "closed": "已结案"}


def record_markdown(case_id: int) -> str:
    """Verdict summary for agency staff in the Prefect UI (not for institutions: 第八条)."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_id)).one()
        checklist = load_checklist(record.form_kind)
        lines = [f"# 督导记录：{case.batch_number}", "",
                 f"- 评定结果：**{record.verdict}**（否定项 {record.negative_count}/{record.item_count}，"
                 f"{record.negative_count / record.item_count:.1%}）",
                 f"- 督导结束：{record.inspection_ended_on}；提交：{record.submitted_on}"
                 f"{'（逾期，应于 ' + str(record.due_on) + ' 前）' if record.late else '（按期）'}",
                 f"- 督导方式：{'、'.join(record.methods)}",
                 f"- 建议处理：**{case.proposal.get('option')}**（{case.proposal.get('article')}）", ""]
        if record.veto_hits:
            lines += ["## 一票否决项", *(f"- {checklist.veto_items[n - 1].text}" for n in record.veto_hits), ""]
        if record.failed_items:
            lines += ["## 否定项", "| 序号 | 内容 | 备注 |", "|---|---|---|"]
            lines += [f"| {n} | {checklist.item(n).text} | {record.remarks.get(str(n), '')} |"
                      for n in record.failed_items]
        lines += ["", "## 理由", *(f"- {r}" for r in case.proposal.get("reasons", []))]
        return "\n".join(lines)


def decision_context(case_id: int) -> dict:
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_id)).one()
        return {"proposal": dict(case.proposal), "verdict": record.verdict,
                "negative_count": record.negative_count, "item_count": record.item_count}
