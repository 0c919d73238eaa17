"""专项督导 — 第十五条(二), 第十四条. One flow run per special inspection.

督导前，应当明确督导事项，成立督导小组（原则上3名及以上外督员）:
0. Opening: from a pending case (转专项督导), a complaint or media report (第十四条(八)), or on
   the agency's initiative; matters and planned dates fixed; the team drawn at random under the
   rules of dispatch and recusal, no two members from one employer, one lead.
   Notices: the team gets the brief and a portal link each; the institution a numbered
   专项督导通知 asking for its self-assessment report by a working-day deadline.
1. 现场考察（核查）、听取意见: each member files findings per matter through the portal; a member
   withdrawn after the draw (第十三条, `supervise special withdraw`) is no longer waited for, and
   the replacement drawn from the same pool is.
2. 评议自评报告和现场情况，形成初步督导意见并反馈: the lead consolidates (and records the
   hearing); staff approve (staff code); the draft goes to the institution with the rebuttal window.
3. 综合分析申辩意见，发出质量督导意见书: staff weigh each point (staff code) → numbered letter;
   every matter 符合 → no rectification, the letter closes the case.
4. 提交整改工作报告: uploaded through the portal; staff review it (staff code): accepted → closed;
   incomplete → asked again; refused → 第二十七条(三); overdue → the sweep opens 第二十二条(六).

Every window's deadline is in the database; the daily sweep closes it and resumes the run
("window closed"), once. Nothing waits on a suspend timeout. Every side effect is a persisted
task with a database key, so each replay from the top repeats nothing.
"""

from itertools import count
from typing import Annotated, Literal

from prefect import flow, runtime
from prefect.states import Completed

from adapters.markdown_text import inert
from flows import special_forms as forms
from flows.asking import ask_until_accepted as _ask
from flows.ending import end_refused
from flows.parameters import BLANK_DATE, titled
from flows.portal_step import wait_for_submission, wait_for_submission_or_close
from regulation.inspection_matters import matter_names
from tasks import special as t

# The run form's choices (Prefect UI): 督导来源 a list, 督导事项 a multi-select of 第十四条's nine
# areas by name — a `list[Literal]` renders as a multi-select, with no JSON mode needed.
Origin = Literal["投诉举报", "待处理案件", "主动开展"]
MatterName = Literal[matter_names()]  # type: ignore[valid-type]  # built from the data file


def _run_name() -> str:
    """The case's number once the run has opened it: Prefect names the run again at each start
    (a resume after a pause restarts it), so the name is read from the case, not kept."""
    from procedures.special.timeline import run_name_of

    return run_name_of(str(runtime.flow_run.id)) or f"专项督导 · {runtime.flow_run.parameters.get('institution', '')}"


def _approval_header(ctx: dict) -> str:
    """What staff approve: the draft (with the lead's reasons), the hearing, the members' findings."""
    lines = [f"**{inert(ctx['institution'])}** · 初步督导意见："]
    lines += [f"- {lbl}：**{r}**" + (f"（组长改变评定，理由：{inert(why)}）" if why else "") for lbl, r, why in ctx["draft"]]
    lines.append(f"\n听取意见：{inert(ctx.get('hearing')) or '（未记录）'}")
    if ctx.get("findings"):
        lines.append("\n督导小组成员的督导情况：")
        lines += [f"- {lbl} · {inert(who)}：{r}；{inert(facts)}" for lbl, who, r, facts in ctx["findings"]]
    return "\n".join(lines)


def _member_findings(cid: int, member_id: int) -> None:
    """One member's findings: a refused one gets a new link (round n+1); submission 0 means staff
    withdrew the member (第十三条) and the run no longer waits for them."""
    for n in count(1):
        sid = wait_for_submission(f"findings-{member_id}-{n}")
        if not sid:
            if t.is_withdrawn(member_id):
                return
            continue  # a resume with nothing, not a withdrawal: wait again
        if t.record_findings(cid, member_id, n, sid).accepted:
            return


# validate_parameters=False: a run opened before 督导事项 had names carries numbers ([2, 6]); its
# replay must not fail on the new type. The procedure checks every parameter (names or numbers).
@flow(name="special-inspection", persist_result=True, flow_run_name=_run_name, validate_parameters=False)
def special_inspection(
    institution: Annotated[str, titled("评价机构备案编号", "被督导评价机构的备案编号（必填）")],
    origin: Annotated[Origin, titled("督导来源", "投诉举报 / 待处理案件 / 主动开展（第十五条（二））")],
    matters: Annotated[list[MatterName], titled("督导事项", "第十四条（一）至（九）中选择一项或几项（可多选）")],
    planned_start: Annotated[str, titled("计划开始日期", "现场考察（核查）计划开始日期", date=True)],
    planned_end: Annotated[str, titled("计划结束日期", "现场考察（核查）计划结束日期", date=True)],
    reason: Annotated[str, titled("督导缘由", "如 日常督导发现的较大风险隐患、需要重点督导的情况（发给督导小组）")] = "",
    pending_case_id: Annotated[int, titled("待处理案件编号", "督导来源为“待处理案件”时填写（转专项督导）")] = 0,
    complaint_source: Annotated[str, titled("投诉举报来源", "督导来源为“投诉举报”时填写：群众举报、媒体报道等（第十四条（八））")] = "",
    complaint_received_on: Annotated[str, titled("收到日期", "督导来源为“投诉举报”时填写", date=True)] = BLANK_DATE,
    complaint_content: Annotated[str, titled("投诉举报内容", "发给督导小组核查；不发给评价机构（第八条）")] = "",
    complainant: Annotated[str, titled("举报人（保密）", "仅委派机构可见，不发给督导小组和评价机构（第八条）")] = "",
    team_size: Annotated[int, titled("督导小组人数", "原则上3名及以上（第十五条（二））")] = 3,
    fewer_reason: Annotated[str, titled("少于3名的理由", "督导小组少于3名时必填")] = "",
    lead_card: Annotated[str, titled("组长证卡编码", "留空则由第一名抽中的成员担任组长；指定时须为抽中的成员")] = "",
    as_of: Annotated[str, titled("业务日期", "留空即为今天；补录或测试时填写（YYYY-MM-DD）", date=True)] = BLANK_DATE,
    agency_id: Annotated[str, titled("委派机构编码", "留空则由对该机构有管辖权的人社部门委派（第十一条）")] = "",
):
    """专项督导：督导小组 → 初步督导意见 → 申辩 → 质量督导意见书 → 整改工作报告。"""
    opening = dict(institution=institution, origin=origin, matters=list(matters), planned_start=planned_start,
                   planned_end=planned_end, reason=reason, pending_case_id=pending_case_id,
                   complaint_source=complaint_source, complaint_received_on=complaint_received_on,
                   complaint_content=complaint_content, complainant=complainant, team_size=team_size,
                   fewer_reason=fewer_reason, lead_card=lead_card, as_of=as_of, agency_id=agency_id)
    case = t.open_special(str(runtime.flow_run.id), opening)
    if case.status == "refused":
        end_refused(case.refusal_reason)
    cid = case.case_id
    t.send_notices(cid)

    # 1. self-assessment report (or the window closes), the members' findings
    t.record_self_report(cid, wait_for_submission_or_close("self-report"))
    while (member_id := t.next_member(cid)) is not None:  # the team as it is now (第十三条: withdrawn, replaced)
        _member_findings(cid, member_id)

    # 2. the lead's draft opinion, approved by staff; to the institution with the rebuttal window
    c, returned = 0, ""  # c: the lead's portal rounds (a refused statement or a return opens the next)
    for a in count(1):
        c += 1
        t.invite_lead(cid, c, returned)
        while not t.record_consolidation(cid, c, wait_for_submission(f"consolidation-{c}")).accepted:
            c += 1  # refused: the lead already has the next link, with the errors
        ctx = t.context("approval", cid)
        header = _approval_header(ctx)
        answers = _ask(f"approval-{a}", lambda e, p, f, h=header: forms.approval_form(h, e, p, f),
                       lambda key, ans: t.approve_draft(cid, key, ans))
        if answers["decision"] == "批准初步督导意见":
            break
        returned = answers["remarks"]
    t.send_draft(cid)
    t.record_rebuttal(cid, wait_for_submission_or_close("rebuttal"))

    # 3. weigh each rebuttal point → 质量督导意见书
    ctx = t.context("weighing", cid)
    header = f"**{inert(ctx['institution'])}** · 申辩意见 {len(ctx['points'])} 条：逐条采纳或不予采纳（不予采纳须写明理由）"
    _ask("weighing", lambda e, p, f: forms.weighing_form(header, ctx, e, p, f),
         lambda key, ans: t.weigh_rebuttal(cid, key, ans))
    t.issue_opinion(cid)
    if t.closed_without_rectification(cid):  # every matter 符合: no rectification asked for, the opinion letter closes the case
        t.publish_timeline(cid)
        return Completed(message="专项督导结案：督导事项均符合，无需整改（质量督导意见书已送达）")

    # 4. the rectification report, reviewed by staff; asked again while incomplete
    ctx = t.context("review", cid)
    for n in count(1):
        submitted = wait_for_submission_or_close(f"report-{n}")
        if t.record_report(cid, n, submitted) == "overdue":
            t.publish_timeline(cid)
            return Completed(message="整改工作报告逾期未交：已转处理程序（第二十二条（六）），本案结案")
        header = (f"**{inert(ctx['institution'])}** · 整改工作报告（第{n}次提交）：请审核\n\n"
                  + t.report_summary(cid, n, submitted))
        answers = _ask(f"review-{n}", lambda e, p, f, h=header: forms.review_form(h, ctx, e, p, f),
                       lambda key, ans, n=n: t.review_report(cid, key, ans, n))
        if answers["outcome"] != "需补充，退回重新提交":
            break
    t.publish_timeline(cid)
    return Completed(message=f"专项督导结案：{t.stage(cid)}")
