"""A small sample province: agencies, institutions of each filing level, supervisors with
valid cards and terms, and sessions of all three form kinds. The builders are reused by
the flow tests, so the demo and the tests describe the world the same way."""

import zlib
from datetime import date, datetime, timedelta

from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from adapters.clock import tz
from models import Agency, AppointmentTerm, EvaluationSession, Institution, Supervisor
from regulation.cards import CITY_NAMES, format_external, format_internal, internal_issuer_code
from regulation.identity import make_number


def card_holder_identity(area: str, year: int, serial: int) -> str:
    """A valid GB 11643 number for the sample holder of external card (area, year, serial): one
    number per card code (address 370 + the area's character code, born 1970 + serial days,
    sequence the card's year), so two sample supervisors are never taken for one person."""
    return make_number(f"370{ord(area):03d}", date(1970, 1, 1) + timedelta(days=serial), year % 100)


def sample_identity(address: str, who: str) -> str:
    """A valid GB 11643 number for a sample examiner or internal supervisor, fixed by `who`; their
    address codes (370211, 370311) keep them apart from the card holders above."""
    n = zlib.crc32(who.encode())
    return make_number(address, date(1960, 1, 1) + timedelta(days=n % 14000), n // 14000 % 1000)


def add_agencies(s: Session, email_domain: str = "example.gov.cn", sample_letterheads: bool = True) -> None:
    """The provincial center and the 16 city bureaus (附件1 表3), once. `sample_letterheads`:
    the demo's made-up 发文机关; production setup (`supervise agency init`) leaves them blank —
    only an agency can state its own letterhead, and a delegation in it."""
    if s.get(Agency, "PROV"):
        return
    # The letterhead is what each agency's letters go out under (发文机关): the sample names a
    # delegation as a real center states it; an agency sets its own (`supervise agency letterhead`).
    s.add(Agency(id="PROV", name="山东省就业人才中心", level="province", email=f"prov@{email_domain}",
                 letter_prefix="鲁就人督",
                 letterhead="山东省就业人才中心（受山东省人力资源和社会保障厅委托）" if sample_letterheads else ""))
    for letter, city in CITY_NAMES.items():
        s.add(Agency(id=f"CITY-{letter}", name=f"{city}技能人才评价管理部门", level="city", city_letter=letter,
                     email=f"city-{letter.lower()}@{email_domain}", letter_prefix=f"{city[:2]}人社督",
                     letterhead=f"{city}人力资源和社会保障局" if sample_letterheads else ""))
    s.flush()


def add_institution(s: Session, name: str, filing_number: str, authority="city", city="A", **kw) -> Institution:
    inst = Institution(
        name=name, filing_authority=authority, city_letter=city if authority == "city" else None,
        filing_number=filing_number, category=kw.pop("category", "social_org"),
        filed_on=kw.pop("filed_on", date(2024, 1, 10)),
        scope_occupations=kw.pop("occupations", ["电工", "焊工", "育婴员"]),
        scope_levels=kw.pop("levels", ["五级", "四级", "三级"]),
        scope_regions=kw.pop("regions", []), exam_sites=kw.pop("sites", [f"{name}本部考点"]),
        contact_email=kw.pop("email", f"{filing_number.lower()}@institution.example.cn"), **kw)
    s.add(inst)
    s.flush()
    return inst


def add_supervisor(s: Session, name: str, area: str, serial: int, year=2025, term_start=date(2025, 1, 1),
                   issuer: str | None = None, **kw) -> Supervisor:
    code = format_external(area, year, serial)
    kw.setdefault("city_letter", "0" if area in ("0", "O") else area)  # where they work: the card's area
    sup = Supervisor(name=name, person_key=kw.pop("person_key", card_holder_identity(area, year, serial)),
                     kind="external", card_code=code,
                     issuer=issuer or ("PROV" if area == "0" else f"CITY-{area}"),
                     email=kw.pop("email", f"{code.lower()}@supervisor.example.cn"),
                     eligibility={n: True for n in "一二三四五"}, eligibility_attested_on=term_start, **kw)
    s.add(sup)
    s.flush()
    s.add(AppointmentTerm(supervisor_id=sup.id, start=term_start,
                          end=term_start.replace(year=term_start.year + 3) - timedelta(days=1),
                          assessment_passed=True))
    return sup


def add_session(s: Session, batch: str, inst: Institution, day: date, form_kind="theory", **kw) -> EvaluationSession:
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz())
    sess = EvaluationSession(
        batch_number=batch, institution_id=inst.id, occupation=kw.pop("occupation", inst.scope_occupations[0]),
        level=kw.pop("level", "四级"), form_kind=form_kind, site=kw.pop("site", inst.exam_sites[0]),
        starts_at=start, ends_at=start + timedelta(hours=kw.pop("hours", 3)),
        candidate_count=kw.pop("candidates", 40),
        examiners=kw.pop("examiners", [{"name": "考评员甲", "person_key": sample_identity("370211", f"{batch}-1")},
                                        {"name": "考评员乙", "person_key": sample_identity("370211", f"{batch}-2")}]),
        internal_supervisors=kw.pop("internal_supervisors", [{"name": "内督员丙", "card_code": "S123456250001",
                                                              "person_key": sample_identity("370311", batch)}]), **kw)
    s.add(sess)
    s.flush()
    return sess


# The day's sessions: (batch suffix, institution filing number, 附件3 form kind). Filing numbers
# with digits, as on a 备案回执: an institution's internal cards carry the code derived from it
# (附件1 二), so the sample rosters export and import again unchanged.
DEMO_DAY_SESSIONS = (
    ("P1", "37000020240101", "theory"),
    ("M1", "10000020240107", "review"),
    ("A1", "37010020240201", "skill"),
    ("A2", "37010020240202", "skill"),
    ("B1", "37020020240301", "theory"),
)


DEMO_EMPLOYERS = ("某技师学院", "某职业学院", "某装备制造集团", "某行业协会", "某高级技工学校", "某职业培训中心")


def demo_batch(day: date, suffix: str) -> str:
    return f"DEMO-{day:%Y%m%d}-{suffix}"


def _demo_institutions(s: Session) -> dict[str, Institution]:
    """The sample institutions and their supervisors, created once; by filing number."""
    filings = [filing for _, filing, _ in DEMO_DAY_SESSIONS]
    found = {i.filing_number: i for i in s.exec(
        select(Institution).where(col(Institution.filing_number).in_(filings)))}
    if found:
        return found
    # a database loaded before the sample filing numbers changed already has the supervisors
    with_supervisors = s.exec(select(Supervisor).where(Supervisor.card_code == format_external("0", 2025, 1))).first() is None
    made = [
        add_institution(s, "山东省某技能人才评价中心", "37000020240101", authority="province"),
        add_institution(s, "某全国性社会培训评价组织山东分支", "10000020240107", authority="mohrss",
                        occupations=["养老护理员"]),
        add_institution(s, "济南某职业技能评价中心", "37010020240201", city="A"),
        add_institution(s, "济南某企业（自主评价）", "37010020240202", city="A", category="employer",
                        occupations=["焊工"]),
        add_institution(s, "青岛某职业培训学校", "37020020240301", city="B", occupations=["育婴员"]),
    ]
    if not with_supervisors:
        return {i.filing_number: i for i in made}
    names = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
    # each with an employer of their own: a special inspection's team takes no two from one
    # employer and cannot draw a supervisor whose employer is blank (regulation/special_inspection.py)
    for n in range(6):
        add_supervisor(s, f"{names[n]}督导", "0", n + 1, employer=f"山东省{DEMO_EMPLOYERS[n]}")
        add_supervisor(s, f"{names[n + 6]}督导", "A", n + 1, employer=f"济南{DEMO_EMPLOYERS[n]}")
    for n in range(4):
        add_supervisor(s, f"{names[n + 12]}督导", "B", n + 1, employer=f"青岛{DEMO_EMPLOYERS[n]}")
    return {i.filing_number: i for i in made}


def own_internal_supervisor(inst: Institution, batch: str) -> dict:
    """The institution's own internal supervisor, with a card of its own issuer code (第十二条,
    附件1 二: S for a social training organization, Y for an employer)."""
    category = "Y" if inst.category == "employer" else "S"
    issuer = internal_issuer_code(inst.filing_authority, inst.filing_number)
    code = format_internal(category, issuer, 2025, 1)
    person = {"name": "内督员丙", "card_code": code, "person_key": sample_identity("370311", inst.filing_number)}
    s = object_session(inst)
    if s is not None and s.exec(select(Supervisor.id).where(Supervisor.card_code == code)).first() is None:
        # the card the roster names exists, so the session's internal supervision starts assigned
        s.add(Supervisor(name=person["name"], person_key=person["person_key"], kind="internal", card_code=code,
                         issuer=category + issuer, employer=inst.name, email=f"{code.lower()}@internal.example.cn",
                         eligibility={n: True for n in "一二三四五"}, eligibility_attested_on=date(2025, 1, 1),
                         card_issued_on=date(2025, 1, 1), issuer_institution_id=inst.id, city_letter=inst.city_letter or "0"))
        s.flush()
    return person


def load_demo(s: Session, day: date) -> list[str]:
    """The sample province (once) and the sessions of `day` (once per day, whatever day was
    loaded before); returns that day's batch numbers. Running it again changes nothing."""
    add_agencies(s)
    institutions = _demo_institutions(s)
    batches = [demo_batch(day, suffix) for suffix, _, _ in DEMO_DAY_SESSIONS]
    existing = set(s.exec(select(EvaluationSession.batch_number).where(
        col(EvaluationSession.batch_number).in_(batches))))
    for (_, filing, kind), batch in zip(DEMO_DAY_SESSIONS, batches, strict=True):
        if batch not in existing:
            add_session(s, batch, institutions[filing], day, kind,
                        internal_supervisors=[own_internal_supervisor(institutions[filing], batch)])
    return batches
