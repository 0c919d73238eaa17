"""一公开: the public register lines of the 处理程序 — 第二十二条 暂停评价活动并限期整改, 第二十三条
撤销备案回执, and 恢复评价活动 (附件4) — one per case and kind (keyed), nothing personal (第八条)."""

from datetime import date

from sqlmodel import Session, select

from models import Agency, Institution, RegisterEntry, SanctionCase

REGISTER_MEASURES = {"rectification": "暂停评价活动并限期整改（发出《整改通知书》）", "revocation": "撤销备案回执",
                     "resumption": "恢复评价活动"}


def _register(s: Session, case: SanctionCase, kind: str, article: str, number: str, on: date,
              until: date | None = None) -> None:
    """A public register line (第二十二条, 第二十三条, the resumption): nothing personal (第八条)."""
    key = f"sanction-{case.id}-{kind}"
    if s.exec(select(RegisterEntry.id).where(RegisterEntry.key == key)).first() is None:
        inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
        s.add(RegisterEntry(key=key, institution_id=inst.id, institution_name=inst.name,
                            filing_number=inst.filing_number, measure=REGISTER_MEASURES[kind], article=article,
                            document_number=number, decided_on=on, until=until, agency_name=agency.letterhead_name))
