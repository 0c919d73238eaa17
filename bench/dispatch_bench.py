"""Province-scale dispatch: 5,000 supervisors, 2,000 institutions, a year of history,
500 sessions in one day, each drawn with every recusal check (goal: < 1 s for the 500)."""

import random
import time
from collections import defaultdict
from datetime import date, timedelta

from regulation.cards import CITY_NAMES
from regulation.dispatch import AgencyFacts, DispatchPool, InstitutionFacts, SupervisorFacts
from regulation.recusal import PastDispatch, SessionPeople, history_from
from regulation.terms import Term

DAY = date(2026, 11, 26)
AREAS = ["0", *CITY_NAMES]


def build_province(rng: random.Random, n_supervisors=5000, n_institutions=2000, occasions_per_institution=12):
    supervisors = []
    for i in range(n_supervisors):
        area = AREAS[i % len(AREAS)]
        status = "suspended" if rng.random() < 0.02 else "valid"
        start = DAY - timedelta(days=rng.randint(0, 3 * 365 + 200))  # some terms have ended
        supervisors.append(SupervisorFacts(f"s{i}", f"P{i:06d}", f"R3725{area}{i // len(AREAS) + 1:03d}",
                                           "external", area, status, terms=(Term(start),)))
    by_area = defaultdict(list)
    for s in supervisors:
        by_area[s.card_area].append(s)
    institutions = []
    for i in range(n_institutions):
        if i % 10 == 0:
            institutions.append(InstitutionFacts(f"i{i}", rng.choice(["province", "mohrss"])))
        else:
            institutions.append(InstitutionFacts(f"i{i}", "city", AREAS[1 + i % 16]))
    conflicts = defaultdict(set)
    for s in supervisors:
        for _ in range(3):
            conflicts[f"i{rng.randrange(n_institutions)}"].add(s.person_key)
    histories = {}
    for inst in institutions:
        area = inst.city_letter or "0"
        occasions = [PastDispatch(f"{inst.institution_id}-h{k}", DAY - timedelta(days=rng.randint(1, 365)),
                                  frozenset({rng.choice(by_area[area]).person_key}))
                     for k in range(occasions_per_institution)]
        histories[inst.institution_id] = history_from(occasions)
    return supervisors, institutions, {k: frozenset(v) for k, v in conflicts.items()}, histories, by_area


def run(n_sessions=500, k=2) -> dict:
    rng = random.Random(20261126)
    t0 = time.perf_counter()
    supervisors, institutions, conflicts, histories, by_area = build_province(rng)
    t_data = time.perf_counter() - t0

    agencies = {"0": AgencyFacts("PROV", "province")} | {c: AgencyFacts(f"CITY-{c}", "city", c) for c in CITY_NAMES}
    sessions = []
    for n in range(n_sessions):
        inst = rng.choice(institutions)
        area = inst.city_letter or "0"
        people = [s.person_key for s in rng.sample(by_area[area], 7)]  # some examiners are supervisors
        sessions.append((inst, SessionPeople(f"B{n:05d}", inst.institution_id, DAY,
                                             examiner_keys=frozenset(people[:5]),
                                             internal_supervisor_keys=frozenset(people[5:]))))

    t1 = time.perf_counter()
    pools = {area: DispatchPool(a, supervisors, DAY) for area, a in agencies.items()}
    t_pools = time.perf_counter() - t1

    t2 = time.perf_counter()
    recused = 0
    for n, (inst, people) in enumerate(sessions):
        result = pools[inst.city_letter or "0"].draw(
            inst, people, k, f"seed-{n}", conflicts.get(inst.institution_id, frozenset()),
            histories[inst.institution_id])
        recused += len(result.recused)
        histories[inst.institution_id].add(PastDispatch(people.session_ref, DAY, frozenset(result.chosen_person_keys)))
    t_draws = time.perf_counter() - t2
    return {"data_s": t_data, "pools_s": t_pools, "draws_s": t_draws, "sessions": n_sessions,
            "recused": recused, "pool_sizes": sorted(len(p.members) for p in pools.values())}


def main() -> dict:
    r = run()
    total = r["pools_s"] + r["draws_s"]
    print("== dispatch: 5,000 supervisors, 2,000 institutions, 1 year history, 500 sessions, k=2 ==")
    print(f"  generate province data      {r['data_s']:.3f} s (not counted)")
    print(f"  build 17 agency pools       {r['pools_s'] * 1000:.1f} ms")
    print(f"  draw 500 sessions           {r['draws_s'] * 1000:.1f} ms "
          f"({r['draws_s'] / r['sessions'] * 1e6:.0f} µs per session; {r['recused']} recusals applied)")
    print(f"  total for the day           {total * 1000:.1f} ms  (goal < 1000 ms: ratio {total / 1.0:.3f} of goal)")
    print(f"  pool sizes                  min {r['pool_sizes'][0]}, max {r['pool_sizes'][-1]}")
    return r


if __name__ == "__main__":
    main()
