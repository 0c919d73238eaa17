"""Outside text is data on staff screens (ARCHITECTURE.md, "Email and documents"): `inert()` turns
it into Markdown that renders — in Markdown with raw HTML allowed, as Prefect's UI renders
artifacts and form headers — as exactly the text typed, with no element made from it. Checked by
rendering with markdown-it (CommonMark + GFM tables, HTML on), in a paragraph, a table cell and a
list item; the browser test (tests/flows/test_ui_escaping.py) checks the Prefect UI itself."""

import re

import pytest
from markdown_it import MarkdownIt

from adapters.markdown_text import BREAK_AFTER, inert

LONG = "A" * 2000
CATALOGUE = [
    "<img src=x onerror=alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    "[x](javascript:alert(1))",
    "**x**",
    "| a | b |",
    LONG,
]
MORE = ["![i](x.png)", "<https://evil.example>", "https://evil.example/x", "www.evil.example", "a@b.example",
        "# 标题", "- 列表", "1. 编号", "> 引用", "`code`", "~~删除~~", "_x_", "<script>alert(1)</script>",
        "&lt;img src=x&gt;", "a\\<b>", "\"'", "---", "==="]
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
ELEMENTS = re.compile(r"<(?!/?(p|table|thead|tbody|tr|th|td|ul|li|br /)>)[a-z]", re.I)  # all but the frame's


def _visible(html: str) -> str:
    """The text a browser shows for rendered HTML (tags dropped, entities decoded, ZWSP gone)."""
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html)).replace("\u200b", "")


def _frames(text: str) -> dict[str, str]:
    return {"paragraph": MD.render(text), "cell": MD.render(f"| 事项 | 说明 |\n|---|---|\n| {text} | 尾 |\n"),
            "list": MD.render(f"- 备注：{text}\n")}


@pytest.mark.parametrize("text", CATALOGUE + MORE)
def test_outside_text_renders_as_itself_with_no_element_made_from_it(text):
    for frame, html in _frames(inert(text)).items():
        assert not ELEMENTS.search(html), (frame, html)
        assert text in _visible(html), (frame, html)


@pytest.mark.parametrize("text", CATALOGUE)
def test_outside_text_keeps_a_table_to_its_two_cells(text):
    html = _frames(inert(text))["cell"]
    assert html.count("<td>") == 2 and "尾" in html


def test_a_2000_character_line_without_spaces_gets_a_break_opportunity_every_40_characters():
    out = inert(LONG)
    parts = out.split("\u200b")
    assert len(parts) == 2000 // BREAK_AFTER and all(len(p) <= BREAK_AFTER for p in parts)


def test_chinese_text_and_short_words_are_left_without_break_points():
    text = "考场" * 100 + " " + "x" * BREAK_AFTER
    assert "\u200b" not in inert(text)


def test_lines_of_outside_text_are_joined_inline_and_cannot_start_a_block():
    out = inert("第一行\n# 第二行\r\n- 第三行")
    assert "\n" not in out
    assert _visible(MD.render(out)).strip() == "第一行 / # 第二行 / - 第三行"


def test_block_text_keeps_its_line_breaks_and_no_line_starts_a_heading_or_list():
    html = MD.render(inert("第一行\n# 第二行\n- 第三行\n\n第五行", block=True))
    assert html.count("<br />") == 4 and html.startswith("<p>") and html.count("<p>") == 1
    assert not ELEMENTS.search(html)


def test_control_characters_are_dropped_and_none_is_empty():
    assert inert("a\x00b\x1bc\u2028d") == "abcd"
    assert inert(None) == ""


def test_a_log_line_keeps_outside_text_as_typed_on_one_line():
    from adapters.markdown_text import log_text

    assert log_text("机构<img src=x onerror=alert(1)>**x**") == "机构<img src=x onerror=alert(1)>**x**"
    assert log_text("第一行\n[伪造] 第二行\x1b[31m") == "第一行 / [伪造] 第二行[31m"
    assert "\u200b" in log_text(LONG) and "\n" not in log_text(LONG)


@pytest.mark.parametrize("text", CATALOGUE + MORE)
def test_our_bold_case_line_turns_back_into_the_text_typed(text):
    from adapters.markdown_text import as_plain

    assert as_plain(f"**{inert(text)}** · 拟处理 **整改**").replace("\u200b", "") == f"{text} · 拟处理 整改"


def test_a_hyphen_or_plus_inside_a_line_stays_as_typed_only_a_line_start_is_escaped():
    assert inert("CITY-A 1+1") == "CITY-A 1+1"
    assert inert("- 列表", block=True).startswith("\\-") and inert("a\n+ b", block=True).endswith("\\+ b")
