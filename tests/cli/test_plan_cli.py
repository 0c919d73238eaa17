"""`supervise plan verify` and `supervise plan session-cancelled` (cli/plan.plan_app; cli/app.py adds it
as `plan`): the draw re-run from the published data gives the same list (exit 0) and a plan whose
stored list was altered does not (exit 1); an unknown plan or a bad date is refused in Chinese."""

from datetime import date, timedelta

from sqlmodel import select
from typer.testing import CliRunner

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session
from cli.plan import plan_app
from models import EvaluationSession, SamplingPlan
from procedures.sampling.plan import create_plan
from tests.app_env import app_env


def test_plan_verify_replays_the_published_draw_and_flags_an_altered_list(tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'supervision.db'}",
                  "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            inst = add_institution(s, "济南甲评价机构", "T-A-JIA")
            for k in range(12):
                add_session(s, f"JIA-{k:02d}", inst, date(2026, 4, 2) + timedelta(days=5 * k))
        plan = create_plan("run-cli", "CITY-A", "2026-04-01", "2026-06-30", 25, 0, 0, {}, date(2026, 3, 20))
        runner = CliRunner()
        good = runner.invoke(plan_app, ["verify", plan.number])
        assert good.exit_code == 0, good.output
        assert "候选名单哈希：一致" in good.output and "结论：抽取结果可复现" in good.output
        with session_scope() as s:
            row = s.get(SamplingPlan, plan.plan_id)
            others = sorted({f"JIA-{k:02d}" for k in range(12)} - set(row.chosen))
            row.chosen = sorted([*row.chosen[1:], others[0]])
            s.add(row)
        bad = runner.invoke(plan_app, ["verify", str(plan.plan_id)])
        assert bad.exit_code == 1 and "重新抽取结果：不一致" in bad.output and f"仅在计划中：{others[0]}" in bad.output
        missing = runner.invoke(plan_app, ["verify", "999"])
        assert missing.exit_code == 1 and "没有编号或序号为“999”的抽查计划" in missing.output
        wrong_day = runner.invoke(plan_app, ["session-cancelled", "JIA-00", "--on", "2026-13-01"])
        assert wrong_day.exit_code == 1 and "--on 取消日期" in wrong_day.output
        done = runner.invoke(plan_app, ["session-cancelled", "JIA-00", "--on", "2026-04-01"])
        assert done.exit_code == 0, done.output
        with session_scope() as s:
            sess = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == "JIA-00")).one()
            assert sess.cancelled_on == date(2026, 4, 1)
