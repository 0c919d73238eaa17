"""处理程序 — 第十八条–第二十五条, 第二十七条, 附件4: one sanction case per pending case.

proposal (the ladder with the institution's history) → 第二十五条 告知书 and the defence through
the portal → the staff decision (adopt / change / drop, a reason for each defence point not
accepted) → 处理决定书 → the measure, carried out once (every write keyed in the database):

- 第二十条: the institution explains in writing and itself declares the results void (portal);
- 第二十一条: interview of the principal: time and place in the notice, minutes recorded;
- 第二十二条: 整改通知书 (附件4), suspension, 监管档案, public register, 3 calendar months to rectify,
  the report through the portal, staff review → 恢复评价活动 (or requirements and a new date);
- 第二十三条: 撤销备案回执, revoked, published; 第二十七条: improvement request, or revocation and
  a discipline proposal; 第二十四条: transfer letter, the institution not forewarned.
An acting agency that did not file the institution reports to the filing authority instead.

Interpretation (ours): the 整改通知书 of the rectification that was missed is not the "书面通知"
of 第二十三条(一) for its own escalation: only an earlier notice turns 第二十二条(六) into 第二十三条(一).
"""

import re
from datetime import date, timedelta

from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import session_scope
from adapters.documents import Document, OfficialLetter, allocate_number, store_document
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import chinese_date, render_email, render_paragraphs
from models import (
    Agency,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    InstitutionHistory,
    PendingCase,
    RegisterEntry,
    SanctionCase,
)
from procedures import sanction_status
from procedures.cases import Refusal
from procedures.views import Outcome
from regulation import sanctions as ladder
from regulation.deadlines import rectification_deadline

STATUS_NAMES = {
    "pending": "待启动", "hearing": "告知、待陈述申辩（第二十五条）", "awaiting_decision": "待作出处理决定",
    "awaiting_report": "待评价机构书面说明（第二十条）", "awaiting_minutes": "待登记约谈记录（第二十一条）",
    "rectifying": "暂停评价活动、整改中（第二十二条）", "improving": "改进中（第二十七条）",
    "closed": "已结案", "dropped": "不予处理", "reported": "已报告负责备案的人社部门",
}
OPEN_STATUSES = ("pending", "hearing", "awaiting_decision", "awaiting_report", "awaiting_minutes", "rectifying",
                 "improving")
DECISIONS = {"采纳拟处理意见": "adopt", "变更处理": "change", "不予处理": "drop"}
REVIEW_RESUME, REVIEW_AGAIN = "恢复评价活动", "提出整改要求并另定期限"
IMPROVEMENT_DONE, IMPROVEMENT_AGAIN = "改进到位，结案", "提出改进要求并另定期限"
RECEIPT_STEP = "decision-receipt"  # the 送达回执 link of the 处理决定书 (no run waits for it)
LATE = "逾期提交"
FILING_AUTHORITY_NAMES = {"mohrss": "人力资源社会保障部"}
REGISTER_MEASURES = {"rectification": "暂停评价活动并限期整改（发出《整改通知书》）", "revocation": "撤销备案回执",
                     "resumption": "恢复评价活动"}


class SanctionError(ValueError):
    """A case cannot be opened as asked: the reason in Chinese, naming the field."""


# -- the case's "today" and its agency ------------------------------------------------------------
def case_today(case: SanctionCase) -> date:
    return clock.today() + timedelta(days=case.clock_offset_days)


def acting_agency(s: Session, inst: Institution) -> Agency:
    """第十一条 属地管理: a city-filed institution's city bureau, otherwise the provincial center."""
    if inst.filing_authority == "city" and inst.city_letter:
        found = s.get(Agency, f"CITY-{inst.city_letter}")
        if found:
            return found
    return s.exec(select(Agency).where(Agency.level == "province")).first()


def filing_authority_name(s: Session, inst: Institution) -> str:
    if inst.filing_authority in FILING_AUTHORITY_NAMES:
        return FILING_AUTHORITY_NAMES[inst.filing_authority]
    if inst.filing_authority == "city":
        agency = s.get(Agency, f"CITY-{inst.city_letter}")
        return agency.name if agency else f"{inst.city_letter}市人社局"
    return "山东省人力资源和社会保障厅"


# -- opening ---------------------------------------------------------------------------------------
_CITED = re.compile(r"第([一二三四五六七八九十]+)条\s*(?:[（(]([一二三四五六七八九十]+)[）)])?")


def _chinese_number(text: str) -> int:
    digits = {name: n for n, name in enumerate(ladder.CHINESE_NUMERALS)}
    if text.startswith("十"):
        return 10 + (digits[text[1:]] if text[1:] else 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return digits[tens] * 10 + (digits[ones] if ones else 0)
    return digits[text]


def _article_case(article: str) -> str:
    """A pending case's article ("第二十二条（八）", "第二十二条(二)、第二十二条（八）", "22.8", "fail")
    → the case key; of several, the heaviest (the highest article). A bare article is its item 1."""
    text = article.strip()
    if text == "fail" or re.fullmatch(r"\d+\.\d+", text):
        if text == "fail" or (text.split(".")[0] in ladder._CASES
                              and int(text.split(".")[1]) in ladder._CASES[text.split(".")[0]]["items"]):
            return text
    found = []
    for m in _CITED.finditer(text):
        key = str(_chinese_number(m.group(1)))
        item = _chinese_number(m.group(2)) if m.group(2) else 1
        if key in ladder._CASES and item in ladder._CASES[key]["items"]:
            found.append((int(key), item))
        elif key == "15":
            found.append((0, 0))
    if not found:
        raise SanctionError(f"条款：无法识别“{article}”，应为第二十条至第二十七条所列情形，如“第二十二条（二）”或“22.2”")
    key, item = max(found)
    return "fail" if key == 0 else f"{key}.{item}"


def open_sanction(s: Session, key: str, institution_id: int, finding_case: str, facts: str, on: date,
                  source: str, agency_id: str | None = None, pending_case_id: int | None = None,
                  source_sanction_id: int | None = None, serious: bool = False) -> SanctionCase:
    """A sanction case, once per key (the table's unique key)."""
    found = s.exec(select(SanctionCase).where(SanctionCase.key == key)).first()
    if found:
        return found
    inst = s.get(Institution, institution_id)
    agency = s.get(Agency, agency_id) if agency_id else acting_agency(s, inst)
    case = SanctionCase(key=key, institution_id=inst.id, agency_id=agency.id, finding_case=finding_case,
                        facts=facts, source=source, opened_on=on, pending_case_id=pending_case_id,
                        source_sanction_id=source_sanction_id, serious=serious)
    s.add(case)
    s.flush()
    return case


def start_case(flow_run_id: str, pending_case_id: int = 0, sanction_case_id: int = 0, filing_number: str = "",
               article: str = "", facts: str = "", serious: bool = False, as_of: date | None = None) -> dict:
    """Bind the case to this run and fix its "today" (as_of) and its proposal; a second run for
    the same case is refused. Returns the case view, or {"error": …} with a Chinese message."""
    real_today = clock.today()
    today = as_of or real_today
    with session_scope() as s:
        mine = s.exec(select(SanctionCase).where(SanctionCase.flow_run_id == flow_run_id)).first()
        if mine:
            return view(s, mine)
        try:
            case = _find_or_register(s, flow_run_id, pending_case_id, sanction_case_id, filing_number, article,
                                     facts, serious, today)
        except SanctionError as exc:
            return {"error": str(exc)}
        if case.flow_run_id and case.flow_run_id != flow_run_id:
            return {"error": f"案件 {case.id} 已由另一处理程序办理（运行 {case.flow_run_id}），不再重复启动"}
        if case.status not in ("pending",):
            return {"error": f"案件 {case.id} 状态为“{STATUS_NAMES[case.status]}”，不能再次启动"}
        case.flow_run_id, case.clock_offset_days = flow_run_id, (today - real_today).days
        _propose(s, case, today)
        if case.pending_case_id:
            pending = s.get(PendingCase, case.pending_case_id)
            pending.status = "in_progress"
            s.add(pending)
        s.add(case)
        s.flush()
        return view(s, case)


def _case_of_pending(s: Session, pending: PendingCase) -> SanctionCase | None:
    """The case a pending finding already joined (第二十三条（十）: opened under the year's shared key
    by whichever path noticed the third 不合格 first, procedures.pending.open_third_fail_case) —
    also for a later 不合格 of the same year (a 4th), which finds the year's one case."""
    from procedures.pending import THIRD_FAIL_ARTICLE, third_fail_key

    joined = s.exec(select(SanctionCase).where(SanctionCase.pending_case_id == pending.id)).first()
    if joined is not None or pending.article != THIRD_FAIL_ARTICLE:
        return joined
    ended = s.exec(select(InspectionRecord.inspection_ended_on)
                   .where(InspectionRecord.case_id == pending.source_case_id)).first()
    if ended is None:
        return None
    year_case = s.exec(select(SanctionCase).where(SanctionCase.key == third_fail_key(pending.institution_id,
                                                                                     ended.year))).first()
    if year_case is not None:  # this finding is taken up by the year's case
        pending.status = "closed"
        s.add(pending)
    return year_case


def _find_or_register(s: Session, flow_run_id: str, pending_case_id: int, sanction_case_id: int,
                      filing_number: str, article: str, facts: str, serious: bool, today: date) -> SanctionCase:
    if sanction_case_id:
        case = s.get(SanctionCase, sanction_case_id)
        if case is None:
            raise SanctionError(f"处理案件编号：{sanction_case_id} 不存在")
        return case
    if pending_case_id:
        pending = s.get(PendingCase, pending_case_id)
        if pending is None or pending.kind != "sanction":
            raise SanctionError(f"待处理案件编号：{pending_case_id} 不存在或不是处理程序案件")
        joined = _case_of_pending(s, pending)
        if joined is not None:
            return joined
        source = s.get(InspectionCase, pending.source_case_id)
        finding = _article_case(pending.article)
        return open_sanction(s, f"pending:{pending.id}", pending.institution_id, finding, pending.facts,
                             pending.opened_on, "daily_inspection" if source else "pending",
                             source.agency_id if source else None, pending_case_id=pending.id)
    if not filing_number.strip():
        raise SanctionError("备案编号：请填写待处理案件编号，或登记发现的问题（备案编号、条款、事实）")
    inst = s.exec(select(Institution).where(Institution.filing_number == filing_number.strip())).first()
    if inst is None:
        raise SanctionError(f"备案编号：找不到备案编号为“{filing_number.strip()}”的评价机构")
    finding = _article_case(article)
    if not facts.strip():
        raise SanctionError("事实：请写明发现的问题（将写入告知书）")
    return open_sanction(s, f"registered:{flow_run_id}", inst.id, finding, facts.strip(), today, "registered",
                         serious=serious)


def history_of(s: Session, institution_id: int, exclude_case: int | None = None) -> list[InstitutionHistory]:
    rows = s.exec(select(InstitutionHistory).where(InstitutionHistory.institution_id == institution_id)
                  .order_by(InstitutionHistory.on, InstitutionHistory.id))
    return [h for h in rows if exclude_case is None or h.sanction_case_id != exclude_case]


def failed_sessions(s: Session, institution_id: int) -> list[tuple[int, date]]:
    """不合格 overall external results per session (第二十三条(十) counts sessions)."""
    rows = s.exec(select(InspectionCase.session_id, InspectionRecord.submitted_on)
                  .join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
                  .where(InspectionCase.institution_id == institution_id, InspectionRecord.verdict == "不合格",
                         col(InspectionRecord.confirmed_on).is_not(None)))
    return [(sid, on) for sid, on in rows if sid is not None]


def _propose(s: Session, case: SanctionCase, today: date) -> None:
    inst = s.get(Institution, case.institution_id)
    agency = s.get(Agency, case.agency_id)
    history = history_of(s, inst.id, exclude_case=case.source_sanction_id)
    interviews = [h for h in history if h.kind == "interview"]
    notices = [h for h in history if h.kind == "written_notice"]
    fails = ladder.failed_results_per_session(failed_sessions(s, inst.id))
    past = ladder.SanctionHistory(tuple(h.on for h in interviews), tuple(h.on for h in notices),
                                  tuple(d for d in fails if d < case.opened_on))
    p = ladder.propose(ladder.Finding(case.finding_case, case.opened_on, case.facts, case.serious), past)
    rests_on = []
    if p.case == "22.1" and case.finding_case.startswith("21.") and interviews:
        rests_on.append(interviews[-1])
    if p.case == "23.1" and notices:
        rests_on.append(notices[-1])
    if p.case and p.case.startswith("27.") and p.measure == "revocation":
        rests_on += [h for h in history if h.kind == "improvement"][-1:]
    report_only = ladder.reports_to_filing_authority(p.case, agency.level, agency.city_letter,
                                                     inst.filing_authority, inst.city_letter)
    case.report_only = report_only
    case.proposal = {
        "measure": p.measure, "measure_name": p.measure_name, "case": p.case, "article": p.article,
        "article_text": ladder.case_text(p.case) if p.case else "", "notice_text": p.notice_text,
        "basis": [{"article": r.article, "text": r.text} for r in p.basis], "publish": p.publish,
        "suspend": p.suspend_evaluation, "hearing": p.hearing_required, "discipline": p.discipline_proposal,
        "rests_on": [{"on": str(h.on), "number": h.number, "article": h.article, "text": h.text} for h in rests_on],
        "report_only": report_only, "filing_authority": filing_authority_name(s, inst),
        "fails_this_year": sum(1 for d in fails if d.year == case.opened_on.year),
    }


def view(s: Session, case: SanctionCase) -> dict:
    inst = s.get(Institution, case.institution_id)
    p = case.proposal or {}
    return {"case_id": case.id, "status": case.status, "institution": inst.name, "filing_number": inst.filing_number,
            "measure": case.measure or p.get("measure", ""), "measure_name": p.get("measure_name", ""),
            "article": p.get("article", ""), "hearing": p.get("hearing", True), "report_only": case.report_only,
            "hearing_due": str(case.hearing_due or ""), "rectification_due": str(case.rectification_due or ""),
            "rectification_round": case.rectification_round, "today": str(case_today(case))}


def read_view(case_id: int) -> dict:
    with session_scope() as s:
        return view(s, s.get(SanctionCase, case_id))


def proposal_markdown(case_id: int) -> str:
    from procedures import evidence

    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        inst = s.get(Institution, case.institution_id)
        p = case.proposal
        basis = "\n".join(f"- {r['article']}：{r['text']}" for r in p["basis"])
        rests = "\n".join(f"- {r['on']} {r['text']}（{r['number']}，{r['article']}）" for r in p["rests_on"]) or "- 无"
        history = "\n".join(f"| {h.on} | {h.text} | {h.number} | {h.article} |" for h in history_of(s, inst.id)) \
            or "| — | 无 | | |"
        report = f"\n\n**本机构非负责备案的人社部门**：处理结果为向{p['filing_authority']}报告，不直接采取措施。" \
            if case.report_only else ""
        opened_by = f"\n\n启动：{case.details['opened_by']}（{case.details['opened_by_on']}）" \
            if case.details.get("opened_by") else ""
        return (f"# 处理程序：{inst.name}（{inst.filing_number}）\n\n状态：**{STATUS_NAMES[case.status]}**{opened_by}\n\n"
                f"拟处理：**{p['measure_name']}**（{p['article']}）{report}\n\n事实：{case.facts}\n\n理由：\n{basis}\n\n"
                f"升级所依据的此前措施：\n{rests}\n\n本年度“不合格”场次：{p['fails_this_year']}\n\n"
                f"## 陈述和申辩（第二十五条）\n\n{_defence_markdown(s, case)}\n\n"
                f"## 处理决定书送达\n\n{service_text(case)}\n\n"
                f"## 监管档案\n\n| 日期 | 事项 | 文号 | 条款 |\n|---|---|---|---|\n{history}\n\n"
                + "\n".join(evidence.markdown(evidence.case_files(case_id, "sanction"), case_id, "sanction",
                                              "## 评价机构提交的文件（仅限委派机构内部）")))


def _defence_markdown(s: Session, case: SanctionCase) -> str:
    d = case.defence
    if d.get("receipt"):
        text = f"{d['received_on']} 收到（回执 {d['receipt']}）：\n" + "\n".join(f"- {x}" for x in d["points"])
    elif d.get("closed_on"):
        text = f"期限（{case.hearing_due}）届满未提交，{d['closed_on']} 期限巡检结束陈述申辩期"
    else:
        text = (f"陈述申辩期限 {case.hearing_due}" if case.hearing_due
                else "待发出事先告知书" if (case.proposal or {}).get("hearing", True)
                else "无（第二十四条移交不事先告知）")
    if case.status == "hearing" and case.hearing_closed_on is None:
        return text + _defence_in_flight(s, case)  # the period is open: nothing is late or transferred yet
    late = d.get("late") or late_defence(s, case)
    if late:
        weighed = ("作出处理决定时已审阅" if d.get("late") else
                   "处理决定作出后收到，未经审阅" if case.decided_on else "待作出处理决定时审阅")
        how = LATE if late.get("late", True) else "期限内提交、期限届满后转入"
        text += (f"\n\n**{how}**：{late['received_at']} 收到（回执 {late['receipt']}），{weighed}：\n"
                 + "\n".join(f"- {x}" for x in late["points"]))
    return text


def _defence_in_flight(s: Session, case: SanctionCase) -> str:
    """A defence the portal stored while the period is open, not yet read by the run."""
    found = late_defence(s, case)
    return f"\n\n{found['received_at']} 已收到陈述和申辩（回执 {found['receipt']}），正在转入本案" if found else ""


def case_file_if_changed(case_id: int) -> tuple[str, str] | None:
    """The case file (处理程序案卷) and its hash, or None when it says what was last published:
    a run publishes at each step and again on every replay, but the artifact changes only when
    the case does."""
    import hashlib

    text = proposal_markdown(case_id)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with session_scope() as s:
        if s.get(SanctionCase, case_id).details.get("published_sha256") == digest:
            return None
    return text, digest


def mark_published(case_id: int, digest: str) -> None:
    """After the artifact is stored: a crash before this only publishes the same text once more."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        case.details = case.details | {"published_sha256": digest}
        s.add(case)


# -- documents, mail, history, register ------------------------------------------------------------
def _doc(s: Session, case: SanctionCase, kind: str, title: str, recipient: str, template: str, today: date,
         **ctx) -> Document:
    key = f"sanction-{case.id}-{kind}"
    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        agency = s.get(Agency, case.agency_id)
        letter = OfficialLetter(kind, agency.name, allocate_number(s, agency.id, agency.letter_prefix, today.year),
                                title, recipient, render_paragraphs(template, **ctx), today)
        doc = store_document(s, key, letter, agency.id, None)
    return doc


def _mail(s: Session, key: str, to: str, kind: str, doc: Document, extra: str = "",
          link: tuple[str, str] | None = None) -> None:
    """The letter by mail (.docx attached); `link`: (what it is for, the portal address), in both bodies."""
    from adapters.documents import docx_text

    link_text, link_url = link or ("", "")
    subject, text, html = render_email("official_letter", title=doc.title, number=doc.number, filename=doc.filename,
                                       text=docx_text(doc.content) + (f"\n\n{extra}" if extra else ""), html=doc.html,
                                       link_text=link_text, link_url=link_url)
    enqueue(s, key, to, kind, subject, text, html, None, [doc.id])


def _history(s: Session, case: SanctionCase, kind: str, on: date, text: str, number: str = "",
             article: str = "") -> None:
    key = f"sanction-{case.id}-{kind}"
    if s.exec(select(InstitutionHistory.id).where(InstitutionHistory.key == key)).first() is None:
        s.add(InstitutionHistory(key=key, institution_id=case.institution_id, kind=kind, on=on, number=number,
                                 article=article, sanction_case_id=case.id, text=text))


def _register(s: Session, case: SanctionCase, kind: str, article: str, number: str, on: date,
              until: date | None = None) -> None:
    """A public register line (第二十二条, 第二十三条, the resumption): nothing personal (第八条)."""
    key = f"sanction-{case.id}-{kind}"
    if s.exec(select(RegisterEntry.id).where(RegisterEntry.key == key)).first() is None:
        inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
        s.add(RegisterEntry(key=key, institution_id=inst.id, institution_name=inst.name,
                            filing_number=inst.filing_number, measure=REGISTER_MEASURES[kind], article=article,
                            document_number=number, decided_on=on, until=until, agency_name=agency.name))


FINAL_STATUSES = ("closed", "dropped", "reported")


def _close_pending(s: Session, case: SanctionCase) -> None:
    """The pending finding has had its procedure once the case ends."""
    if case.status in FINAL_STATUSES and case.pending_case_id:
        pending = s.get(PendingCase, case.pending_case_id)
        if pending.status != "closed":
            pending.status = "closed"
            s.add(pending)


def _step(case_id: int, fn) -> dict:
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        fn(s, case, case_today(case))
        _close_pending(s, case)
        s.add(case)
        s.flush()
        return view(s, case)


# -- opening: an agency decision, with its staff code --------------------------------------------
def confirm_opening(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Who opens the procedure (staff code of the case's agency), recorded before the 告知书."""

    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        if case.status != "pending":
            refusal.add("staff_code", f"工作人员代码：案件状态为“{STATUS_NAMES[case.status]}”，已启动")
        if refusal or who is None:
            return
        case.details = case.details | {"opened_by": who.label, "opened_by_on": str(today)}
    return _answer_once(case_id, pause_key, judge)


# -- 第二十五条: tell, then hear -----------------------------------------------------------------------
def notify_hearing(case_id: int) -> dict:
    """The 告知书 (numbered, .docx) by mail; the period in working days (setting)."""
    from regulation.calendar import default_calendar

    def act(s, case, today):
        if case.hearing_due:
            return
        inst, p = s.get(Institution, case.institution_id), case.proposal
        case.hearing_due = default_calendar().add_working_days(today, get_settings().sanction_hearing_working_days)
        extra = "；".join(x for x in (
            "你单位应作出书面说明，并宣布有关参评人员证书或评价成绩无效" if p["measure"] == "void_results" else "",
            "并对直接负责的主管人员和其他责任人员提出给予处分的建议" if p["discipline"] else "",
            f"本机构非负责备案的人社部门，处理意见将报告{p['filing_authority']}" if case.report_only else "") if x)
        doc = _doc(s, case, "hearing", "质量督导处理事先告知书", inst.name, "sanction_hearing", today,
                   facts=case.facts, basis=p["basis"], rests_on=p["rests_on"], article=p["article"],
                   article_text=p["article_text"], measure_name=p["measure_name"], extra=extra,
                   hearing_due=case.hearing_due)
        _mail(s, f"sanction-hearing:{case.id}", inst.contact_email, "institution", doc,
              "陈述和申辩的一次性链接另行发送。")
        case.details = case.details | {"hearing_doc": doc.number, "hearing_on": str(today)}
        case.status = "hearing"
    return _step(case_id, act)


def invite_args(case_id: int, step: str) -> dict:
    """What the portal invitation needs: recipient, contact, title, deadline (end of the day)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
        due, title, what = {
            "defence": (case.hearing_due, "陈述和申辩（第二十五条）",
                        f"拟处理：{case.proposal['measure_name']}（{case.proposal['article']}）。请逐行写明申辩要点，一行一点。"),
            "explanation": (case.rectification_due, "书面说明及宣布无效名单（第二十条）",
                            "第一行写书面说明；其后列明已宣布证书或评价成绩无效的参评人员（证书编号或准考证号），一行一人。"),
            "improvement": (case.rectification_due, "改进情况报告（第二十七条）", "请提交改进情况的书面报告及材料。"),
        }.get(step.split("-")[0]) or (case.rectification_due, "整改报告（第二十二条、附件4）",
                                      "请提交书面整改报告及相关举措材料。")
        reviews = case.details.get("reviews", [])
        if step.split("-")[0] in ("improvement", "rectification") and case.rectification_round > 1 and reviews:
            what = f"审核意见（{reviews[-1]['on']}）：{reviews[-1]['requirements']}。请于{due}前按上述要求再次报送。{what}"
        return {"recipient": ("institution", inst.name, inst.contact_email), "contact": (agency.name, agency.email),
                "title": title, "deadline": link_deadline(case, due), "instructions": what}


def link_deadline(case: SanctionCase, due: date):
    """The end of a step's last day, for its portal link. The link lives in real time: a case
    opened with an as_of (tests, late entry) shifts its deadline back by the case's clock
    offset (0 in normal use)."""
    from datetime import datetime, time

    return datetime.combine(due - timedelta(days=case.clock_offset_days), time(23, 59), tzinfo=clock.tz())


def record_defence(case_id: int, submission_id: int) -> dict:
    """The defence the portal stored (0: the period ended without one; the sweep closed it)."""
    from procedures import portal_submissions

    def act(s, case, today):
        if case.status != "hearing":
            return
        if submission_id:
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, "defence")
            points = [line.strip() for line in sub.statement.splitlines() if line.strip()]
            case.defence = {"received_on": str(today), "receipt": sub.receipt_number, "points": points,
                            "files": len(sub.files)}
        else:
            case.defence = {"received_on": "", "points": [], "closed_on": str(case.hearing_closed_on or today)}
        case.status = "awaiting_decision"
    return _step(case_id, act)


# -- the decision ----------------------------------------------------------------------------------
def late_defence(s: Session, case: SanctionCase) -> dict | None:
    """A defence the portal stored after the sweep had closed the period (the link lives a few
    grace days longer): never read by the run, so read here — for the decision form and the
    case file. None when the defence came in time or none came at all."""
    from models import PortalLink, PortalSubmission
    from procedures.portal_links import aware

    if case.defence.get("receipt") or not case.flow_run_id:
        return None
    row = s.exec(select(PortalSubmission, PortalLink).join(PortalLink, PortalLink.id == PortalSubmission.link_id)
                 .where(PortalLink.flow_run_id == case.flow_run_id, PortalLink.step_key == "defence")).first()
    if row is None:
        return None
    sub, _link = row
    points = [x.strip() for x in str(sub.payload.get("statement", "")).splitlines() if x.strip()]
    received = aware(sub.received_at)
    # In the case's time: a defence stored by the last day whose run was told "none" first (a
    # resume that lost the race with the sweep) came in time, and is not called late.
    late = received.date() + timedelta(days=case.clock_offset_days) > case.hearing_due if case.hearing_due else True
    return {"received_at": f"{received:%Y-%m-%d %H:%M}", "receipt": sub.receipt_number, "points": points,
            "late": late}


def _points(s: Session, case: SanctionCase) -> list[dict]:
    """The defence points staff answer: those in time, then any submitted late (marked so)."""
    points = [{"text": p, "late": ""} for p in case.defence.get("points", [])]
    late = case.defence.get("late") or late_defence(s, case)
    return points + [{"text": p, "late": late["received_at"], "after_close": late.get("late", True)}
                     for p in (late or {}).get("points", [])]


def point_label(point: dict) -> str:
    if not point["late"]:
        return point["text"]
    how = LATE if point.get("after_close", True) else "期限内提交、期限届满后转入"
    return f"（{how}，{point['late']}收到）{point['text']}"


def decision_context(case_id: int) -> dict:
    """What the decision form shows, read again for each time it is asked (a defence submitted
    late may have come in meanwhile)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        points = _points(s, case)
        return {"points": [point_label(p) for p in points], "late": sum(1 for p in points if p["late"]),
                "proposal": case.proposal, "measure": case.proposal["measure"], "report_only": case.report_only}


def _answer_once(case_id: int, pause_key: str, judge) -> Outcome:
    """Judge an answer once; a replay reads the stored outcome (kept on the case)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        prior = case.details.get("answers", {}).get(pause_key)
        if prior:
            return Outcome(prior["accepted"], prior["errors"], prior["fields"], True)
        refusal = Refusal()
        judge(s, case, case_today(case), refusal)
        if refusal:
            s.rollback()
            case = s.get(SanctionCase, case_id)
        _close_pending(s, case)
        answers = dict(case.details.get("answers", {}))
        answers[pause_key] = {"accepted": not refusal, "errors": list(refusal), "fields": dict(refusal.fields)}
        case.details = case.details | {"answers": answers}
        s.add(case)
        return Outcome(not refusal, list(refusal), dict(refusal.fields), True)


def _decider(s: Session, case: SanctionCase, answers: dict, refusal: Refusal):
    from procedures import staff

    who = staff.verify(s, case.agency_id, str(answers.get("staff_code", "")))
    if isinstance(who, str):
        refusal.add("staff_code", who)
        return None
    return who


def decide(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Adopt, change or drop the proposed measure; each defence point not accepted needs its reason."""

    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        decision = DECISIONS.get(str(answers.get("decision", "")))
        reason = str(answers.get("reason", "")).strip()
        if decision is None:
            refusal.add("decision", f"处理决定：应为{'、'.join(DECISIONS)}之一")
        changed = ""
        if decision == "change":
            try:
                changed = _article_case(str(answers.get("changed_article", "")))
            except SanctionError:
                refusal.add("changed_article", "变更后的条款：应为如“第二十一条（三）”，且为第二十条–第二十七条所列情形")
            if not reason:
                refusal.add("reason", "理由：变更处理须写明理由")
        if decision == "drop" and not reason:
            refusal.add("reason", "理由：不予处理须写明理由")
        replies = []
        points = _points(s, case)
        for n, point in enumerate(points, 1):
            answer = str(answers.get(f"point_{n:02d}", ""))
            why = str(answers.get(f"point_reason_{n:02d}", "")).strip()
            if point["late"] and f"point_{n:02d}" not in answers:  # it came after this form was shown
                refusal.add(f"point_{n:02d}", f"申辩要点{n}：评价机构的陈述和申辩于{point['late']}收到"
                                              f"（{LATE if point.get('after_close', True) else '期限内提交'}），"
                                              "表单已更新，请审阅后逐条作答")
            elif answer not in ("采纳", "不采纳"):
                refusal.add(f"point_{n:02d}", f"申辩要点{n}：请选择采纳或不采纳")
            elif answer == "不采纳" and not why:
                refusal.add(f"point_reason_{n:02d}", f"申辩要点{n}不予采纳的理由：不采纳须写明理由")
            replies.append({"text": point_label(point), "answer": answer, "reason": why})
        details = {k: str(answers.get(k, "")).strip() for k in ("interview_time", "interview_place", "authority",
                                                                "requirements", "persons", "problems")}
        final_case = changed or case.proposal["case"]
        measure = "none" if decision == "drop" else _measure_of(final_case, case)
        if decision != "drop" and not case.report_only:
            _require_details(measure, details, refusal)
        if refusal or who is None:
            return
        case.decision, case.decided_case, case.measure = decision, final_case or "", measure
        case.decision_reason, case.point_replies = reason, replies
        case.decided_on, case.decided_by = today, who.label
        case.details = case.details | {"decision_details": details}
        late = late_defence(s, case)
        if late and not case.defence.get("late"):
            case.defence = case.defence | {"late": late}  # in the case file, with its time
    return _answer_once(case_id, pause_key, judge)


def _measure_of(final_case: str | None, case: SanctionCase) -> str:
    if final_case == case.proposal["case"]:
        return case.proposal["measure"]
    p = ladder.propose(ladder.Finding(final_case, case.opened_on, case.facts, case.serious), ladder.SanctionHistory())
    return p.measure


def _require_details(measure: str, d: dict, refusal: Refusal) -> None:
    if measure == "interview":
        if not d["interview_time"]:
            refusal.add("interview_time", "约谈时间：约谈须写明时间（第二十一条）")
        if not d["interview_place"]:
            refusal.add("interview_place", "约谈地点：约谈须写明地点（第二十一条）")
    if measure == "referral" and not d["authority"]:
        refusal.add("authority", "移交部门：第二十四条移交须写明接收的有关部门")
    if measure == "improvement" and not d["requirements"]:
        refusal.add("requirements", "整改要求：第二十七条改进要求须写明要求")


# -- carrying the decision out, once ---------------------------------------------------------------
def carry_out(case_id: int) -> dict:
    """处理决定书 served by mail; then the measure (each write keyed; a retry repeats nothing)."""

    def act(s, case, today):
        if case.status != "awaiting_decision" and case.details.get("carried_out"):
            return
        inst, p = s.get(Institution, case.institution_id), case.proposal
        d = case.details.get("decision_details", {})
        article = ladder.case_citation(case.decided_case) if case.decided_case and case.decided_case != "fail" \
            else p["article"]
        article_text = ladder.case_text(case.decided_case) if case.decided_case and case.decided_case != "fail" \
            else p.get("article_text", "")
        name = ladder.MEASURE_NAMES.get(case.measure, case.measure)
        rect_due = rectification_deadline(today).due if case.measure == "rectification" else None
        followup = _followup_text(case, d, rect_due, p)
        if case.measure != "referral":  # 第二十四条: the institution is not forewarned
            doc = _doc(s, case, "decision", "质量督导处理决定书", inst.name, "sanction_decision", today,
                       notified_on=case.details.get("hearing_on", ""), hearing_number=case.details.get("hearing_doc", ""),
                       hearing_due=case.hearing_due, defence_on=case.defence.get("received_on", ""),
                       defence_points=[{"text": r["text"], "answer": r["answer"], "reason": r["reason"]}
                                       for r in case.point_replies],
                       decision=case.decision, reason=case.decision_reason, article=article,
                       article_text=article_text, measure_text=name, followup=followup)
            _serve_decision(s, case, inst, doc, today)
            _history(s, case, "decision", today, f"处理决定：{name if case.decision != 'drop' else '不予处理'}",
                     doc.number, article)
        if case.decision == "drop":
            case.status = "dropped"
            sanction_status.lift_after_drop(s, case, inst, today)  # 不予处理 never strands a suspension
        elif case.report_only:
            _report_to_filing_authority(s, case, inst, today, article, name)
        else:
            _measure(s, case, inst, today, article, article_text, d, rect_due)
        case.details = case.details | {"carried_out": str(today)}
    return _step(case_id, act)


def _serve_decision(s: Session, case: SanctionCase, inst: Institution, doc: Document, today: date) -> None:
    """The 处理决定书 by mail — served so; the measure goes on at once — with a one-time portal link
    where the institution opens it again and signs for it (送达回执: the proof of service)."""
    from procedures.portal_links import CaseStep, Contact, Recipient, create_link
    from regulation.calendar import default_calendar

    agency = s.get(Agency, case.agency_id)
    due = default_calendar().add_working_days(today, get_settings().decision_receipt_working_days)
    link = create_link(s, CaseStep("sanction", case.id, RECEIPT_STEP, case.flow_run_id or ""),
                       Recipient("institution", inst.name, inst.contact_email), Contact(agency.name, agency.email),
                       "处理决定书送达回执", link_deadline(case, due),
                       f"请查看、下载《{doc.title}》（{doc.number}），填写签收人姓名后签收。", kind="decision_receipt")
    _mail(s, f"sanction-decision:{case.id}", inst.contact_email, "institution", doc,
          link=(f"送达回执：本决定书已随本邮件送达。请于{chinese_date(due)}前打开以下一次性链接，查看、下载本决定书并签收"
                "（填写签收人姓名），签收回执作为送达证明：", link.url))
    case.decision_served_on, case.receipt_due = today, due
    case.details = case.details | {"decision_number": doc.number}


# -- the 送达回执 through the portal (procedures/portal_forms.py "decision_receipt") ------------------
def _receipt_case(s: Session, link) -> tuple[SanctionCase, Document]:
    case = s.get(SanctionCase, link.case_id)
    doc = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case.id}-decision")).one()
    return case, doc


def receipt_context(link) -> dict:
    with session_scope() as s:
        case, doc = _receipt_case(s, link)
        inst = s.get(Institution, case.institution_id)
        return {"institution": inst.name, "document_title": doc.title, "document_number": doc.number,
                "served_on": chinese_date(case.decision_served_on) if case.decision_served_on else ""}


def receipt_document(link) -> tuple[str, bytes]:
    with session_scope() as s:
        _case, doc = _receipt_case(s, link)
        return doc.filename, doc.content


def check_receipt(_link, answers: dict) -> tuple[Refusal, dict]:
    """签收人: a name, as a person writes it (no control characters, at most 50 characters)."""
    refusal = Refusal()
    signer = str(answers.get("signer", "")).strip()
    if not signer:
        refusal.add("signer", "签收人姓名：未填写。请填写代表评价机构签收本决定书的人员姓名")
    elif len(signer) > 50 or any(not ch.isprintable() for ch in signer):
        refusal.add("signer", "签收人姓名：应为不超过 50 字的姓名，不含换行或控制字符")
    return refusal, {"signer": signer, "statement": f"签收人：{signer}"}


def record_receipt(s: Session, link, payload: dict, at) -> None:
    """In the portal's storing transaction: the case is served with proof (who, the server's time)."""
    case = s.get(SanctionCase, link.case_id)
    if case.receipt_signed_at is not None:
        return
    case.receipt_signed_at, case.receipt_signer = at, payload["signer"]
    s.add(case)
    _history(s, case, "decision-receipt", case_today(case),
             f"处理决定书已送达（签收人：{payload['signer']}，{at:%Y-%m-%d %H:%M}）",
             case.details.get("decision_number", ""), "")


def service_text(case: SanctionCase) -> str:
    """送达 as the case file says it: 已送达（签收人, 时间）, or served by mail and not yet signed for."""
    from procedures.portal_links import aware

    if case.receipt_signed_at is not None:
        return f"已送达（签收人：{case.receipt_signer}，{aware(case.receipt_signed_at):%Y-%m-%d %H:%M}）"
    if case.decision_served_on:
        reminded = f"；{case.receipt_reminded_on} 已提醒并告知委派机构" if case.receipt_reminded_on else ""
        return f"已于 {case.decision_served_on} 邮寄送达，送达回执待签收（期限 {case.receipt_due}）{reminded}"
    return "未送达"


def _followup_text(case: SanctionCase, d: dict, rect_due: date | None, p: dict) -> str:
    if case.decision == "drop":
        return ""
    if case.report_only:
        return f"本机构非负责备案的人社部门，已将处理意见报告{p['filing_authority']}，由其依职责处理。"
    return {
        "rectification": f"《整改通知书》另行送达；整改期间暂停评价活动，限期3个月（至{chinese_date(rect_due)}），并对社会公布。",
        "interview": f"约谈时间：{d.get('interview_time')}；约谈地点：{d.get('interview_place')}。",
        "revocation": "撤销备案回执的通知另行送达，并对社会公布。",
        "improvement": "改进要求另行送达。",
        "void_results": "请你单位通过随附链接作出书面说明，并宣布有关参评人员证书或评价成绩无效。",
    }.get(case.measure, "")


def _report_to_filing_authority(s, case, inst, today, article, name) -> None:
    agency, p = s.get(Agency, case.agency_id), case.proposal
    doc = _doc(s, case, "report", "关于评价机构质量督导问题的报告", p["filing_authority"], "filing_authority_report",
               today, institution_name=inst.name, filing_number=inst.filing_number, facts=case.facts,
               article=article, measure_text=ladder.measure_text(case.decided_case), measure_name=name,
               reason=case.decision_reason)
    _mail(s, f"sanction-report:{case.id}", agency.email, "agency", doc,
          f"请转送{p['filing_authority']}（负责备案的人社部门）。")
    _history(s, case, "report", today, f"报告{p['filing_authority']}（非本机构备案）", doc.number, article)
    case.status = "reported"


def _measure(s, case, inst, today, article, article_text, d, rect_due) -> None:
    agency = s.get(Agency, case.agency_id)
    m = case.measure
    if m == "rectification":
        _suspend(s, case, inst, today, article, rect_due, d)
    elif m == "interview":
        doc = _doc(s, case, "interview", "约谈通知书", inst.name, "interview_notice", today, article=article,
                   article_text=article_text, time=d["interview_time"], place=d["interview_place"])
        _mail(s, f"sanction-interview:{case.id}", inst.contact_email, "institution", doc)
        _history(s, case, "interview", today, f"约谈主要负责人（{d['interview_time']}，{d['interview_place']}）",
                 doc.number, article)
        case.status = "awaiting_minutes"
    elif m == "revocation":
        _revoke(s, case, inst, today, article, article_text, d)
    elif m == "referral":
        doc = _doc(s, case, "transfer", "移交函", d["authority"], "transfer_letter", today,
                   institution_name=inst.name, filing_number=inst.filing_number, facts=case.facts)
        _mail(s, f"sanction-transfer:{case.id}", agency.email, "agency", doc, f"请送达{d['authority']}。")
        _history(s, case, "referral", today, f"移交{d['authority']}（第二十四条）", doc.number, article)
        case.status = "closed"
    elif m == "improvement":
        due = today + timedelta(days=get_settings().report_due_days)
        doc = _doc(s, case, "improvement", "改进要求通知书", inst.name, "improvement_request", today, article=article,
                   article_text=article_text, requirements=d["requirements"], due=due)
        _mail(s, f"sanction-improvement:{case.id}", inst.contact_email, "institution", doc)
        _history(s, case, "improvement", today, f"提出改进要求（至{due}）", doc.number, article)
        case.rectification_due, case.rectification_round, case.status = due, 1, "improving"
    elif m == "void_results":
        due = today + timedelta(days=get_settings().report_due_days)
        doc = _doc(s, case, "void-order", "关于作出书面说明并宣布评价结果无效的通知", inst.name, "void_results_order",
                   today, article=article, article_text=article_text, due=due)
        _mail(s, f"sanction-void:{case.id}", inst.contact_email, "institution", doc)
        case.rectification_due, case.status = due, "awaiting_report"
    else:
        case.status = "closed"


def _suspend(s, case, inst, today, article, rect_due, d) -> None:
    """第二十二条 in one transaction: 整改通知书 (附件4), suspension, 监管档案, public register."""
    agency = s.get(Agency, case.agency_id)
    source = s.get(PendingCase, case.pending_case_id) if case.pending_case_id else None
    icase = s.get(InspectionCase, source.source_case_id) if source else None
    sess = s.get(EvaluationSession, icase.session_id) if icase and icase.session_id else None
    problems = [x for x in (d.get("problems") or "").splitlines() if x.strip()] or [case.facts]
    doc = _doc(s, case, "rectification", "整改通知书", inst.name, "rectification_notice", today,
               supervised_on=f"{(sess.starts_at.date() if sess else case.opened_on)}", agency_name=agency.name,
               batch_number=sess.batch_number if sess else "", problems=problems,
               requirements=d.get("requirements") or "强化考点管理，规范评价组织", due=rect_due)
    _mail(s, f"sanction-rectification:{case.id}", inst.contact_email, "institution", doc,
          "整改报告的一次性提交链接另行发送。")
    _history(s, case, "written_notice", today, f"发出《整改通知书》，暂停评价活动，限期整改至{rect_due}", doc.number,
             article)
    _register(s, case, "rectification", article, doc.number, today, rect_due)
    case.rectification_due, case.rectification_round, case.status = rect_due, 1, "rectifying"
    case.details = case.details | {"notice_number": doc.number}
    sanction_status.settle(s, inst)  # a revoked institution stays revoked


def _revoke(s, case, inst, today, article, article_text, d) -> None:
    agency = s.get(Agency, case.agency_id)
    doc = _doc(s, case, "revocation", "撤销备案回执通知", inst.name, "revocation_receipt", today, article=article,
               article_text=article_text, filing_number=inst.filing_number, on=today,
               publish=case.proposal["publish"])
    _mail(s, f"sanction-revocation:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "revocation", today, "撤销备案回执，不再受理其备案或遴选申请", doc.number, article)
    if case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES:
        _register(s, case, "revocation", article, doc.number, today)
    if case.decided_case.startswith("27."):
        prop = _doc(s, case, "discipline", "关于给予处分的建议", d.get("authority") or "有关主管部门",
                    "discipline_proposal", today, institution_name=inst.name, filing_number=inst.filing_number,
                    facts=case.facts, persons=d.get("persons") or "（见附件材料）")
        _mail(s, f"sanction-discipline:{case.id}", agency.email, "agency", prop,
              f"请送达{d.get('authority') or '责任人员的主管部门'}。")
        _history(s, case, "discipline", today, "提出给予处分的建议（第二十七条）", prop.number, article)
    case.status = "closed"
    sanction_status.settle(s, inst)


# -- 第二十一条 minutes, 第二十条 explanation ------------------------------------------------------------
def record_minutes(case_id: int, pause_key: str, answers: dict) -> Outcome:
    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        minutes = str(answers.get("minutes", "")).strip()
        if not minutes:
            refusal.add("minutes", "约谈记录：请写明约谈情况和对方的说明")
        if refusal or who is None:
            return
        case.details = case.details | {"minutes": minutes, "minutes_by": who.label, "minutes_on": str(today)}
        case.status = "closed"
    return _answer_once(case_id, pause_key, judge)


def record_explanation(case_id: int, submission_id: int) -> dict:
    """第二十条: the institution's written explanation and the results it declared void. The list
    stays inside the agency; anywhere else only a count (personal data masked, 第八条)."""
    from procedures import portal_submissions

    def act(s, case, today):
        if case.status != "awaiting_report":
            return
        if submission_id:
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, "explanation")
            lines = [x.strip() for x in sub.statement.splitlines() if x.strip()]
            case.details = case.details | {"explanation": lines[:1], "voided": lines[1:], "receipt": sub.receipt_number}
            _history(s, case, "void_results", today, f"评价机构书面说明并宣布 {len(lines[1:])} 名参评人员的结果无效",
                     "", case.proposal["article"])
            case.status = "closed"
        else:
            case.escalated_on = case.escalated_on or today
            case.status = "closed"
    return _step(case_id, act)


# -- 第二十二条 rectification ---------------------------------------------------------------------------
def record_rectification_report(case_id: int, submission_id: int) -> dict:
    """The report through the portal (0: the deadline passed without one; the sweep escalated)."""
    from procedures import portal_submissions

    def act(s, case, today):
        if case.status != "rectifying":
            return
        if submission_id:
            step = f"rectification-{case.rectification_round}"
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, step)
            case.report_received_on = today
            case.details = case.details | {"report_receipt": sub.receipt_number, "report_files": len(sub.files)}
        else:
            case.details = case.details | {"report_missing": str(case.escalated_on or today)}
            case.status = "closed"
            sanction_status.settle(s, s.get(Institution, case.institution_id))  # suspended into the escalation
    return _step(case_id, act)


def review_rectification(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Staff review of a rectification report (附件4): resume (恢复评价活动, register, letter) or
    requirements and a new date."""
    return _review(case_id, pause_key, answers, "rectifying", REVIEW_RESUME, REVIEW_AGAIN, _resume,
                   "整改审核未通过，提出整改要求", "附件4")


def review_improvement(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Staff review of a 第二十七条 improvement report: accepted → closed, or requirements and a new
    date (another link; missed → 第二十七条（三） once, by the sweep)."""
    return _review(case_id, pause_key, answers, "improving", IMPROVEMENT_DONE, IMPROVEMENT_AGAIN,
                   _improvement_done, "改进情况审核未通过，提出改进要求", case_article(case_id))


def case_article(case_id: int) -> str:
    with session_scope() as s:
        return s.get(SanctionCase, case_id).proposal.get("article", "")


def _review(case_id: int, pause_key: str, answers: dict, status: str, accept: str, again: str, on_accept,
            returned: str, article: str) -> Outcome:
    """One review of a report (a round): `accept` → on_accept, or `again` with requirements and a
    new date later than today → the next round (a new link, the run waits again)."""

    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        outcome = str(answers.get("outcome", ""))
        remark = str(answers.get("requirements", "")).strip()
        if outcome not in (accept, again):
            refusal.add("outcome", f"审核结论：应为“{accept}”或“{again}”")
        new_due = None
        if outcome == again:
            if not remark:
                refusal.add("requirements", "整改要求：另定期限时须写明尚需整改（改进）的要求")
            try:
                new_due = date.fromisoformat(str(answers.get("new_due", "")))
                if new_due <= today:
                    refusal.add("new_due", f"新的整改期限：应晚于今天（{today}），实际为 {new_due}")
            except ValueError:
                refusal.add("new_due", f"新的整改期限：应为有效日期（YYYY-MM-DD），实际为“{answers.get('new_due', '')}”")
        if case.status != status:
            refusal.add("outcome", f"审核结论：案件状态为“{STATUS_NAMES[case.status]}”，不能再审核")
        resume_reason = _resume_reason(s, case, answers, refusal) if outcome == REVIEW_RESUME else ""
        if refusal or who is None:
            return
        inst = s.get(Institution, case.institution_id)
        reviews = list(case.details.get("reviews", [])) + [{"on": str(today), "by": who.label, "outcome": outcome,
                                                            "requirements": remark}]
        if resume_reason:
            reviews[-1]["resume_reason"] = resume_reason
        case.details = case.details | {"reviews": reviews}
        if outcome == accept:
            on_accept(s, case, inst, today, remark, who.label)
        else:
            case.rectification_round += 1
            case.rectification_due, case.report_received_on = new_due, None
            _history(s, case, f"requirements-{case.rectification_round}", today,
                     f"{returned}并另定期限至{new_due}：{remark}", "", article)
    return _answer_once(case_id, pause_key, judge)


def _improvement_done(s, case, inst, today, remark, by) -> None:
    _history(s, case, "improvement-accepted", today, f"改进情况经审核通过，结案（{by}）", "", case.proposal["article"])
    case.status = "closed"


def _resume_reason(s: Session, case: SanctionCase, answers: dict, refusal: Refusal) -> str:
    """Resuming while a revocation-level case of the institution is open needs a stated reason."""
    open_cases = sanction_status.open_revocation_cases(s, case)
    reason = str(answers.get("resume_reason", "")).strip()
    if open_cases and not reason:
        refusal.add("resume_reason", f"恢复评价活动的理由：该机构尚有可能撤销备案回执的未结案件（{'；'.join(open_cases)}），"
                                     "恢复评价活动须写明理由")
    return reason if open_cases else ""


def review_context(case_id: int) -> list[str]:
    """What the 恢复评价活动 review form shows besides the report: the open revocation-level cases."""
    with session_scope() as s:
        return sanction_status.open_revocation_cases(s, s.get(SanctionCase, case_id))


def _resume(s, case, inst, today, remark, by) -> None:
    """The report accepted: the case ends; 恢复评价活动 (notice, register) only if the institution
    really resumes — not while it is revoked or another 第二十二条 case keeps it suspended."""
    case.status = "closed"
    before, after = sanction_status.settle(s, inst)
    if not sanction_status.resumes(before, after):
        _history(s, case, "rectification-accepted", today,
                 f"整改报告经审核通过（{by}）；{sanction_status.why_not_resumed(s, case, after)}", "", "附件4")
        return
    doc = _doc(s, case, "resumption", "恢复评价活动通知", inst.name, "resumption_letter", today,
               notice_number=case.details.get("notice_number", ""), report_on=case.report_received_on, on=today,
               remark=remark)
    _mail(s, f"sanction-resumption:{case.id}", inst.contact_email, "institution", doc)
    why = (case.details.get("reviews") or [{}])[-1].get("resume_reason")
    _history(s, case, "resumption", today, f"整改完成，恢复评价活动（{by}）" + (f"；恢复理由：{why}" if why else ""),
             doc.number, "附件4")
    _register(s, case, "resumption", "附件4", doc.number, today)
    case.resumed_on, case.status = today, "closed"


def skip_hearing(case_id: int) -> dict:
    """第二十四条: a referral is not announced to the institution (RULES.md): no 告知书."""

    def act(s, case, today):
        if case.status == "pending":
            case.status = "awaiting_decision"
    return _step(case_id, act)


def record_improvement(case_id: int, submission_id: int) -> dict:
    """第二十七条: the improvement report of this round, for staff review (0: none by the date;
    the sweep opened 第二十七条（三） 拒不整改 once, and the case closes)."""
    from procedures import portal_submissions

    def act(s, case, today):
        if case.status != "improving" or case.report_received_on is not None:
            return
        if submission_id:
            rnd = case.rectification_round
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, f"improvement-{rnd}")
            case.report_received_on = today
            case.details = case.details | {"report_receipt": sub.receipt_number}
            _history(s, case, f"improvement-report-{rnd}", today, f"评价机构报送第{rnd}轮改进情况，待审核", "",
                     case.proposal["article"])
        else:
            case.details = case.details | {"report_missing": str(case.escalated_on or today)}
            case.status = "closed"
    return _step(case_id, act)
