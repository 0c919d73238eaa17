"""The portal's text limits are one table (procedures/portal/limits.py): every field of every
portal form is in it, each message names the field and the limit, and a value is measured as
it is stored (a line break counts once, the ends trimmed)."""

import re

import pytest

from adapters.templates import TEMPLATES
from procedures.portal import limits as portal_limits

FORM_TEMPLATES = ("record_form", "confirmation", "findings_form", "consolidation_form", "decision_receipt", "form",
                  "internal_assign", "internal_followup", "internal_people", "internal_special")
NOT_TEXT = {"csrf_token", "files"}  # the CSRF token is checked whole; file inputs are files


def posted_names(template: str) -> set[str]:
    """The names a form posts, a number in place of each Jinja expression (remark_{{ nn }} → remark_1)."""
    text = (TEMPLATES / "portal" / f"{template}.html.j2").read_text(encoding="utf-8")
    tags = re.findall(r"<(?:input|textarea|select)\b[^>]*>", text)
    names = {re.sub(r"\{\{[^}]*\}\}", "1", m.group(1)) for tag in tags if 'type="file"' not in tag
             for m in [re.search(r'name="([^"]+)"', tag)] if m}
    return names - NOT_TEXT


@pytest.mark.parametrize("template", FORM_TEMPLATES)
def test_every_field_of_every_portal_form_has_its_row_in_the_limits_table(template):
    names = posted_names(template)
    assert names, template
    rows = [re.compile(p) for p, _, _ in portal_limits.FIELDS]
    missing = [n for n in names if not any(r.fullmatch(n) for r in rows)]
    assert missing == [], f"{template}: {missing}"


@pytest.mark.parametrize("field, label, limit", [
    ("remark_03", "第3项备注", 2000),
    ("later_end_reason", "结束日期晚于计划的原因", 2000),
    ("reason_6", "督导事项（6）改变评定的理由", 2000),
    ("overall_evaluation", "总体评价", 5000),
    ("facts_2", "督导事项（2）事实", 5000),
    ("hearing", "听取意见", 5000),
    ("text", "不同意见", 5000),
    ("statement", "陈述", 20000),
    ("signer", "签收人姓名", 50),
    ("assignment_code", "任务编码", 40),
    ("item_05", "督导内容第5项", 40),
])
def test_each_text_field_is_refused_one_character_over_its_limit_naming_field_and_limit(field, label, limit):
    found = portal_limits.for_field(field)
    assert (found.label, found.max_chars) == (label, limit)
    assert found.hint == f"不超过{limit}字"
    message = portal_limits.too_long({field: ["字" * (limit + 1)]})[field]
    assert message.startswith(f"{label}：共 {limit + 1} 字，超过上限。最多 {limit} 字")
    assert portal_limits.too_long({field: ["字" * limit]}) == {}


def test_a_field_no_row_names_still_has_the_text_limit():
    found = portal_limits.for_field("added_later")
    assert found.max_chars == portal_limits.KINDS[portal_limits.DEFAULT_KIND].max_chars == 5000
    assert "added_later" in portal_limits.too_long({"added_later": ["x" * 5001]})["added_later"]


def test_a_line_break_counts_once_and_the_ends_are_trimmed():
    assert portal_limits.measured("  a\r\nb\n ") == 3
    assert portal_limits.too_long({"remark_01": ["\r\n".join("字" * 1000) + "  "]}) == {}  # 1,999 characters


def test_every_value_of_a_repeated_field_is_measured():
    assert "methods" in portal_limits.too_long({"methods": ["现场督导", "x" * 41]})
