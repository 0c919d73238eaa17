"""What every case-based procedure shares: its "today", its timeline, its links, and answering
a suspended form exactly once.

Each function takes or opens one transaction; every write carries a database key (the case
and an event key, the case and a pause key), so a flow replayed from the top writes nothing twice.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from adapters.markdown_text import inert
from adapters.settings import get_settings
from models import CaseEvent, FormSubmission, InspectionCase
from procedures.casework.views import Outcome

# Every status an InspectionCase takes; terminal ones end the flow run (issue 7's checker).
STATUS_NAMES = {
    "open": "已发起", "dispatching": "委派中", "awaiting_go_ahead": "待决定是否委派（发现违规线索）",
    "awaiting_record": "待提交记录表", "awaiting_confirmation": "待其他督导员确认记录表",
    "awaiting_decision": "待处理决定", "refused": "已拒绝", "closed": "已结案",
    "special_open": "专项督导进行中",  # a special inspection's case file (its stage: special_inspection.stage)
}
TERMINAL_STATUSES = ("refused", "closed")


class Refusal(list):
    """Errors collected while judging a form: each a message, most tied to a form field."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def add(self, field_name: str | None, message: str) -> None:
        self.append(message)
        if field_name:
            self.fields[field_name] = (self.fields[field_name] + "；" + message) if field_name in self.fields \
                else message


def case_today(case: InspectionCase) -> date:
    """The case's "today": the real date shifted by the offset fixed when it opened (as_of)."""
    return clock.today() + timedelta(days=case.clock_offset_days)


def local_date(moment: datetime) -> date:
    return moment.astimezone(clock.tz()).date()


def local_time(moment: datetime) -> datetime:
    """A stored moment in the agency's time zone (Beijing time), as pages and mails show it."""
    return moment.astimezone(clock.tz())


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD answer as a date, or None when it is not one."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def run_url(flow_run_id: str) -> str:
    """The run's page in Prefect's new UI (/v2), the one staff use (README): the classic UI, where
    a bare /runs/… address leads, clips the form header and shows the staff code unmasked."""
    return f"{get_settings().prefect_ui_url.rstrip('/')}/v2/runs/flow-run/{flow_run_id}"


def add_event(s: Session, case_id: int, key: str, on: date, text: str) -> None:
    if s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.key == key)).first() is None:
        s.add(CaseEvent(case_id=case_id, key=key, on=on, text=text))


def answer_once(case_id: int, pause_key: str, label: str,
                judge: Callable[[Session, InspectionCase, date, Refusal], bool]) -> Outcome:
    """Judge one answer to a form once: a replay reads the stored outcome and never judges
    again (the clock, or the data a check reads, may have moved since). `judge` adds its
    refusals to the Refusal it is given, writes only when there are none, and returns whether
    the answer was final."""
    with session_scope() as s:
        prior = s.exec(select(FormSubmission).where(FormSubmission.case_id == case_id,
                                                    FormSubmission.pause_key == pause_key)).first()
        if prior:
            return Outcome(prior.accepted, prior.errors, prior.field_errors, prior.final)
        case = s.get(InspectionCase, case_id)
        today = case_today(case)
        refusal = Refusal()
        final = judge(s, case, today, refusal)
        final = bool(final) or bool(refusal)
        if refusal:
            s.rollback()  # nothing of a refused answer is written but its refusal
            add_event(s, case_id, f"refused-{pause_key}", today, f"{label}被退回（{len(refusal)} 处问题），已请重新填写")
        s.add(FormSubmission(case_id=case_id, pause_key=pause_key, accepted=not refusal, errors=list(refusal),
                             field_errors=dict(refusal.fields), final=final,
                             received_on=clock.today()))  # the true date received, not the business date
        return Outcome(not refusal, list(refusal), dict(refusal.fields), final)


def timeline_markdown(case_id: int) -> str:
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        rows = "\n".join(f"| {e.on} | {inert(e.text)} |" for e in events)  # names, reasons: outside text
        return (f"# 日常督导案卷：{inert(case.batch_number)}\n\n状态：**{STATUS_NAMES[case.status]}**\n\n"
                f"| 日期 | 事项 |\n|---|---|\n{rows}\n")
