"""The year's report: a .docx in the letters' layout holding the desk's figures, charts and tables
(no supervisor's personal rows), and an .xlsx with every table — the same numbers as the page."""

import io

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook
from typer.testing import CliRunner

from adapters.db import get_engine, session_scope, upgrade
from adapters.documents import BODY_FONT, TITLE_FONT, docx_text
from cli.report import report_app
from procedures.desk.statistics_scope import StatisticsError
from procedures.desk.year_report import year_report
from tests.app_env import app_env
from tests.procedures.desk.stats_world import AS_OF, CARDS, build


@pytest.fixture
def world(sqlite_url, tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": sqlite_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            build(s)
        yield
        get_engine().dispose()


def _report(viewer="PROV", scope=None):
    with session_scope() as s:
        return year_report(s, viewer, 2026, scope, as_of=AS_OF)


def test_the_docx_opens_in_the_letter_layout_and_says_the_desks_numbers(world):
    r = _report()
    doc = DocxDocument(io.BytesIO(r.docx))
    text = docx_text(r.docx)
    assert r.title == "全省2026年度技能人才评价质量督导工作情况报告"
    assert "山东省人力资源和社会保障厅：" in text  # the provincial centre reports to the department
    # the hand count of test_statistics: 8 sessions, 4 inspected, 4 records (3 on time, 2 不合格)
    assert "共登记技能人才评价场次8场" in text and "开展日常督导4场，覆盖率50.0%" in text
    assert "记录表4份，其中按时提交3份（按时率75.0%）；评定合格2份、不合格2份" in text
    assert "责令整改或提出改进要求4家次，已完成2家次，进行中2家次，其中逾期未完成1家次" in text
    assert "济南二评价机构，期限2026年8月10日，已逾期" in text
    assert "卡方统计量2.00，自由度3，p值0.5724，未见明显偏差" in text
    section = doc.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    fonts = {run.font.name for p in doc.paragraphs for run in p.runs}
    assert {TITLE_FONT, BODY_FONT} <= fonts
    charted = [t for t in r.stats.tables if not t.personal and t.chart and any(x[0] != "合计" for x in t.rows)]
    assert len(doc.inline_shapes) == len(charted) >= 8  # a PNG chart per charted table
    coverage = doc.tables[0]
    assert [c.text for c in coverage.rows[-1].cells] == ["合计", "8", "4", "50.0%"]


def test_the_docx_carries_no_supervisors_personal_rows_and_the_xlsx_keeps_the_agencys_own(world):
    r = _report("CITY-A")
    assert CARDS["U1"] not in docx_text(r.docx) and "督导员U1" not in docx_text(r.docx)
    assert "山东省就业人才中心：" in docx_text(r.docx)
    wb = load_workbook(io.BytesIO(r.xlsx))
    assert wb.sheetnames[0] == "说明" and len(wb.sheetnames) == 1 + len(r.stats.tables)
    load = wb["本机构聘任督导员的工作量"]
    assert [c.value for c in load[2]] == ["督导员U1<b>", CARDS["U1"], 3, 2]
    cov = wb["评价场次与日常督导覆盖"]
    assert [c.value for c in cov[5]] == ["合计", 5, 2, "40.0%"]  # the city's hand count


def test_a_city_cannot_report_on_the_province(world):
    with pytest.raises(StatisticsError, match="无权查看"):
        _report("CITY-A", "province")


def test_the_command_writes_both_files_and_refuses_a_bad_year(world, tmp_path):
    done = CliRunner().invoke(report_app, ["year", "2026", "--agency", "CITY-A", "--out", str(tmp_path / "out"),
                                           "--as-of", str(AS_OF)])
    assert done.exit_code == 0, done.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["2026年度质量督导工作情况报告-city-A.docx", "2026年度质量督导工作情况报告-city-A.xlsx"]
    assert "覆盖率 40.0%" in done.output
    bad = CliRunner().invoke(report_app, ["year", "26"])
    assert bad.exit_code == 2 and "年度" in bad.output
    refused = CliRunner().invoke(report_app, ["year", "2026", "--agency", "CITY-A", "--scope", "city:B"])
    assert refused.exit_code == 2 and "无权查看" in refused.output
