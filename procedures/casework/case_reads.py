"""Cheap reads a flow makes in its body on every leg (where the case stands, what a form
shows, the run's name): the database and the models only, nothing of the rules."""

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.settings import get_settings
from models import (
    Dispatch,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    Supervisor,
)
from procedures.casework.views import CaseView


def _view(s: Session, case: InspectionCase) -> CaseView:
    sess = s.get(EvaluationSession, case.session_id) if case.session_id else None
    inst = s.get(Institution, case.institution_id) if case.institution_id else None
    sups = s.exec(select(Supervisor.name, Supervisor.card_code).join(Dispatch, Dispatch.supervisor_id == Supervisor.id)
                  .where(Dispatch.case_id == case.id).order_by(Dispatch.id)) if case.id else []
    return CaseView(case.id, case.flow_run_id, case.status, case.batch_number, case.refusal_reason,
                    sess.form_kind if sess else "", inst.name if inst else "", case.record_due,
                    case.record_due_reason, case.opened_on, case.proposal.get("finding", ""),
                    tuple(f"{n}（{c}）" for n, c in sups))


def view(case_id: int) -> CaseView:
    with session_scope() as s:
        return _view(s, s.get(InspectionCase, case_id))


def run_name(batch_number: str) -> str:
    """The flow run's name: the batch and the institution, so the run list can be searched."""
    with session_scope() as s:
        row = s.exec(select(Institution.name).join(EvaluationSession, EvaluationSession.institution_id == Institution.id)
                     .where(EvaluationSession.batch_number == batch_number)).first()
    return f"{batch_number} · {row or '批次不存在'}"


def decision_context(case_id: int) -> dict:
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_id)).one()
        return {"proposal": dict(case.proposal), "verdict": record.verdict,
                "supervisor_verdict": record.supervisor_verdict, "has_problems": bool(record.failed_items
                                                                                       or record.veto_hits),
                "negative_count": record.negative_count, "item_count": record.item_count,
                "verifications": list(case.verifications), "report_days": get_settings().report_due_days}
