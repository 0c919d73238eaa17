"""统计, the cases: what the inspections found and what was done about it, over a period.

- findings: sanction cases opened, by the article of the finding (第二十条–第二十七条);
- measures: every measure in the institutions' 监管档案 (InstitutionHistory), by kind and article;
- special: special inspections opened, by origin (第十四条, 第十五条（二）: a daily inspection's
  follow-up, a complaint or report, the agency's own initiative), and how many are closed;
- rectifications: 整改 (第二十二条, 附件4) and 改进 (第二十七条) ordered in the period — closed, open,
  overdue on `as_of`, and how long the closed ones took.
All counted by the database (GROUP BY, CASE); scope by the institution (第十一条) or the acting agency.
"""

import re
from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from models import InspectionCase, Institution, InstitutionHistory, SanctionCase, SpecialInspection
from procedures.desk.statistics_scope import Period, Scope
from procedures.desk.statistics_tables import Table, count_if
from regulation.sanctions import case_citation

MEASURE_KIND_NAMES = {
    "interview": "约谈", "written_notice": "书面整改通知（暂停评价活动）", "improvement": "提出改进要求",
    "void_results": "宣布评价结果无效", "revocation": "撤销备案回执", "referral": "移交有关部门",
    "resumption": "恢复评价活动", "suspension": "暂停评价活动", "report": "报告负责备案的人社部门",
    "decision": "处理决定", "not_suspended": "未暂停（备案已撤销）",
}
ORIGIN_NAMES = {"pending": "日常督导转专项督导", "complaint": "投诉举报", "initiative": "主动开展"}
RECTIFYING = ("rectification", "improvement")
FINAL = ("closed", "dropped", "reported")
DURATION_BUCKETS = ((0, 30, "30天以内"), (31, 60, "31至60天"), (61, 90, "61至90天"), (91, 100_000, "90天以上"))


def citation(finding: str) -> str:
    """22.2 → 第二十二条（二）; anything else as stored."""
    try:
        return case_citation(finding) if re.fullmatch(r"\d+\.\d+", finding or "") else (finding or "—")
    except (KeyError, IndexError):
        return finding


def _article_order(finding: str) -> tuple:
    m = re.fullmatch(r"(\d+)\.(\d+)", finding or "")
    return (int(m.group(1)), int(m.group(2)), "") if m else (999, 0, finding or "")


def _in(column, period: Period):
    return (column >= period.start) & (column <= period.end)


def findings(s: Session, period: Period, scope: Scope) -> Table:
    got = s.exec(select(SanctionCase.finding_case, func.count(SanctionCase.id))
                 .join(Institution, Institution.id == SanctionCase.institution_id)
                 .where(_in(SanctionCase.opened_on, period), scope.acting(SanctionCase.agency_id))
                 .group_by(SanctionCase.finding_case)).all()
    ranked = sorted(((f, int(n)) for f, n in got), key=lambda r: (-r[1], _article_order(r[0])))
    rows = [(citation(f), n) for f, n in ranked]
    return Table("findings", "发现的问题（按条款）", ("条款", "立案数"), tuple(rows), chart=(1,),
                 note="期间内启动处理程序的案件，按认定情形所依据的条款（第二十条至第二十七条）。")


def measures(s: Session, period: Period, scope: Scope) -> Table:
    query = (select(InstitutionHistory.kind, InstitutionHistory.article, func.count(InstitutionHistory.id))
             .where(_in(InstitutionHistory.on, period)).group_by(InstitutionHistory.kind, InstitutionHistory.article))
    if scope.agency is not None:  # the scope's institutions by their index (a city holds 1/16 of the archive)
        mine = col(InstitutionHistory.institution_id).in_(select(Institution.id).where(scope.institutions()))
        if scope.kind == "agency":
            mine = mine | col(InstitutionHistory.sanction_case_id).in_(
                select(SanctionCase.id).where(SanctionCase.agency_id == scope.agency.id))
        query = query.where(mine)
    rows = sorted(((f"{MEASURE_KIND_NAMES.get(k, k)}（{a or '未载明条款'}）", MEASURE_KIND_NAMES.get(k, k), a or "—",
                    int(n)) for k, a, n in s.exec(query).all()), key=lambda r: (-r[3], r[0]))
    return Table("measures", "采取的措施（按条款）", ("措施及条款", "措施", "条款", "次数"), tuple(rows), chart=(3,),
                 note="评价机构监管档案中期间内记载的每一项措施（第十八条至第二十七条）。")


def special(s: Session, period: Period, scope: Scope) -> Table:
    got = {origin: (int(n), int(done)) for origin, n, done in s.exec(
        select(SpecialInspection.origin, func.count(SpecialInspection.id),
               count_if(col(SpecialInspection.stage).in_(("closed", "referred"))))
        .join(InspectionCase, InspectionCase.id == SpecialInspection.case_id)
        .join(Institution, Institution.id == InspectionCase.institution_id)
        .where(_in(InspectionCase.opened_on, period), scope.acting(InspectionCase.agency_id))
        .group_by(SpecialInspection.origin))}
    rows = [(name, *got.get(origin, (0, 0))) for origin, name in ORIGIN_NAMES.items()]
    rows += [(origin, *v) for origin, v in got.items() if origin not in ORIGIN_NAMES]
    rows.append(("合计", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    return Table("special", "专项督导（按来源）", ("来源", "启动", "已结案或转处理"), tuple(rows), chart=(1, 2),
                 note="期间内启动的专项督导（第十四条、第十五条（二））。")


def _days(s: Session, later, earlier):
    if s.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier  # PostgreSQL: date − date is a number of days


def rectifications(s: Session, period: Period, scope: Scope, as_of: date) -> Table:
    finished = col(SanctionCase.status).in_(FINAL)
    ended = func.coalesce(SanctionCase.resumed_on, SanctionCase.report_received_on, SanctionCase.decided_on)
    days = _days(s, ended, SanctionCase.decided_on)
    overdue = ~finished & (SanctionCase.rectification_due < as_of)
    closed_days = case((finished, days), else_=None)
    row = s.exec(select(func.count(SanctionCase.id), count_if(finished), count_if(overdue),
                        func.avg(closed_days), func.max(closed_days),
                        *[count_if(finished & (days >= lo) & (days <= hi)) for lo, hi, _ in DURATION_BUCKETS])
                 .join(Institution, Institution.id == SanctionCase.institution_id)
                 .where(col(SanctionCase.measure).in_(RECTIFYING), col(SanctionCase.decided_on).is_not(None),
                        _in(SanctionCase.decided_on, period), scope.acting(SanctionCase.agency_id))).one()
    total, closed, late = int(row[0]), int(row[1]), int(row[2])
    rows = [("责令整改或改进", total), ("已完成", closed), ("进行中", total - closed), ("其中逾期未完成", late)]
    rows += [(f"完成用时{name}", int(n)) for (_, _, name), n in zip(DURATION_BUCKETS, row[5:], strict=True)]
    return Table("rectifications", "整改与改进", ("项目", "数量"), tuple(rows), chart=(1,),
                 note=(f"期间内决定的整改（第二十二条、附件4）与改进（第二十七条）；进行中、逾期按{as_of}的状态。"
                       f"已完成的平均用时{_fmt(row[3])}天，最长{_fmt(row[4])}天。"))


def open_rectifications(s: Session, scope: Scope, as_of: date) -> Table:
    """Every rectification or improvement still running on `as_of`, whenever it was ordered."""
    rows = s.exec(select(Institution.name, Institution.filing_number, SanctionCase.number, SanctionCase.measure,
                         SanctionCase.decided_on, SanctionCase.rectification_due)
                  .join(Institution, Institution.id == SanctionCase.institution_id)
                  .where(col(SanctionCase.measure).in_(RECTIFYING), col(SanctionCase.decided_on).is_not(None),
                         SanctionCase.decided_on <= as_of, col(SanctionCase.status).not_in(FINAL),
                         scope.acting(SanctionCase.agency_id))
                  .order_by(SanctionCase.rectification_due, Institution.filing_number)).all()
    return Table("open_rectifications", "尚未完成的整改与改进",
                 ("评价机构", "备案编号", "案件编号", "措施", "决定日期", "期限", "状态"),
                 tuple((name, filing, number or "—", "整改" if measure == "rectification" else "改进", str(decided),
                        str(due) if due else "期限待定", "已逾期" if due and due < as_of else "进行中")
                       for name, filing, number, measure, decided, due in rows),
                 note=f"截至{as_of}仍在整改或改进中的评价机构（第二十二条、第二十七条、附件4）。")


def _fmt(value) -> str:
    return "—" if value is None else f"{float(value):.0f}"


def tables(s: Session, period: Period, scope: Scope, as_of: date) -> tuple[Table, ...]:
    return (findings(s, period, scope), measures(s, period, scope), special(s, period, scope),
            rectifications(s, period, scope, as_of), open_rectifications(s, scope, as_of))
