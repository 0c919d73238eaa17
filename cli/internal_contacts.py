"""`supervise internal contact`: the agency names an institution's internal-supervision contact
(内督联系人, 第十二条, 第十六条) — the one person who may ask the portal's /internal page for a
one-time link to manage the institution's internal supervisors and cards, or to report an
internal special inspection.

Why the agency sets it (and no institution signs up itself): the contact's e-mail is the only
key to the institution's self-service (one-time links, no passwords for 2,000 institutions), so
it is set by the agency that holds the filing, from what the institution declared in writing.
A blank name falls back to 「<机构名称>内督联系人」; a blank e-mail is refused (the filing's own
contact_email then answers, Institution.internal_contact). Errors are Chinese and name the field.
"""

import json
import re
from typing import Annotated

import typer

EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\]+@[^@\s<>\"'(),;:\\]+\.[^@\s<>\"'(),;:\\]+$")
NAME_MAX = 64  # Institution.internal_contact_name
EMAIL_MAX = 254  # Institution.internal_contact_email (RFC 5321)


class ContactError(ValueError):
    """A refused contact, in Chinese, naming the field."""


def check_contact(filing_number: str, name: str, email: str) -> tuple[str, str, str]:
    """The three values as they will be stored, or ContactError naming the field."""
    filing_number, name, email = filing_number.strip(), " ".join(name.split()), email.strip()
    if not filing_number:
        raise ContactError("备案编号：未填写")
    if len(name) > NAME_MAX:
        raise ContactError(f"联系人姓名：共 {len(name)} 字，最多 {NAME_MAX} 字")
    if any(ord(ch) < 32 for ch in name):
        raise ContactError("联系人姓名：含有控制字符")
    if not email:
        raise ContactError("电子邮箱：未填写。内督联系人须有电子邮箱，门户的一次性链接只发往该邮箱")
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        raise ContactError(f"电子邮箱：“{email[:80]}”不是有效的电子邮箱地址（如 neidu@example.cn）")
    return filing_number, name, email


def save_contact(filing_number: str, name: str, email: str) -> dict:
    """Store the contact on the institution (one transaction); returns what was stored."""
    from sqlmodel import select

    from adapters.db import session_scope
    from models import Institution

    filing_number, name, email = check_contact(filing_number, name, email)
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == filing_number)).first()
        if inst is None:
            raise ContactError(f"备案编号：找不到“{filing_number}”")
        if inst.status == "revoked":
            raise ContactError(f"备案编号：{inst.name}（{filing_number}）已撤销备案回执，不再设内督联系人")
        before = inst.internal_contact
        inst.internal_contact_name, inst.internal_contact_email = name, email
        s.add(inst)
        shown_name, shown_email = inst.internal_contact
        return {"institution": inst.name, "filing_number": inst.filing_number, "name": shown_name,
                "email": shown_email, "previous_email": before[1]}


def set_contact(filing_number: Annotated[str, typer.Argument(help="评价机构备案编号")],
                name: Annotated[str, typer.Argument(help="内督联系人姓名（可留空：显示为“机构名称内督联系人”）")],
                email: Annotated[str, typer.Argument(help="内督联系人电子邮箱：门户 /internal 的办理链接只发往此邮箱")],
                as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False):
    """设定评价机构的内督联系人（第十二条、第十六条）：其可在门户 /internal 申请办理链接。"""
    from cli.database import require_database

    require_database()
    try:
        stored = save_contact(filing_number, name, email)
    except ContactError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(stored, ensure_ascii=False))
        return
    typer.echo(f"{stored['institution']}（{stored['filing_number']}）内督联系人：{stored['name']} <{stored['email']}>"
               + (f"（原邮箱 {stored['previous_email']}）" if stored["previous_email"] != stored["email"] else ""))
