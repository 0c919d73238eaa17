"""What the agency sees of internal supervision (第四条, 第十六条 全覆盖; 第八条 confidentiality).

- `coverage`: per institution over a period — sessions (scheduled start in the period), those with
  an internal 附件3 record, on time (第十七条 via 第十六条 参照), missing, 内督不合格 and their
  follow-ups — and the internal-vs-external divergence signal (the same session's external record,
  once it counts: confirmed). Counted by the database (GROUP BY over evaluation_session ⟕
  internal_session ⟕ internal_record); the definitions are regulation.internal_supervision's.
- Who sees what: a session belongs to InternalSession.agency_id when set, else to the agency
  responsible for its institution (第十一条, procedures.casework.dispatching: the one mapping);
  the provincial centre sees every institution's counts.
- `internal_record_view`: one session's internal record, for its owning agency only (第八条).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, not_, or_, true
from sqlmodel import Session, col, select

from adapters import clock
from models import (
    Agency,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    InternalRecord,
    InternalSession,
)
from procedures.casework.dispatching import responsible_agency, responsible_for
from procedures.casework.staff import owning_agencies
from regulation.internal_supervision import (
    FAIL,
    UNKNOWN_DUE_GRACE_DAYS,
    Coverage,
    Divergence,
    divergence,
    risk_weight,
)


class CoverageError(ValueError):
    """The request cannot be answered: the reason in Chinese, naming the field."""


@dataclass(frozen=True)
class CoverageRow:
    institution_id: int | None  # None: the total
    name: str
    filing_number: str
    coverage: Coverage
    signal: Divergence
    diverging_batches: tuple[str, ...] = ()
    risk_weight: float = 1.0


@dataclass(frozen=True)
class CoverageReport:
    agency: Agency | None
    start: date
    end: date
    as_of: date
    rows: list[CoverageRow]
    total: CoverageRow = field(repr=False)

    @property
    def flagged(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.signal.flagged]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=clock.tz())


def _agency(s: Session, agency_id: str | None) -> Agency | None:
    if not agency_id:
        return None
    agency = s.get(Agency, agency_id.strip())
    if agency is None:
        raise CoverageError(f"委派机构：没有编码为“{agency_id}”的委派机构")
    return agency


def owned_by(agency: Agency | None):
    """Sessions the agency sees: its own (InternalSession.agency_id), else those of institutions it is
    responsible for (第十一条); the provincial centre sees all. Needs Institution and InternalSession
    (outer) joined."""
    if agency is None or agency.level == "province":
        return true()
    return or_(InternalSession.agency_id == agency.id,
               and_(col(InternalSession.agency_id).is_(None), responsible_for(agency)))


def _scoped(query, start: date, end: date, agency: Agency | None, institution_id: int | None):
    query = query.where(EvaluationSession.starts_at >= _midnight(start),
                        EvaluationSession.starts_at < _midnight(end + timedelta(days=1)), owned_by(agency))
    return query.where(EvaluationSession.institution_id == institution_id) if institution_id else query


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def coverage(s: Session, start: date, end: date, agency_id: str | None = None, institution_id: int | None = None,
             as_of: date | None = None) -> CoverageReport:
    """Coverage per institution with sessions in [start, end] seen by `agency_id` (None: all), as it
    stands on `as_of` (default today): rows ordered by risk weight, then filing number."""
    if start > end:
        raise CoverageError(f"期间：开始日期 {start} 晚于结束日期 {end}")
    agency = _agency(s, agency_id)
    as_of = as_of or clock.today()
    recorded = col(InternalRecord.id).is_not(None)
    failed = and_(recorded, InternalRecord.verdict == FAIL)
    missing = and_(col(InternalRecord.id).is_(None), or_(
        col(InternalSession.missing_reported_on).is_not(None), InternalSession.record_due < as_of,
        and_(col(InternalSession.record_due).is_(None),
             EvaluationSession.ends_at < _midnight(as_of - timedelta(days=UNKNOWN_DUE_GRACE_DAYS)))))
    overdue = and_(failed, col(InternalRecord.followup_on).is_(None), or_(
        col(InternalRecord.followup_overdue_reported_on).is_not(None), InternalRecord.followup_due < as_of))
    counts = _scoped(
        select(Institution.id, Institution.name, Institution.filing_number, func.count(EvaluationSession.id),
               func.count(InternalRecord.id), _count(and_(recorded, not_(InternalRecord.late))), _count(missing),
               _count(failed), _count(and_(failed, col(InternalRecord.followup_on).is_not(None))), _count(overdue))
        .select_from(EvaluationSession)
        .join(Institution, Institution.id == EvaluationSession.institution_id)
        .outerjoin(InternalSession, InternalSession.session_id == EvaluationSession.id)
        .outerjoin(InternalRecord, InternalRecord.internal_session_id == InternalSession.id),
        start, end, agency, institution_id).group_by(Institution.id, Institution.name, Institution.filing_number)
    # The same session seen by both: internal verdict, and whether a counting external record failed it.
    external_failed = func.max(case((InspectionRecord.verdict == FAIL, 1), else_=0))
    pairs = _scoped(
        select(EvaluationSession.institution_id, EvaluationSession.batch_number, InternalRecord.verdict,
               external_failed)
        .select_from(EvaluationSession)
        .join(Institution, Institution.id == EvaluationSession.institution_id)
        .join(InternalSession, InternalSession.session_id == EvaluationSession.id)
        .join(InternalRecord, InternalRecord.internal_session_id == InternalSession.id)
        .join(InspectionCase, InspectionCase.session_id == EvaluationSession.id)
        .join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
        .where(col(InspectionRecord.confirmed_on).is_not(None)),
        start, end, agency, institution_id).group_by(
        EvaluationSession.id, EvaluationSession.institution_id, EvaluationSession.batch_number, InternalRecord.verdict)
    by_institution: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for inst_id, batch, internal, ext_failed in s.exec(pairs):
        by_institution[inst_id].append((batch, internal, FAIL if ext_failed else "合格"))
    rows = []
    for inst_id, name, filing, *numbers in s.exec(counts):
        cov = Coverage(*(int(n) for n in numbers))
        compared = by_institution.get(inst_id, [])
        signal = divergence([(i, e) for _, i, e in compared], cov.failed)
        batches = tuple(sorted(b for b, i, e in compared if i != FAIL and e == FAIL)) if signal.flagged else ()
        rows.append(CoverageRow(inst_id, name, filing, cov, signal, batches, risk_weight(cov, signal)))
    rows.sort(key=lambda r: (-r.risk_weight, r.filing_number))
    total_cov = sum((r.coverage for r in rows), Coverage())
    total_signal = Divergence(sum(r.signal.compared for r in rows), sum(r.signal.diverging for r in rows),
                              any(r.signal.flagged for r in rows), None)
    total = CoverageRow(None, "合计", "", total_cov, total_signal, (), 0.0)
    return CoverageReport(agency, start, end, as_of, rows, total)


# -- One internal record, for its owning agency only (第八条) -------------------------------------
@dataclass(frozen=True)
class AnswerLine:
    number: str  # 否决1 … / 1 …
    text: str
    answer: str
    remark: str = ""


@dataclass(frozen=True)
class InternalRecordView:
    batch_number: str
    institution_name: str
    filing_number: str
    owner_id: str
    session_day: date
    record: InternalRecord
    vetoes: list[AnswerLine]
    items: list[AnswerLine]
    signer: str = ""  # 附件3 督导员签名: the recorder's name and internal card code
    files: tuple[tuple[str, str, int], ...] = ()  # evidence: (where, file name, bytes), record then follow-up


def session_owner(s: Session, internal: InternalSession | None, inst: Institution) -> str | None:
    """The agency a session's internal supervision reports to: InternalSession.agency_id when set,
    else the agency responsible for the institution (第十一条)."""
    if internal is not None and internal.agency_id:
        return internal.agency_id
    agency = responsible_agency(s, inst)
    return agency.id if agency else None


def internal_record_view(s: Session, batch_number: str, agency_id: str) -> InternalRecordView | str:
    """The session's internal 附件3 record with its item texts, verdict and follow-up — or why not,
    in Chinese: only the agency that owns the session may read it (第八条)."""
    from regulation.checklists import load_checklist

    batch = (batch_number or "").strip()
    if not batch:
        return "批次编号：未填写"
    agency = s.get(Agency, (agency_id or "").strip())
    if agency is None:
        return f"委派机构：没有编码为“{agency_id}”的委派机构"
    sess = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == batch)).first()
    if sess is None:
        return f"批次编号：找不到“{batch}”"
    inst = s.get(Institution, sess.institution_id)
    internal = s.exec(select(InternalSession).where(InternalSession.session_id == sess.id)).first()
    owner = session_owner(s, internal, inst)
    if owner is None or agency.id not in owning_agencies(s, owner):
        return (f"批次 {batch} 的内督记录由 {owner or '（未确定）'} 负责，{agency.id} 无权查阅"
                "（第八条：督导记录不得向委派机构以外的人员提供）")
    record = s.exec(select(InternalRecord).where(InternalRecord.session_id == sess.id)).first()
    if record is None:
        return f"批次 {batch}：尚无内督记录"
    checklist = load_checklist(record.form_kind)
    vetoes = [AnswerLine(f"否决{v.no}", v.text, record.veto_answers.get(str(v.no)) or "")
              for v in checklist.veto_items]
    items = [AnswerLine(str(i.no), i.text, record.item_answers.get(str(i.no)) or "", record.remarks.get(str(i.no), ""))
             for i in checklist.items]
    from models import PortalFile, PortalSubmission, Supervisor

    sup = s.get(Supervisor, record.submitted_by)
    files = []
    for where, sub_id in (("记录表", record.submission_id), ("整改说明", record.followup_submission_id)):
        if sub_id is None:
            continue
        sub = s.get(PortalSubmission, sub_id)
        fields = {f.get("position"): f.get("field", "") for f in (sub.payload or {}).get("files", [])} if sub else {}
        for f in s.exec(select(PortalFile).where(PortalFile.submission_id == sub_id).order_by(PortalFile.position)):
            field = fields.get(f.position, "")
            label = f"{where}第{int(field.removeprefix('item_'))}项" if field.startswith("item_") else where
            files.append((label, f.display_name, f.size))
    return InternalRecordView(batch, inst.name, inst.filing_number, owner, sess.starts_at.astimezone(clock.tz()).date(),
                              record, vetoes, items, f"{sup.name}（{sup.card_code}）" if sup else "", tuple(files))
