"""The public register (一公开): measures of 第二十二条 and 第二十三条 and each resumption.

Only what those articles publish: the institution's name and filing number, the measure, the
article, the document number, the dates and the deciding agency — no person, no facts, no
record content (第八条). Read live from register_entry, so it is current after every change."""

import csv
import io
import json

from sqlmodel import select

from adapters.db import session_scope
from models import RegisterEntry

COLUMNS = {"decided_on": "日期", "institution_name": "评价机构", "filing_number": "备案编号", "measure": "处理措施",
           "article": "依据", "document_number": "文号", "until": "整改期限", "agency_name": "作出决定的部门"}


PENDING_UNTIL = "期限待定（法定节假日安排公布后确定）"  # a 3-month deadline ending in an undeclared year


def entries() -> list[dict]:
    with session_scope() as s:
        rows = s.exec(select(RegisterEntry).order_by(RegisterEntry.decided_on.desc(), RegisterEntry.id.desc()))
        return [_row(r) for r in rows]


def _row(r: RegisterEntry) -> dict:
    row = {k: (str(getattr(r, k)) if getattr(r, k) is not None else "") for k in COLUMNS}
    if not row["until"] and "限期整改" in r.measure:  # 「—」 read as "no deadline": it is not yet known
        row["until"] = PENDING_UNTIL
    return row


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS.values())
    for r in rows:
        w.writerow([r[k] for k in COLUMNS])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens the Chinese correctly


def as_json(rows: list[dict]) -> str:
    return json.dumps({"title": "技能人才评价机构处理情况公布（第二十二条、第二十三条）", "columns": COLUMNS,
                       "entries": rows}, ensure_ascii=False, indent=1)
