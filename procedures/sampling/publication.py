"""Step 6 of a random inspection plan — 一公开 (第十五条), within 第八条（四） (督导情况记录（结果）
not published at will): only what the plan itself makes public.

- Every plan's summary, from the day it is drawn (before any of its inspections): number, agency,
  period, frame size, rate or count, sample size, seed and the SHA-256 of the candidate list — not
  the list, and never which sessions were chosen before they are inspected.
- After each chosen session's daily inspection is closed (with a record): the institution, its filing
  number, the session's day and the overall result (regulation.sampling.public_result: 合格 / 不合格 /
  已责令整改) — never the record, the checklist, remarks or any person's name.
Read live, so a page is current after every change."""

import json

from sqlmodel import col, select

from adapters.db import session_scope
from models import (
    Agency,
    AgencyDecision,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    PlanSession,
    SamplingPlan,
)
from procedures.casework.cases import local_date
from regulation.sampling import public_result

PLAN_COLUMNS = {"number": "抽查计划编号", "agency": "制定部门", "period": "抽查期间", "frame_size": "抽取范围（场次）",
                "rate": "抽查比例或数量", "sample_size": "抽中场次", "published_on": "公布日期", "seed": "随机种子",
                "frame_hash": "候选名单哈希（SHA-256）", "status": "状态"}
RESULT_COLUMNS = {"plan": "抽查计划编号", "institution": "评价机构", "filing_number": "备案编号", "day": "督导日期",
                  "result": "督导结果"}
STATUS = {"drawn": "已抽取，待批准", "approved": "已批准"}


def _rate(plan: SamplingPlan) -> str:
    shown = f"{plan.rate_percent:g}%" if plan.rate_percent else f"{plan.requested_count} 个场次"
    return shown + (f"；每个机构每年至少 {plan.minimum_per_year} 次" if plan.minimum_per_year else "")


def plans() -> list[dict]:
    with session_scope() as s:
        rows = s.exec(select(SamplingPlan, Agency).join(Agency, Agency.id == SamplingPlan.agency_id)
                      .order_by(SamplingPlan.published_on.desc(), SamplingPlan.id.desc())).all()
        return [{"number": p.number, "agency": a.letterhead_name, "period": f"{p.period_start} 至 {p.period_end}",
                 "frame_size": p.frame_size, "rate": _rate(p), "sample_size": p.sample_size,
                 "published_on": str(p.published_on), "seed": p.seed, "frame_hash": p.frame_hash,
                 "status": STATUS.get(p.status, p.status)} for p, a in rows]


def results() -> list[dict]:
    """One row per closed daily inspection a plan started, with a record: institution, day, result."""
    with session_scope() as s:
        rows = s.exec(select(SamplingPlan.number, Institution.name, Institution.filing_number,
                             EvaluationSession.starts_at, InspectionRecord.verdict, AgencyDecision.option)
                      .select_from(PlanSession)
                      .join(SamplingPlan, SamplingPlan.id == PlanSession.plan_id)
                      .join(InspectionCase, InspectionCase.flow_run_id == PlanSession.flow_run_id)
                      .join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
                      .outerjoin(AgencyDecision, AgencyDecision.case_id == InspectionCase.id)
                      .join(Institution, Institution.id == PlanSession.institution_id)
                      .join(EvaluationSession, EvaluationSession.id == PlanSession.session_id)
                      .where(PlanSession.status == "started", InspectionCase.status == "closed",
                             col(PlanSession.flow_run_id) != "")
                      .order_by(EvaluationSession.starts_at.desc(), PlanSession.id.desc())).all()
        return [{"plan": number, "institution": name, "filing_number": filing, "day": str(local_date(starts)),
                 "result": public_result(verdict, option or "")} for number, name, filing, starts, verdict, option in rows]


def as_json() -> str:
    return json.dumps({"title": "随机抽查计划及结果公示（“双随机、一公开”，第十五条）", "plan_columns": PLAN_COLUMNS,
                       "plans": plans(), "result_columns": RESULT_COLUMNS, "results": results()},
                      ensure_ascii=False, indent=1)
