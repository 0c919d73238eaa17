"""The sanction case file (处理程序案卷): its text (proposal_markdown — the proposal and its reasons,
the hearing and any defence, late ones marked, the decision with the answer to each point, its
service, the 监管档案, the institution's files) and the artifact `sanction-case-N` on the case's
run. A new version is written whenever the case reads differently — by the run at each step, by
the portal when the institution signs the 送达回执 (no run waits for that), and by the daily sweep
for every case it may have changed (a reminder, a period closed) — and never when nothing changed
(a replay republishes nothing)."""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from adapters.db import session_scope
from adapters.markdown_text import inert, log_text
from models import Institution, SanctionCase
from procedures.sanctions.changes import changes_markdown
from procedures.sanctions.common import (
    OPEN_STATUSES,
    STATUS_NAMES,
    _due_words,
    _pending_text,
    case_label,
)
from procedures.sanctions.decision import DECISIONS
from procedures.sanctions.hearing import LATE, late_defence
from procedures.sanctions.proposal import history_of
from procedures.sanctions.service import _decided_article, service_text
from regulation import sanctions as ladder

KEY = "sanction-case-{case_id}"
DESCRIPTION = "处理程序案卷"


def publish(case_id: int) -> bool:
    """Write the case file when it changed since it was last written; True when a version was written."""
    from adapters.orchestrator import publish_markdown

    changed = case_file_if_changed(case_id)
    if changed is None:
        return False
    text, digest = changed
    with session_scope() as s:
        run_id = s.get(SanctionCase, case_id).flow_run_id
    publish_markdown(KEY.format(case_id=case_id), text, DESCRIPTION, run_id)
    mark_published(case_id, digest)  # after the write: a crash between only writes it again
    return True


def publish_after_portal(case_id: int, logger) -> None:
    """After a portal answer is stored (its own transaction has committed): the case file says so
    at once. Best effort — the answer is kept either way, and the next sweep writes the file."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():  # no server to write to (a portal without Prefect): the sweep writes it
        return
    try:
        publish(case_id)
    except Exception as exc:  # the Prefect API is down: the sweep catches up
        logger.warning("处理程序案卷 %s 未能更新（%s），将由期限巡检补写", case_id, log_text(type(exc).__name__))


def publish_changed(day: date) -> int:
    """The sweep's catch-up: every open case, and every case decided in the last year (a receipt
    signed while the Prefect API was away), whose file reads differently from its last version.
    How many versions were written."""
    with session_scope() as s:
        # only a case a run has started has a case file (a case the sweep opened waits for staff to
        # start sanction-procedure: it has no run and no proposal yet)
        rows = s.exec(select(SanctionCase.id, SanctionCase.proposal).where(
            col(SanctionCase.flow_run_id).is_not(None),
            col(SanctionCase.status).in_(OPEN_STATUSES) | (col(SanctionCase.decided_on) >= day - timedelta(days=366)))
            .order_by(SanctionCase.id)).all()
    return sum(publish(case_id) for case_id, proposal in rows if (proposal or {}).get("basis") is not None)


def proposal_markdown(case_id: int) -> str:
    from procedures.portal import evidence

    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        inst = s.get(Institution, case.institution_id)
        p = case.proposal
        basis = "\n".join(f"- {r['article'] + '：' if r['article'] else ''}{inert(r['text'])}" for r in p["basis"])
        rests = "\n".join(f"- {r['on']} {inert(r['text'])}（{inert(r['number'])}，{r['article']}）" for r in p["rests_on"]) or "- 无"
        history = "\n".join(f"| {h.on} | {inert(h.text)} | {inert(h.number)} | {h.article} |" for h in history_of(s, inst.id)) \
            or "| — | 无 | | |"
        report = f"\n\n**本机构非负责备案的人社部门**：处理结果为向{p['filing_authority']}报告，不直接采取措施。" \
            if case.report_only else ""
        changes = changes_markdown(case)
        report += f"\n\n变更处理并重新告知（第二十五条）：\n{changes}" if changes else ""
        opened_by = f"\n\n启动：{inert(case.details['opened_by'])}（{case.details['opened_by_on']}）" \
            if case.details.get("opened_by") else ""
        return (f"# 处理程序 {case_label(case)}：{inert(inst.name)}（{inert(inst.filing_number)}）\n\n状态：**{STATUS_NAMES[case.status]}**{opened_by}\n\n"
                f"拟处理：**{p['measure_name']}**（{p['article']}）{report}\n\n事实：{inert(case.facts, block=True)}\n\n理由：\n{basis}\n\n"
                f"升级所依据的此前措施：\n{rests}\n\n本年度“不合格”场次：{p['fails_this_year']}\n\n"
                f"## 陈述和申辩（第二十五条）\n\n{_defence_markdown(s, case)}\n\n"
                f"## 处理决定\n\n{_decision_markdown(case)}\n\n"
                f"## 处理决定书送达\n\n{service_text(case)}\n\n"
                f"## 监管档案\n\n| 日期 | 事项 | 文号 | 条款 |\n|---|---|---|---|\n{history}\n\n"
                + "\n".join(evidence.markdown(evidence.case_files(case_id, "sanction"), case_id, "sanction",
                                              "## 评价机构提交的文件（仅限委派机构内部）")))


def _decision_markdown(case: SanctionCase) -> str:
    """Who decided what, on which reason, and the answer to each defence point (第二十五条)."""
    if case.decided_on is None:
        return "尚未作出"
    label = {v: k for k, v in DECISIONS.items()}.get(case.decision or "", case.decision or "")
    measure = ladder.MEASURE_NAMES.get(case.measure or "", case.measure or "")
    lines = [f"{case.decided_on} 由 {inert(case.decided_by or '')} 作出：**{label}**"
             + (f"，{measure}（{_decided_article(case)}）" if case.decision != "drop" and measure else "")]
    if case.details.get("decision_number"):
        lines.append(f"文书编号：{inert(case.details['decision_number'])}")
    if case.decision_reason:
        lines.append(f"理由：{inert(case.decision_reason, block=True)}")
    if case.point_replies:
        lines.append("对陈述和申辩要点的答复：\n\n" + "\n".join(
            f"- {inert(r['text'])}：**{r['answer']}**" + (f"（理由：{inert(r['reason'])}）" if r.get("reason") else "")
            for r in case.point_replies))
    return "\n\n".join(lines)


def _defence_markdown(s: Session, case: SanctionCase) -> str:
    told = (f"事先告知书 {inert(case.details['hearing_doc'])}（{case.details.get('hearing_on', '')} 发出）\n\n"
            if case.details.get("hearing_doc") else "")
    return told + _defence_text(s, case)


def _defence_text(s: Session, case: SanctionCase) -> str:
    d = case.defence
    if d.get("receipt"):
        text = f"{d['received_on']} 收到（回执 {d['receipt']}）：\n" + "\n".join(f"- {inert(x)}" for x in d["points"])
    elif d.get("closed_on"):
        text = f"期限（{case.hearing_due}）届满未提交，{d['closed_on']} 期限巡检结束陈述申辩期"
    else:
        text = (f"陈述申辩期限 {case.hearing_due}" if case.hearing_due
                else "无（本机构非负责备案的人社部门，不送达告知书，由负责备案的人社部门告知）" if case.report_only
                else f"陈述申辩期限：{_due_words(case, 'hearing_due')}" if _pending_text(case, "hearing_due")
                else "待发出事先告知书" if (case.proposal or {}).get("hearing", True)
                else "无（第二十四条移交不事先告知）")
    if case.status == "hearing" and case.hearing_closed_on is None:
        return text + _defence_in_flight(s, case)  # the period is open: nothing is late or transferred yet
    late = d.get("late") or late_defence(s, case)
    if late:
        weighed = ("作出处理决定时已审阅" if d.get("late") else
                   "处理决定作出后收到，未经审阅" if case.decided_on else "待作出处理决定时审阅")
        how = LATE if late.get("late", True) else "期限内提交、期限届满后转入"
        text += (f"\n\n**{how}**：{late['received_at']} 收到（回执 {late['receipt']}），{weighed}：\n"
                 + "\n".join(f"- {inert(x)}" for x in late["points"]))
    return text


def _defence_in_flight(s: Session, case: SanctionCase) -> str:
    """A defence the portal stored while the period is open, not yet read by the run."""
    found = late_defence(s, case)
    return f"\n\n{found['received_at']} 已收到陈述和申辩（回执 {found['receipt']}），正在转入本案" if found else ""


def case_file_if_changed(case_id: int) -> tuple[str, str] | None:
    """The case file (处理程序案卷) and its hash, or None when it says what was last published:
    a run publishes at each step and again on every replay, but the artifact changes only when
    the case does."""
    import hashlib

    text = proposal_markdown(case_id)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with session_scope() as s:
        if s.get(SanctionCase, case_id).details.get("published_sha256") == digest:
            return None
    return text, digest


def mark_published(case_id: int, digest: str) -> None:
    """After the artifact is stored: a crash before this only publishes the same text once more."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        case.details = case.details | {"published_sha256": digest}
        s.add(case)
