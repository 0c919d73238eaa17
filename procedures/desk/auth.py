"""The desk's sign-in (issue 18 part 1): passwords, server-side sessions, the access log, and
who sees what (第五条: a city bureau its own cases and its third parties'; the provincial
centre every city's).

A password is kept as a salted scrypt hash with its parameters (`scrypt$n=…,r=…,p=…$salt$hash`),
set by `supervise staff password`. Signing in takes the staff code (the one that signs every
decision) and the password; wrong ones are limited per account and per client address, counted
in the access log. A session is a random cookie value stored only as its SHA-256, 8 hours,
revoked by signing out or by `supervise staff disable` (procedures.casework.staff.disable).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from adapters.clock import now
from adapters.portal_tokens import mac_hex
from adapters.settings import get_settings
from models import Agency, AgencyStaff, DeskAccess, DeskSession
from procedures.casework import staff as staff_codes

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10
MAX_PASSWORD = 200
WRONG = "工作人员代码或密码不正确。"


class PasswordError(ValueError):
    """A password cannot be set: the reason in Chinese."""


@dataclass(frozen=True)
class DeskUser:
    """Who is signed in, and which agencies' cases they see (None: every agency, 第五条)."""

    staff_id: int
    name: str
    agency_id: str
    agency_name: str
    role: str
    session_hash: str
    agencies: frozenset[str] | None

    def sees(self, agency_id: str | None) -> bool:
        return self.agencies is None or (agency_id or "") in self.agencies

    @property
    def csrf(self) -> str:
        """The hidden field of every desk form, bound to this session."""
        return mac_hex("desk-csrf", self.session_hash, 64)


@dataclass(frozen=True)
class SignIn:
    token: str = ""  # the cookie value, when signed in
    error: str = ""  # why not, in Chinese
    wait_seconds: float = 0  # rate-limited: how long until another try


def hash_password(password: str, salt: bytes | None = None, n: int = SCRYPT["n"], r: int = SCRYPT["r"],
                  p: int = SCRYPT["p"]) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)
    return f"scrypt$n={n},r={r},p={p}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, params, salt, _ = stored.split("$")
        values = dict(part.split("=") for part in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
    except (ValueError, KeyError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(hash_password(password, bytes.fromhex(salt), n, r, p), stored)


def staff_by_number(s: Session, code: str) -> AgencyStaff | None:
    """The account a staff number (0007) or a whole staff code names."""
    number = staff_codes.normalise(code).partition("-")[0].replace("O", "0").replace("I", "1")
    return s.get(AgencyStaff, int(number)) if number.isdigit() and len(number) <= 9 else None


def set_password(s: Session, code: str, password: str) -> AgencyStaff:
    """Set (or replace) the desk password of the account `code` names; every session of the
    account ends (a new password is how a lost laptop is shut out)."""
    row = staff_by_number(s, code)
    if row is None:
        raise PasswordError(f"工作人员：没有工号为 {code!r} 的账号（可先运行 supervise staff add）。")
    if not row.active:
        raise PasswordError("工作人员：该账号已停用，不能设置密码。")
    if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        raise PasswordError(f"密码：长度须为 {MIN_PASSWORD}–{MAX_PASSWORD} 个字符。")
    if password.strip() != password or not password.strip():
        raise PasswordError("密码：首尾不能有空格。")
    row.password_hash = hash_password(password)
    s.add(row)
    revoke_all(s, row.id)
    return row


def revoke_all(s: Session, staff_id: int) -> int:
    """End every open session of one account (disable, a new password)."""
    result = s.exec(update(DeskSession).where(DeskSession.staff_id == staff_id,
                                              col(DeskSession.revoked_at).is_(None)).values(revoked_at=now()))
    return result.rowcount or 0


def visible_agencies(s: Session, agency: Agency) -> frozenset[str] | None:
    """第五条: the provincial centre supervises every city (None: all); a city bureau its own
    cases and those of the third parties acting for it; a third party its own."""
    if agency.level == "province":
        return None
    own = {agency.id}
    if agency.level == "city":
        own |= set(s.exec(select(Agency.id).where(Agency.principal_id == agency.id)))
    return frozenset(own)


def _log(s: Session, what: str, account: str = "", address: str = "", staff_id: int | None = None,
         detail: str = "") -> None:
    s.add(DeskAccess(at=now(), staff_id=staff_id, account=account[:16], address=address[:64], what=what,
                     detail=detail[:200]))


def _blocked_for(s: Session, column, value: str, limit: int, at: datetime) -> float:
    window = get_settings().desk_failure_window_seconds
    since = at - timedelta(seconds=window)
    times = list(s.exec(select(DeskAccess.at).where(column == value, DeskAccess.what == "signin_failed",
                                                    DeskAccess.at > since)
                        .order_by(col(DeskAccess.at).desc()).limit(limit)))
    if len(times) < limit:
        return 0
    oldest = times[-1] if times[-1].tzinfo else times[-1].replace(tzinfo=at.tzinfo)
    return max(1.0, (oldest + timedelta(seconds=window) - at).total_seconds())


def sign_in(s: Session, code: str, password: str, address: str) -> SignIn:
    """Check code and password under the limits; a new session when both are right. Every
    attempt is logged (who, when, from where, the outcome)."""
    settings = get_settings()
    at = now()
    account = staff_codes.normalise(code).partition("-")[0][:16]
    wait = max(_blocked_for(s, DeskAccess.account, account, settings.desk_account_failures, at) if account else 0,
               _blocked_for(s, DeskAccess.address, address[:64], settings.desk_address_failures, at))
    if wait:
        _log(s, "signin_limited", account, address)
        return SignIn(error=f"密码错误次数过多，请约 {int(wait // 60) + 1} 分钟后再试。", wait_seconds=wait)
    row = staff_by_number(s, code)
    code_ok = row is not None and staff_codes.code_matches(row, code)
    if code_ok and not row.active:
        _log(s, "signin_failed", account, address, row.id, "账号已停用")
        return SignIn(error="该账号已停用，不能登录。请联系管理员。")
    password_ok = code_ok and bool(row.password_hash) and password_matches(password or "", row.password_hash)
    if not password_ok:
        reason = "代码不正确" if not code_ok else ("未设置密码" if not row.password_hash else "密码不正确")
        _log(s, "signin_failed", account, address, row.id if row else None, reason)
        if code_ok and not row.password_hash:
            return SignIn(error="尚未设置登录密码。请管理员运行 supervise staff password 为您设置。")
        return SignIn(error=WRONG)
    token = secrets.token_urlsafe(32)
    s.add(DeskSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), staff_id=row.id, created_at=at,
                      expires_at=at + timedelta(hours=settings.desk_session_hours), address=address[:64]))
    _log(s, "signin_ok", account, address, row.id)
    return SignIn(token=token)


def current(s: Session, token: str | None) -> DeskUser | None:
    """The signed-in user a cookie names, or None (no cookie, tampered, expired, revoked, disabled)."""
    if not token or len(token) > 100:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = s.exec(select(DeskSession, AgencyStaff, Agency).join(AgencyStaff, AgencyStaff.id == DeskSession.staff_id)
                   .join(Agency, Agency.id == AgencyStaff.agency_id)
                   .where(DeskSession.token_hash == digest)).first()
    if found is None:
        return None
    session, row, agency = found
    expires = session.expires_at if session.expires_at.tzinfo else session.expires_at.replace(tzinfo=now().tzinfo)
    if session.revoked_at is not None or expires <= now() or not row.active:
        return None
    return DeskUser(row.id, row.name, row.agency_id, agency.name, row.role, digest, visible_agencies(s, agency))


def csrf_ok(user: DeskUser, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(user.csrf, submitted)


def sign_out(s: Session, user: DeskUser, address: str) -> None:
    s.exec(update(DeskSession).where(DeskSession.token_hash == user.session_hash).values(revoked_at=now()))
    _log(s, "signout", f"{user.staff_id:04d}", address, user.staff_id)


def log_download(s: Session, user: DeskUser, address: str, what: str) -> None:
    _log(s, "download", f"{user.staff_id:04d}", address, user.staff_id, what)

