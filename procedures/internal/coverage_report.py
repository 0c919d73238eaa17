"""The agency's internal-supervision report (第十六条 全覆盖, 第四条; 第八条 only the owning agency):
what the `internal-supervision-report` run publishes as its artifact and `supervise internal`
prints — the coverage table per institution, the divergence signals with their sessions and,
on request, one internal record. Every piece of outside text (institution names, batch numbers,
remarks, the follow-up) passes adapters.markdown_text.inert.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from adapters.markdown_text import inert
from procedures.casework import staff
from procedures.internal.coverage import (
    CoverageError,
    CoverageReport,
    CoverageRow,
    InternalRecordView,
    coverage,
    internal_record_view,
)
from regulation.internal_supervision import DIVERGENCE_MIN_PAIRS

# Two tables of 7 columns, not one of 13: a staff screen (and a phone) shows each without scrolling.
COVERAGE_HEADER = ("评价机构", "备案编号", "场次", "内督记录", "按时", "缺失", "未到期")
FOLLOWUP_HEADER = ("评价机构", "内督不合格", "整改说明已交", "整改说明逾期", "内外督同场次", "内合格外不合格", "风险权重")


def parse_period(start: str, end: str, today: date) -> tuple[date, date]:
    """The period typed by staff; empty: the month of `today`."""
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    days = []
    for text, default, title in ((start, first, "期间开始日期"), (end, last, "期间结束日期")):
        try:
            days.append(date.fromisoformat(text.strip()) if text and text.strip() else default)
        except ValueError:
            raise CoverageError(f"{title}：应为有效日期（YYYY-MM-DD），实际为“{text}”") from None
    if days[0] > days[1]:
        raise CoverageError(f"期间：开始日期 {days[0]} 晚于结束日期 {days[1]}")
    return days[0], days[1]


def _share(part: int, whole: int) -> str:
    return f"{part}（{part / whole:.0%}）" if whole else str(part)


def _coverage_cells(row: CoverageRow) -> list[str]:
    c = row.coverage
    return [str(c.sessions), _share(c.recorded, c.sessions), _share(c.on_time, c.sessions), str(c.missing),
            str(c.pending)]


def _followup_cells(row: CoverageRow) -> list[str]:
    c = row.coverage
    return [str(c.failed), str(c.followups_done), str(c.followups_overdue), str(row.signal.compared),
            str(row.signal.diverging)]


def _table(header: tuple[str, ...], rows: list[str]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows]


def coverage_markdown(report: CoverageReport) -> str:
    who = f"{inert(report.agency.name)}（{inert(report.agency.id)}）" if report.agency else "全部委派机构"
    lines = [f"# 内督覆盖情况：{report.start} 至 {report.end}", "",
             f"- 查看机构：{who}；统计日：{report.as_of}",
             "- 场次：计划开始日期在期间内的评价场次；内督记录：已提交内督记录表（附件3）；按时：2个工作日内提交"
             "（第十六条参照第十七条）；缺失：无记录且已过提交期限或已报告；未到期：尚未到提交期限", ""]
    if not report.rows:
        return "\n".join(lines + ["期间内没有本机构负责的评价场次。"])
    lines += ["## 内督记录", ""] + _table(COVERAGE_HEADER, [
        *(f"| {inert(row.name)} | {inert(row.filing_number)} | " + " | ".join(_coverage_cells(row)) + " |"
          for row in report.rows),
        "| **合计** |  | " + " | ".join(_coverage_cells(report.total)) + " |"])
    lines += ["", "## 整改说明与风险权重", ""] + _table(FOLLOWUP_HEADER, [
        *(f"| {inert(row.name)} | " + " | ".join(_followup_cells(row)) + f" | {row.risk_weight:.2f} |"
          for row in report.rows),
        "| **合计** | " + " | ".join(_followup_cells(report.total)) + " |  |"])
    c = report.total.coverage
    lines += ["", f"全覆盖：{'是' if c.full else '否'}（缺失 {c.missing} 场）", "",
              "## 风险信号：内督记录为合格而同场次外督记录为不合格（第四条、第十六条）", "",
              f"同一评价机构期间内有 {DIVERGENCE_MIN_PAIRS} 场及以上此类场次，且其内督记录无一不合格时列出。", ""]
    if not report.flagged:
        lines.append("无。")
    for row in report.flagged:
        lines.append(f"- {inert(row.name)}（{inert(row.filing_number)}）：{row.signal.diverging} 场 —— "
                     + "、".join(inert(b) for b in row.diverging_batches))
    return "\n".join(lines)


def record_markdown(view: InternalRecordView) -> str:
    r = view.record
    due = f"应于 {r.due_on} 前" if r.due_on else "提交期限暂无法计算"
    lines = [f"## 内督记录：批次 {inert(view.batch_number)}", "",
             f"- 评价机构：{inert(view.institution_name)}（{inert(view.filing_number)}）；评价日期：{view.session_day}",
             f"- 评定结果：**{r.verdict}**（否定项 {r.negative_count}/{r.item_count}）；内督员评定：{inert(r.supervisor_verdict)}",
             f"- 内督员（签名）：{inert(view.signer)}",
             f"- 总体评价：{inert(r.overall_evaluation)}",
             f"- 督导结束：{r.inspection_ended_on}；提交：{r.submitted_on}（{'逾期' if r.late else '按期'}，{due}）",
             *([f"- 结束日期晚于计划的原因：{inert(r.stated_end_reason)}"] if r.stated_end_reason else []),
             f"- 督导方式：{inert('、'.join(r.methods))}", ""]
    if r.verdict == "不合格":
        if r.followup_on:
            lines += [f"- 整改说明（{r.followup_on} 提交）：", f"> {inert(r.followup_text, block=True)}", ""]
        else:
            lines += [f"- 整改说明：未提交{f'（应于 {r.followup_due} 前）' if r.followup_due else ''}", ""]
    if view.files:
        lines += ["### 证据文件（保密，第八条）", "", "| 所属 | 文件名 | 大小（字节） |", "|---|---|---|",
                  *(f"| {inert(where)} | {inert(name)} | {size} |" for where, name, size in view.files), ""]
    lines += ["### 一票否决项", "", "| 项 | 内容 | 回答 |", "|---|---|---|",
              *(f"| {v.number} | {inert(v.text)} | {inert(v.answer)} |" for v in view.vetoes), "",
              "### 检查项", ""]
    for item in view.items:
        mark = "**" if item.answer == "否" else ""
        lines.append(f"{mark}{item.number}. {inert(item.text)}{mark}：{inert(item.answer) or '（未答）'}")
        lines += [f"> 备注：{inert(item.remark, block=True)}", ""] if item.remark else [""]
    return "\n".join(lines)


def coverage_csv(report: CoverageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COVERAGE_HEADER + FOLLOWUP_HEADER[1:] + ("风险信号场次",))  # a CSV has room for all
    for row in [*report.rows, report.total]:
        c = row.coverage
        writer.writerow([row.name, row.filing_number, c.sessions, c.recorded, c.on_time, c.missing, c.pending,
                         c.failed, c.followups_done, c.followups_overdue, row.signal.compared, row.signal.diverging,
                         f"{row.risk_weight:.2f}" if row.institution_id else "", " ".join(row.diverging_batches)])
    return out.getvalue()


@dataclass(frozen=True)
class AgencyReport:
    accepted: bool
    text: str  # the report (Markdown), or the refusal (a plain Chinese sentence naming the field)

    @property
    def markdown(self) -> str:
        return self.text if self.accepted else f"# 未能生成内督情况报告\n\n{inert(self.text)}"


def check_request(agency_id: str, start: str, end: str, today: date) -> str | None:
    """Why the request cannot be answered (Chinese, naming the field), before anyone signs; else None."""
    from adapters.db import session_scope
    from models import Agency

    if not (agency_id or "").strip():
        return "委派机构编码：未填写"
    with session_scope() as s:
        if s.get(Agency, agency_id.strip()) is None:
            return f"委派机构编码：没有编码为“{agency_id.strip()}”的委派机构"
    try:
        parse_period(start, end, today)
    except CoverageError as exc:
        return str(exc)
    return None


def signer(code: str, agency_id: str) -> staff.Decider | str:
    """The staff member of `agency_id` a code belongs to, or why not (procedures.casework.staff.verify)."""
    from adapters.db import session_scope

    with session_scope() as s:
        return staff.verify(s, agency_id.strip(), code or "")


def signed_report(decider: staff.Decider, agency_id: str, start: str, end: str, batch_number: str,
                  today: date) -> AgencyReport:
    """The report for `agency_id`, read by `decider` (already verified for that agency)."""
    from adapters.db import session_scope

    refusal = check_request(agency_id, start, end, today)
    if refusal:
        return AgencyReport(False, refusal)
    agency_id = agency_id.strip()
    with session_scope() as s:
        report = coverage(s, *parse_period(start, end, today), agency_id=agency_id, as_of=today)
        parts = [coverage_markdown(report)]
        if batch_number and batch_number.strip():
            view = internal_record_view(s, batch_number, agency_id)
            parts.append(record_markdown(view) if isinstance(view, InternalRecordView)
                         else f"## 内督记录\n\n{inert(view)}")
    parts.append(f"查阅人：{inert(decider.label)}")
    return AgencyReport(True, "\n\n".join(parts))


def agency_report(agency_id: str, start: str, end: str, batch_number: str, staff_code: str,
                  today: date) -> AgencyReport:
    """The report in one call (the CLI, tests): the request checked, the staff code verified against
    the agency (procedures.casework.staff.verify), then the report; the record of `batch_number`
    only for its owning agency (第八条)."""
    refusal = check_request(agency_id, start, end, today)
    if refusal:
        return AgencyReport(False, refusal)
    decider = signer(staff_code, agency_id)
    if isinstance(decider, str):
        return AgencyReport(False, decider)
    return signed_report(decider, agency_id, start, end, batch_number, today)
