"""What both parts of the sanctions' sweep share (sweep.py: the periods; sweep_thresholds.py: the
thresholds that open cases): the summary, and the set-based reads and writes — chunked key lookups,
and the bulk insert of new cases, each opened once by its unique key."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert
from sqlmodel import Session, col, select

from adapters import audit
from models import SanctionCase


@dataclass
class SanctionSweep:
    as_of: date
    hearings_closed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    receipts_reminded: list[int] = field(default_factory=list)  # 送达回执 not signed by its date
    escalated: list[int] = field(default_factory=list)
    due_computed: list[int] = field(default_factory=list)  # 期限待定 computed once the year was declared
    due_moved: list[int] = field(default_factory=list)  # a stored last day on a day off, moved (民法典第二百零三条)
    opened: list[str] = field(default_factory=list)  # keys of cases opened by a threshold
    escalation_keys: list[str] = field(default_factory=list)  # keys of the escalations opened
    waiting: list[str] = field(default_factory=list)  # runs that could not be resumed yet

    def markdown(self) -> str:
        return "\n".join([
            f"## 处理程序巡检：{self.as_of}", "",
            *([f"- 期限待定已补算（工作日历已录入）：{len(self.due_computed)} 项"] if self.due_computed else []),
            f"- 陈述申辩期限届满：{len(self.hearings_closed)} 件",
            f"- 整改期限提醒：{len(self.reminded)} 件",
            f"- 处理决定书送达回执逾期未签收（已提醒并告知委派机构）：{len(self.receipts_reminded)} 件",
            f"- 逾期未整改（改进），已启动升级处理：{len(self.escalated)} 件",
            f"- 新开处理案件（年度第三次不合格、长期未开展评价）：{len(self.opened)} 件",
            *([f"- 待重试续办：{len(self.waiting)} 件（下次巡检再试）"] if self.waiting else []),
        ])


CHUNK = 5000  # bound parameters per statement (SQLite allows 32,766)


def _chunks(items: list) -> list[list]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _existing(s: Session, column, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for part in _chunks(keys):
        found.update(s.exec(select(column).where(col(column).in_(part))).all())
    return found


def _new_case(key: str, institution_id: int, agency_id: str, finding: str, facts: str, on: date, source: str,
              source_sanction_id: int | None = None, serious: bool = False) -> dict:
    """A sanction_case row for a bulk insert: every column given (no ORM defaults apply)."""
    return {"key": key, "pending_case_id": None, "source_sanction_id": source_sanction_id,
            "institution_id": institution_id, "agency_id": agency_id, "finding_case": finding, "facts": facts,
            "serious": serious, "source": source, "opened_on": on, "clock_offset_days": 0, "flow_run_id": None,
            "status": "pending", "proposal": {}, "report_only": False, "hearing_due": None, "hearing_closed_on": None,
            "defence": {}, "decision": "", "decided_case": "", "measure": "", "decision_reason": "",
            "point_replies": [], "details": {}, "decided_on": None, "decided_by": "", "rectification_due": None,
            "rectification_round": 0, "report_received_on": None, "resumed_on": None, "escalated_on": None,
            "decision_served_on": None, "receipt_due": None, "receipt_signed_at": None, "receipt_signer": "",
            "receipt_reminded_on": None}


def _insert_cases(s: Session, rows: list[dict], summary: SanctionSweep | None = None) -> list[dict]:
    """Insert the rows whose key is new; returns them."""
    have = _existing(s, SanctionCase.key, [r["key"] for r in rows])
    new = [r for r in rows if r["key"] not in have]
    if new:
        s.exec(insert(SanctionCase), params=new)
        ids = s.exec(select(SanctionCase.id).where(col(SanctionCase.key).in_([r["key"] for r in new]))).all()
        audit.record(s.connection(), "sanction_case", sorted(ids))  # a bulk insert: no ORM event sees it
    if summary is not None:
        summary.opened += [r["key"] for r in new]
    return new
