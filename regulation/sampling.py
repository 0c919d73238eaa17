"""双随机、一公开 — the random inspection plan (第十五条, 第十一条, 第二十三条（十）, 第八条（四）).

第十五条: daily and special inspections 「可以采取“双随机、一公开”」— random objects, random
inspectors, results published. The inspectors' draw is regulation.dispatch (第十条, 第十三条);
this module is the objects' draw and what may be published of it.

- The frame (第十一条 属地管理、分级负责): the sessions in the period of institutions in the
  agency's jurisdiction (regulation.dispatch.jurisdiction). Excluded, each with its reason:
  a suspended institution (附件4: no evaluation while rectifying; 第二十二条) or a revoked one
  (第二十三条) — such a session should not take place at all and is a finding, not a sample;
  a session that already has a daily inspection (第二十三条（十） counts sessions: one per
  session); a session already in another approved plan.
- Risk weights (interpretation, ours: the regulation names the risks — 第十五条（二） 较大风险
  隐患、投诉举报; 第十四条（一）（八） — but no weights): each factor that applies to the session's
  institution multiplies its weight; each factor's weight and reason is stored on the plan.
- The draw is weighted sampling without replacement (Efraimidis–Spirakis: key = ln(u)/w, the
  largest keys win), with `random.Random(seed)` stepping through the candidates sorted by batch
  number: the same seed and frame always give the same list (replay_plan_draw).
- The seed is fixed from what is published before the draw (interpretation, ours): the plan's
  number, the SHA-256 of the candidate list (each line: batch, institution, start day, weight;
  then each institution's required minimum) and the day it is published. Nobody chooses it.
- Minimum per institution (interpretation, ours): an institution inspected fewer than `minimum`
  times this year gets the shortfall drawn first from its own sessions; the plan's size is the
  larger of the requested size and the sum of those shortfalls. Who still falls short is shown.
- 一公开, and 第八条（四） 不得擅自公开督导情况记录: the public summary carries period, frame size,
  rate, seed and hash; after an inspection closes only the institution, the date and the overall
  result (PUBLIC_RESULTS) — never the record, the checklist, remarks or a person's name.
"""

import hashlib
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from regulation.reasons import Reason, RuleViolation


@dataclass(frozen=True)
class RiskFactor:
    title: str
    default: float
    reason: Reason  # why it raises the weight: the article the risk comes from (our reading)


RISK_FACTORS: dict[str, RiskFactor] = {
    "failed_before": RiskFactor("近一年日常督导不合格", 2.0, Reason(
        "第十五条（一）3、第十五条（二）", "日常督导发现问题的机构风险较高（解释：加权）")),
    "open_findings": RiskFactor("有未结的违规线索或处理", 2.0, Reason(
        "第十五条（二）、第二十二条", "存在较大风险隐患、需要重点督导（解释：加权）")),
    "complaints": RiskFactor("近一年有投诉举报", 2.0, Reason(
        "第十四条（八）、第十五条（二）", "发生投诉举报的机构需要重点督导（解释：加权）")),
    "new_filing": RiskFactor("新备案（一年内）", 1.5, Reason(
        "第十四条（一）（二）", "新备案机构尚无督导记录，核查其在备案范围内规范开展（解释：加权）")),
    "long_uninspected": RiskFactor("一年以上未接受日常督导", 1.5, Reason(
        "第十五条（一）", "日常监督应覆盖每个机构（解释：加权）")),
}
MIN_WEIGHT, MAX_WEIGHT = 1.0, 10.0
# Overall results published after an inspection closes (一公开), from the case's decision.
PUBLIC_RESULTS = ("合格", "不合格", "已责令整改")


@dataclass(frozen=True)
class Candidate:
    """One session in the frame, as published: no person, no content (第八条)."""

    batch_number: str
    institution: str  # the filing number (备案编号): public
    starts_on: date
    weight: float = 1.0

    def line(self) -> str:
        return f"{self.batch_number}\t{self.institution}\t{self.starts_on.isoformat()}\t{self.weight:.3f}"


def frame_exclusion(institution_status: str, inspected: bool, planned: bool) -> Reason | None:
    """Why a session of an institution in the agency's jurisdiction is not in the frame (None: it is)."""
    if institution_status == "suspended":
        return Reason("第二十二条、附件4", "评价机构整改期间不得组织评价活动，该场次作为违规线索处理，不纳入抽取")
    if institution_status == "revoked":
        return Reason("第二十三条", "评价机构备案已撤销，不纳入抽取")
    if inspected:
        return Reason("第二十三条（十）", "该场次已有日常督导（同一批次只督导一次）")
    if planned:
        return Reason("第十五条", "该场次已在另一已批准的抽查计划中")
    return None


def check_weights(weights: dict[str, float]) -> dict[str, float]:
    """Each factor's weight (defaults filled in); a RuleViolation names the factor that is wrong."""
    unknown = sorted(set(weights) - set(RISK_FACTORS))
    if unknown:
        raise RuleViolation(f"风险权重：没有名为“{'、'.join(unknown)}”的因素", "第十五条")
    out = {}
    for key, factor in RISK_FACTORS.items():
        value = weights.get(key, factor.default)
        if not isinstance(value, int | float) or not MIN_WEIGHT <= float(value) <= MAX_WEIGHT:
            raise RuleViolation(f"风险权重“{factor.title}”：应为 {MIN_WEIGHT:g} 至 {MAX_WEIGHT:g} 之间的数，实际为“{value}”",
                                "第十五条")
        out[key] = round(float(value), 3)
    return out


def session_weight(applying: Iterable[str], weights: dict[str, float]) -> float:
    """The product of the weights of the factors that apply (none: 1)."""
    w = 1.0
    for key in applying:
        w *= weights[key]
    return round(w, 3)


def sample_size(frame_size: int, rate_percent: float = 0, count: int = 0) -> int:
    """How many sessions to draw: a count, or a rate of the frame (rounded up); exactly one of them."""
    if bool(rate_percent) == bool(count):
        raise RuleViolation("抽查比例和抽查数量：应填写其中一项（另一项留空或为0）", "第十五条")
    if count:
        if count < 0:
            raise RuleViolation(f"抽查数量：应为正整数，实际为“{count}”", "第十五条")
        return min(count, frame_size)
    if not 0 < rate_percent <= 100:
        raise RuleViolation(f"抽查比例：应为大于0、不超过100的百分数，实际为“{rate_percent}”", "第十五条")
    return min(frame_size, math.ceil(frame_size * rate_percent / 100 - 1e-9))


def shortfalls(minimum: int, inspected_this_year: dict[str, int], in_frame: dict[str, int]) -> dict[str, int]:
    """Per institution: how many of its frame sessions the minimum requires (capped at what it has)."""
    if minimum < 0:
        raise RuleViolation(f"每个机构最少督导次数：应为0或正整数，实际为“{minimum}”", "第十五条")
    needs = {}
    for inst, available in in_frame.items():
        need = min(available, max(0, minimum - inspected_this_year.get(inst, 0)))
        if need:
            needs[inst] = need
    return needs


def frame_digest(candidates: Sequence[Candidate], needs: dict[str, int]) -> str:
    """SHA-256 of the published candidate list: sorted lines, then each institution's minimum."""
    lines = sorted(c.line() for c in candidates)
    lines += [f"minimum\t{inst}\t{n}" for inst, n in sorted(needs.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def plan_seed(plan_number: str, digest: str, published_on: date) -> str:
    """The seed, from what is published before the draw: the plan's number, the hash, the day."""
    return hashlib.sha256(f"{plan_number}|{digest}|{published_on.isoformat()}".encode()).hexdigest()


def _keys(seed: str, candidates: Sequence[Candidate]) -> dict[str, float]:
    rng = random.Random(seed)
    return {c.batch_number: math.log(1.0 - rng.random()) / c.weight
            for c in sorted(candidates, key=lambda c: c.batch_number)}


def replay_plan_draw(seed: str, candidates: Sequence[Candidate], size: int, needs: dict[str, int]) -> tuple[str, ...]:
    """The chosen batch numbers, sorted: first each institution's shortfall from its own sessions,
    then the rest of `size` from all remaining sessions, largest keys first. Anyone can re-run it."""
    keys = _keys(seed, candidates)
    by_key = sorted(candidates, key=lambda c: (-keys[c.batch_number], c.batch_number))
    chosen: list[str] = []
    taken: dict[str, int] = {}
    for c in by_key:  # stage 1: the minimum per institution
        if taken.get(c.institution, 0) < needs.get(c.institution, 0):
            taken[c.institution] = taken.get(c.institution, 0) + 1
            chosen.append(c.batch_number)
    picked = set(chosen)
    for c in by_key:  # stage 2: the rest of the sample
        if len(chosen) >= size:
            break
        if c.batch_number not in picked:
            chosen.append(c.batch_number)
    return tuple(sorted(chosen))


def start_day(session_day: date, lead_working_days: int, is_working_day: Callable[[date], bool]) -> date:
    """The day a chosen session's daily inspection starts: `lead_working_days` working days before the
    session's day (0: the day itself), so the supervisors 提前了解 (第十五条（一）1). Ours: the
    regulation sets no lead time; the agency's setting does. Raises what `is_working_day` raises
    for a year with no official calendar."""
    day, n = session_day, lead_working_days
    while n:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def still_uncovered(minimum: int, inspected_this_year: dict[str, int], chosen: dict[str, int],
                    institutions: Iterable[str]) -> dict[str, int]:
    """Institutions that stay below the minimum this year even with this plan: how many short."""
    short = {}
    for inst in institutions:
        gap = minimum - inspected_this_year.get(inst, 0) - chosen.get(inst, 0)
        if gap > 0:
            short[inst] = gap
    return short


# The follow-up decisions (regulation.sanctions.FOLLOWUP_OPTIONS) that ask the institution to improve or
# rectify (第十五条（一）4 评价机构应根据约谈内容和提醒事项完善或整改): published as 已责令整改 (ours).
RECTIFYING = ("约谈提醒", "提醒函", "质量通报", "转专项督导", "启动处理程序")


def public_result(verdict: str, decision: str) -> str:
    """The overall result published after a closed inspection (一公开; 第八条（四）: only this):
    已责令整改 when the agency's follow-up asked the institution to improve or rectify, else the
    record's verdict, 合格 or 不合格."""
    if decision in RECTIFYING:
        return "已责令整改"
    return verdict if verdict in PUBLIC_RESULTS else "合格"
