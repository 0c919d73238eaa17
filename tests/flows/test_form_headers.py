"""What staff read above and in a Prefect form (flows/forms.py and the flows' header builders):
outside text in a header renders as itself (markdown-it, CommonMark + tables, HTML on, as the UIs
render a form's description); the case line also heads the first field's title as plain text
(the classic UI squeezes the header away, issue 23.10); every staff-code field is a password
field (issue 23.4) whose value still reaches the check as typed."""

import re
from types import SimpleNamespace

import pytest
from markdown_it import MarkdownIt

from flows import forms, sanction_forms, special_forms
from procedures.casework.staff import CODE_FIELD

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
TAGS = re.compile(r"<(img|a|script|table|h\d)\b", re.I)
NAME = "机构<img src=x onerror=alert(1)>[x](javascript:alert(1))**x**| a | b |"


def _shown(markdown: str) -> str:
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", MD.render(markdown))).replace("\u200b", "")


def _forms():
    ctx = {"points": ["p"], "matters": [(2, "第十四条（二）", "符合")], "report_days": 20}
    return {
        "decision": forms.decision_form("**h** · x", "提醒函", []),
        "go_ahead": forms.go_ahead_form("**h** · x", []),
        "staff_code": forms.staff_code_form("签名", []),
        "confirmation": forms.confirmation_step("说明", []),
        "sanction_decision": sanction_forms.decision_form("**h**", "x", "rectification", ["p"], False, [], {}, {}),
        "minutes": sanction_forms.minutes_form("**h**", [], {}, {}),
        "sanction_review": sanction_forms.review_form("**h**", sanction_forms.RECTIFICATION_REVIEW, [], {}, {}),
        "approval": special_forms.approval_form("**h**", [], {}, {}),
        "weighing": special_forms.weighing_form("**h**", ctx, [], {}, {}),
        "special_review": special_forms.review_form("**h**", ctx, [], {}, {}),
    }


@pytest.mark.parametrize("name", list(_forms()))
def test_every_staff_code_field_is_a_password_field_and_takes_the_code_as_typed(name):
    model = _forms()[name]
    field = model.model_json_schema()["properties"][CODE_FIELD]
    assert field["type"] == "string" and field["format"] == "password"
    fields = {n: f for n, f in model.model_fields.items()}
    assert fields[CODE_FIELD].annotation is str  # not SecretStr: the check gets the code itself


def test_daily_decision_header_shows_the_institution_as_typed_once_above_the_fields():
    from flows.daily import _decision_header

    case = SimpleNamespace(institution=NAME, batch_number="PC-<b>1</b>")
    ctx = {"proposal": {"option": "提醒函", "article": "第十五条（一）"}, "verdict": "不合格", "negative_count": 5,
           "item_count": 23, "verifications": [{"on": "2026-11-24", "by": "王<i>科长</i>"}]}
    header = _decision_header(case, ctx)
    assert not TAGS.search(MD.render(header)) and "<i>" not in MD.render(header)
    assert NAME in _shown(header) and "王<i>科长</i>" in _shown(header)
    title = forms.decision_form(header, "提醒函", []).model_json_schema()["properties"]["decision"]["title"]
    assert title == "处理决定"  # the case line heads the form (the default UI shows it whole), not the field


def test_approval_header_shows_the_leads_reasons_and_findings_as_typed():
    from flows.special import _approval_header

    ctx = {"institution": NAME, "draft": [("第十四条（二）", "不符合", "| 理由 | <a href=x>y</a> |")],
           "hearing": "# 听取\n- 意见", "findings": [("第十四条（二）", "张<script>三", "不符合", "**事实**")]}
    header = _approval_header(ctx)
    html = MD.render(header)
    assert not TAGS.search(html) and "<strong>事实</strong>" not in html
    shown = _shown(header)
    for text in (NAME, "| 理由 | <a href=x>y</a> |", "# 听取 / - 意见", "张<script>三", "**事实**"):
        assert text in shown, text


def test_a_refused_answers_errors_quoting_the_input_show_as_text():
    model = forms.staff_code_form("签名", ["业务日期：应为有效日期，实际为“<img src=x>”"])
    assert not TAGS.search(MD.render(model._description))
