"""名册导入 — the agency's Excel roster, loaded from the Prefect UI (第六条–第十三条, 附件1).

Staff give the path of an .xlsx on the server (a template from `supervise roster template`);
the whole file is checked and written in one transaction, or refused with every problem
listed (sheet, row, column, why). The report is the run's artifact. Sessions it registers
that start soon ask their institution for an internal supervisor at once (第十六条). A refused file ends the
run as Failed, so it never looks like success in the run list.
"""

from typing import Annotated

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from adapters.clock import today
from flows.parameters import titled
from tasks.internal import open_internal_sessions
from tasks.supervisors import import_roster


class RosterRefused(Exception):
    pass


@flow(name="roster-import")
def roster_import(
    file_path: Annotated[str, titled("名册文件路径", "服务器上的 .xlsx 文件完整路径，如 /data/名册/督导员.xlsx")],
    dry_run: Annotated[bool, titled("仅校验（试运行）", "选中则只校验并报告，不写入")] = False,
) -> str:
    """名册导入：整份文件一次校验，任何一行有错则不写入；报告见本次运行的产物（Artifacts）。"""
    accepted, report = import_roster(file_path, dry_run)
    create_markdown_artifact(report, key="roster-import-report", description="名册导入报告")
    if not accepted:
        raise RosterRefused("名册未导入：存在错误，详见“名册导入报告”产物")
    if not dry_run:  # 第十六条: sessions soon to start ask their contact now, not at tomorrow's sweep
        open_internal_sessions(today())
    return report
