"""Official documents as .docx in the GB/T 9704-2012 layout, plus their HTML twin.

Fonts are named, not shipped: 方正小标宋简体 for the issuer mark and title, 仿宋_GB2312
for the body (三号, 16 pt), 黑体 for first-level headings; A4 with the standard margins
(top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), 28 pt fixed line spacing (22 lines a
page), a red rule under the issuer mark, page numbers "— N —" in 宋体 四号.
"""

import io
import re
from dataclasses import dataclass
from datetime import UTC, date
from html import escape

from sqlmodel import Session, select

from models import Document, LetterCounter

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
PAGE_FONT = "宋体"
RED = "FF0000"


@dataclass(frozen=True)
class OfficialLetter:
    kind: str
    issuer: str  # 发文机关
    number: str  # 发文字号
    title: str
    recipient: str  # 主送机关
    paragraphs: list[str]
    issued_on: date

    @property
    def date_text(self) -> str:
        return f"{self.issued_on.year}年{self.issued_on.month}月{self.issued_on.day}日"


def allocate_number(s: Session, agency_id: str, prefix: str, year: int) -> str:
    """Next number in the agency's yearly series, e.g. 济人社督〔2026〕3号 (row-locked)."""
    counter = s.exec(
        select(LetterCounter).where(LetterCounter.agency_id == agency_id, LetterCounter.year == year)
        .with_for_update()
    ).first()
    if counter is None:
        counter = LetterCounter(agency_id=agency_id, year=year, last_serial=0)
    counter.last_serial += 1
    s.add(counter)
    s.flush()
    return f"{prefix}〔{year}〕{counter.last_serial}号"


def _font(run, name: str, size_pt: float, bold=False, color: str | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        rfonts.set(qn(attr), name)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _paragraph(doc, text: str, font: str, size: float, align=None, indent_chars=0, bold=False,
               color=None, space_after=0):
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if align is not None:
        p.alignment = align
    if align is not None and align == _justify():
        _latin_wraps_anywhere(p)
        text = _breakable(text)
    _font(p.add_run(text), font, size, bold, color)
    return p


TITLE_CHARS = 20  # 二号 (22 pt) on the 156 mm type area: 156 / 7.76 mm ≈ 20 characters a line
# Where a title may break (GB/T 9704 7.3.3: 回行时要做到词意完整, 排列对称): before these words,
# and after 的 — never inside a word such as 督导 (a title left to the word processor broke as
# 「…质量督/导情况的提醒函」).
_BEFORE = ("技能人才评价", "质量", "开展", "情况", "事先告知书", "处理决定书", "整改通知书", "提醒函", "意见书",
           "通知书", "通知", "报告", "决定书")
_AFTER = ("的",)


def title_lines(title: str, width: int = TITLE_CHARS) -> list[str]:
    """A letter's title in lines of at most `width` characters, broken between words, as even as
    possible; a title with no such break within reach stays whole (the word processor wraps it)."""
    if len(title) <= width:
        return [title]
    cuts = {m.start() for w in _BEFORE for m in re.finditer(re.escape(w), title)}
    cuts |= {m.end() for w in _AFTER for m in re.finditer(re.escape(w), title)}
    cuts = sorted(c for c in cuts if 0 < c < len(title))
    even = [c for c in cuts if c <= width and len(title) - c <= width]
    if even:  # two lines: the most even split
        cut = min(even, key=lambda c: (abs(len(title) - 2 * c), -c))
        return [title[:cut], title[cut:]]
    first = [c for c in cuts if c <= width]
    if not first:
        return [title]
    return [title[:first[-1]], *title_lines(title[first[-1]:], width)]


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _line_break():
    from docx.oxml import OxmlElement

    return OxmlElement("w:br")


_LONG_LATIN = re.compile(r"[!-~]{17,}")  # printable ASCII with no space: a URL, a file name, a code
BREAK = "\u200b"  # zero-width space: a break opportunity, invisible


def _breakable(text: str) -> str:
    """Break opportunities every 16 characters inside a long unbroken Latin string: LibreOffice
    and WPS ignore w:wordWrap and would stretch the justified line before it (issue 23)."""
    return _LONG_LATIN.sub(lambda m: BREAK.join(m[0][i:i + 16] for i in range(0, len(m[0]), 16)), text)


def _latin_wraps_anywhere(paragraph) -> None:
    """Word's 「允许西文在单词中间换行」 (w:wordWrap off): a long unbroken Latin string (an address,
    a file name, a code) breaks at the margin instead of moving whole to the next line and
    stretching the justified line before it (issue 23)."""
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    wrap = ppr.makeelement(qn("w:wordWrap"), {qn("w:val"): "0"})
    ppr.insert_element_before(wrap, *_AFTER_WORD_WRAP)  # the schema's order of pPr children


_AFTER_WORD_WRAP = ("w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
                    "w:pPrChange")


def _justify():
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    return WD_ALIGN_PARAGRAPH.JUSTIFY


def _red_rule(paragraph):
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    border = ppr.makeelement(qn("w:pBdr"), {})
    bottom = border.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "12",
                                                 qn("w:space"): "8", qn("w:color"): RED})
    border.append(bottom)
    ppr.append(border)


def _page_number_footer(section):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), PAGE_FONT, 14)
    run = p.add_run()
    _font(run, PAGE_FONT, 14)
    for tag, attrs in (("w:fldChar", {qn("w:fldCharType"): "begin"}),
                       ("w:instrText", {}), ("w:fldChar", {qn("w:fldCharType"): "end"})):
        el = run._element.makeelement(qn(tag), attrs)
        if tag == "w:instrText":
            el.text = "PAGE"
        run._element.append(el)
    _font(p.add_run(" —"), PAGE_FONT, 14)


def set_core_properties(doc, title: str, author: str, on: date) -> None:
    """The file's own properties (File → Info): the document's title, the issuing agency as its
    author, the document's date as created and modified — never python-docx's template values
    ("python-docx", "generated by python-docx", 2013-12-23). Fixed by the document, not the
    clock: a document rendered again is the same file."""
    from datetime import datetime

    core = doc.core_properties
    core.title, core.author, core.last_modified_by = title, author, author
    core.comments, core.language, core.revision = "", "zh-CN", 1
    core.created = core.modified = datetime(on.year, on.month, on.day, tzinfo=UTC)


def render_docx(letter: OfficialLetter) -> bytes:
    from docx import Document as DocxDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    set_core_properties(doc, letter.title, letter.issuer, letter.issued_on)

    _paragraph(doc, letter.issuer, TITLE_FONT, 26, WD_ALIGN_PARAGRAPH.CENTER, color=RED, space_after=6)
    number = _paragraph(doc, letter.number, BODY_FONT, 16, WD_ALIGN_PARAGRAPH.CENTER)
    _red_rule(number)
    _paragraph(doc, "", BODY_FONT, 16)
    first, *more = title_lines(letter.title)
    title = _paragraph(doc, first, TITLE_FONT, 22, WD_ALIGN_PARAGRAPH.CENTER, space_after=14)
    for line in more:  # each further line after a line break (w:br) in the same paragraph
        run = title.add_run(line)
        _font(run, TITLE_FONT, 22)
        run._element.insert(run._element.index(run._element.find(_qn("w:t"))), _line_break())
    _paragraph(doc, f"{letter.recipient}：", BODY_FONT, 16)
    for text in letter.paragraphs:
        heading = text[:2] in {f"{n}、" for n in "一二三四五六七八九"}
        p = _paragraph(doc, text, HEADING_FONT if heading else BODY_FONT, 16, WD_ALIGN_PARAGRAPH.JUSTIFY,
                       indent_chars=2)
        if heading:  # never alone at the foot of a page (「二、对申辩意见的采纳情况」 was)
            p.paragraph_format.keep_with_next = True
    _paragraph(doc, "", BODY_FONT, 16)
    _paragraph(doc, letter.issuer, BODY_FONT, 16, WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, letter.date_text, BODY_FONT, 16, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_html(letter: OfficialLetter) -> str:
    """The same letter as an HTML email body."""
    body = "\n".join(f'<p style="text-indent:2em;margin:0 0 .6em">{escape(t)}</p>' for t in letter.paragraphs)
    return (
        f'<div style="font-family:FangSong,仿宋,serif;font-size:16px;line-height:1.8;max-width:44em">'
        f'<p style="text-align:center;color:#d00;font-size:24px;margin:0">{escape(letter.issuer)}</p>'
        f'<p style="text-align:center;border-bottom:2px solid #d00;padding-bottom:.4em">{escape(letter.number)}</p>'
        f'<h2 style="text-align:center;font-weight:normal">{escape(letter.title)}</h2>'
        f"<p>{escape(letter.recipient)}：</p>{body}"
        f'<p style="text-align:right;margin-top:2em">{escape(letter.issuer)}<br>{escape(letter.date_text)}</p>'
        f"</div>"
    )


def store_document(s: Session, key: str, letter: OfficialLetter, agency_id: str,
                   case_id: int | None) -> Document:
    """Render and keep a numbered document once per idempotency key."""
    existing = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if existing:
        return existing
    doc = Document(idempotency_key=key, case_id=case_id, agency_id=agency_id, kind=letter.kind,
                   number=letter.number, title=letter.title, filename=f"{letter.title}（{letter.number}）.docx",
                   issued_on=letter.issued_on, html=render_html(letter), content=render_docx(letter))
    s.add(doc)
    s.flush()
    return doc


def docx_text(content: bytes) -> str:
    """All paragraph text of a .docx (for checks and tests)."""
    from docx import Document as DocxDocument

    # a paragraph's own line breaks (a title in two lines) are layout, not text
    return "\n".join(p.text.replace(BREAK, "").replace("\n", "") for p in DocxDocument(io.BytesIO(content)).paragraphs)
