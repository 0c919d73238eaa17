"""A province-year (issue 20, part 5), step 1: the province generated into the app database.

The provincial centre and the 16 city agencies (附件1 表3, cli/demo_data.add_agencies); 2,000
institutions (a tenth filed with the province or MOHRSS, the rest with their city, 第十一条); one
internal supervisor each, on the roster with a card of the institution's own issuer code
(第十二条, 附件1 二); 5,000 external supervisors over the 17 card areas with valid cards and a
3-year term (第十条, 附件1 一) — the same rows cli/demo_data's builders make, written in bulk;
60,000 evaluation sessions over a year's working days from the peak day on, `peak` of them on it (the
daily inspections step 2 starts). Returns what step 2 needs and the time it took.
"""

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cli.demo_data import card_holder_identity, sample_identity
from regulation.cards import CITY_NAMES, format_external, format_internal, internal_issuer_code

INSTITUTIONS, SUPERVISORS, SESSIONS = 2_000, 5_000, 60_000
AREAS = ["0", *CITY_NAMES]  # "0": 省直 (the provincial centre's supervisors)
KINDS = ("theory", "skill", "review")  # 附件3's three forms
CHUNK = 5_000


@dataclass
class Province:
    peak_day: date
    peak: list[tuple[str, str, str]] = field(default_factory=list)  # (batch, form kind, agency id)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _agency(authority: str, city: str | None) -> str:
    return "PROV" if authority in ("province", "mohrss") else f"CITY-{city}"


def institutions() -> list[dict]:
    cities = list(CITY_NAMES)
    rows = []
    for i in range(1, INSTITUTIONS + 1):
        authority = "province" if i % 20 == 0 else "mohrss" if i % 20 == 10 else "city"
        city = cities[i % 16] if authority == "city" else None
        prefix = "100000" if authority == "mohrss" else "370000" if authority == "province" else f"37{cities.index(city) + 1:02d}00"
        filing = f"{prefix}{2024:04d}{i:06d}"  # digits, as on a 备案回执; the last 6 unique (the issuer code)
        rows.append(dict(id=i, name=f"省评价机构{i:04d}", filing_authority=authority, city_letter=city,
                         filing_number=filing, category="social_org", filed_on=date(2024, 1, 10),
                         scope_occupations=["电工", "焊工", "育婴员"], scope_levels=["五级", "四级", "三级"],
                         scope_regions=[], exam_sites=[f"省评价机构{i:04d}本部考点"], status="active",
                         contact_email=f"inst-{i:04d}@institution.example.cn", industry_code="", credit_code="",
                         internal_contact_name="", internal_contact_email=""))
    return rows


def supervisors(insts: list[dict]) -> tuple[list[dict], list[dict], dict[int, dict]]:
    """External supervisors (cards and terms as add_supervisor makes them), then each institution's
    internal one (as own_internal_supervisor does); and the internal card of each institution."""
    rows, terms, internal = [], [], {}
    start = date(2025, 1, 1)
    for n in range(SUPERVISORS):
        area = AREAS[n % len(AREAS)]
        serial = n // len(AREAS) + 1
        code = format_external(area, 2025, serial)
        sid = n + 1
        rows.append(dict(id=sid, name=f"督导员{n:04d}", person_key=card_holder_identity(area, 2025, serial),
                         kind="external", card_code=code, issuer="PROV" if area == "0" else f"CITY-{area}",
                         employer=f"单位{n % 97}", status="active", card_status="valid",
                         email=f"{code.lower()}@supervisor.example.cn", eligibility={k: True for k in "一二三四五"},
                         eligibility_attested_on=start, phone="", city_letter=area, card_issued_on=None,
                         issuer_institution_id=None))
        terms.append(dict(id=sid, supervisor_id=sid, start=start, end=start.replace(year=2028) - timedelta(days=1),
                          assessment_passed=True, instrument="聘书"))
    for k, inst in enumerate(insts, SUPERVISORS + 1):
        issuer = internal_issuer_code(inst["filing_authority"], inst["filing_number"])
        code = format_internal("S", issuer, 2025, 1)
        person = sample_identity("370311", inst["filing_number"])
        internal[inst["id"]] = {"name": "内督员丙", "card_code": code, "person_key": person}
        rows.append(dict(id=k, name="内督员丙", person_key=person, kind="internal", card_code=code, issuer="S" + issuer,
                         employer=inst["name"], status="active", card_status="valid",
                         email=f"{code.lower()}@internal.example.cn", eligibility={x: True for x in "一二三四五"},
                         eligibility_attested_on=start, phone="", city_letter=inst["city_letter"] or "0",
                         card_issued_on=start, issuer_institution_id=inst["id"]))
    return rows, terms, internal


def working_days(first: date, days: int = 365) -> list[date]:
    """Monday to Friday of the `days` days from `first` on."""
    return [d for d in (first + timedelta(days=k) for k in range(days)) if d.weekday() < 5]


def sessions(insts: list[dict], internal: dict[int, dict], peak_day: date, peak: int, tz) -> tuple[list[dict], list]:
    """SESSIONS sessions: `peak` on the peak day (at `peak` different institutions), the rest over
    the working days of the year that follows (a year's roster imported ahead, as agencies do;
    a year already past would make the first sweep open 60 days of sessions at once)."""
    days = working_days(peak_day + timedelta(days=1))
    rows, peak_rows = [], []
    for i in range(1, SESSIONS + 1):
        inst = insts[(i - 1) % len(insts)]
        day = peak_day if i <= peak else days[(i - peak) % len(days)]
        start = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
        batch = f"PC{day:%Y%m%d}-{i:05d}"
        kind = KINDS[i % 3]
        rows.append(dict(id=i, batch_number=batch, institution_id=inst["id"], occupation="电工", level="四级",
                         form_kind=kind, region="", site=inst["exam_sites"][0], starts_at=start,
                         ends_at=start + timedelta(hours=3), candidate_count=40, cancelled_on=None,
                         examiners=[{"name": "考评员甲", "person_key": sample_identity("370211", f"{batch}-1")},
                                    {"name": "考评员乙", "person_key": sample_identity("370211", f"{batch}-2")}],
                         internal_supervisors=[internal[inst["id"]]]))
        if i <= peak:
            peak_rows.append((batch, kind, _agency(inst["filing_authority"], inst["city_letter"])))
    return rows, peak_rows


def generate(url: str, peak_day: date, peak: int) -> Province:
    """Write the province into the (empty, migrated here) database at `url`; bulk inserts, one
    transaction; the id sequences moved past the rows written."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from adapters.clock import tz
    from adapters.db import get_engine, session_scope, upgrade
    from cli.demo_data import add_agencies

    if not 0 < peak <= INSTITUTIONS:
        raise ValueError(f"峰值日督导数应在 1–{INSTITUTIONS} 之间，实际为 {peak}")
    upgrade(url)
    began = time.perf_counter()
    with session_scope(url) as s:
        add_agencies(s)
    insts = institutions()
    sups, terms, internal = supervisors(insts)
    sess, peak_rows = sessions(insts, internal, peak_day, peak, tz())
    tables = SQLModel.metadata.tables
    with get_engine(url).begin() as conn:
        for name, rows in (("institution", insts), ("supervisor", sups), ("appointment_term", terms),
                           ("evaluation_session", sess)):
            for k in range(0, len(rows), CHUNK):
                conn.execute(tables[name].insert(), rows[k:k + CHUNK])
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
        conn.execute(text("ANALYZE"))
    return Province(peak_day, peak_rows, {"agencies": 17, "institutions": len(insts), "supervisors": len(sups),
                                          "appointment_terms": len(terms), "sessions": len(sess)},
                    time.perf_counter() - began)
