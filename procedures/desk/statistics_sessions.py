"""统计, the sessions: registered and inspected (coverage, 第十五条（一）), records on time (第十七条),
合格/不合格 by form kind and the checklist items most often failed (附件3). Counted by the database
(GROUP BY; the failed items through the database's own JSON table function).
"""

from sqlalchemy import func, true
from sqlmodel import Session, col, select

from models import EvaluationSession, InspectionCase, InspectionRecord, Institution
from procedures.desk.statistics_scope import Period, Scope
from procedures.desk.statistics_tables import Table, count_if, share
from regulation.checklists import FORM_KINDS, FORM_NAMES, load_checklist

TOP_ITEMS = 10


def _sessions_in(period: Period):
    lo, hi = period.midnights()
    return (EvaluationSession.starts_at >= lo) & (EvaluationSession.starts_at < hi)


def coverage(s: Session, period: Period, scope: Scope) -> Table:
    inspected = col(InspectionRecord.id).is_not(None)
    got = dict.fromkeys(FORM_KINDS, (0, 0)) | {
        kind: (int(n), int(k)) for kind, n, k in s.exec(
            select(EvaluationSession.form_kind, func.count(EvaluationSession.id), count_if(inspected))
            .join(Institution, Institution.id == EvaluationSession.institution_id)
            .outerjoin(InspectionCase, InspectionCase.active_session_id == EvaluationSession.id)
            .outerjoin(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
            .where(_sessions_in(period), scope.acting(InspectionCase.agency_id))
            .group_by(EvaluationSession.form_kind))}
    rows = [(FORM_NAMES.get(k, k), n, i, share(i, n)) for k, (n, i) in got.items()]
    total = (sum(r[1] for r in rows), sum(r[2] for r in rows))
    rows.append(("合计", *total, share(total[1], total[0])))
    return Table("coverage", "评价场次与日常督导覆盖", ("考核形式", "登记场次", "已督导场次", "覆盖率"), tuple(rows),
                 chart=(1, 2), note="场次按计划开始日期计入期间；已督导：外督员已提交督导情况记录表（第十五条（一）、第十七条）。")


def _records_query(period: Period, scope: Scope, *columns):
    return (select(*columns).select_from(InspectionRecord)
            .join(InspectionCase, InspectionCase.id == InspectionRecord.case_id)
            .join(EvaluationSession, EvaluationSession.id == InspectionCase.session_id)
            .join(Institution, Institution.id == EvaluationSession.institution_id)
            .where(_sessions_in(period), scope.acting(InspectionCase.agency_id)))


def records(s: Session, period: Period, scope: Scope) -> Table:
    late, failed = col(InspectionRecord.late).is_(True), InspectionRecord.verdict == "不合格"
    got = dict.fromkeys(FORM_KINDS, (0, 0, 0)) | {
        kind: (int(n), int(lt), int(f)) for kind, n, lt, f in s.exec(
            _records_query(period, scope, InspectionRecord.form_kind, func.count(InspectionRecord.id),
                           count_if(late), count_if(failed)).group_by(InspectionRecord.form_kind))}
    rows = [(FORM_NAMES.get(k, k), n, n - lt, lt, share(n - lt, n), n - f, f, share(f, n))
            for k, (n, lt, f) in got.items()]
    sums = [sum(r[i] for r in rows) for i in (1, 2, 3, 5, 6)]
    rows.append(("合计", sums[0], sums[1], sums[2], share(sums[1], sums[0]), sums[3], sums[4], share(sums[4], sums[0])))
    return Table("records", "督导情况记录：按时提交与评定结果",
                 ("考核形式", "记录份数", "按时", "逾期", "按时率", "合格", "不合格", "不合格率"), tuple(rows),
                 chart=(5, 6), note="按时：评价活动结束后2个工作日内提交（第十七条）；评定：附件3填写说明（一票否决或否定项达20%为不合格）。")


def _elements(s: Session):
    """The items of InspectionRecord.failed_items, one row each, as a table-valued function."""
    if s.get_bind().dialect.name == "sqlite":
        return func.json_each(InspectionRecord.failed_items).table_valued("value")
    return func.json_array_elements_text(InspectionRecord.failed_items).table_valued("value")


def failed_items(s: Session, period: Period, scope: Scope) -> Table:
    item = _elements(s)
    got = s.exec(_records_query(period, scope, InspectionRecord.form_kind, item.c.value, func.count())
                 .join(item, true()).group_by(InspectionRecord.form_kind, item.c.value)).all()
    ranked = sorted(((kind, int(no), int(n)) for kind, no, n in got),
                    key=lambda r: (-r[2], FORM_KINDS.index(r[0]) if r[0] in FORM_KINDS else 9, r[1]))[:TOP_ITEMS]
    texts = {k: {i.no: i.text for i in load_checklist(k).items} for k in {r[0] for r in ranked}}
    rows = tuple((f"{FORM_NAMES[k]}第{no}项", texts[k].get(no, ""), n) for k, no, n in ranked)
    return Table("failed_items", f"否定次数最多的{TOP_ITEMS}个检查项", ("检查项", "内容", "否定次数"), rows,
                 chart=(2,), note="附件3督导情况记录表中被判“否”的检查项，按次数排列（并列时按考核形式、序号）。")
