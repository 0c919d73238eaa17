"""Official letters a procedure sends an institution: numbered per agency per year, rendered
once (keyed by case and kind), mailed once (keyed by the document)."""

from datetime import date

from sqlmodel import Session, select

from adapters.documents import Document, OfficialLetter, allocate_number, docx_text, store_document
from adapters.mailer import enqueue
from adapters.templates import render_email, render_paragraphs
from models import Agency, Institution
from procedures.casework.cases import add_event


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def issue_letter(s: Session, case_id: int, agency: Agency, inst: Institution, kind: str, template: str,
                 title: str, today: date, full_title: str = "", **context) -> Document:
    """Render (once), number and mail (once) one letter to the institution. Its title is
    关于<机构>技能人才评价质量督导情况的<title>, or `full_title` when that does not read (a notice
    of an inspection still to come)."""
    key = f"case-{case_id}-{kind}"
    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        paragraphs = render_paragraphs(template, **context)
        letter = OfficialLetter(kind, agency.letterhead_name, allocate_number(s, agency.id, agency.letter_prefix, today.year),
                                full_title or f"关于{inst.name}技能人才评价质量督导情况的{title}", inst.name,
                                paragraphs, today)
        doc = store_document(s, key, letter, agency.id, case_id)
    subject, text, html = render_email("official_letter", title=doc.title, number=doc.number,
                                       filename=doc.filename, text=docx_text(doc.content), html=doc.html)
    enqueue(s, f"letter:{doc.id}", inst.contact_email, "institution", subject, text, html, case_id, [doc.id])
    add_event(s, case_id, f"letter-{doc.id}", today, f"生成《{title}》{doc.number}，发送评价机构")
    return doc
