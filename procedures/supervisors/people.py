"""Registration and training (第六条, 第九条): the first step of a supervisor's life. A person
is registered once by identity number, attesting the five conditions of 第六条; their training
and assessment results follow; only one whose latest assessment passed may be carded (第九条
经培训并考核合格, cards.py). Every step of the life is recorded in the supervisor's file
(督导员档案, `file_entry`), once per key, and no step serves a person banned under 第二十六条.
"""

from datetime import date

from sqlmodel import Session, col, select

from models.lifecycle import (
    SupervisionBan,
    SupervisorAssessment,
    SupervisorFileEntry,
    SupervisorRegistration,
)
from regulation.identity import IdentityNumberError
from regulation.identity import validate as validate_identity
from regulation.reasons import RuleViolation

CONDITIONS = {  # 第六条 (一)-(五)
    "一": "坚持党的基本路线，热爱技能人才评价工作",
    "二": "掌握技能人才评价有关政策法规，熟悉技能人才评价理论和技术方法",
    "三": "坚持原则、廉洁奉公、办事公道、作风正派，具有良好的职业道德和敬业精神",
    "四": "具有较强的组织协调能力和表达能力",
    "五": "身体健康，能胜任质量督导工作",
}


def file_entry(s: Session, key: str, person_key: str, supervisor_id: int | None, on: date, kind: str, text: str,
               document_id: int | None = None) -> SupervisorFileEntry:
    """Record a step in the supervisor's file once per key."""
    found = s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.key == key)).first()
    if found:
        return found
    entry = SupervisorFileEntry(key=key, person_key=person_key, supervisor_id=supervisor_id, on=on, kind=kind,
                                text=text, document_id=document_id)
    s.add(entry)
    s.flush()
    return entry


def check_not_banned(s: Session, person_key: str) -> None:
    ban = s.get(SupervisionBan, person_key)
    if ban:
        raise RuleViolation(f"该人员已于 {ban.since} 被解聘，不得再从事我省技能人才评价质量督导相关工作", "第二十六条")


def register(s: Session, *, person_key: str, name: str, email: str, on: date, attestations: dict[str, bool],
             employer: str = "", city_letter: str = "", phone: str = "", kind: str = "external") -> SupervisorRegistration:
    """Register a person for training; all five conditions of 第六条 must be attested."""
    try:
        person_key = validate_identity(person_key, as_of=on)
    except IdentityNumberError as exc:
        raise RuleViolation(f"身份证号：{exc}", "第六条") from None
    check_not_banned(s, person_key)
    missing = [f"（{n}）{text}" for n, text in CONDITIONS.items() if attestations.get(n) is not True]
    if missing:
        raise RuleViolation("不符合或未确认第六条所列条件：" + "；".join(missing), "第六条")
    if kind not in ("external", "internal"):
        raise RuleViolation(f"督导员类别应为 external（外督）或 internal（内督），实际为 {kind!r}", "第四条")
    found = s.exec(select(SupervisorRegistration).where(SupervisorRegistration.person_key == person_key)).first()
    if found:
        return found
    reg = SupervisorRegistration(person_key=person_key, name=name, email=email, employer=employer,
                                 city_letter=city_letter, phone=phone, kind=kind,
                                 attestations={n: True for n in CONDITIONS}, registered_on=on)
    s.add(reg)
    s.flush()
    file_entry(s, f"registered:{person_key}", person_key, None, on, "registration",
               "登记为质量督导员培训人员，第六条五项条件均已确认")
    return reg


def record_assessment(s: Session, person_key: str, kind: str, on: date, passed: bool, note: str = "") -> SupervisorAssessment:
    """A training, assessment or renewal-assessment result (第九条, 第十条)."""
    if kind not in ("training", "assessment", "renewal"):
        raise RuleViolation(f"类别应为 training（培训）/assessment（考核）/renewal（续聘考核），实际为 {kind!r}", "第九条")
    found = s.exec(select(SupervisorAssessment).where(SupervisorAssessment.person_key == person_key,
                                                      SupervisorAssessment.kind == kind,
                                                      SupervisorAssessment.on == on)).first()
    if found:
        return found
    row = SupervisorAssessment(person_key=person_key, kind=kind, on=on, passed=passed, note=note)
    s.add(row)
    s.flush()
    label = {"training": "参加培训", "assessment": "培训考核", "renewal": "续聘考核"}[kind]
    file_entry(s, f"assessment:{person_key}:{kind}:{on}", person_key, None, on, kind,
               f"{label}：{'合格' if passed else '不合格'}" + (f"（{note}）" if note else ""))
    return row


def latest_passed(s: Session, person_key: str, kinds: tuple[str, ...], since: date | None, until: date) -> bool:
    rows = list(s.exec(select(SupervisorAssessment).where(
        SupervisorAssessment.person_key == person_key, col(SupervisorAssessment.kind).in_(kinds),
        SupervisorAssessment.on <= until).order_by(SupervisorAssessment.on)))
    if since is not None:
        rows = [r for r in rows if r.on >= since]
    return bool(rows) and rows[-1].passed


def may_be_carded(s: Session, person_key: str, on: date) -> bool:
    """第九条: trained, and the latest assessment passed."""
    trained = s.exec(select(SupervisorAssessment).where(SupervisorAssessment.person_key == person_key,
                                                        SupervisorAssessment.kind == "training",
                                                        SupervisorAssessment.on <= on)).first()
    return trained is not None and latest_passed(s, person_key, ("assessment",), None, on)
