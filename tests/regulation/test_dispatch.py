"""Random dispatch (第十条, 第十一条, 第十三条, 第十五条): eligible pool, seeded replayable draw."""

from datetime import date, timedelta

import pytest

from regulation.dispatch import (
    AgencyFacts,
    DispatchPool,
    InstitutionFacts,
    InsufficientSupervisors,
    SupervisorFacts,
    check_named,
    jurisdiction,
    replay_draw,
)
from regulation.reasons import RuleViolation
from regulation.recusal import PastDispatch, SessionPeople, history_from
from regulation.terms import Term

DAY = date(2026, 11, 26)
CITY_A = AgencyFacts("CITY-A", "city", "A")
PROVINCE = AgencyFacts("PROV", "province")
INST_A = InstitutionFacts("1", "city", "A")
INST_B = InstitutionFacts("2", "city", "B")
INST_PROV = InstitutionFacts("3", "province")
INST_MOHRSS = InstitutionFacts("4", "mohrss")
IN_TERM = (Term(date(2025, 1, 1)),)


def sup(n, area="A", **kw):
    defaults = dict(kind="external", card_area=area, terms=IN_TERM)
    defaults.update(kw)
    return SupervisorFacts(f"s{n}", f"P{n:04d}", f"R3725{area}{n:03d}", **defaults)


def session(**kw):
    return SessionPeople("B-2026-001", "1", DAY, **kw)


def pool(*supervisors, agency=CITY_A):
    return DispatchPool(agency, supervisors, DAY)


def test_city_dispatches_only_to_institutions_filed_in_that_city():
    assert jurisdiction(CITY_A, INST_A) is None
    assert jurisdiction(CITY_A, INST_B).article == "第十一条"
    assert jurisdiction(CITY_A, INST_PROV) is not None


def test_province_dispatches_to_provincial_and_mohrss_filed_institutions():
    assert jurisdiction(PROVINCE, INST_PROV) is None
    assert jurisdiction(PROVINCE, INST_MOHRSS) is None
    assert "设区市" in jurisdiction(PROVINCE, INST_A).text


def test_draw_outside_jurisdiction_is_refused():
    with pytest.raises(RuleViolation, match="不属本机构委派管辖"):
        pool(sup(1)).draw(INST_B, session(), 1, "seed", frozenset(), history_from([]))


def test_pool_excludes_other_issuers_internal_suspended_and_out_of_term():
    p = pool(
        sup(1),
        sup(2, area="B"),
        sup(3, kind="internal"),
        sup(4, card_status="suspended"),
        sup(5, dispatch_suspended=True),
        sup(6, terms=(Term(date(2020, 1, 1)),)),  # ended 2022-12-31
        sup(7, terms=()),
        sup(8, card_status="revoked"),
        sup(9, dismissed=True),
        sup(10, person_dismissed=True),
        sup(11, terms=(Term(date(2025, 1, 1), stored_end=date(2026, 11, 25)),)),  # ended the day before
    )
    assert list(p.members) == ["s1"]
    assert sum(p.excluded_counts.values()) == 10


def test_term_ended_early_excludes_from_the_day_after_its_stored_end():
    ends_today = sup(1, terms=(Term(date(2025, 1, 1), stored_end=DAY),))
    ended = sup(2, terms=(Term(date(2025, 1, 1), stored_end=DAY - timedelta(days=1)),))
    assert list(pool(ends_today, ended).members) == ["s1"]
    reasons = check_named(CITY_A, INST_A, ended, session(), frozenset(), history_from([]))
    assert [r.article for r in reasons] == ["第十条"] and "提前终止" in reasons[0].text


def test_dismissed_supervisor_is_never_drawn_nor_accepted_by_name():
    for facts, text in ((sup(1, dismissed=True), "已被解聘"), (sup(1, person_dismissed=True), "本人曾被解聘")):
        assert pool(facts).members == {}
        reasons = check_named(CITY_A, INST_A, facts, session(), frozenset(), history_from([]))
        assert [r.article for r in reasons] == ["第二十六条"] and text in reasons[0].text


def test_cancelled_card_is_never_drawn_nor_accepted_by_name():
    revoked = sup(1, card_status="revoked")
    assert pool(revoked).members == {}
    reasons = check_named(CITY_A, INST_A, revoked, session(), frozenset(), history_from([]))
    assert [r.text for r in reasons] == ["证卡状态：已取消"]


def test_recusal_in_the_draw_follows_the_person_not_the_card_row():
    reissued = SupervisorFacts("s9", "P0001", "R3726A009", kind="external", card_area="A", terms=IN_TERM)
    p = pool(reissued, sup(2))
    h = history_from([PastDispatch("old1", date(2026, 5, 1), frozenset({"P0001"})),
                      PastDispatch("old2", date(2026, 9, 1), frozenset({"P0001"}))])
    for declared, history in ((frozenset({"P0001"}), history_from([])), (frozenset(), h)):
        r = p.draw(INST_A, session(), 1, "seed", declared, history)
        assert r.chosen == ("R3725A002",) and set(r.recused) == {"R3726A009"}


def test_draw_is_reproducible_from_seed_and_sorted_candidates():
    p = pool(*(sup(n) for n in range(1, 21)))
    r1 = p.draw(INST_A, session(), 3, "abc123", frozenset(), history_from([]))
    r2 = p.draw(INST_A, session(), 3, "abc123", frozenset(), history_from([]))
    assert r1.chosen == r2.chosen and len(set(r1.chosen)) == 3
    assert list(r1.candidates) == sorted(r1.candidates)
    assert replay_draw(r1.seed, list(reversed(r1.candidates)), 3) == r1.chosen
    assert len(r1.candidates_hash) == 64


def test_different_seeds_draw_differently():
    p = pool(*(sup(n) for n in range(1, 41)))
    draws = {p.draw(INST_A, session(), 2, f"seed-{i}", frozenset(), history_from([])).chosen for i in range(10)}
    assert len(draws) > 1


def test_recused_supervisors_are_never_drawn_and_are_listed():
    p = pool(*(sup(n) for n in range(1, 6)))
    h = history_from([PastDispatch("old1", date(2026, 5, 1), frozenset({"P0002"})),
                      PastDispatch("old2", date(2026, 9, 1), frozenset({"P0002"}))])
    s = session(examiner_keys=frozenset({"P0003"}), internal_supervisor_keys=frozenset({"P0004"}))
    for i in range(20):
        r = p.draw(INST_A, s, 1, f"s{i}", frozenset({"P0001"}), h)
        assert r.chosen == ("R3725A005",)
    assert set(r.recused) == {"R3725A001", "R3725A002", "R3725A003", "R3725A004"}


def test_too_few_eligible_says_how_many_and_why_the_others_were_not():
    p = pool(sup(1), sup(2), sup(3, card_status="revoked"), sup(4, area="B"))
    with pytest.raises(InsufficientSupervisors) as err:
        p.draw(INST_A, session(), 3, "x", frozenset({"P0001"}), history_from([]))
    e = err.value
    assert (e.needed, e.eligible) == (3, 1)
    message = str(e)
    assert "仅 1 名" in message and "申报利害关系应回避 1人" in message
    assert "证卡状态：已取消 1人" in message and "证卡非本委派机构核发 1人" in message


def test_draw_needs_at_least_one():
    with pytest.raises(RuleViolation):
        pool(sup(1)).draw(INST_A, session(), 0, "x", frozenset(), history_from([]))


def test_named_supervisor_checked_against_every_rule():
    assert check_named(CITY_A, INST_A, sup(1), session(), frozenset(), history_from([])) == []
    reasons = check_named(CITY_A, INST_A, sup(1, card_status="suspended"),
                          session(examiner_keys=frozenset({"P0001"})), frozenset(), history_from([]))
    assert [r.article for r in reasons] == ["第二十六条", "第十三条"]


def test_supervisor_serving_a_fourth_consecutive_term_is_not_dispatched():
    terms = (Term(date(2016, 1, 1)), Term(date(2019, 1, 1)), Term(date(2022, 1, 2)), Term(date(2025, 1, 2)))
    fourth = sup(1, terms=terms)
    assert pool(fourth).members == {}
    reasons = check_named(CITY_A, INST_A, fourth, session(), frozenset(), history_from([]))
    assert [r.article for r in reasons] == ["第十条"] and "连续第4届" in reasons[0].text
    assert list(pool(sup(1, terms=terms, term_gap_months=0)).members) == ["s1"]  # with no gap allowed
