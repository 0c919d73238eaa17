"""定时备份 — every day at 02:30 (Asia/Shanghai) a consistent copy of the whole service into
SUPERVISION_BACKUP_DIR (default: backups/ beside var/), then the old copies pruned (the newest of
each of the last 7 days and of the last 4 weeks are kept). A failed backup is mailed to the
administrator and ends the run Failed, so it never looks like success in the run list.
"""

from prefect import flow
from prefect.runtime import flow_run

from tasks.backup import backup_now, prune_backups, tell_admin


@flow(name="backup")
def scheduled_backup() -> str:
    """定时备份：数据库、上传文件、密钥与流程状态，完成后按保留规则清理旧备份。"""
    try:
        summary = backup_now()
    except Exception as exc:
        tell_admin(str(flow_run.id), f"{type(exc).__name__}: {exc}")
        raise
    pruned = prune_backups()
    return f"已备份 {summary}" + (f"；已清理 {len(pruned)} 份旧备份" if pruned else "")
