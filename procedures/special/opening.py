"""Step 1 of the special inspection: the opening and the team's draw (第十五条（二）, 第十三条).

督导前，应当明确督导事项，成立督导小组: a run opens from a pending case (转专项督导), a complaint or a
media report (第十四条（八）) or on the agency's initiative; the matters (第十四条) and the planned
site visit are fixed, and the team is drawn at random from the agency's pool under the rules of
dispatch and recusal (第十三条: declared conflicts, three in a row), no two members from one
employer, one lead (原则上3名及以上). Bad input or too few eligible: nothing is stored, and the
refusal names the field. Once per run: a replay returns the case it opened.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from models import (
    Agency,
    InspectionCase,
    Institution,
    PendingCase,
    SpecialInspection,
    SpecialInspectionMatter,
    SpecialInspectionMember,
)
from procedures.casework import dispatching
from procedures.casework.cases import add_event
from procedures.special.casefile import CASE_KIND, matter_label, view_of
from procedures.special.views import SpecialView
from regulation import special_inspection as rules
from regulation.reasons import RuleViolation
from regulation.recusal import SessionPeople

ORIGINS = {"投诉举报": "complaint", "待处理案件": "pending", "主动开展": "initiative"}


@dataclass(frozen=True)
class Opening:
    institution: str  # filing number (备案编号)
    origin: str  # 投诉举报 | 待处理案件 | 主动开展
    matters: list[int | str]  # 第十四条's numbers or names (the run form's multi-select)
    planned_start: str
    planned_end: str
    reason: str = ""
    pending_case_id: int = 0
    complaint_source: str = ""
    complaint_received_on: str = ""
    complaint_content: str = ""
    complainant: str = ""
    team_size: int = rules.TEAM_MIN
    fewer_reason: str = ""
    lead_card: str = ""
    as_of: str = ""
    agency_id: str = ""


def _day(text: str, label: str, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        errors.append(f"{label}：应为有效日期（YYYY-MM-DD），实际为“{text}”")
        return None


def _refused(flow_run_id: str, reason: str) -> SpecialView:
    return SpecialView(0, 0, flow_run_id, "refused", "refused", refusal_reason=reason)


def open_special(flow_run_id: str, p: Opening) -> SpecialView:
    """Check the opening, draw the team and open the case in one transaction, once per run.
    Bad input or too few eligible: nothing is stored, the reason names the field."""
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == flow_run_id)).first()
        if case:
            return view_of(s, case)
        errors: list[str] = []
        real_today = clock.today()
        today = _day(p.as_of, "业务日期", errors) if p.as_of else real_today
        inst = s.exec(select(Institution).where(Institution.filing_number == p.institution.strip())).first()
        if inst is None:
            errors.append(f"评价机构备案编号：没有备案编号为“{p.institution}”的评价机构")
        origin = ORIGINS.get(p.origin)
        if origin is None:
            errors.append(f"督导来源：应为 {'、'.join(ORIGINS)} 之一，实际为“{p.origin}”")
        pending = None
        if origin == "pending":
            pending = s.get(PendingCase, p.pending_case_id) if p.pending_case_id else None
            if pending is None or pending.kind != "special_inspection":
                errors.append(f"待处理案件编号：没有编号为 {p.pending_case_id} 的转专项督导待处理案件")
            elif pending.status != "open":
                errors.append(f"待处理案件编号：{p.pending_case_id} 已办理（{pending.status}）")
            elif inst is not None and pending.institution_id != inst.id:
                errors.append("待处理案件编号：该案件涉及的评价机构与所填评价机构不一致")
        received = None
        if origin == "complaint":
            if not p.complaint_source.strip():
                errors.append("投诉举报来源：未填写（如 群众举报、媒体报道，第十四条（八））")
            received = _day(p.complaint_received_on, "收到日期", errors)
            if received and today and received > today:
                errors.append(f"收到日期：{received} 晚于业务日期 {today}")
            if not p.complaint_content.strip():
                errors.append("投诉举报内容：未填写")
        numbers: list[int] = []
        try:
            numbers = rules.matter_numbers(list(p.matters))
            rules.check_matters(numbers)
        except RuleViolation as exc:
            errors.append(str(exc))
        start = _day(p.planned_start, "计划开始日期", errors)
        end = _day(p.planned_end, "计划结束日期", errors)
        if start and end and end < start:
            errors.append(f"计划结束日期：{end} 早于计划开始日期 {start}")
        agency = dispatching.responsible_agency(s, inst, p.agency_id or None) if inst else None
        if inst is not None and agency is None:
            errors.append(f"委派机构编码：没有编码为“{p.agency_id}”的委派机构" if p.agency_id
                          else "委派机构：该评价机构没有有管辖权的委派机构（第十一条）")
        if errors:
            return _refused(flow_run_id, "；".join(errors))
        try:
            team = _draw(s, agency, inst, today, p, flow_run_id)
        except RuleViolation as exc:
            return _refused(flow_run_id, f"督导小组：{exc}")
        case = InspectionCase(flow_run_id=flow_run_id, batch_number=_case_number(s, agency, today),
                              agency_id=agency.id, institution_id=inst.id, opened_on=today,
                              clock_offset_days=(today - real_today).days, status="special_open")
        s.add(case)
        s.flush()
        si = SpecialInspection(
            case_id=case.id, origin=origin, pending_case_id=pending.id if pending else None,
            complaint_source=p.complaint_source.strip(), complaint_received_on=received,
            complaint_content=p.complaint_content.strip(), complainant=p.complainant.strip(),
            reason=p.reason.strip(), planned_start=start, planned_end=end, team_size=p.team_size,
            fewer_reason=p.fewer_reason.strip(), draw_seed=team.draw.seed, draw_candidates=list(team.draw.candidates),
            draw_candidates_hash=team.draw.candidates_hash, stage="notices")
        s.add(si)
        s.flush()
        for no in sorted(numbers):
            s.add(SpecialInspectionMatter(special_id=si.id, matter_no=no))
        for position, (code, sid) in enumerate(zip(team.draw.chosen, team.draw.chosen_ids, strict=True)):
            s.add(SpecialInspectionMember(special_id=si.id, supervisor_id=int(sid), card_code=code, position=position,
                                          is_lead=code == team.lead, appointed_on=today))
        if pending:
            pending.status = "taken"
            s.add(pending)
        source = {"complaint": f"投诉举报（{si.complaint_source}，{received} 收到）",
                  "pending": f"待处理案件 {p.pending_case_id}（{pending.article if pending else ''}）",
                  "initiative": "委派机构主动开展"}[origin]
        add_event(s, case.id, "opened", today,
                  f"发起专项督导（{source}）；督导事项：{'、'.join(matter_label(n) for n in sorted(numbers))}；"
                  f"计划 {start} 至 {end}")
        fewer = f"；少于{rules.TEAM_MIN}名的理由：{si.fewer_reason}" if len(team.members) < rules.TEAM_MIN else ""
        add_event(s, case.id, "team", today,
                  f"随机抽取督导小组 {len(team.members)} 名（种子 {team.draw.seed}，候选 {len(team.draw.candidates)} 名，"
                  f"候选哈希 {team.draw.candidates_hash[:12]}…），组长 {team.lead}{fewer}")
        s.flush()
        return view_of(s, case)


def _case_number(s: Session, agency: Agency, today: date) -> str:
    """专项督导-<agency>-<year>-<n>: n runs from 1 per agency and year (a counter row, locked), not
    the case table's id, which daily inspections share."""
    from procedures.casework.case_numbers import next_serial

    return f"专项督导-{agency.id}-{today.year}-{next_serial(s, agency.id, CASE_KIND, today.year)}"


def _draw(s: Session, agency: Agency, inst: Institution, today: date, p: Opening, seed: str) -> rules.TeamDraw:
    facts = dispatching.agency_facts(s, agency)
    from regulation.dispatch import DispatchPool

    pool = DispatchPool(facts, dispatching.supervisor_facts(s, dispatching.issuer_pool(s, facts)), today)
    people = SessionPeople(f"special:{seed}", str(inst.id), today)
    return rules.draw_team(pool, dispatching.institution_facts(inst), people, p.team_size, seed,
                           dispatching.declared_conflicts(s, inst.id), history(s, inst.id, today),
                           p.fewer_reason, p.lead_card.strip() or None)


def history(s: Session, institution_id: int, today: date):
    """第十三条's 3-in-a-row rule counts every external occasion at the institution: the daily
    dispatches and the special-inspection teams (by identity number; procedures.casework.dispatching)."""
    return dispatching.history(s, institution_id, today)
