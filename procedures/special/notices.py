"""Step 2 of the special inspection: the notices (第十五条（二）). The team gets the brief and a
portal link each (findings due 2 working days after the planned end of the site visit); the
institution a numbered 专项督导通知 asking for its 自评（自查）报告 by a working-day deadline, and
an upload link. Every later invitation of the procedure (a member's next round, the lead, the
draft opinion, the opinion letter, a report asked again) goes out through `invite` here, after
the step's transaction (a portal link is its own).

Confidentiality (第八条): the complaint's content goes to the team (第十四条(八) asks them to
verify it), the complainant's identity to nobody; neither reaches the institution.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from adapters.settings import get_settings
from models import Agency, InspectionCase, Institution, SpecialInspection, SpecialInspectionDeadline
from procedures.casework import unknown_dues
from procedures.casework.cases import add_event, case_today
from procedures.casework.letters import chinese_date, issue_letter
from procedures.portal import links as portal_links
from procedures.special.casefile import CASE_KIND, load, matter_label, matters_of, team_of
from procedures.special.windows import FINDINGS_WORKING_DAYS, open_window, window_end, window_words


@dataclass(frozen=True)
class Invitation:
    """A portal link to create (outside the case's transaction: portal_links.invite is its own)."""

    step_key: str
    recipient: tuple[str, str, str]
    title: str
    due: date | None
    instructions: str
    kind: str = "statement_files"
    provisional_due: date | None = None  # the link's bound while `due` is 期限待定


def contact(agency: Agency) -> portal_links.Contact:
    return portal_links.Contact(agency.letterhead_name, agency.email)  # as its letters name it


def _deadline_at(due: date) -> datetime:
    return datetime.combine(due, time(23, 59), tzinfo=clock.tz())


def invite(case: InspectionCase, agency: Agency, inv: Invitation) -> None:
    """`inv.due` is in the case's time (its as_of); the link expires in real time, so a case
    opened on another business date (补录, tests) shifts it back by the case's clock offset."""
    # a window whose end is not yet known (期限待定) keeps its link open to a provisional bound;
    # the sweep closes the link when the computed end has passed
    real_due = (inv.due or inv.provisional_due) - timedelta(days=case.clock_offset_days)
    portal_links.invite(portal_links.CaseStep(CASE_KIND, case.id, inv.step_key, case.flow_run_id),
                        portal_links.Recipient(*inv.recipient), contact(agency), inv.title, _deadline_at(real_due),
                        inv.instructions, inv.kind)


def brief(s: Session, si: SpecialInspection, inst: Institution, lead: str) -> str:
    """What a member is told: the matters, the planned visit, the lead and the complaint (第八条:
    never the complainant), and how to file the findings."""
    matters = "；".join(matter_label(m.matter_no) for m in matters_of(s, si.id))
    complaint = (f"投诉举报（{si.complaint_source}，{chinese_date(si.complaint_received_on)}收到）内容："
                 f"{si.complaint_content.rstrip('。 ')}。" if si.origin == "complaint" else "")
    why = f"督导缘由：{si.reason.strip().rstrip('。 ')}。" if (si.reason or "").strip() else ""  # the form says 「发给督导小组」
    return (f"专项督导（第十五条（二））：{inst.name}。督导事项：{matters}。计划于{chinese_date(si.planned_start)}至"
            f"{chinese_date(si.planned_end)}进行现场考察（核查）、听取意见。组长：{lead}。{why}{complaint}"
            "请于现场督导结束后通过本链接逐项填写督导情况（评定、事实、查看的证据，可附照片或扫描件）。如有第十三条规定的回避情形，请立即告知委派机构。")


def send_notices(case_id: int) -> str:
    """The team: the brief and a portal link each; the institution: the numbered 专项督导通知
    asking for its self-assessment report by a working-day deadline, and an upload link."""
    settings = get_settings()
    with session_scope() as s:
        case, si, inst, agency = load(s, case_id)
        today = case_today(case)
        members = team_of(s, si.id)
        lead = next(f"{sup.name}（{sup.card_code}）" for m, sup in members if m.is_lead)
        due = open_window(s, si, "self_report", "self-report", today, settings.special_self_report_working_days)
        findings_due, findings_reason = window_end(s, si, si.planned_end, FINDINGS_WORKING_DAYS, "findings")
        for m, _ in members:  # reported to the agency when passed (the run waits for every member)
            if not s.exec(select(SpecialInspectionDeadline).where(
                    SpecialInspectionDeadline.special_id == si.id,
                    SpecialInspectionDeadline.step_key == f"findings-{m.id}")).first():
                s.add(SpecialInspectionDeadline(special_id=si.id, kind="findings", step_key=f"findings-{m.id}",
                                                opened_on=today, due=findings_due,
                                                working_days=FINDINGS_WORKING_DAYS, due_reason=findings_reason))
        findings_bound = unknown_dues.provisional_end(si.planned_end, FINDINGS_WORKING_DAYS)
        invitations = [Invitation(f"findings-{m.id}-1", ("supervisor", sup.name, sup.email),
                                  f"专项督导督导情况（{inst.name}）", findings_due,
                                  brief(s, si, inst, lead) + "提交期限为现场督导结束后2个工作日内"
                                  + ("" if findings_due else f"（{unknown_dues.words(None, findings_reason)}）") + "。",
                                  "member_findings", findings_bound)
                       for m, sup in members]
        self_bound = unknown_dues.provisional_end(today, settings.special_self_report_working_days)
        matters = [matter_label(m.matter_no) for m in matters_of(s, si.id)]
        invitations.append(Invitation("self-report", ("institution", inst.name, inst.contact_email),
                                      "专项督导自评（自查）报告", due,
                                      f"本次专项督导的督导事项：{'；'.join(matters)}。"
                                      "请上传本单位对照上述督导事项形成的自评（自查）报告（第十五条（二）2）。",
                                      provisional_due=self_bound))
        issue_letter(s, case.id, agency, inst, "special_notice", "special_notice", "专项督导通知", today,
                     full_title=f"关于对{inst.name}开展技能人才评价质量专项督导的通知",
                     institution=inst.name, matters=matters, planned_start=chinese_date(si.planned_start),
                     planned_end=chinese_date(si.planned_end), team_size=len(members),
                     self_report_due=window_words(s, si, "self-report"), days=settings.special_self_report_working_days)
        add_event(s, case.id, "notices", today,
                  f"已向督导小组 {len(members)} 名成员发送任务简报和提交链接；自评（自查）报告应于 "
                  f"{due or unknown_dues.PENDING} 前提交")
        si.stage = "self_report"
        s.add(si)
    for inv in invitations:
        invite(case, agency, inv)
    return f"已发专项督导通知；自评（自查）报告应于 {due} 前提交；督导小组 {len(members)} 名成员已收到任务简报"
