"""What the agency sees of internal supervision (第十六条 全覆盖, 第四条, 第八条), through
procedures.internal.coverage on a real database, SQLite and PostgreSQL, with a hand-counted world.

Period 2026-03-01 … 2026-03-31, counted on 2026-04-10. CITY-A sees 甲 and 乙 (its city) and 戊
(a CITY-B institution whose internal sessions name CITY-A); CITY-B sees 丙; PROV sees all five.
- 甲 (A): s1, s2 internal 合格 / external 不合格 (confirmed); s3 late 合格 / external 合格; s4 no
  record, due 03-16 → missing; s5 no record, due 04-14 → not yet due; s6 合格 with an external
  不合格 not yet confirmed (does not count). Outside the period: 02-28 and 04-01.
  → 6 sessions, 4 recorded, 3 on time, 1 missing, 0 不合格; compared 3, diverging 2 → flagged.
- 乙 (A, a name with markup): t1 不合格 follow-up done; t2 不合格 follow-up due 04-01 → overdue; t3
  不合格 follow-up due 04-20; t4, t5 合格 / external 不合格; t6 (ends 03-18) and t7 (ends 03-31) have
  no internal session: t6 is past the 10-day grace, t7 is on its last day of it; t8 has no record
  and was reported missing although due 04-30.
  → 8 sessions, 5 recorded, 5 on time, 2 missing, 3 不合格, 1 done, 1 overdue; diverging 2, NOT
  flagged (乙 fails sessions itself).
- 丙 (B): one 合格 session. 戊 (B, named CITY-A): one 合格 session. 丁 (province-filed): one
  session with no internal session, ended 03-13 → missing.
"""

import itertools
from datetime import date, timedelta

import pytest

from adapters.db import get_engine, session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session
from models import InspectionCase, InspectionRecord, InternalRecord, InternalSession, Supervisor
from procedures.casework import staff
from procedures.internal.coverage import (
    CoverageError,
    InternalRecordView,
    coverage,
    internal_record_view,
)
from procedures.internal.coverage_report import agency_report
from tests.app_env import app_env

START, END, AS_OF = date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 10)
MARKUP = "乙<img src=x onerror=alert(1)>**评价**"
_runs = itertools.count()


def _session(s, inst, batch, day, agency_id=None, due=None, reported=None, with_internal=True):
    sess = add_session(s, batch, inst, day)
    if not with_internal:
        return sess, None
    internal = InternalSession(session_id=sess.id, institution_id=inst.id, agency_id=agency_id, opened_on=day,
                               record_due=due or day + timedelta(days=2), missing_reported_on=reported)
    s.add(internal)
    s.flush()
    return sess, internal


def _record(s, sess, internal, sup, verdict="合格", late=False, followup_due=None, followup_on=None, remark=""):
    s.add(InternalRecord(
        internal_session_id=internal.id, session_id=sess.id, institution_id=sess.institution_id, form_kind="theory",
        form_version="2022", submitted_by=sup.id, submitted_on=AS_OF, inspection_ended_on=AS_OF, late=late,
        item_answers={"1": "否", "2": "是"}, veto_answers={"1": "否", "2": "否", "3": "否"},
        remarks={"1": remark} if remark else {}, overall_evaluation="总体<b>良好</b>", supervisor_verdict=verdict,
        verdict=verdict, negative_count=1, item_count=23, followup_due=followup_due, followup_on=followup_on,
        followup_text="已整改：*重新培训*" if followup_on else ""))


def _external(s, sess, sup, verdict, confirmed=True):
    case = InspectionCase(flow_run_id=f"run-{next(_runs)}", session_id=sess.id, batch_number=sess.batch_number,
                          agency_id="CITY-A", institution_id=sess.institution_id, opened_on=AS_OF)
    s.add(case)
    s.flush()
    s.add(InspectionRecord(case_id=case.id, form_kind="theory", form_version="2022", submitted_by=sup.id,
                           submitted_on=AS_OF, inspection_ended_on=AS_OF, late=False, overall_evaluation="",
                           verdict=verdict, confirmed_on=AS_OF if confirmed else None, negative_count=0,
                           item_count=23))


@pytest.fixture
def world(db_url, tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            sup = Supervisor(name="内督员", person_key="P-IN", kind="internal", card_code="S123456260001",
                             issuer="S123456", email="in@example.cn")
            s.add(sup)
            s.flush()
            jia = add_institution(s, "济南甲评价机构", "T-A-JIA", city="A")
            yi = add_institution(s, MARKUP, "T-A-YI", city="A")
            bing = add_institution(s, "青岛丙评价机构", "T-B-BING", city="B")
            wu = add_institution(s, "青岛戊评价机构", "T-B-WU", city="B")
            ding = add_institution(s, "省丁评价机构", "T-P-DING", authority="province")
            d = lambda n: date(2026, 3, n)  # noqa: E731
            for n, (day, verdict, late, ext) in enumerate(
                    [(2, "合格", False, ("不合格", True)), (5, "合格", False, ("不合格", True)),
                     (9, "合格", True, ("合格", True)), (20, "合格", False, ("不合格", False))], 1):
                sess, internal = _session(s, jia, f"JIA-{n}", d(day))
                _record(s, sess, internal, sup, verdict, late, remark="考生<script>x</script>未核验" if n == 1 else "")
                _external(s, sess, sup, *ext)
            _session(s, jia, "JIA-MISSING", d(12), due=d(16))
            _session(s, jia, "JIA-PENDING", d(31), due=date(2026, 4, 14))
            for batch, day in (("JIA-FEB", date(2026, 2, 28)), ("JIA-APR", date(2026, 4, 1))):
                sess, internal = _session(s, jia, batch, day)
                _record(s, sess, internal, sup)
            sess, internal = _session(s, yi, "YI-1", d(3))
            _record(s, sess, internal, sup, "不合格", followup_due=d(20), followup_on=d(18))
            sess, internal = _session(s, yi, "YI-2", d(4))
            _record(s, sess, internal, sup, "不合格", followup_due=date(2026, 4, 1))
            sess, internal = _session(s, yi, "YI-3", d(10))
            _record(s, sess, internal, sup, "不合格", followup_due=date(2026, 4, 20))
            for batch, day in (("YI-4", d(11)), ("YI-5", d(16))):
                sess, internal = _session(s, yi, batch, day)
                _record(s, sess, internal, sup)
                _external(s, sess, sup, "不合格")
            _session(s, yi, "YI-6", d(18), with_internal=False)
            _session(s, yi, "YI-7", d(31), with_internal=False)
            _session(s, yi, "YI-8", d(25), due=date(2026, 4, 30), reported=date(2026, 3, 28))
            sess, internal = _session(s, bing, "BING-1", d(10))
            _record(s, sess, internal, sup)
            sess, internal = _session(s, wu, "WU-1", d(12), agency_id="CITY-A")
            _record(s, sess, internal, sup)
            _session(s, ding, "DING-1", d(13), with_internal=False)
            codes = {a: staff.add(s, a, f"{a}经办", "经办")[1] for a in ("CITY-A", "CITY-B")}
        yield codes
        get_engine().dispose()


def _numbers(row):
    c = row.coverage
    return (c.sessions, c.recorded, c.on_time, c.missing, c.pending, c.failed, c.followups_done, c.followups_overdue,
            row.signal.compared, row.signal.diverging, row.signal.flagged)


def test_coverage_counts_every_number_of_a_city_and_flags_only_the_institution_that_never_fails_itself(world):
    with session_scope() as s:
        report = coverage(s, START, END, agency_id="CITY-A", as_of=AS_OF)
    rows = {r.filing_number: r for r in report.rows}
    assert set(rows) == {"T-A-JIA", "T-A-YI", "T-B-WU"}
    assert _numbers(rows["T-A-JIA"]) == (6, 4, 3, 1, 1, 0, 0, 0, 3, 2, True)
    assert rows["T-A-JIA"].diverging_batches == ("JIA-1", "JIA-2")
    assert rows["T-A-JIA"].risk_weight == pytest.approx(1 + 1 / 6 + 1)
    assert _numbers(rows["T-A-YI"]) == (8, 5, 5, 2, 1, 3, 1, 1, 2, 2, False)
    assert rows["T-A-YI"].risk_weight == pytest.approx(1 + 2 / 8 + 0.5)
    assert _numbers(rows["T-B-WU"]) == (1, 1, 1, 0, 0, 0, 0, 0, 0, 0, False)
    assert [r.filing_number for r in report.rows] == ["T-A-JIA", "T-A-YI", "T-B-WU"]  # riskiest first
    assert _numbers(report.total)[:8] == (15, 10, 9, 3, 2, 3, 1, 1)
    assert [r.filing_number for r in report.flagged] == ["T-A-JIA"]


def test_an_internal_session_naming_an_agency_moves_it_there_and_the_province_sees_every_institution(world):
    with session_scope() as s:
        city_b = coverage(s, START, END, agency_id="CITY-B", as_of=AS_OF)
        province = coverage(s, START, END, agency_id="PROV", as_of=AS_OF)
        one = coverage(s, START, END, agency_id="CITY-A", institution_id=city_b.rows[0].institution_id, as_of=AS_OF)
    assert [(r.filing_number, *_numbers(r)[:4]) for r in city_b.rows] == [("T-B-BING", 1, 1, 1, 0)]
    assert {r.filing_number for r in province.rows} == {"T-A-JIA", "T-A-YI", "T-B-BING", "T-B-WU", "T-P-DING"}
    assert _numbers(province.total)[:5] == (17, 11, 10, 4, 2)
    assert one.rows == []  # 丙 is CITY-B's


def test_a_later_count_day_turns_pending_sessions_into_missing_ones(world):
    with session_scope() as s:
        later = coverage(s, START, END, agency_id="CITY-A", as_of=date(2026, 4, 15))
    yi = {r.filing_number: r for r in later.rows}["T-A-YI"]
    jia = {r.filing_number: r for r in later.rows}["T-A-JIA"]
    assert (jia.coverage.missing, jia.coverage.pending) == (2, 0)  # JIA-PENDING was due 04-14
    assert (yi.coverage.missing, yi.coverage.pending) == (3, 0)  # YI-7 ended 03-31: 10 days of grace passed


def test_coverage_refuses_an_unknown_agency_and_a_reversed_period_in_chinese(world):
    with session_scope() as s:
        with pytest.raises(CoverageError, match="委派机构"):
            coverage(s, START, END, agency_id="CITY-X")
        with pytest.raises(CoverageError, match="期间"):
            coverage(s, END, START, agency_id="CITY-A")


def test_another_agencys_internal_record_is_refused_under_article_8(world):
    with session_scope() as s:
        assert "第八条" in internal_record_view(s, "JIA-1", "CITY-B")
        assert "第八条" in internal_record_view(s, "JIA-1", "PROV")  # the province owns only province-filed ones
        assert "第八条" in internal_record_view(s, "WU-1", "CITY-B")  # its internal session names CITY-A
        assert isinstance(internal_record_view(s, "WU-1", "CITY-A"), InternalRecordView)
        assert "找不到" in internal_record_view(s, "NO-SUCH", "CITY-A")
        assert "尚无内督记录" in internal_record_view(s, "JIA-MISSING", "CITY-A")


def test_the_owning_agency_reads_the_record_with_its_item_texts(world):
    with session_scope() as s:
        view = internal_record_view(s, "JIA-1", "CITY-A")
    assert view.record.verdict == "合格" and view.owner_id == "CITY-A"
    assert len(view.vetoes) == 3 and len(view.items) == 23
    assert (view.items[0].answer, view.items[1].answer) == ("否", "是") and view.items[0].text
    assert view.items[0].remark == "考生<script>x</script>未核验"


def test_the_report_artifact_shows_the_table_the_signal_and_the_record_with_outside_text_escaped(world):
    result = agency_report("CITY-A", "2026-03-01", "2026-03-31", "YI-1", world["CITY-A"], AS_OF)
    assert result.accepted
    md = result.markdown
    assert "| 济南甲评价机构 | T-A-JIA | 6 | 4（67%） | 3（50%） | 1 | 1 |" in md
    assert "| 济南甲评价机构 | 0 | 0 | 0 | 3 | 2 | 2.17 |" in md
    assert "| **合计** |  | 15 | 10（67%） | 9（60%） | 3 | 2 |" in md
    assert "| **合计** | 3 | 1 | 1 |" in md
    assert all(line.count("|") <= 8 for line in md.splitlines())  # no table wider than 7 columns
    assert "- 济南甲评价机构（T-A-JIA）：2 场 —— JIA-1、JIA-2" in md
    assert "<img" not in md and "&lt;img src=x onerror=alert\\(1\\)&gt;\\*\\*评价\\*\\*" in md
    assert "## 内督记录：批次 YI-1" in md and "**不合格**" in md and "已整改：\\*重新培训\\*" in md
    assert "<b>" not in md and "CITY-A经办" in md


def test_the_report_shows_the_record_of_another_agency_only_as_a_refusal(world):
    md = agency_report("CITY-B", "", "", "JIA-1", world["CITY-B"], AS_OF).markdown
    assert "第八条" in md and "考生" not in md


def test_the_report_with_another_agencys_staff_code_is_refused(world):
    result = agency_report("CITY-A", "2026-03-01", "2026-03-31", "", world["CITY-B"], AS_OF)
    assert not result.accepted and "只有其工作人员" in result.text and "济南甲" not in result.markdown


def test_the_report_refuses_a_bad_date_naming_the_field(world):
    result = agency_report("CITY-A", "2026-02-30", "", "", world["CITY-A"], AS_OF)
    assert not result.accepted and result.text.startswith("期间开始日期")


def test_the_report_defaults_to_the_month_of_the_day(world):
    md = agency_report("CITY-A", "", "", "", world["CITY-A"], date(2026, 3, 20)).markdown
    assert "2026-03-01 至 2026-03-31" in md


def test_the_period_is_counted_in_local_days_at_both_ends(world):
    """A session starting 00:30 Beijing time on 03-01 is in March, one at 00:30 on 04-01 is not,
    although in UTC the first is still February and the second still March."""
    from datetime import datetime

    from sqlmodel import select

    from adapters.clock import tz
    from models import Institution

    with session_scope() as s:
        bing = s.exec(select(Institution).where(Institution.filing_number == "T-B-BING")).one()
        for batch, moment in (("BING-EARLY", datetime(2026, 3, 1, 0, 30, tzinfo=tz())),
                              ("BING-LATE", datetime(2026, 4, 1, 0, 30, tzinfo=tz()))):
            sess = add_session(s, batch, bing, moment.date())
            sess.starts_at, sess.ends_at = moment, moment + timedelta(hours=2)
            s.add(sess)
    with session_scope() as s:
        (row,) = coverage(s, START, END, agency_id="CITY-B", as_of=AS_OF).rows
    assert row.coverage.sessions == 2


def test_the_sql_scope_of_an_agency_is_the_same_rule_as_responsible_agency(world):
    """One mapping (第十一条): an institution matches responsible_for(agency) exactly when
    responsible_agency names that agency — for every institution and agency of the world."""
    from sqlmodel import select

    from models import Agency, Institution
    from procedures.casework.dispatching import responsible_agency, responsible_for

    with session_scope() as s:
        institutions = list(s.exec(select(Institution)))
        for agency in s.exec(select(Agency)):
            matched = set(s.exec(select(Institution.id).where(responsible_for(agency))))
            expected = {i.id for i in institutions if responsible_agency(s, i).id == agency.id}
            assert matched == expected, agency.id
