"""An internal special inspection, as the institution reports it to its agency (内督专项督导,
第十六条: 内督……参照外督方式和程序进行……专项督导可结合本评价机构和行业部门实际安排; 第十五条（二）).

The institution's internal-supervision contact asks the portal's /internal page for a one-time
link (no passwords for 2,000 institutions; procedures/supervisors/internal_access.py) and reports
one inspection it ran: start and end days (both past or today, end not before start), the
第十四条 matters it covered (one or more of the nine), the subject, its team, the findings, the
measures taken and the outcome (未发现问题 | 发现问题已整改 | 发现问题整改中). Stored as an
InternalSpecialReport, and the responsible agency (第十一条) is mailed the outcome — names of the
institution and the team included: it is the institution reporting to its own agency.

Interpretations (ours):
- the team: 参照 the external special team (第十五条（二）: 督导小组原则上由3名及以上外督员组成),
  at least TEAM_MIN (3) of the institution's OWN internal supervisors whose card is valid —
  第十二条: an internal card is used only inside its own institution (checked card by card with
  regulation.internal_supervision), and a person dismissed under 第二十六条 takes no part;
- measures are required whenever a problem was found; with 未发现问题 they may be left blank.
This package may not import procedures.supervisors: the team is read from Supervisor directly.
"""

from datetime import date, datetime

from sqlmodel import Session, col, select

from adapters import clock, mailer
from adapters.db import session_scope
from adapters.templates import render_email
from models import Institution, PortalLink, PortalSubmission, Supervisor
from models.internal import InternalSpecialReport
from models.lifecycle import SupervisionBan
from procedures.casework.cases import Refusal, local_date, parse_day
from procedures.casework.dispatching import responsible_agency
from procedures.casework.internal_cards import own_internal_cards
from regulation.internal_supervision import (
    SPECIAL_REPORT_OUTCOMES,
    InstitutionIssuer,
    internal_card_refusal,
    special_report_date_refusals,
    special_report_needs_measures,
)
from regulation.special_inspection import TEAM_MIN, matters

OUTCOMES = SPECIAL_REPORT_OUTCOMES
SUBJECT_MAX, TEXT_MAX = 200, 5000


def _issuer(inst: Institution) -> InstitutionIssuer:
    return InstitutionIssuer(inst.filing_authority, inst.filing_number, inst.industry_code)


def team_choices(s: Session, inst: Institution) -> list[Supervisor]:
    """The institution's own internal supervisors with a valid card (第十二条), each usable at this
    institution (not banned, card in force)."""
    rows = [r for r in own_internal_cards(s, inst) if r.card_status == "valid" and r.status == "active"]
    banned = set(s.exec(select(SupervisionBan.person_key).where(
        col(SupervisionBan.person_key).in_([r.person_key for r in rows]))))
    return [r for r in rows if internal_card_refusal(r.card_code, _issuer(inst), r.person_key in banned) is None]


def context(link: PortalLink) -> dict:
    with session_scope() as s:
        inst = s.get(Institution, link.case_id)
        team = [{"id": r.id, "name": r.name, "code": r.card_code} for r in team_choices(s, inst)]
        return {"institution": inst.name, "team": team, "team_min": TEAM_MIN, "matters": matters(),
                "outcomes": OUTCOMES, "today": clock.today()}


def parse(fields: dict[str, list[str]]) -> dict:
    one = {name: (fields.get(name) or [""])[0].strip()
           for name in ("started_on", "ended_on", "subject", "findings", "measures", "outcome")}
    return one | {"matters": [v for v in fields.get("matters", []) if v], "team": [v for v in fields.get("team", []) if v]}


def check(link: PortalLink, answers: dict, _fields) -> tuple[Refusal, dict]:
    refusal = Refusal()
    today = clock.today()
    started, ended = parse_day(answers.get("started_on")), parse_day(answers.get("ended_on"))
    for name, message in special_report_date_refusals(started, ended, today):
        refusal.add(name, message)
    numbers = {str(m.no): m.no for m in matters()}
    chosen = sorted({numbers[v] for v in answers.get("matters", []) if v in numbers})
    if not chosen or len(chosen) != len(set(answers.get("matters", []))):
        refusal.add("matters", "督导事项：请从第十四条（一）至（九）中选择一项或几项（第十六条 参照 第十五条（二）：督导前应当明确督导事项）")
    subject = " ".join(answers.get("subject", "").split())
    if not subject:
        refusal.add("subject", "督导主题：未填写")
    elif len(subject) > SUBJECT_MAX:
        refusal.add("subject", f"督导主题：共 {len(subject)} 字，最多 {SUBJECT_MAX} 字")
    outcome = answers.get("outcome", "")
    if outcome not in OUTCOMES:
        refusal.add("outcome", f"督导结果：请选择{'、'.join(OUTCOMES)}之一")
    for name, label, required in (("findings", "发现的问题", True), ("measures", "采取的措施", special_report_needs_measures(outcome))):
        text = answers.get(name, "")
        if required and not text:
            refusal.add(name, f"{label}：未填写" + ("（发现问题的，须写明采取的整改措施）" if name == "measures" else
                                                  "（未发现问题的，写明检查了什么、未发现问题）"))
        elif len(text) > TEXT_MAX:
            refusal.add(name, f"{label}：共 {len(text)} 字，最多 {TEXT_MAX} 字")
    with session_scope() as s:
        inst = s.get(Institution, link.case_id)
        if inst is None or inst.status == "revoked":
            refusal.add(None, "本机构备案回执已撤销，不能再报告内部专项督导（第二十三条）")
            return refusal, {}
        own = {str(r.id): r.id for r in team_choices(s, inst)}
    picked = list(dict.fromkeys(answers.get("team", [])))
    strangers = [v for v in picked if v not in own]
    if strangers:
        refusal.add("team", "督导小组：所选人员中有不是本机构有效内督证卡持有人的，内督证卡仅限本机构内部使用（第十二条）")
    elif len(picked) < TEAM_MIN:
        refusal.add("team", f"督导小组：选了 {len(picked)} 人，应至少 {TEAM_MIN} 名本机构内督员"
                            f"（第十六条 参照 第十五条（二）：督导小组原则上由3名及以上督导员组成）")
    if refusal:
        return refusal, {}
    return refusal, {"started_on": str(started), "ended_on": str(ended), "matters": chosen, "subject": subject,
                     "team": [own[v] for v in picked], "findings": answers.get("findings", ""),
                     "measures": answers.get("measures", ""), "outcome": outcome,
                     "statement": f"内部专项督导报告：{subject}（{started} 至 {ended}），结果：{outcome}"}


def stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    """In the portal's storing transaction: the report, and the agency's mail (once per link)."""
    inst = s.get(Institution, link.case_id)
    agency = responsible_agency(s, inst)
    sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
    report = InternalSpecialReport(
        institution_id=inst.id, agency_id=agency.id if agency else None,
        started_on=date.fromisoformat(payload["started_on"]), ended_on=date.fromisoformat(payload["ended_on"]),
        matters=payload["matters"], subject=payload["subject"], supervisor_ids=payload["team"],
        findings=payload["findings"], measures=payload["measures"], outcome=payload["outcome"],
        submission_id=sub.id, reported_at=at)
    s.add(report)
    s.flush()
    if agency is None:
        return
    team = s.exec(select(Supervisor).where(col(Supervisor.id).in_(payload["team"])).order_by(Supervisor.card_code))
    names = {m.no: f"{m.item}{m.label}" for m in matters()}
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【内督专项督导】{inst.name}：{payload['outcome']}", greeting=agency.name,
        paragraphs=[f"{inst.name}（备案编号 {inst.filing_number}）报告已完成一次内部专项督导（第十六条），"
                    f"回执编号 {sub.receipt_number}，报告日期 {local_date(at)}。",
                    f"督导主题：{payload['subject']}；时间：{payload['started_on']} 至 {payload['ended_on']}。",
                    "督导事项（第十四条）：" + "、".join(names[n] for n in payload["matters"]) + "。",
                    "督导小组：" + "、".join(f"{m.name}（{m.card_code}）" for m in team) + "。",
                    f"督导结果：{payload['outcome']}。",
                    f"发现的问题：{payload['findings']}",
                    f"采取的措施：{payload['measures'] or '无'}"],
        sender=f"{inst.name}（经督导系统转达）")
    mailer.enqueue(s, f"internal-special:{report.id}", agency.email, "agency", subject, text, html)
