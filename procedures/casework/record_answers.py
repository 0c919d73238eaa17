"""The 附件3 record form's answers, checked once for every record of a session: the external
supervisor's (daily inspection, 第十七条) and the internal supervisor's (内督, 第十六条: 参照外督方式和
程序). The end date and a later end's reason (the 2 working days count from it), the methods
(第十五条(一)2), the overall evaluation, every item answered, and the supervisor's 评定 against the
20% rule and the veto items (附件3 填写说明). Who signs, and whether the step still waits, is the
owning procedure's business.
"""

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from models import EvaluationSession
from procedures.casework.cases import Refusal, local_date, parse_day
from regulation.calendar import CalendarDataMissing
from regulation.checklists import Checklist, load_checklist
from regulation.deadlines import record_counted_from, record_due
from regulation.scoring import AnswerError, ScoreResult, score, verdict_disagreement

METHODS = ("现场督导", "数据比对", "抽查评价资料（含录像）", "远程监控")  # 第十五条(一)2


@dataclass
class RecordAnswers:
    """What a checked record says; `result` is None when its answers could not be scored."""

    checklist: Checklist
    ended: date | None
    counted_from: date  # the day the 2 working days count from (第十七条; a stated later end)
    scheduled_end: date
    reason: str  # why the inspection ended after the scheduled end
    methods: list[str]
    veto: dict[int, str | None]
    items: dict[int, str | None]
    result: ScoreResult | None

    def columns(self, answers: dict) -> dict:
        """The record's columns every record table shares (once the answers were accepted)."""
        remarks = {str(i.no): answers.get(f"remark_{i.no:02d}", "") for i in self.checklist.items
                   if answers.get(f"remark_{i.no:02d}")}
        return dict(
            form_kind=self.checklist.form, form_version=self.checklist.version, inspection_ended_on=self.ended,
            stated_end_reason=self.reason if self.counted_from != self.scheduled_end else "", methods=self.methods,
            veto_answers={str(k): v for k, v in self.veto.items()},
            item_answers={str(k): v for k, v in self.items.items()}, remarks=remarks,
            overall_evaluation=str(answers["overall_evaluation"]).strip(),
            supervisor_verdict=answers["supervisor_verdict"], verdict=self.result.verdict,
            negative_count=self.result.negative_count, item_count=self.result.item_count,
            veto_hits=[v.no for v in self.result.veto_hits], failed_items=[i.no for i in self.result.failed_items])


def parse_record_fields(fields: dict[str, list[str]], scalars: tuple[str, ...]) -> dict:
    """What a posted 附件3 form answers: its scalar fields (trimmed), the methods, each veto and
    item answer, each non-blank remark — the same reading for every record form."""
    answers = {name: (fields.get(name) or [""])[0].strip() for name in scalars if name in fields}
    answers["methods"] = [m for m in fields.get("methods", []) if m]
    for name, values in fields.items():
        if name.startswith(("veto_", "item_")) and values and values[0]:
            answers[name] = values[0]
        elif name.startswith("remark_") and values and values[0].strip():
            answers[name] = values[0].strip()
    return answers


def check_record_answers(sess: EvaluationSession, answers: dict, today: date, errors: Refusal) -> RecordAnswers:
    """附件3 for this session's form kind; every problem is added to `errors` by its field."""
    checklist = load_checklist(sess.form_kind)
    ended = parse_day(answers.get("inspection_ended_on"))
    started, scheduled_end = local_date(sess.starts_at), local_date(sess.ends_at)
    reason, counted_from = str(answers.get("later_end_reason", "")).strip(), scheduled_end
    if ended is None:
        errors.add("inspection_ended_on", "督导结束日期：应为有效日期（YYYY-MM-DD）")
    elif ended > today:
        errors.add("inspection_ended_on", f"督导结束日期：{ended} 晚于今天（{today}），请填写实际结束日期")
    elif ended < started:
        errors.add("inspection_ended_on", f"督导结束日期：{ended} 早于评价活动开始日期（{started}）")
    else:
        counted_from, refusal = record_counted_from(scheduled_end, ended, reason)
        if refusal:
            errors.add("later_end_reason", str(refusal))
    methods = [m for m in answers.get("methods") or [] if m in METHODS]
    if not methods:
        errors.add("methods", f"督导方式：请至少选择一项（{'、'.join(METHODS)}）")
    if not str(answers.get("overall_evaluation", "")).strip():
        errors.add("overall_evaluation", "总体评价：不能为空，请总结本次督导情况")
    stated = answers.get("supervisor_verdict")
    if stated not in ("合格", "不合格"):
        errors.add("supervisor_verdict", "评定：请选择“合格”或“不合格”（附件3 填写说明）")
    veto = {v.no: answers.get(f"veto_{v.no}") for v in checklist.veto_items}
    items = {i.no: answers.get(f"item_{i.no:02d}") for i in checklist.items}
    result = None
    try:
        result = score(checklist, {n: a for n, a in veto.items() if a}, {n: a for n, a in items.items() if a})
    except AnswerError as exc:
        for problem in exc.problems:
            errors.add(answer_field(problem), problem)
    if result and stated in ("合格", "不合格"):
        disagreement = verdict_disagreement(result, stated)
        if disagreement:
            errors.add("supervisor_verdict", f"评定：{disagreement}")
    return RecordAnswers(checklist, ended, counted_from, scheduled_end, reason, methods, veto, items, result)


def answer_field(problem: str) -> str | None:
    """The form field a scoring problem concerns ("督导内容第5项未作答" → item_05)."""
    m = re.match(r"(一票否决项|督导内容)第(\d+)项", problem)
    if not m:
        return None
    return f"veto_{int(m.group(2))}" if m.group(1) == "一票否决项" else f"item_{int(m.group(2)):02d}"


def record_due_from(s: Session, counted_from: date, scheduled_end: date, stored_due: date | None) -> date | None:
    """The day a record is due (第十七条: 2 working days): the one stored when the session was
    opened, unless the record states a later end (the days then count from it); None while that
    year's calendar is not yet known (期限待定, fixed by the sweep)."""
    from procedures.casework.work_calendar import current_calendar

    if counted_from == scheduled_end and stored_due:
        return stored_due
    try:
        return record_due(counted_from, current_calendar(s)).due
    except CalendarDataMissing:
        return None
