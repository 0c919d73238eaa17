"""The daily sweep's part for random inspection plans (第十五条 双随机): record what changed after
the draw and tell the agency (changes.py), then start each chosen session's daily inspection on its
day (starts.py). Running twice on one day, or after a restart, starts nothing twice and mails
nothing twice (the rows' keys and days)."""

from datetime import date

from adapters.db import session_scope
from adapters.mailer import deliver_pending
from adapters.markdown_text import inert
from procedures.sampling.changes import note_changes, report_changes
from procedures.sampling.starts import Starter, start_due


def sweep_sampling(as_of: date, starter: Starter | None = None) -> str:
    """The sweep's part for the plans; returns its summary (markdown rows)."""
    with session_scope() as s:
        changed = note_changes(s, as_of)
    report = start_due(as_of, starter)
    with session_scope() as s:
        reported = report_changes(s, as_of)
    deliver_pending()

    def row(label: str, items: list[str]) -> str:
        shown = "、".join(inert(i) for i in items[:20]) + (f" 等 {len(items)} 个" if len(items) > 20 else "")
        return f"| {label} | {len(items)} | {shown or '—'} |"

    return "\n".join(["| 随机抽查计划（第十五条） | 数量 | 批次 |", "|---|---|---|",
                      row("已自动发起日常督导", report.started), row("已有日常督导（人工发起）", report.already),
                      row("未能发起，下次巡检重试", report.failed), row("场次已结束，未能发起", report.missed),
                      row("场次变动已记录", changed), row("场次变动已告知委派机构", reported)])
