"""The team as it is now (第十三条, 第十五条（二）): the member whose findings the run waits for next,
and a member withdrawn after the draw (a conflict declared late, `supervise special withdraw`):
staff withdraw them with their staff code and the reason, a replacement is drawn from the same
pool under the same rules (replayable from its seed), the lead passes on if the lead withdrew,
and the run stops waiting for the withdrawn member.
"""

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select

from adapters import clock
from adapters.db import session_scope
from models import (
    Agency,
    ConflictDeclaration,
    InspectionCase,
    Institution,
    PortalLink,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionMember,
    Supervisor,
)
from procedures.casework import dispatching, staff, unknown_dues
from procedures.casework.cases import add_event, case_today
from procedures.special.casefile import CASE_KIND, STAGE_NAMES, team_of
from procedures.special.notices import Invitation, brief, invite
from procedures.special.opening import history
from procedures.special.views import Member
from procedures.special.windows import FINDINGS_WORKING_DAYS, has_submission, window_end
from regulation import special_inspection as rules
from regulation.reasons import RuleViolation
from regulation.recusal import SessionPeople

WITHDRAWABLE_STAGES = ("notices", "self_report", "findings")


@dataclass(frozen=True)
class Withdrawal:
    text: str  # what happened, in Chinese (the timeline's line)
    replacement: Member
    resumed: str  # the run's resume outcome: resumed | not_waiting


def next_member(case_id: int) -> int | None:
    """The member whose findings the run waits for next: the first in draw order still on the
    team whose findings are not taken. A read, so a replay follows the team as it is now."""
    with session_scope() as s:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case_id)).one()
        waiting = [m.id for m, _ in sorted(team_of(s, si.id), key=lambda mx: mx[0].position)
                   if m.findings_on is None]
        return waiting[0] if waiting else None


def is_withdrawn(member_id: int) -> bool:
    """Whether staff withdrew this member (第十三条): the run no longer waits for their findings."""
    with session_scope() as s:
        return s.get(SpecialInspectionMember, member_id).withdrawn_on is not None


def withdraw_member(batch_number: str, card_code: str, reason: str, staff_code: str) -> Withdrawal | str:
    """第十三条: a team member who declares a conflict after the draw is withdrawn by staff (their
    staff code, the reason) and replaced by a new draw from the same pool under the same rules;
    the conflict is recorded (so no later draw sends them there), the member's links close, the
    replacement gets the brief and a link, and the run stops waiting for the withdrawn member.
    Only before the member's findings are in. Refused (nothing written) with the reason."""
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.batch_number == batch_number.strip())).first()
        si = case and s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).first()
        if si is None:
            return f"案件编号：没有编号为“{batch_number}”的专项督导"
        if case.status != "special_open" or si.stage not in WITHDRAWABLE_STAGES:
            return (f"专项督导 {case.batch_number} 已进入“{STAGE_NAMES.get(si.stage, si.stage)}”，"
                    "督导小组成员的督导情况已齐，不能再撤回成员")
        team = team_of(s, si.id)
        found = [(m, x) for m, x in team if x.card_code == card_code.strip().upper()]
        if not found:
            cards = "、".join(f"{x.name} {x.card_code}" for _, x in team)
            return f"证卡编码：“{card_code}”不是本督导小组的在组成员（成员：{cards}）"
        member, sup = found[0]
        if member.findings_on is not None or has_submission(s, case.id, f"findings-{member.id}"):
            return f"{sup.name} 的督导情况已经提交，不能撤回（第十三条的回避应在督导前提出）"
        if not reason.strip():
            return "撤回理由：未填写（如 与该机构存在第十三条规定的利害关系）"
        decider = staff.verify(s, case.agency_id, staff_code)
        if isinstance(decider, str):
            return f"工作人员代码：{decider}"
        today = case_today(case)
        agency, inst = s.get(Agency, case.agency_id), s.get(Institution, case.institution_id)
        everyone = list(s.exec(select(SpecialInspectionMember).where(SpecialInspectionMember.special_id == si.id)))
        number = sum(1 for m in everyone if m.withdrawn_on is not None) + 1
        seed = f"{si.draw_seed}:replace-{number}"
        remaining = [(m, x) for m, x in team if m.id != member.id]
        facts = dispatching.agency_facts(s, agency)
        from regulation.dispatch import DispatchPool

        pool = DispatchPool(facts, dispatching.supervisor_facts(s, dispatching.issuer_pool(s, facts)), today)
        conflicts = dispatching.declared_conflicts(s, inst.id) | {sup.person_key}  # their conflict, now declared
        try:
            draw = rules.draw_replacement(
                pool, dispatching.institution_facts(inst), SessionPeople(f"special:{case.flow_run_id}", str(inst.id), today),
                seed, frozenset(conflicts), history(s, inst.id, today), frozenset(m.card_code for m in everyone),
                frozenset(x.employer.strip() for _, x in remaining))
        except RuleViolation as exc:
            return f"无法替补：{exc}；{sup.name} 未撤回"
        if s.exec(select(ConflictDeclaration).where(ConflictDeclaration.supervisor_id == sup.id,
                                                    ConflictDeclaration.institution_id == inst.id)).first() is None:
            s.add(ConflictDeclaration(supervisor_id=sup.id, institution_id=inst.id, declared_on=today,
                                      reason=reason.strip()))
        member.withdrawn_on, member.withdrawn_reason, member.withdrawn_by = today, reason.strip(), decider.label
        was_lead, member.is_lead = member.is_lead, False
        s.add(member)
        new = SpecialInspectionMember(special_id=si.id, supervisor_id=int(draw.chosen_ids[0]), card_code=draw.chosen[0],
                                      position=max(m.position for m in everyone) + 1, appointed_on=today,
                                      replaces_id=member.id)
        s.add(new)
        s.flush()
        if was_lead:  # the first drawn leads: the lead passes to the first remaining member in draw order
            heir = min([m for m, _ in remaining] + [new], key=lambda m: m.position)
            heir.is_lead = True
            s.add(heir)
        findings = s.exec(select(SpecialInspectionDeadline).where(
            SpecialInspectionDeadline.special_id == si.id,
            SpecialInspectionDeadline.step_key == f"findings-{member.id}")).first()
        if findings is not None:
            findings.status, findings.closed_on = "withdrawn", today
            s.add(findings)
        findings_due, findings_reason = window_end(s, si, si.planned_end, FINDINGS_WORKING_DAYS, "findings")
        s.add(SpecialInspectionDeadline(special_id=si.id, kind="findings", step_key=f"findings-{new.id}",
                                        opened_on=today, due=findings_due,
                                        working_days=FINDINGS_WORKING_DAYS, due_reason=findings_reason))
        # the withdrawn member's links (their own and any 代录 link) close now
        s.exec(update(PortalLink).where(col(PortalLink.case_kind) == CASE_KIND, col(PortalLink.case_id) == case.id,
                                        col(PortalLink.step_key).like(f"findings-{member.id}-%"))
               .values(expires_at=clock.now()))
        replacement = s.get(Supervisor, new.supervisor_id)
        lead = next(f"{x.name}（{x.card_code}）" for m, x in team_of(s, si.id) if m.is_lead)
        text = (f"督导小组成员 {sup.name}（{sup.card_code}）因回避（第十三条：{reason.strip()}）由 {decider.label} 撤回；"
                f"从同一人员库重新随机抽取 {replacement.name}（{replacement.card_code}）替补（种子 {seed}，候选 "
                f"{len(draw.candidates)} 名，候选哈希 {draw.candidates_hash[:12]}…）"
                + (f"；组长改由 {lead} 担任" if was_lead else ""))
        add_event(s, case.id, f"withdrawn-{member.id}", today, text)
        inv = Invitation(f"findings-{new.id}-1", ("supervisor", replacement.name, replacement.email),
                         f"专项督导督导情况（{inst.name}）", findings_due,
                         brief(s, si, inst, lead) + "提交期限为现场督导结束后2个工作日内"
                         + ("" if findings_due else f"（{unknown_dues.words(None, findings_reason)}）") + "。",
                         "member_findings", unknown_dues.provisional_end(si.planned_end, FINDINGS_WORKING_DAYS))
        view = Member(new.id, replacement.name, replacement.card_code, new.is_lead)
        run_id, member_id = case.flow_run_id, member.id
    invite(case, agency, inv)
    return Withdrawal(text, view, stop_waiting(run_id, member_id))


def stop_waiting(run_id: str, member_id: int) -> str:
    """If the run waits for the withdrawn member's findings, resume it with "nothing" (submission
    0): it moves on to the next member; a run waiting elsewhere skips them when it gets there.
    Marked done on the withdrawn member's findings window; when Prefect is down (or the form is
    not stored yet) the daily sweep tries again."""
    import time as _time

    from adapters import prefect_resume

    outcome = "pending"
    for _ in range(20):  # a run suspended ~100 ms before its form schema is stored: wait for it
        result = prefect_resume.resume_family(run_id, f"findings-{member_id}", {"submission_id": 0})
        if result.outcome == "not_ready" and "schema" in result.detail:
            _time.sleep(0.5)
            continue
        outcome = {"resumed": "resumed", "already": "not_waiting", "not_ready": "not_waiting"}.get(result.outcome,
                                                                                                  "pending")
        break
    if outcome != "pending":
        with session_scope() as s:
            s.exec(update(SpecialInspectionDeadline).where(
                col(SpecialInspectionDeadline.step_key) == f"findings-{member_id}",
                col(SpecialInspectionDeadline.status) == "withdrawn").values(resumed=True))
    return outcome
