"""What staff see of a plan in the Prefect UI (an artifact; the chosen list is for the agency only —
the public sees publication.py): the summary, the weights and reasons, who falls short of the
minimum, the exclusions, and each chosen session with its start day, strike or change."""

from sqlmodel import select

from adapters.db import session_scope
from adapters.markdown_text import inert
from models import Institution, PlanSession, SamplingPlan
from procedures.casework.cases import local_date
from procedures.sampling.publication import STATUS, _rate

ROW_STATUS = {"chosen": "待发起", "started": "已发起", "struck": "不予抽查", "cancelled": "已取消", "missed": "未能发起"}


def plan_markdown(plan_id: int) -> str:
    with session_scope() as s:
        plan = s.get(SamplingPlan, plan_id)
        rows = s.exec(select(PlanSession, Institution).join(Institution, Institution.id == PlanSession.institution_id)
                      .where(PlanSession.plan_id == plan_id).order_by(PlanSession.planned_start, PlanSession.id)).all()
        out = [f"# 随机抽查计划 {plan.number}（{STATUS.get(plan.status, plan.status)}）", "",
               f"- 期间：{plan.period_start} 至 {plan.period_end}；抽取范围 {plan.frame_size} 个场次；"
               f"{_rate(plan)}；抽中 {plan.sample_size} 个",
               f"- 公布日期 {plan.published_on}；随机种子 `{plan.seed}`；候选名单哈希 `{plan.frame_hash}`",
               f"- 场次前 {plan.lead_working_days} 个工作日自动发起日常督导，督导员按第十条、第十三条随机抽取",
               (f"- 批准：{inert(plan.approved_by)}，{plan.approved_on}" if plan.approved_on else "- 待批准"), "",
               "## 风险权重（解释：本系统的加权规则）", "", "| 因素 | 权重 | 理由 |", "|---|---|---|"]
        out += [f"| {w['title']} | {w['weight']:g} | {w['reason']}（{w['article']}） |" for w in plan.weights.values()]
        if plan.uncovered:
            out += ["", f"## 本年度仍未达到最少督导次数的机构（{len(plan.uncovered)} 个）", ""]
            out += [f"- {inert(k)}：还差 {v} 次" for k, v in sorted(plan.uncovered.items())]
        if plan.excluded:
            out += ["", f"## 排除的场次（{len(plan.excluded)} 个）", ""]
            out += [f"- {inert(e['batch'])}（{inert(e['institution'])}）：{e['reason']}" for e in plan.excluded[:200]]
        out += ["", "## 抽中的场次", "", "| 批次 | 评价机构 | 场次日期 | 发起日期 | 状态 | 说明 |", "|---|---|---|---|---|---|"]
        for row, inst in rows:
            note = row.struck_reason and f"{row.struck_reason}（{row.struck_by}）" or row.change_text.replace("\n", "；")
            out.append(f"| {inert(row.batch_number)} | {inert(inst.name)} | {local_date(row.moved_to or row.planned_start)} "
                       f"| {row.start_on or '待定'} | {ROW_STATUS.get(row.status, row.status)} | {inert(note) or '—'} |")
        return "\n".join(out)


def approval_header(plan_id: int) -> str:
    with session_scope() as s:
        plan = s.get(SamplingPlan, plan_id)
        return (f"**随机抽查计划 {inert(plan.number)}** · 期间 {plan.period_start} 至 {plan.period_end} · 抽取范围 "
                f"{plan.frame_size} 个场次，抽中 {plan.sample_size} 个（名单见本运行的 Artifacts）。批准后各场次的日常督导"
                f"将自动发起。不予抽查的场次须逐一写明理由，记入计划；不重新抽取。")
