"""Internal supervisors (内督员, 第十二条) and full coverage of daily internal supervision (第十六条).

- 第十二条: 内督证卡仅限本评价机构、本行业内部使用 — an internal card is valid only at the
  institution (or industry) that issued it. The issuer is recognised by the card's 6-digit
  issuer code (附件1 二(二)2): for an employer (Y) or social organisation (S) it is derived
  from the institution's filing number (regulation.cards.internal_issuer_code); for an
  industry department (H) it is the industry code the ministry assigned, recorded on the
  institution. Interpretation (ours): an H card is valid at every institution recorded
  under that industry code; a Y/S card only at the institution whose filing number gives
  its issuer code.
- 第十六条: 日常督导应遵循全覆盖原则 — every session needs at least one internal supervisor;
  a session without one is flagged to the agency (it does not block the session).
- What the agency sees (第四条, 第十六条, 第十七条 via 第十六条 参照): coverage of an institution over a
  period, internal against external results of the same session (a risk signal), and a risk
  weight for the 双随机 draw (第十五条) — see "Coverage" below.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta

from regulation.cards import CardCodeError, InternalCard, internal_issuer_code, parse_card
from regulation.reasons import Reason


@dataclass(frozen=True)
class InstitutionIssuer:
    """What identifies an institution as the issuer of internal cards."""

    filing_authority: str  # mohrss | province | city
    filing_number: str
    industry_code: str = ""  # 6 digits, for institutions under an industry department

    def own_issuer_code(self) -> str | None:
        try:
            return internal_issuer_code(self.filing_authority, self.filing_number)
        except ValueError:
            return None


def internal_card_refusal(card_code: str, institution: InstitutionIssuer, banned: bool = False) -> Reason | None:
    """None when the internal card may be used at the institution, else why not (第十二条). A
    person dismissed under 第二十六条 (`banned`) may do no supervision work in Shandong: their
    internal card is refused too."""
    if banned:
        return Reason("第二十六条", "该人员已被取消证卡、予以解聘，不得再从事我省技能人才评价质量督导相关工作")
    try:
        card = parse_card(card_code)
    except CardCodeError as exc:
        return Reason("附件1", str(exc))
    if not isinstance(card, InternalCard):
        return Reason("第十三条", "外督证卡（R）不能作为内督证卡使用，外督员不得兼任同场次内督员")
    if card.category == "H":
        if institution.industry_code and card.issuer_code == institution.industry_code:
            return None
        return Reason("第十二条", f"行业部门内督证卡（颁发机构代码 {card.issuer_code}）仅限本行业使用，"
                                 "该机构未登记为此行业")
    own = institution.own_issuer_code()
    if card.issuer_code == own:
        return None
    return Reason("第十二条", f"内督证卡颁发机构代码 {card.issuer_code} 与本机构代码 {own or '（无法由备案号推出）'} "
                             "不符，内督证卡仅限本评价机构内部使用")


def assignment_refusals(who: str, own_valid_card: bool, examiner_here: bool, declared_conflict: bool,
                        external_here: bool) -> list[Reason]:
    """Why a person may not be a session's internal supervisor (empty: they may). 第十二条: only a
    valid internal card of the institution itself (or its industry); 第十三条, read for internal
    supervisors as for external ones (第十六条 参照外督方式和程序): not an examiner at the same session,
    no declared conflict of interest with the institution, and not an external supervisor
    dispatched to the same session (外督员不得兼任同场次内督员)."""
    refusals = []
    if not own_valid_card:
        refusals.append(Reason("第十二条", f"{who}：不是本机构有效的内督证卡，内督证卡仅限本评价机构、本行业内部使用"))
    if examiner_here:
        refusals.append(Reason("第十三条", f"{who}：同时是本场次考评人员，督导员不得兼任同场次考评工作"))
    if declared_conflict:
        refusals.append(Reason("第十三条", f"{who}：已申报与本机构存在利害关系，应当回避"))
    if external_here:
        refusals.append(Reason("第十三条", f"{who}：已被委派为本场次外督员，外督员不得兼任同场次内督员"))
    return refusals


# When the institution is asked, reminded and reported (第十六条 全覆盖). Interpretation (ours): the
# regulation sets no times for internal supervision's own steps; these are the defaults an agency
# can read in one place (the look-ahead itself is SUPERVISION_INTERNAL_ASSIGN_WORKING_DAYS).
ASSIGN_REMINDER_DAYS_BEFORE = 2  # the contact is reminded once, this many days before the start
UNOPENED_LOOKBACK_DAYS = 60  # a session the sweep never saw, ended up to this long ago, is still opened and reported


def coverage_gap(internal_supervisors: list) -> Reason | None:
    """A session with no internal supervisor breaks 全覆盖 (第十六条)."""
    if internal_supervisors:
        return None
    return Reason("第十六条", "该场次未安排内督员，不符合内督日常督导全覆盖原则")


# -- Coverage: what the agency sees (第十六条 全覆盖) -------------------------------------------------
# A session counts in a period when its scheduled start is in it. It is internally inspected when an
# internal 附件3 record exists; on time when that record was not late (第十七条's 2 working days, via
# 第十六条 参照外督方式和程序); missing when it has no record and its due day has passed, or the sweep
# already reported it to the agency.
# Interpretation (ours): a session whose due day is unknown (never asked yet, or a year with no
# official calendar) is missing once UNKNOWN_DUE_GRACE_DAYS calendar days have passed since its
# scheduled end — longer than 2 working days across the longest official run of days off (8 days,
# 国庆节 with 中秋节) — so the view never waits for the calendar to call a session uncovered.
UNKNOWN_DUE_GRACE_DAYS = 10


def record_missing(has_record: bool, due: date | None, reported: bool, scheduled_end: date, as_of: date) -> bool:
    """第十六条 全覆盖: no internal record, and its due day passed (or it was reported missing)."""
    if has_record:
        return False
    if reported:
        return True
    if due is None:
        return as_of > scheduled_end + timedelta(days=UNKNOWN_DUE_GRACE_DAYS)
    return as_of > due


def followup_overdue(verdict: str, done_on: date | None, due: date | None, reported: bool, as_of: date) -> bool:
    """A 不合格 internal record whose follow-up (what the institution did about it) is not in by its
    due day, or was reported overdue (第十六条 参照 第十五条（一）5: the institution rectifies)."""
    if verdict != "不合格" or done_on is not None:
        return False
    return reported or (due is not None and as_of > due)


@dataclass(frozen=True)
class Coverage:
    """An institution's (or a total's) internal coverage over a period (第十六条)."""

    sessions: int = 0
    recorded: int = 0  # 内督记录: an internal record exists
    on_time: int = 0  # recorded and not late (第十七条)
    missing: int = 0  # no record, due day passed or reported
    failed: int = 0  # 内督不合格 records
    followups_done: int = 0
    followups_overdue: int = 0

    def __post_init__(self):
        if not (0 <= self.on_time <= self.recorded <= self.sessions and self.missing <= self.sessions - self.recorded
                and self.followups_done + self.followups_overdue <= self.failed <= self.recorded):
            raise ValueError(f"内督覆盖计数不一致：{self}")

    def __add__(self, other: "Coverage") -> "Coverage":
        return Coverage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def pending(self) -> int:
        """Sessions with no record whose due day has not passed yet: neither covered nor missing."""
        return self.sessions - self.recorded - self.missing

    @property
    def covered_share(self) -> float | None:
        return self.recorded / self.sessions if self.sessions else None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.sessions if self.sessions else None

    @property
    def missing_share(self) -> float:
        return self.missing / self.sessions if self.sessions else 0.0

    @property
    def full(self) -> bool:
        """全覆盖 so far: no session is missing its record (sessions not yet due are not held against it)."""
        return self.missing == 0


# -- Internal against external (第四条): the same session seen by both ----------------------------
# An institution whose internal records say 合格 where the agency's external record of the SAME session
# says 不合格 is a risk signal. Interpretation (ours): flagged when at least DIVERGENCE_MIN_PAIRS such
# sessions fall in the period AND the institution found no 不合格 at all in its own internal records
# of the period (an institution that does fail sessions itself is not "always 合格"). One divergent
# session alone may be a hard call; two with no self-found failure is a pattern.
DIVERGENCE_MIN_PAIRS = 2
PASS, FAIL = "合格", "不合格"


@dataclass(frozen=True)
class Divergence:
    compared: int  # sessions with both an internal and an external record
    diverging: int  # internal 合格, external 不合格
    flagged: bool
    reason: Reason | None


def divergence(pairs: Iterable[tuple[str, str]], internal_failures: int) -> Divergence:
    """(internal verdict, external verdict) of each session that has both; `internal_failures` is the
    number of the institution's internal 不合格 records in the period (all its sessions)."""
    pairs = list(pairs)
    diverging = sum(1 for internal, external in pairs if internal == PASS and external == FAIL)
    flagged = diverging >= DIVERGENCE_MIN_PAIRS and internal_failures == 0
    reason = Reason("第四条、第十六条", f"内督记录均为合格，但同一场次的外督记录有 {diverging} 场为不合格，"
                                     "内督可能流于形式") if flagged else None
    return Divergence(len(pairs), diverging, flagged, reason)


# -- A risk weight for the 双随机 draw (第十五条: 外督可以采取“双随机、一公开”) --------------------------
# No draw plan exists yet; this is the weight one can use. Interpretation (ours): every institution
# weighs 1; its missing share (sessions with no internal record past their due day) adds up to
# MISSING_WEIGHT, a divergence signal adds DIVERGENCE_WEIGHT, an overdue follow-up adds
# FOLLOWUP_WEIGHT — so an institution whose internal supervision is absent or unreliable is drawn
# more often, never less than a compliant one, and at most MAX_RISK_WEIGHT times as often.
MISSING_WEIGHT = 1.0
DIVERGENCE_WEIGHT = 1.0
FOLLOWUP_WEIGHT = 0.5
MAX_RISK_WEIGHT = 3.0


def risk_weight(coverage: Coverage, signal: Divergence | None = None) -> float:
    """The institution's weight in a risk-weighted random draw (≥ 1, ≤ MAX_RISK_WEIGHT)."""
    weight = 1.0 + MISSING_WEIGHT * coverage.missing_share
    if signal is not None and signal.flagged:
        weight += DIVERGENCE_WEIGHT
    if coverage.followups_overdue:
        weight += FOLLOWUP_WEIGHT
    return min(weight, MAX_RISK_WEIGHT)


# The institution's report of an internal special inspection (第十六条: 内督参照外督方式和程序;
# 第十五条（二）专项督导). Interpretation (ours): the regulation names no outcome list for an
# institution's own special inspection; these three say what the agency needs to know — whether
# a problem was found and whether its rectification is finished.
SPECIAL_REPORT_OUTCOMES = ("未发现问题", "发现问题已整改", "发现问题整改中")


def special_report_needs_measures(outcome: str) -> bool:
    """A found problem needs the measures taken stated (第十五条（二）: 督导发现问题的…提出整改要求);
    with 未发现问题 there may be none."""
    return outcome != SPECIAL_REPORT_OUTCOMES[0]


def special_report_date_refusals(started: date | None, ended: date | None, today: date) -> list[tuple[str, str]]:
    """(field, message) for the inspection's dates: both given, none in the future (only an
    inspection already held is reported), the end not before the start."""
    refusals = []
    for name, label, day in (("started_on", "开始日期", started), ("ended_on", "结束日期", ended)):
        if day is None:
            refusals.append((name, f"{label}：请填写日期（如 2026-03-02）"))
        elif day > today:
            refusals.append((name, f"{label}：{day} 晚于今天，只能报告已经进行的专项督导"))
    if started and ended and ended < started and not any(f == "ended_on" for f, _ in refusals):
        refusals.append(("ended_on", f"结束日期：{ended} 早于开始日期 {started}"))
    return refusals
