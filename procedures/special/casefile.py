"""The special inspection's case file, read by every step (专项督导, 第十五条（二）, 第十四条).

The case file is an `inspection_case` row (status special_open → closed | refused) that the
shared machinery keys on (timeline, documents and their numbers, outbox, answer-once, pending
cases); `special_inspection` holds the stage:
  notices → self_report → findings → consolidation → approval → rebuttal → weighing → report
  → review → closed (or referred: a sanction case opened, 第二十二条（六）/第二十七条（三）).

Each operation of the steps is one transaction, idempotent by a database key (the flow run id,
a pause key, a link key, a document key), so a flow replayed from the top changes nothing twice.
Rules come from regulation.special_inspection; the steps read, decide through them, and write.
"""

from sqlmodel import Session, col, select

from models import (
    Agency,
    InspectionCase,
    Institution,
    SpecialInspection,
    SpecialInspectionMatter,
    SpecialInspectionMember,
    Supervisor,
)
from procedures.special.views import Member, SpecialView
from regulation import special_inspection as rules

CASE_KIND = "special_inspection"  # portal links, case numbers, evidence: keyed by it
STAGE_NAMES = {
    "notices": "已发通知", "self_report": "待自评报告", "findings": "待督导小组成员提交督导情况",
    "consolidation": "待组长形成初步督导意见", "approval": "待审核初步督导意见", "rebuttal": "待评价机构申辩",
    "weighing": "待综合分析申辩意见", "report": "待整改工作报告", "review": "待审核整改工作报告",
    "closed": "已结案", "referred": "已转处理程序",
}


def load(s: Session, case_id: int) -> tuple[InspectionCase, SpecialInspection, Institution, Agency]:
    """The case, its special-inspection row, the institution and the agency."""
    case = s.get(InspectionCase, case_id)
    si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case_id)).one()
    return case, si, s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)


def team_of(s: Session, special_id: int) -> list[tuple[SpecialInspectionMember, Supervisor]]:
    """The team as it is now (withdrawn members left out), the lead first, then in draw order."""
    return list(s.exec(select(SpecialInspectionMember, Supervisor)
                       .join(Supervisor, Supervisor.id == SpecialInspectionMember.supervisor_id)
                       .where(SpecialInspectionMember.special_id == special_id,
                              col(SpecialInspectionMember.withdrawn_on).is_(None))  # 第十三条: withdrawn, replaced
                       .order_by(col(SpecialInspectionMember.is_lead).desc(), SpecialInspectionMember.position)))


def matters_of(s: Session, special_id: int) -> list[SpecialInspectionMatter]:
    return list(s.exec(select(SpecialInspectionMatter).where(SpecialInspectionMatter.special_id == special_id)
                       .order_by(SpecialInspectionMatter.matter_no)))


def matter_label(no: int) -> str:
    """第十四条（二）备案范围: a matter as the regulation names it."""
    return str(rules.matters()[no - 1])


def view_of(s: Session, case: InspectionCase) -> SpecialView:
    """What the flow carries between its legs (procedures.special.views)."""
    si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
    inst = s.get(Institution, case.institution_id)
    return SpecialView(case.id, si.id, case.flow_run_id, case.status, si.stage, inst.name, case.refusal_reason,
                       tuple(matter_label(m.matter_no) for m in matters_of(s, si.id)),
                       tuple(Member(m.id, sup.name, sup.card_code, m.is_lead) for m, sup in team_of(s, si.id)),
                       case.batch_number)


def note_decider(si: SpecialInspection, step: str, label: str) -> None:
    """A staff decision's decider (name and role from the staff code), kept with its pause key."""
    si.decided_by = dict(si.decided_by) | {step: label}
