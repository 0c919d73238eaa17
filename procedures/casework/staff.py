"""Agency staff accounts and the staff code that signs every agency decision (who may do what).

A code is printed once by `supervise staff add` and kept only as a salted scrypt hash. Its
first group is the account number, so a check hashes one row, never every account:
`0007-K7QF-M3XZ-P2HD`. Every agency decision form asks for it; `verify` says in Chinese why a
code is refused (unknown, wrong, disabled, another agency, a role that may not decide) and
returns who decided otherwise, for the case to store.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from adapters.clock import now
from models import Agency, AgencyStaff, DeskSession

ROLES = ("经办", "审核")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_SHAPE = re.compile(r"^(\d{4,})-([A-Z2-9]{4})-([A-Z2-9]{4})-([A-Z2-9]{4})$")
CODE_FIELD = "staff_code"
CODE_TITLE = "工作人员代码"
CODE_HELP = "本人的工作人员代码（由 supervise staff add 发给本人，如 0007-K7QF-M3XZ-P2HD）；用于记录由谁作出本决定"


class StaffError(ValueError):
    """A staff account cannot be added or changed: the reason in Chinese."""


@dataclass(frozen=True)
class Decider:
    """Who decided: stored on the case beside each decision."""

    staff_id: int
    name: str
    agency_id: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.name}（{self.agency_id}·{self.role}，工号 {self.staff_id:04d}）"


def _hash(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _matches(secret: str, stored: str) -> bool:
    try:
        scheme, salt, _ = stored.split("$")
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(_hash(secret, bytes.fromhex(salt)), stored)


def _new_secret() -> str:
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def normalise(code: str) -> str:
    """Typed codes forgive case, spaces and full-width dashes."""
    return re.sub(r"\s+", "", code or "").upper().replace("—", "-").replace("－", "-")


def add(s: Session, agency_id: str, name: str, role: str) -> tuple[AgencyStaff, str]:
    """Create (or re-key) the account; the code is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise StaffError("姓名：未填写。")
    if role not in ROLES:
        raise StaffError(f"角色：{role!r} 不可用。只能是 {'、'.join(ROLES)}。")
    if s.get(Agency, agency_id) is None:
        raise StaffError(f"委派机构：没有编码为 {agency_id!r} 的委派机构（可先运行 supervise agency init）。")
    row = s.exec(select(AgencyStaff).where(AgencyStaff.agency_id == agency_id, AgencyStaff.name == name)).first()
    if row is None:
        row = AgencyStaff(agency_id=agency_id, name=name, role=role)
    row.role, row.active = role, True
    s.add(row)
    s.flush()
    secret = _new_secret()
    row.code_hash = _hash(secret, secrets.token_bytes(16))
    s.add(row)
    return row, f"{row.id:04d}-{secret}"


def disable(s: Session, agency_id: str, name: str, number: int | None = None) -> AgencyStaff:
    """Disable an account (by agency and name, or by its number): its code decides nothing more
    and every desk session of it ends at once (issue 18: revocable)."""
    if number is not None:
        row = s.get(AgencyStaff, number)
        if row is None:
            raise StaffError(f"没有工号为 {number:04d} 的工作人员。")
    else:
        row = s.exec(select(AgencyStaff).where(AgencyStaff.agency_id == agency_id, AgencyStaff.name == name)).first()
    if row is None:
        raise StaffError(f"没有找到 {agency_id} 的工作人员「{name}」。")
    row.active = False
    s.add(row)
    s.exec(update(DeskSession).where(DeskSession.staff_id == row.id, col(DeskSession.revoked_at).is_(None))
           .values(revoked_at=now()))
    return row


def code_matches(row: AgencyStaff, code: str) -> bool:
    """Whether `code` is this account's staff code (whatever the account's state)."""
    number, _, secret = normalise(code).partition("-")
    return bool(row.code_hash) and number.replace("O", "0").replace("I", "1").lstrip("0") == str(row.id) \
        and _matches(secret, row.code_hash)


def owning_agencies(s: Session, agency_id: str) -> set[str]:
    """The agency that owns a case: the dispatching agency, and for a third party also the
    agency that commissioned it (第五条)."""
    owners = {agency_id}
    agency = s.get(Agency, agency_id)
    if agency is not None and agency.level == "third_party" and agency.principal_id:
        owners.add(agency.principal_id)
    return owners


def verify(s: Session, case_agency_id: str, code: str, roles: tuple[str, ...] = ROLES) -> Decider | str:
    """The staff member a code belongs to, when they may decide for a case of `case_agency_id`;
    otherwise the reason, in Chinese, for the form's staff-code field."""
    typed = normalise(code)
    number, dash, rest = typed.partition("-")
    # Only the account number holds digits 0/1; someone reading a printed code may type O/I there.
    m = CODE_SHAPE.fullmatch(number.replace("O", "0").replace("I", "1") + dash + rest)
    if not m:
        return f"{CODE_TITLE}格式不对：应为“4位工号-4位-4位-4位”，如 0007-K7QF-M3XZ-P2HD。"
    staff = s.get(AgencyStaff, int(m.group(1)))
    secret = "-".join(m.groups()[1:])
    if staff is None or not staff.code_hash or not _matches(secret, staff.code_hash):
        return f"{CODE_TITLE}不正确。请核对本人代码；遗失的可请管理员重新发放（supervise staff add）。"
    if not staff.active:
        return f"{CODE_TITLE}所属账号已停用，不能作出决定。请联系管理员。"
    owners = owning_agencies(s, case_agency_id)
    if staff.agency_id not in owners:
        return (f"{CODE_TITLE}属于 {staff.agency_id} 的工作人员；本案由 {'、'.join(sorted(owners))} 办理，"
                f"只有其工作人员可以作出决定。")
    if staff.role not in roles:
        return f"本决定须由{'或'.join(roles)}人员作出；该代码的角色是{staff.role}。"
    return Decider(staff.id, staff.name, staff.agency_id, staff.role)


# -- a verified code's trace, in place of the code (flows/asking.forget_codes) ---------------------
_SIGNED = re.compile(r"^已核验：工号 (\d+)（([0-9a-f]{32})）$")


def signature(staff_id: int, run_id: str, key: str) -> str:
    """What Prefect keeps instead of a staff code a step accepted: the account number and a proof
    (an HMAC under the server secret) bound to this run and pause key, so a replay of a step that
    has no answer-once row (misconduct's signature form) finds who signed without the code. It
    proves nothing anywhere else: not at another key, not in another run."""
    from adapters.portal_tokens import mac_hex

    return f"已核验：工号 {staff_id:04d}（{mac_hex('staff-signature', f'{run_id}:{key}:{staff_id}')}）"


def recall(s: Session, value: str, run_id: str, key: str) -> Decider | None:
    """The account a `signature` names, if it is this run's and key's; else None (then the value is
    checked as a code, and a signature is no code)."""
    from adapters.portal_tokens import mac_hex

    m = _SIGNED.fullmatch(value or "")
    if not m:
        return None
    staff_id = int(m.group(1))
    if not hmac.compare_digest(m.group(2), mac_hex("staff-signature", f"{run_id}:{key}:{staff_id}")):
        return None
    staff = s.get(AgencyStaff, staff_id)
    return Decider(staff.id, staff.name, staff.agency_id, staff.role) if staff else None

