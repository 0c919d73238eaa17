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
"""

from dataclasses import dataclass

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


def coverage_gap(internal_supervisors: list) -> Reason | None:
    """A session with no internal supervisor breaks 全覆盖 (第十六条)."""
    if internal_supervisors:
        return None
    return Reason("第十六条", "该场次未安排内督员，不符合内督日常督导全覆盖原则")
