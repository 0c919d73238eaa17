"""What each step of the special inspection hands the flow (issue 21, "Tests that catch the
wiring"): the flags that decide the run's next step, and every due date the procedure stores —
the 自评（自查）报告, each member's 督导情况, the 申辩 and the 整改工作报告 — each counted in working
days on the shipped 2026 calendar, across a weekend and a holiday, so a window one working day
short (or one that counts a holiday, or misses a 调休 Saturday) fails here. Real SQLite database,
no Prefect (the fixtures and helpers of test_special_inspection.py).

The case's "today" is moved between steps as the days pass for a real run (its clock offset), so
each window opens on the day its step runs.
"""

from datetime import date
from typing import get_args
from uuid import uuid4

from sqlmodel import col, select

from adapters import clock, portal_tokens
from adapters.db import session_scope
from adapters.documents import docx_text
from models import (
    Document,
    InspectionCase,
    PendingCase,
    PortalLink,
    PortalSubmission,
    SpecialInspection,
    SpecialInspectionDeadline,
)
from procedures.casework.cases import case_today
from procedures.portal import forms as portal_forms
from procedures.portal import submissions as portal_submissions
from procedures.special import (
    consolidation,
    decisions,
    findings,
    notices,
    opening,
    report,
    sweep,
    team,
    timeline,
)
from procedures.special.views import SpecialView
from regulation import special_inspection as rules
from tests.procedures.special.test_special_inspection import (
    _code,
    _submit_findings,
    _with_spare,
    opening_form,
)
from tests.procedures.special.test_special_inspection import world as world  # noqa: F401  (the fixture)

QINGMING = dict(as_of="2026-04-02", planned_start="2026-04-02", planned_end="2026-04-03",
                complaint_received_on="2026-04-01")  # Thursday; Friday the visit ends; Monday 04-06 清明节


# -- driving a case the way its run does -----------------------------------------------------------
def _on(case_id: int, day: date) -> None:
    """The days have passed: the case's today is `day` (a case keeps its offset from the real date)."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        case.clock_offset_days = (day - clock.today()).days
        s.add(case)


def _today(case_id: int) -> date:
    with session_scope() as s:
        return case_today(s.get(InspectionCase, case_id))


def _window(case_id: int, step_key: str) -> SpecialInspectionDeadline:
    with session_scope() as s:
        special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case_id)).one()
        return s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == special.id,
                                                              SpecialInspectionDeadline.step_key == step_key)).one()


def _link(case_id: int, step_key: str) -> PortalLink:
    with session_scope() as s:
        return s.exec(select(PortalLink).where(PortalLink.case_id == case_id, PortalLink.step_key == step_key,
                                               PortalLink.recipient_kind != "staff")).one()


def _link_day(case_id: int, step_key: str) -> date:
    """The link's last day in the case's time (links expire in real time, at 23:59)."""
    link = _link(case_id, step_key)
    assert (link.deadline.hour, link.deadline.minute) == (23, 59)
    return link.deadline.date() + (_today(case_id) - clock.today())


def _letter(case_id: int, kind: str) -> str:
    with session_scope() as s:
        return docx_text(s.exec(select(Document).where(Document.case_id == case_id, Document.kind == kind)).one().content)


def _upload(case_id: int, step_key: str, text: str) -> int:
    stored = portal_submissions.submit(portal_tokens.token_for(_link(case_id, step_key).link_key), text, [])
    assert stored.status == "stored", stored.errors
    return stored.receipt.submission_id


def _opened() -> SpecialView:
    """A case opened on Thursday 2026-04-02 (the visit planned to Friday) with its notices sent;
    a run id as Prefect gives one (the sweep and a withdrawal resume the run by it)."""
    view = opening.open_special(str(uuid4()), opening_form(**QINGMING))
    assert view.status == "special_open", view.refusal_reason
    notices.send_notices(view.case_id)
    return view


def _self_report_in(view: SpecialView) -> None:
    assert findings.record_self_report(view.case_id, _upload(view.case_id, "self-report", "自评")) \
        == "已收到评价机构自评（自查）报告"


def _findings_in(view: SpecialView, rating: str = "不符合") -> None:
    for m in view.members:
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": rating, "facts_2": "超范围评价", "rating_6": "符合", "facts_6": "录像完整"})
        assert findings.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted


def _draft_approved(view: SpecialView, code: str) -> None:
    consolidation.invite_lead(view.case_id, 1)
    lead = portal_submissions.submit_form(
        portal_tokens.token_for(_link(view.case_id, "consolidation-1").link_key),
        portal_forms.forms()["lead_consolidation"], {"hearing": ["机构负责人作了说明"]}, [])
    assert lead.status == "stored", lead.errors
    assert consolidation.record_consolidation(view.case_id, 1, lead.receipt.submission_id).accepted
    assert decisions.approve_draft(view.case_id, "approval-1", {"decision": decisions.APPROVE,
                                                                "staff_code": code}).accepted


def _opinion_on(day: date, report_days: int) -> tuple[SpecialView, str]:
    """Findings in, the draft approved and sent, no rebuttal, weighed and the opinion issued on
    `day` with `report_days` for the rectification report."""
    code = _code()
    view = _opened()
    _self_report_in(view)
    _findings_in(view)
    _draft_approved(view, code)
    decisions.send_draft(view.case_id)  # due 04-10
    assert sweep.sweep(date(2026, 4, 11)).closed == [view.number]  # as the run sees it: the window closed
    decisions.record_rebuttal(view.case_id, None)
    _on(view.case_id, day)
    weighed = decisions.weigh_rebuttal(view.case_id, "weighing", {
        "rating_2": "不符合", "rating_6": "符合", "requirements": "规范备案范围内的评价活动",
        "report_days": report_days, "staff_code": code})
    assert weighed.accepted, weighed.field_errors
    decisions.issue_opinion(view.case_id)
    return view, code


# -- the due dates ------------------------------------------------------------------------------------
def test_第十五条_二_2_the_self_report_is_due_five_working_days_after_the_notice_past_a_weekend_and_qingming(world):
    view = _opened()
    row = _window(view.case_id, "self-report")
    assert (row.kind, row.opened_on, row.working_days, row.status) == ("self_report", date(2026, 4, 2), 5, "open")
    assert row.due == date(2026, 4, 10)  # Fri 04-03, (Sat, Sun, Mon 清明), Tue 07 … Fri 10; one short: 04-09
    assert _link_day(view.case_id, "self-report") == date(2026, 4, 10)
    assert "2026年4月10日" in _letter(view.case_id, "special_notice")

    assert sweep.sweep(date(2026, 4, 10)).closed == []  # its last day: still open
    assert _window(view.case_id, "self-report").status == "open"
    assert sweep.sweep(date(2026, 4, 11)).closed == [view.number]  # the first sweep after it closes it
    assert "未在 2026-04-10 前提交" in findings.record_self_report(view.case_id, None)
    assert timeline.view(view.case_id).stage == "findings"  # the findings come next either way


def test_第十五条_二_1_findings_are_due_two_working_days_after_the_visit_for_every_member_and_a_replacement(world):
    _with_spare(world)
    view = _opened()
    for m in view.members:
        row = _window(view.case_id, f"findings-{m.member_id}")
        assert (row.kind, row.opened_on, row.working_days) == ("findings", date(2026, 4, 2), 2)
        assert row.due == date(2026, 4, 8)  # from the planned end, Fri 04-03: Tue 07, Wed 08; one short: 04-07
        assert _link_day(view.case_id, f"findings-{m.member_id}-1") == date(2026, 4, 8)
    _on(view.case_id, date(2026, 4, 7))  # a late withdrawal (第十三条): the replacement has the same day
    done = team.withdraw_member(view.number, view.members[2].card_code, "其配偶在该机构任职", _code())
    assert isinstance(done, team.Withdrawal), done
    row = _window(view.case_id, f"findings-{done.replacement.member_id}")
    assert (row.opened_on, row.working_days, row.due) == (date(2026, 4, 7), 2, date(2026, 4, 8))
    assert _link_day(view.case_id, f"findings-{done.replacement.member_id}-1") == date(2026, 4, 8)
    assert _window(view.case_id, f"findings-{view.members[2].member_id}").status == "withdrawn"

    assert sweep.sweep(date(2026, 4, 8)).findings_overdue == []  # the last day: not overdue yet
    overdue = sweep.sweep(date(2026, 4, 9)).findings_overdue
    assert len(overdue) == 3 and all(view.members[2].name not in x for x in overdue)  # the withdrawn one is not


def test_第十五条_二_2_the_rebuttal_window_is_five_working_days_from_the_draft_past_may_day_to_a_working_saturday(world):
    code = _code()
    view = _opened()
    _self_report_in(view)
    _findings_in(view)
    _draft_approved(view, code)
    _on(view.case_id, date(2026, 4, 29))  # the draft goes out on a Wednesday
    said = decisions.send_draft(view.case_id)
    row = _window(view.case_id, "rebuttal")
    assert (row.kind, row.opened_on, row.working_days) == ("rebuttal", date(2026, 4, 29), 5)
    # Thu 04-30, (Fri 05-01 … Tue 05-05 劳动节 and a weekend), Wed 06, Thu 07, Fri 08, Sat 09 调休上班
    assert row.due == date(2026, 5, 9)  # one short: 05-08; a Saturday missed: 05-11
    assert "2026-05-09" in said and _link_day(view.case_id, "rebuttal") == date(2026, 5, 9)
    assert "2026年5月9日" in _letter(view.case_id, "special_draft")
    assert "2026年5月9日前未提交的" in _link(view.case_id, "rebuttal").instructions

    assert sweep.sweep(date(2026, 5, 9)).closed == [] and _window(view.case_id, "rebuttal").status == "open"
    assert sweep.sweep(date(2026, 5, 10)).closed == [view.number]
    assert _window(view.case_id, "rebuttal").closed_on == date(2026, 5, 10)
    assert decisions.record_rebuttal(view.case_id, None) == "申辩期限届满，未收到申辩意见"
    assert timeline.view(view.case_id).stage == "weighing"


def test_第十五条_二_4_the_report_is_due_in_the_working_days_staff_set_past_the_dragon_boat_festival(world):
    view, _ = _opinion_on(date(2026, 5, 28), report_days=22)
    row = _window(view.case_id, "report-1")
    assert (row.kind, row.opened_on, row.working_days) == ("report", date(2026, 5, 28), 22)  # not the default 20
    assert row.due == date(2026, 6, 30)  # 22 working days from Thu 05-28, Fri 06-19 端午节 off; one short: 06-29
    assert _link_day(view.case_id, "report-1") == date(2026, 6, 30)
    assert "2026年6月30日" in _letter(view.case_id, "special_opinion")
    assert timeline.view(view.case_id).stage == "report" and decisions.needs_rectification(view.case_id)


def test_第二十二条_六_a_report_not_in_by_its_last_working_day_opens_the_sanction_case_the_day_after_and_ends_the_run(world):
    view, _ = _opinion_on(date(2026, 5, 28), report_days=22)
    on_the_day = sweep.sweep(date(2026, 6, 30))
    assert on_the_day.closed == [] and on_the_day.sanctions == []
    after = sweep.sweep(date(2026, 7, 1))
    assert after.closed == [view.number] and after.sanctions == [view.number]
    with session_scope() as s:
        (pending,) = s.exec(select(PendingCase).where(PendingCase.source_case_id == view.case_id)).all()
    assert (pending.kind, pending.article, pending.opened_on) == ("sanction", "第二十二条（六）", date(2026, 7, 1))
    assert "2026-06-30" in pending.facts
    assert sweep.sweep(date(2026, 7, 2)).sanctions == []  # once
    assert report.record_report(view.case_id, 1, None) == "overdue"  # the run ends here
    with session_scope() as s:
        assert s.get(InspectionCase, view.case_id).status == "closed"
    assert timeline.view(view.case_id).stage == "referred"


def test_第十五条_二_4_a_report_asked_again_has_a_new_window_in_the_working_days_staff_set(world):
    view, code = _opinion_on(date(2026, 5, 28), report_days=22)
    _on(view.case_id, date(2026, 6, 10))
    assert report.record_report(view.case_id, 1, _upload(view.case_id, "report-1", "已整改")) == "received"
    assert timeline.view(view.case_id).stage == "review" and _window(view.case_id, "report-1").status == "received"
    _on(view.case_id, date(2026, 6, 17))
    again = report.review_report(view.case_id, "review-1", {"outcome": report.INCOMPLETE, "reasons": "缺少整改照片",
                                                            "report_days": 3, "staff_code": code}, 1)
    assert again.accepted, again.field_errors
    row = _window(view.case_id, "report-2")
    assert (row.opened_on, row.working_days) == (date(2026, 6, 17), 3)
    assert row.due == date(2026, 6, 23)  # Thu 06-18, (Fri 端午节, a weekend), Mon 22, Tue 23; one short: 06-22
    assert _link_day(view.case_id, "report-2") == date(2026, 6, 23)
    assert "缺少整改照片" in _link(view.case_id, "report-2").instructions
    assert timeline.view(view.case_id).stage == "report"  # the run waits for report-2


def test_第十五条_二_each_window_counts_the_working_days_configured_for_it(world, monkeypatch):
    """Self-report 3, rebuttal 7, a report asked again 4 (the settings): no window takes another's."""
    from adapters import settings

    for name, days in (("SELF_REPORT", "3"), ("REBUTTAL", "7"), ("REPORT", "4")):
        monkeypatch.setenv(f"SUPERVISION_SPECIAL_{name}_WORKING_DAYS", days)
    settings.get_settings.cache_clear()
    code = _code()
    view = _opened()
    assert _window(view.case_id, "self-report").due == date(2026, 4, 8)  # Fri 03, (清明), Tue 07, Wed 08
    _self_report_in(view)
    _findings_in(view)
    _draft_approved(view, code)
    _on(view.case_id, date(2026, 4, 29))
    decisions.send_draft(view.case_id)
    assert _window(view.case_id, "rebuttal").due == date(2026, 5, 12)  # … Sat 05-09 调休, Mon 11, Tue 12
    sweep.sweep(date(2026, 5, 13))
    decisions.record_rebuttal(view.case_id, None)
    assert decisions.weighing_context(view.case_id)["report_days"] == 4  # the weighing form's default
    weighed = decisions.weigh_rebuttal(view.case_id, "weighing", {
        "rating_2": "不符合", "rating_6": "符合", "requirements": "规范", "report_days": 22, "staff_code": code})
    assert weighed.accepted, weighed.field_errors
    _on(view.case_id, date(2026, 5, 28))
    decisions.issue_opinion(view.case_id)
    assert _window(view.case_id, "report-1").due == date(2026, 6, 30)  # what staff set, not the setting
    report.record_report(view.case_id, 1, _upload(view.case_id, "report-1", "已整改"))
    assert report.review_context(view.case_id)["report_days"] == 4  # the review form's default
    _on(view.case_id, date(2026, 6, 17))
    again = report.review_report(view.case_id, "review-1", {"outcome": report.INCOMPLETE, "reasons": "缺少照片",
                                                            "staff_code": code}, 1)
    assert again.accepted, again.field_errors
    assert _window(view.case_id, "report-2").due == date(2026, 6, 24)  # Thu 18, (端午节), Mon 22 … Wed 24


# -- the flags that decide the next step -------------------------------------------------------------
def test_第十五条_二_each_step_hands_the_flow_the_stage_its_next_step_reads(world):
    code = _code()
    view = opening.open_special(str(uuid4()), opening_form(**QINGMING))
    assert (view.status, view.stage, view.case_id > 0) == ("special_open", "notices", True)
    assert sum(m.is_lead for m in view.members) == 1 and len(view.members) == rules.TEAM_MIN

    def stage() -> str:
        return timeline.view(view.case_id).stage

    notices.send_notices(view.case_id)
    assert stage() == "self_report"
    _self_report_in(view)
    assert stage() == "findings" and _window(view.case_id, "self-report").status == "received"
    _findings_in(view, rating="基本符合")
    assert team.next_member(view.case_id) is None  # every member's findings taken: the run moves on
    assert {_window(view.case_id, f"findings-{m.member_id}").status for m in view.members} == {"received"}
    consolidation.invite_lead(view.case_id, 1)
    assert stage() == "consolidation"
    _draft_approved(view, code)
    assert stage() == "approval"
    decisions.send_draft(view.case_id)
    assert stage() == "rebuttal"
    assert decisions.record_rebuttal(view.case_id, _upload(view.case_id, "rebuttal", "1、已备案\n2、已补齐")) \
        == "收到评价机构申辩意见 2 条"
    assert stage() == "weighing" and decisions.weighing_context(view.case_id)["points"] == ["已备案", "已补齐"]
    weighed = decisions.weigh_rebuttal(view.case_id, "weighing", {
        "point_1": "采纳", "point_2": "不采纳", "reason_2": "未见证明材料", "rating_2": "基本符合", "rating_6": "符合",
        "requirements": "补齐资料", "report_days": 20, "staff_code": code})
    assert weighed.accepted, weighed.field_errors
    assert decisions.needs_rectification(view.case_id)  # the flow asks for the report
    decisions.issue_opinion(view.case_id)
    assert stage() == "report"
    assert report.record_report(view.case_id, 1, _upload(view.case_id, "report-1", "已整改")) == "received"
    assert stage() == "review"
    assert report.review_report(view.case_id, "review-1", {"outcome": report.ACCEPT, "staff_code": code}, 1).accepted
    assert stage() == "closed" and timeline.stage(view.case_id) == "已结案"
    with session_scope() as s:
        assert s.get(InspectionCase, view.case_id).status == "closed"


def test_第十三条_the_run_waits_for_each_member_in_draw_order_a_refused_one_again_and_a_withdrawn_one_never(world):
    _with_spare(world)
    view = _opened()
    first, second, third = view.members  # the lead first: drawn first
    assert first.is_lead and team.next_member(view.case_id) == first.member_id
    refused = _submit_findings(view.case_id, f"findings-{first.member_id}-1",
                               {"rating_2": "符合", "facts_2": "a", "rating_6": "符合", "facts_6": "b"})
    with session_scope() as s:  # a stored answer the run's own check refuses (the portal's is the same)
        sub = s.get(PortalSubmission, refused.receipt.submission_id)
        sub.payload = {**sub.payload, "findings": {**sub.payload["findings"], "6": {"rating": "符合", "facts": ""}}}
        s.add(sub)
    outcome = findings.record_findings(view.case_id, first.member_id, 1, refused.receipt.submission_id)
    assert not outcome.accepted and team.next_member(view.case_id) == first.member_id  # asked again
    assert any("第十四条（六）质量管控「事实」：未填写" in e for e in outcome.errors)
    assert "上次提交未通过" in _link(view.case_id, f"findings-{first.member_id}-2").instructions
    done = team.withdraw_member(view.number, second.card_code, "近亲属在该机构任职", _code())
    assert isinstance(done, team.Withdrawal) and team.is_withdrawn(second.member_id)
    assert not team.is_withdrawn(done.replacement.member_id)
    fields = {"rating_2": "符合", "facts_2": "a", "rating_6": "符合", "facts_6": "b"}
    waited = []
    while (member_id := team.next_member(view.case_id)) is not None:
        waited.append(member_id)
        round_no = 2 if member_id == first.member_id else 1
        stored = _submit_findings(view.case_id, f"findings-{member_id}-{round_no}", fields)
        assert findings.record_findings(view.case_id, member_id, round_no, stored.receipt.submission_id).accepted
    assert waited == [first.member_id, third.member_id, done.replacement.member_id]


def test_第十五条_二_3_every_matter_conforming_hands_the_flow_a_closed_case_and_no_report_window(world):
    code = _code()
    view = _opened()
    _findings_in(view, rating="符合")
    _draft_approved(view, code)
    decisions.send_draft(view.case_id)
    decisions.record_rebuttal(view.case_id, None)
    weighed = decisions.weigh_rebuttal(view.case_id, "weighing", {"rating_2": "符合", "rating_6": "符合",
                                                                  "requirements": "", "staff_code": code})
    assert weighed.accepted, weighed.field_errors
    assert not decisions.needs_rectification(view.case_id)  # the flow's closed_without_rectification
    decisions.issue_opinion(view.case_id)
    assert timeline.view(view.case_id).stage == "closed" and timeline.view(view.case_id).status == "closed"
    with session_scope() as s:
        keys = list(s.exec(select(SpecialInspectionDeadline.step_key)))
        links = list(s.exec(select(PortalLink).where(col(PortalLink.step_key).startswith("report-"))))
    assert not [k for k in keys if k.startswith("report-")] and not links


def test_第十五条_二_the_staff_forms_offer_exactly_the_choices_the_procedure_and_the_flow_decide_on():
    import inspect

    from flows import special as flow
    from flows import special_forms

    assert get_args(special_forms.Approval) == (decisions.APPROVE, decisions.RETURN)
    assert get_args(special_forms.Review) == tuple(report.REVIEW_OUTCOMES) == (
        report.ACCEPT, report.INCOMPLETE, report.REFUSED)
    assert get_args(special_forms.Rating) == tuple(rules.RATINGS)
    source = inspect.getsource(flow.special_inspection)
    assert f'answers["decision"] == "{decisions.APPROVE}"' in source  # approved: the draft goes out
    assert f'answers["outcome"] != "{report.INCOMPLETE}"' in source  # asked again: the run waits for report-n+1


def test_民法典第二百零三条_the_leads_seven_days_ending_on_a_sunday_run_to_monday_and_the_link_says_no_files(world):
    # The walk-through: 2026年12月13日, a Sunday, was the lead's last day; the mail offered uploads the
    # page does not have.
    from models import OutboxMessage

    view = _opened()
    _self_report_in(view)
    _findings_in(view)
    _on(view.case_id, date(2026, 12, 6))  # a Sunday: seven days on is Sunday 12-13
    consolidation.invite_lead(view.case_id, 1)
    assert _link_day(view.case_id, "consolidation-1") == date(2026, 12, 14)
    with session_scope() as s:
        mail = s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"portal-link:{_link(view.case_id, 'consolidation-1').id}")).one()
    assert "可上传" not in mail.text_body and "可上传" not in mail.html_body
