"""统计, the supervisors: how many are in office, sent and leaving, and whether the random draw
(第十条 随机抽取, 第十一条) treats them alike.

- supervisors: external supervisors of the scope's agency (their card's issuer, 第十条) in office
  on the period's last day (or `as_of`, if earlier: active, card valid, a term covering the day),
  sent to a session in the period (委派), and whose latest term ends in the period (任期届满);
- fairness: every draw in the period; a supervisor's expected count is Σ k/n over the draws whose
  candidates included them (n candidates, k drawn) — grouped by the candidate list's hash, so each
  distinct pool is read once — against the times they were drawn; Pearson's X² and its p-value
  (statistics_math). A small p (< 0.01) says the draw favoured someone: look at the draws.
- load: each supervisor's dispatches and records in the period — personal (第八条): only the
  supervisors the viewing agency appointed, in this table and in the fairness rows.
"""

from collections import Counter
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import AppointmentTerm, Dispatch, Draw, Institution, Supervisor
from procedures.desk.statistics_math import pearson
from procedures.desk.statistics_scope import Period, Scope, personal_condition
from procedures.desk.statistics_tables import Table, count_if

SIGNIFICANT = 0.01


def _in(column, period: Period):
    return (column >= period.start) & (column <= period.end)


def supervisors(s: Session, period: Period, scope: Scope, as_of: date) -> Table:
    day = min(period.end, as_of)
    own = (Supervisor.kind == "external") & scope.own(Supervisor.issuer)
    in_office = s.exec(select(func.count(func.distinct(Supervisor.id)))
                       .join(AppointmentTerm, AppointmentTerm.supervisor_id == Supervisor.id)
                       .where(own, Supervisor.status == "active", Supervisor.card_status == "valid",
                              AppointmentTerm.start <= day, AppointmentTerm.end >= day)).one()
    sent, dispatches = s.exec(select(func.count(func.distinct(Dispatch.supervisor_id)), func.count(Dispatch.id))
                              .join(Institution, Institution.id == Dispatch.institution_id)
                              .where(_in(Dispatch.dispatched_on, period), Dispatch.status != "cancelled",
                                     scope.acting(Dispatch.agency_id))).one()
    last = (select(AppointmentTerm.supervisor_id, func.max(AppointmentTerm.end).label("last_end"))
            .group_by(AppointmentTerm.supervisor_id).subquery())
    leaving = s.exec(select(func.count(Supervisor.id)).join(last, last.c.supervisor_id == Supervisor.id)
                     .where(own, Supervisor.status != "dismissed", _in(last.c.last_end, period))).one()
    rows = (("在聘督导员", int(in_office)), ("期间被委派的督导员", int(sent)), ("委派人次", int(dispatches)),
            ("期间任期届满", int(leaving)))
    return Table("supervisors", "外部督导员", ("项目", "人数"), rows, chart=(1,),
                 note=f"在聘：{day}在聘期内、证件有效、未暂停委派（第十条）；任期届满：最后一个聘期在期间内结束。")


def _draws(period: Period, scope: Scope):
    return _in(Draw.drawn_on, period) & scope.own(Draw.agency_id)


def fairness(s: Session, period: Period, scope: Scope, viewer_id: str) -> tuple[Table, Table]:
    pools = s.exec(select(Draw.candidates_hash, func.count(Draw.id), func.sum(Draw.k), func.min(Draw.id))
                   .where(_draws(period, scope)).group_by(Draw.candidates_hash)).all()
    firsts = dict(s.exec(select(Draw.id, Draw.candidates).where(col(Draw.id).in_([p[3] for p in pools]))).all())
    expected: Counter = Counter()
    for _hash, _n, drawn, first in pools:  # one pass per distinct candidate pool, not per draw
        candidates = firsts[first]
        for card in candidates:
            expected[card] += int(drawn) / len(candidates)
    observed = Counter(dict(s.exec(select(Supervisor.card_code, func.count(Dispatch.id))
                                   .join(Dispatch, Dispatch.supervisor_id == Supervisor.id)
                                   .join(Draw, Draw.id == Dispatch.draw_id)
                                   .where(_draws(period, scope)).group_by(Supervisor.card_code)).all()))
    cards = sorted(set(expected) | set(observed))
    test = pearson([observed[c] for c in cards], [expected[c] for c in cards])
    p = "—" if test.p_value is None else f"{test.p_value:.4f}"
    verdict = ("候选人不足两人，无法检验" if test.p_value is None else
               "被抽中次数与随机期望差异显著，请核查抽取记录" if test.p_value < SIGNIFICANT else "未见明显偏差")
    summary = (("抽取次数", sum(int(x[1]) for x in pools)), ("候选人员池", len(pools)), ("参与抽取的督导员", len(cards)),
               ("卡方统计量", f"{test.statistic:.2f}"), ("自由度", test.df), ("p值", p), ("结论", verdict))
    names = dict(s.exec(select(Supervisor.card_code, Supervisor.name).where(personal_condition(viewer_id))).all())
    rows = tuple((names[c], c, observed[c], round(expected[c], 2),
                  round((observed[c] - expected[c]) / expected[c] ** 0.5, 2) if expected[c] else "—")
                 for c in cards if c in names)
    return (Table("fairness", "随机抽取的公平性", ("项目", "数值"), summary,
                  note=f"皮尔逊卡方拟合优度检验；p值小于{SIGNIFICANT}视为显著（第十条 随机抽取）。"),
            Table("fairness_people", "本机构聘任督导员的抽中次数与期望次数",
                  ("督导员", "证号", "抽中次数", "期望次数", "标准化偏差"), rows, chart=(2, 3), personal=True,
                  note="期望次数：每次抽取中 抽取人数÷候选人数 之和。仅向聘任该督导员的委派机构显示（第八条）。"))


def load(s: Session, period: Period, viewer_id: str) -> Table:
    recorded = Dispatch.status == "recorded"
    rows = s.exec(select(Supervisor.name, Supervisor.card_code, func.count(Dispatch.id), count_if(recorded))
                  .join(Dispatch, Dispatch.supervisor_id == Supervisor.id)
                  .where(personal_condition(viewer_id), _in(Dispatch.dispatched_on, period),
                         Dispatch.status != "cancelled")
                  .group_by(Supervisor.name, Supervisor.card_code).order_by(Supervisor.card_code)).all()
    return Table("load", "本机构聘任督导员的工作量", ("督导员", "证号", "委派次数", "已提交记录"),
                 tuple((n, c, int(d), int(r)) for n, c, d, r in rows), chart=(2,), personal=True,
                 note="仅向聘任该督导员的委派机构显示（第八条）。")


def tables(s: Session, period: Period, scope: Scope, as_of: date, viewer_id: str) -> tuple[Table, ...]:
    return (supervisors(s, period, scope, as_of), *fairness(s, period, scope, viewer_id), load(s, period, viewer_id))
