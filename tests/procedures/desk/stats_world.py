"""A small province, every number of it counted by hand (the comments in test_statistics.py)."""

from datetime import date, datetime, timedelta

from adapters.clock import tz
from cli.demo_data import add_agencies, add_institution, add_session
from models import (
    AppointmentTerm,
    Dispatch,
    Draw,
    InspectionCase,
    InspectionRecord,
    InstitutionHistory,
    SanctionCase,
    SpecialInspection,
    Supervisor,
)

AS_OF = date(2027, 1, 20)
CARDS = {"U1": "A100000260001", "U2": "A100000260002", "U3": "A100000260003", "U4": "B100000260001",
         "U5": "P100000260001"}


def _sup(s, key, issuer, start, end, status="active", earlier=None):
    sup = Supervisor(name=f"督导员{key}<b>", person_key=f"PK-{key}", kind="external", card_code=CARDS[key],
                     issuer=issuer, status=status, email=f"{key.lower()}@example.cn")
    s.add(sup)
    s.flush()
    for a, b in ([earlier] if earlier else []) + [(start, end)]:
        s.add(AppointmentTerm(supervisor_id=sup.id, start=a, end=b, assessment_passed=True))
    return sup


_runs = iter(range(1, 1000))


def _case(s, sess, inst, agency, opened, status="awaiting_record", refused=False):
    case = InspectionCase(flow_run_id=f"run-{next(_runs)}", session_id=sess.id if sess else None,
                          batch_number=sess.batch_number if sess else "", agency_id=agency,
                          institution_id=inst.id, opened_on=opened, status="refused" if refused else status,
                          active_session_id=None if refused or sess is None else sess.id)
    s.add(case)
    s.flush()
    return case


def _record(s, case, kind, sup, late, verdict, failed):
    s.add(InspectionRecord(case_id=case.id, form_kind=kind, form_version="2022", submitted_by=sup.id,
                           submitted_on=case.opened_on, inspection_ended_on=case.opened_on, late=late,
                           overall_evaluation="", verdict=verdict, confirmed_on=case.opened_on,
                           negative_count=len(failed), item_count=23, failed_items=failed))


def _draw(s, sess, agency, on, k, candidates, chosen, case, status="recorded"):
    cards = [c.card_code for c in candidates]
    draw = Draw(session_id=sess.id, agency_id=agency, drawn_on=on, seed="seed", k=k, candidates=cards,
                candidates_hash="|".join(cards), chosen=[c.card_code for c in chosen])
    s.add(draw)
    s.flush()
    for sup in chosen:
        s.add(Dispatch(session_id=sess.id, supervisor_id=sup.id, agency_id=agency, institution_id=sess.institution_id,
                       draw_id=draw.id, dispatched_on=on, status=status, case_id=case.id))


def _sanction(s, inst, agency, finding, opened, measure="", decided=None, status="closed", **kw):
    case = SanctionCase(key=f"k-{next(_runs)}", institution_id=inst.id, agency_id=agency, finding_case=finding,
                        facts="事实", source="daily_inspection", opened_on=opened, measure=measure,
                        decided_on=decided, status=status, **kw)
    s.add(case)
    s.flush()
    return case


def _at(sess, when):
    sess.starts_at, sess.ends_at = when, when + timedelta(hours=3)


def build(s) -> None:
    add_agencies(s)
    i1 = add_institution(s, "济南一<script>评价机构", "T-A-1", city="A")
    i2 = add_institution(s, "济南二评价机构", "T-A-2", city="A")
    i3 = add_institution(s, "青岛三评价机构", "T-B-3", city="B")
    i4 = add_institution(s, "省四评价机构", "T-P-4", authority="province")
    u1 = _sup(s, "U1", "CITY-A", date(2024, 7, 1), date(2027, 6, 30))
    u2 = _sup(s, "U2", "CITY-A", date(2023, 12, 1), date(2026, 11, 30))
    u3 = _sup(s, "U3", "CITY-A", date(2024, 7, 1), date(2027, 6, 30), status="dispatch_suspended")
    u4 = _sup(s, "U4", "CITY-B", date(2025, 1, 1), date(2027, 12, 31))
    u5 = _sup(s, "U5", "PROV", date(2023, 1, 1), date(2025, 12, 31), earlier=(date(2020, 1, 1), date(2022, 12, 31)))
    d = date
    s1 = add_session(s, "S1", i1, d(2026, 3, 2), "theory")
    s2 = add_session(s, "S2", i1, d(2026, 3, 10), "skill")
    s3 = add_session(s, "S3", i2, d(2026, 5, 5), "theory")
    add_session(s, "S4", i2, d(2026, 6, 1), "review")
    s5 = add_session(s, "S5", i3, d(2026, 4, 1), "theory")
    s6 = add_session(s, "S6", i4, d(2026, 7, 1), "skill")
    s7 = add_session(s, "S7", i1, d(2025, 12, 31), "theory")
    _at(s7, datetime(2025, 12, 31, 23, 0, tzinfo=tz()))
    s8 = add_session(s, "S8", i1, d(2027, 1, 1), "theory")
    _at(s8, datetime(2027, 1, 1, 0, 0, tzinfo=tz()))
    s9 = add_session(s, "S9", i3, d(2026, 12, 31), "theory")
    _at(s9, datetime(2026, 12, 31, 23, 30, tzinfo=tz()))
    s10 = add_session(s, "S10", i1, d(2026, 8, 1), "theory")
    c1 = _case(s, s1, i1, "CITY-A", d(2026, 3, 1), "closed")
    c2 = _case(s, s2, i1, "CITY-A", d(2026, 3, 9), "closed")
    c3 = _case(s, s3, i2, "CITY-A", d(2026, 5, 4))
    c5 = _case(s, s5, i3, "CITY-B", d(2026, 4, 1), "closed")
    c6 = _case(s, s6, i4, "PROV", d(2026, 7, 1), "closed")
    c7 = _case(s, s7, i1, "CITY-A", d(2025, 12, 30), "closed")
    _case(s, s10, i1, "CITY-A", d(2026, 8, 1), refused=True)
    _record(s, c1, "theory", u1, False, "合格", [4, 9])
    _record(s, c2, "skill", u1, True, "不合格", [4, 9, 12])
    _record(s, c5, "theory", u4, False, "不合格", [4])
    _record(s, c6, "skill", u5, False, "合格", [])
    _record(s, c7, "theory", u2, True, "不合格", [1])
    _draw(s, s1, "CITY-A", d(2026, 3, 1), 1, [u1, u2], [u1], c1)
    _draw(s, s2, "CITY-A", d(2026, 3, 9), 1, [u1, u2], [u1], c2)
    _draw(s, s3, "CITY-A", d(2026, 5, 4), 2, [u1, u2, u3], [u1, u2], c3, status="dispatched")
    _draw(s, s5, "CITY-B", d(2026, 4, 1), 1, [u4], [u4], c5)
    _draw(s, s7, "CITY-A", d(2025, 12, 30), 1, [u1, u2], [u2], c7)
    s.add(Dispatch(session_id=s6.id, supervisor_id=u5.id, agency_id="PROV", institution_id=i4.id,
                   dispatched_on=d(2026, 7, 1), status="recorded", case_id=c6.id))
    s.add(Dispatch(session_id=s9.id, supervisor_id=u4.id, agency_id="CITY-B", institution_id=i3.id,
                   dispatched_on=d(2026, 12, 30), status="cancelled"))
    sc1 = _sanction(s, i1, "CITY-A", "22.2", d(2026, 4, 1), "rectification", d(2026, 4, 10),
                    rectification_due=d(2026, 7, 10), resumed_on=d(2026, 6, 9))
    sc2 = _sanction(s, i2, "CITY-A", "22.2", d(2026, 5, 1), "rectification", d(2026, 5, 10), "rectifying",
                    rectification_due=d(2026, 8, 10))
    _sanction(s, i3, "CITY-B", "21.1", d(2026, 6, 1), "improvement", d(2026, 6, 5), "improving",
              rectification_due=d(2027, 3, 1))
    sc4 = _sanction(s, i4, "PROV", "23.10", d(2026, 2, 1), "interview", d(2026, 2, 10))
    _sanction(s, i1, "CITY-A", "22.2", d(2025, 11, 1), "rectification", d(2025, 11, 10),
              rectification_due=d(2026, 2, 10), resumed_on=d(2026, 1, 5))
    _sanction(s, i3, "CITY-B", "27.1", d(2026, 9, 1), "improvement", d(2026, 9, 2),
              rectification_due=d(2026, 12, 2), report_received_on=d(2026, 9, 22))
    for key, inst, kind, article, on, sc in (
            ("h1", i1, "interview", "第二十一条（一）", d(2026, 3, 1), None),
            ("h2", i1, "written_notice", "第二十二条（二）", d(2026, 4, 10), sc1),
            ("h3", i2, "written_notice", "第二十二条（二）", d(2026, 5, 10), sc2),
            ("h4", i4, "interview", "第二十三条（十）", d(2026, 2, 10), sc4),
            ("h5", i1, "resumption", "第二十二条（二）", d(2026, 6, 9), None),
            ("h6", i1, "written_notice", "第二十二条（二）", d(2025, 11, 10), None)):
        s.add(InstitutionHistory(key=key, institution_id=inst.id, kind=kind, on=on, article=article,
                                 sanction_case_id=sc.id if sc else None))
    for inst, agency, opened, origin, stage in ((i1, "CITY-A", d(2026, 3, 20), "pending", "closed"),
                                                (i3, "CITY-B", d(2026, 4, 15), "complaint", "findings"),
                                                (i4, "PROV", d(2026, 10, 1), "initiative", "referred"),
                                                (i2, "CITY-A", d(2025, 12, 1), "complaint", "closed")):
        case = _case(s, None, inst, agency, opened)
        s.add(SpecialInspection(case_id=case.id, origin=origin, planned_start=opened, planned_end=opened,
                                team_size=2, stage=stage))
    s.flush()
