"""Steps 2–3 of a random inspection plan — draw and approval (第十五条 双随机; 第十一条).

`create_plan` (once per sampling-plan run, by its flow-run id): checks the request (a Chinese
message naming the field, nothing written), builds the frame (frame.py), fixes and publishes the
frame's hash, derives the seed from it (regulation.sampling.plan_seed: nobody chooses it), draws,
and stores the plan with one row per chosen session (its start day: N working days before).
`approve` (once, by pause key): staff approve with their own staff code, checked against the plan's
agency; they may strike a chosen session only with a stated reason — logged on its row, and the
draw is not redone (no replacement is drawn: that would let a strike choose who is inspected).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from adapters.db import session_scope
from adapters.settings import get_settings
from models import Agency, PlanSession, SamplingPlan
from procedures.casework import staff
from procedures.casework.cases import Refusal, parse_day
from procedures.casework.views import Outcome
from procedures.casework.work_calendar import current_calendar
from procedures.sampling.frame import build_frame
from regulation.calendar import CalendarDataMissing
from regulation.reasons import RuleViolation
from regulation.sampling import (
    RISK_FACTORS,
    Candidate,
    check_weights,
    frame_digest,
    plan_seed,
    replay_plan_draw,
    sample_size,
    shortfalls,
    start_day,
    still_uncovered,
)

MAX_PERIOD_DAYS = 366
STRIKES_FIELD = "strikes"


@dataclass(frozen=True)
class PlanView:
    plan_id: int | None
    number: str
    status: str
    refusal: str = ""


def _period(start_text: str, end_text: str) -> tuple[date, date]:
    start, end = parse_day(start_text), parse_day(end_text)
    if start is None:
        raise RuleViolation(f"期间开始日期：应为有效日期（YYYY-MM-DD），实际为“{start_text}”", "第十五条")
    if end is None:
        raise RuleViolation(f"期间结束日期：应为有效日期（YYYY-MM-DD），实际为“{end_text}”", "第十五条")
    if end < start:
        raise RuleViolation(f"期间：结束日期 {end} 早于开始日期 {start}", "第十五条")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise RuleViolation("期间：一个抽查计划最长一年（按月或按季度制定）", "第十五条")
    return start, end


def start_on_for(s: Session, starts_at: datetime, lead: int, calendar=None) -> tuple[date | None, str]:
    """The start day of a chosen session's inspection (`calendar`: the current one, read once per plan)."""
    from procedures.casework.cases import local_date

    day = local_date(starts_at)
    try:
        return start_day(day, lead, (calendar or current_calendar(s)).is_working_day), ""
    except CalendarDataMissing as exc:
        # A look-ahead, not a deadline: while a year's calendar is unknown, start early (N·7/5 + 4 days).
        return day - timedelta(days=lead * 7 // 5 + 4), f"{exc}；按日历日提前发起"


def create_plan(flow_run_id: str, agency_id: str, period_start: str, period_end: str, rate_percent: float,
                count: int, minimum_per_year: int, weights: dict, as_of: date) -> PlanView:
    """The plan of this run (made once): validated, framed, published, seeded and drawn."""
    try:
        return _create(flow_run_id, agency_id, period_start, period_end, rate_percent, count, minimum_per_year,
                       weights, as_of)
    except IntegrityError:  # the same run's replay raced it, or the number was taken: read again
        return _create(flow_run_id, agency_id, period_start, period_end, rate_percent, count, minimum_per_year,
                       weights, as_of)


def _create(flow_run_id, agency_id, period_start, period_end, rate_percent, count, minimum_per_year, weights,
            as_of) -> PlanView:
    with session_scope() as s:
        plan = s.exec(select(SamplingPlan).where(SamplingPlan.flow_run_id == flow_run_id)).first()
        if plan is not None:
            return PlanView(plan.id, plan.number, plan.status)
        agency = s.get(Agency, (agency_id or "").strip())
        if agency is None:
            return PlanView(None, "", "refused", f"委派机构编码：没有编码为“{agency_id}”的委派机构")
        try:
            start, end = _period(period_start, period_end)
            checked = check_weights(weights or {})
            frame = build_frame(s, agency, start, end, checked, as_of)
            if not frame.candidates:
                raise RuleViolation(f"期间 {start} 至 {end}：本机构管辖范围内没有可抽取的评价场次"
                                    f"（排除 {len(frame.excluded)} 个）", "第十一条")
            size = sample_size(len(frame.candidates), rate_percent or 0, count or 0)
            needs = shortfalls(minimum_per_year or 0, frame.inspected_this_year, frame.in_frame())
        except RuleViolation as exc:
            return PlanView(None, "", "refused", exc.reason)
        size = max(size, sum(needs.values()))
        prefix = f"{agency.id}-{start:%Y%m%d}-{end:%Y%m%d}"
        n = s.exec(select(func.count()).select_from(SamplingPlan).where(SamplingPlan.number.startswith(prefix))).one()
        number = f"{prefix}-{n + 1}"
        digest = frame_digest(frame.candidates, needs)
        seed = plan_seed(number, digest, as_of)
        chosen = replay_plan_draw(seed, frame.candidates, size, needs)
        per_inst: dict[str, int] = {}
        by_batch = {c.batch_number: c for c in frame.candidates}
        for b in chosen:
            per_inst[by_batch[b].institution] = per_inst.get(by_batch[b].institution, 0) + 1
        plan = SamplingPlan(
            number=number, flow_run_id=flow_run_id, agency_id=agency.id, period_start=start, period_end=end,
            rate_percent=float(rate_percent or 0), requested_count=int(count or 0),
            minimum_per_year=int(minimum_per_year or 0), lead_working_days=get_settings().sampling_lead_working_days,
            weights={k: {"weight": w, "title": RISK_FACTORS[k].title, "article": RISK_FACTORS[k].reason.article,
                         "reason": RISK_FACTORS[k].reason.text} for k, w in checked.items()},
            candidates=[[c.batch_number, c.institution, c.starts_on.isoformat(), c.weight] for c in frame.candidates],
            needs=needs, excluded=frame.excluded,
            uncovered=still_uncovered(minimum_per_year or 0, frame.inspected_this_year, per_inst, frame.institutions),
            frame_size=len(frame.candidates), sample_size=len(chosen), frame_hash=digest, seed=seed,
            published_on=as_of, chosen=list(chosen), created_at=datetime.now().astimezone())
        s.add(plan)
        s.flush()
        rows, calendar = [], current_calendar(s)
        for b in chosen:
            start_on, reason = start_on_for(s, frame.starts[b], plan.lead_working_days, calendar)
            rows.append(PlanSession(plan_id=plan.id, session_id=frame.session_ids[b],
                                    institution_id=frame.institution_ids[by_batch[b].institution], batch_number=b,
                                    planned_start=frame.starts[b], start_key=f"plan-{plan.id}-session-{frame.session_ids[b]}",
                                    start_on=start_on, start_on_reason=reason))
        s.add_all(rows)
        return PlanView(plan.id, plan.number, plan.status)


def candidates_of(plan: SamplingPlan) -> list[Candidate]:
    return [Candidate(b, i, date.fromisoformat(d), float(w)) for b, i, d, w in plan.candidates]


def parse_strikes(text: str, chosen: set[str], errors: Refusal) -> dict[str, str]:
    """「批次编号：理由」 one a line → {batch: reason}; each fault named on the strikes field."""
    out: dict[str, str] = {}
    for n, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        batch, sep, reason = line.replace(":", "：").partition("：")
        batch, reason = batch.strip(), reason.strip()
        if not sep or not reason:
            errors.add(STRIKES_FIELD, f"不予抽查的场次第{n}行：应写作“批次编号：理由”，理由不能为空")
        elif batch not in chosen:
            errors.add(STRIKES_FIELD, f"不予抽查的场次第{n}行：批次“{batch}”不在本计划抽中的名单中")
        elif batch in out:
            errors.add(STRIKES_FIELD, f"不予抽查的场次第{n}行：批次“{batch}”重复")
        else:
            out[batch] = reason[:500]
    return out


def plan_today(plan: SamplingPlan) -> date:
    """The plan's "today": the real date shifted as the run's as_of shifted it when the plan was made."""
    from adapters import clock

    return clock.today() + (plan.published_on - plan.created_at.astimezone(clock.tz()).date())


def approve(plan_id: int, pause_key: str, answers: dict) -> Outcome:
    """Approve the drawn list once, signed with a staff code of the plan's agency (or its principal)."""
    with session_scope() as s:
        plan = s.get(SamplingPlan, plan_id)
        today = plan_today(plan)
        if plan.status == "approved":
            return Outcome(True)  # a replay: the approval is stored, the code is not judged again
        errors = Refusal()
        strikes = parse_strikes(str(answers.get(STRIKES_FIELD, "")), set(plan.chosen), errors)
        found = staff.verify(s, plan.agency_id, str(answers.get(staff.CODE_FIELD, "")))
        if isinstance(found, str):
            errors.add(staff.CODE_FIELD, found)
        if errors:
            return Outcome(False, list(errors), dict(errors.fields))
        for row in s.exec(select(PlanSession).where(PlanSession.plan_id == plan.id,
                                                    PlanSession.batch_number.in_(list(strikes)))):
            row.status, row.struck_reason, row.struck_by, row.struck_on = ("struck", strikes[row.batch_number],
                                                                           found.label, today)
            s.add(row)
        plan.status, plan.approved_by, plan.approved_by_staff_id = "approved", found.label, found.staff_id
        plan.approved_on, plan.approval_key = today, pause_key
        s.add(plan)
        return Outcome(True)
