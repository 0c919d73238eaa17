"""What the daily-inspection steps hand the flow and the rules (第十五条(一), 第十七条, 第二十三条(十),
附件3), on a real SQLite database, no Prefect: the status each step leaves (the flag the flow
reads to pick its next step), every due date stored, the history the follow-up proposal reads,
and the agency a staff code must belong to. Records and confirmations go through the portal's
own procedures (its check, its store) and are taken as the run takes them. The rules
themselves are tested in tests/regulation."""

from datetime import date, timedelta
from itertools import count

import pytest
from sqlmodel import col, select

import procedures
from adapters import assignment_codes, db, portal_tokens
from adapters import settings as settings_module
from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session, add_supervisor
from models import (
    AgencyDecision,
    Dispatch,
    InspectionCase,
    InspectionRecord,
    OutboxMessage,
    PendingCase,
    PortalLink,
    Supervisor,
)
from procedures.casework import staff
from procedures.casework.case_reads import decision_context, view
from procedures.daily import confirmation, decision, dispatch, opening, record
from procedures.portal import forms as portal_forms
from procedures.portal import submissions as portal_submissions
from tests.flows.world import answers
from tests.postgres_server import free_port

FRIDAY = date(2026, 11, 13)  # a session ending on a Friday: its record is due on Tuesday 11-17
FAIL = (1, 2, 3, 4, 5)  # 5 of the theory form's 23 items answered 否: 21.7% ≥ 20% → 不合格 (附件3)
_runs = count(1)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """One institution in 济南 (city A, so CITY-A dispatches), eight supervisors, staff codes of
    CITY-A (the case's agency) and CITY-B (another agency)."""
    url = f"sqlite:///{tmp_path / 'wiring.db'}"
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(free_port()))  # nobody listens: mail stays pending
    settings_module.get_settings.cache_clear()
    db.reset_engines()
    upgrade(url)
    procedures.load()  # the portal's forms (the record, the confirmation)
    with session_scope() as s:
        add_agencies(s)
        inst = add_institution(s, "测试机构WIRE", "T-WIRE", city="A", email="inst-wire@institution.example.cn")
        suspended = add_institution(s, "测试机构HALT", "T-HALT", city="A", status="suspended",
                                    email="inst-halt@institution.example.cn")
        cards = [add_supervisor(s, f"督导WIRE{n}", "A", 700 + n, year=2024).card_code for n in range(8)]
        _, own_code = staff.add(s, "CITY-A", "王科长", "经办")
        _, other_code = staff.add(s, "CITY-B", "李科长", "经办")
        ids = inst.id, suspended.id
    yield {"institution_id": ids[0], "suspended_id": ids[1], "cards": cards, "staff_code": own_code,
           "other_agency_code": other_code}
    settings_module.get_settings.cache_clear()
    db.reset_engines()


def session_on(world: dict, day: date, institution: str = "institution_id") -> str:
    """A theory session (09:00–12:00) on `day`; returns its batch number."""
    from models import Institution

    with session_scope() as s:
        batch = f"PC-WIRE-{next(_runs)}"
        add_session(s, batch, s.get(Institution, world[institution]), day)
        return batch


def dispatched(world: dict, day: date, supervisors=(0,), as_of: date | None = None,
               institution: str = "institution_id") -> int:
    """A session on `day`, its case opened on `as_of` (default: that day) and the named supervisors
    dispatched, as the flow's first two steps leave it: waiting for the record."""
    case = opening.open_case(f"run-wire-{next(_runs)}", session_on(world, day, institution),
                             str(as_of or day), None)
    case = dispatch.dispatch(case.case_id, [world["cards"][n] for n in supervisors], 1)
    assert case.status == "awaiting_record"
    return case.case_id


def codes(case_id: int) -> list[str]:
    """The dispatched supervisors' assignment codes, in dispatch order."""
    with session_scope() as s:
        ds = s.exec(select(Dispatch).where(Dispatch.case_id == case_id).order_by(Dispatch.id)).all()
        return [assignment_codes.code_for(d.id) for d in ds]


def through_portal(case_id: int, kind: str, by: int, fields: dict) -> int:
    """Post `fields` at the `by`-th dispatched supervisor's newest link of `kind` through the
    portal's own procedures (its check, then the store), as a browser would; the submission id."""
    with session_scope() as s:
        ds = s.exec(select(Dispatch).where(Dispatch.case_id == case_id).order_by(Dispatch.id)).all()
        email = s.get(Supervisor, ds[by].supervisor_id).email
        link = s.exec(select(PortalLink).where(PortalLink.case_id == case_id, PortalLink.kind == kind,
                                               PortalLink.recipient_email == email)
                      .order_by(col(PortalLink.id).desc())).first()
        token = portal_tokens.token_for(link.link_key)
    posted = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
    result = portal_submissions.submit_form(token, portal_forms.forms()[kind], posted, [])
    assert result.status == "stored", result.errors
    return result.receipt.submission_id


def file_record(case_id: int, ended: date, negatives=(), by: int = 0):
    """The record (附件3) the `by`-th dispatched supervisor files through their link, taken by the run."""
    submission = through_portal(case_id, "record_form", by,
                                answers("theory", codes(case_id)[by], str(ended), negatives=negatives))
    outcome = record.take_record(case_id, view(case_id).flow_run_id, submission)
    assert outcome.accepted, outcome.errors
    return outcome


def stored_record(case_id: int) -> InspectionRecord:
    with session_scope() as s:
        return s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_id)).one()


def proposal(case_id: int) -> dict:
    with session_scope() as s:
        return dict(s.get(InspectionCase, case_id).proposal)


def confirm(case_id: int, by: int):
    """The `by`-th dispatched supervisor confirms the record through their confirmation link."""
    submission = through_portal(case_id, "record_confirmation", by, {
        "assignment_code": codes(case_id)[by], "position": confirmation.CONFIRM, "text": ""})
    return confirmation.take_confirmation(case_id, view(case_id).flow_run_id, submission)


# -- 第十七条: the record's due date, stored everywhere it is read ------------------------------------
def test_the_record_is_due_two_working_days_after_the_sessions_scheduled_end_on_the_case_its_links_and_the_record(
        world):
    """Friday's session: due Tuesday (two working days, not two calendar days), stored on the case
    when it opens, carried by each record and confirmation link, and stored with the record."""
    case = opening.open_case("run-due", session_on(world, FRIDAY), str(FRIDAY), None)
    assert (case.status, case.record_due) == ("dispatching", date(2026, 11, 17))
    case_id = dispatch.dispatch(case.case_id, [world["cards"][0], world["cards"][1]], 1).case_id
    assert view(case_id).status == "awaiting_record"
    file_record(case_id, FRIDAY, by=0)
    assert view(case_id).status == "awaiting_confirmation"  # the other supervisor confirms first
    with session_scope() as s:
        offset = s.get(InspectionCase, case_id).clock_offset_days
        links = s.exec(select(PortalLink).where(PortalLink.case_id == case_id)).all()
    assert sorted(link.kind for link in links) == ["record_confirmation", "record_form", "record_form"]
    # the link works in real time: the business date (as_of) shifted back by the case's clock offset
    assert {link.deadline.date() for link in links} == {date(2026, 11, 17) - timedelta(days=offset)}
    filed = stored_record(case_id)
    assert (filed.due_on, filed.late, filed.submitted_on) == (date(2026, 11, 17), False, FRIDAY)


@pytest.mark.parametrize("filed_on, late", [(date(2026, 11, 17), False), (date(2026, 11, 18), True)])
def test_a_record_filed_after_its_due_day_is_stored_late_with_the_due_day_it_missed(world, filed_on, late):
    """The due day itself (Tuesday) is in time; Wednesday is late (第十七条)."""
    case_id = dispatched(world, FRIDAY, as_of=filed_on)
    file_record(case_id, FRIDAY)
    filed = stored_record(case_id)
    assert (filed.due_on, filed.late) == (date(2026, 11, 17), late)
    with session_scope() as s:
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"record-received:{case_id}")).one()
    assert mail.recipient_kind == "agency"


# -- the flags the flow reads after each step ----------------------------------------------------------
@pytest.mark.parametrize("choice, status, dispatches", [
    (opening.GO_ON, "awaiting_record", 1),
    (opening.STOP, "closed", 0),
], ids=["go-on", "stop"])
def test_a_session_that_should_not_take_place_waits_for_the_agencys_go_ahead(world, choice, status, dispatches):
    """第二十三条（一）: a suspended institution's session is a finding (a pending sanction case and
    the agency told), not a refusal; staff decide whether supervisors still go."""
    case = opening.open_case(f"run-halt-{choice}", session_on(world, FRIDAY, "suspended_id"), str(FRIDAY), None)
    assert case.status == "awaiting_go_ahead" and "整改期间" in case.finding
    with session_scope() as s:
        (pending,) = s.exec(select(PendingCase).where(PendingCase.source_case_id == case.case_id))
        assert s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"finding:{case.case_id}")).one()
    assert (pending.kind, pending.article) == ("sanction", "第二十三条（一）")

    refused = opening.go_ahead(case.case_id, "go-ahead-1", {"go_on": choice, "staff_code": "not-a-code"})
    assert not refused.accepted and staff.CODE_FIELD in refused.field_errors
    assert view(case.case_id).status == "awaiting_go_ahead"  # asked again

    decided = opening.go_ahead(case.case_id, "go-ahead-2", {"go_on": choice, "staff_code": world["staff_code"]})
    assert decided.accepted and decided.final
    # the flow dispatches whatever the go-ahead left; a closed case sends nobody
    after = dispatch.dispatch(case.case_id, [world["cards"][0]], 1)
    with session_scope() as s:
        sent = s.exec(select(Dispatch).where(Dispatch.case_id == case.case_id)).all()
    assert (after.status, len(sent)) == (status, dispatches)


def test_with_one_supervisor_the_record_counts_at_once_and_the_decision_form_gets_its_proposal(world):
    """附件3: 5 of 23 items 否 is 不合格 (≥ 20%); the proposal is stored with the record and the
    decision form is told there are problems to name in a letter."""
    case_id = dispatched(world, FRIDAY)
    file_record(case_id, FRIDAY, negatives=FAIL)
    filed = stored_record(case_id)
    assert view(case_id).status == "awaiting_decision"
    assert (filed.verdict, filed.negative_count, filed.item_count, filed.failed_items) == ("不合格", 5, 23, list(FAIL))
    assert filed.confirmed_on == FRIDAY  # it counts from today
    ctx = decision_context(case_id)
    assert ctx["has_problems"] and ctx["proposal"]["option"] == "提醒函"
    assert ctx["proposal"]["article"] == "第十五条（一）"


def test_with_several_supervisors_the_record_counts_only_when_the_last_one_confirms(world):
    case_id = dispatched(world, FRIDAY, supervisors=(0, 1, 2))
    file_record(case_id, FRIDAY, negatives=FAIL)
    assert confirm(case_id, 1).accepted
    assert view(case_id).status == "awaiting_confirmation" and "option" not in proposal(case_id)
    assert stored_record(case_id).confirmed_on is None
    again = confirmation.confirm_record(case_id, "confirm-again", {  # the same supervisor twice
        "assignment_code": codes(case_id)[1], "position": confirmation.CONFIRM, "text": ""})
    assert not again.accepted and view(case_id).status == "awaiting_confirmation"
    assert confirm(case_id, 2).accepted
    assert view(case_id).status == "awaiting_decision" and proposal(case_id)["option"] == "提醒函"


@pytest.mark.parametrize("as_of, accepted", [(FRIDAY, False), (date(2026, 11, 17), False),
                                             (date(2026, 11, 18), True)])
def test_missing_confirmations_are_closed_as_overdue_only_after_the_records_due_day(world, as_of, accepted):
    """第十七条, 第二十六条（二）: the agency may close a missing confirmation once the record's due day
    (Tuesday) has passed; the supervisor becomes a candidate (overdue_on) and the record counts."""
    case_id = dispatched(world, FRIDAY, supervisors=(0, 1), as_of=as_of)
    file_record(case_id, FRIDAY, negatives=FAIL)
    outcome = confirmation.close_overdue(case_id, "confirm-1", world["staff_code"])
    assert outcome.accepted is accepted
    with session_scope() as s:
        other = s.exec(select(Dispatch).where(Dispatch.case_id == case_id).order_by(col(Dispatch.id).desc())).first()
    if accepted:
        assert view(case_id).status == "awaiting_decision"
        assert (other.status, other.overdue_on) == ("overdue", as_of)
        assert proposal(case_id)["overdue_closed_by_staff_id"]
    else:
        assert staff.CODE_FIELD in outcome.field_errors and "届满后" in outcome.field_errors[staff.CODE_FIELD]
        assert view(case_id).status == "awaiting_confirmation"
        assert (other.status, other.overdue_on) == ("dispatched", None)


def test_an_investigation_asks_the_decision_again_and_a_letters_report_date_is_stored_moved_off_a_sunday(world):
    """第十五条（一）3: 调查核实 is recorded and not final (the flow asks again); a 提醒函 stores the
    written report's date: 30 days from Friday 11-13 is Sunday 12-13, moved to Monday 12-14
    (民法典第二百零三条); carrying it out issues the letter and closes the case."""
    case_id = dispatched(world, FRIDAY)
    file_record(case_id, FRIDAY, negatives=FAIL)
    signed = {"staff_code": world["staff_code"]}
    verify = decision.decide(case_id, "decision-1", {"decision": "调查核实", "opinion": "已电话核实考场情况。"} | signed)
    assert verify.accepted and not verify.final
    assert view(case_id).status == "awaiting_decision" and len(decision_context(case_id)["verifications"]) == 1
    letter = decision.decide(case_id, "decision-2", {"decision": "提醒函", "opinion": "请限期整改。",
                                                     "report_days": 30} | signed)
    assert letter.accepted and letter.final
    with session_scope() as s:
        stored = s.exec(select(AgencyDecision).where(AgencyDecision.case_id == case_id)).one()
    assert (stored.option, stored.decided_on, stored.report_days, stored.report_due) == (
        "提醒函", FRIDAY, 30, date(2026, 12, 14))
    assert "提醒函" in decision.carry_out(case_id)
    assert view(case_id).status == "closed"


def test_only_staff_of_the_agency_that_owns_the_case_decide_its_follow_up(world):
    """The staff code's agency must be the case's (CITY-A): a CITY-B code is refused on its field,
    for the decision and for closing confirmations as overdue alike."""
    case_id = dispatched(world, FRIDAY, supervisors=(0, 1), as_of=date(2026, 11, 18))
    file_record(case_id, FRIDAY, negatives=FAIL)
    closed = confirmation.close_overdue(case_id, "confirm-1", world["other_agency_code"])
    assert not closed.accepted and staff.CODE_FIELD in closed.field_errors
    assert confirmation.close_overdue(case_id, "confirm-2", world["staff_code"]).accepted
    decided = decision.decide(case_id, "decision-1", {"decision": "提醒函", "opinion": "请限期整改。", "report_days": 30,
                                                      "staff_code": world["other_agency_code"]})
    assert not decided.accepted and staff.CODE_FIELD in decided.field_errors
    with session_scope() as s:
        assert s.exec(select(AgencyDecision).where(AgencyDecision.case_id == case_id)).first() is None


# -- 第二十三条（十）: the history the follow-up proposal reads -------------------------------------------
def failed_session(world: dict, day: date, supervisors=(0,), confirmed=True) -> int:
    """A session on `day` whose 不合格 record was filed by the first supervisor and, when
    `confirmed`, confirmed by the others (so it counts)."""
    case_id = dispatched(world, day, supervisors=supervisors)
    file_record(case_id, day, negatives=FAIL)
    if confirmed:
        for n in range(1, len(supervisors)):
            assert confirm(case_id, n).accepted
    return case_id


def second_record_of_the_same_session(case_id: int) -> None:
    """Another 不合格 record of the same session, counted (confirmed): what cases from before one
    inspection per session (migration 0003) left behind, when each supervisor filed their own."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        first = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_id)).one()
        legacy = InspectionCase(flow_run_id=f"run-legacy-{case_id}", batch_number=case.batch_number,
                                session_id=case.session_id, institution_id=case.institution_id,
                                agency_id=case.agency_id, opened_on=case.opened_on, status="closed")
        s.add(legacy)
        s.flush()
        s.add(InspectionRecord(**first.model_dump(exclude={"id", "case_id"}), case_id=legacy.id))


def test_a_session_with_two_supervisors_failed_records_counts_once_toward_three_failed_results_in_a_year(world):
    """第二十三条（十） counts 不合格 results per inspected session, never per record: March's session
    (two supervisors, two 不合格 records) is one result, so May's is the year's 2nd (提醒函) and
    July's the 3rd (启动处理程序). Counted per record, May's would already be the 3rd."""
    march = failed_session(world, date(2026, 3, 2), supervisors=(0, 1))
    second_record_of_the_same_session(march)
    with session_scope() as s:
        session_id = s.get(InspectionCase, march).session_id
        records = s.exec(select(InspectionRecord).join(InspectionCase, InspectionCase.id == InspectionRecord.case_id)
                         .where(InspectionCase.session_id == session_id)).all()
    assert [r.verdict for r in records] == ["不合格", "不合格"] and all(r.confirmed_on for r in records)

    may = failed_session(world, date(2026, 5, 4), supervisors=(2,))
    assert proposal(may)["option"] == "提醒函" and proposal(may)["article"] == "第十五条（一）"
    assert "2026年度第2次" in "；".join(proposal(may)["reasons"])

    july = failed_session(world, date(2026, 7, 6), supervisors=(3,))
    assert proposal(july)["option"] == "启动处理程序" and proposal(july)["article"] == "第二十三条（十）"
    assert "第3次" in "；".join(proposal(july)["reasons"])


def test_a_failed_record_still_awaiting_a_confirmation_is_not_yet_a_failed_result(world):
    """第十七条: a record counts once every dispatched supervisor has confirmed it (or was closed as
    overdue); until then it is no 不合格 result for 第二十三条（十）."""
    failed_session(world, date(2026, 3, 2), supervisors=(0, 1), confirmed=False)
    may = failed_session(world, date(2026, 5, 4), supervisors=(2,))
    assert "2026年度第1次" in "；".join(proposal(may)["reasons"])


def test_a_failed_result_counts_in_the_year_its_inspection_ended_not_the_year_it_was_filed(world):
    """A session of 2025-12-31 whose record was filed (and counted) on 2026-01-04 is a 2025
    result: January's 不合格 is 2026's 1st."""
    december = dispatched(world, date(2025, 12, 31), as_of=date(2026, 1, 4))
    file_record(december, date(2025, 12, 31), negatives=FAIL)
    assert stored_record(december).confirmed_on == date(2026, 1, 4)
    january = failed_session(world, date(2026, 1, 12), supervisors=(1,))
    assert "2026年度第1次" in "；".join(proposal(january)["reasons"])
