"""Templates and export of the rosters (附件1): an empty template with an example row and a help
sheet, and what the database holds written in the same layout, so an export re-imports
unchanged. The fields of a record as a roster shows them (`institution_fields` …) are also what
an import compares a row with (importing.py).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from adapters.clock import tz
from adapters.db import session_scope
from adapters.spreadsheets import SheetSpec, write_roster
from models import AgencyStaff, AppointmentTerm, EvaluationSession, Institution, Supervisor
from procedures.rosters.schema import HELP_SHEET, KIND_NAMES, LAYOUTS, Layout


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
            yield institution_fields(inst)
    elif kind == "supervisors":
        terms = defaultdict(list)
        for t in s.exec(select(AppointmentTerm).order_by(AppointmentTerm.start)):
            terms[t.supervisor_id].append((t.start, t.end))
        for sup in s.exec(select(Supervisor).order_by(Supervisor.card_code)):
            yield supervisor_fields(sup, terms[sup.id])
    elif kind == "staff":
        for st in s.exec(select(AgencyStaff).order_by(AgencyStaff.agency_id, AgencyStaff.name)):
            yield {"agency_id": st.agency_id, "name": st.name, "role": st.role, "active": st.active}
    else:
        numbers = dict(s.exec(select(Institution.id, Institution.filing_number)).all())
        for sess in s.exec(select(EvaluationSession).order_by(EvaluationSession.batch_number)):
            yield session_fields(sess, numbers[sess.institution_id])


def institution_fields(inst: Institution) -> dict:
    return {k: getattr(inst, k) for k in (
        "name", "filing_number", "filing_authority", "city_letter", "category", "industry_code", "filed_on",
        "scope_occupations", "scope_levels", "scope_regions", "exam_sites", "status", "contact_email",
        "last_evaluation_on", "credit_code")}


def supervisor_fields(sup: Supervisor, terms: list[tuple[date, date]]) -> dict:
    return {"card_code": sup.card_code, "name": sup.name, "person_key": sup.person_key, "employer": sup.employer,
            "city_letter": sup.city_letter, "phone": sup.phone, "email": sup.email,
            "card_issued_on": sup.card_issued_on, "terms": sorted(terms)}


def session_fields(sess: EvaluationSession, filing_number: str) -> dict:
    return {"batch_number": sess.batch_number, "institution_filing_number": filing_number,
            "occupation": sess.occupation, "level": sess.level, "form_kind": sess.form_kind, "region": sess.region,
            "site": sess.site, "starts_at": _local(sess.starts_at), "ends_at": _local(sess.ends_at),
            "candidate_count": sess.candidate_count, "examiners": list(sess.examiners),
            "internal_supervisors": list(sess.internal_supervisors)}
