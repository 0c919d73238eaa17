"""The thresholds the daily sweep watches, each opening its sanction case exactly once (by key):
第二十三条（十） the third 不合格 session of a calendar year; 第二十二条（四） / 第二十三条（七） no
evaluation for 1 / 2 years (counted from the last evaluation, else the filing date). Thresholds
reached on a day the sweep did not run are caught up within `sweep_catchup_days`."""

from datetime import date, timedelta

from sqlalchemy import String, func
from sqlmodel import Session, col, select

from adapters.settings import get_settings
from models import Agency, InspectionCase, InspectionRecord, Institution
from procedures.casework.pending import third_fail_key
from procedures.sanctions.sweep_common import SanctionSweep, _chunks, _insert_cases, _new_case
from regulation import sanctions as ladder
from regulation.deadlines import add_calendar_months


def _third_fail(s: Session, as_of: date, summary: SanctionSweep) -> None:
    """Institutions with a 不合格 confirmed in the catch-up window; counted per session per year."""
    since = max(as_of - timedelta(days=get_settings().sweep_catchup_days), date(as_of.year, 1, 1))
    recent = (select(InspectionCase.institution_id)
              .join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
              .where(InspectionRecord.verdict == "不合格", InspectionRecord.confirmed_on >= since,
                     InspectionRecord.confirmed_on <= as_of))
    per_session = (select(InspectionCase.institution_id, InspectionCase.session_id,
                          func.min(InspectionRecord.confirmed_on).label("first_on"))
                   .join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
                   .where(col(InspectionCase.institution_id).in_(recent), InspectionRecord.verdict == "不合格",
                          InspectionRecord.confirmed_on >= date(as_of.year, 1, 1),
                          InspectionRecord.confirmed_on <= as_of, col(InspectionCase.session_id).is_not(None))
                   .group_by(InspectionCase.institution_id, InspectionCase.session_id)).subquery()
    rows = s.exec(select(per_session.c.institution_id, func.count(), func.group_concat(per_session.c.first_on))
                  .group_by(per_session.c.institution_id).having(func.count() >= 3)).all() \
        if s.get_bind().dialect.name == "sqlite" else \
        s.exec(select(per_session.c.institution_id, func.count(), func.string_agg(
            func.cast(per_session.c.first_on, String), ","))
            .group_by(per_session.c.institution_id).having(func.count() >= 3)).all()
    if not rows:
        return
    insts = {i.id: i for i in _institutions(s, [r[0] for r in rows])}
    agencies = _agencies(s)
    new = []
    for inst_id, n, dates in rows:
        third = sorted(dates.split(","))[2]
        inst = insts[inst_id]
        new.append(_new_case(third_fail_key(inst_id, as_of.year), inst_id,
                             _acting(agencies, inst.filing_authority, inst.city_letter), "fail",
                             f"{as_of.year}年度外督总体评价结果已出现{n}场次“不合格”", date.fromisoformat(third), "sweep"))
    _insert_cases(s, new, summary)


def _inactivity(s: Session, as_of: date, summary: SanctionSweep) -> None:
    catchup = get_settings().sweep_catchup_days
    agencies = _agencies(s)
    for months, case_key, label in ladder.INACTIVITY_THRESHOLDS:
        cutoff = add_calendar_months(as_of, -months)  # evaluated last on or before this day: reached
        lo = cutoff - timedelta(days=catchup)
        columns = (Institution.id, Institution.last_evaluation_on, Institution.filed_on, Institution.filing_authority,
                   Institution.city_letter)
        rows = [*s.exec(select(*columns).where(Institution.status != "revoked", Institution.last_evaluation_on >= lo,
                                               Institution.last_evaluation_on <= cutoff)).all(),
                *s.exec(select(*columns).where(Institution.status != "revoked",
                                               col(Institution.last_evaluation_on).is_(None),
                                               Institution.filed_on >= lo, Institution.filed_on <= cutoff)).all()]
        new = []
        for inst_id, last, filed, authority, city in rows:
            since = last or filed
            new.append(_new_case(f"inactive-{months // 12}y:{inst_id}:{since}", inst_id,
                                 _acting(agencies, authority, city), case_key,
                                 f"自{since}起{label}未开展评价活动（正当理由由委派机构核实）", as_of, "sweep"))
        _insert_cases(s, new, summary)


def _institutions(s: Session, ids: list[int]) -> list[Institution]:
    found = []
    for part in _chunks(ids):
        found += s.exec(select(Institution).where(col(Institution.id).in_(part))).all()
    return found


def _agencies(s: Session) -> set[str]:
    return set(s.exec(select(Agency.id)).all())


def _acting(agencies: set[str], filing_authority: str, city_letter: str | None) -> str:
    """第十一条 属地管理, as proposal.acting_agency (without a query per row)."""
    city = f"CITY-{city_letter}"
    return city if filing_authority == "city" and city in agencies else "PROV"
