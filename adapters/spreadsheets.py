"""Excel (.xlsx) I/O for rosters, with openpyxl. Layout comes from procedures.rosters.schema;
this module only writes and reads cells (write-only / read-only modes, so a province-sized
file streams in constant memory)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

MAX_ROWS = 1_048_576
HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class SheetSpec:
    """What a writer needs to know about one data sheet (built from a roster layout)."""

    title: str
    headers: list[str]
    required: list[bool]
    widths: list[int]
    as_text: list[bool]
    choices: list[tuple[str, ...]]


def _cell(ws, value: Any, text_format: bool, font=None, fill=None):
    c = WriteOnlyCell(ws, value=value)
    if text_format:
        c.number_format = "@"
    elif isinstance(value, datetime):
        c.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        c.number_format = "yyyy-mm-dd"
    if font:
        c.font = font
    if fill:
        c.fill = fill
    return c


def write_roster(path: Path, spec: SheetSpec, rows: Iterable[list[Any]],
                 help_title: str, help_rows: list[list[str]]) -> int:
    """Write the data sheet (headers, rows, validations) and the help sheet; returns rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.title)
    ws.freeze_panes = "A2"
    for i, width in enumerate(spec.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i, options in enumerate(spec.choices, start=1):
        if options:
            letter = get_column_letter(i)
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="取值无效",
                                error=f"请从下拉列表中选择：{'/'.join(options)}")
            dv.add(f"{letter}2:{letter}{MAX_ROWS}")
            ws.data_validations.append(dv)
    ws.append([_cell(ws, h, False, HEADER_FONT, REQUIRED_FILL if r else OPTIONAL_FILL)
               for h, r in zip(spec.headers, spec.required, strict=True)])
    n = 0
    for row in rows:
        ws.append([_cell(ws, v, t and v not in (None, "")) for v, t in zip(row, spec.as_text, strict=True)])
        n += 1
    help_ws = wb.create_sheet(help_title)
    help_ws.column_dimensions["A"].width = 18
    help_ws.column_dimensions["B"].width = 8
    help_ws.column_dimensions["C"].width = 90
    help_ws.column_dimensions["D"].width = 36
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(help_rows):
        cells = []
        for v in row:
            c = WriteOnlyCell(help_ws, value=v)
            c.alignment = wrap
            if r == 0 or len(row) == 1:
                c.font = HEADER_FONT
            cells.append(c)
        help_ws.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return n


@dataclass
class SheetRows:
    title: str
    headers: list[str]
    rows: Iterator[tuple[int, tuple[Any, ...]]]  # (1-based Excel row number, values)


def read_roster(path: Path) -> Iterator[SheetRows]:
    """Each sheet's header row and data rows (blank rows skipped), streamed."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            headers = [("" if h is None else str(h).strip()) for h in (header or ())]
            while headers and not headers[-1]:
                headers.pop()

            def rows(it=it, width=len(headers)):
                for n, values in enumerate(it, start=2):
                    if values and any(v not in (None, "") for v in values):
                        padded = tuple(values[:width]) + (None,) * max(0, width - len(values))
                        yield n, padded
            yield SheetRows(ws.title, headers, rows())
    finally:
        wb.close()


def read_sheet_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """The first sheet's non-empty rows as (row number, cell values): a small form staff fill
    in (the calendar declaration), read whole."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
                if any(v not in (None, "") for v in row)]
    finally:
        wb.close()
