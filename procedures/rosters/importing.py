"""Importing a roster (附件1): the agency's own institutions, supervisors, evaluation sessions and
staff from Excel, as one transaction for the whole file. The file is read (reading.py) and every
row checked (validation.py) first; nothing is written if any row is wrong. Rows are matched by
their natural key (备案号, 证卡编码, 批次编号, 机构+姓名): re-importing the same file changes
nothing; a changed row updates its record and the report says so. One import at a time.
"""

from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from adapters.clock import tz
from adapters.db import session_scope
from models import AgencyStaff, AppointmentTerm, EvaluationSession, Institution, Supervisor
from procedures.rosters.exporting import institution_fields, session_fields, supervisor_fields
from procedures.rosters.reading import Checker, ImportReport, Problem, parse_sheets
from procedures.rosters.schema import KIND_NAMES, LAYOUTS
from procedures.rosters.validation import Checks
from regulation.cards import ExternalCard, parse_card


class RosterRejected(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(report.text())
        self.report = report


def import_roster(path: Path, dry_run: bool = False, as_of: date | None = None, url: str | None = None) -> ImportReport:
    """Check and (unless dry_run) write the whole file in one transaction; RosterRejected on any error."""
    from adapters.clock import today

    as_of = as_of or today()
    report = ImportReport(str(path), dry_run)
    check = Checker(report)
    try:
        rows = parse_sheets(Path(path), check)
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


class _Plan(Checks):
    """Cross-row and database checks (validation.Checks), then the writes, for one file."""

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
            elif self._changes("institutions", institution_fields(existing), v,
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
            old = supervisor_fields(sup, sorted(terms[sup.id]))
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
            elif self._changes("sessions", session_fields(sess, numbers.get(sess.institution_id, "")), v,
                               f"第{row.number}行 {v['batch_number']}"):
                updates.append({"id": sess.id, **db})
        if write and new_rows:
            for i in range(0, len(new_rows), 5000):
                self.s.execute(insert(EvaluationSession), new_rows[i:i + 5000])
        if write and updates:
            self.s.execute(update(EvaluationSession), updates)
