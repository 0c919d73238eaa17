"""The sanctions ladder (第二十条–第二十七条) and the daily follow-up proposal (第十五条(一)).

From an institution's history and a new finding, propose a measure with its article
and item, and the facts/reasons/basis text that 第二十五条 requires be sent to the
institution before any decision. The agency decides; this only proposes.

Escalations:
- a 第二十一条 case that is serious, or recurs after an interview → 第二十二条(一);
  Interpretation (ours): any 第二十一条 case after any earlier interview counts as "又发生";
- a 第二十二条 violation after a written rectification notice → 第二十三条(一);
- the 3rd 不合格 overall external-supervision result in one calendar year → 第二十三条(十);
- 第二十七条: improvement required; refusal or a serious case → filing revoked and a proposal
  to discipline those directly responsible (提出给予处分的建议), same article.

Corrections (issue 10 review):
- 第二十条: the institution itself explains in writing and declares the results void; the
  agency requires it and records both (institution_explains, institution_voids).
- 第二十七条: a refusal or serious case also proposes discipline (discipline_proposal); and it
  is not published — 第二十七条 does not say so, unlike 第二十二条 and 第二十三条.
- publication follows the article, never the measure alone: only measures under 第二十二条 and
  第二十三条 (and a resumption after rectification) are published.
- the acting agency takes a 第二十条–第二十三条/第二十七条 measure only when it filed the
  institution; otherwise it reports to the filing authority (reports_to_filing_authority).
  第二十条 too: 「经负责备案的人社部门核查」 (issue 17).

Issue 17 (second review):
- the order of measures (data: sanction-cases.yaml ``measure_order``): 撤销备案回执 > 整改通知书并暂停
  > 约谈 > 书面说明并宣布无效 (第二十条) > 改进要求; of several articles cited in one finding the
  heaviest measure is taken (heaviest_case), and a 第二十四条 referral goes alongside, never instead.
- 第二十五条 when staff change the proposed measure (change_needs_hearing): decided at once only
  when the new case was stated in the last 告知书 (the heard case itself, or a case its reasons
  rest on: 第二十一条 under 第二十二条（一）, 第二十二条 under 第二十三条（一）, told_cases) and its
  measure is not heavier (第二十七条 improvement under a 第二十七条 revocation of the same item);
  anything else — a heavier measure, another basis, new facts — needs a new 告知书 and defence
  period; a referral (no hearing) never needs one.
- a change keeps the law's preconditions (propose_change, change_refusal): 第二十三条（一） only
  after a 整改通知书 on record, 第二十三条（十） only with three 不合格 in the year, 第二十二条（一）
  only after an interview or when 情节严重; the changed proposal states them as its reasons.
- several articles of equal weight: 第二十三条 before 第二十七条 (its consequences — 不再受理、对社会
  公布 — are the article's own); a 第二十七条 拒不整改或情节严重 cited beside it adds its discipline
  proposal alongside (CitedFinding.discipline).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from regulation.data_files import load_yaml
from regulation.reasons import Reason
from regulation.scoring import ScoreResult

_CASES = load_yaml("sanction-cases.yaml")["articles"]
REGULATION_TITLE = "《山东省技能人才评价质量督导工作实施细则（试行）》（鲁人社字〔2022〕68号）"
FAILS_FOR_REVOCATION = 3  # 第二十三条(十): 一个自然年度内…三次及以上“不合格”
CHINESE_NUMERALS = "零一二三四五六七八九十"


def chinese_date(day: date) -> str:
    """2026年1月5日, as letters write a date (never the ISO form in a reason)."""
    return f"{day.year}年{day.month}月{day.day}日"

MEASURE_NAMES = {
    "none": "无需处理",
    "reminder_letter": "提醒函",
    "void_results": "责令评价机构作出书面说明，并由其宣布有关参评人员证书或评价成绩无效",
    "interview": "约谈",
    "rectification": "发出《整改通知书》、暂停评价活动",
    "revocation": "撤销备案回执",
    "referral": "移交有关部门",
    "improvement": "提出改进要求",
}
# No evaluation without good reason: 第二十二条(四) 一年内未开展评价活动, 第二十三条(七) 两年内未开展评价活动
# (months without an evaluation → the case it opens, and how the notice says it).
INACTIVITY_THRESHOLDS = ((12, "22.4", "一年"), (24, "23.7", "两年"))
PUBLISHED_ARTICLES = ("22", "23")  # 第二十二条、第二十三条: 对社会公布; 第二十七条 does not say so
FILING_AUTHORITY_ARTICLES = ("20", "21", "22", "23", "27")  # 经/由负责备案的人社部门 …
MEASURE_ORDER: tuple[str, ...] = tuple(load_yaml("sanction-cases.yaml")["measure_order"])  # heaviest first


def item_label(n: int) -> str:
    """(一)…(十一), as the articles number their items."""
    if n <= 10:
        return f"（{CHINESE_NUMERALS[n]}）"
    return f"（十{CHINESE_NUMERALS[n - 10]}）"


def case_text(case: str) -> str:
    article, item = case.split(".")
    return _CASES[article]["items"][int(item)]


def case_citation(case: str) -> str:
    """第二十二条（二）; an article without items (第二十四条) is cited bare."""
    article, item = case.split(".")
    if _CASES[article].get("itemless"):
        return _CASES[article]["article"]
    return _CASES[article]["article"] + item_label(int(item))


@dataclass(frozen=True)
class SanctionHistory:
    interviews: tuple[date, ...] = ()  # 第二十一条 interviews held
    written_notices: tuple[date, ...] = ()  # 第二十二条 《整改通知书》 served
    failed_results: tuple[date, ...] = ()  # earlier 不合格 overall external results


@dataclass(frozen=True)
class Finding:
    case: str  # "21.3", "22.2", … or "fail" for a 不合格 overall external result
    on: date
    facts: str
    serious: bool = False  # 情节严重 / 拒不整改, as the agency judges it


@dataclass(frozen=True)
class Proposal:
    measure: str
    case: str | None
    article: str
    basis: tuple[Reason, ...]
    facts: str
    suspend_evaluation: bool = False
    file_entry: bool = False
    publish: bool = False
    hearing_required: bool = True  # 第二十五条
    institution_explains: bool = False  # 第二十条: 由评价机构作出书面说明
    institution_voids: bool = False  # 第二十条: 并（由评价机构）宣布…无效
    discipline_proposal: bool = False  # 第二十七条: 对直接负责的主管人员…提出给予处分的建议

    @property
    def measure_name(self) -> str:
        return MEASURE_NAMES[self.measure]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons beyond the article itself (escalations, counts): the article's own item is
        stated once, under 依据 (issue 23: not under 理由 and again under 依据)."""
        return tuple(r for r in self.basis if r.article != self.article or self.case is None
                     or r.text != case_text(self.case))

    @property
    def notice_text(self) -> str:
        """第二十五条: 告知评价机构相关事实、理由和依据，评价机构可以陈述和申辩. Each article once."""
        reasons = "；".join(r.text for r in self.reasons) or "上述事实属于下列依据所列情形"
        cited = f"{self.article}（{case_text(self.case)}）" if self.case else self.article
        text = (f"事实：{self.facts}。理由：{reasons}。依据：{REGULATION_TITLE}{cited}。"
                f"拟作出的处理：{self.measure_name}。")
        if self.institution_explains:
            text += "你单位应作出书面说明，并宣布有关参评人员证书或评价成绩无效。"
        if self.discipline_proposal:
            text += "并对直接负责的主管人员和其他责任人员向有关部门提出给予处分的建议。"
        if self.hearing_required:
            text += "根据第二十五条，你单位可以在规定期限内陈述和申辩。"
        return text


_MEASURE_FLAGS = {
    "void_results": {"institution_explains": True, "institution_voids": True},
    "interview": {"file_entry": True},
    "rectification": {"suspend_evaluation": True, "file_entry": True},
    "revocation": {"file_entry": True},
    "referral": {"file_entry": True},
    "improvement": {"file_entry": True},
}


def _proposal(case: str, finding: Finding, *basis: Reason, measure: str | None = None) -> Proposal:
    article_key = case.split(".")[0]
    measure = measure or _CASES[article_key]["measure"]
    basis = basis + (Reason(case_citation(case), case_text(case)),)
    flags = dict(_MEASURE_FLAGS[measure])
    flags["publish"] = article_key in PUBLISHED_ARTICLES  # publication follows the article
    if article_key == "27" and measure == "revocation":
        flags["discipline_proposal"] = True
    hearing = article_key != "24"  # 第二十五条 Interpretation: a referral is not announced
    return Proposal(measure, case, case_citation(case), basis, finding.facts, hearing_required=hearing, **flags)


def reports_to_filing_authority(case: str | None, acting_level: str, acting_city: str | None,
                                filing_authority: str, filing_city: str | None) -> bool:
    """第二十条–第二十三条、第二十七条: the measure is the 负责备案的人社部门's. An agency that did
    not file the institution (ministry-filed, or filed with another city, or a city acting on a
    province-filed one) reports to the filing authority instead of taking the measure."""
    if not case or case.split(".")[0] not in FILING_AUTHORITY_ARTICLES:
        return False
    if filing_authority == "mohrss":
        return True
    if filing_authority == "province":
        return acting_level != "province"
    return not (acting_level == "city" and acting_city == filing_city)


def measure_rank(measure: str) -> int:
    """Higher is heavier (MEASURE_ORDER); a referral, a reminder or nothing is 0: off the ladder."""
    return len(MEASURE_ORDER) - MEASURE_ORDER.index(measure) if measure in MEASURE_ORDER else 0


def default_measure(case: str, serious: bool = False) -> str:
    """The measure a case carries by itself (no history): 第二十一条 serious → 第二十二条（一）,
    第二十七条 serious → revocation, a 不合格 result → a reminder letter."""
    return propose(Finding(case, date(2000, 1, 1), "", serious), SanctionHistory()).measure


@dataclass(frozen=True)
class CitedFinding:
    case: str  # the case whose measure is taken
    referral: bool = False  # 第二十四条 cited too: the referral goes alongside
    discipline: str = ""  # a 第二十七条 revocation cited beside a 第二十三条 one: its discipline proposal too


def heaviest_case(cases: list[str], serious: bool = False) -> CitedFinding:
    """Several articles cited in one finding (「第二十三条（四）、第二十四条」): the case with the heaviest
    measure by MEASURE_ORDER (not the highest article number: 「第二十三条（一）、第二十七条（三）」 is a
    revocation); of equally heavy ones 第二十三条 before 第二十七条 (a revocation under 第二十三条 is
    also published and bars new filings), otherwise the highest article and item (as before); the
    第二十七条 revocation left aside still brings its discipline proposal (discipline). 第二十四条
    never replaces a measure: it is the case only when nothing else is cited, otherwise a referral
    alongside."""
    if not cases:
        raise ValueError("no case cited")
    others = [c for c in cases if not c.startswith("24.")]
    referral = len(others) < len(cases)
    if not others:
        return CitedFinding(next(c for c in cases if c.startswith("24.")))
    def weight(case: str) -> tuple[int, int, int]:
        if case == "fail":
            return (-1, 0, 0)  # 第十五条（一）: only when nothing else is cited
        article, item = case.split(".")
        return (measure_rank(default_measure(case, serious)), 0 if article == "27" else int(article), int(item))

    taken = max(others, key=weight)
    discipline = ""
    if taken.startswith("23.") and default_measure(taken) == "revocation":
        discipline = next((c for c in others if c.startswith("27.") and default_measure(c, serious) == "revocation"), "")
    return CitedFinding(taken, referral, discipline)


def told_cases(proposed_case: str | None, finding_case: str | None) -> tuple[str, ...]:
    """The cases a 告知书 states: the proposed case, and the case its reasons rest on (the
    第二十一条 item escalated to 第二十二条（一）, the 第二十二条 item escalated to 第二十三条（一）, both
    for 第二十一条 → 第二十三条（一）)."""
    if not proposed_case:
        return ()
    told = [proposed_case]
    finding = finding_case or proposed_case
    if finding != proposed_case and finding != "fail":
        if proposed_case == "23.1" and finding.startswith("21."):
            told.append("22.1")
        if proposed_case in ("22.1", "23.1") and finding.split(".")[0] in ("21", "22"):
            told.append(finding)
    return tuple(told)


def change_needs_hearing(heard_case: str | None, heard_measure: str | None, new_case: str, new_measure: str,
                         told: tuple[str, ...] = ()) -> bool:
    """第二十五条 「作出处理决定前，应当告知评价机构相关事实、理由和依据」 when staff change the measure.

    Interpretation (ours): a changed measure is decided at once only when the new case was stated
    in the last 告知书 — the heard case itself, or a case its reasons rest on (`told`, from
    told_cases) — and its measure is not heavier (MEASURE_ORDER): 第二十二条（一） → the 第二十一条
    item it escalated, 第二十三条（一） → the 第二十二条 item, a 第二十七条 revocation → the improvement
    under the same item. Anything else (a heavier measure, another article or item, whatever its
    weight) needs a new 告知书 and a new defence period. No 告知书 sent yet (a 第二十四条 referral, or
    a report to the filing authority) → every measure with a hearing needs one. A referral never does."""
    if new_measure in ("referral", "none"):
        return False
    if heard_case is None or heard_measure is None:
        return True
    if new_case != heard_case and new_case not in told:
        return True
    return measure_rank(new_measure) > measure_rank(heard_measure)


def measure_text(case: str) -> str:
    return _CASES[case.split(".")[0]]["measure_text"]


def propose(finding: Finding, history: SanctionHistory) -> Proposal:
    """The measure the regulation provides for `finding`, escalated by `history`."""
    if finding.case == "fail":
        return _propose_for_fail(finding, history)
    article, _ = finding.case.split(".")
    if article == "21":
        if finding.serious:
            why = Reason("第二十二条（一）", f"{case_citation(finding.case)}所列情况，情节严重")
            return _escalate_22(replace(finding, case="22.1"), history, why)
        if history.interviews:
            why = Reason("第二十二条（一）",
                         f"已于{chinese_date(max(history.interviews))}约谈，{case_citation(finding.case)}所列情况又发生")
            return _escalate_22(replace(finding, case="22.1"), history, why)
    if article == "22":
        return _escalate_22(finding, history)
    if article == "27" and finding.serious:
        why = Reason("第二十七条", "拒不整改或者情节严重")
        return _proposal(finding.case, finding, why, measure="revocation")
    return _proposal(finding.case, finding)


def _escalate_22(finding: Finding, history: SanctionHistory, *why: Reason) -> Proposal:
    if history.written_notices:
        notice = Reason("第二十三条（一）",
                        f"已于{chinese_date(max(history.written_notices))}被出具《整改通知书》，再次违反"
                        f"{case_citation(finding.case)}“{case_text(finding.case)}”的规定")
        return _proposal("23.1", finding, *why, notice)
    return _proposal(finding.case, finding, *why)


CHANGE_REFUSED_15 = ("变更后的条款：第十五条（一）提醒函不是处理程序的处理措施；请填写第二十条至第二十七条所列情形，"
                     "或选择“不予处理”")


def change_refusal(new_case: str, finding: Finding, history: SanctionHistory) -> str:
    """Why staff cannot change the measure to `new_case` (empty: they can). A change keeps the
    article's own precondition (第二十五条 states it as the reason): 第二十三条（一） needs a
    《整改通知书》 on record, 第二十三条（十） three 不合格 results in the calendar year, 第二十二条（一）
    an earlier interview or 情节严重 (`finding.serious`); 第十五条 is no measure of this procedure.
    `history.failed_results`: the year's results up to the finding's day (a 不合格 finding counts itself)."""
    if new_case == "fail":
        return CHANGE_REFUSED_15
    if new_case == "23.1" and not history.written_notices:
        return "变更后的条款：第二十三条（一）须此前已被出具《整改通知书》（书面通知），监管档案中无记录"
    count = _fails_counted(finding, history)
    if new_case == "23.10" and count < FAILS_FOR_REVOCATION:
        return (f"变更后的条款：第二十三条（十）须一个自然年度内外督总体评价结果三次及以上“不合格”，"
                f"{finding.on.year}年度记录为{count}次")
    if new_case == "22.1" and not history.interviews and not finding.serious:
        return "变更后的条款：第二十二条（一）须此前已约谈（监管档案中无约谈记录）或情节严重（本案未认定情节严重）"
    return ""


def _fails_counted(finding: Finding, history: SanctionHistory) -> int:
    """The year's 不合格 results for a change: a 不合格 finding counts itself (fails_this_year)."""
    if finding.case == "fail":
        return fails_this_year(history, finding.on)
    return sum(1 for d in history.failed_results if d.year == finding.on.year)


def propose_change(new_case: str, finding: Finding, history: SanctionHistory, serious: bool) -> Proposal:
    """The proposal when staff change the measure to `new_case` (checked by change_refusal first):
    the escalation the original finding itself leads to when it ends in `new_case` (its reasons
    kept), else `new_case` by itself (情节严重 as `serious` says) with the precondition it rests on
    as its reason — never escalated beyond the case staff chose (they chose 第二十二条（二）, not the
    第二十三条（一） it might lead to)."""
    own = propose(finding, history)
    if own.case == new_case and new_case != finding.case:
        return own
    new = replace(finding, case=new_case, serious=serious)
    if new_case == "23.1":
        why = Reason("第二十三条（一）", f"已于{chinese_date(max(history.written_notices))}被出具《整改通知书》，"
                                       "再次违反第二十二条规定")
        return _proposal("23.1", new, why)
    if new_case == "23.10":
        count = _fails_counted(finding, history)
        return _proposal("23.10", new, Reason("第二十三条（十）",
                                              f"{finding.on.year}年度外督总体评价结果第{count}次“不合格”"))
    if new_case == "22.1":
        why = (Reason("第二十二条（一）", f"已于{chinese_date(max(history.interviews))}约谈，第二十一条所列情况又发生")
               if history.interviews else Reason("第二十二条（一）", "第二十一条所列情况，情节严重"))
        return _proposal("22.1", new, why)
    return propose(new, SanctionHistory())


def fails_this_year(history: SanctionHistory, on: date) -> int:
    """不合格 results in `on`'s calendar year, the new one included (第二十三条(十))."""
    return 1 + sum(1 for d in history.failed_results if d.year == on.year)


def _propose_for_fail(finding: Finding, history: SanctionHistory) -> Proposal:
    count = fails_this_year(history, finding.on)
    if count >= FAILS_FOR_REVOCATION:
        why = Reason("第二十三条（十）", f"{finding.on.year}年度外督总体评价结果第{count}次“不合格”")
        return _proposal("23.10", finding, why)
    return Proposal(
        "reminder_letter", None, "第十五条（一）",
        (Reason("第十五条（一）", f"外督总体评价结果“不合格”（{finding.on.year}年度第{count}次）"),),
        finding.facts, hearing_required=False,
    )


# 第十五条(一)3 and 第十五条(二): what the agency may do after a daily record. 调查核实 comes
# first in 第十五条(一)3 ("委派机构视反馈情况，采取调查核实、约谈提醒、下达提醒函、质量通报等方式");
# it is not final: staff record what they verified, then decide.
VERIFY = "调查核实"
FOLLOWUP_OPTIONS = (VERIFY, "无需处理", "约谈提醒", "提醒函", "质量通报", "转专项督导", "启动处理程序")
FINAL_OPTIONS = FOLLOWUP_OPTIONS[1:]
# Letters that state the problems found and ask for a written report of the improvement.
LETTERS_WITH_PROBLEMS = ("提醒函", "质量通报")
REPORTING_LETTERS = ("提醒函", "质量通报")
DEFAULT_REPORT_DAYS = 30  # Interpretation (ours): the written report is due 30 calendar days after the letter


def followup_refusals(option: str, problems: list[str], opinion: str, report_days: int | None) -> list[str]:
    """Why a follow-up decision cannot be issued as given (empty: it can). 第十五条(一)3.

    - 提醒函 and 质量通报 state the problems found: never with an empty list. For a 合格
      record staff must write the problems themselves.
    - 调查核实 and 约谈提醒 need the opinion (what was verified; time, place and demands of the talk).
    - a letter that asks for a written report needs its deadline (1–365 days).
    """
    errors = []
    if option in LETTERS_WITH_PROBLEMS and not problems:
        errors.append(f"存在的问题：{option}须列明督导发现的问题；本次记录表未发现问题（合格），"
                      "如仍需发函，请在“存在的问题”中逐行写明问题，否则请选择其他处理方式")
    if option == VERIFY and not opinion:
        errors.append("处理意见：调查核实须写明核实的情况（核实了什么、结果如何）")
    if option == "约谈提醒" and not opinion:
        errors.append("处理意见：约谈提醒须写明约谈时间、地点和要求")
    if option in REPORTING_LETTERS and (report_days is None or not 1 <= report_days <= 365):
        errors.append(f"书面报告期限（日）：{option}要求书面报送整改情况，期限应为1至365日，实际为 {report_days}")
    return errors


def failed_results_per_session(fails: list[tuple[int, date]]) -> tuple[date, ...]:
    """第二十三条(十) counts 不合格 results per inspected session, never per record or run: one
    date per session (the earliest), whatever number of records or runs a session has."""
    first: dict[int, date] = {}
    for session_id, on in fails:
        first[session_id] = min(on, first.get(session_id, on))
    return tuple(sorted(first.values()))


@dataclass(frozen=True)
class FollowupProposal:
    option: str
    reasons: tuple[Reason, ...]
    sanction: Proposal | None = None


VETO_OUTSIDE_SITE = 1  # 附件3 一票否决项1: 未经允许在备案考点外开展评价（评审）工作


def propose_daily_followup(result: ScoreResult, history: SanctionHistory, on: date, facts: str) -> FollowupProposal:
    """第十五条(一)3: the follow-up a daily record suggests, with the ladder behind it.

    Interpretation (ours): 合格 → 无需处理; 不合格 → 提醒函; a veto hit that is itself a
    listed case (outside the filed site → 第二十二条(八)) or the 3rd 不合格 of the calendar
    year (第二十三条(十)) → 启动处理程序; any other veto hit → 转专项督导 (较大风险隐患).
    """
    if result.passed:
        return FollowupProposal("无需处理", result.reasons)
    sanction = propose(Finding("fail", on, facts), history)
    if sanction.measure == "revocation":
        return FollowupProposal("启动处理程序", sanction.basis, sanction)
    veto_nos = {v.no for v in result.veto_hits}
    if VETO_OUTSIDE_SITE in veto_nos:
        outside = propose(Finding("22.8", on, facts), history)
        return FollowupProposal("启动处理程序", outside.basis, outside)
    if veto_nos:
        why = Reason("第十五条（二）", "一票否决项反映较大风险隐患，建议开展专项督导")
        return FollowupProposal("转专项督导", result.reasons + (why,), sanction)
    return FollowupProposal("提醒函", result.reasons + sanction.basis, sanction)


# 第二十二条、第二十三条、附件4: an institution's filing status follows ALL its sanction cases, never
# the last one acted on. Earlier measure first: the first one in force decides.
STATUS_BY_MEASURE = (
    ("revocation", "revoked"),  # 第二十三条: 撤销备案回执，不再受理其备案或遴选申请
    ("rectification", "suspended"),  # 第二十二条、附件4: 整改期间暂停评价活动
)


def institution_status(current: str, measures_in_force: Iterable[str]) -> str:
    """The institution's status from the measures now in force on it (one per open case).

    - revoked stays revoked (第二十三条 「不再受理其备案或遴选申请」): no later decision, report
      or resumption in this procedure restores a filing;
    - suspended while any 第二十二条 rectification is open (附件4: 整改期间不得组织任何职业技能等级认定)
      — a case rectifying, or, Interpretation (ours), one whose deadline passed without a report
      while the escalation it opened (第二十二条（六）/第二十三条（一）) is still open;
    - active otherwise (the last suspension lifted: 恢复评价活动).
    """
    in_force = set(measures_in_force)
    if current == "revoked":
        return "revoked"
    for measure, status in STATUS_BY_MEASURE:
        if measure in in_force:
            return status
    return "active"


def revocation_level(case: str) -> bool:
    """Whether a finding ("23.1", "27.3", "fail", …) can end in 撤销备案回执: a 第二十三条 case, or the
    3rd 不合格 of a year (the sweep opens "fail" only at the third, 第二十三条（十）)."""
    if case == "fail":
        return True
    return _CASES.get(case.split(".")[0], {}).get("measure") == "revocation"


def refiling_refusal(name: str, revocation_number: str) -> str:
    """第二十三条 撤销备案回执 「不再受理其备案或遴选申请」: why a new filing of the same organisation
    (its unified social credit code) is refused — naming the revocation's document number.
    Interpretation (ours): without time limit; a revocation recorded outside this system (a roster
    status) is refused all the same, with no number to name."""
    number = f"（{revocation_number}）" if revocation_number else ""
    return (f"该统一社会信用代码的评价机构“{name}”已被撤销备案回执{number}，"
            "依第二十三条不再受理其备案或遴选申请")


def suspension_refusal(revocation_number: str) -> str:
    """第二十二条 暂停评价活动、限期整改 presupposes a filing in force: an institution whose 备案回执
    is revoked (第二十三条) can be neither suspended nor told to rectify (附件4), and its status stays
    revoked (institution_status). Interpretation (ours): the decision is refused beside the
    decision field — the case ends 不予处理 with its reason (the revocation), or is changed to a
    measure that does not presuppose the filing (a 第二十四条 referral); no 整改通知书, no register line."""
    number = f"（{revocation_number}）" if revocation_number else ""
    return (f"处理决定：该评价机构的备案回执已撤销{number}，不能再暂停评价活动、限期整改（第二十二条、第二十三条）；"
            "请选择“不予处理”并写明理由（备案回执已撤销），或变更处理（如依第二十四条移交有关部门）")
