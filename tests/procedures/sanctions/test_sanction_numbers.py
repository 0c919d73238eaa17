"""Sanction case numbers run from 1 per acting agency and year (issue 23.8): 处理-CITY-A-2026-1,
from the case_counter the special inspections use (its own series, kind "sanction"); shown in the
case file, the mail that cites the case, `supervise institution show` and the run's name, while
the id stays the internal key. On SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from adapters.db import session_scope
from models import CaseCounter, OutboxMessage, SanctionCase
from procedures.casework import run_health
from procedures.sanctions.case_file import proposal_markdown
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import skip_hearing
from procedures.sanctions.proposal import open_sanction, start_case
from procedures.sanctions.service import carry_out
from tests.procedures.sanctions.test_sanctions import _inst, _staff, _start

pytestmark = pytest.mark.usefixtures("any_db")


def _number(case_id: int) -> str:
    with session_scope() as s:
        return s.get(SanctionCase, case_id).number


def test_sanction_case_numbers_run_from_1_per_agency_and_year():
    with session_scope() as s:  # another series in the same counter: a special inspection's
        s.add(CaseCounter(agency_id="CITY-A", kind="special_inspection", year=2026, last_serial=4))
    city = [_start(f"run-n{n}", _inst(f"N{n}"), "第二十二条（二）", on=date(2026, 3, 2 + n)) for n in (1, 2)]
    next_year = _start("run-n3", _inst("N3"), "第二十二条（二）", on=date(2027, 1, 4))
    province = _start("run-n4", _inst("N4", authority="province"), "第二十二条（二）", on=date(2026, 3, 5))
    assert [v["case_number"] for v in (*city, next_year, province)] == [
        "处理-CITY-A-2026-1", "处理-CITY-A-2026-2", "处理-CITY-A-2027-1", "处理-PROV-2026-1"]
    again = start_case("run-n1", sanction_case_id=city[0]["case_id"])  # the run's retry: same number
    assert again["case_number"] == "处理-CITY-A-2026-1" and _number(city[0]["case_id"]) == "处理-CITY-A-2026-1"
    assert proposal_markdown(city[1]["case_id"]).startswith("# 处理程序 处理-CITY-A-2026-2：")


def test_a_case_opened_without_a_run_gets_its_number_when_its_run_starts_it():
    with session_scope() as s:  # as the sweep or a daily inspection opens one: a row, no run, no number
        s.add(SanctionCase(key="test:sweep", institution_id=_inst("N5"), agency_id="CITY-A", finding_case="22.2",
                           facts="逾期未整改", source="sweep", opened_on=date(2026, 3, 2)))
    with session_scope() as s:
        case_id = s.exec(select(SanctionCase.id).where(SanctionCase.key == "test:sweep")).one()
    assert _number(case_id) is None
    v = start_case("run-n5", sanction_case_id=case_id, as_of=date(2026, 3, 2))
    assert v["case_number"] == "处理-CITY-A-2026-1"
    labels = {f.run_id: f.label for f in run_health.case_files().values()}
    assert labels["run-n5"] == "处理程序 处理-CITY-A-2026-1"


def test_the_number_is_shown_by_institution_show_and_cited_by_the_report_to_the_filing_authority():
    from cli.app import app

    city_code, inst_id = _staff("CITY-A"), _inst("N6", authority="province")
    with session_scope() as s:
        case_id = open_sanction(s, "test:n6", inst_id, "23.4", "督导发现贩卖证书", date(2026, 3, 2),
                                "registered", agency_id="CITY-A").id
    assert _number(case_id) == "处理-CITY-A-2026-1"  # opened here: numbered at once
    start_case("run-n6", sanction_case_id=case_id, as_of=date(2026, 3, 2))
    shown = CliRunner().invoke(app, ["institution", "show", "S-N6"]).output
    assert "案件 处理-CITY-A-2026-1 撤销备案回执" in shown
    skip_hearing(case_id)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": city_code}).accepted
    assert carry_out(case_id)["status"] == "reported"
    with session_scope() as s:
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"sanction-report:{case_id}")).one()
    assert "已为你单位开立处理案件 处理-PROV-2026-1" in mail.text_body
