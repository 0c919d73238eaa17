"""拟处理, the first step of the 处理程序 (第二十条–第二十七条 findings; 第十一条 属地管理): the case
opened once by its key — from a pending finding, a case the sweep opened, or a finding staff
register (备案编号, 条款, 事实) — numbered, bound to its run, and opened by a staff member
(confirm_opening); the ladder (regulation.sanctions) proposes the measure from the institution's
监管档案 and its 不合格 sessions of the year, naming the earlier measures an escalation rests on;
and whether the acting agency only reports to the filing authority (report_only: 第二十条–第二十三条、
第二十七条 「由负责备案的人社部门」 — no 告知书 or 处理决定书 of its own, hearing.skip_hearing).

Interpretation (ours): the 整改通知书 of the rectification that was missed is not the "书面通知"
of 第二十三条(一) for its own escalation: only an earlier notice turns 第二十二条(六) into 第二十三条(一).
"""

import re
from datetime import date

from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import session_scope
from models import (
    Agency,
    InspectionCase,
    InspectionRecord,
    Institution,
    InstitutionHistory,
    PendingCase,
    SanctionCase,
)
from procedures.casework.views import Outcome
from procedures.sanctions.common import (
    STATUS_NAMES,
    SanctionError,
    _answer_once,
    _decider,
    case_label,
    view,
)
from regulation import sanctions as ladder
from regulation.cards import CITY_NAMES

FILING_AUTHORITY_NAMES = {"mohrss": "人力资源社会保障部"}


# -- the acting agency (第十一条 属地管理) and the filing authority -----------------------------------
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
