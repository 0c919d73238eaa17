"""Reading a roster file (附件1): the first step of an import. Each sheet is matched to its layout
(schema.py), its headers to the layout's columns, each cell parsed and each key checked for a
duplicate inside the sheet; every problem is kept with its sheet, row and column (in Chinese),
and the import report (`ImportReport`) lists them with what the import did or would do.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from adapters.markdown_text import inert
from adapters.spreadsheets import read_roster
from procedures.rosters.schema import BY_SHEET, HELP_SHEET, KIND_NAMES, LAYOUTS, CellError

ORDER = ("institutions", "supervisors", "staff", "sessions")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str  # header text ("" for the whole row)
    letter: str
    message: str

    def __str__(self) -> str:
        where = f"工作表「{self.sheet}」"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f" {self.letter}列「{self.column}」"
        return f"{where}：{self.message}"


@dataclass
class ImportReport:
    path: str
    dry_run: bool
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    updated: list[str] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_lines(self) -> list[str]:
        lines = []
        if self.errors:
            lines.append(f"导入被拒绝：发现 {len(self.errors)} 处错误，未写入任何数据（整份文件为一个事务）。")
        elif self.dry_run:
            lines.append("试运行（--dry-run）：全部校验通过，未写入数据。若正式导入将：")
        else:
            lines.append("导入完成：")
        if not self.errors:
            for kind in ORDER:
                if self.rows[kind]:
                    lines.append(f"  {KIND_NAMES[kind]}：共 {self.rows[kind]} 行，新增 {self.created[kind]}，"
                                 f"更新 {sum(1 for u in self.updated if u.startswith(KIND_NAMES[kind] + ' '))}，"
                                 f"未变 {self.unchanged[kind]}")
            lines += [f"  更新：{u}" for u in self.updated]
        lines += [f"错误：{p}" for p in self.errors]
        lines += [f"提示：{p}" for p in self.warnings]
        return lines

    def text(self) -> str:
        return "\n".join(self.summary_lines())

    def markdown(self) -> str:
        head = f"# 名册导入：{inert(Path(self.path).name)}\n\n"  # cell values are outside text
        return head + "\n".join(f"- {inert(line.strip())}" for line in self.summary_lines())


@dataclass
class Row:
    kind: str
    sheet: str
    number: int
    values: dict[str, Any]
    letters: dict[str, str]  # field → column letter



class Checker:
    def __init__(self, report: ImportReport):
        self.report = report

    def error(self, row: Row | None, field_name: str | None, message: str, sheet: str = "", layout=None):
        self.report.errors.append(self._problem(row, field_name, message, sheet, layout))

    def warn(self, row: Row, field_name: str | None, message: str):
        self.report.warnings.append(self._problem(row, field_name, message, "", None))

    @staticmethod
    def _problem(row, field_name, message, sheet, layout) -> Problem:
        if row is None:
            return Problem(sheet, 1 if field_name else None, field_name or "", "", message)
        lay = LAYOUTS[row.kind]
        header = lay.column(field_name).header if field_name else ""
        return Problem(row.sheet, row.number, header, row.letters.get(field_name, ""), message)


def parse_sheets(path: Path, check: Checker) -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = defaultdict(list)
    seen_kinds = set()
    for sheet in read_roster(path):
        if sheet.title.startswith(HELP_SHEET):
            continue
        layout = BY_SHEET.get(sheet.title)
        if layout is None:
            check.error(None, None, f"无法识别的工作表名称，应为 {'/'.join(BY_SHEET)} 之一", sheet.title)
            continue
        if layout.kind in seen_kinds:
            check.error(None, None, "同一名册类型出现了两个工作表", sheet.title)
            continue
        seen_kinds.add(layout.kind)
        known = {c.header: c for c in layout.columns}
        index: dict[str, int] = {}
        for i, header in enumerate(sheet.headers):
            letter = get_column_letter(i + 1)
            if header not in known:
                what = f"表头“{header}”" if header else "空表头"
                check.report.errors.append(Problem(sheet.title, 1, header, letter,
                                                   f"{what}不是本名册的列，允许的列：{'、'.join(known)}"))
            elif known[header].field in index:
                check.report.errors.append(Problem(sheet.title, 1, header, letter, "该列重复出现"))
            else:
                index[known[header].field] = i
        for c in layout.columns:
            if c.required and c.field not in index:
                check.report.errors.append(Problem(sheet.title, 1, c.header, "", "缺少必填列"))
        letters = {f: get_column_letter(i + 1) for f, i in index.items()}
        keys: dict[tuple, int] = {}
        for number, values in sheet.rows:
            row = Row(layout.kind, sheet.title, number, {}, letters)
            for c in layout.columns:
                raw = values[index[c.field]] if c.field in index else None
                if c.required and (raw is None or str(raw).strip() == ""):
                    if c.field in index:
                        check.error(row, c.field, "必填，不能为空")
                    continue
                try:
                    row.values[c.field] = c.parse(raw)
                except CellError as exc:
                    check.error(row, c.field, str(exc))
            key = tuple(row.values.get(k) for k in layout.key)
            if all(key):
                if key in keys:
                    check.error(row, layout.key[-1], f"与本工作表第{keys[key]}行重复（{'、'.join(map(str, key))}）")
                else:
                    keys[key] = number
            rows[layout.kind].append(row)
    return rows
