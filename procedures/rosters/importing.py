"""The agency's own rosters in and out of Excel: institutions, supervisors, evaluation
sessions and agency staff (第六条–第十三条, 第十六条, 附件1).

Import is one transaction for the whole file: every row of every sheet is checked first
(cells, duplicates inside the file, the database, the rules), every problem is reported
in Chinese with its sheet, row and column, and nothing is written if any row is wrong.
Rows are matched by their natural key (备案号, 证卡编码, 批次编号, 机构+姓名): re-importing
the same file changes nothing; a changed row updates its record and the report says so.
Export writes what the database holds in the same layout, so an export re-imports unchanged.

Interpretations (ours, also in README):
- a session outside its institution's filing scope, or with no internal supervisor, is
  *imported* and reported as a warning: these are findings for the agency (第二十二条（二）（八）,
  第十六条), and refusing the row would hide them;
- a *new* session at a suspended or revoked institution is refused (附件4: no evaluation while
  rectifying; 第二十三条): the suspension bites. One already in the plans stays, with a warning;
  held anyway, the daily inspection opens its case (第二十三条（一）);
- a roster never deletes: a record missing from the file stays; an appointment term in the
  database that the file leaves out is an error (terms are history, 第十条);
- the staff roster carries no personal codes: a column the layout does not know is refused.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from adapters.clock import tz
from adapters.db import session_scope
from adapters.markdown_text import inert
from adapters.settings import get_settings
from adapters.spreadsheets import SheetSpec, read_roster, write_roster
from models import Agency, AgencyStaff, AppointmentTerm, EvaluationSession, Institution, Supervisor
from models.lifecycle import SupervisionBan
from procedures.rosters.schema import BY_SHEET, HELP_SHEET, KIND_NAMES, LAYOUTS, CellError, Layout
from regulation.cards import ExternalCard, parse_card
from regulation.filing import scope_findings, status_finding
from regulation.internal_supervision import InstitutionIssuer, coverage_gap, internal_card_refusal
from regulation.reasons import RuleViolation
from regulation.sanctions import refiling_refusal
from regulation.terms import (
    MAX_CONSECUTIVE_TERMS,
    Term,
    appointments,
    check_appointment,
    consecutive_run,
    term_end,
)

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


class RosterRejected(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(report.text())
        self.report = report


@dataclass
class Row:
    kind: str
    sheet: str
    number: int
    values: dict[str, Any]
    letters: dict[str, str]  # field → column letter


# ---------------------------------------------------------------- templates and export

def _spec(layout: Layout) -> SheetSpec:
    cols = layout.columns
    return SheetSpec(layout.sheet, [c.header for c in cols], [c.required for c in cols], [c.width for c in cols],
                     [c.as_text for c in cols], [c.choices for c in cols])


def _help_rows(layout: Layout) -> list[list[str]]:
    rows = [["列", "必填", "说明", "示例"]]
    for c in layout.columns:
        rows.append([c.header, "是" if c.required else "", c.help, str(c.example)])
    rows += [[""], ["导入规则"],
             ["整份文件一次校验，任何一行有错则不写入任何数据；错误逐条列出工作表、行号、列。"],
             ["同一文件可包含多个名册工作表（评价机构、督导员、评价计划及场次、委派机构工作人员），工作表名称不要修改。"],
             ["按识别字段（" + "、".join(layout.column(k).header for k in layout.key) + "）匹配已有记录："
              "相同则不变，不同则更新并在报告中说明；名册不删除记录。"],
             ["黄色表头为必填列，蓝色为选填列；有下拉列表的列请从列表中选择。"],
             ["督导情况记录属保密信息（第八条），不在名册中出现。"]]
    return rows


def write_template(kind: str, path: Path) -> Path:
    layout = _layout(kind)
    write_roster(path, _spec(layout), [[c.example for c in layout.columns]], HELP_SHEET, _help_rows(layout))
    return path


def _layout(kind: str) -> Layout:
    if kind not in LAYOUTS:
        raise ValueError(f"名册类型应为 {'/'.join(LAYOUTS)} 之一（{'/'.join(KIND_NAMES.values())}），实际为 {kind!r}")
    return LAYOUTS[kind]


def _local(moment: datetime) -> datetime:
    """Wall-clock time in the agency's timezone, without tzinfo (what a roster shows)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz()).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def export_rows(s: Session, kind: str) -> Iterable[list[Any]]:
    layout = _layout(kind)
    for record in _db_records(s, kind):
        yield [c.fmt(record[c.field]) for c in layout.columns]


def export(kind: str, path: Path, url: str | None = None) -> int:
    layout = _layout(kind)
    with session_scope(url) as s:
        return write_roster(path, _spec(layout), export_rows(s, kind), HELP_SHEET, _help_rows(layout))


def _db_records(s: Session, kind: str) -> Iterable[dict]:
    """Each record of the kind as a dict of layout fields, in key order."""
    if kind == "institutions":
        for inst in s.exec(select(Institution).order_by(Institution.filing_number)):
            yield _institution_fields(inst)
    elif kind == "supervisors":
        terms = defaultdict(list)
        for t in s.exec(select(AppointmentTerm).order_by(AppointmentTerm.start)):
            terms[t.supervisor_id].append((t.start, t.end))
        for sup in s.exec(select(Supervisor).order_by(Supervisor.card_code)):
            yield _supervisor_fields(sup, terms[sup.id])
    elif kind == "staff":
        for st in s.exec(select(AgencyStaff).order_by(AgencyStaff.agency_id, AgencyStaff.name)):
            yield {"agency_id": st.agency_id, "name": st.name, "role": st.role, "active": st.active}
    else:
        numbers = dict(s.exec(select(Institution.id, Institution.filing_number)).all())
        for sess in s.exec(select(EvaluationSession).order_by(EvaluationSession.batch_number)):
            yield _session_fields(sess, numbers[sess.institution_id])


def _institution_fields(inst: Institution) -> dict:
    return {k: getattr(inst, k) for k in (
        "name", "filing_number", "filing_authority", "city_letter", "category", "industry_code", "filed_on",
        "scope_occupations", "scope_levels", "scope_regions", "exam_sites", "status", "contact_email",
        "last_evaluation_on", "credit_code")}


def _supervisor_fields(sup: Supervisor, terms: list[tuple[date, date]]) -> dict:
    return {"card_code": sup.card_code, "name": sup.name, "person_key": sup.person_key, "employer": sup.employer,
            "city_letter": sup.city_letter, "phone": sup.phone, "email": sup.email,
            "card_issued_on": sup.card_issued_on, "terms": sorted(terms)}


def _session_fields(sess: EvaluationSession, filing_number: str) -> dict:
    return {"batch_number": sess.batch_number, "institution_filing_number": filing_number,
            "occupation": sess.occupation, "level": sess.level, "form_kind": sess.form_kind, "region": sess.region,
            "site": sess.site, "starts_at": _local(sess.starts_at), "ends_at": _local(sess.ends_at),
            "candidate_count": sess.candidate_count, "examiners": list(sess.examiners),
            "internal_supervisors": list(sess.internal_supervisors)}


# ---------------------------------------------------------------- import

class _Checker:
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


def _parse_sheets(path: Path, check: _Checker) -> dict[str, list[Row]]:
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


def import_roster(path: Path, dry_run: bool = False, as_of: date | None = None, url: str | None = None) -> ImportReport:
    """Check and (unless dry_run) write the whole file in one transaction; RosterRejected on any error."""
    from adapters.clock import today

    as_of = as_of or today()
    report = ImportReport(str(path), dry_run)
    check = _Checker(report)
    try:
        rows = _parse_sheets(Path(path), check)
    except (OSError, ValueError, KeyError) as exc:  # not an .xlsx, unreadable, corrupt
        report.errors.append(Problem(Path(path).name, None, "", "", f"无法读取 Excel 文件（.xlsx）：{exc}"))
        raise RosterRejected(report) from None
    if not any(rows.values()) and not report.errors:
        report.errors.append(Problem(Path(path).name, None, "", "", "文件中没有任何名册数据行"))
    for kind, kind_rows in rows.items():
        report.rows[kind] = len(kind_rows)
    try:
        with session_scope(url) as s:
            _one_import_at_a_time(s)
            plan = _Plan(s, rows, check, as_of)
            plan.check_all()
            if report.errors:
                raise RosterRejected(report)
            plan.apply(write=not dry_run)
            if dry_run:
                s.rollback()
            report.written = not dry_run
    except (IntegrityError, OperationalError):  # the lock waited too long, or a write raced it anyway
        report.written = False
        report.errors.append(Problem(Path(path).name, None, "", "", BUSY))
        raise RosterRejected(report) from None
    return report


BUSY = ("另一份名册正在同时导入，本文件未写入任何内容。请稍后重新导入本文件"
        "（已导入的记录再次导入不会重复写入）。")
_ROSTER_LOCK = 726_068  # pg advisory lock key: one roster import at a time (鲁人社字〔2022〕68号)


def _one_import_at_a_time(s: Session) -> None:
    """A second import waits for the first and then checks against what it wrote: PostgreSQL
    with a transaction-scoped advisory lock, SQLite by taking the write lock up front."""
    connection = s.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROSTER_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the connection's busy timeout


def _revoked_filings(s: Session) -> dict[str, tuple[Institution, str]]:
    """Revoked institutions by credit code, each with its revocation's document number (the
    latest 撤销备案回执 in its 监管档案; "" when the roster alone says revoked)."""
    from models import InstitutionHistory

    found = {}
    for inst in s.exec(select(Institution).where(Institution.status == "revoked")):
        number = s.exec(select(InstitutionHistory.number).where(
            InstitutionHistory.institution_id == inst.id, InstitutionHistory.kind == "revocation")
            .order_by(InstitutionHistory.on.desc())).first() or ""
        found[inst.credit_code or f"id:{inst.id}"] = (inst, number)
    return found


_REFUSED_STATUS = {
    "suspended": "评价机构“{name}”正暂停评价活动、限期整改（第二十二条、附件4：整改期间不得组织任何职业技能等级认定），"
                 "不受理新的评价场次",
    "revoked": "评价机构“{name}”的备案回执已撤销（第二十三条），不受理新的评价场次",
}


class _Plan:
    """Cross-row and database checks, then the writes, for one file."""

    def __init__(self, s: Session, rows: dict[str, list[Row]], check: _Checker, as_of: date):
        self.s, self.rows, self.check, self.as_of = s, rows, check, as_of
        self.institutions = {i.filing_number: i for i in s.exec(select(Institution))} \
            if rows.get("institutions") or rows.get("sessions") else {}

    # -------- checks
    def check_all(self) -> None:
        for row in self.rows.get("institutions", []):
            self._check_institution(row)
        if self.rows.get("supervisors"):
            self._check_supervisors(self.rows["supervisors"])
        if self.rows.get("staff"):
            agencies = set(self.s.exec(select(Agency.id)))
            for row in self.rows["staff"]:
                if "agency_id" in row.values and row.values["agency_id"] not in agencies:
                    self.check.error(row, "agency_id", f"系统中没有委派机构“{row.values['agency_id']}”，"
                                                       f"已有：{'、'.join(sorted(agencies)) or '（无）'}")
        if self.rows.get("sessions"):
            self._check_sessions(self.rows["sessions"])

    def _check_institution(self, row: Row) -> None:
        v = row.values
        authority, city = v.get("filing_authority"), v.get("city_letter")
        if authority == "city" and not city:
            self.check.error(row, "city_letter", "市级备案的机构必须填写备案地市代码（附件1 表3）")
        if authority in ("mohrss", "province") and city:
            self.check.error(row, "city_letter", "人社部、省级备案的机构不填备案地市代码")
        if city and city not in "ABCDEFGHJKLQNPMR":
            self.check.error(row, "city_letter", f"设区市代码“{city}”无效，应为附件1 表3 所列字母")
        if v.get("filed_on") and v["filed_on"] > self.as_of:
            self.check.error(row, "filed_on", f"备案日期 {v['filed_on']} 晚于今天（{self.as_of}）")
        last = v.get("last_evaluation_on")
        if last and (last > self.as_of or (v.get("filed_on") and last < v["filed_on"])):
            self.check.error(row, "last_evaluation_on", f"最近评价日期 {last} 应在备案日期与今天之间")
        self._check_not_revoked(row)
        if v.get("category") == "industry" and not v.get("industry_code"):
            self.check.warn(row, "industry_code", "行业部门机构未填写行业代码，其行业内督证卡（H）将无法核验（第十二条）")

    def _check_not_revoked(self, row: Row) -> None:
        """第二十三条 撤销备案回执: 「不再受理其备案或遴选申请」 — a new filing of a revoked organisation
        (same credit code, another filing number) is refused naming the revocation's number; the
        revoked filing itself may be re-imported, but not made active or suspended again."""
        v = row.values
        if not hasattr(self, "_revoked"):
            self._revoked = _revoked_filings(self.s)
        same_code = self._revoked.get(v.get("credit_code") or "")
        if same_code and same_code[0].filing_number != v.get("filing_number"):
            self.check.error(row, "credit_code", refiling_refusal(same_code[0].name, same_code[1]))
        existing = self.institutions.get(v.get("filing_number"))
        if existing is not None and existing.status == "revoked" and v.get("status", "revoked") != "revoked":
            number = next((n for inst, n in self._revoked.values() if inst.id == existing.id), "")
            self.check.error(row, "status", f"该机构已被撤销备案回执{f'（{number}）' if number else ''}，"
                                            "不能改为其他状态；如需重新备案，依第二十三条不予受理")

    def _check_supervisors(self, rows: list[Row]) -> None:
        codes = [r.values["card_code"] for r in rows if "card_code" in r.values]
        existing = {sup.card_code: sup for sup in self.s.exec(select(Supervisor).where(
            col(Supervisor.card_code).in_(codes)))} if len(codes) < 900 else \
            {sup.card_code: sup for sup in self.s.exec(select(Supervisor))}
        people = {r.values["person_key"] for r in rows if "person_key" in r.values}
        banned = set(self.s.exec(select(SupervisionBan.person_key)))
        other_cards = defaultdict(list)  # person → valid cards in the database
        for sup in self.s.exec(select(Supervisor).where(Supervisor.card_status == "valid")) if people else ():
            if sup.person_key in people:
                other_cards[(sup.person_key, sup.kind)].append(sup.card_code)
        db_terms = defaultdict(set)
        ids = {sup.id: code for code, sup in existing.items()}
        for t in self.s.exec(select(AppointmentTerm)) if ids else ():
            if t.supervisor_id in ids:
                db_terms[ids[t.supervisor_id]].add((t.start, t.end))
        person_terms = defaultdict(list)  # 第十条 counts per person: terms under the person's other cards
        for t, key, card_code in self.s.exec(select(AppointmentTerm, Supervisor.person_key, Supervisor.card_code)
                                             .join(Supervisor, Supervisor.id == AppointmentTerm.supervisor_id)
                                             ) if people else ():
            if key in people:
                person_terms[key].append((card_code, Term(t.start, t.end)))
        in_file: dict[tuple, int] = {}
        for row in rows:
            v = row.values
            code, person = v.get("card_code"), v.get("person_key")
            if not code:
                continue
            card = parse_card(code)
            kind = "external" if isinstance(card, ExternalCard) else "internal"
            if person:
                if person in banned:
                    self.check.error(row, "person_key", "该人员已被解聘并不得再从事我省质量督导工作（第二十六条）")
                if (person, kind) in in_file:
                    self.check.error(row, "person_key",
                                     f"同一人员在本表第{in_file[(person, kind)]}行已有{'外督' if kind == 'external' else '内督'}证卡")
                in_file.setdefault((person, kind), row.number)
                if code in existing and existing[code].person_key != person:
                    self.check.error(row, "person_key", f"证卡 {code} 在系统中属于另一人员，身份证号不能更改")
                # one card per kind — for internal cards, one per issuer (issue_internal_card): an
                # internal supervisor may hold cards of two institutions
                others = [c for c in other_cards.get((person, kind), [])
                          if c != code and (kind == "external" or c[:7] == code[:7])]
                if others:
                    self.check.error(row, "card_code", f"该人员在系统中已持有有效证卡 {'、'.join(others)}，一人只能持一张同类证卡")
            issued = v.get("card_issued_on")
            if issued and (issued.year != card.year or issued > self.as_of):
                self.check.error(row, "card_issued_on", f"发证日期 {issued} 应在证卡编码的年份 {card.year} 内且不晚于今天（附件1）")
            terms = v.get("terms") or []
            if terms and kind == "internal":
                self.check.error(row, "terms", "内督员由评价机构、行业部门管理，不登记外督聘期（第十二条）")
                continue
            self._check_terms(row, terms, [term for c, term in person_terms.get(person, []) if c != code])
            missing = db_terms.get(code, set()) - set(terms)
            if missing:
                self.check.error(row, "terms", "名册不能删除系统中已有的聘期："
                                 + "；".join(f"{a}至{b}" for a, b in sorted(missing)) + "（第十条）")

    def _check_terms(self, row: Row, terms: list[tuple[date, date]], elsewhere: list[Term] = ()) -> None:
        """第十条 on the card's terms, and the consecutive count over the person's terms under every
        card (`elsewhere`: a re-issued card's terms continue the chain of the old one's)."""
        previous: list[Term] = []
        for start, end in terms:
            if end > term_end(start):
                self.check.error(row, "terms", f"聘期 {start}至{end} 超过三年，应不晚于 {term_end(start)}（第十条）")
                return
            try:
                check_appointment(previous, start, True, gap_months=get_settings().term_gap_months)
            except RuleViolation as exc:
                self.check.error(row, "terms", f"聘期 {start}至{end}：{exc}")
                return
            previous.append(Term(start, end))
            every = [*elsewhere, *previous]
            its_start = next(a.start for a in appointments(every) if a.start <= start <= a.end)  # its 届
            run = consecutive_run(every, its_start, get_settings().term_gap_months)
            if run >= MAX_CONSECUTIVE_TERMS:
                self.check.error(row, "terms", f"聘期 {start}至{end}：连同该人员其他证卡的聘期，为连续第{run + 1}届聘任，"
                                 f"连续聘任不得超过{MAX_CONSECUTIVE_TERMS}届（第十条）")
                return

    def _check_sessions(self, rows: list[Row]) -> None:
        file_insts = {r.values["filing_number"]: r.values for r in self.rows.get("institutions", [])
                      if "filing_number" in r.values}
        banned = set(self.s.exec(select(SupervisionBan.person_key)))  # 第二十六条: no internal work either
        for row in rows:
            v = row.values
            number = v.get("institution_filing_number")
            inst = file_insts.get(number) or (_institution_fields(self.institutions[number])
                                              if number in self.institutions else None)
            if number and inst is None:
                self.check.error(row, "institution_filing_number",
                                 f"备案号“{number}”的评价机构既不在本文件“评价机构”表中，也不在系统中")
            starts, ends = v.get("starts_at"), v.get("ends_at")
            if starts and ends and ends <= starts:
                self.check.error(row, "ends_at", f"结束时间 {ends:%Y-%m-%d %H:%M} 应晚于开始时间 {starts:%Y-%m-%d %H:%M}")
            exam_keys = {e["person_key"] for e in v.get("examiners", [])}
            for person in v.get("internal_supervisors", []):
                if person["person_key"] in exam_keys:
                    self.check.error(row, "internal_supervisors",
                                     f"{person['name']} 同时是本场次考评人员，督导员不得兼任同场次考评工作（第十三条）")
                if inst is not None:
                    refused = internal_card_refusal(person["card_code"], InstitutionIssuer(
                        inst["filing_authority"], inst["filing_number"], inst.get("industry_code") or ""),
                        person.get("person_key") in banned)
                    if refused:
                        self.check.error(row, "internal_supervisors", f"{person['name']}（{person['card_code']}）：{refused}")
            if "internal_supervisors" in v:
                gap = coverage_gap(v["internal_supervisors"])
                if gap:
                    self.check.warn(row, "internal_supervisors", str(gap))
            if inst is not None and all(k in v for k in ("occupation", "level", "site")):
                finding = status_finding(inst["status"])
                if finding and self._new_session(v.get("batch_number")):
                    # 附件4 / 第二十三条: no new session is accepted into a suspended or revoked
                    # institution's plans; one already planned stays and is a finding.
                    self.check.error(row, "institution_filing_number", _REFUSED_STATUS[inst["status"]].format(
                        name=inst.get("name", number)))
                elif finding:
                    self.check.warn(row, None, f"{finding.reason}；导入后由日常督导作为问题处理")
                for finding in scope_findings(inst["scope_occupations"], inst["scope_levels"], inst["scope_regions"],
                                              inst["exam_sites"], v["occupation"], v["level"], v.get("region", ""),
                                              v["site"]):
                    self.check.warn(row, None, f"{finding.reason}；导入后由日常督导作为问题处理")

    def _new_session(self, batch_number: str | None) -> bool:
        return bool(batch_number) and self.s.exec(
            select(EvaluationSession.id).where(EvaluationSession.batch_number == batch_number)).first() is None

    # -------- writes
    def apply(self, write: bool) -> None:
        if self.rows.get("institutions"):
            self._apply_institutions(write)
        if self.rows.get("supervisors"):
            self._apply_supervisors(write)
        if self.rows.get("staff"):
            self._apply_staff(write)
        if self.rows.get("sessions"):
            self._apply_sessions(write)

    def _changes(self, kind: str, old: dict, new: dict, label: str) -> list[str]:
        layout = LAYOUTS[kind]
        changed = [c.header for c in layout.columns if c.field in new and new[c.field] != old.get(c.field)]
        if changed:
            self.check.report.updated.append(f"{KIND_NAMES[kind]} {label}：已更新（{'、'.join(changed)}）")
        else:
            self.check.report.unchanged[kind] += 1
        return changed

    def _apply_institutions(self, write: bool) -> None:
        new_rows, report = [], self.check.report
        for row in self.rows["institutions"]:
            v = dict(row.values)
            existing = self.institutions.get(v["filing_number"])
            if existing is None:
                report.created["institutions"] += 1
                new_rows.append(v)
            elif self._changes("institutions", _institution_fields(existing), v,
                               f"第{row.number}行 {v['filing_number']}") and write:
                for k, val in v.items():
                    setattr(existing, k, val)
                self.s.add(existing)
        if write and new_rows:
            self.s.execute(insert(Institution), new_rows)
        self.s.flush()
        if new_rows:
            self.institutions = {i.filing_number: i for i in self.s.exec(select(Institution))}

    def _apply_supervisors(self, write: bool) -> None:
        report = self.check.report
        rows = self.rows["supervisors"]
        existing = {sup.card_code: sup for sup in self.s.exec(select(Supervisor))}
        terms = defaultdict(set)
        for t in self.s.exec(select(AppointmentTerm)):
            terms[t.supervisor_id].add((t.start, t.end))
        new_sups, new_terms = [], []
        for row in rows:
            v = dict(row.values)
            file_terms = v.pop("terms", None) or []
            sup = existing.get(v["card_code"])
            if sup is None:
                report.created["supervisors"] += 1
                card = parse_card(v["card_code"])
                external = isinstance(card, ExternalCard)
                v.update(kind="external" if external else "internal",
                         issuer=("PROV" if card.issuer == "0" else f"CITY-{card.issuer}") if external else card.issuer,
                         status="active", card_status="valid", eligibility={}, eligibility_attested_on=None)
                v.setdefault("employer", "")
                v.setdefault("phone", "")
                v.setdefault("card_issued_on", None)
                new_sups.append(v)
                new_terms.append((v["card_code"], file_terms))
                continue
            old = _supervisor_fields(sup, sorted(terms[sup.id]))
            v["terms"] = file_terms
            if self._changes("supervisors", old, v, f"第{row.number}行 {v['card_code']}") and write:
                for k in ("name", "employer", "city_letter", "phone", "email", "card_issued_on"):
                    if k in v:
                        setattr(sup, k, v[k])
                self.s.add(sup)
                self._write_terms(sup.id, terms[sup.id], file_terms)
        if write and new_sups:
            self.s.execute(insert(Supervisor), new_sups)
            self.s.flush()
            ids = dict(self.s.exec(select(Supervisor.card_code, Supervisor.id).where(
                col(Supervisor.card_code).in_([c for c, ts in new_terms if ts]))).all()) if any(
                ts for _, ts in new_terms) else {}
            rows_t = [{"supervisor_id": ids[c], "start": a, "end": b, "assessment_passed": True, "instrument": "聘书"}
                      for c, ts in new_terms for a, b in ts]
            if rows_t:
                self.s.execute(insert(AppointmentTerm), rows_t)

    def _write_terms(self, supervisor_id: int, old: set, new: list[tuple[date, date]]) -> None:
        by_start = {t.start: t for t in self.s.exec(select(AppointmentTerm).where(
            AppointmentTerm.supervisor_id == supervisor_id))}
        for start, end in new:
            t = by_start.get(start)
            if t is None:
                self.s.add(AppointmentTerm(supervisor_id=supervisor_id, start=start, end=end, assessment_passed=True))
            elif t.end != end:
                t.end = end
                self.s.add(t)

    def _apply_staff(self, write: bool) -> None:
        report = self.check.report
        existing = {(st.agency_id, st.name): st for st in self.s.exec(select(AgencyStaff))}
        for row in self.rows["staff"]:
            v = dict(row.values)
            v.setdefault("active", True)
            st = existing.get((v["agency_id"], v["name"]))
            if st is None:
                report.created["staff"] += 1
                if write:
                    self.s.add(AgencyStaff(**v))  # never a code: `supervise staff add` issues it
            elif self._changes("staff", {"agency_id": st.agency_id, "name": st.name, "role": st.role,
                                         "active": st.active}, v, f"第{row.number}行 {v['agency_id']} {v['name']}") \
                    and write:
                st.role, st.active = v["role"], v["active"]
                self.s.add(st)

    def _apply_sessions(self, write: bool) -> None:
        report = self.check.report
        inst_ids = {n: i.id for n, i in self.institutions.items()}
        numbers = {i: n for n, i in inst_ids.items()}
        existing = {sess.batch_number: sess for sess in self.s.exec(select(EvaluationSession))}
        zone = tz()
        new_rows, updates = [], []
        for row in self.rows["sessions"]:
            v = dict(row.values)
            v.setdefault("examiners", [])
            v.setdefault("internal_supervisors", [])
            v.setdefault("region", "")
            v.setdefault("candidate_count", 0)
            sess = existing.get(v["batch_number"])
            db = {k: val for k, val in v.items() if k != "institution_filing_number"}
            db.update(institution_id=inst_ids.get(v["institution_filing_number"]),
                      starts_at=v["starts_at"].replace(tzinfo=zone), ends_at=v["ends_at"].replace(tzinfo=zone))
            if sess is None:
                report.created["sessions"] += 1
                new_rows.append(db)
            elif self._changes("sessions", _session_fields(sess, numbers.get(sess.institution_id, "")), v,
                               f"第{row.number}行 {v['batch_number']}"):
                updates.append({"id": sess.id, **db})
        if write and new_rows:
            for i in range(0, len(new_rows), 5000):
                self.s.execute(insert(EvaluationSession), new_rows[i:i + 5000])
        if write and updates:
            self.s.execute(update(EvaluationSession), updates)
