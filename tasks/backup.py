"""Tasks of the scheduled backup: each run takes a new copy (nothing cached), prunes, or tells."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from adapters.settings import get_settings
from procedures.backups import alert, retention
from procedures.backups.take import take_backup


@task(name="take-backup", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=60)
def backup_now() -> str:
    taken = take_backup(get_settings().resolved_backup_dir())
    return f"{taken.folder.name}：{len(taken.manifest['files'])} 个文件，{taken.bytes / 1e6:.1f} MB"


@task(name="prune-backups", cache_policy=NO_CACHE)
def prune_backups() -> list[str]:
    return [p.name for p in retention.prune(get_settings().resolved_backup_dir())]


@task(name="tell-admin-backup-failed", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def tell_admin(run_key: str, reason: str) -> str:
    return alert.tell_admin_backup_failed(run_key, reason)
