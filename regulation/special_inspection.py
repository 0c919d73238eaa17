"""Special inspection — 专项督导 (第十五条(二), 第十四条).

针对日常督导发现的较大风险隐患、需要重点督导以及发生投诉举报等情况，就质量督导一项或几项主要
内容……督导前，应当明确督导事项，成立督导小组。督导小组原则上由3名及以上外督员组成。
1. 现场考察（核查）、听取意见；2. 对自评（自查）报告、现场考察情况进行评议，形成初步督导意见，
并向评价机构反馈；3. 委派机构……综合分析评价机构的申辩意见，发出质量督导意见书；4. 评价机构……
提交整改工作报告.

Interpretations (ours, where the text is silent; README "Interpretations added here"):
- matters (督导事项) are one or more of 第十四条's nine areas (regulation/data/inspection-matters.yaml);
- the team (原则上3名及以上): fewer than three only when staff record why; never none;
- no two members from the same employer (工作单位), so that colleagues never sit on one team —
  a blank employer cannot be checked and is refused for a team draw; drawn like a dispatch
  (seeded, replayable): the eligible, sorted by card code, shuffled by the seed, taken in that
  order skipping anyone whose employer is already on the team; the first drawn leads unless
  staff designate another member;
- a member who declares a conflict after the draw (第十三条) is withdrawn by staff (staff code,
  reason) before their findings are filed, and replaced by one new draw from the same pool
  (seed: the team's seed and the replacement's number; the eligible never on this team; an
  employer still on the team skipped); a withdrawn lead hands the lead to the first remaining
  member in draw order;
- the self-assessment report and the rebuttal windows are working days fixed in the letter
  that opens them (RULES.md: settings, default 5 each); the rectification report's deadline is
  the opinion letter's, in working days (default 20, a setting) — the law fixes no period;
- each member rates each matter 符合 / 基本符合 / 不符合; the draft (初步督导意见) proposes the
  worst rating any member gave, so a problem one member saw is never outvoted; the lead may
  change it, with a reason;
- weighing the rebuttal (综合分析评价机构的申辩意见): every point is accepted or not, and a point
  not accepted carries the reason (第二十五条's spirit: the institution learns why);
- every matter rated 符合 in the opinion letter: no 整改要求, no rectification report; the case
  closes with the letter (基本符合 still asks for rectification);
- the rectification report: accepted → the case closes; incomplete → asked again with the
  reasons; refused outright → 第二十七条(三) 对督导意见拒不采取整改措施; not in by its deadline →
  第二十二条(六) 未按期完成质量督导中发现或反映的违规问题整改.
"""

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from regulation.calendar import WorkingCalendar, default_calendar
from regulation.data_files import load_yaml
from regulation.dispatch import DispatchPool, DrawResult, InstitutionFacts, InsufficientSupervisors
from regulation.reasons import RuleViolation
from regulation.recusal import InstitutionHistory, SessionPeople

ARTICLE = "第十五条（二）"
TEAM_MIN = 3  # 督导小组原则上由3名及以上外督员组成
SELF_REPORT_WORKING_DAYS = 5
REBUTTAL_WORKING_DAYS = 5
RECTIFICATION_REPORT_WORKING_DAYS = 20
RATINGS = ("符合", "基本符合", "不符合")  # best → worst
SAME_EMPLOYER = "与已抽取成员同一工作单位"
NO_EMPLOYER = "未登记工作单位"


@dataclass(frozen=True)
class Matter:
    no: int
    item: str  # （一）…（九）
    label: str
    text: str

    def __str__(self) -> str:
        return f"第十四条{self.item}{self.label}"


def matters() -> tuple[Matter, ...]:
    """第十四条's nine areas, verbatim from the data file."""
    return tuple(Matter(m["number"], m["item"], m["label"], m["text"])
                 for m in load_yaml("inspection-matters.yaml")["matters"])


def check_matters(numbers: Sequence[int]) -> tuple[Matter, ...]:
    """The matters fixed before the inspection (督导前，应当明确督导事项): one or more, each one
    of 第十四条's nine, none twice."""
    by_no = {m.no: m for m in matters()}
    if not numbers:
        raise RuleViolation("督导事项：请至少选择一项（第十四条（一）至（九））", ARTICLE)
    unknown = [n for n in numbers if n not in by_no]
    if unknown:
        raise RuleViolation(f"督导事项：{unknown} 不在第十四条（一）至（九）之内", "第十四条")
    twice = sorted(n for n, c in Counter(numbers).items() if c > 1)
    if twice:
        raise RuleViolation(f"督导事项：{twice} 重复选择", ARTICLE)
    return tuple(by_no[n] for n in sorted(numbers))


def matter_numbers(values: Sequence[int | str]) -> list[int]:
    """督导事项 as the run form gives them — names (第十四条（二）备案范围, a multi-select) — or as
    numbers (runs opened before the form had names, and the CLI/tests): their numbers. A name
    that is not one of the nine is refused, naming it."""
    by_name = {str(m): m.no for m in matters()}
    numbers, unknown = [], []
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            numbers.append(v)
        elif str(v).strip() in by_name:
            numbers.append(by_name[str(v).strip()])
        else:
            unknown.append(str(v))
    if unknown:
        raise RuleViolation(f"督导事项：“{'、'.join(unknown)}”不是第十四条（一）至（九）之一", "第十四条")
    return numbers


def check_team_size(size: int, reason_for_fewer: str = "") -> None:
    """原则上3名及以上: fewer only with the reason staff record; never fewer than one."""
    if size < 1:
        raise RuleViolation("督导小组至少须有1名外督员", ARTICLE)
    if size < TEAM_MIN and not reason_for_fewer.strip():
        raise RuleViolation(f"督导小组原则上由{TEAM_MIN}名及以上外督员组成；少于{TEAM_MIN}名须写明理由", ARTICLE)


@dataclass(frozen=True)
class TeamDraw:
    draw: DrawResult
    lead: str  # card code

    @property
    def members(self) -> tuple[str, ...]:
        return self.draw.chosen


def team_order(seed: str, candidates: Sequence[str], employers: Mapping[str, str], size: int) -> tuple[str, ...]:
    """The replayable team choice: candidates (card codes) sorted, shuffled by the seed, taken in
    that order while their employer is not yet on the team. Anyone can re-run it."""
    order = random.Random(seed).sample(sorted(candidates), len(candidates))
    team, taken = [], set()
    for code in order:
        employer = employers.get(code, "").strip()
        if employer and employer not in taken:
            team.append(code)
            taken.add(employer)
            if len(team) == size:
                break
    return tuple(team)


def draw_team(pool: DispatchPool, institution: InstitutionFacts, session: SessionPeople, size: int, seed: str,
              declared_conflicts: frozenset[str], history: InstitutionHistory, reason_for_fewer: str = "",
              lead: str | None = None) -> TeamDraw:
    """Draw the team under every rule of dispatch and recusal (第十条, 第十一条, 第十三条), no two
    from one employer; raises InsufficientSupervisors saying how many are eligible and why the
    others are out."""
    check_team_size(size, reason_for_fewer)
    eligible, conflicts = pool.eligible(institution, session, declared_conflicts, history)
    employers = {r.card_code: pool.members[r.supervisor_id].employer for r in eligible}
    codes = tuple(r.card_code for r in eligible)
    chosen = team_order(seed, codes, employers, size)
    if len(chosen) < size:
        why_not = pool.why_not(conflicts)
        distinct = {e.strip() for e in employers.values() if e.strip()}
        blank = sum(1 for e in employers.values() if not e.strip())
        if blank:
            why_not[NO_EMPLOYER] += blank
        if len(codes) - blank > len(distinct):
            why_not[SAME_EMPLOYER] += len(codes) - blank - len(distinct)
        raise InsufficientSupervisors(size, len(distinct), why_not)
    if lead is not None and lead not in chosen:
        raise RuleViolation(f"组长 {lead} 不是本督导小组成员", ARTICLE)
    return TeamDraw(pool.result(seed, size, codes, chosen, conflicts), lead or chosen[0])


def draw_replacement(pool: DispatchPool, institution: InstitutionFacts, session: SessionPeople, seed: str,
                     declared_conflicts: frozenset[str], history: InstitutionHistory,
                     ever_on_team: frozenset[str], team_employers: frozenset[str]) -> DrawResult:
    """A member withdrawn after the draw (第十三条: a conflict declared late) is replaced by a new
    draw from the same pool under the same rules (第十条, 第十一条, 第十三条, no two from one
    employer): the eligible who were never on this team, sorted, shuffled by the seed (the
    team's seed and the replacement's number, so anyone can re-run it), the first whose employer
    is not already on the team. Raises InsufficientSupervisors (1 wanted) when nobody fits."""
    eligible, conflicts = pool.eligible(institution, session, declared_conflicts, history)
    eligible = [r for r in eligible if r.card_code not in ever_on_team]
    employers = {r.card_code: pool.members[r.supervisor_id].employer for r in eligible}
    codes = tuple(r.card_code for r in eligible)
    order = random.Random(seed).sample(sorted(codes), len(codes))
    chosen = next((c for c in order if employers[c].strip() and employers[c].strip() not in team_employers), None)
    if chosen is None:
        why_not = pool.why_not(conflicts)
        blank = sum(1 for e in employers.values() if not e.strip())
        if blank:
            why_not[NO_EMPLOYER] += blank
        same = sum(1 for e in employers.values() if e.strip() in team_employers)
        if same:
            why_not[SAME_EMPLOYER] += same
        raise InsufficientSupervisors(1, 0, why_not)
    return pool.result(seed, 1, codes, (chosen,), conflicts)


def consolidate(ratings: Sequence[str]) -> str:
    """The draft opinion's rating for one matter: the worst any member gave (interpretation)."""
    unknown = [r for r in ratings if r not in RATINGS]
    if unknown or not ratings:
        raise RuleViolation(f"评议结论应为 {'/'.join(RATINGS)} 之一", ARTICLE)
    return max(ratings, key=RATINGS.index)


@dataclass(frozen=True)
class RebuttalPoint:
    text: str
    accepted: bool | None  # None: not yet weighed
    reason: str = ""


def weighing_problems(points: Sequence[RebuttalPoint]) -> list[str]:
    """What is missing before the opinion letter: every point weighed; a point not accepted
    gives its reason (第十五条（二）3 综合分析评价机构的申辩意见)."""
    problems = []
    for n, p in enumerate(points, start=1):
        if p.accepted is None:
            problems.append(f"申辩第{n}点：请选择采纳或不采纳")
        elif not p.accepted and not p.reason.strip():
            problems.append(f"申辩第{n}点：不予采纳的，应写明理由")
    return problems


def needs_rectification(final_ratings: Sequence[str]) -> bool:
    """第十五条（二）3–4: the opinion letter asks for rectification (整改要求, 整改工作报告) only when
    some matter is found short of the rules. Interpretation: every matter rated 符合 → nothing to
    rectify, no report is asked for, and the inspection closes with the opinion letter; 基本符合
    still needs rectification (it names something to improve)."""
    unknown = [r for r in final_ratings if r not in RATINGS]
    if unknown or not final_ratings:
        raise RuleViolation(f"督导结论应为 {'/'.join(RATINGS)} 之一", ARTICLE)
    return any(r != RATINGS[0] for r in final_ratings)


REPORT_OUTCOMES = {
    # outcome → (what follows, article)
    "accepted": ("结案", ARTICLE),
    "incomplete": ("退回补充，重新提交", ARTICLE),
    "refused": ("转处理程序：对督导意见拒不采取整改措施", "第二十七条（三）"),
    "overdue": ("转处理程序：未按期完成质量督导中发现的违规问题整改", "第二十二条（六）"),
}


def report_outcome(outcome: str, reasons: str = "") -> tuple[str, str]:
    """What follows a rectification report's review: (next step, article)."""
    if outcome not in REPORT_OUTCOMES:
        raise RuleViolation(f"审核结论应为 {'、'.join(REPORT_OUTCOMES)} 之一", ARTICLE)
    if outcome in ("incomplete", "refused") and not reasons.strip():
        raise RuleViolation("退回补充或认定拒不整改的，应写明理由", REPORT_OUTCOMES[outcome][1])
    return REPORT_OUTCOMES[outcome]


def window_end(opened_on: date, working_days: int, cal: WorkingCalendar | None = None) -> date:
    """Last day of a window of `working_days` working days opened on `opened_on` (a self-report,
    a rebuttal, a rectification report), fixed in the letter that opens it."""
    if working_days < 1:
        raise RuleViolation("期限应至少为1个工作日", ARTICLE)
    return (cal or default_calendar()).add_working_days(opened_on, working_days)
