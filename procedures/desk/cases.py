"""The desk's case page (issue 18 part 2): one case's current step, timeline, official documents
and evidence files — for staff of the agency that owns it (第五条; the provincial centre sees
every city's). Records and evidence are confidential (第八条): served only to a signed-in
user who sees the case, every download logged (procedures.desk.auth.log_download).

A case is named by a reference: i<id> an inspection case (daily or special: one case file),
s<id> a sanction procedure, m<id> a supervisor's misconduct procedure (第二十六条; the agency
that issued the supervisor's card owns it). The status names are the procedures' own (a test keeps them equal;
the desk imports no procedure package).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from adapters import uploads
from models import (
    CaseEvent,
    Document,
    InspectionCase,
    Institution,
    MisconductCase,
    SanctionCase,
    SpecialInspection,
    Supervisor,
)
from procedures.casework.cases import STATUS_NAMES, TERMINAL_STATUSES, run_url
from procedures.portal import evidence as portal_evidence
from procedures.portal.evidence import EvidenceFile

REF = re.compile(r"^([ism])([1-9]\d{0,9})$")
SPECIAL_STAGES = {  # procedures.special.casefile.STAGE_NAMES
    "opened": "已发起", "notices": "已发通知", "self_report": "待自评报告", "findings": "待督导小组成员提交督导情况",
    "consolidation": "待组长形成初步督导意见", "approval": "待审核初步督导意见", "rebuttal": "待评价机构申辩",
    "weighing": "待综合分析申辩意见", "report": "待整改工作报告", "review": "待审核整改工作报告",
    "closed": "已结案", "referred": "已转处理程序",
}
SANCTION_STATUSES = {  # procedures.sanctions.common.STATUS_NAMES
    "pending": "待启动", "hearing": "告知、待陈述申辩（第二十五条）", "awaiting_decision": "待作出处理决定",
    "awaiting_report": "待评价机构书面说明（第二十条）", "awaiting_minutes": "待登记约谈记录（第二十一条）",
    "rectifying": "暂停评价活动、整改中（第二十二条）", "improving": "改进中（第二十七条）",
    "closed": "已结案", "dropped": "不予处理", "reported": "已报告负责备案的人社部门",
}
MISCONDUCT_STATUSES = {  # procedures.supervisors.misconduct: where a 第二十六条 case stands
    "open": "已登记、待告知", "hearing": "已告知、待陈述申辩（第二十六条）", "decided": "已作出处理决定",
    "proposed": "已向委派机构提出处理建议（第十二条）", "reported": "委派机构已报告处理结果",
}
MISCONDUCT_DATES = (("opened_on", "登记违规情形"), ("proposal_sent_on", "向委派机构提出处理建议"),
                    ("hearing_notified_on", "送达告知书"), ("statement_due", "陈述申辩期限"),
                    ("statement_received_on", "收到本人陈述申辩（门户）"), ("body_decided_on", "委派机构作出处理决定"),
                    ("decided_on", "作出处理决定"), ("suspended_until", "暂停委派期满"))
SANCTION_DATES = (("opened_on", "立案"), ("hearing_due", "陈述申辩期限届满（第二十五条）"),
                  ("hearing_closed_on", "陈述申辩期限届满，未收到申辩"), ("decided_on", "作出处理决定"),
                  ("decision_served_on", "处理决定书送达"), ("receipt_due", "送达回执签收期限"),
                  ("rectification_due", "整改期限（附件4）"), ("report_received_on", "收到整改报告"),
                  ("escalated_on", "逾期未整改，启动升级处理"), ("resumed_on", "恢复评价活动"))


@dataclass(frozen=True)
class DocRow:
    id: int
    number: str
    title: str
    issued_on: date
    filename: str


@dataclass
class CasePage:
    ref: str
    kind: str  # 日常督导 | 专项督导 | 处理程序
    label: str
    agency_id: str
    institution: str
    step: str
    closed: bool
    run_url: str
    timeline: list[tuple[date, str]] = field(default_factory=list)
    documents: list[DocRow] = field(default_factory=list)
    evidence: list[EvidenceFile] = field(default_factory=list)


def parse_ref(ref: str) -> tuple[str, int] | None:
    m = REF.fullmatch(ref or "")
    return (m.group(1), int(m.group(2))) if m else None


def _owner(s: Session, ref: str) -> tuple[str, object] | None:
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    kind, number = parsed
    row = s.get({"i": InspectionCase, "s": SanctionCase, "m": MisconductCase}[kind], number)
    return (kind, row) if row is not None else None


def _agency_of(s: Session, kind: str, case) -> str:
    if kind == "m":
        sup = s.get(Supervisor, case.supervisor_id)
        return sup.issuer if sup else ""
    return case.agency_id or ""


def _misconduct_page(s: Session, ref: str, case: MisconductCase, agency_id: str) -> tuple[CasePage, object]:
    sup = s.get(Supervisor, case.supervisor_id)
    timeline = sorted((getattr(case, name), text) for name, text in MISCONDUCT_DATES if getattr(case, name))
    if case.decision_text:
        timeline.append((case.decided_on or case.opened_on, f"处理决定：{case.decision_text}"))
    page = CasePage(ref, "督导员违规处理", f"督导员违规 {sup.name}（{sup.card_code}）", agency_id, "",
                    MISCONDUCT_STATUSES.get(case.status, case.status), case.status in ("decided", "reported"), "",
                    timeline)
    docs = s.exec(select(Document).where(col(Document.idempotency_key).startswith("misconduct-"),
                                         col(Document.idempotency_key).endswith(f":{case.id}"))
                  .order_by(Document.issued_on, Document.id))
    return page, docs


def case_page(s: Session, ref: str, sees) -> CasePage | None:
    """The case `ref` names, or None when there is none or the user may not see it (the same
    answer for both: another agency's case id tells nothing)."""
    found = _owner(s, ref)
    if found is None or not sees(_agency_of(s, *found)):
        return None
    kind, case = found
    if kind == "m":
        page, docs = _misconduct_page(s, ref, case, _agency_of(s, kind, case))
        page.evidence = portal_evidence.case_files(case.id, "misconduct")
        page.documents = [DocRow(d.id, d.number, d.title, d.issued_on, d.filename) for d in docs]
        return page
    inst = s.get(Institution, case.institution_id) if case.institution_id else None
    if kind == "i":
        special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).first()
        step = SPECIAL_STAGES.get(special.stage, special.stage) if special else STATUS_NAMES.get(case.status, case.status)
        closed = (special.stage in ("closed", "referred")) if special else case.status in TERMINAL_STATUSES
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.on, CaseEvent.id))
        page = CasePage(ref, "专项督导" if special else "日常督导", case.batch_number, case.agency_id or "",
                        inst.name if inst else "", step, closed, run_url(case.flow_run_id),
                        [(e.on, e.text) for e in events])
        docs = s.exec(select(Document).where(Document.case_id == case.id).order_by(Document.issued_on, Document.id))
        page.evidence = portal_evidence.case_files(case.id, "inspection")
    else:
        label = f"处理程序 {case.number or f'（第{case.id}号）'}"
        timeline = sorted((getattr(case, name), text) for name, text in SANCTION_DATES if getattr(case, name))
        page = CasePage(ref, "处理程序", label, case.agency_id, inst.name if inst else "",
                        SANCTION_STATUSES.get(case.status, case.status), case.status in ("closed", "dropped", "reported"),
                        run_url(case.flow_run_id) if case.flow_run_id else "", timeline)
        docs = s.exec(select(Document).where(col(Document.idempotency_key).startswith(f"sanction-{case.id}-"))
                      .order_by(Document.issued_on, Document.id))
        page.evidence = portal_evidence.case_files(case.id, "sanction")
    page.documents = [DocRow(d.id, d.number, d.title, d.issued_on, d.filename) for d in docs]
    return page


def document(s: Session, ref: str, document_id: int, sees) -> Document | None:
    """A document of the case `ref`, if the user sees the case and the document is the case's."""
    page = case_page(s, ref, sees)
    if page is None or document_id not in {d.id for d in page.documents}:
        return None
    return s.get(Document, document_id)


def evidence_file(s: Session, ref: str, sha256: str, sees) -> tuple[EvidenceFile, Path] | None:
    """An evidence file of the case `ref` (by its SHA-256) and where it is stored."""
    page = case_page(s, ref, sees)
    if page is None or not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        return None
    for f in page.evidence:
        if f.sha256 == sha256:
            path = uploads.path_for(sha256)
            return (f, path) if path.exists() else None
    return None


AUDIT_KINDS = {"i": "inspection", "s": "sanction", "m": "misconduct"}  # the audit log's case references


def audit_ref(s: Session, ref: str, sees) -> str | None:
    """The audit log's reference of the case `ref` (issue 22: its entries' hashes and the day's
    seal go with a copy of the case file), if the user sees the case."""
    found = _owner(s, ref)
    if found is None or not sees(_agency_of(s, *found)):
        return None
    return f"{AUDIT_KINDS[found[0]]}:{found[1].id}"
