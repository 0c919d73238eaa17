"""统计 of the random inspection plans (双随机、一公开, 第十五条): for each approved plan whose period
meets the statistics' period, what it drew and what became of each chosen session — struck with a
reason, cancelled by the institution, started, not started in time, and inspected to the end. The
coverage of the plan, counted by the database (one GROUP BY)."""

from sqlmodel import Session, select

from models import InspectionCase, PlanSession, SamplingPlan
from procedures.desk.statistics_scope import Period, Scope
from procedures.desk.statistics_tables import Table, count_if, share

COLUMNS = ("计划编号", "期间", "候选场次", "抽中", "不予抽查", "已取消", "已发起", "未能发起", "督导已结案", "完成率")


def plans(s: Session, period: Period, scope: Scope) -> Table:
    closed = count_if((PlanSession.status == "started") & (InspectionCase.status == "closed"))
    got = s.exec(
        select(SamplingPlan.number, SamplingPlan.period_start, SamplingPlan.period_end, SamplingPlan.frame_size,
               SamplingPlan.sample_size, count_if(PlanSession.status == "struck"),
               count_if(PlanSession.status == "cancelled"), count_if(PlanSession.status == "started"),
               count_if(PlanSession.status == "missed"), closed)
        .join(PlanSession, PlanSession.plan_id == SamplingPlan.id)
        .join(InspectionCase, InspectionCase.flow_run_id == PlanSession.flow_run_id, isouter=True)
        .where(SamplingPlan.status == "approved", SamplingPlan.period_start <= period.end,
               SamplingPlan.period_end >= period.start, scope.own(SamplingPlan.agency_id))
        .group_by(SamplingPlan.id, SamplingPlan.number, SamplingPlan.period_start, SamplingPlan.period_end,
                  SamplingPlan.frame_size, SamplingPlan.sample_size)
        .order_by(SamplingPlan.period_start, SamplingPlan.number)).all()
    rows = []
    for number, start, end, frame, drawn, struck, cancelled, started, missed, done in got:
        due = int(drawn) - int(struck) - int(cancelled)  # what the plan still owed after strikes and cancellations
        rows.append((number, f"{start}至{end}", int(frame), int(drawn), int(struck), int(cancelled), int(started),
                     int(missed), int(done), share(int(done), due)))
    return Table("plans", "随机抽查计划（双随机）", COLUMNS, tuple(rows), chart=(3, 8),
                 note="期间内已批准的随机抽查计划：抽中的场次中不予抽查（注明理由）、机构取消、已发起、未能在场次前发起和"
                      "督导已结案的数目；完成率 = 督导已结案 ÷（抽中 − 不予抽查 − 已取消）（第十五条）。")
