"""What the special inspection (第十五条（二）) shows of itself: the view the flow carries between its legs, the
stage in Chinese, the run's name (the case's number and the institution: the Prefect UI,
`supervise runs`), and the case timeline artifact — every event, the numbered letters, who
decided each staff step, the evidence files (the agency's only, 第八条).
"""

from sqlmodel import select

from adapters.db import session_scope
from adapters.markdown_text import inert
from models import InspectionCase, Institution
from procedures.special.casefile import STAGE_NAMES, load, view_of
from procedures.special.views import SpecialView


def run_name(number: str, institution: str) -> str:
    """The run's name once its case is open (the Prefect UI, `supervise runs`, the service log)."""
    return f"{number} · {institution}"  # the number reads 专项督导-CITY-A-2026-1


def run_name_of(flow_run_id: str) -> str:
    """The name of the run that owns an open special inspection, or "" (no case yet, refused, no database)."""
    try:
        with session_scope() as s:
            case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == flow_run_id)).first()
            if case is None or case.status == "refused" or not case.batch_number:
                return ""
            return run_name(case.batch_number, s.get(Institution, case.institution_id).name)
    except Exception:  # noqa: BLE001  a name is never worth failing a run for
        return ""


def view(case_id: int) -> SpecialView:
    """The case as the flow carries it: status, stage, matters, the team as it is now."""
    with session_scope() as s:
        return view_of(s, s.get(InspectionCase, case_id))


def stage(case_id: int) -> str:
    """Where the case stands, in Chinese."""
    with session_scope() as s:
        code = load(s, case_id)[1].stage
        return STAGE_NAMES.get(code, code)


_STEP_NAMES = {"approval": "初步督导意见审核", "weighing": "申辩意见综合分析", "review": "整改工作报告审核"}


def _step_name(pause_key: str) -> str:
    """A staff form's pause key (approval-1-2, review-2-1) as staff read it: the step and its round."""
    kind, _, rest = pause_key.partition("-")
    name = _STEP_NAMES.get(kind, pause_key)
    round_no = rest.split("-")[0] if rest else ""
    return f"{name}（第{round_no}次）" if kind in ("approval", "review") and round_no else name


def timeline_markdown(case_id: int) -> str:
    """The case file as the agency reads it (the run's last artifact)."""
    from models import CaseEvent, Document

    with session_scope() as s:
        case, si, inst, _ = load(s, case_id)
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        rows = "\n".join(f"| {e.on} | {inert(e.text)} |" for e in events)
        docs = "\n".join(f"- {inert(d.number)}《{inert(d.title)}》" for d in
                         s.exec(select(Document).where(Document.case_id == case_id).order_by(Document.id)))
        decided = "\n".join(f"- {_step_name(k)}：{inert(v)}" for k, v in si.decided_by.items() if k != "report_days")
        text = (f"# 专项督导案卷：{inert(case.batch_number)}（{inert(inst.name)}）\n\n状态：**{STAGE_NAMES.get(si.stage, si.stage)}**"
                f"\n\n| 日期 | 事项 |\n|---|---|\n{rows}\n\n## 文书\n{docs or '—'}\n\n## 决定人\n{decided or '—'}\n")
    from procedures.portal import evidence

    return text + "\n" + "\n".join(evidence.markdown(evidence.case_files(case_id), case_id))
