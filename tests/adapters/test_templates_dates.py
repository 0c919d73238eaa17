"""Dates in mail and portal pages read as letters write them (issue 23: 2026年12月09日 in a member's mail)."""

from datetime import date, datetime

from adapters.templates import TEMPLATES, chinese_datetime, environment


def test_a_moment_reads_without_leading_zeros_on_month_and_day_but_keeps_the_minutes():
    assert chinese_datetime(datetime(2026, 12, 9, 9, 5)) == "2026年12月9日 09:05"
    assert chinese_datetime(datetime(2026, 3, 2, 17, 0), with_time=False) == "2026年3月2日"
    assert chinese_datetime(date(2026, 3, 2)) == "2026年3月2日"


def test_no_mail_or_page_template_writes_a_zero_padded_chinese_date():
    padded = [p.name for p in TEMPLATES.rglob("*.j2") if "%m月" in p.read_text() or "%d日" in p.read_text()]
    assert padded == []
    rendered = environment().from_string("{{ d|cntime }}").render(d=datetime(2026, 12, 9, 17, 30))
    assert rendered == "2026年12月9日 17:30"
