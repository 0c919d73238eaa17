"""Cards (第十条, 第十二条, 附件1, 附件2): the second step, once a person is trained and passed.
An external card (R…) is issued by the province or a city, the next code for the issuing agency
and year, one per person (a re-issue by the same agency carries the term in office, 第十条); an
internal card (H/Y/S) by an industry department or an institution, one per issuer. The printable
card is 附件2 (.docx).
"""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from adapters.templates import chinese_date
from models import Agency, AppointmentTerm, Institution, Supervisor
from models.lifecycle import SupervisorRegistration
from procedures.supervisors.people import check_not_banned, file_entry, may_be_carded
from regulation.cards import (
    INTERNAL_CATEGORIES,
    format_external,
    internal_issuer_code,
    next_external,
    next_internal,
    parse_card,
)
from regulation.misconduct import INTERNAL_APPOINTERS
from regulation.reasons import RuleViolation

BACK_OF_CARD = (  # 第八条, short enough for the 80 mm card
    "一、执行督导任务时佩戴本证卡。",
    "二、不得干预正常评价工作。",
    "三、不得擅自公开督导情况记录。",
    "四、限本人使用，不得转借。",
)


def _acting(s: Session, agency: Agency) -> Agency:
    return s.get(Agency, agency.principal_id) if agency.level == "third_party" else agency


def issue_card(s: Session, registration_id: int, agency_id: str, on: date) -> Supervisor:
    """Issue the external card (第十条, 附件1): the next code for the issuing agency and year."""
    reg = s.get(SupervisorRegistration, registration_id)
    if reg is None:
        raise RuleViolation(f"登记记录 {registration_id} 不存在", "第九条")
    agency = s.get(Agency, agency_id)
    if agency is None:
        raise RuleViolation(f"委派机构 {agency_id} 不存在", "第十条")
    acting = _acting(s, agency)
    held = _held_card(s, reg.person_key, "external")
    if held and held.issuer == acting.id:
        return held  # issued already (a retried step)
    if held:  # one external card per person: another agency's is never handed back as this one's
        other = s.get(Agency, held.issuer)
        raise RuleViolation(f"该人员已持有{other.name if other else held.issuer}核发的外督证卡 {held.card_code}，"
                            "一人只能持一张外督证卡；如需改由本机构核发，须先由原发证机构注销该证卡", "第十条")
    check_not_banned(s, reg.person_key)
    if not may_be_carded(s, reg.person_key, on):
        raise RuleViolation("须经培训并考核合格后方可核发证卡", "第九条、第十条")
    if acting.level not in ("province", "city"):
        raise RuleViolation("外督证卡由省、市技能人才评价管理部门核发", "第十条")
    area = "0" if acting.level == "province" else acting.city_letter
    prefix = format_external(area, on.year, 1)[:6]
    codes = s.exec(select(Supervisor.card_code).where(col(Supervisor.card_code).startswith(prefix)))
    code = next_external(codes, area, on.year)
    sup = _card_holder(s, reg, code, "external", acting.id, on, f"{acting.name}核发外督证卡")
    _carry_term(s, sup, on)
    return sup


def _carry_term(s: Session, new: Supervisor, on: date) -> None:
    """A card re-issued by the same agency mid-term (lost, damaged, cancelled and replaced): the
    appointment goes on under the new card — its remainder moves there, so the person stays in
    office and drawable, and 第十条 counts it as the same 届 (regulation.terms.appointments)."""
    old_ids = [c.id for c in s.exec(select(Supervisor).where(
        Supervisor.person_key == new.person_key, Supervisor.kind == "external", Supervisor.issuer == new.issuer,
        Supervisor.card_status == "revoked", Supervisor.id != new.id))]
    for term in list(s.exec(select(AppointmentTerm).where(col(AppointmentTerm.supervisor_id).in_(old_ids),
                                                          AppointmentTerm.start <= on, AppointmentTerm.end >= on))):
        end = term.end
        s.add(AppointmentTerm(supervisor_id=new.id, start=on, end=end, assessment_passed=term.assessment_passed,
                              instrument=term.instrument))
        if term.start < on:
            term.end = on - timedelta(days=1)
            s.add(term)
        else:
            s.delete(term)
        file_entry(s, f"term-carried:{term.id}:{new.id}", new.person_key, new.id, on, "appointment",
                   f"换发证卡 {new.card_code}：聘期剩余部分 {on} 至 {end} 转至新证卡，仍为同一届聘任（第十条）")


def issue_internal_card(s: Session, registration_id: int, category: str, institution_id: int, on: date) -> Supervisor:
    """Issue an internal card (第十二条, 附件1 二): H for the institution's industry, Y/S for the institution."""
    reg = s.get(SupervisorRegistration, registration_id)
    if reg is None:
        raise RuleViolation(f"登记记录 {registration_id} 不存在", "第十二条")
    check_not_banned(s, reg.person_key)
    if not may_be_carded(s, reg.person_key, on):
        raise RuleViolation("须经培训并考核合格后方可核发证卡", "第九条、第十二条")
    if category not in INTERNAL_CATEGORIES:
        raise RuleViolation(f"内督证卡类别应为 {'/'.join(INTERNAL_CATEGORIES)}，实际为 {category!r}", "附件1 表5")
    inst = s.get(Institution, institution_id)
    if inst is None:
        raise RuleViolation(f"评价机构 {institution_id} 不存在", "第十二条")
    wrong = {"Y": ("social_org", "社会培训评价组织"), "S": ("employer", "用人单位")}.get(category)
    if wrong and inst.category == wrong[0]:  # 附件1 表5: Y 用人单位, S 社会培训评价组织
        raise RuleViolation(f"该机构为{wrong[1]}，不能核发{INTERNAL_APPOINTERS[category]}内督证卡（{category}）", "附件1 表5")
    if category == "H":
        if not inst.industry_code:
            raise RuleViolation("该机构未登记行业代码，不能核发行业部门内督证卡（H）", "附件1 二")
        issuer_code = inst.industry_code
    else:
        try:
            issuer_code = internal_issuer_code(inst.filing_authority, inst.filing_number)
        except ValueError as exc:
            raise RuleViolation(str(exc), "附件1 二") from None
    held = _held_card(s, reg.person_key, "internal", category + issuer_code)
    if held:
        return held
    prefix = f"{category}{issuer_code}{on.year % 100:02d}"
    codes = s.exec(select(Supervisor.card_code).where(col(Supervisor.card_code).startswith(prefix)))
    code = next_internal(codes, category, issuer_code, on.year)
    sup = _card_holder(s, reg, code, "internal", category + issuer_code, on, f"{inst.name}核发内督证卡")
    if category != "H":  # the 6-digit code is not unique across cities: keep who issued it (第十二条)
        sup.issuer_institution_id = inst.id
        s.add(sup)
    return sup


def _held_card(s: Session, person_key: str, kind: str, issuer: str | None = None) -> Supervisor | None:
    """The person's card of this kind (and internal issuer) that is not cancelled: issuing again
    returns it. One registration per person: a card of another kind never stands in for it (an
    internal supervisor who qualifies as external gets an R card under the same person)."""
    query = select(Supervisor).where(Supervisor.person_key == person_key, Supervisor.kind == kind,
                                     Supervisor.card_status != "revoked")
    if issuer is not None:
        query = query.where(Supervisor.issuer == issuer)
    return s.exec(query.order_by(col(Supervisor.id).desc())).first()


def _card_holder(s: Session, reg: SupervisorRegistration, code: str, kind: str, issuer: str, on: date,
                 what: str) -> Supervisor:
    sup = Supervisor(name=reg.name, person_key=reg.person_key, kind=kind, card_code=code, issuer=issuer,
                     employer=reg.employer, email=reg.email, phone=reg.phone, city_letter=reg.city_letter,
                     eligibility=dict(reg.attestations), eligibility_attested_on=reg.registered_on,
                     card_issued_on=on)
    s.add(sup)
    s.flush()
    reg.supervisor_id = sup.id
    s.add(reg)
    file_entry(s, f"card-issued:{code}", reg.person_key, sup.id, on, "card", f"{what}，证卡编码 {code}")
    return sup


def card_face(s: Session, supervisor_id: int):
    from adapters.cards_docx import CardFace

    sup = s.get(Supervisor, supervisor_id)
    card = parse_card(sup.card_code)
    if sup.kind == "external":
        agency = s.get(Agency, sup.issuer)
        issuer_name = agency.name if agency else card.area_name
        validity = f"{issuer_name}委派"
        title = "技能人才评价质量督导员（外督）"
    else:
        issuer_name = f"{card.category_name}（颁发机构代码 {card.issuer_code}）"
        validity = "仅限本评价机构、本行业内部"
        title = "技能人才评价质量督导员（内督）"
    issued = sup.card_issued_on or sup.eligibility_attested_on
    return CardFace(title, sup.name, sup.card_code, sup.employer or "—", issuer_name,
                    chinese_date(issued) if issued else "—", validity, BACK_OF_CARD, issuer_name)


def card_docx(s: Session, supervisor_id: int) -> bytes:
    """The printable card (附件2), .docx."""
    from adapters.cards_docx import render_card

    return render_card(card_face(s, supervisor_id))
