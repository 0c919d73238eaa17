"""A failed scheduled backup is told to the administrator by mail, once per run."""

from sqlmodel import select

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from models import Agency, OutboxMessage
from procedures.backups.alert import tell_admin_backup_failed
from tests.app_env import app_env


def test_a_failed_backup_is_mailed_once_to_the_provincial_centre(tmp_path):
    env = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"), "SUPERVISION_DATABASE_URL": "",
           "SUPERVISION_SMTP_PORT": "1", "SUPERVISION_BACKUP_DIR": str(tmp_path / "backups")}
    with app_env(env):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            province = s.exec(select(Agency).where(Agency.level == "province")).one()
        for _ in range(2):  # the task's retry: still one message
            assert tell_admin_backup_failed("run-1", "BackupError: 磁盘已满") == province.email
        with session_scope() as s:
            (mail,) = s.exec(select(OutboxMessage)).all()
    assert mail.subject.startswith("【备份失败】") and "磁盘已满" in mail.text_body
    assert str(tmp_path / "backups") in mail.text_body and mail.status == "pending"  # SMTP down: kept to send
