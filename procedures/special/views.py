"""Small values the special-inspection flow carries between its legs (pickled as persisted task
results); unpickling them imports only this module."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Member:
    member_id: int
    name: str
    card_code: str
    is_lead: bool


@dataclass(frozen=True)
class SpecialView:
    case_id: int  # the inspection_case row (0 when refused: nothing was stored)
    special_id: int
    flow_run_id: str
    status: str  # special_open | closed | refused
    stage: str
    institution: str = ""
    refusal_reason: str = ""
    matters: tuple[str, ...] = ()
    members: tuple[Member, ...] = field(default_factory=tuple)
    number: str = ""  # the case's name, e.g. 专项督导-CITY-A-2026-1 (from 1 per agency and year)

    @property
    def lead(self) -> Member:
        return next(m for m in self.members if m.is_lead)
