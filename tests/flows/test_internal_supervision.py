"""Internal supervision (内督, 第十六条) end to end, through the real service: the deadline sweep's
deployment asks the institution's contact, the contact assigns its own carded supervisor in the
portal, the supervisor files the 附件3 record on a phone (a real browser), the 不合格 record's
follow-up comes with evidence, the runner is killed and started again between two sweeps, and
every session has its record or a report to the agency naming it — once. Then the agency reads
the coverage in the `internal-supervision-report` deployment, signed with a staff code."""

import time
from datetime import date
from pathlib import Path

from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from cli.demo_data import add_institution, add_session
from models import Institution, InternalRecord, InternalSession, PortalFile, Supervisor
from procedures.supervisors import cards, people
from regulation.checklists import load_checklist
from regulation.identity import make_number
from tests.flows import harness as h
from tests.flows.world import LINK, staff_code
from tests.portal_client import browser, png_bytes, post_fields

SWEEP = "deadline-sweep/deadline-sweep"
REPORT = "internal-supervision-report/internal-supervision-report"
SHOTS = Path("/tmp/internal-screenshots")
CONTACT = "neidu@e2e-school.example.cn"
SESSION_DAY = date(2026, 12, 4)  # a Friday: its record is due Tuesday 12-08 (第十七条)


def setup_world() -> dict:
    on = date(2026, 3, 2)
    with session_scope() as s:
        inst = add_institution(s, "济南内督示范培训学校", "37010020249901", category="social_org",
                               internal_contact_name="李联系", internal_contact_email=CONTACT)
        reg = people.register(s, person_key=make_number("370102", date(1986, 5, 6), 77), name="赵内督",
                              email="zhao@e2e-school.example.cn", on=on, kind="internal",
                              attestations={n: True for n in "一二三四五"})
        people.record_assessment(s, reg.person_key, "training", on, True)
        people.record_assessment(s, reg.person_key, "assessment", on, True)
        sup = cards.issue_internal_card(s, reg.id, "S", inst.id, on)
        recorded = add_session(s, "E2E-NEIDU-1", inst, SESSION_DAY, internal_supervisors=[])
        ignored = add_session(s, "E2E-NEIDU-2", inst, SESSION_DAY, internal_supervisors=[], site="第二考点")
        return {"inst": inst.id, "sup": sup.id, "card": sup.card_code, "email": sup.email,
                "sessions": [recorded.id, ignored.id]}


def sweep(as_of: str) -> None:
    run_id = h.start(SWEEP, {"as_of": as_of})
    h.wait_for(run_id, {StateType.COMPLETED}, timeout=300)


def link_to(service, address: str, subject_part: str, timeout: float = 60) -> str:
    """The portal link of the newest mail to `address` whose subject has `subject_part` (the
    portal's mail round sends it right after the submit that wrote it)."""
    deadline = time.monotonic() + timeout
    while True:
        for m in reversed(h.messages(service.mail_dir)):
            if address in m["To"] and subject_part in str(m["Subject"]):
                found = LINK.search(m.get_body(("plain",)).get_content())
                if found:
                    return f"{service.portal.url}/l/{found.group(1)}"
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} about {subject_part}")
        time.sleep(0.3)


def subjects(service, part: str, to: str = CONTACT) -> list[str]:
    """This test's mails only: the service is shared with the other flow tests, whose sweeps write too."""
    return [str(m["Subject"]) for m in h.messages(service.mail_dir) if part in str(m["Subject"]) and to in m["To"]]


def ours(service, part: str) -> list:
    """Agency mails (shared by every test's sessions) that name this test's sessions."""
    return [m for m in h.messages(service.mail_dir) if part in str(m["Subject"])
            and "E2E-NEIDU-" in m.get_body(("plain",)).get_content()]


def record_on_a_phone(url: str, card: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    checklist = load_checklist("theory")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--lang=zh-CN"])
        try:
            page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                     is_mobile=True, has_touch=True, locale="zh-CN")
            page.goto(url)
            assert "内督" in page.locator(".hint").first.inner_text()
            assert page.locator("#card_code").count() == 1 and page.locator("#assignment_code").count() == 0
            page.screenshot(path=str(SHOTS / "1-record-form.png"), full_page=False)
            page.fill("#card_code", "S000000260001")  # not theirs: refused, nothing stored
            page.fill("#inspection_ended_on", str(SESSION_DAY))
            page.check("input[name=methods][value=现场督导]")
            for v in checklist.veto_items:
                page.check(f"input[name=veto_{v.no}][value={'是' if v.no == 1 else '否'}]")
            for i in checklist.items:
                page.check(f"input[name=item_{i.no:02d}][value=是]")
            page.fill("#overall_evaluation", "考场有替考情形，<b>已当场制止</b>。")
            page.check("input[name=supervisor_verdict][value=不合格]")
            page.click("button[type=submit]")
            assert "内督证卡编号" in page.locator(".errors").inner_text()
            page.screenshot(path=str(SHOTS / "2-refused.png"), full_page=False)
            page.fill("#card_code", card)
            page.click("button[type=submit]")
            page.wait_for_selector("text=已收到")
            page.screenshot(path=str(SHOTS / "3-receipt.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        finally:
            chromium.close()


def test_internal_supervision_from_assignment_to_coverage_across_a_restart(service):
    w = setup_world()
    sweep("2026-11-30")  # 5 working days before: both sessions ask the contact
    assert len(subjects(service, "安排内督员")) == 2

    # The contact assigns the first session's supervisor in the portal (the second stays unassigned).
    with session_scope() as s:
        first = s.exec(select(InternalSession).where(InternalSession.session_id == w["sessions"][0])).one()
    token_url = None
    for m in h.messages(service.mail_dir):
        if CONTACT in m["To"] and "E2E-NEIDU-1" in str(m["Subject"]):
            token_url = f"{service.portal.url}/l/{LINK.search(m.get_body(('plain',)).get_content()).group(1)}"
    page = post_fields(browser(), token_url, {"recorder": w["sup"], "signed_by": "李联系"})
    assert page.status_code == 200 and "已收到" in page.text, page.text[-1500:]
    with session_scope() as s:
        assert s.get(InternalSession, first.id).status == "assigned"

    # The internal supervisor files a 不合格 record (veto item 1) on a phone.
    record_on_a_phone(link_to(service, w["email"], "内督日常督导情况记录表"), w["card"])
    with session_scope() as s:
        rec = s.exec(select(InternalRecord).where(InternalRecord.session_id == w["sessions"][0])).one()
        assert rec.verdict == "不合格" and rec.veto_hits == [1] and rec.followup_due is not None
    deadline = time.monotonic() + 60
    while not any("评定不合格" in x for x in subjects(service, "【内督记录表】")):
        assert time.monotonic() < deadline, "the contact never got the record's result"
        time.sleep(0.3)

    # The contact follows up with evidence.
    page = post_fields(browser(), link_to(service, CONTACT, "内督不合格的整改说明"),
                       {"measures": "已对替考情形报告公安机关，并更换全部监考人员。"},
                       files=[("files", "整改照片.png", png_bytes(32, 24))])
    assert page.status_code == 200 and "已收到" in page.text, page.text[-1500:]
    with session_scope() as s:
        rec = s.get(InternalRecord, rec.id)
        assert rec.followup_on is not None and rec.followup_submission_id is not None
        assert len(s.exec(select(PortalFile).where(PortalFile.submission_id == rec.followup_submission_id)).all()) == 1

    # The start day: the unassigned session is reported. Then the runner dies and starts again.
    sweep("2026-12-04")
    service.kill_runner()
    service.start_runner()
    sweep("2026-12-09")  # the day after the due day: the record is missing
    sweep("2026-12-09")  # twice on one day: nothing twice
    (unassigned,) = ours(service, "【内督未安排】")
    assert "E2E-NEIDU-2" in unassigned.get_body(("plain",)).get_content()
    (missing,) = ours(service, "【内督记录缺失】")
    assert "E2E-NEIDU-2" in missing.get_body(("plain",)).get_content()
    with session_scope() as s:
        rows = s.exec(select(InternalSession).where(InternalSession.institution_id == w["inst"])).all()
        assert all(r.status == "recorded" or r.missing_reported_on for r in rows) and len(rows) == 2

    # The agency reads the coverage, signed with a staff code.
    run_id = h.start(REPORT, {"agency_id": "CITY-A", "period_start": "2026-12-01", "period_end": "2026-12-31"})
    h.resume(run_id, "staff-code-1", {"staff_code": staff_code("内督科", "CITY-A")})
    h.wait_for(run_id, {StateType.COMPLETED}, timeout=300)
    report = h.artifact(run_id, "internal-supervision-report")
    assert "济南内督示范培训学校" in report
    with session_scope() as s:
        assert s.get(Institution, w["inst"]).internal_contact[1] == CONTACT
        assert s.get(Supervisor, w["sup"]).card_status == "valid"
