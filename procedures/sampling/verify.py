"""Step 7 of a random inspection plan — anyone re-runs the draw from the published data (第十五条
双随机; `supervise plan verify PLAN_ID`).

From the stored candidate list (batch, filing number, start day, weight) and minimums: the hash is
computed again and compared with the published one; the seed is derived again from the plan's
number, that hash and the publication day; the draw is re-run with it and compared with the list
the plan drew. A strike changes nothing here: it is logged on its row, never a new draw."""

from dataclasses import dataclass

from sqlmodel import select

from adapters.db import session_scope
from models import PlanSession, SamplingPlan
from procedures.sampling.plan import candidates_of
from regulation.sampling import frame_digest, plan_seed, replay_plan_draw


class PlanNotFound(LookupError):
    """No such plan: the reason in Chinese."""


@dataclass(frozen=True)
class Verification:
    number: str
    hash_ok: bool
    seed_ok: bool
    draw_ok: bool
    chosen: tuple[str, ...]
    replayed: tuple[str, ...]
    struck: tuple[tuple[str, str], ...]  # (batch, reason)

    @property
    def ok(self) -> bool:
        return self.hash_ok and self.seed_ok and self.draw_ok

    def lines(self) -> list[str]:
        mark = {True: "一致", False: "不一致"}
        out = [f"抽查计划 {self.number}", f"候选名单哈希：{mark[self.hash_ok]}", f"随机种子：{mark[self.seed_ok]}",
               f"重新抽取结果：{mark[self.draw_ok]}（{len(self.replayed)} 个场次）"]
        out += [f"  未抽查：{b}（{r}）" for b, r in self.struck]
        if not self.draw_ok:
            out += [f"  仅在计划中：{b}" for b in sorted(set(self.chosen) - set(self.replayed))]
            out += [f"  仅在重新抽取中：{b}" for b in sorted(set(self.replayed) - set(self.chosen))]
        out.append("结论：" + ("抽取结果可复现" if self.ok else "抽取结果与公布的数据不符"))
        return out


def verify(plan_ref: str) -> Verification:
    """Re-run the draw of the plan with this id or number."""
    with session_scope() as s:
        ref = str(plan_ref).strip()
        plan = s.get(SamplingPlan, int(ref)) if ref.isdigit() else None
        plan = plan or s.exec(select(SamplingPlan).where(SamplingPlan.number == ref)).first()
        if plan is None:
            raise PlanNotFound(f"抽查计划：没有编号或序号为“{plan_ref}”的抽查计划")
        candidates = candidates_of(plan)
        digest = frame_digest(candidates, plan.needs)
        seed = plan_seed(plan.number, digest, plan.published_on)
        replayed = replay_plan_draw(plan.seed, candidates, plan.sample_size, plan.needs)
        struck = tuple((r.batch_number, r.struck_reason) for r in s.exec(
            select(PlanSession).where(PlanSession.plan_id == plan.id, PlanSession.status == "struck")
            .order_by(PlanSession.batch_number)))
        return Verification(plan.number, digest == plan.frame_hash, seed == plan.seed,
                            replayed == tuple(plan.chosen), tuple(plan.chosen), replayed, struck)
