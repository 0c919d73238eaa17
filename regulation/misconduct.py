"""Supervisor misconduct (第二十六条): the eight acts, the measures, and who must be heard.

质量督导员有下列情形的，由委派机构视其情节轻重给予批评教育或者暂停质量督导任务委派处理；
情节严重的，通报当事人所在单位，并取消其质量督导员证卡，予以解聘且不得再从事我省技能人才评价
质量督导相关工作；情节特别严重构成犯罪的，移送司法机关依法追究刑事责任。

Interpretations (ours; the article is silent on procedure):
- every measure heavier than criticism (suspension of dispatch, dismissal, referral) is taken
  only after the supervisor was told the facts, reasons and basis and could state their case —
  by analogy with 第二十五条 for institutions; the period is a setting in working days
  (default 5) and the supervisor may answer earlier;
- the 告知书 names the one measure proposed (not every measure the article lists), and the
  hearing covers that measure only: a heavier one needs a new 告知书 (by analogy with the
  第二十五条 reading for institutions); a lighter one may be decided on the same hearing, but
  only once the hearing is over: after a 告知书 every measure, criticism included, waits for
  the supervisor's statement or the period's end. Criticism without any 告知书 stays possible;
- only the supervisor's own statement ends the period early: one they submit through their
  portal link. Whatever the deciding staff member writes is never taken for it; without the
  supervisor's statement the period ends by time;
- a suspension of dispatch runs for a stated period (1 to 24 months here), after which the
  supervisor is drawable again; a proposed suspension states its months in the 告知书, and the
  decision may not be longer (a longer one is heavier: a new 告知书);
- dismissal (情节严重) does all four things at once: card cancelled, appointment ended on the
  decision day, a ban on any supervision work in Shandong (keyed on the identity number, so
  a new card changes nothing) and a letter to the employer;
- a criminal matter (情节特别严重构成犯罪) is its own measure, 移送司法机关: dismissal with all
  its effects plus a numbered referral letter (移送函) to the judicial authority named in the
  decision, recorded in the supervisor's file;
- 委派机构 (第二十六条) for an internal supervisor is whoever appointed them (第十二条): the
  institution (Y/S card) or the industry department (H card). That body decides; the agency
  that found the misconduct only proposes — a numbered 处理建议 letter to that body, recorded
  — and takes no measure itself.
"""

from dataclasses import dataclass
from datetime import date

from regulation.reasons import RuleViolation

ARTICLE = "第二十六条"

ITEMS: dict[int, str] = {
    1: "未经委派擅自参加或无故拒绝参加督导工作任务的",
    2: "不履行督导职责的",
    3: "应当回避质量督导工作却隐瞒不报的",
    4: "利用职权谋取私利或干扰评价机构正常工作的",
    5: "弄虚作假，徇私舞弊，影响质量督导结果客观公正的",
    6: "因失职或个人主观意志导致试题内容等工作秘密泄露，经查实泄密的",
    7: "利用职权包庇或打击报复他人、侵害他人合法权益的",
    8: "其他妨碍技能人才评价工作有序开展或造成不良影响的行为",
}
ITEM_NUMERALS = "一二三四五六七八"

# 第二十六条(二): a record not filed within 2 working days (第十七条) is 不履行督导职责.
OVERDUE_RECORD_ITEM = 2

MEASURES: dict[str, str] = {
    "criticism": "批评教育",
    "suspension": "暂停质量督导任务委派",
    "dismissal": "通报所在单位、取消证卡、解聘并不得再从事我省质量督导工作",
    "referral": "通报所在单位、取消证卡、解聘并不得再从事我省质量督导工作，移送司法机关依法追究刑事责任",
}
# What a 处理建议 asks of an internal supervisor's appointing body (第十二条): the body cancels its
# own card and dismisses; the province-wide ban (不得再从事我省…相关工作) is the article's effect,
# recorded by the system when the body reports a dismissal back, not something the body imposes.
BODY_MEASURES: dict[str, str] = {
    "criticism": "批评教育",
    "suspension": "暂停质量督导任务委派",
    "dismissal": "通报其所在单位、取消其内部质量督导员证卡并予以解聘",
    "referral": "通报其所在单位、取消其内部质量督导员证卡并予以解聘，移送司法机关依法追究刑事责任",
}
# The article's order, lightest first: 批评教育 < 暂停委派 < 情节严重（解聘）< 情节特别严重构成犯罪（移送）.
SEVERITY: dict[str, int] = {"criticism": 1, "suspension": 2, "dismissal": 3, "referral": 4}
NEEDS_HEARING = frozenset({"suspension", "dismissal", "referral"})
DISMISSES = frozenset({"dismissal", "referral"})
# Interpretation (ours): the measures that change the supervisor's standing — a suspension of
# dispatch, a dismissal with the ban — are decisions with legal effect on the person, so their
# 决定书 states the remedies as every 处理决定书 does (行政复议法第二十条, 行政诉讼法第四十六条);
# 批评教育 changes nothing a review could undo. The same set needs the hearing (NEEDS_HEARING).
STATES_REMEDIES = NEEDS_HEARING
SUSPENSION_MONTHS = (1, 24)
INTERNAL_APPOINTERS = {"H": "行业部门", "Y": "用人单位", "S": "社会培训评价组织"}  # 附件1 表5, 第十二条


def item_label(item: int) -> str:
    return f"第二十六条（{ITEM_NUMERALS[item - 1]}）{ITEMS[item]}"


def check_item(item: int) -> int:
    if item not in ITEMS:
        raise RuleViolation(f"违规情形应为 1-8 项之一，实际为 {item}", ARTICLE)
    return item


@dataclass(frozen=True)
class Hearing:
    notified_on: date | None
    statement_due: date | None
    statement_received: bool  # the supervisor's own statement (their portal submission), never staff's
    proposed: str = ""  # the measure the 告知书 named
    proposed_months: int | None = None  # a proposed suspension's months, as the 告知书 stated them


def check_measure_name(measure: str) -> str:
    if measure not in MEASURES:
        raise RuleViolation(f"处理措施应为 {'/'.join(MEASURES.values())} 之一，实际为 {measure!r}", ARTICLE)
    return measure


def check_suspension_months(months: int | None) -> int:
    lo, hi = SUSPENSION_MONTHS
    if months is None or not lo <= months <= hi:
        raise RuleViolation(f"暂停委派须写明期限（{lo}-{hi}个月），实际为 {months}", ARTICLE)
    return months


def proposed_text(measure: str, months: int | None = None, to_body: bool = False) -> str:
    """What a 告知书 (or, `to_body`, a 处理建议) proposes: a suspension with its months."""
    text = (BODY_MEASURES if to_body else MEASURES)[measure]
    return f"{text}{months}个月" if measure == "suspension" and months else text  # letter style: no spaces


def agency_decides(card_kind: str) -> bool:
    """第二十六条 由委派机构处理: the agency decides for the external supervisors it dispatches; an
    internal supervisor's 委派机构 is the institution or industry department that appointed
    them (第十二条), so the agency only proposes."""
    return card_kind == "external"


def check_agency_decides(card_kind: str, appointing_body: str) -> None:
    if not agency_decides(card_kind):
        raise RuleViolation(f"内督员由其委派机构（{appointing_body or '所在评价机构或行业部门'}，第十二条）依照第二十六条"
                            "作出处理，本机构只能向其提出处理建议，不能自行决定", ARTICLE)


def check_measure(measure: str, hearing: Hearing, on: date, suspension_months: int | None = None,
                  referral_authority: str = "") -> None:
    """Raise RuleViolation when the measure may not be decided on `on` (see module docstring)."""
    check_measure_name(measure)
    if measure == "suspension":
        check_suspension_months(suspension_months)
        if hearing.proposed == "suspension" and hearing.proposed_months and suspension_months > hearing.proposed_months:
            raise RuleViolation(f"告知书拟暂停委派 {hearing.proposed_months} 个月，决定不得长于该期限"
                                f"（实际为 {suspension_months} 个月）；更长的期限须重新告知", ARTICLE)
    if measure == "referral" and not referral_authority.strip():
        raise RuleViolation("移送司法机关：须写明接收移送的司法机关名称", ARTICLE)
    if measure in NEEDS_HEARING and hearing.notified_on is None:
        raise RuleViolation(f"作出“{MEASURES[measure]}”前须先告知当事人事实、理由和依据并听取其陈述申辩", ARTICLE)
    if hearing.notified_on is None:
        return  # criticism without a notice (the article asks no hearing for it)
    if hearing.proposed and SEVERITY[measure] > SEVERITY[hearing.proposed]:
        raise RuleViolation(f"告知书拟作出的处理为“{MEASURES[hearing.proposed]}”，作出更重的“{MEASURES[measure]}”"
                            "须重新告知当事人并听取其陈述申辩", ARTICLE)
    # Once a 告知书 is out, the period it states is the supervisor's whatever is decided: even a
    # criticism waits for their statement or the period's end.
    if not hearing.statement_received and (hearing.statement_due is None or on <= hearing.statement_due):
        due = f"陈述申辩期限至 {hearing.statement_due} 止" if hearing.statement_due else "陈述申辩期限待定"
        raise RuleViolation(f"{due}，当事人尚未通过本人的陈述申辩链接提交陈述，期满前不得决定", ARTICLE)
