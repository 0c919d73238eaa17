"""Official working-day schedules declared by staff (`supervise calendar declare`), revision 0012.

One row per declaration; a year's newest row is its schedule (an earlier one stays as the
record of what was replaced). Stored in the database so every process — flows, the portal,
the sweep — sees a declaration at once; the shipped override file stays the default.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class CalendarDeclaration(SQLModel, table=True):
    __tablename__ = "calendar_declaration"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    notice_number: str = Field(max_length=64)  # 国办发明电〔2026〕N号
    notice_title: str = ""  # 国务院办公厅关于2027年部分节假日安排的通知
    days_off: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # ISO dates
    working_days: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # 调休上班
    declared_by: str = Field(max_length=64)
    declared_at: datetime
    replaces_id: int | None = Field(default=None, foreign_key="calendar_declaration.id")

    def off_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.days_off)

    def work_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.working_days)
