"""The special inspection's windows (第十五条（二）): the institution's 自评（自查）报告, each member's
findings, the rebuttal (申辩) and the rectification report (整改工作报告) each have a row in
special_inspection_deadline: opened with its last day counted in working days on the agency's
calendar (期限待定, with its reason, in a year not yet declared), taken when something comes in,
closed by the daily sweep (sweep.py) when nothing did.
"""

from datetime import date

from sqlmodel import Session, col, select

from models import (
    Agency,
    InspectionCase,
    PortalLink,
    PortalSubmission,
    SpecialInspection,
    SpecialInspectionDeadline,
)
from procedures.casework import unknown_dues
from procedures.special.casefile import CASE_KIND
from regulation import special_inspection as rules

FINDINGS_WORKING_DAYS = 2  # interpretation: like the record form (第十七条), after the planned end
WINDOW_NAMES = {"self_report": "自评（自查）报告提交期限", "rebuttal": "申辩意见提交期限",
                "report": "整改工作报告提交期限", "findings": "督导情况提交期限"}


def open_window(s: Session, si: SpecialInspection, kind: str, step_key: str, today: date, days: int) -> date | None:
    """The window's last day; None (期限待定, reason on the row) in a year not yet declared."""
    row = s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == si.id,
                                                         SpecialInspectionDeadline.step_key == step_key)).first()
    if row is None:
        row = SpecialInspectionDeadline(special_id=si.id, kind=kind, step_key=step_key, opened_on=today,
                                        working_days=days)
        row.due, row.due_reason = window_end(s, si, today, days, kind)
        s.add(row)
        s.flush()
    return row.due


def window_end(s: Session, si: SpecialInspection, today: date, days: int, kind: str) -> tuple[date | None, str]:
    """The last day of `days` working days from `today` on the agency's calendar, or (None, why)."""
    case = s.get(InspectionCase, si.case_id)
    return unknown_dues.due_or_unknown(s, s.get(Agency, case.agency_id), lambda cal: rules.window_end(today, days, cal),
                                       WINDOW_NAMES[kind], f"专项督导 {case.batch_number}", case.id)


def window_words(s: Session, si: SpecialInspection, step_key: str) -> str:
    """A window's last day as its letter states it (期限待定 with when it will be known)."""
    row = s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == si.id,
                                                         SpecialInspectionDeadline.step_key == step_key)).one()
    return unknown_dues.words(row.due, row.due_reason)


def take_window(s: Session, si: SpecialInspection, step_key: str, submission_id: int | None, today: date) -> bool:
    """Mark a window answered (a submission) or closed (None: the sweep closed it). True when a
    submission came in."""
    row = s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == si.id,
                                                         SpecialInspectionDeadline.step_key == step_key)).one()
    if submission_id:
        row.status, row.received_on, row.submission_id = "received", today, submission_id
        s.add(row)
        return True
    return False


def has_submission(s: Session, case_id: int, step_key: str) -> bool:
    """Something came in for this step (a member's findings: in any round)."""
    step = col(PortalLink.step_key).like(f"{step_key}-%") if step_key.startswith("findings-") \
        else PortalLink.step_key == step_key
    return s.exec(select(PortalSubmission.id).join(PortalLink, PortalLink.id == PortalSubmission.link_id).where(
        PortalLink.case_kind == CASE_KIND, PortalLink.case_id == case_id, step)).first() is not None
