"""The shape every statistic of the desk takes (issue 18 part 3): a titled table whose first
column labels its rows, which value columns a chart draws, and whether it is personal (第八条: a
supervisor's own figures go to the agency that appointed them only); the page, the CSV files, the
.docx and the .xlsx of the year's report all print these, so their numbers are the same.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func

from procedures.desk.statistics_scope import Period, Scope


@dataclass(frozen=True)
class Table:
    key: str  # the CSV file's and the sheet's name
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    chart: tuple[int, ...] = ()  # value columns drawn as bars against column 0; () no chart
    note: str = ""
    personal: bool = False  # a supervisor's own figures: the appointing agency only (第八条)

    def value(self, label, column: str):
        """The cell in the row whose first cell is `label`, under `column` (tests, headlines)."""
        index = self.columns.index(column)
        for row in self.rows:
            if row[0] == label:
                return row[index]
        raise KeyError(f"{self.key}: no row {label!r}")


@dataclass(frozen=True)
class Statistics:
    viewer_id: str
    period: Period
    scope: Scope
    as_of: date
    tables: tuple[Table, ...] = field(default_factory=tuple)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"
