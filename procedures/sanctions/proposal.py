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
from dataclasses import replace
from datetime import date, timedelta

from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import session_scope
from adapters.documents import Document
from adapters.markdown_text import inert
from adapters.settings import get_settings
from adapters.templates import chinese_date
from models import (
    Agency,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    InstitutionHistory,
    PendingCase,
    SanctionCase,
    SpecialInspection,
)
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal
from procedures.casework.views import Outcome
from procedures.sanctions import status as sanction_status
from procedures.sanctions.common import (
    STATUS_NAMES,
    SanctionError,
    _answer_once,
    _decider,
    _doc,
    _due_or_pending,
    _due_words,
    _history,
    _mail,
    _pending_text,
    _step,
    case_label,
    case_today,
    defence_step,
    hearing_round,
    link_deadline,
    view,
)
from procedures.sanctions.register import _register
from regulation import sanctions as ladder
from regulation.cards import CITY_NAMES
from regulation.deadlines import RECTIFICATION_MONTHS
from regulation.remedies import remedies_text

DECISIONS = {"采纳拟处理意见": "adopt", "变更处理": "change", "不予处理": "drop"}
REVIEW_RESUME, REVIEW_AGAIN = "恢复评价活动", "提出整改要求并另定期限"
IMPROVEMENT_DONE, IMPROVEMENT_AGAIN = "改进到位，结案", "提出改进要求并另定期限"
RECEIPT_STEP = "decision-receipt"  # the 送达回执 link of the 处理决定书 (no run waits for it)
LATE = "逾期提交"
FILING_AUTHORITY_NAMES = {"mohrss": "人力资源社会保障部"}


# -- the case's "today" and its agency ------------------------------------------------------------


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
        return agency.letterhead_name if agency else f"{CITY_NAMES.get(inst.city_letter or '', '设区市')}人力资源和社会保障局"
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
    → the case key; of several, the heaviest measure (ladder.heaviest_case). A bare article is its item 1."""
    return _cited(article).case


def _cited(article: str, serious: bool = False) -> ladder.CitedFinding:
    """The case taken of the articles cited, and whether a 第二十四条 referral goes alongside."""
    text = article.strip()
    if text == "fail" or re.fullmatch(r"\d+\.\d+", text):
        if text == "fail" or (text.split(".")[0] in ladder._CASES
                              and int(text.split(".")[1]) in ladder._CASES[text.split(".")[0]]["items"]):
            return ladder.CitedFinding(text)
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
    return ladder.heaviest_case(["fail" if key == 0 else f"{key}.{item}" for key, item in found], serious)


def open_sanction(s: Session, key: str, institution_id: int, finding_case: str, facts: str, on: date,
                  source: str, agency_id: str | None = None, pending_case_id: int | None = None,
                  source_sanction_id: int | None = None, serious: bool = False,
                  referral_too: bool = False) -> SanctionCase:
    """A sanction case, once per key (the table's unique key). `referral_too`: 第二十四条 was cited
    beside the case taken (a referral alongside its measure)."""
    found = s.exec(select(SanctionCase).where(SanctionCase.key == key)).first()
    if found:
        return found
    inst = s.get(Institution, institution_id)
    agency = s.get(Agency, agency_id) if agency_id else acting_agency(s, inst)
    case = SanctionCase(key=key, institution_id=inst.id, agency_id=agency.id, finding_case=finding_case,
                        facts=facts, source=source, opened_on=on, pending_case_id=pending_case_id,
                        source_sanction_id=source_sanction_id, serious=serious,
                        details={"referral_too": True} if referral_too else {})
    s.add(case)
    s.flush()
    assign_number(s, case)
    return case


CASE_KIND = "sanction"  # its series in case_counter (procedures.casework.case_numbers)


def assign_number(s: Session, case: SanctionCase) -> str:
    """处理-<agency>-<year>-<n>, once: n from 1 per acting agency and year the case was opened
    (立案, opened_on), from the same counter as the special inspections (issue 23.8). Given when
    the case is opened here, or when a run starts a case the sweep or a daily inspection opened."""
    if not case.number:
        from procedures.casework.case_numbers import next_serial

        year = case.opened_on.year
        case.number = f"处理-{case.agency_id}-{year}-{next_serial(s, case.agency_id, CASE_KIND, year)}"
        s.add(case)
        s.flush()
    return case.number


def run_name(case_number: str, institution: str) -> str:
    """The sanction run's name once its case is known (the Prefect UI, `supervise runs`)."""
    return f"处理程序 {case_number} · {institution}"


def run_name_of(flow_run_id: str) -> str:
    """The name of the run that owns a case, or "" before its case is started (or no database)."""
    try:
        with session_scope() as s:
            case = s.exec(select(SanctionCase).where(SanctionCase.flow_run_id == flow_run_id)).first()
            return run_name(case_label(case), s.get(Institution, case.institution_id).name) if case else ""
    except Exception:  # noqa: BLE001  a name is never worth failing a run for
        return ""


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
        assign_number(s, case)
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
    by whichever path noticed the third 不合格 first, procedures.casework.pending.open_third_fail_case) —
    also for a later 不合格 of the same year (a 4th), which finds the year's one case."""
    from procedures.casework.pending import THIRD_FAIL_ARTICLE, third_fail_key

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
        cited = _cited(pending.article)
        case = open_sanction(s, f"pending:{pending.id}", pending.institution_id, cited.case, pending.facts,
                             pending.opened_on, "daily_inspection" if source else "pending",
                             source.agency_id if source else None, pending_case_id=pending.id,
                             referral_too=cited.referral)
        return _discipline_too(case, cited)
    if not filing_number.strip():
        raise SanctionError("备案编号：请填写待处理案件编号，或登记发现的问题（备案编号、条款、事实）")
    inst = s.exec(select(Institution).where(Institution.filing_number == filing_number.strip())).first()
    if inst is None:
        raise SanctionError(f"备案编号：找不到备案编号为“{filing_number.strip()}”的评价机构")
    cited = _cited(article, serious)
    if not facts.strip():
        raise SanctionError("事实：请写明发现的问题（将写入告知书）")
    case = open_sanction(s, f"registered:{flow_run_id}", inst.id, cited.case, facts.strip(), today, "registered",
                         serious=serious, referral_too=cited.referral)
    return _discipline_too(case, cited)


def _discipline_too(case: SanctionCase, cited: ladder.CitedFinding) -> SanctionCase:
    """「第二十三条（x）、第二十七条（y）」 情节严重: the 第二十三条 revocation is taken and 第二十七条's
    discipline proposal goes with it (ladder.heaviest_case)."""
    if cited.discipline and not case.details.get("discipline_too"):
        case.details = case.details | {"discipline_too": cited.discipline}
    return case


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


def _past(s: Session, case: SanctionCase) -> tuple[list[InstitutionHistory], tuple, ladder.SanctionHistory]:
    """The institution's record as the ladder reads it: (history rows, 不合格 dates, SanctionHistory)."""
    history = history_of(s, case.institution_id, exclude_case=case.source_sanction_id)
    fails = ladder.failed_results_per_session(failed_sessions(s, case.institution_id))
    past = ladder.SanctionHistory(tuple(h.on for h in history if h.kind == "interview"),
                                  tuple(h.on for h in history if h.kind == "written_notice"),
                                  tuple(d for d in fails if d < case.opened_on))
    return history, fails, past


def rests_on_rows(p: ladder.Proposal, history: list[InstitutionHistory]) -> list[InstitutionHistory]:
    """The earlier measures a proposal's reasons rest on (告知书 「此前已采取的措施」): the interview
    a 第二十二条（一） reason names, the 整改通知书 of 第二十三条（一）, the improvement request of a
    第二十七条 revocation."""
    rests_on = []
    if any(r.article == "第二十二条（一）" and "约谈" in r.text for r in p.basis):
        rests_on += [h for h in history if h.kind == "interview"][-1:]
    if p.case == "23.1":
        rests_on += [h for h in history if h.kind == "written_notice"][-1:]
    if p.case and p.case.startswith("27.") and p.measure == "revocation":
        rests_on += [h for h in history if h.kind == "improvement"][-1:]
    return rests_on


def _propose(s: Session, case: SanctionCase, today: date) -> None:
    inst = s.get(Institution, case.institution_id)
    agency = s.get(Agency, case.agency_id)
    history, fails, past = _past(s, case)
    finding = ladder.Finding(case.finding_case, case.opened_on, case.facts, case.serious)
    if case.details.get("as_reported"):  # the filing authority's case after a changed report: that case only
        p = ladder.propose_change(case.finding_case, finding, past, case.serious)
    else:
        p = ladder.propose(finding, past)
    rests_on = rests_on_rows(p, history)
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
        "reasons": [{"article": r.article, "text": r.text} for r in p.reasons],
        "referral_too": bool(case.details.get("referral_too")) and p.measure != "referral",
        "told": list(ladder.told_cases(p.case, case.finding_case)),
    }
    if case.details.get("discipline_too") and p.measure == "revocation":
        case.proposal = case.proposal | {"discipline": True}


def proposal_markdown(case_id: int) -> str:
    from procedures.portal import evidence

    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        inst = s.get(Institution, case.institution_id)
        p = case.proposal
        basis = "\n".join(f"- {r['article'] + '：' if r['article'] else ''}{inert(r['text'])}" for r in p["basis"])
        rests = "\n".join(f"- {r['on']} {inert(r['text'])}（{inert(r['number'])}，{r['article']}）" for r in p["rests_on"]) or "- 无"
        history = "\n".join(f"| {h.on} | {inert(h.text)} | {inert(h.number)} | {h.article} |" for h in history_of(s, inst.id)) \
            or "| — | 无 | | |"
        report = f"\n\n**本机构非负责备案的人社部门**：处理结果为向{p['filing_authority']}报告，不直接采取措施。" \
            if case.report_only else ""
        from procedures.sanctions.changes import changes_markdown

        changes = changes_markdown(case)
        report += f"\n\n变更处理并重新告知（第二十五条）：\n{changes}" if changes else ""
        opened_by = f"\n\n启动：{inert(case.details['opened_by'])}（{case.details['opened_by_on']}）" \
            if case.details.get("opened_by") else ""
        return (f"# 处理程序 {case_label(case)}：{inert(inst.name)}（{inert(inst.filing_number)}）\n\n状态：**{STATUS_NAMES[case.status]}**{opened_by}\n\n"
                f"拟处理：**{p['measure_name']}**（{p['article']}）{report}\n\n事实：{inert(case.facts, block=True)}\n\n理由：\n{basis}\n\n"
                f"升级所依据的此前措施：\n{rests}\n\n本年度“不合格”场次：{p['fails_this_year']}\n\n"
                f"## 陈述和申辩（第二十五条）\n\n{_defence_markdown(s, case)}\n\n"
                f"## 处理决定\n\n{_decision_markdown(case)}\n\n"
                f"## 处理决定书送达\n\n{service_text(case)}\n\n"
                f"## 监管档案\n\n| 日期 | 事项 | 文号 | 条款 |\n|---|---|---|---|\n{history}\n\n"
                + "\n".join(evidence.markdown(evidence.case_files(case_id, "sanction"), case_id, "sanction",
                                              "## 评价机构提交的文件（仅限委派机构内部）")))


def _decision_markdown(case: SanctionCase) -> str:
    """Who decided what, on which reason, and the answer to each defence point (第二十五条)."""
    if case.decided_on is None:
        return "尚未作出"
    label = {v: k for k, v in DECISIONS.items()}.get(case.decision or "", case.decision or "")
    measure = ladder.MEASURE_NAMES.get(case.measure or "", case.measure or "")
    lines = [f"{case.decided_on} 由 {inert(case.decided_by or '')} 作出：**{label}**"
             + (f"，{measure}（{_decided_article(case)}）" if case.decision != "drop" and measure else "")]
    if case.details.get("decision_number"):
        lines.append(f"文书编号：{inert(case.details['decision_number'])}")
    if case.decision_reason:
        lines.append(f"理由：{inert(case.decision_reason, block=True)}")
    if case.point_replies:
        lines.append("对陈述和申辩要点的答复：\n\n" + "\n".join(
            f"- {inert(r['text'])}：**{r['answer']}**" + (f"（理由：{inert(r['reason'])}）" if r.get("reason") else "")
            for r in case.point_replies))
    return "\n\n".join(lines)


def _decided_article(case: SanctionCase) -> str:
    return ladder.case_citation(case.decided_case) if case.decided_case and case.decided_case != "fail" \
        else case.proposal.get("article", "")


def _defence_markdown(s: Session, case: SanctionCase) -> str:
    told = (f"事先告知书 {inert(case.details['hearing_doc'])}（{case.details.get('hearing_on', '')} 发出）\n\n"
            if case.details.get("hearing_doc") else "")
    return told + _defence_text(s, case)


def _defence_text(s: Session, case: SanctionCase) -> str:
    d = case.defence
    if d.get("receipt"):
        text = f"{d['received_on']} 收到（回执 {d['receipt']}）：\n" + "\n".join(f"- {inert(x)}" for x in d["points"])
    elif d.get("closed_on"):
        text = f"期限（{case.hearing_due}）届满未提交，{d['closed_on']} 期限巡检结束陈述申辩期"
    else:
        text = (f"陈述申辩期限 {case.hearing_due}" if case.hearing_due
                else "无（本机构非负责备案的人社部门，不送达告知书，由负责备案的人社部门告知）" if case.report_only
                else f"陈述申辩期限：{_due_words(case, 'hearing_due')}" if _pending_text(case, "hearing_due")
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
                 + "\n".join(f"- {inert(x)}" for x in late["points"]))
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
    """The 告知书 (numbered, .docx) by mail; the period in working days (setting); 期限待定 in a
    year not yet declared (the sweep computes it and tells the institution).

    Only a case a staff member opened (confirm_opening: details["opened_by"], issue 23.5) is told:
    otherwise SanctionError, no letter, nothing written. No case is told without an opening — every
    sanction run asks for it first, the filing authority's case and a re-hearing too."""
    def act(s, case, today):
        if not case.details.get("opened_by"):
            raise SanctionError(f"处理案件 {case_label(case)} 尚未由工作人员填写工作人员代码启动，"
                                "不发出事先告知书（第二十五条）")
        # done for this round (a 期限待定 period leaves hearing_due empty; a change reopens the next round)
        if case.hearing_due or (case.details.get("heard") or {}).get("round") == hearing_round(case):
            return
        inst, p = s.get(Institution, case.institution_id), case.proposal
        period = unknown_dues.Period(today, working_days=get_settings().sanction_hearing_working_days)
        case.hearing_due = _due_or_pending(s, case, "hearing_due", period, "陈述和申辩期限")
        extra = "；".join(x for x in (
            "你单位应作出书面说明，并宣布有关参评人员证书或评价成绩无效" if p["measure"] == "void_results" else "",
            "并对直接负责的主管人员和其他责任人员提出给予处分的建议" if p["discipline"] else "") if x)
        rnd = hearing_round(case)
        suffix = "" if rnd == 1 else f"-{rnd}"  # a re-hearing (第二十五条 after a change) is its own letter
        doc = _doc(s, case, f"hearing{suffix}", "质量督导处理事先告知书", inst.name, "sanction_hearing", today,
                   facts=case.facts, reasons=_hearing_reasons(p), rests_on=p["rests_on"], article=p["article"],
                   article_text=p["article_text"], measure_name=p["measure_name"], extra=extra,
                   hearing_due=_due_words(case, "hearing_due"), earlier=case.details.get("changes", [])[-1:])
        _mail(s, f"sanction-hearing{suffix}:{case.id}", inst.contact_email, "institution", doc,
              "陈述和申辩的一次性链接另行发送。")
        case.details = case.details | {"hearing_doc": doc.number, "hearing_on": str(today),
                                       "heard": {"case": p["case"], "measure": p["measure"], "round": rnd,
                                                 "told": p.get("told") or [p["case"]]}}
        case.status = "hearing"
    return _step(case_id, act)


def _hearing_reasons(p: dict) -> list[dict]:
    """理由 of the 告知书: the reasons beyond the article itself (the article is stated once, under
    依据); a proposal stored before this change carries its basis only."""
    if "reasons" in p:
        return p["reasons"]
    return [r for r in p["basis"] if not (r["article"] == p["article"] and r["text"] == p.get("article_text"))]


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
        if due is None:  # 期限待定: the link's bound; the sweep ends the period once the date is known
            field = "hearing_due" if step.split("-")[0] == "defence" else "rectification_due"
            pending = case.details.get("due_pending", {}).get(field)
            due = unknown_dues.Period.from_dict(pending["period"]).bound() if pending else case_today(case)
        return {"recipient": ("institution", inst.name, inst.contact_email),
                "contact": (agency.letterhead_name, agency.email),
                "title": title, "deadline": link_deadline(case, due), "instructions": what}


def record_defence(case_id: int, submission_id: int) -> dict:
    """The defence the portal stored (0: the period ended without one; the sweep closed it)."""
    from procedures.portal import submissions as portal_submissions

    def act(s, case, today):
        if case.status != "hearing":
            return
        if submission_id:
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, defence_step(case))
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
    from procedures.portal.links import aware

    if case.defence.get("receipt") or not case.flow_run_id:
        return None
    row = s.exec(select(PortalSubmission, PortalLink).join(PortalLink, PortalLink.id == PortalSubmission.link_id)
                 .where(PortalLink.flow_run_id == case.flow_run_id, PortalLink.step_key == defence_step(case))).first()
    if row is None:
        return None
    sub, _link = row
    points = [x.strip() for x in str(sub.payload.get("statement", "")).splitlines() if x.strip()]
    received = aware(sub.received_at)
    # In the case's time: a defence stored by the last day whose run was told "none" first (a
    # resume that lost the race with the sweep) came in time, and is not called late.
    late = received.date() + timedelta(days=case.clock_offset_days) > case.hearing_due if case.hearing_due \
        else "hearing_due" not in case.details.get("due_pending", {})  # 期限待定: the period runs
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


def decide(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Adopt, change or drop the proposed measure; each defence point not accepted needs its reason."""

    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        decision = DECISIONS.get(str(answers.get("decision", "")))
        reason = str(answers.get("reason", "")).strip()
        if decision is None:
            refusal.add("decision", f"处理决定：应为{'、'.join(DECISIONS)}之一")
        changed, referral_too = "", bool(case.details.get("referral_too"))
        discipline, changed_p = case.details.get("discipline_too", ""), None
        facts = str(answers.get("changed_facts", "")).strip()
        if decision == "change":
            try:
                cited = _cited(str(answers.get("changed_article", "")), case.serious)
            except SanctionError:
                refusal.add("changed_article", "变更后的条款：应为如“第二十一条（三）”，且为第二十条–第二十七条所列情形")
            else:
                changed_p = _changed_proposal(s, case, cited.case, refusal)
                if changed_p is not None:
                    changed, referral_too, discipline = cited.case, cited.referral, cited.discipline
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
            # a reason is for a point not accepted (a leftover one under 采纳 would print 「采纳。理由：…」)
            replies.append({"text": point_label(point), "answer": answer, "reason": why if answer == "不采纳" else ""})
        details = {k: str(answers.get(k, "")).strip() for k in ("interview_time", "interview_place", "authority",
                                                                "requirements", "persons", "problems")}
        final_case = changed or case.proposal["case"]
        measure = "none" if decision == "drop" else changed_p.measure if changed_p else case.proposal["measure"]
        report_only = _reports(s, case, final_case) if decision == "change" else case.report_only
        # 第二十五条: another basis, a heavier measure or new facts are told before they are decided
        rehear = changed_p is not None and not report_only and (
            ladder.change_needs_hearing(*_heard(case)[:2], final_case, measure, _heard(case)[2])
            or bool(facts and facts != case.facts))
        if rehear and not facts:
            refusal.add("changed_facts", "变更后的事实：变更后须重新告知评价机构（第二十五条），请写明变更后拟处理所依据的"
                                         "事实（写入新的告知书）")
        if decision != "drop" and not report_only and not rehear and (decision != "change" or changed_p):
            _require_details(measure, details, refusal, discipline_due(case, final_case, measure, discipline))
        if decision != "drop" and not rehear and referral_too and measure != "referral" and not details["authority"]:
            refusal.add("authority", "移交部门：本案同时依第二十四条移交，须写明接收的有关部门")
        if decision != "drop" and not rehear and not report_only and measure == "rectification":
            revoked = revocation_in_force(s, case.institution_id)
            if revoked is not None:  # 第二十二条 presupposes a filing in force
                refusal.add("decision", ladder.suspension_refusal(revoked))
        if refusal or who is None:
            return
        if rehear:  # 第二十五条: a heavier measure or another basis is told first, then decided
            from procedures.sanctions.changes import reopen_hearing

            reopen_hearing(s, case, today, changed_p, rests_on_rows(changed_p, _past(s, case)[0]), referral_too,
                           discipline, reason, facts, who.label, replies)
            return
        if decision == "change":  # the filing-authority rule, for the measure as changed
            case.report_only = report_only
            case.details = case.details | {"referral_too": referral_too, "discipline_too": discipline,
                                           "decided_serious": changed_serious(case, final_case)}
            if report_only:  # nothing was told: the 报告 states the changed case, its reasons and facts
                from procedures.sanctions.changes import proposal_fields

                case.proposal = case.proposal | proposal_fields(changed_p, rests_on_rows(changed_p, _past(s, case)[0]),
                                                                case.finding_case)
                if facts and facts != case.facts:
                    case.details = case.details | {"facts_before_change": case.facts}
                    case.facts = facts
        case.decision, case.decided_case, case.measure = decision, final_case or "", measure
        case.decision_reason, case.point_replies = reason, replies
        case.decided_on, case.decided_by = today, who.label
        case.details = case.details | {"decision_details": details}
        late = late_defence(s, case)
        if late and not case.defence.get("late"):
            case.defence = case.defence | {"late": late}  # in the case file, with its time
    return _answer_once(case_id, pause_key, judge)


def _heard(case: SanctionCase) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The case and measure the last 告知书 stated, and the cases it stated (ladder.told_cases);
    (None, None, ()) when none was served."""
    heard = case.details.get("heard")
    if heard:
        return heard["case"], heard["measure"], tuple(heard.get("told") or (heard["case"],))
    if case.details.get("hearing_doc"):
        p = case.proposal
        return p.get("case"), p.get("measure"), tuple(p.get("told") or (p.get("case"),))
    return None, None, ()


def _changed_proposal(s: Session, case: SanctionCase, new_case: str, refusal: Refusal) -> ladder.Proposal | None:
    """The proposal for a change to `new_case`, built from the institution's real record; None
    (and the reason beside the field) when the article's precondition is not met or it is 第十五条."""
    history, fails, past = _past(s, case)
    finding = ladder.Finding(case.finding_case, case.opened_on, case.facts, case.serious)
    # the year's 不合格 results up to the case's day count for 第二十三条（十）
    record = past if case.finding_case == "fail" else replace(
        past, failed_results=tuple(d for d in fails if d <= case.opened_on))
    why_not = ladder.change_refusal(new_case, finding, record)
    if why_not:
        refusal.add("changed_article", why_not)
        return None
    return ladder.propose_change(new_case, finding, record, changed_serious(case, new_case))


def _reports(s: Session, case: SanctionCase, final_case: str | None) -> bool:
    inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
    return ladder.reports_to_filing_authority(final_case, agency.level, agency.city_letter, inst.filing_authority,
                                              inst.city_letter)


def changed_serious(case: SanctionCase, final_case: str | None) -> bool:
    """Staff who change to a 第二十一条 item chose the interview: 情节严重 would make it 第二十二条（一）,
    which they would cite instead. 第二十七条 keeps it (拒不整改或情节严重 → revocation) — except a
    change to the very 第二十七条 item of a proposed revocation, which can only mean the
    improvement requirement (adopting would keep the revocation). Interpretation (ours)."""
    final = final_case or ""
    p = case.proposal or {}
    if final.startswith("27.") and final == p.get("case") and p.get("measure") == "revocation":
        return False
    return case.serious and not final.startswith("21.")


def discipline_due(case: SanctionCase, final_case: str | None, measure: str, alongside: str | None = None) -> bool:
    """第二十七条 「拒不整改或者情节严重的，对机构撤销备案回执，对直接负责的主管人员…提出给予处分的建议」:
    a 第二十七条 revocation, or a 第二十三条 one with a 第二十七条 revocation cited beside it."""
    if measure != "revocation" or not final_case:
        return False
    alongside = case.details.get("discipline_too") if alongside is None else alongside
    return final_case.startswith("27.") or (final_case.startswith("23.") and bool(alongside))


def _require_details(measure: str, d: dict, refusal: Refusal, discipline: bool = False) -> None:
    if measure == "interview":
        if not d["interview_time"]:
            refusal.add("interview_time", "约谈时间：约谈须写明时间（第二十一条）")
        if not d["interview_place"]:
            refusal.add("interview_place", "约谈地点：约谈须写明地点（第二十一条）")
    if measure == "referral" and not d["authority"]:
        refusal.add("authority", "移交部门：第二十四条移交须写明接收的有关部门")
    if measure == "improvement" and not d["requirements"]:
        refusal.add("requirements", "整改要求：第二十七条改进要求须写明要求")
    if measure == "rectification" and not d["requirements"]:  # 附件4: staff write what is required
        refusal.add("requirements", "整改要求：第二十二条《整改通知书》须写明整改要求")
    if discipline and not d["authority"]:
        refusal.add("authority", "处分建议的接收部门：第二十七条撤销备案须对直接负责的主管人员和其他责任人员"
                                 "向有关部门提出给予处分的建议，请写明接收部门")
    if discipline and not d["persons"]:
        refusal.add("persons", "直接负责的主管人员和其他责任人员：第二十七条处分建议须写明责任人员")


# -- carrying the decision out, once ---------------------------------------------------------------
def carry_out(case_id: int) -> dict:
    """处理决定书 served by mail; then the measure (each write keyed; a retry repeats nothing)."""

    def act(s, case, today):
        if case.status != "awaiting_decision" and case.details.get("carried_out"):
            return
        inst, p = s.get(Institution, case.institution_id), case.proposal
        d = case.details.get("decision_details", {})
        article = _decided_article(case)
        article_text = ladder.case_text(case.decided_case) if case.decided_case and case.decided_case != "fail" \
            else p.get("article_text", "")
        name = ladder.MEASURE_NAMES.get(case.measure, case.measure)
        rect_due = _due_or_pending(s, case, "rectification_due", unknown_dues.Period(today, months=RECTIFICATION_MONTHS),
                                   "整改期限") \
            if case.measure == "rectification" and case.decision != "drop" and not case.report_only else None
        followup = _followup_text(case, d, rect_due, p)
        # 第二十四条: the institution is not forewarned; an agency that did not file it decides
        # nothing of its own (第二十二条、第二十三条): a 处理决定书 only where a 告知书 was served.
        if case.measure != "referral" and not case.report_only and case.details.get("hearing_doc"):
            agency = s.get(Agency, case.agency_id)
            doc = _doc(s, case, "decision", "质量督导处理决定书", inst.name, "sanction_decision", today,
                       notified_on=case.details.get("hearing_on", ""), hearing_number=case.details.get("hearing_doc", ""),
                       hearing_due=case.hearing_due, defence_on=case.defence.get("received_on", ""),
                       defence_points=[{"text": r["text"], "answer": r["answer"], "reason": r["reason"]}
                                       for r in case.point_replies],
                       decision=case.decision, reason=case.decision_reason, article=article,
                       article_text=article_text, measure_text=name, followup=followup,
                       remedies=remedies_text(agency.level, agency.city_letter))
            _serve_decision(s, case, inst, doc, today)
            _history(s, case, "decision", today, f"处理决定：{name if case.decision != 'drop' else '不予处理'}",
                     doc.number, article)
        elif case.measure == "referral" and not case.report_only and case.details.get("hearing_doc"):
            _terminate(s, case, inst, today)
        if case.decision == "drop":
            case.status = "dropped"
            sanction_status.lift_after_drop(s, case, inst, today)  # 不予处理 never strands a suspension
        elif case.report_only:
            _report_to_filing_authority(s, case, inst, today, article, name)
        else:
            _measure(s, case, inst, today, article, article_text, d, rect_due)
        if case.decision != "drop" and case.details.get("referral_too") and case.measure != "referral":
            from procedures.sanctions.changes import refer_alongside

            refer_alongside(s, case, inst, today, d)  # 第二十四条 beside the measure, never instead
        case.details = case.details | {"carried_out": str(today)}
    return _step(case_id, act)


def _terminate(s: Session, case: SanctionCase, inst: Institution, today: date) -> None:
    """A 告知书 was served, then staff changed the measure to a 第二十四条 referral alone: the
    institution told of a proposed measure learns that the proceedings end — never of the
    referral (第二十四条 is not announced). Interpretation (ours)."""
    heard = case.details.get("heard") or {}
    doc = _doc(s, case, "termination", "质量督导处理终止通知书", inst.name, "sanction_termination", today,
               notified_on=case.details.get("hearing_on", ""), hearing_number=case.details.get("hearing_doc", ""),
               measure_name=ladder.MEASURE_NAMES.get(heard.get("measure") or "", case.proposal.get("measure_name")))
    _mail(s, f"sanction-termination:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "termination", today, "终止处理程序，不作出告知书所列处理", doc.number, "第二十五条")


def _serve_decision(s: Session, case: SanctionCase, inst: Institution, doc: Document, today: date) -> None:
    """The 处理决定书 by mail — served so; the measure goes on at once — with a one-time portal link
    where the institution opens it again and signs for it (送达回执: the proof of service)."""
    from procedures.portal.links import CaseStep, Contact, Recipient, create_link

    agency = s.get(Agency, case.agency_id)
    period = unknown_dues.Period(today, working_days=get_settings().decision_receipt_working_days)
    due = _due_or_pending(s, case, "receipt_due", period, "送达回执签收期限")
    link = create_link(s, CaseStep("sanction", case.id, RECEIPT_STEP, case.flow_run_id or ""),
                       Recipient("institution", inst.name, inst.contact_email),
                       Contact(agency.letterhead_name, agency.email),
                       "处理决定书送达回执", link_deadline(case, due or period.bound()),
                       f"请查看、下载《{doc.title}》（{doc.number}），填写签收人姓名后签收。", kind="decision_receipt")
    _mail(s, f"sanction-decision:{case.id}", inst.contact_email, "institution", doc,
          link=(f"送达回执：本决定书已随本邮件送达。请于{_due_words(case, 'receipt_due')}前打开以下一次性链接，查看、下载本决定书并签收"
                "（填写签收人姓名），签收回执作为送达证明：", link.url))
    case.decision_served_on, case.receipt_due = today, due
    case.details = case.details | {"decision_number": doc.number}


# -- the 送达回执 through the portal (procedures/portal/forms.py "decision_receipt") ------------------
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
    from procedures.portal.links import aware

    if case.receipt_signed_at is not None:
        return f"已送达（签收人：{inert(case.receipt_signer)}，{aware(case.receipt_signed_at):%Y-%m-%d %H:%M}）"
    if case.decision_served_on:
        reminded = f"；{case.receipt_reminded_on} 已提醒并告知委派机构" if case.receipt_reminded_on else ""
        return f"已于 {case.decision_served_on} 电子邮件送达，送达回执待签收（期限 {case.receipt_due}）{reminded}"
    return "未送达"


def _followup_text(case: SanctionCase, d: dict, rect_due: date | None, p: dict) -> str:
    if case.decision == "drop":
        return ""
    published = "，并对社会公布" if case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES else ""
    return {
        "rectification": f"《整改通知书》另行送达；整改期间暂停评价活动，限期3个月（至{_due_words(case, 'rectification_due')}），"
                         "并对社会公布。",
        "interview": f"约谈时间：{d.get('interview_time')}；约谈地点：{d.get('interview_place')}。",
        "revocation": f"撤销备案回执的通知另行送达{published}。",
        "improvement": "改进要求另行送达。",
        "void_results": "请你单位通过随附链接作出书面说明，并宣布有关参评人员证书或评价成绩无效。",
    }.get(case.measure, "")


def _report_to_filing_authority(s, case, inst, today, article, name) -> None:
    """第二十条–第二十三条、第二十七条 「由（经）负责备案的人社部门」: a numbered 报告 with the findings and
    the proposal, no 告知书 or 处理决定书 of our own; the filing authority's own case follows
    (opened for it here when it is one of ours, so its staff hear and decide)."""
    from procedures.sanctions.changes import case_for_filing_authority

    agency, p = s.get(Agency, case.agency_id), case.proposal
    followed = case_for_filing_authority(s, case, inst, today)
    doc = _doc(s, case, "report", "关于评价机构质量督导问题的报告", p["filing_authority"], "filing_authority_report",
               today, institution_name=inst.name, filing_number=inst.filing_number, facts=case.facts,
               reasons=_hearing_reasons(p) if p.get("case") == case.decided_case else [], article=article,
               article_text=ladder.case_text(case.decided_case), measure_text=ladder.measure_text(case.decided_case),
               measure_name=name, reason=case.decision_reason, referral_too=bool(case.details.get("referral_too")))
    if followed is not None:  # one of ours: straight to it, with the case it starts
        filing = s.get(Agency, followed.agency_id)
        _mail(s, f"sanction-report:{case.id}", filing.email, "agency", doc,
              f"已为你单位开立处理案件 {case_label(followed)}：请在流程管理界面以“处理案件编号”{followed.id} 启动 "
              "sanction-procedure（处理程序），先行告知评价机构（第二十五条）后作出处理决定。")
    else:
        _mail(s, f"sanction-report:{case.id}", agency.email, "agency", doc,
              f"请转送{p['filing_authority']}（负责备案的人社部门）。")
    _history(s, case, "report", today, f"报告{p['filing_authority']}（非本机构备案）", doc.number, article)
    case.details = case.details | {"report_number": doc.number,
                                   "filing_authority_case": followed.id if followed is not None else None}
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
        due = _due_or_pending(s, case, "rectification_due",
                              unknown_dues.Period(today, calendar_days=get_settings().report_due_days), "改进期限")
        doc = _doc(s, case, "improvement", "改进要求通知书", inst.name, "improvement_request", today, article=article,
                   article_text=article_text, requirements=d["requirements"], due=_due_words(case, "rectification_due"))
        _mail(s, f"sanction-improvement:{case.id}", inst.contact_email, "institution", doc)
        _history(s, case, "improvement", today, f"提出改进要求（至{due or unknown_dues.PENDING}）", doc.number, article)
        case.rectification_due, case.rectification_round, case.status = due, 1, "improving"
    elif m == "void_results":
        due = _due_or_pending(s, case, "rectification_due",
                              unknown_dues.Period(today, calendar_days=get_settings().report_due_days), "书面说明期限")
        doc = _doc(s, case, "void-order", "关于作出书面说明并宣布评价结果无效的通知", inst.name, "void_results_order",
                   today, article=article, article_text=article_text, due=_due_words(case, "rectification_due"))
        _mail(s, f"sanction-void:{case.id}", inst.contact_email, "institution", doc)
        case.rectification_due, case.status = due, "awaiting_report"
    else:
        case.status = "closed"


def revocation_in_force(s: Session, institution_id: int) -> str | None:
    """The number of the 撤销备案回执 in force on the institution ("" when its roster alone says
    revoked), or None while its filing stands."""
    if s.get(Institution, institution_id).status != "revoked":
        return None
    return s.exec(select(InstitutionHistory.number).where(
        InstitutionHistory.institution_id == institution_id, InstitutionHistory.kind == "revocation")
        .order_by(InstitutionHistory.on.desc(), InstitutionHistory.id.desc())).first() or ""


def _suspend(s, case, inst, today, article, rect_due, d) -> None:
    """第二十二条 in one transaction: 整改通知书 (附件4), suspension, 监管档案, public register.
    An institution revoked after the decision was taken (another case, in between) is not
    suspended: the 监管档案 records why, no 整改通知书 and no register line (ladder.suspension_refusal)."""
    revoked = revocation_in_force(s, inst.id)
    if revoked is not None:
        _history(s, case, "not_suspended", today,
                 f"备案回执已撤销{f'（{revoked}）' if revoked else ''}，不发出《整改通知书》、不暂停评价活动（第二十二条）",
                 "", article)
        case.rectification_due, case.status = None, "closed"
        case.details = case.details | {"not_suspended": "revoked"}
        return
    agency = s.get(Agency, case.agency_id)
    source = s.get(PendingCase, case.pending_case_id) if case.pending_case_id else None
    icase = s.get(InspectionCase, source.source_case_id) if source else None
    sess = s.get(EvaluationSession, icase.session_id) if icase and icase.session_id else None
    problems = [x for x in (d.get("problems") or "").splitlines() if x.strip()] or [case.facts]
    # Where the problems were found (附件4's opening): a daily inspection of a batch, a special
    # inspection, or neither (a finding registered directly: no inspection to name).
    special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == icase.id)).first() \
        if icase is not None and sess is None else None
    supervised_on = sess.starts_at.date() if sess else special.planned_start if special else case.opened_on
    doc = _doc(s, case, "rectification", "整改通知书", inst.name, "rectification_notice", today,
               supervised_on=f"{supervised_on}", agency_name=agency.letterhead_name, special=special is not None,
               batch_number=sess.batch_number if sess else "", problems=problems,
               requirements=d.get("requirements") or "", due=_due_words(case, "rectification_due"))  # written by staff (decide)
    _mail(s, f"sanction-rectification:{case.id}", inst.contact_email, "institution", doc,
          "整改报告的一次性提交链接另行发送。")
    _history(s, case, "written_notice", today,
             f"发出《整改通知书》，暂停评价活动，限期整改至{rect_due or unknown_dues.PENDING}", doc.number,
             article)
    _register(s, case, "rectification", article, doc.number, today, rect_due)
    case.rectification_due, case.rectification_round, case.status = rect_due, 1, "rectifying"
    case.details = case.details | {"notice_number": doc.number}
    sanction_status.settle(s, inst)  # a revoked institution stays revoked


def _revoke(s, case, inst, today, article, article_text, d) -> None:
    agency = s.get(Agency, case.agency_id)
    bars = case.decided_case.startswith("23.")  # 第二十三条 「不再受理其备案或遴选申请」: its own, not 第二十七条's
    doc = _doc(s, case, "revocation", "撤销备案回执通知", inst.name, "revocation_receipt", today, article=article,
               article_text=article_text, filing_number=inst.filing_number, on=today, bars=bars,
               publish=case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES)  # the decided article's
    _mail(s, f"sanction-revocation:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "revocation", today, "撤销备案回执，不再受理其备案或遴选申请" if bars else "撤销备案回执",
             doc.number, article)
    if case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES:
        _register(s, case, "revocation", article, doc.number, today)
    if discipline_due(case, case.decided_case, case.measure):
        prop = _doc(s, case, "discipline", "关于给予处分的建议", d["authority"],
                    "discipline_proposal", today, institution_name=inst.name, filing_number=inst.filing_number,
                    facts=case.facts, persons=d["persons"])  # both required by decide (_require_details)
        _mail(s, f"sanction-discipline:{case.id}", agency.email, "agency", prop, f"请送达{d['authority']}。")
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
    from procedures.portal import submissions as portal_submissions

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
    from procedures.portal import submissions as portal_submissions

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
        new_due, moved = None, ""
        if outcome == again:
            if not remark:
                refusal.add("requirements", "整改要求：另定期限时须写明尚需整改（改进）的要求")
            try:
                new_due = date.fromisoformat(str(answers.get("new_due", "")))
                if new_due <= today:
                    refusal.add("new_due", f"新的整改期限：应晚于今天（{today}），实际为 {new_due}")
                else:  # 民法典第二百零三条: a day off moves to the next working day, said on the case
                    new_due, moved = unknown_dues.staff_last_day(s, new_due)
                    if new_due is None:
                        refusal.add("new_due", f"新的整改期限：{moved}")
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
                     f"{returned}并另定期限至{new_due}{moved}：{remark}", "", article)
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
    from procedures.portal import submissions as portal_submissions

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
