"""The 统计 page's view model and CSV downloads: the same numbers as the statistics, a real chart
beside each table, outside text escaped, another scope refused in Chinese."""

import csv
import io
from types import SimpleNamespace

import pytest

from adapters.db import get_engine, session_scope, upgrade
from portal.pages import environment
from procedures.desk.statistics_page import render_stats_page, stats_csv
from procedures.desk.statistics_scope import StatisticsError
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


def _page(viewer, period="2026", scope=None):
    with session_scope() as s:
        context = render_stats_page(s, viewer, period, scope, as_of=AS_OF)
    signed_in = SimpleNamespace(name="王审核", agency_name="济南市人力资源和社会保障局", role="审核")  # the desk's layout
    return context, environment().get_template("desk/stats.html.j2").render(user=signed_in, csrf="0" * 64, **context)


def test_every_table_is_shown_beside_its_chart_with_a_csv_link(world):
    context, html = _page("CITY-A")
    keys = [p.table.key for p in context["panels"]]
    assert keys == ["coverage", "records", "failed_items", "findings", "measures", "special", "rectifications",
                    "open_rectifications", "plans", "supervisors", "fairness", "fairness_people", "load"]
    charted = [p.table.key for p in context["panels"] if p.svg]
    assert "coverage" in charted and "fairness" not in charted  # the fairness summary is words, not bars
    assert html.count("<svg") == len(charted) and html.count("下载CSV") == len(keys)
    assert "/desk/stats.csv?period=2026&amp;scope=city%3AA&amp;table=coverage" in html
    assert "/desk/report.docx?period=2026&amp;scope=city%3AA" in html
    assert "济南" in html and "仅本机构聘任的督导员" in html


def test_a_supervisors_name_is_data_in_the_table_and_in_the_chart(world):
    _context, html = _page("CITY-A")
    assert "督导员U1&lt;b&gt;" in html and "<b>" not in html  # table cell and SVG text both escaped


def test_a_city_asking_for_the_province_gets_the_reason_and_no_figures(world):
    context, html = _page("CITY-A", scope="province")
    assert context["panels"] == [] and "统计范围：" in context["error"] and "无权查看" in html
    assert [c for c, _ in context["scopes"]] == ["city:A", "agency:CITY-A"]


def test_the_csv_has_a_bom_and_the_pages_numbers(world):
    with session_scope() as s:
        name, data = stats_csv(s, "PROV", "2026", "province", "coverage", as_of=AS_OF)
        assert name == "2026-province-coverage.csv"
        assert data.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == ["考核形式", "登记场次", "已督导场次", "覆盖率"] and rows[-1] == ["合计", "8", "4", "50.0%"]
        _, load = stats_csv(s, "CITY-A", "2026", None, "load", as_of=AS_OF)
        assert CARDS["U1"] in load.decode("utf-8-sig")
        with pytest.raises(StatisticsError, match="统计表"):
            stats_csv(s, "PROV", "2026", None, "nothing", as_of=AS_OF)
