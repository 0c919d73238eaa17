"""The administrator told, by mail, that a scheduled backup failed (once per failed run)."""

from sqlmodel import select

from adapters.clock import now
from adapters.db import session_scope
from adapters.mailer import deliver_pending, enqueue
from adapters.settings import get_settings
from adapters.templates import render_email
from models import Agency


def tell_admin_backup_failed(run_key: str, reason: str) -> str:
    """Queue and send the failure mail to SUPERVISION_BACKUP_ALERT_EMAIL, else the provincial
    centre; returns the address. The database may be what failed: then the mail cannot be
    queued, this raises, and the run's Failed state is what is left to see."""
    settings = get_settings()
    folder = settings.resolved_backup_dir()
    when = now().strftime("%Y-%m-%d %H:%M")
    subject, text, html = render_email("backup_failed", when=when, reason=reason, folder=folder)
    with session_scope() as s:
        to = settings.backup_alert_email or s.exec(
            select(Agency.email).where(Agency.level == "province")).first()
        if not to:
            raise RuntimeError("无人可告知备份失败：请设置 SUPERVISION_BACKUP_ALERT_EMAIL")
        message_id = enqueue(s, f"backup-failed:{run_key}", to, "agency", subject, text, html)
    deliver_pending(only=[message_id])
    return to
