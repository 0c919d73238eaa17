"""A hand-counted desk fixture: what CITY-A's 待办 must hold on `today`, and what it must not.

CITY-A (and its third party TP-001) owns:
  i-late   awaiting_record, due 2 days ago, the sweep reported it          → overdue (with the sweep's action)
  i-soon   awaiting_record, due in 2 working days                           → deadline
  i-far    awaiting_record, due in 30 days                                  → nothing
  i-tp     TP-001's case, awaiting_record, due tomorrow-ish (1 working day) → deadline (第五条: the principal sees it)
  special  self-report window due in 3 working days                         → deadline
  s-rect   sanction rectifying, due 1 day ago, escalated by the sweep       → overdue
  term     a CITY-A supervisor's term ends in 4 days                        → deadline (when within 5 working days)
  a signed record letter (Document) on i-late, and a timeline of two events.
CITY-B owns i-b (overdue) — never on CITY-A's list; PROV sees everything.
"""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from sqlmodel import select

from adapters import uploads
from adapters.db import session_scope
from cli.demo_data import add_agencies, add_institution, add_supervisor
from models import (
    Agency,
    AppointmentTerm,
    CaseEvent,
    Document,
    InspectionCase,
    PortalFile,
    PortalLink,
    PortalSubmission,
    SanctionCase,
    SpecialInspection,
    SpecialInspectionDeadline,
)
from procedures.casework import staff
from procedures.casework.work_calendar import current_calendar


def _case(s, batch: str, agency: str, inst_id: int, status: str, due: date | None, **kw) -> InspectionCase:
    case = InspectionCase(flow_run_id=str(uuid4()), batch_number=batch, agency_id=agency, institution_id=inst_id,
                          opened_on=due - timedelta(days=5) if due else date(2026, 1, 5), status=status,
                          record_due=due, **kw)
    s.add(case)
    s.flush()
    return case


def _evidence(s, case: InspectionCase) -> str:
    """A supervisor's record with one photo, as the portal stores it (the file by its SHA-256)."""
    data = b"\x89PNG-evidence-" + case.batch_number.encode()
    digest, _ = uploads.store(data)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    link = PortalLink(link_key=f"desk-test-{case.id}", token_hash=uuid4().hex * 2, kind="statement_files",
                      case_kind="daily_inspection", case_id=case.id, step_key="record-1", flow_run_id=case.flow_run_id,
                      recipient_kind="supervisor", recipient_name="张三", recipient_email="z@example.cn",
                      agency_name="济南", agency_email="a@example.cn", title="督导情况记录表", deadline=at,
                      expires_at=at, created_at=at)
    s.add(link)
    s.flush()
    sub = PortalSubmission(link_id=link.id, receipt_number=f"R-{case.id}-{uuid4().hex[:6]}", payload={},
                           received_at=at, resume_status="resumed")
    s.add(sub)
    s.flush()
    s.add(PortalFile(submission_id=sub.id, position=0, sha256=digest, size=len(data), content_type="image/png",
                     display_name="考场<照片>.png"))
    return digest


def build(today: date, tag: str = "W") -> dict:
    cal = current_calendar()
    out: dict = {"today": today}
    with session_scope() as s:
        add_agencies(s)
        if s.get(Agency, "TP-001") is None:
            s.add(Agency(id="TP-001", name="某评价服务公司", level="third_party", principal_id="CITY-A",
                         email="tp@example.cn", letter_prefix="某督"))
            s.flush()
        inst = add_institution(s, f"济南某评价中心{tag}", f"F-{tag}-{uuid4().hex[:6]}")
        inst_b = add_institution(s, f"青岛某评价中心{tag}", f"F-{tag}-{uuid4().hex[:6]}", city="B")
        s.flush()
        late = _case(s, f"PC-{tag}-LATE", "CITY-A", inst.id, "awaiting_record", today - timedelta(days=2),
                     overdue_reported_on=today - timedelta(days=1))
        soon = _case(s, f"PC-{tag}-SOON", "CITY-A", inst.id, "awaiting_record", cal.add_working_days(today, 2))
        _case(s, f"PC-{tag}-FAR", "CITY-A", inst.id, "awaiting_record", today + timedelta(days=30))
        tp = _case(s, f"PC-{tag}-TP", "TP-001", inst.id, "awaiting_record", cal.add_working_days(today, 1))
        other = _case(s, f"PC-{tag}-B", "CITY-B", inst_b.id, "awaiting_record", today - timedelta(days=3))
        sp_case = _case(s, f"专项督导-CITY-A-{tag}", "CITY-A", inst.id, "special_open", None)
        special = SpecialInspection(case_id=sp_case.id, origin="initiative", planned_start=today,
                                    planned_end=today + timedelta(days=10), team_size=3, stage="self_report")
        s.add(special)
        s.flush()
        s.add(SpecialInspectionDeadline(special_id=special.id, kind="self_report", step_key="self-report",
                                        opened_on=today, due=cal.add_working_days(today, 3)))
        rect = SanctionCase(key=f"test:{tag}", number=f"处理-CITY-A-2026-{tag}", institution_id=inst.id,
                            agency_id="CITY-A", finding_case="22.2", facts="事实", source="registered",
                            opened_on=today - timedelta(days=100), status="rectifying",
                            rectification_due=today - timedelta(days=1), escalated_on=today)
        s.add(rect)
        sup = add_supervisor(s, f"张督导{tag}", "A", 900 + len(tag))
        s.flush()
        term = s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == sup.id)).one()
        term.end = today + timedelta(days=4)
        s.add(CaseEvent(case_id=late.id, key="opened", on=today - timedelta(days=9), text="发起日常督导"))
        s.add(CaseEvent(case_id=late.id, key="dispatched", on=today - timedelta(days=8),
                        text="委派督导员 <b>张三</b>"))
        doc = Document(idempotency_key=f"test-doc-{tag}", case_id=late.id, agency_id="CITY-A", kind="notice",
                       number=f"济人社督〔2026〕{len(tag)}号", title="督导派遣通知", filename="督导派遣通知.docx",
                       issued_on=today - timedelta(days=8), html="<p>x</p>", content=b"PK-docx-bytes-" + tag.encode())
        s.add(doc)
        s.add(Document(idempotency_key=f"test-doc-b-{tag}", case_id=other.id, agency_id="CITY-B", kind="notice",
                       number="青人社督〔2026〕1号", title="督导派遣通知", filename="b.docx", issued_on=today,
                       html="<p>b</p>", content=b"PK-b"))
        s.flush()
        out["evidence"] = _evidence(s, late)
        row_a, code_a = staff.add(s, "CITY-A", f"王经办{tag}", "经办")
        row_b, code_b = staff.add(s, "CITY-B", f"李经办{tag}", "经办")
        row_p, code_p = staff.add(s, "PROV", f"赵审核{tag}", "审核")
        out |= {"late": late.id, "soon": soon.id, "tp": tp.id, "other": other.id, "special": sp_case.id,
                "rect": None, "doc": doc.id, "codes": {"CITY-A": code_a, "CITY-B": code_b, "PROV": code_p},
                "staff": {"CITY-A": row_a.id, "CITY-B": row_b.id, "PROV": row_p.id}, "tag": tag}
        s.flush()
        out["rect"] = rect.id
    return out
