"""Serve every deployment in one process (the embedded default).

Each parameter's Chinese title, help text and format is written in the flow's own signature
(flows/parameters.py), so these deployments and those `prefect deploy --all` registers from
prefect.yaml (the work-pool variant) show the same form.
"""

from prefect import serve
from prefect.schedules import Cron

from adapters.settings import get_settings
from flows.backup import scheduled_backup
from flows.daily import daily_inspection
from flows.deadline_sweep import deadline_sweep
from flows.desk_morning import desk_morning
from flows.internal_report import internal_supervision_report
from flows.roster_import import roster_import
from flows.sampling_plan import sampling_plan
from flows.sanctions import sanction_procedure
from flows.special import special_inspection
from flows.supervisor_lifecycle import appointment_draw, supervisor_card_issue
from flows.supervisor_misconduct import misconduct_decide, misconduct_register

DAILY_INSPECTION = "daily-inspection/daily-inspection"
DEADLINE_SWEEP = "deadline-sweep/deadline-sweep"
SPECIAL_INSPECTION = "special-inspection/special-inspection"
SANCTION_PROCEDURE = "sanction-procedure/sanction-procedure"
INTERNAL_REPORT = "internal-supervision-report/internal-supervision-report"
BACKUP = "backup/backup"
SAMPLING_PLAN = "sampling-plan/sampling-plan"
DESK_MORNING = "desk-morning/desk-morning"
# Every deployment this process serves ("flow/deployment"): who starts runs waits for all of them.
SERVED = [DAILY_INSPECTION, DEADLINE_SWEEP, "roster-import/roster-import",
          "supervisor-card-issue/supervisor-card-issue", "appointment-draw/appointment-draw",
          "misconduct-register/misconduct-register", "misconduct-decide/misconduct-decide", SPECIAL_INSPECTION,
          SANCTION_PROCEDURE, INTERNAL_REPORT, BACKUP, SAMPLING_PLAN,
          DESK_MORNING]



def deployments():
    paused = get_settings().schedules_paused or None  # None: as Prefect leaves it (active)
    return [
        daily_inspection.to_deployment(name="daily-inspection", tags=["督导"],
                                       description="日常督导（第十五条（一）、第十七条、附件3）"),
        deadline_sweep.to_deployment(name="deadline-sweep", tags=["督导"],
                                     schedule=Cron("0 8 * * *", timezone="Asia/Shanghai"), paused=paused,
                                     description="期限巡检：每日08:00（北京时间）"),
        roster_import.to_deployment(name="roster-import", tags=["名册"],
                                    description="名册导入（Excel）：评价机构、督导员、评价计划及场次、工作人员"),
        supervisor_card_issue.to_deployment(name="supervisor-card-issue", tags=["督导员"],
                                            description="核发外督证卡（第十条、附件1）"),
        appointment_draw.to_deployment(name="appointment-draw", tags=["督导员"],
                                       description="随机抽取持证人员聘任并颁发聘书（第十条）"),
        misconduct_register.to_deployment(name="misconduct-register", tags=["督导员"],
                                          description="督导员违规登记并告知（第二十六条）"),
        misconduct_decide.to_deployment(name="misconduct-decide", tags=["督导员"],
                                        description="督导员违规处理决定（第二十六条）"),
        special_inspection.to_deployment(name="special-inspection", tags=["督导"],
                                         description="专项督导（第十五条（二）、第十四条）"),
        sanction_procedure.to_deployment(name="sanction-procedure", tags=["处理"],
                                         description="处理程序：告知、陈述申辩、处理决定和措施（第十八条–第二十五条、第二十七条、附件4）"),
        internal_supervision_report.to_deployment(
            name="internal-supervision-report", tags=["内督"],
            description="内督情况：覆盖率、内外督结果对照、内督记录（第十六条、第四条、第八条）"),
        sampling_plan.to_deployment(
            name="sampling-plan", tags=["督导"],
            description="随机抽查计划：抽取、批准、自动发起日常督导、结果公示（第十五条“双随机、一公开”）"),
        desk_morning.to_deployment(name="desk-morning", tags=["工作台"],
                                   schedule=Cron("30 7 * * *", timezone="Asia/Shanghai"), paused=paused,
                                   description="待办晨报：每日07:30（北京时间），工作日向各委派机构发送当日待办"),
        scheduled_backup.to_deployment(name="backup", tags=["运维"],
                                       schedule=Cron("30 2 * * *", timezone="Asia/Shanghai"), paused=paused,
                                       description="定时备份：每日02:30（北京时间），保留7天每日、4周每周"),
    ]


def main() -> None:
    serve(*deployments(), limit=get_settings().runner_process_limit)


if __name__ == "__main__":
    main()
