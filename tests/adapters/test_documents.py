"""Official documents: numbering per agency per year, GB/T 9704 layout, one per key."""

import io
from datetime import UTC, date

import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn

from adapters.db import session_scope, upgrade
from adapters.documents import OfficialLetter, allocate_number, docx_text, store_document
from adapters.templates import render_email, render_paragraphs
from cli.demo_data import add_agencies

LETTER = OfficialLetter("reminder_letter", "济南市技能人才评价管理部门", "济南人社督〔2026〕1号",
                        "关于某机构技能人才评价质量督导情况的提醒函", "济南某职业技能评价中心",
                        ["第一段内容。", "一、小标题", "第二段内容。"], date(2026, 11, 26))


def test_numbers_run_per_agency_per_year(db_url):
    upgrade(db_url)
    with session_scope(db_url) as s:
        add_agencies(s)
        got = [allocate_number(s, "CITY-A", "济南人社督", 2026), allocate_number(s, "CITY-A", "济南人社督", 2026),
               allocate_number(s, "CITY-B", "青岛人社督", 2026), allocate_number(s, "CITY-A", "济南人社督", 2027)]
    assert got == ["济南人社督〔2026〕1号", "济南人社督〔2026〕2号", "青岛人社督〔2026〕1号", "济南人社督〔2027〕1号"]


def test_docx_uses_gbt_9704_page_and_named_chinese_fonts():
    from adapters.documents import render_docx

    doc = DocxDocument(io.BytesIO(render_docx(LETTER)))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)  # A4, stored in twips
    assert [round(m.mm) for m in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [37, 35, 28, 26]
    fonts = {p.text.replace("\n", ""): p.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for p in doc.paragraphs if p.runs and p.text}
    assert fonts[LETTER.title] == "方正小标宋简体"
    assert fonts["第一段内容。"] == "仿宋_GB2312" and fonts["一、小标题"] == "黑体"
    body = next(p for p in doc.paragraphs if p.text == "第一段内容。")
    assert body.runs[0].font.size.pt == 16 and body.paragraph_format.line_spacing.pt == 28
    assert doc.paragraphs[0].runs[0].font.color.rgb == (0xFF, 0x00, 0x00)  # red issuer mark
    assert "2026年11月26日" in docx_text(render_docx(LETTER))


def test_docx_properties_name_the_agency_the_title_and_the_document_date():
    from datetime import datetime

    from adapters.cards_docx import CardFace, render_card
    from adapters.documents import render_docx

    core = DocxDocument(io.BytesIO(render_docx(LETTER))).core_properties
    assert (core.title, core.author, core.last_modified_by) == (LETTER.title, LETTER.issuer, LETTER.issuer)
    assert core.created == core.modified == datetime(2026, 11, 26, tzinfo=UTC)
    assert "python-docx" not in (core.comments + core.author)
    card = CardFace("技能人才评价质量督导员（外督）", "张三", "R3726A001", "某单位", "济南市技能人才评价管理部门",
                    "2026年3月2日", "全省", ("背面",), "印制单位")
    core = DocxDocument(io.BytesIO(render_card(card))).core_properties
    assert (core.author, core.created.date()) == ("济南市技能人才评价管理部门", date(2026, 3, 2))
    assert core.title == "技能人才评价质量督导员（外督） R3726A001" and "python-docx" not in core.comments


def test_document_is_stored_once_per_key(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as s:
        add_agencies(s)
        first = store_document(s, "case-1-reminder_letter", LETTER, "CITY-A", None)
        again = store_document(s, "case-1-reminder_letter", LETTER, "CITY-A", None)
        assert first.id == again.id and first.filename.endswith("（济南人社督〔2026〕1号）.docx")


def test_letter_paragraphs_join_lines_without_spaces():
    paragraphs = render_paragraphs(
        "reminder_letter", inspected_on="2026年11月23日", occupation="电工", level="四级", form_name="理论考核",
        batch_number="PC-1", verdict="不合格", problems=["考前督导·评价计划：未达到“评价时间一致”的要求"], opinion="",
        report_due="2026年12月23日")
    assert paragraphs[0].startswith("2026年11月23日，我单位按照《山东省技能人才评价质量督导工作实施细则（试行）》")
    assert paragraphs[1] == "1. 考前督导·评价计划：未达到“评价时间一致”的要求"
    assert all(" " not in p.replace("1. ", "") for p in paragraphs)


def test_email_subject_comes_from_its_template():
    subject, text, html = render_email("record_reminder", supervisor_name="张三", institution="某机构",
                                       batch_number="PC-9", record_due="2026-11-25", form_url="http://x",
                                       agency_name="济南")
    assert subject == "【记录表今日到期】PC-9" and "2026年11月25日" in text and "<a href" in html


LETTER_CONTEXT = dict(inspected_on="2026年11月23日", occupation="电工", level="四级", form_name="理论考核",
                      batch_number="PC-1", verdict="不合格", problems=["问题一"], opinion="请完善考场设施。",
                      report_due="2026年12月23日")


@pytest.mark.parametrize("template", ["reminder_letter", "quality_bulletin"])
def test_letter_asking_for_a_written_report_gives_its_deadline_once(template):
    text = "".join(render_paragraphs(template, **LETTER_CONTEXT))
    assert text.count("书面报送") == 1 and text.count("2026年12月23日") == 1
    assert "于2026年12月23日前将整改情况书面报送" in text


def test_reminder_talk_notice_is_the_article_15_talk_not_the_article_21_interview():
    text = "".join(render_paragraphs("reminder_talk_notice", **LETTER_CONTEXT))
    assert "第十五条（一）" in text and "约谈提醒" in text
    assert "主要负责人" not in text and "第二十一条" not in text and "书面报送" not in text


@pytest.mark.parametrize("drawn", [True, False])
def test_dispatch_notice_says_random_draw_only_when_drawn(drawn):
    brief = dict(institution="某机构", batch_number="PC-9", site="考点", occupation="电工", level="四级",
                 form_name="理论考核", candidate_count=3, starts_at="x", ends_at="y", examiners=[],
                 internal_supervisors=[], supervisor_count=1)
    subject, text, html = render_email("dispatch_notice", supervisor_name="张三", agency_name="济南", brief=brief,
                                       assignment_code="ABCD-EFGH", record_due="2026-11-25", form_url="http://x",
                                       drawn=drawn, several=False)
    assert ("经随机抽取" in text) is drawn and ("经随机抽取" in html) is drawn


def test_a_long_unbroken_latin_string_wraps_inside_a_justified_body_paragraph():
    """Issue 23: an address or code without spaces breaks at the margin (Word's 允许西文在单词中间换行),
    it does not move whole to the next line and stretch the justified line before it."""
    from adapters.documents import render_docx

    letter = OfficialLetter("x", "济南市技能人才评价管理部门", "济南人社督〔2026〕1号", "标题", "某机构",
                            ["请打开https://portal.example.cn/l/" + "A" * 60 + "查看"], date(2026, 3, 2))
    doc = DocxDocument(io.BytesIO(render_docx(letter)))
    body = next(p for p in doc.paragraphs if "portal.example.cn" in p.text.replace("\u200b", ""))
    ppr = body._p.pPr
    wrap = ppr.find(qn("w:wordWrap"))
    assert wrap is not None and wrap.get(qn("w:val")) == "0"
    names = [child.tag.split("}")[1] for child in ppr]
    assert names.index("wordWrap") < names.index("spacing") < names.index("jc")  # the schema's order
    title = next(p for p in doc.paragraphs if p.text == "标题")
    assert title._p.pPr.find(qn("w:wordWrap")) is None  # centred lines are left alone
    # LibreOffice and WPS ignore wordWrap: zero-width break opportunities inside the long string
    assert max(len(run) for run in body.text.split("\u200b")) <= 16 + len("请打开")
    assert docx_text(render_docx(letter)).count("A" * 60) == 1  # the text itself is unchanged


def test_a_long_title_breaks_between_words_in_two_even_lines_never_inside_a_word():
    # GB/T 9704 7.3.3 回行时词意完整: the word processor broke 「…质量督/导情况的提醒函」 (issue 23)
    from dataclasses import replace

    from adapters.documents import render_docx, title_lines

    title = "关于济南市某某职业技能培训学校技能人才评价质量督导情况的提醒函"
    assert title_lines(title) == ["关于济南市某某职业技能培训学校", "技能人才评价质量督导情况的提醒函"]
    assert title_lines("关于测试机构FAIL技能人才评价质量督导情况的提醒函") == ["关于测试机构FAIL技能人才评价", "质量督导情况的提醒函"]
    assert title_lines("质量督导处理决定书") == ["质量督导处理决定书"]
    doc = DocxDocument(io.BytesIO(render_docx(replace(LETTER, title=title))))
    (shown,) = [p for p in doc.paragraphs if p.text.replace("\n", "") == title]
    assert shown.text == "关于济南市某某职业技能培训学校\n技能人才评价质量督导情况的提醒函"
    assert len(shown._p.findall(".//" + qn("w:br"))) == 1
    assert title in docx_text(render_docx(replace(LETTER, title=title)))  # the text reads whole


def test_a_numbered_heading_keeps_with_its_next_paragraph_and_the_opinion_ends_with_its_own_closing_line():
    # The walk-through: 「二、对申辩意见的采纳情况」 alone at the foot of page 1; 「特此通知。」 run into the
    # last paragraph of the 质量督导意见书.
    from adapters.documents import render_docx

    doc = DocxDocument(io.BytesIO(render_docx(LETTER)))
    heading = next(p for p in doc.paragraphs if p.text == "一、小标题")
    assert heading.paragraph_format.keep_with_next is True
    body = next(p for p in doc.paragraphs if p.text == "第一段内容。")
    assert not body.paragraph_format.keep_with_next
    for rectify in (False, True):
        paragraphs = render_paragraphs("special_opinion", institution="某机构", points=[], no_rectification=not rectify,
                                       matters=[{"label": "第十四条（二）备案范围", "rating": "符合", "facts": ["a"]}],
                                       requirements="补齐资料", report_due="2026年12月30日")
        assert paragraphs[-1] == "特此通知。"
