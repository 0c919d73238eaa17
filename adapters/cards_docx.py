"""The printable supervisor card (附件2): .docx, 80 × 110 mm, front and back; PDF via LibreOffice.

附件2 制作说明: 单面宽 80mm、长 110mm; 正面 标题 16磅黑体加粗、24磅行间距, 彩色1寸照片
（2.5cm × 3.5cm）, 正文 12磅黑体、22磅行间距; 反面 标题 16磅黑体加粗、24磅行间距, 印制单位
12磅黑体加粗、24磅行间距. Each side is one page of the document; the photo is a bordered
2.5 × 3.5 cm slot (the photo is pasted or printed in).
"""

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FONT = "黑体"
PAGE_W_MM, PAGE_H_MM = 80, 110
PHOTO_W_MM, PHOTO_H_MM = 25, 35


@dataclass(frozen=True)
class CardFace:
    kind_title: str  # 技能人才评价质量督导员（外督）
    name: str
    card_code: str
    employer: str
    issuer_name: str  # 颁发机构
    issued_on: str  # 2026年11月27日
    validity: str  # 有效范围 (internal: 仅限本机构/本行业)
    back_lines: tuple[str, ...]
    printer: str  # 印制单位


def _run(paragraph, text: str, size: float, bold: bool = False):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = FONT, Pt(size), bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), FONT)
    return run


def _para(container, text: str, size: float, spacing: float, bold=False, center=False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(spacing)
    fmt.space_before = fmt.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, size, bold)
    return p


def _photo_slot(doc):
    from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    row = table.rows[0]
    row.height, row.height_rule = Mm(PHOTO_H_MM), WD_ROW_HEIGHT_RULE.EXACTLY
    cell = row.cells[0]
    cell.width = Mm(PHOTO_W_MM)
    table.columns[0].width = Mm(PHOTO_W_MM)
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "照片\n（2.5cm×3.5cm）", 9)
    return table


def _day(text: str) -> date:
    """The card's 发证日期, written 2026年11月27日."""
    y, m, d = (int(n) for n in re.findall(r"\d+", text)[:3])
    return date(y, m, d)


def render_card(face: CardFace) -> bytes:
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Mm

    from adapters.documents import set_core_properties

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(5))
    section.header_distance = section.footer_distance = Mm(0)
    set_core_properties(doc, f"{face.kind_title} {face.card_code}", face.issuer_name, _day(face.issued_on))
    body = doc.paragraphs[0] if doc.paragraphs else None
    if body is not None:
        body._element.getparent().remove(body._element)
    # front
    _para(doc, "技能人才评价质量督导员", 16, 24, bold=True, center=True)
    _para(doc, face.kind_title.removeprefix("技能人才评价质量督导员"), 16, 24, bold=True, center=True)
    _photo_slot(doc)
    for label, value in (("姓　　名", face.name), ("证卡编码", face.card_code), ("工作单位", face.employer),
                         ("颁发机构", face.issuer_name)):
        _para(doc, f"{label}：{value}", 12, 22)
    # back
    last = doc.paragraphs[-1]
    last.runs[-1].add_break(WD_BREAK.PAGE)
    _para(doc, "使用须知", 16, 24, bold=True, center=True)
    _para(doc, f"发证日期：{face.issued_on}", 12, 22)
    _para(doc, f"使用范围：{face.validity}", 12, 22)
    for line in face.back_lines:
        _para(doc, line, 12, 22)
    _para(doc, f"印制单位：{face.printer}", 12, 24, bold=True, center=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def to_pdf(docx: bytes, timeout: float = 120) -> bytes | None:
    """The same document as PDF through LibreOffice (soffice), or None when it is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "card.docx"
        src.write_bytes(docx)
        profile = Path(tmp) / "profile"
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, str(src)], capture_output=True, timeout=timeout, check=False)
        out = Path(tmp) / "card.pdf"
        return out.read_bytes() if out.exists() else None
