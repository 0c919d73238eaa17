"""Per-test data in the shared service database: unique institutions, supervisors, sessions."""

import itertools
import re
import time
from datetime import date

from sqlmodel import select

from adapters.db import session_scope
from adapters.settings import get_settings
from cli.demo_data import add_institution, add_session, add_supervisor
from models import Dispatch, InspectionCase, OutboxMessage
from regulation.checklists import load_checklist
from regulation.scoring import score

_serials = itertools.count(100)
_staff_codes: dict[tuple[str, str], str] = {}  # (agency, name) → the code `supervise staff add` printed


def staff_code(name: str = "王科长", agency_id: str = "CITY-A", role: str = "经办", active: bool = True) -> str:
    """A staff account of `agency_id` (created once per service database and kept with its code):
    what a decision form's staff-code field takes. `active=False`: the account is disabled."""
    from procedures.casework import staff

    key = (agency_id, name)
    with session_scope() as s:
        from models import AgencyStaff

        row = s.exec(select(AgencyStaff).where(AgencyStaff.agency_id == agency_id, AgencyStaff.name == name)).first()
        cached = _staff_codes.get(key)
        # Another test may have re-issued this person's code (staff.add re-keys): then issue again.
        still_valid = cached is not None and row is not None and row.active and row.role == role and \
            isinstance(staff.verify(s, agency_id, cached), staff.Decider)
        if not still_valid:
            _, _staff_codes[key] = staff.add(s, agency_id, name, role)  # (re-)issued, active
        if not active:
            staff.disable(s, agency_id, name)
    return _staff_codes[key]


def decided_by(name: str = "王科长", agency_id: str = "CITY-A") -> dict:
    """The staff-code answer of a decision form, signed by that staff member."""
    return {"staff_code": staff_code(name, agency_id)}


def make_world(tag: str, day: date, form_kind="theory", supervisors=3, status="active", term_start=date(2025, 1, 1),
               **session_kw) -> dict:
    """An institution in 济南 (city A) with its own supervisors and one session on `day`."""
    with session_scope() as s:
        inst = add_institution(s, f"测试机构{tag}", f"T-{tag}", city="A", status=status,
                               email=f"inst-{tag.lower()}@institution.example.cn")
        sups = [add_supervisor(s, f"督导{tag}{n}", "A", next(_serials), year=2024, term_start=term_start,
                               email=f"sup-{tag.lower()}-{n}@supervisor.example.cn") for n in range(supervisors)]
        sess = add_session(s, f"PC-{tag}", inst, day, form_kind, **session_kw)
        return {"institution_id": inst.id, "institution_email": inst.contact_email, "batch": sess.batch_number,
                "cards": [x.card_code for x in sups], "emails": [x.email for x in sups],
                "mail_dir": get_settings().resolved_mail_dir()}


def dispatch_named(world: dict, as_of: str, supervisor: int | tuple = 0) -> tuple:
    """Start a daily inspection naming one (or several) of the world's supervisors; wait for the
    record form; return the run id and the assignment code(s) from their dispatch mail."""
    from deployments.serve import DAILY_INSPECTION
    from tests.flows import harness as h

    chosen = supervisor if isinstance(supervisor, tuple) else (supervisor,)
    run_id = h.start(DAILY_INSPECTION, {"batch_number": world["batch"], "as_of": as_of,
                                        "supervisor_cards": [world["cards"][n] for n in chosen]})
    h.wait_for_form(run_id, "record-1")
    codes = []
    for n in chosen:
        address = world["emails"][n]
        notices = [m for m in h.messages(world["mail_dir"]) if address in m["To"]]
        codes.append(h.assignment_code(notices[0]))
    return (run_id, codes[0]) if len(chosen) == 1 else (run_id, codes)


def answers(form_kind: str, code: str, ended: str, negatives=(), vetoes=(), **extra) -> dict:
    cl = load_checklist(form_kind)
    a = {"assignment_code": code, "inspection_ended_on": ended, "methods": ["现场督导"],
         "overall_evaluation": "考场组织基本规范。"}
    a |= {f"veto_{v.no}": ("是" if v.no in vetoes else "否") for v in cl.veto_items}
    a |= {f"item_{i.no:02d}": ("否" if i.no in negatives else "是") for i in cl.items}
    a |= {f"remark_{n:02d}": "现场发现问题" for n in negatives}
    verdict = score(cl, {v.no: a[f"veto_{v.no}"] for v in cl.veto_items},
                    {i.no: a[f"item_{i.no:02d}"] for i in cl.items}).verdict
    return a | {"supervisor_verdict": verdict} | extra


def case_for(batch: str) -> InspectionCase:
    with session_scope() as s:
        return s.exec(select(InspectionCase).where(InspectionCase.batch_number == batch)).one()


def outbox_for(case_id: int) -> list[OutboxMessage]:
    with session_scope() as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)))


def dispatches_for(case_id: int) -> list[Dispatch]:
    with session_scope() as s:
        return list(s.exec(select(Dispatch).where(Dispatch.case_id == case_id)))


LINK = re.compile(r"/l/([A-Za-z0-9_-]{43})")


def portal_token(mail_dir, address: str, timeout: float = 60) -> str:
    """The newest portal link mailed to `address` (a dispatch notice, a new link after a refusal,
    a confirmation request)."""
    from tests.flows import harness as h

    deadline = time.monotonic() + timeout
    while True:
        for m in reversed([m for m in h.messages(mail_dir) if address in m["To"]]):
            found = LINK.search(m.get_body(("plain",)).get_content())
            if found:
                return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no portal link mailed to {address}")
        time.sleep(0.3)


def through_portal(service, address: str, fields: dict, files=()):
    """Post a form through the service's portal (a real uvicorn) at the newest link mailed to
    `address`, as a browser would; the portal resumes the run."""
    from tests.portal_client import browser, post_fields

    token = portal_token(service.mail_dir, address)
    return post_fields(browser(), f"{service.portal.url}/l/{token}", fields, files)


def record_through_portal(service, world: dict, fields: dict, supervisor: int = 0) -> None:
    page = through_portal(service, world["emails"][supervisor], fields)
    assert page.status_code == 200 and "已收到" in page.text, page.text[-2000:]


def record_in_process(mail_dir, address: str, fields: dict, timeout: float = 120) -> None:
    """File a record through the portal's own procedures in this process (no portal running:
    the benchmarks' services), then resume the run as the portal would, retrying until it takes."""
    from procedures.portal import forms as portal_forms
    from procedures.portal import resumes as portal_resumes
    from procedures.portal import submissions as portal_submissions

    token = portal_token(mail_dir, address)
    posted = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
    result = portal_submissions.submit_form(token, portal_forms.forms()["record_form"], posted, [])
    assert result.status in ("stored", "again"), result.errors
    deadline = time.monotonic() + timeout
    while portal_resumes.resume_one(result.receipt.submission_id) != "resumed":
        if time.monotonic() > deadline:
            raise AssertionError("the run never took the record")
        time.sleep(0.3)
