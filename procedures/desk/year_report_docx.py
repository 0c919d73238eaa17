"""The year's report as a .docx in our letters' GB/T 9704 layout (adapters.documents: A4, margins
37/35/28/26 mm, 方正小标宋简体 title, 仿宋_GB2312 三号 body at 28 pt, 黑体 headings, red rule
under the issuer mark, page numbers), with charts (PNG) and tables after the text. Layout only:
the words come from year_report, the numbers from statistics (the desk's own).
"""

import io
from dataclasses import dataclass
from datetime import date

from adapters import charts
from adapters.documents import (
    BODY_FONT,
    HEADING_FONT,
    RED,
    TITLE_FONT,
    _font,
    _justify,
    _line_break,
    _page_number_footer,
    _paragraph,
    _qn,
    _red_rule,
    set_core_properties,
    title_lines,
)

TABLE_FONT_PT = 10.5  # 五号


@dataclass(frozen=True)
class Attachment:
    heading: str
    png: bytes | None
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    note: str


def _title(doc, text: str):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    first, *more = title_lines(text)
    title = _paragraph(doc, first, TITLE_FONT, 22, WD_ALIGN_PARAGRAPH.CENTER, space_after=14)
    for line in more:
        run = title.add_run(line)
        _font(run, TITLE_FONT, 22)
        run._element.insert(run._element.index(run._element.find(_qn("w:t"))), _line_break())


def _table(doc, columns, rows):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, TABLE_FONT_PT)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            if isinstance(value, int | float):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, TABLE_FONT_PT)
    return table


def render(issuer: str, title: str, recipient: str, paragraphs: list[str], attachments: list[Attachment],
           on: date) -> bytes:
    from docx import Document as DocxDocument
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    set_core_properties(doc, title, issuer, on)
    mark = _paragraph(doc, issuer, TITLE_FONT, 26, WD_ALIGN_PARAGRAPH.CENTER, color=RED, space_after=6)
    _red_rule(mark)
    _paragraph(doc, "", BODY_FONT, 16)
    _title(doc, title)
    _paragraph(doc, f"{recipient}：", BODY_FONT, 16)
    for text in paragraphs:
        heading = text[:2] in {f"{n}、" for n in "一二三四五六七八九"}
        p = _paragraph(doc, text, HEADING_FONT if heading else BODY_FONT, 16, _justify(), indent_chars=2)
        if heading:
            p.paragraph_format.keep_with_next = True
    _paragraph(doc, "", BODY_FONT, 16)
    _paragraph(doc, issuer, BODY_FONT, 16, WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, f"{on.year}年{on.month}月{on.day}日", BODY_FONT, 16, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section)
    if attachments:
        doc.add_section(WD_SECTION.NEW_PAGE)
        _paragraph(doc, "附件", HEADING_FONT, 16)
        _title(doc, "统计图表")
        for n, a in enumerate(attachments, start=1):
            _paragraph(doc, f"{n}. {a.heading}", HEADING_FONT, 16).paragraph_format.keep_with_next = True
            if a.png:
                doc.add_picture(io.BytesIO(a.png), width=Mm(150))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            if a.rows:
                _table(doc, a.columns, a.rows)
            else:
                _paragraph(doc, "本期间没有数据。", BODY_FONT, 14)
            if a.note:
                _paragraph(doc, a.note, BODY_FONT, 12, _justify())
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def png_of(fig) -> bytes | None:
    return charts.to_png(fig) if fig is not None else None
