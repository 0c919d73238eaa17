"""The sanction procedure's steps on a real database, portal links and documents (no Prefect):
the flow test drives the same steps through the server, runner, portal and SMTP."""

import re
from datetime import date

import pytest
from sqlmodel import col, select

from adapters.db import session_scope
from adapters.documents import docx_text
from cli.demo_data import add_institution
from models import Document, Institution, InstitutionHistory, RegisterEntry, SanctionCase
from procedures.casework import staff
from procedures.portal import links as portal_links
from procedures.portal import submissions as portal_submissions
from procedures.sanctions import sweep as sanction_sweep
from procedures.sanctions.case_file import proposal_markdown
from procedures.sanctions.common import SanctionError, read_view
from procedures.sanctions.decision import decide, decision_context
from procedures.sanctions.hearing import invite_args, notify_hearing, record_defence, skip_hearing
from procedures.sanctions.improvement import record_improvement, review_improvement
from procedures.sanctions.measures import record_minutes
from procedures.sanctions.proposal import _article_case, confirm_opening, start_case
from procedures.sanctions.rectification import record_rectification_report, review_rectification
from procedures.sanctions.service import carry_out
from tests.procedures.sanctions.support import submit_statement

D0 = date(2026, 3, 2)




def _staff(agency="CITY-A") -> str:
    with session_scope() as s:
        return staff.add(s, agency, "王审核", "审核")[1]


def _inst(tag: str, **kw) -> int:
    with session_scope() as s:
        return add_institution(s, f"测试机构{tag}", f"S-{tag}", **kw).id




def notify_opened(case_id: int) -> dict:
    """The 告知书, as the run sends it: after a staff member opened the case (confirm_opening with a
    real staff code of the case's agency; procedures.sanctions.hearing.notify_hearing refuses otherwise)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        agency_id, opened = case.agency_id, case.details.get("opened_by")
    if not opened:
        with session_scope() as s:
            code = staff.add(s, agency_id, "李启动", "审核")[1]  # its own name: the test's codes stay valid
        outcome = confirm_opening(case_id, f"opening-{case_id}", {"staff_code": code})
        assert outcome.accepted, outcome.errors
    return notify_hearing(case_id)


def _start(run: str, inst_id: int, article: str, facts="考场未按规定设置", on=D0, **kw) -> dict:
    with session_scope() as s:
        filing = s.get(Institution, inst_id).filing_number
    return start_case(run, filing_number=filing, article=article, facts=facts, as_of=on, **kw)


def test_rectification_case_from_hearing_to_resumption_once_whatever_the_retries(db):
    code, inst_id = _staff(), _inst("R1")
    v = _start("run-r1", inst_id, "第二十二条（二）")
    assert v["measure"] == "rectification" and not v["report_only"]
    assert "待发出事先告知书" in proposal_markdown(v["case_id"])  # not "第二十四条移交不事先告知"
    v = notify_opened(v["case_id"])
    case_id = v["case_id"]
    assert v["hearing_due"] == "2026-03-09"  # 5 working days
    sid = submit_statement(case_id, "run-r1", "defence", "超范围系误会\n已停止该职业评价")
    record_defence(case_id, sid)
    answers = {"decision": "采纳拟处理意见", "point_01": "不采纳", "point_02": "采纳", "staff_code": code}
    refused = decide(case_id, "decision-1", answers)
    assert not refused.accepted and "point_reason_01" in refused.field_errors
    bad_code = decide(case_id, "decision-2", answers | {"point_reason_01": "有记录为证", "staff_code": "x"})
    assert "staff_code" in bad_code.field_errors
    ok = decide(case_id, "decision-3", answers | {"point_reason_01": "有记录为证", "problems": "超职业评价",
                                                      "requirements": "强化考点管理。",
                                                      "point_reason_02": "误填在采纳项下的理由"})
    assert ok.accepted and decide(case_id, "decision-3", {}).accepted  # a replay reads the outcome
    for _ in range(2):
        v = carry_out(case_id)
    assert v["status"] == "rectifying" and v["rectification_due"] == "2026-06-02"
    with session_scope() as s:
        inst = s.get(Institution, inst_id)
        assert inst.status == "suspended"
        notice = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-rectification")).one()
        text = docx_text(notice.content)
        assert "整改通知书" in notice.title and "限期3个月（至2026年6月2日）" in text and "超职业评价" in text
        assert "整改期间不得组织任何职业技能等级认定" in text
        assert "你单位应当强化考点管理，并立即整改" in text  # staff's full stop not doubled into "。，"
        decision = docx_text(s.exec(select(Document).where(
            Document.idempotency_key == f"sanction-{case_id}-decision")).one().content)
        assert "误填在采纳项下的理由" not in decision  # a reason belongs to a point not accepted only
        assert "\n特此决定。" in decision  # its own paragraph, not glued onto the remedies
        decision = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-decision")).one()
        assert "有记录为证" in docx_text(decision.content)
        (entry,) = s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id))
        assert entry.article == "第二十二条（二）" and entry.until == date(2026, 6, 2)
        case = s.get(SanctionCase, case_id)
        assert case.decided_by.startswith("王审核")
    sid = submit_statement(case_id, "run-r1", "rectification-1", "整改报告")
    record_rectification_report(case_id, sid)
    again = review_rectification(case_id, "review-1-1", {"outcome": "提出整改要求并另定期限",
                                                                  "staff_code": code, "new_due": "2026-02-30"})
    assert "new_due" in again.field_errors
    assert review_rectification(case_id, "review-1-2", {"outcome": "恢复评价活动", "staff_code": code}).accepted
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"
        kinds = [e.measure for e in s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id))]
        assert kinds == ["暂停评价活动并限期整改（发出《整改通知书》）", "恢复评价活动"]


def test_interview_history_escalates_the_next_article_21_case_and_the_proposal_names_it(db):
    code, inst_id = _staff(), _inst("H1")
    v = _start("run-h1", inst_id, "第二十一条（三）")
    assert v["measure"] == "interview"
    notify_opened(v["case_id"])
    record_defence(v["case_id"], 0)
    assert decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                        "interview_time": "3月20日9时", "interview_place": "301室"}).accepted
    assert carry_out(v["case_id"])["status"] == "awaiting_minutes"
    assert record_minutes(v["case_id"], "m-1", {"minutes": "负责人承诺整改", "staff_code": code}).accepted
    second = _start("run-h2", inst_id, "第二十一条（六）", on=date(2026, 5, 1))
    assert (second["measure"], second["article"]) == ("rectification", "第二十二条（一）")
    with session_scope() as s:
        p = s.get(SanctionCase, second["case_id"]).proposal
        (rests,) = p["rests_on"]
        assert rests["on"] == "2026-03-02" and rests["number"] and "约谈" in rests["text"]


def test_an_agency_that_did_not_file_the_institution_reports_to_the_filing_authority(db):
    code, inst_id = _staff("PROV"), _inst("M1", authority="mohrss")
    v = _start("run-m1", inst_id, "第二十二条（七）")
    assert v["report_only"] and not v["hearing"]  # no 告知书 of its own (第二十二条 由负责备案的人社部门)
    skip_hearing(v["case_id"])
    decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert carry_out(v["case_id"])["status"] == "reported"
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"  # no measure taken here
        report = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{v['case_id']}-report")).one()
        assert report.title == "关于评价机构质量督导问题的报告" and "人力资源社会保障部" in docx_text(report.content)
        assert s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).first() is None


def test_article_27_refusal_revokes_proposes_discipline_and_publishes_nothing(db):
    code, inst_id = _staff(), _inst("O1")
    v = _start("run-o1", inst_id, "第二十七条（三）", serious=True)
    assert v["measure"] == "revocation"
    notify_opened(v["case_id"])
    record_defence(v["case_id"], 0)
    decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                 "authority": "某市纪委监委", "persons": "张某"})
    carry_out(v["case_id"])
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "revoked"
        assert s.exec(select(Document).where(Document.idempotency_key == f"sanction-{v['case_id']}-discipline")).one()
        assert s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).first() is None


def test_deadline_missed_opens_one_escalation_though_the_sweep_runs_twice(db):
    code, inst_id = _staff(), _inst("E1")
    v = _start("run-e1", inst_id, "第二十二条（二）")
    notify_opened(v["case_id"])
    record_defence(v["case_id"], 0)
    decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "requirements": "规范评价组织", "staff_code": code})
    v = carry_out(v["case_id"])
    due = date.fromisoformat(v["rectification_due"])
    reminders = sanction_sweep.sweep(date(2026, 5, 26), resume=False)  # 7 days before 06-02
    assert reminders.reminded == [v["case_id"]]
    for _ in range(2):
        sanction_sweep.sweep(date(2026, 6, 3), resume=False)
    with session_scope() as s:
        (esc,) = s.exec(select(SanctionCase).where(SanctionCase.source_sanction_id == v["case_id"]))
        assert esc.finding_case == "22.6" and esc.status == "pending" and due < esc.opened_on
        from models import OutboxMessage

        told = s.exec(select(OutboxMessage).where(col(OutboxMessage.idempotency_key).startswith("sanction-opened:"))).all()
        assert len(told) == 1 and told[0].recipient_kind == "agency" and str(esc.id) in told[0].text_body
    escalation = start_case("run-e2", sanction_case_id=esc.id, as_of=date(2026, 6, 3))
    # the notice whose rectification was missed is not an earlier 书面通知: 第二十二条（六）, not 第二十三条（一）
    assert escalation["article"] == "第二十二条（六）"


def test_inactivity_opens_its_case_once_per_threshold(db):
    inst_id = _inst("I1", filed_on=date(2024, 1, 10))
    with session_scope() as s:
        s.get(Institution, inst_id).last_evaluation_on = date(2025, 3, 1)
    for _ in range(2):
        sanction_sweep.sweep(date(2026, 3, 2), resume=False)
    with session_scope() as s:
        keys = [c.key for c in s.exec(select(SanctionCase).where(SanctionCase.institution_id == inst_id))]
        assert keys == [f"inactive-1y:{inst_id}:2025-03-01"]
        assert s.exec(select(InstitutionHistory)).first() is None


def test_cli_shows_an_institution_exports_the_register_and_counts_a_working_day_window(db):
    import json

    from typer.testing import CliRunner

    from cli.app import app

    code, inst_id = _staff(), _inst("C1")
    v = _start("run-c1", inst_id, "第二十二条（二）")
    notify_opened(v["case_id"])
    record_defence(v["case_id"], 0)
    decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "requirements": "规范评价组织", "staff_code": code})
    carry_out(v["case_id"])
    cli = CliRunner()
    shown = cli.invoke(app, ["institution", "show", "S-C1"])
    assert shown.exit_code == 0 and "暂停评价活动（整改中）" in shown.output and "整改期限 2026-06-02" in shown.output
    assert "陈述申辩期限" not in shown.output  # decided: the defence period is over (issue 23.14)
    assert "发出《整改通知书》" in shown.output
    assert cli.invoke(app, ["institution", "show", "NOPE"]).exit_code == 1
    exported = json.loads(cli.invoke(app, ["register", "export", "--format", "json"]).output)
    (entry,) = exported["entries"]
    assert entry["filing_number"] == "S-C1" and set(entry) == set(exported["columns"])  # nothing else published
    csv_out = cli.invoke(app, ["register", "export", "--format", "csv"]).output
    assert csv_out.splitlines()[0].startswith("日期,评价机构,备案编号") and "S-C1" in csv_out
    assert cli.invoke(app, ["register", "export", "--format", "xml"]).exit_code == 1
    assert cli.invoke(app, ["deadline", "window", "2026-09-30", "5"]).output.strip() == "2026-10-13"


def test_the_third_failed_session_of_a_calendar_year_opens_its_case_once(db):
    from datetime import timedelta

    from cli.demo_data import add_session, add_supervisor
    from models import InspectionCase, InspectionRecord

    inst_id = _inst("F1")
    with session_scope() as s:
        inst = s.get(Institution, inst_id)
        sup = add_supervisor(s, "督导F", "A", 901, year=2024, term_start=date(2025, 1, 1))
        sessions = [add_session(s, f"PC-F1-{n}", inst, day)
                    for n, day in enumerate((date(2026, 2, 2), date(2026, 2, 20), date(2026, 3, 2)))]
        # the 4th record is a second record of the third session: sessions count, not records
        for n, (sess, day) in enumerate(zip(sessions + sessions[-1:], (date(2026, 2, 2), date(2026, 2, 20),
                                                                         date(2026, 3, 2), date(2026, 3, 2)), strict=True)):
            case = InspectionCase(flow_run_id=f"f1-{n}", session_id=sess.id, batch_number=sess.batch_number,
                                  institution_id=inst_id, agency_id="CITY-A", opened_on=day, status="closed")
            s.add(case)
            s.flush()
            s.add(InspectionRecord(case_id=case.id, form_kind="theory", form_version="2022", submitted_by=sup.id,
                                   submitted_on=day, inspection_ended_on=day, late=False, overall_evaluation="x",
                                   verdict="不合格", confirmed_on=day + timedelta(days=1), negative_count=6,
                                   item_count=23))
    assert sanction_sweep.sweep(date(2026, 2, 25), resume=False).opened == []  # two sessions so far
    for _ in range(2):
        sanction_sweep.sweep(date(2026, 3, 4), resume=False)
    with session_scope() as s:
        (case,) = s.exec(select(SanctionCase).where(SanctionCase.key == f"fails:{inst_id}:2026"))
        assert case.finding_case == "fail" and case.opened_on == date(2026, 3, 3) and "3场次" in case.facts
    v = start_case("run-f1", sanction_case_id=case.id, as_of=date(2026, 3, 4))
    assert (v["measure"], v["article"]) == ("revocation", "第二十三条（十）")


def test_a_defence_accepted_drops_the_case_and_nothing_is_taken_or_published(db):
    code, inst_id = _staff(), _inst("D1")
    v = _start("run-d1", inst_id, "第二十二条（七）")
    notify_opened(v["case_id"])
    record_defence(v["case_id"], submit_statement(v["case_id"], "run-d1", "defence", "宣传系第三方冒用我单位名义"))
    refused = decide(v["case_id"], "d-1", {"decision": "不予处理", "point_01": "采纳", "staff_code": code})
    assert refused.field_errors == {"reason": "理由：不予处理须写明理由"}
    assert decide(v["case_id"], "d-2", {"decision": "不予处理", "point_01": "采纳", "staff_code": code,
                                        "reason": "经核实宣传非该机构所为"}).accepted
    assert carry_out(v["case_id"])["status"] == "dropped"
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"
        assert s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).first() is None
        doc = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{v['case_id']}-decision")).one()
        text = docx_text(doc.content)
        assert "决定对该事项不予处理" in text and "宣传系第三方冒用我单位名义" in text and "采纳" in text


@pytest.mark.parametrize("article, case", [
    ("第二十二条（二）", "22.2"), ("第二十二条(二)、第二十二条（八）", "22.8"), ("第二十三条", "23.1"),
    ("第二十三条（十）", "23.10"), ("第二十三条（十一）", "23.11"), ("22.8", "22.8"), ("第十五条（一）", "fail"),
    ("第二十一条（三）：考场设置不规范", "21.3"),
])
def test_a_pending_case_article_is_read_as_its_heaviest_listed_case(article, case):
    assert _article_case(article) == case


@pytest.mark.parametrize("article", ["99.1", "第二十二条（九）", "超范围", ""])
def test_an_unknown_article_is_refused_in_chinese_naming_the_field(article):
    with pytest.raises(SanctionError, match="^条款："):
        _article_case(article)


def _improving(tag: str) -> tuple[str, int]:
    """A 第二十七条（一） case decided: an improvement request, the report asked for (round 1)."""
    code, inst_id = _staff(), _inst(tag)
    case_id = _start(f"run-{tag}", inst_id, "第二十七条（一）")["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                   "requirements": "建立督导配合制度"}).accepted
    v = carry_out(case_id)
    assert (v["status"], v["rectification_round"], v["rectification_due"]) == ("improving", 1, "2026-04-01")
    return code, case_id


def test_an_improvement_report_is_reviewed_returned_with_requirements_and_a_new_date_then_accepted(db):
    code, case_id = _improving("P1")
    v = record_improvement(case_id, submit_statement(case_id, "run-P1", "improvement-1", "已建立制度"))
    assert v["status"] == "improving"  # waits for the staff review, not closed by the report
    refused = review_improvement(case_id, "improvement-review-1-1",
                                 {"outcome": "提出改进要求并另定期限", "staff_code": code})
    assert {"requirements", "new_due"} <= set(refused.field_errors)
    assert "staff_code" in review_improvement(case_id, "improvement-review-1-2",
                                              {"outcome": "改进到位，结案", "staff_code": "x"}).field_errors
    assert review_improvement(case_id, "improvement-review-1-3", {
        "outcome": "提出改进要求并另定期限", "staff_code": code, "requirements": "补充培训记录",
        "new_due": "2026-05-29"}).accepted
    v = read_view(case_id)
    assert (v["status"], v["rectification_round"], v["rectification_due"]) == ("improving", 2, "2026-05-29")
    assert "补充培训记录" in invite_args(case_id, "improvement-2")["instructions"]  # the new link says it
    record_improvement(case_id, submit_statement(case_id, "run-P1", "improvement-2", "已补充"))
    assert review_improvement(case_id, "improvement-review-2-1",
                              {"outcome": "改进到位，结案", "staff_code": code}).accepted
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        kinds = [h.kind for h in s.exec(select(InstitutionHistory).where(InstitutionHistory.sanction_case_id == case_id)
                                        .order_by(InstitutionHistory.id))]
    assert case.status == "closed" and [r["outcome"] for r in case.details["reviews"]] == [
        "提出改进要求并另定期限", "改进到位，结案"]
    assert kinds == ["decision", "improvement", "improvement-report-1", "requirements-2", "improvement-report-2",
                     "improvement-accepted"]


def test_an_improvement_returned_and_its_new_date_missed_opens_article_27_3_once(db):
    code, case_id = _improving("P2")
    record_improvement(case_id, submit_statement(case_id, "run-P2", "improvement-1", "已建立制度"))
    assert sanction_sweep.sweep(date(2026, 4, 2), resume=False).escalated == []  # reported, under review
    review_improvement(case_id, "improvement-review-1-1", {
        "outcome": "提出改进要求并另定期限", "staff_code": code, "requirements": "补充培训记录", "new_due": "2026-05-29"})
    for _ in range(2):
        sanction_sweep.sweep(date(2026, 5, 30), resume=False)
    with session_scope() as s:
        (esc,) = s.exec(select(SanctionCase).where(SanctionCase.source_sanction_id == case_id))
    assert (esc.key, esc.finding_case, esc.serious) == (f"overdue:{case_id}:2", "27.3", True)
    assert record_improvement(case_id, 0)["status"] == "closed"  # the waiting run is told


def _defence_after_close(tag: str, hours_after_deadline: int, statement: str) -> int:
    """A case whose period the sweep closed (the run told: none), then a defence through the
    case's own defence link, received `hours_after_deadline` after the link's deadline."""
    from datetime import timedelta

    case_id = _start(f"run-{tag}", _inst(tag), "第二十二条（二）")["case_id"]
    notify_opened(case_id)
    assert sanction_sweep.sweep(date(2026, 3, 10), resume=False).hearings_closed == [case_id]
    record_defence(case_id, 0)
    assert decision_context(case_id)["points"] == []
    a = invite_args(case_id, "defence")
    with session_scope() as s:
        link = portal_links.create_link(s, portal_links.CaseStep("sanction", case_id, "defence", f"run-{tag}"),
                                        portal_links.Recipient(*a["recipient"]), portal_links.Contact(*a["contact"]),
                                        a["title"], a["deadline"])
    at = a["deadline"] + timedelta(hours=hours_after_deadline)
    assert portal_submissions.submit(link.token, statement, [], at=at).status == "stored"
    return case_id


def test_a_defence_stored_in_time_but_read_after_the_close_is_not_called_late(db):
    case_id = _defence_after_close("L2", -2, "已整改")  # the resume lost the race with the sweep
    (shown,) = decision_context(case_id)["points"]
    assert shown.startswith("（期限内提交、期限届满后转入，") and "逾期" not in shown


def test_a_defence_submitted_after_the_period_closed_is_weighed_marked_late_and_kept_in_the_case_file(db):
    code = _staff()
    case_id = _defence_after_close("L1", 2, "超范围系误会")  # in the link's grace days
    ctx = decision_context(case_id)
    (shown,) = ctx["points"]
    assert ctx["late"] == 1 and re.fullmatch(r"（逾期提交，\d{4}-\d\d-\d\d \d\d:\d\d收到）超范围系误会", shown)
    assert "逾期提交" in proposal_markdown(case_id) and "超范围系误会" in proposal_markdown(case_id)
    assert "待作出处理决定时审阅" in proposal_markdown(case_id)
    unseen = decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert not unseen.accepted and "逾期提交" in unseen.field_errors["point_01"]  # a form shown before it came
    assert decide(case_id, "d-2", {"decision": "采纳拟处理意见", "requirements": "规范评价组织", "staff_code": code, "point_01": "不采纳",
                                   "point_reason_01": "与现场记录不符"}).accepted
    carry_out(case_id)
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        decision = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-decision")).one()
    assert case.defence["late"]["points"] == ["超范围系误会"] and case.defence["late"]["receipt"]
    assert "作出处理决定时已审阅" in proposal_markdown(case_id)
    text = docx_text(decision.content)
    assert "逾期提交" in text and "超范围系误会" in text and "与现场记录不符" in text




def _failed_sessions(inst_id: int, tag: str, confirmed: list[date]) -> None:
    """One session per day, each with a 不合格 record confirmed that day."""
    from cli.demo_data import add_session, add_supervisor
    from models import InspectionCase, InspectionRecord

    with session_scope() as s:
        inst = s.get(Institution, inst_id)
        sup = add_supervisor(s, f"督导{tag}", "A", 900 + len(tag), year=2024, term_start=date(2025, 1, 1))
        for n, day in enumerate(confirmed):
            sess = add_session(s, f"PC-{tag}-{n}", inst, day)
            case = InspectionCase(flow_run_id=f"{tag}-{n}", session_id=sess.id, batch_number=sess.batch_number,
                                  institution_id=inst_id, agency_id="CITY-A", opened_on=day, status="closed")
            s.add(case)
            s.flush()
            s.add(InspectionRecord(case_id=case.id, form_kind="theory", form_version="2022", submitted_by=sup.id,
                                   submitted_on=day, inspection_ended_on=day, late=False, overall_evaluation="x",
                                   verdict="不合格", confirmed_on=day, negative_count=6, item_count=23))


def test_the_third_failed_session_counts_within_one_calendar_year_on_sqlite_and_postgresql(any_db):
    """第二十三条（十）: two in December and one in January are not three; the third of the new year is."""
    inst_id = _inst("Y1")
    _failed_sessions(inst_id, "Y1", [date(2025, 12, 5), date(2025, 12, 20), date(2026, 1, 10)])
    for day in (date(2025, 12, 31), date(2026, 1, 12)):
        assert not [k for k in sanction_sweep.sweep(day, resume=False).opened if k.startswith("fails:")]
    _failed_sessions(inst_id, "Y1B", [date(2026, 2, 2), date(2026, 2, 20)])
    for _ in range(2):
        sanction_sweep.sweep(date(2026, 2, 23), resume=False)
    with session_scope() as s:
        (case,) = s.exec(select(SanctionCase).where(SanctionCase.institution_id == inst_id,
                                                    SanctionCase.finding_case == "fail"))
    assert (case.key, case.opened_on) == (f"fails:{inst_id}:2026", date(2026, 2, 20)) and "3场次" in case.facts
