"""regulation.sampling: the random inspection plan's rules (第十五条 双随机, 第十一条, 第二十三条（十）,
第八条（四）), one test per rule, no database."""

from collections import Counter
from datetime import date, timedelta

import pytest

from regulation.reasons import RuleViolation
from regulation.sampling import (
    RISK_FACTORS,
    Candidate,
    check_weights,
    frame_digest,
    frame_exclusion,
    plan_seed,
    public_result,
    replay_plan_draw,
    sample_size,
    session_weight,
    shortfalls,
    start_day,
    still_uncovered,
)

DAY = date(2026, 4, 1)


def _frame(n=100, institutions=10, heavy=()):
    return [Candidate(f"B{i:04d}", f"F{i % institutions:02d}", DAY + timedelta(days=i % 60),
                      5.0 if f"F{i % institutions:02d}" in heavy else 1.0) for i in range(n)]


def test_suspended_and_revoked_institutions_are_excluded_with_their_article():
    assert frame_exclusion("suspended", False, False).article == "第二十二条、附件4"
    assert frame_exclusion("revoked", False, False).article == "第二十三条"
    assert frame_exclusion("active", False, False) is None


def test_a_session_already_inspected_or_planned_is_excluded_one_inspection_per_session():
    assert frame_exclusion("active", True, False).article == "第二十三条（十）"
    assert "另一已批准" in frame_exclusion("active", False, True).text


def test_weights_default_per_factor_and_refuse_out_of_range_naming_the_factor():
    assert check_weights({}) == {k: f.default for k, f in RISK_FACTORS.items()}
    with pytest.raises(RuleViolation, match="近一年有投诉举报"):
        check_weights({"complaints": 0.5})
    with pytest.raises(RuleViolation, match="没有名为"):
        check_weights({"bribes": 2})


def test_a_session_weight_is_the_product_of_its_institutions_factors():
    weights = check_weights({"failed_before": 3, "new_filing": 2})
    assert session_weight(["failed_before", "new_filing"], weights) == 6.0
    assert session_weight([], weights) == 1.0


def test_sample_size_is_a_count_or_a_rate_rounded_up_never_both():
    assert sample_size(3000, rate_percent=10) == 300
    assert sample_size(95, rate_percent=10) == 10
    assert sample_size(20, count=50) == 20
    for bad in ({"rate_percent": 10, "count": 5}, {}):
        with pytest.raises(RuleViolation, match="二|其中一项"):
            sample_size(100, **bad)
    with pytest.raises(RuleViolation, match="抽查比例"):
        sample_size(100, rate_percent=150)


def test_the_same_seed_and_frame_give_the_same_list_and_another_seed_another():
    frame = _frame()
    a = replay_plan_draw("seed-1", frame, 10, {})
    assert a == replay_plan_draw("seed-1", list(reversed(frame)), 10, {})  # order of the list does not matter
    assert len(a) == 10 and a == tuple(sorted(a))
    assert a != replay_plan_draw("seed-2", frame, 10, {})


def test_the_minimum_per_institution_is_drawn_first_from_its_own_sessions():
    frame = _frame(n=100, institutions=10)
    needs = {"F03": 2, "F07": 1}
    chosen = replay_plan_draw("s", frame, 5, needs)
    per = Counter(c.institution for c in frame if c.batch_number in chosen)
    assert per["F03"] >= 2 and per["F07"] >= 1 and len(chosen) == 5


def test_shortfalls_count_this_years_inspections_and_cap_at_the_sessions_in_the_frame():
    assert shortfalls(2, {"A": 1, "B": 2}, {"A": 5, "B": 5, "C": 1}) == {"A": 1, "C": 1}
    assert still_uncovered(2, {"A": 1}, {"A": 1, "C": 1}, ["A", "B", "C"]) == {"B": 2, "C": 1}


def test_a_heavier_weight_raises_the_chance_of_being_drawn():
    frame = _frame(n=200, institutions=10, heavy={"F01"})
    heavy = {c.batch_number for c in frame if c.institution == "F01"}
    hits = sum(len(heavy.intersection(replay_plan_draw(f"seed-{k}", frame, 20, {}))) for k in range(200))
    # F01 holds 10 % of the frame; with weight 5 it takes far more than 10 % of the draws
    assert hits / (200 * 20) > 0.25


def test_the_hash_covers_each_line_and_minimum_and_the_seed_follows_the_published_data():
    frame = _frame(10)
    digest = frame_digest(frame, {})
    assert digest == frame_digest(list(reversed(frame)), {})
    changed = [Candidate(c.batch_number, c.institution, c.starts_on, 2.0) if i == 0 else c for i, c in enumerate(frame)]
    assert frame_digest(changed, {}) != digest
    assert frame_digest(frame, {"F01": 1}) != digest
    assert plan_seed("P-1", digest, DAY) == plan_seed("P-1", digest, DAY)
    assert plan_seed("P-1", digest, DAY) != plan_seed("P-1", digest, DAY + timedelta(days=1))


def test_the_start_day_is_n_working_days_before_the_session():
    weekdays = lambda d: d.weekday() < 5  # noqa: E731
    assert start_day(date(2026, 4, 8), 3, weekdays) == date(2026, 4, 3)  # Wed → the Friday before
    assert start_day(date(2026, 4, 8), 0, weekdays) == date(2026, 4, 8)


def test_only_the_overall_result_is_published_and_a_rectifying_follow_up_reads_as_ordered_to_rectify():
    assert public_result("合格", "无需处理") == "合格"
    assert public_result("不合格", "无需处理") == "不合格"
    assert public_result("不合格", "提醒函") == "已责令整改"
    assert public_result("合格", "约谈提醒") == "已责令整改"
