"""`supervise internal coverage|record` (cli/internal_reports.py), registered on a Typer app the way
cli/app.py registers them, on the hand-counted world of test_internal_coverage (SQLite)."""

import pytest
import typer
from typer.testing import CliRunner

from cli import internal_reports
from tests.procedures.internal.test_internal_coverage import world  # noqa: F401  (the fixture)

app = typer.Typer()
app.command("coverage")(internal_reports.coverage)
app.command("record")(internal_reports.record)


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path):
    return f"sqlite:///{tmp_path / 'supervision.db'}"


def test_coverage_prints_each_institution_and_the_total_and_writes_the_csv(world, tmp_path):  # noqa: F811
    out = tmp_path / "coverage.csv"
    r = CliRunner().invoke(app, ["coverage", "--agency", "CITY-A", "--from", "2026-03-01", "--to", "2026-03-31",
                                 "--csv", str(out)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert any(line.startswith("济南甲评价机构\tT-A-JIA\t6\t4\t") for line in lines)
    assert any(line.startswith("合计\t\t15\t") for line in lines)
    assert "风险信号（内督合格而外督不合格）：济南甲评价机构（T-A-JIA）JIA-1、JIA-2" in r.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("评价机构,备案编号,场次") and "JIA-1 JIA-2" in text


def test_coverage_refuses_a_bad_date_naming_the_option(world):  # noqa: F811
    r = CliRunner().invoke(app, ["coverage", "--agency", "CITY-A", "--from", "2026-13-01", "--to", "2026-03-31"])
    assert r.exit_code == 1 and "--from 期间开始日期" in r.output


def test_record_is_shown_to_the_owning_agency_with_its_staff_code(world):  # noqa: F811
    r = CliRunner().invoke(app, ["record", "JIA-1", "--agency", "CITY-A", "--staff-code", world["CITY-A"]])
    assert r.exit_code == 0, r.output
    assert "内督记录：批次 JIA-1" in r.output and "考生<script>x</script>未核验" in r.output  # plain text, as typed


def test_record_of_another_agencys_institution_is_refused_under_article_8(world):  # noqa: F811
    r = CliRunner().invoke(app, ["record", "JIA-1", "--agency", "CITY-B", "--staff-code", world["CITY-B"]])
    assert r.exit_code == 1 and "第八条" in r.output and "考生" not in r.output


def test_record_with_a_staff_code_of_another_agency_is_refused(world):  # noqa: F811
    r = CliRunner().invoke(app, ["record", "JIA-1", "--agency", "CITY-A", "--staff-code", world["CITY-B"]])
    assert r.exit_code == 1 and "只有其工作人员" in r.output and "考生" not in r.output
