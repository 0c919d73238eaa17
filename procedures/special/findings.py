"""Step 3 of the special inspection: what comes in from the site visit (第十五条（二）1–2, 第十四条).

The institution's 自评（自查）报告 by its window (none by then: the inspection goes on, the team
reviews what there is and the timeline says so). Each member's findings through the portal's
member_findings form (registered in portal_forms.py): one section per matter — rating, facts,
evidence seen, evidence files — checked before anything is stored by `findings_problems`, the same
check the run makes when it takes the stored answers; refused, the member gets the next round's
link with the errors. Not before the visit's planned start. Staff may enter a member's findings
handed in on paper (代录, `staff_findings_link`), proven by their staff code.
"""

import re
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import session_scope
from models import (
    Agency,
    InspectionCase,
    Institution,
    PortalLink,
    PortalSubmission,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionFinding,
    SpecialInspectionMember,
    Supervisor,
)
from procedures.casework import staff, unknown_dues
from procedures.casework.cases import Refusal, add_event, answer_once, case_today
from procedures.casework.letters import chinese_date
from procedures.casework.views import Outcome
from procedures.portal import links as portal_links
from procedures.special.casefile import (
    CASE_KIND,
    STAGE_NAMES,
    load,
    matter_label,
    matters_of,
    team_of,
)
from procedures.special.notices import Invitation, brief, contact, invite
from procedures.special.windows import take_window
from regulation import special_inspection as rules

NUMERALS = "一二三四五六七八九"
FINDING_FIELDS = ("rating", "facts", "evidence")
_FINDING_FIELD = re.compile(r"^(rating|facts|evidence)_(\d+)$")


def self_report_view(s: Session, si: SpecialInspection) -> dict:
    """What the team sees of the institution's 自评（自查）报告 while it reviews (第十五条（二）2):
    its text and the names of its files (kept by the agency), or why there is none yet."""
    from procedures.portal.submissions import receipt_for

    row = s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == si.id,
                                                         SpecialInspectionDeadline.step_key == "self-report")).first()
    if row is None:
        return {"state": "none", "note": "本次督导未要求评价机构提交自评（自查）报告。"}
    if row.submission_id:
        sub = s.get(PortalSubmission, row.submission_id)
        r = receipt_for(s, s.get(PortalLink, sub.link_id))
        return {"state": "received", "received_on": str(row.received_on), "statement": r.statement,
                "files": [f.display_name for f in r.files]}
    if row.status == "closed":
        return {"state": "missing", "note": f"评价机构未在 {row.due} 前提交自评（自查）报告；评议时据实记录。"}
    return {"state": "waiting", "note": f"评价机构的自评（自查）报告尚未提交（期限 {row.due or unknown_dues.PENDING}）。"}


def record_self_report(case_id: int, submission_id: int | None) -> str:
    """The institution's self-report taken, or its window closed (None): the findings come next either way."""
    with session_scope() as s:
        case, si, _, _ = load(s, case_id)
        today = case_today(case)
        if take_window(s, si, "self-report", submission_id, today):
            text = "已收到评价机构自评（自查）报告"
        else:
            row = s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == si.id,
                                                                 SpecialInspectionDeadline.step_key == "self-report")).one()
            text = f"评价机构未在 {row.due} 前提交自评（自查）报告；督导继续进行，评议时据实记录"
        add_event(s, case.id, "self-report", today, text)
        si.stage = "findings"
        s.add(si)
        return text


def finding_answers(fields: dict[str, list[str]]) -> dict:
    """The member-findings form's posted fields → answers (rating_2, facts_2, evidence_2 …);
    any other name is kept under "unknown" so the check can name it."""
    answers: dict = {"unknown": []}
    for name, values in fields.items():
        if name == "staff_code":
            continue
        if _FINDING_FIELD.fullmatch(name):
            value = (values or [""])[0].strip()
            if value:
                answers[name] = value
        else:
            answers["unknown"].append(name)
    return answers


def findings_problems(answers: dict, expected: list[int], refusal: Refusal) -> dict[int, dict]:
    """第十四条 matters of this inspection: each a rating, the facts found, what evidence was
    seen. The one implementation of the rules, used by the portal before it stores the form and
    by the run when it takes the stored answers. Returns the findings by matter number."""
    for name in answers.get("unknown", []):
        refusal.add(None, f"表单含有未知的项目“{name[:40]}”，请重新打开链接填写")
    for name in answers:
        m = _FINDING_FIELD.fullmatch(name)
        if m and int(m.group(2)) not in expected:
            no = int(m.group(2))
            label = f"督导事项（{NUMERALS[no - 1]}）" if 1 <= no <= len(NUMERALS) else f"督导事项 {no}"
            refusal.add(None, f"{label}：不是本次督导事项（本次为 {'、'.join(matter_label(n) for n in expected)}）")
    found = {}
    for no in expected:
        label = matter_label(no)
        rating = str(answers.get(f"rating_{no}", "")).strip()
        facts = str(answers.get(f"facts_{no}", "")).strip()
        evidence = str(answers.get(f"evidence_{no}", "")).strip()
        if rating not in rules.RATINGS:
            refusal.add(f"rating_{no}", f"{label}「评定」：请选择 {'/'.join(rules.RATINGS)} 之一")
        if not facts:
            refusal.add(f"facts_{no}", f"{label}「事实」：未填写。请写明现场考察（核查）发现的事实")
        found[no] = {"rating": rating, "facts": facts, "evidence": evidence}
    return found


def findings_context(link: PortalLink) -> dict:
    """What the member-findings page shows: the inspection's matters, verbatim (第十四条)."""
    with session_scope() as s:
        case, si, inst, _ = load(s, link.case_id)
        team = team_of(s, si.id)
        lead = next(f"{x.name}（{x.card_code}）" for m, x in team if m.is_lead)
        matter_rows = [rules.matters()[m.matter_no - 1] for m in matters_of(s, si.id)]
        member = s.get(SpecialInspectionMember, _link_member(link))
        sup = s.get(Supervisor, member.supervisor_id)
        if member.withdrawn_on is not None:
            closed = f"{sup.name} 已于 {member.withdrawn_on} 退出本督导小组（回避），此链接已失效。"
        elif findings_step_waits(link):
            closed = ""
        else:
            closed = "该成员的督导情况已经提交（或本案已不在收集督导情况），此链接无需再使用。"
        return {"institution": inst.name, "batch_number": case.batch_number, "lead": lead,
                "planned": f"{chinese_date(si.planned_start)}至{chinese_date(si.planned_end)}", "matters": matter_rows,
                "ratings": rules.RATINGS, "member": f"{sup.name}（{sup.card_code}）", "closed": closed,
                # 督导小组成员: the whole team in draw order, the lead first and marked (withdrawn
                # members are no longer on it)
                "team": [{"name": x.name, "card_code": x.card_code, "is_lead": m.is_lead, "is_viewer": m.id == member.id}
                         for m, x in team],
                "not_before": _not_started(case, si),
                "self_report": self_report_view(s, si)}


def _not_started(case: InspectionCase, si: SpecialInspection) -> str:
    """Findings come from the site visit (第十五条（二）1 现场考察（核查）): before its planned start
    (the date stored on the case, which staff may move) nothing can be filed. The Chinese
    message, or "" once the visit may have begun."""
    today = case_today(case)
    if today < si.planned_start:
        return (f"现场考察（核查）计划于 {chinese_date(si.planned_start)}开始；现场督导开始前不能提交督导情况，"
                f"请于 {chinese_date(si.planned_start)}起填写（今天是 {chinese_date(today)}）。")
    return ""


def _link_member(link: PortalLink) -> int:
    """`findings-<member id>-<round>` → the member id."""
    return int(link.step_key.split("-")[1])


def findings_step_waits(link: PortalLink) -> bool:
    """Whether this link's answer is still awaited: the case open, the member's findings not yet
    taken by the run, and no earlier answer stored for the same step through the other link (the
    member's own, or the staff's 代录 — the run takes members in turn, so one may wait untaken for
    days). The earlier of two answers wins; the later resumes nothing."""
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        member = s.get(SpecialInspectionMember, _link_member(link))
        if case is None or case.status != "special_open" or member is None or member.findings_on is not None \
                or member.withdrawn_on is not None:
            return False
        stored = s.exec(select(PortalSubmission.link_id, PortalSubmission.received_at)
                        .join(PortalLink, PortalLink.id == PortalSubmission.link_id)
                        .where(PortalLink.case_id == link.case_id, PortalLink.step_key == link.step_key)).all()
        mine = next((at for link_id, at in stored if link_id == link.id), None)
        others = [at for link_id, at in stored if link_id != link.id]
        return not others if mine is None else not any(at < mine for at in others)


def check_portal_findings(link: PortalLink, answers: dict, staff_code: str = "") -> tuple[Refusal, dict]:
    """Before the portal stores a member's findings: the same rules as the run, writing nothing.
    The payload to store: the findings by matter number (and, for 代录, who entered them: staff
    of the agency that owns the case, proven by their staff code)."""
    refusal = Refusal()
    entered_by = ""
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == link.case_id)).one()
        expected = [m.matter_no for m in matters_of(s, si.id)]
        if too_early := _not_started(case, si):
            refusal.add(None, too_early)
        if link.recipient_kind == "staff":
            decider = staff.verify(s, case.agency_id, staff_code)
            if isinstance(decider, str):
                refusal.add(staff.CODE_FIELD, decider)
            else:
                entered_by = decider.label
    found = findings_problems(answers, expected, refusal)
    return refusal, {"findings": {str(no): f for no, f in found.items()}, "entered_by": entered_by}


def staff_findings_link(batch_number: str, card_code: str) -> portal_links.CreatedLink | str:
    """代录: a link to the member-findings page for agency staff entering the findings a member
    handed in on paper (or could not file); the page asks for their own staff code and the run
    takes the findings as the member's, marked 代录. The same link until it is used; after a
    refusal by the run, the link of the member's next round."""
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.batch_number == batch_number.strip())).first()
        si = case and s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).first()
        if si is None:
            return f"没有编号为“{batch_number}”的专项督导"
        if case.status != "special_open":
            return f"专项督导 {case.batch_number} 已不在办理中（{STAGE_NAMES.get(si.stage, si.stage)}），无需代录"
        found = [(m, x) for m, x in team_of(s, si.id) if x.card_code == card_code.strip().upper()]
        if not found:
            cards = "、".join(f"{x.name} {x.card_code}" for _, x in team_of(s, si.id))
            return f"证卡编码“{card_code}”不是本次督导小组成员（成员：{cards}）"
        member, sup = found[0]
        if member.findings_on is not None:
            return f"{sup.name} 的督导情况已于 {member.findings_on} 提交，无需代录"
        rounds = [int(k.rsplit("-", 1)[1]) for k in s.exec(select(PortalLink.step_key).where(
            PortalLink.case_id == case.id, PortalLink.kind == "member_findings",
            PortalLink.recipient_kind == "supervisor", col(PortalLink.step_key).startswith(f"findings-{member.id}-")))]
        step_key = f"findings-{member.id}-{max(rounds, default=1)}"
        agency = s.get(Agency, case.agency_id)
        inst = s.get(Institution, case.institution_id)
        return portal_links.create_link(
            s, portal_links.CaseStep(CASE_KIND, case.id, step_key, case.flow_run_id),
            portal_links.Recipient("staff", f"{agency.name}工作人员（代录 {sup.name} 的督导情况）", agency.email),
            contact(agency), f"专项督导督导情况（{inst.name}）· 代录",
            datetime.now(clock.tz()) + timedelta(days=7),
            f"委派机构工作人员按 {sup.name}（{sup.card_code}）交来的督导情况代为录入，并填写本人工作人员代码。",
            kind="member_findings", key=f"{CASE_KIND}:{case.id}:{step_key}:staff")


def findings_file_fields(link: PortalLink) -> set[str]:
    with session_scope() as s:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == link.case_id)).one()
        return {f"matter_{m.matter_no}" for m in matters_of(s, si.id)}


def _stored_findings(submission_id: int, flow_run_id: str, step_key: str) -> tuple[dict, str]:
    """The structured answers the portal stored for this run and step (checked to belong to them),
    and who entered them when staff did (代录)."""
    from procedures.portal.submissions import read_payload

    payload = read_payload(submission_id, flow_run_id, step_key)
    answers = {"unknown": []}
    for no, f in payload.get("findings", {}).items():
        answers |= {f"{name}_{no}": f.get(name, "") for name in FINDING_FIELDS}
    return answers, str(payload.get("entered_by", ""))


def record_findings(case_id: int, member_id: int, round_no: int, submission_id: int) -> Outcome:
    """One member's findings per matter; refused → a new link with the errors (nothing kept)."""
    step = f"findings-{member_id}-{round_no}"

    def judge(s: Session, case: InspectionCase, today: date, refusal: Refusal) -> bool:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
        member = s.get(SpecialInspectionMember, member_id)
        answers, entered_by = _stored_findings(submission_id, case.flow_run_id, step)
        found = findings_problems(answers, [m.matter_no for m in matters_of(s, si.id)], refusal)
        if refusal:
            return True
        for no, f in found.items():
            rating, facts, evidence = f["rating"], f["facts"], f["evidence"]
            s.add(SpecialInspectionFinding(special_id=si.id, supervisor_id=member.supervisor_id, matter_no=no,
                                           facts=facts, evidence=evidence, rating=rating, submission_id=submission_id))
        member.findings_on = today
        s.add(member)
        s.exec(update(SpecialInspectionDeadline).where(
            col(SpecialInspectionDeadline.special_id) == si.id,
            col(SpecialInspectionDeadline.step_key) == f"findings-{member_id}")
            .values(status="received", received_on=today, submission_id=submission_id))
        sup = s.get(Supervisor, member.supervisor_id)
        by_staff = f"（代录：{entered_by}）" if entered_by else ""
        add_event(s, case.id, f"findings-{member_id}", today,
                  f"督导小组成员 {sup.name} 提交督导情况（{len(found)} 项事项）{by_staff}")
        return True

    outcome = answer_once(case_id, step, "督导情况", judge)
    if not outcome.accepted:
        _reinvite_member(case_id, member_id, round_no + 1, outcome.errors)
    return outcome


def _reinvite_member(case_id: int, member_id: int, round_no: int, errors: list[str]) -> None:
    with session_scope() as s:
        case, si, inst, agency = load(s, case_id)
        member = s.get(SpecialInspectionMember, member_id)
        sup = s.get(Supervisor, member.supervisor_id)
        lead = next(f"{x.name}（{x.card_code}）" for m, x in team_of(s, si.id) if m.is_lead)
        inv = Invitation(f"findings-{member_id}-{round_no}", ("supervisor", sup.name, sup.email),
                         f"专项督导督导情况（{inst.name}，请重新提交）", case_today(case) + timedelta(days=7),
                         "上次提交未通过：" + "；".join(errors) + "。" + brief(s, si, inst, lead), "member_findings")
    invite(case, agency, inv)


