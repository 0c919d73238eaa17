"""Staff declare a year's official schedule (国务院办公厅关于XXXX年部分节假日安排的通知) without
touching code: `supervise calendar declare FILE` (YAML or .xlsx), `supervise calendar show YEAR`.

The file is read whole and checked before anything is stored (every problem named by its row;
nothing written when one is found). A year declared before is replaced only on request, after
the difference is shown. Stored in the database (calendar_declaration), so every process sees
it (procedures/casework/work_calendar.py); the shipped override file stays the default.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml
from sqlmodel import Session, select

from adapters import clock
from models import CalendarDeclaration
from procedures.casework.work_calendar import current_calendar, declaration_source
from regulation.calendar import CalendarDataMissing, declaration_problems

OFF_WORDS = ("放假", "休息", "放假日")
WORK_WORDS = ("调休上班", "上班", "调休上班日")


class DeclarationRefused(ValueError):
    """The file cannot be declared: every problem, each naming its row."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Declaration:
    year: int
    notice_number: str
    notice_title: str
    days_off: dict[date, str] = field(default_factory=dict)  # day → the row it came from
    working_days: dict[date, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeclareResult:
    stored: bool
    message: str  # what staff read: stored, unchanged, or the difference and "use --replace"


# -- reading the file -------------------------------------------------------------------------
def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _days(value, to_value, where: str, problems: list[str]) -> list[date]:
    """One day, or every day from `value` to `to_value` (a notice's 「2月6日至12日放假」)."""
    try:
        first = _day(value)
    except (TypeError, ValueError):
        problems.append(f"{where}：日期“{value if value is not None else ''}”应为 YYYY-MM-DD 格式的有效日期")
        return []
    if to_value in (None, ""):
        return [first]
    try:
        last = _day(to_value)
    except (TypeError, ValueError):
        problems.append(f"{where}：结束日期“{to_value}”应为 YYYY-MM-DD 格式的有效日期")
        return []
    if last < first or (last - first).days > 31:
        problems.append(f"{where}：日期范围 {first} 至 {last} 无效（结束日期应不早于开始日期，且不超过31天）")
        return []
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


def _year(value, where: str, problems: list[str]) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        problems.append(f"{where}：年度“{value if value is not None else ''}”应为 2000–2100 之间的四位年份")
    return year


def _put(target: dict[date, str], day: date, where: str, problems: list[str]) -> None:
    """A day listed once: a second row with the same day (or an overlapping range) is named,
    never silently merged (the staff may have meant another day)."""
    if day in target:
        problems.append(f"{where}：日期 {day} 与{target[day]}重复")
    else:
        target[day] = where


def _read_yaml(path: Path, problems: list[str]) -> Declaration:
    try:
        # every scalar as text: a wrong date is named with its row, not a parser error for the file
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DeclarationRefused([f"文件不是有效的 YAML：{exc}"]) from exc
    if not isinstance(data, dict):
        raise DeclarationRefused(["文件内容应为键值对：year、notice_number、notice_title、days_off、working_days"])
    decl = Declaration(_year(data.get("year"), "year（年度）", problems), str(data.get("notice_number") or "").strip(),
                       str(data.get("notice_title") or "").strip())
    for key, name, target in (("days_off", "放假日", decl.days_off), ("working_days", "调休上班日", decl.working_days)):
        rows = data.get(key) or []
        if not isinstance(rows, list):
            problems.append(f"{key}（{name}）：应为列表，每项一个日期或 {{date: …, name: …}}")
            continue
        for n, row in enumerate(rows, start=1):
            where = f"{key}（{name}）第{n}项"
            if isinstance(row, dict):
                days = _days(row.get("date", row.get("from")), row.get("to"), where, problems)
            else:
                days = _days(row, None, where, problems)
            for d in days:
                _put(target, d, where, problems)
    return decl


def _read_xlsx(path: Path, problems: list[str]) -> Declaration:
    """First sheet: rows 「年度 | 2027」「通知文号 | …」「通知标题 | …」, then a header row
    「日期 | 至 | 类别 | 名称」 (至: optional end of a range; 类别: 放假 or 调休上班) and one row a day
    or range."""
    from adapters.spreadsheets import read_sheet_rows

    try:
        rows = read_sheet_rows(path)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        # openpyxl's English text means nothing to staff: the file, and what it should be
        raise DeclarationRefused([f"文件不是有效的 Excel（.xlsx）工作簿：{path.name}（请用 Excel 或 WPS 另存为 .xlsx 后重试）"]) \
            from exc
    meta: dict[str, tuple[int, object]] = {}
    header: list[str] | None = None
    table: list[tuple[int, list]] = []
    for n, cells in rows:
        first = str(cells[0]).strip() if cells and cells[0] is not None else ""
        if header is None:
            if first == "日期":
                header = [str(c).strip() if c is not None else "" for c in cells]
            elif first:
                meta[first] = (n, cells[1] if len(cells) > 1 else None)
        else:
            table.append((n, cells))
    year_row, year_value = meta.get("年度", (0, None))
    decl = Declaration(_year(year_value, f"第{year_row}行" if year_row else "“年度”行（未找到）", problems),
                       str(meta.get("通知文号", (0, ""))[1] or "").strip(),
                       str(meta.get("通知标题", (0, ""))[1] or "").strip())
    if header is None:
        problems.append("未找到表头行（第一列为“日期”，其后为“至”“类别”“名称”）")
        return decl
    col = {name: i for i, name in enumerate(header) if name}
    if "类别" not in col:
        problems.append("表头缺少“类别”列（放假 或 调休上班）")
        return decl

    def cell(cells: list, name: str):
        i = col.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    for n, cells in table:
        where = f"第{n}行"
        kind = str(cell(cells, "类别") or "").strip()
        if kind in OFF_WORDS:
            target = decl.days_off
        elif kind in WORK_WORDS:
            target = decl.working_days
        else:
            problems.append(f"{where}：类别“{kind}”应为“放假”或“调休上班”")
            continue
        for d in _days(cell(cells, "日期"), cell(cells, "至"), where, problems):
            _put(target, d, where, problems)
    return decl


def read_file(path: Path) -> Declaration:
    """The declaration in `path` (.yaml/.yml or .xlsx), checked; DeclarationRefused lists every problem."""
    if not path.is_file():
        raise DeclarationRefused([f"文件不存在：{path}"])
    problems: list[str] = []
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        decl = _read_yaml(path, problems)
    elif suffix == ".xlsx":
        decl = _read_xlsx(path, problems)
    else:
        raise DeclarationRefused([f"文件类型“{suffix or '无扩展名'}”不支持：请用 .yaml 或 .xlsx"])
    if not decl.notice_number:
        problems.append("通知文号：未填写（如 国办发明电〔2026〕N号）")
    if decl.year:
        rows = decl.days_off | decl.working_days
        for day, message in declaration_problems(decl.year, decl.days_off, decl.working_days):
            if day is None:
                problems.append(message)
            elif day in decl.days_off and day in decl.working_days:
                problems.append(f"{decl.days_off[day]}、{decl.working_days[day]}：{message}")
            else:
                problems.append(f"{rows[day]}：{message}")
    if problems:
        raise DeclarationRefused(problems)
    return decl


# -- storing it -------------------------------------------------------------------------------
def _newest(s: Session, year: int) -> CalendarDeclaration | None:
    return s.exec(select(CalendarDeclaration).where(CalendarDeclaration.year == year)
                  .order_by(CalendarDeclaration.id.desc())).first()


def difference(old_off: set[date], old_work: set[date], decl: Declaration, old_number: str = "") -> list[str]:
    lines = []
    if old_number and old_number != decl.notice_number:
        lines.append(f"通知文号：{old_number} → {decl.notice_number}")
    for label, old, new in (("放假日", old_off, set(decl.days_off)), ("调休上班日", old_work, set(decl.working_days))):
        lines += [f"+ {label} {d}" for d in sorted(new - old)]
        lines += [f"- {label} {d}" for d in sorted(old - new)]
    return lines


def declare(s: Session, decl: Declaration, by: str, replace: bool = False) -> DeclareResult:
    """Store the declaration; a year declared before needs `replace` (the difference is shown)."""
    if not by.strip():
        raise DeclarationRefused(["录入人（--by）：未填写"])
    old = _newest(s, decl.year)
    if old is not None:
        diff = difference(set(old.off_dates()), set(old.work_dates()), decl, old.notice_number)
        if not diff and old.notice_title == decl.notice_title:
            return DeclareResult(False, f"{decl.year}年的安排与已录入的相同（{declaration_source(old)}），未作更改")
        if not replace:
            return DeclareResult(False, f"{decl.year}年的安排已录入（{declaration_source(old)}）。本文件与之不同：\n"
                                 + "\n".join(diff or ["通知标题不同"]) + "\n确认以本文件为准的，请加 --replace 重新执行。")
    s.add(CalendarDeclaration(year=decl.year, notice_number=decl.notice_number, notice_title=decl.notice_title,
                              days_off=[str(d) for d in sorted(decl.days_off)],
                              working_days=[str(d) for d in sorted(decl.working_days)], declared_by=by.strip(),
                              declared_at=clock.now(), replaces_id=old.id if old else None))
    s.flush()
    replaced = "（替换此前录入的安排：\n" + "\n".join(diff) + "\n）" if old is not None else ""
    return DeclareResult(True, f"已录入{decl.year}年法定节假日安排：放假日 {len(decl.days_off)} 天，调休上班日 "
                               f"{len(decl.working_days)} 天（{decl.notice_number}）{replaced}。"
                               f"落在{decl.year}年的“期限待定”将在下次期限巡检时补算并通知当事人。")


def show(s: Session, year: int) -> str:
    """The year's weekday days off and make-up working days, with their source."""
    return show_calendar(current_calendar(s), year)


def show_calendar(cal, year: int) -> str:
    try:
        source = cal.source_of(year)
        off, work = cal.schedule(year)
    except CalendarDataMissing as exc:
        raise DeclarationRefused([str(exc)]) from exc
    weekday = "一二三四五六日"
    lines = [f"{year}年法定节假日安排", f"来源：{source}", "", f"放假日（工作日中放假的日子，周末不列）：{len(off)} 天"]
    lines += [f"  {d}（星期{weekday[d.weekday()]}）{name}" for d, name in off]
    lines += ["", f"调休上班日：{len(work)} 天"]
    lines += [f"  {d}（星期{weekday[d.weekday()]}）{name}" for d, name in work]
    return "\n".join(lines)
