"""Step 4 of the special inspection: the lead's draft opinion (第十五条（二）2 评议自评报告和现场情况，
形成初步督导意见; 1 听取意见).

Once every member's findings are in, the lead gets a portal link (lead_consolidation): each matter
verbatim with every member's findings on it and the institution's self-report, the rating the
system proposes (the worst of the members', 第十五条（二）2), the lead's rating with a reason where
it differs, and the hearing (听取意见). `consolidation_problems` is the one check: the portal's
before it stores the form, the run's when it takes it. Refused, or returned by staff: the lead
gets the next round's link with the reasons.
"""

import re
from datetime import date, timedelta

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.templates import chinese_date
from models import InspectionCase, PortalLink, SpecialInspection, SpecialInspectionFinding
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal, add_event, answer_once, case_today
from procedures.casework.views import Outcome
from procedures.special.casefile import load, matter_label, matters_of, team_of
from procedures.special.findings import self_report_view
from procedures.special.notices import Invitation, invite
from regulation import special_inspection as rules

_CONSOLIDATION_FIELD = re.compile(r"(rating|reason)_([0-9]{1,2})")


CONSOLIDATION_DAYS = 7


def invite_lead(case_id: int, round_no: int, returned: str = "") -> None:
    """The lead consolidates the members' findings (and records 听取意见) into the draft."""
    with session_scope() as s:
        case, si, inst, agency = load(s, case_id)
        lead_m, lead = next((m, x) for m, x in team_of(s, si.id) if m.is_lead)
        proposal = "；".join(f"{matter_label(no)}：{rating}" for no, rating in _worst_ratings(s, si).items())
        si.stage = "consolidation"
        s.add(si)
        # 7 days for the lead (our practice, no article): a last day on a day off moves to the next
        # working day (民法典第二百零三条), as every period does; an undeclared year keeps the 7th day.
        due = case_today(case) + timedelta(days=CONSOLIDATION_DAYS)
        due = unknown_dues.staff_last_day(s, due)[0] or due
        inv = Invitation(f"consolidation-{round_no}", ("supervisor", lead.name, lead.email),
                         f"专项督导初步督导意见（{inst.name}）", due,
                         (f"退回修改：{returned}。" if returned else "")
                         + f"督导小组成员的督导情况已齐。系统拟定的评定（取成员中最差的评定）：{proposal}。"
                         "请在页面中查看各成员的督导情况，填写听取意见的情况，确认或改变各事项的评定"
                         "（改变的须写明理由）。", "lead_consolidation")
    invite(case, agency, inv)


def _worst_ratings(s: Session, si: SpecialInspection) -> dict[int, str]:
    by_matter: dict[int, list[str]] = {}
    for f in s.exec(select(SpecialInspectionFinding).where(SpecialInspectionFinding.special_id == si.id)):
        by_matter.setdefault(f.matter_no, []).append(f.rating)
    return {m.matter_no: rules.consolidate(by_matter[m.matter_no]) for m in matters_of(s, si.id)}


def consolidation_answers(fields: dict[str, list[str]]) -> dict:
    """The lead's form → answers (hearing, rating_6, reason_6 …); other names kept under "unknown"."""
    answers: dict = {"unknown": []}
    for name, values in fields.items():
        value = (values or [""])[0].strip()
        if name == "hearing" or _CONSOLIDATION_FIELD.fullmatch(name):
            if value:
                answers[name] = value
        else:
            answers["unknown"].append(name)
    return answers


def consolidation_problems(answers: dict, proposed: dict[int, str], refusal: Refusal) -> tuple[str, dict]:
    """第十五条（二）1–2: the lead records 听取意见 and settles each matter's rating; the system
    proposes the worst of the members' ratings, and a different rating needs its reason. The one
    implementation, used by the portal before storing and by the run when it takes the answers.
    Returns the hearing notes and the changed ratings {matter: (rating, reason)}."""
    for name in answers.get("unknown", []):
        refusal.add(None, f"表单含有未知的项目“{name[:40]}”，请重新打开链接填写")
    hearing = str(answers.get("hearing", "")).strip()
    if not hearing:
        refusal.add("hearing", "「听取意见」：未填写。请写明现场听取评价机构意见的情况（第十五条（二）1）")
    for name in answers:
        m = _CONSOLIDATION_FIELD.fullmatch(name)
        if m and int(m.group(2)) not in proposed:
            refusal.add(None, f"督导事项 {m.group(2)}：不是本次督导事项")
    changes = {}
    for no, worst in proposed.items():
        label = matter_label(no)
        rating = str(answers.get(f"rating_{no}", "")).strip() or worst
        reason = str(answers.get(f"reason_{no}", "")).strip()
        if rating not in rules.RATINGS:
            refusal.add(f"rating_{no}", f"{label}「评定」：请选择 {'/'.join(rules.RATINGS)} 之一")
        elif rating != worst and not reason:
            refusal.add(f"reason_{no}", f"{label}「理由」：评定由拟定的“{worst}”改为“{rating}”的，应写明理由")
        elif rating != worst:
            changes[no] = (rating, reason)
    return hearing, changes


def consolidation_context(link: PortalLink) -> dict:
    """What the lead sees: each matter verbatim, every member's findings on it, the proposed rating."""
    with session_scope() as s:
        case, si, inst, _ = load(s, link.case_id)
        names = {m.supervisor_id: f"{x.name}{'（组长）' if m.is_lead else ''}" for m, x in team_of(s, si.id)}
        by_matter: dict[int, list[dict]] = {}
        for f in s.exec(select(SpecialInspectionFinding).where(SpecialInspectionFinding.special_id == si.id)
                        .order_by(SpecialInspectionFinding.id)):
            by_matter.setdefault(f.matter_no, []).append(
                {"member": names.get(f.supervisor_id, ""), "rating": f.rating, "facts": f.facts, "evidence": f.evidence})
        proposed = _worst_ratings(s, si)
        matters = [{"row": rules.matters()[no - 1], "no": no, "proposed": proposed[no], "findings": by_matter.get(no, [])}
                   for no in proposed]
        waits = case.status == "special_open" and si.stage == "consolidation"
        return {"institution": inst.name, "batch_number": case.batch_number,
                "planned": f"{chinese_date(si.planned_start)}至{chinese_date(si.planned_end)}", "matters": matters, "ratings": rules.RATINGS,
                "closed": "" if waits else "初步督导意见已经提交（或本案已不在此环节），此链接无需再使用。",
                "self_report": self_report_view(s, si)}


def consolidation_step_waits(link: PortalLink) -> bool:
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == link.case_id)).first()
        return case is not None and si is not None and case.status == "special_open" and si.stage == "consolidation"


def check_portal_consolidation(link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    """Before the portal stores the lead's consolidation: the run's own rule, writing nothing."""
    refusal = Refusal()
    with session_scope() as s:
        _, si, _, _ = load(s, link.case_id)
        proposed = _worst_ratings(s, si)
    hearing, changes = consolidation_problems(answers, proposed, refusal)
    return refusal, {"hearing": hearing,
                     "changes": {str(no): {"rating": r, "reason": why} for no, (r, why) in changes.items()}}


def _stored_consolidation(submission_id: int, flow_run_id: str, step_key: str) -> dict:
    from procedures.portal.submissions import read_payload

    payload = read_payload(submission_id, flow_run_id, step_key)
    answers = {"unknown": [], "hearing": payload.get("hearing", "")}
    for no, c in payload.get("changes", {}).items():
        answers |= {f"rating_{no}": c.get("rating", ""), f"reason_{no}": c.get("reason", "")}
    return answers


def record_consolidation(case_id: int, round_no: int, submission_id: int) -> Outcome:
    step = f"consolidation-{round_no}"

    def judge(s: Session, case: InspectionCase, today: date, refusal: Refusal) -> bool:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
        worst = _worst_ratings(s, si)
        hearing, changes = consolidation_problems(_stored_consolidation(submission_id, case.flow_run_id, step),
                                                  worst, refusal)
        if refusal:
            return True
        for matter in matters_of(s, si.id):
            rating, why = changes.get(matter.matter_no, (worst[matter.matter_no], ""))
            matter.draft_rating, matter.draft_change_reason = rating, why
            s.add(matter)
        si.hearing_notes, si.stage = hearing, "approval"
        s.add(si)
        add_event(s, case.id, f"consolidation-{round_no}", today,
                  f"组长形成初步督导意见（听取意见已记录{f'；改变评定 {len(changes)} 项' if changes else ''}），待委派机构审核")
        return True

    outcome = answer_once(case_id, step, "初步督导意见", judge)
    if not outcome.accepted:
        invite_lead(case_id, round_no + 1, "；".join(outcome.errors))
    return outcome
