"""第十三条 recusal: the four checks, each returning its reason."""

from datetime import date

from regulation.recusal import (
    CONFLICT,
    EXAMINER,
    INTERNAL,
    REPEAT,
    CandidateRef,
    PastDispatch,
    SessionPeople,
    check_recusal,
    history_from,
)

A = CandidateRef("a", "370101199001010011", "R3726A001")
B = CandidateRef("b", "370101199001010022", "R3726A002")
SESSION = SessionPeople("S-NEW", "inst-1", date(2026, 11, 26))


PEOPLE = {"a": A.person_key, "b": B.person_key}


def occ(ref, on, *who):
    """An earlier occasion; who: "a"/"b" for A/B, or another person key."""
    return PastDispatch(ref, date.fromisoformat(on), frozenset(PEOPLE.get(w, w) for w in who))


def rules(conflicts):
    return [c.rule for c in conflicts]


def test_declared_conflict_of_interest_excludes_supervisor():
    c = check_recusal(A, SESSION, frozenset({A.person_key}), history_from([]))
    assert rules(c) == [CONFLICT] and c[0].reason.article == "第十三条"


def test_examiner_at_same_session_cannot_supervise_it():
    s = SessionPeople("S-NEW", "inst-1", date(2026, 11, 26), examiner_keys=frozenset({A.person_key}))
    assert rules(check_recusal(A, s, frozenset(), history_from([]))) == [EXAMINER]
    assert check_recusal(B, s, frozenset(), history_from([])) == []


def test_external_supervisor_cannot_be_internal_supervisor_at_same_session():
    s = SessionPeople("S-NEW", "inst-1", date(2026, 11, 26), internal_supervisor_keys=frozenset({A.person_key}))
    assert rules(check_recusal(A, s, frozenset(), history_from([]))) == [INTERNAL]


def test_third_dispatch_in_a_row_within_a_year_is_refused():
    h = history_from([occ("S1", "2026-03-01", "a"), occ("S2", "2026-06-01", "a")])
    c = check_recusal(A, SESSION, frozenset(), h)
    assert rules(c) == [REPEAT] and "2026-06-01" in c[0].reason.text


def test_second_dispatch_in_a_row_is_allowed():
    h = history_from([occ("S1", "2026-06-01", "a")])
    assert check_recusal(A, SESSION, frozenset(), h) == []


def test_another_supervisor_in_between_breaks_the_row():
    h = history_from([occ("S1", "2026-03-01", "a"), occ("S2", "2026-05-01", "b"), occ("S3", "2026-06-01", "a")])
    assert check_recusal(A, SESSION, frozenset(), h) == []


def test_dispatches_older_than_365_days_do_not_count():
    # 2025-11-26 is exactly 365 days before: still counts; 2025-11-25 does not.
    inside = history_from([occ("S1", "2025-11-26", "a"), occ("S2", "2026-06-01", "a")])
    outside = history_from([occ("S1", "2025-11-25", "a"), occ("S2", "2026-06-01", "a")])
    assert rules(check_recusal(A, SESSION, frozenset(), inside)) == [REPEAT]
    assert check_recusal(A, SESSION, frozenset(), outside) == []


def test_repeat_rule_with_several_supervisors_per_occasion():
    h = history_from([occ("S1", "2026-03-01", "a", "b"), occ("S2", "2026-06-01", "a", "c")])
    assert rules(check_recusal(A, SESSION, frozenset(), h)) == [REPEAT]
    assert check_recusal(B, SESSION, frozenset(), h) == []


def test_all_conflicts_are_reported_together():
    s = SessionPeople("S-NEW", "inst-1", date(2026, 11, 26),
                      examiner_keys=frozenset({A.person_key}), internal_supervisor_keys=frozenset({A.person_key}))
    h = history_from([occ("S1", "2026-03-01", "a"), occ("S2", "2026-06-01", "a")])
    assert rules(check_recusal(A, s, frozenset({A.person_key}), h)) == [CONFLICT, EXAMINER, REPEAT, INTERNAL]


A_REISSUED = CandidateRef("a-new", A.person_key, "R3727A009")  # same person, a new card row


def test_declared_conflict_follows_the_person_to_a_reissued_card():
    declared = frozenset({A.person_key})
    assert rules(check_recusal(A_REISSUED, SESSION, declared, history_from([]))) == [CONFLICT]
    assert check_recusal(B, SESSION, declared, history_from([])) == []


def test_third_in_a_row_counts_dispatches_under_the_persons_earlier_card():
    h = history_from([occ("S1", "2026-03-01", "a"), occ("S2", "2026-06-01", "a")])
    assert rules(check_recusal(A_REISSUED, SESSION, frozenset(), h)) == [REPEAT]
