"""`supervise backup` / `supervise restore` as the lead wires them (cli/backup.py): Chinese
output, exit 1 naming the file when a restore is refused."""

import typer
from typer.testing import CliRunner

from cli import backup
from tests.app_env import app_env
from tests.procedures.backups.test_backup_restore import a_service, service_env

app = typer.Typer()
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)


def test_backup_then_restore_by_command_and_a_tampered_backup_is_refused_naming_the_file(tmp_path):
    a_service(tmp_path / "old")
    with app_env(service_env(tmp_path / "old")):
        done = CliRunner().invoke(app, ["backup", str(tmp_path / "backups")])
    assert done.exit_code == 0 and "已备份到" in done.output and "Prefect 状态未找到" in done.output, done.output
    (folder,) = (tmp_path / "backups").iterdir()
    (folder / "secrets" / "portal-secret").write_text("t" * 64)
    with app_env(service_env(tmp_path / "new")):
        refused = CliRunner().invoke(app, ["restore", str(folder)])
        assert refused.exit_code == 1 and "secrets/portal-secret" in refused.output
        (folder / "secrets" / "portal-secret").write_text("s" * 64)
        restored = CliRunner().invoke(app, ["restore", str(folder)])
    assert restored.exit_code == 0 and "已恢复到" in restored.output, restored.output
