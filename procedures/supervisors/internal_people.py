"""The institution's own internal supervisors and cards, self-service (第六条, 第九条, 第十二条).

第十二条: 内督员由评价机构……培训并核发内督证卡; 内督证卡仅限本评价机构内部使用. The institution's
internal-supervision contact opens a one-time link (internal_access.py: no passwords for 2,000
institutions) and does ONE thing with it:
- register a person it trained and assessed (第六条's five conditions attested, 第九条 training
  and assessment passed on a day) → people.register(kind="internal"), the training and the
  assessment recorded, cards.issue_internal_card: category Y for an employer (用人单位), S for
  a social organisation (社会培训评价组织) — an institution never issues H: industry departments
  do, through the agency (附件1 表5); the receipt shows the new card code;
- or suspend / restore one of ITS OWN cards (valid ↔ suspended); never another institution's
  card, never a revoked one; the supervisor's file gets an entry.
The form's check runs the very same operation in a transaction it rolls back, so every rule's
RuleViolation reaches the form as its Chinese message beside the field, nothing written; the
portal's storing transaction then runs it for real (`stored`). The list on the page shows the
institution's own cards (name, masked code, status, term).
"""

import re
from contextlib import contextmanager
from datetime import date, datetime

from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import get_engine, session_scope
from models import AppointmentTerm, Institution, PortalLink, PortalSubmission
from procedures.casework.cases import Refusal, local_date, parse_day
from procedures.casework.internal_cards import own_internal_cards
from procedures.supervisors import cards, people
from procedures.supervisors.internal_access import purpose_of
from regulation.identity import IdentityNumberError, validate
from regulation.reasons import RuleViolation

CATEGORY = {"employer": "Y", "social_org": "S"}  # 附件1 表5: the institution issues Y or S, never H
ACTIONS = {"register": "登记内督员并核发证卡", "suspend": "暂停内督证卡", "restore": "恢复内督证卡"}
ALLOWED = {"register": ("register",), "cards": ("suspend", "restore")}  # by what the link was asked for
CARD_STATUS = {"valid": "有效", "suspended": "已暂停", "revoked": "已注销"}
EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\]+@[^@\s<>\"'(),;:\\]+\.[^@\s<>\"'(),;:\\]+$")
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
NAME_MAX, REASON_MAX = 50, 500
TEXT_FIELDS = ("action", "name", "person_key", "phone", "email", "assessed_on", "assessment_passed", "card", "reason")


def mask(code: str) -> str:
    """A card code as the list shows it: the issuer's category and the serial, the middle hidden."""
    return code[:1] + "*" * (len(code) - 5) + code[-4:] if len(code) > 5 else code


def context(link: PortalLink) -> dict:
    """What the page shows: the institution, its own cards, the actions this link may take."""
    with session_scope() as s:
        inst = s.get(Institution, link.case_id)
        terms = {}
        rows = own_internal_cards(s, inst)
        for t in s.exec(select(AppointmentTerm).where(col(AppointmentTerm.supervisor_id).in_([r.id for r in rows]))):
            terms[t.supervisor_id] = f"{t.start} 至 {t.end}"
        listed = [{"id": r.id, "name": r.name, "code": mask(r.card_code), "status": r.card_status,
                   "status_text": CARD_STATUS.get(r.card_status, r.card_status),
                   "term": terms.get(r.id) or (f"{r.card_issued_on} 起（内督员不登记外督聘期，第十二条）"
                                               if r.card_issued_on else "—")} for r in rows]
        return {"institution": inst.name, "category": CATEGORY.get(inst.category, ""),
                "cards": listed, "actions": {a: ACTIONS[a] for a in ALLOWED.get(purpose_of(link.step_key), ())},
                "conditions": people.CONDITIONS, "today": clock.today()}


def parse(fields: dict[str, list[str]]) -> dict:
    answers = {name: (fields.get(name) or [""])[0].strip() for name in TEXT_FIELDS}
    for n in range(1, 6):
        answers[f"attest_{n}"] = (fields.get(f"attest_{n}") or [""])[0]
    return answers


@contextmanager
def _trial():
    """A session whose writes are always rolled back: the check runs the real operation."""
    with Session(get_engine(), expire_on_commit=False) as s:
        try:
            yield s
        finally:
            s.rollback()


def check(link: PortalLink, answers: dict, _fields) -> tuple[Refusal, dict]:
    refusal = Refusal()
    today = clock.today()
    action = answers.get("action") or ""
    allowed = ALLOWED.get(purpose_of(link.step_key), ())
    if len(allowed) == 1 and not action:
        action = allowed[0]
    if action not in allowed:
        refusal.add("action", "办理事项：请选择" + "或".join(f"“{ACTIONS[a]}”" for a in allowed))
        return refusal, {}
    payload = {"action": action}
    if action == "register":
        payload |= _register_fields(answers, refusal, today)
    else:
        payload |= _card_fields(answers, refusal)
    if refusal:
        return refusal, {}
    with _trial() as s:
        try:
            payload["statement"] = apply(s, link, payload, today)
        except RuleViolation as exc:
            refusal.add(_field_of(exc, action), str(exc))
    return refusal, payload


def _register_fields(answers: dict, refusal: Refusal, today: date) -> dict:
    name = " ".join(answers.get("name", "").split())
    if not name:
        refusal.add("name", "姓名：未填写")
    elif len(name) > NAME_MAX or any(ord(ch) < 32 for ch in name):
        refusal.add("name", f"姓名：最多 {NAME_MAX} 字，且只能含普通文字")
    try:
        person_key = validate(answers.get("person_key", ""), as_of=today)
    except IdentityNumberError as exc:
        person_key = ""
        refusal.add("person_key", f"身份证号：{exc}")
    phone = answers.get("phone", "").replace(" ", "")
    if not PHONE.match(phone):
        refusal.add("phone", "联系电话：应为11位手机号或带区号的固定电话（如 0531-88888888）")
    email = answers.get("email", "")
    if not EMAIL.match(email) or len(email) > 254:
        refusal.add("email", "电子邮箱：应为有效的电子邮箱地址（如 name@example.cn）")
    missing = [f"（{n}）" for i, n in enumerate(people.CONDITIONS, 1) if answers.get(f"attest_{i}") != "是"]
    if missing:
        refusal.add("attest", f"第六条条件：{'、'.join(missing)}未确认。五项条件均须确认符合")
    assessed = parse_day(answers.get("assessed_on"))
    if assessed is None:
        refusal.add("assessed_on", "培训考核合格日期：请填写日期（如 2026-03-02）")
    elif assessed > today:
        refusal.add("assessed_on", f"培训考核合格日期：{assessed} 晚于今天，只能填写已经考核合格的日期")
    if answers.get("assessment_passed") != "是":
        refusal.add("assessment_passed", "培训考核：须经本机构培训并考核合格后方可核发证卡（第九条、第十二条）")
    return {"name": name, "person_key": person_key, "phone": phone, "email": email,
            "assessed_on": str(assessed) if assessed else ""}


def _card_fields(answers: dict, refusal: Refusal) -> dict:
    card = answers.get("card", "")
    if not card.isdigit():
        refusal.add("card", "内督证卡：请从本机构的内督证卡中选择一张")
    reason = answers.get("reason", "")
    if not reason:
        refusal.add("reason", "理由：未填写")
    elif len(reason) > REASON_MAX:
        refusal.add("reason", f"理由：共 {len(reason)} 字，最多 {REASON_MAX} 字")
    return {"card": int(card) if card.isdigit() else 0, "reason": reason}


def _field_of(exc: RuleViolation, action: str) -> str:
    if action != "register":
        return "card"
    if exc.reason.startswith("身份证号") or exc.article == "第二十六条":
        return "person_key"
    if "第六条所列条件" in exc.reason:
        return "attest"
    if "第九条" in exc.article:
        return "assessed_on"
    return "action"


def apply(s: Session, link: PortalLink, payload: dict, on: date) -> str:
    """The one action of this link, in `s`; returns the receipt's sentence. RuleViolation: nothing
    of it may be kept (the caller's transaction rolls back)."""
    inst = s.get(Institution, link.case_id)
    if inst is None or inst.status == "revoked":
        raise RuleViolation("本机构备案回执已撤销，不能再办理内督员事项", "第二十三条")
    if payload["action"] == "register":
        return _register(s, inst, payload, on)
    return _suspend_or_restore(s, inst, link, payload, on)


def _register(s: Session, inst: Institution, payload: dict, on: date) -> str:
    category = CATEGORY.get(inst.category)
    if category is None:
        raise RuleViolation("本机构不是用人单位或社会培训评价组织，不能自行核发内督证卡；行业部门内督证卡（H）"
                            "由行业部门经委派机构办理", "附件1 表5")
    assessed = date.fromisoformat(payload["assessed_on"])
    reg = people.register(s, person_key=payload["person_key"], name=payload["name"], email=payload["email"],
                          on=on, attestations=dict.fromkeys(people.CONDITIONS, True), employer=inst.name,
                          city_letter=inst.city_letter or "0", phone=payload["phone"], kind="internal")
    people.record_assessment(s, reg.person_key, "training", assessed, True, f"{inst.name}培训")
    people.record_assessment(s, reg.person_key, "assessment", assessed, True, f"{inst.name}考核")
    before = {c.id for c in own_internal_cards(s, inst)}
    sup = cards.issue_internal_card(s, reg.id, category, inst.id, on)
    if sup.id in before:  # refused beside the field, so the one-time link is not used up
        raise RuleViolation(f"身份证号：该人员（{sup.name}）已持有本机构内督证卡 {sup.card_code}，无需重复登记；"
                            "如需办理其他人员，请核对身份证号", "第十二条")
    return f"已登记内督员 {reg.name}，核发内督证卡 {sup.card_code}（仅限本机构内部使用，第十二条）"


def _suspend_or_restore(s: Session, inst: Institution, link: PortalLink, payload: dict, on: date) -> str:
    sup = next((c for c in own_internal_cards(s, inst) if c.id == payload["card"]), None)
    if sup is None:
        raise RuleViolation("内督证卡：所选证卡不是本机构核发的内督证卡，只能办理本机构的证卡", "第十二条")
    if sup.card_status == "revoked":
        raise RuleViolation(f"内督证卡：{sup.card_code} 已注销，不能暂停或恢复", "第十二条")
    suspend = payload["action"] == "suspend"
    wanted, current = ("suspended", "valid") if suspend else ("valid", "suspended")
    if sup.card_status != current:
        raise RuleViolation(f"内督证卡：{sup.card_code} 现为“{CARD_STATUS.get(sup.card_status)}”，"
                            f"不能{ACTIONS[payload['action']][:2]}", "第十二条")
    sup.card_status = wanted
    s.add(sup)
    verb = "暂停" if suspend else "恢复"
    people.file_entry(s, f"internal-card:{link.id}", sup.person_key, sup.id, on, "card",
                      f"{inst.name}{verb}其内督证卡 {sup.card_code}，理由：{payload['reason']}")
    return f"已{verb}内督员 {sup.name} 的内督证卡 {sup.card_code}"


def stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    """In the portal's storing transaction: the action for real, and the receipt's sentence on the
    stored answer (the 身份证号 kept only in the supervisor's registration, masked here)."""
    statement = apply(s, link, payload, local_date(at))
    sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
    kept = dict(payload) | {"statement": statement}
    if kept.get("person_key"):
        kept["person_key"] = kept["person_key"][:6] + "********" + kept["person_key"][-4:]
    sub.payload = kept
    s.add(sub)
    if payload["action"] == "register":
        _tell_new_card(s, link, statement)


def _tell_new_card(s: Session, link: PortalLink, statement: str) -> None:
    """The new card's code in writing: to the contact (the receipt mail carries only the count of
    characters) and to the person, who now holds a card usable only inside this institution."""
    from adapters.mailer import enqueue
    from adapters.templates import render_email

    inst = s.get(Institution, link.case_id)
    sup = max(own_internal_cards(s, inst), key=lambda c: c.id)
    for key, (name, email), kind, paragraphs in (
            (f"internal-card-issued:{link.id}", inst.internal_contact, "institution", [statement + "。"]),
            (f"internal-card-holder:{link.id}", (sup.name, sup.email), "supervisor",
             [f"{inst.name}已将您登记为本机构内部质量督导员（内督员），内督证卡编号 {sup.card_code}。",
              "内督证卡仅限本机构内部使用（第十二条）；担任某一场次的内督员时，本机构将另行通知，"
              "填写记录表时须填写此编号。"])):
        subject, text, html = render_email("supervisor_notice", subject_text=f"【内督证卡】{sup.name} {sup.card_code}",
                                           greeting=name, paragraphs=paragraphs, sender=inst.name)
        enqueue(s, key, email, kind, subject, text, html)
