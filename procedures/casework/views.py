"""Small values a flow carries between its legs (pickled as persisted task results).

Unpickling them imports only this module, so a leg that replays cached tasks does not import
the procedures (and the working-day calendar, templates, mail) it does not run.
"""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Outcome:
    """The judgement of one answer to a form: accepted, or refused with errors (by field too)."""

    accepted: bool
    errors: list[str] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)
    final: bool = True  # False: accepted, but the same question is asked again (调查核实)


@dataclass(frozen=True)
class CaseView:
    case_id: int
    flow_run_id: str
    status: str
    batch_number: str
    refusal_reason: str = ""
    form_kind: str = ""
    institution: str = ""
    record_due: date | None = None
    record_due_reason: str = ""
    opened_on: date | None = None
    finding: str = ""  # why the session should not take place (第二十二条, 第二十三条)
    supervisors: tuple[str, ...] = ()  # "name（card）" of the dispatched supervisors

    @property
    def due_text(self) -> str:
        return str(self.record_due) if self.record_due else f"暂无法计算（{self.record_due_reason}）"
