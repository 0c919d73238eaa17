"""Backup under load → restore into a fresh directory → a service started on it carries the cases
to their end: a daily inspection waiting for its record, and one whose record arrives through
the portal while the backup runs. Nothing lost, nothing twice."""

import threading
from datetime import date
from uuid import uuid4

from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from models import InspectionRecord
from procedures.backups.restore import restore_backup
from procedures.backups.take import take_backup
from procedures.casework.audit_verify import verify
from tests.app_env import app_env
from tests.flows import harness as h
from tests.flows.world import (
    answers,
    case_for,
    decided_by,
    dispatch_named,
    make_world,
    outbox_for,
    portal_token,
)
from tests.portal_client import browser, post_fields, running_portal

DAY = date(2026, 11, 23)


def test_a_backup_taken_under_load_restores_and_its_cases_run_to_their_end_once(postgres_server, tmp_path):
    # A service of its own, as an agency's would be: the session's shared one carries every other
    # flow test's runs (legs held by test hooks, killed processes), which no real backup holds.
    with h.running_service(tmp_path / "original", postgres_server) as service, \
            running_portal(service.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"},
                           service.home / "portal.log", bad_token_limit="1000") as portal:
        service.portal = portal
        _backup_restore_and_continue(service, postgres_server, tmp_path)


def _backup_restore_and_continue(service, postgres_server, tmp_path):
    waiting, arriving = make_world("BKW", DAY), make_world("BKA", DAY)
    run_w, code_w = dispatch_named(waiting, str(DAY))
    run_a, code_a = dispatch_named(arriving, str(DAY))
    old_mail = service.mail_dir

    posted = []
    submit = threading.Thread(target=lambda: posted.append(post_fields(
        browser(), f"{service.portal.url}/l/{portal_token(old_mail, arriving['emails'][0])}",
        answers("theory", code_a, str(DAY), negatives=(3, 7)))))
    submit.start()  # the portal stores and hands it over while the backup copies
    taken = take_backup(tmp_path / "backups", prefect_url=service.server_args[1],
                        prefect_storage=service.home / "storage")
    submit.join()
    assert posted[0].status_code == 200 and "已收到" in posted[0].text
    assert taken.manifest["prefect"]["kind"] == "postgresql" and taken.manifest["database"]["alembic_revision"]

    new = tmp_path / "restored"
    prefect_db = postgres_server.create_database(f"prefect_restored_{uuid4().hex[:6]}")
    with app_env({"SUPERVISION_VAR_DIR": str(new / "var"), "PREFECT_SERVER_DATABASE_CONNECTION_URL": "",
                  "SUPERVISION_DATABASE_URL": f"sqlite:///{new / 'var' / 'supervision.db'}"}):
        restore_backup(taken.folder, prefect_url=prefect_db, prefect_storage=new / "prefect" / "storage")

    with h.running_service(new, postgres_server, restored_prefect_database=prefect_db) as svc, \
            running_portal(svc.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"}, svc.home / "portal.log",
                           bad_token_limit="1000") as portal:
        # The link mailed before the backup works on the restored service (its secret came along).
        page = post_fields(browser(), f"{portal.url}/l/{portal_token(old_mail, waiting['emails'][0])}",
                           answers("theory", code_w, str(DAY), negatives=(3, 7)))
        assert page.status_code == 200 and "已收到" in page.text, page.text[-1500:]
        # Under load the answer can reach the old portal after the backup copied the database: like
        # anything after a backup, it is not in it. The supervisor opens the link mailed before, as a
        # person would: it shows the receipt (the answer is in the backup) or the form, and then they
        # send it again. Either way the run reaches its end once (below).
        link = f"{portal.url}/l/{portal_token(old_mail, arriving['emails'][0])}"
        shown = browser().get(link)
        assert shown.status_code == 200 and ("已收到" in shown.text or "csrf_token" in shown.text), shown.text[-1500:]
        if "已收到" not in shown.text:
            page = post_fields(browser(), link, answers("theory", code_a, str(DAY), negatives=(3, 7)))
            assert page.status_code == 200 and "已收到" in page.text, page.text[-1500:]
        for run_id in (run_w, run_a):  # the arriving record reached its run before or after the copy
            h.resume(run_id, "decision-1", {"decision": "提醒函", "opinion": "请完善考场设施。", **decided_by(),
                                            "report_days": 20})
            h.wait_for(run_id, {StateType.COMPLETED}, timeout=90)

        for world in (waiting, arriving):
            case = case_for(world["batch"])
            with session_scope() as s:
                records = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).all()
            kinds = [m.recipient_kind for m in outbox_for(case.id)]
            assert case.status == "closed" and case.decision == "提醒函" and len(records) == 1
            with session_scope() as s:  # the restored audit chain holds, and covers the case to its end
                audit = verify(s, case_ref=f"inspection:{case.id}")
            assert audit.ok and audit.rows > 0, [str(p) for p in audit.problems[:3]]
            assert kinds.count("institution") == 1 and kinds[0] == "supervisor"  # one dispatch, one letter
            letters = [m for m in h.messages(svc.mail_dir) if world["institution_email"] in m["To"]]
            assert len(letters) == 1 and "提醒函" in letters[0]["Subject"]
            assert not [m for m in h.messages(svc.mail_dir)
                        if world["emails"][0] in m["To"] and m["Subject"].startswith("【督导派遣通知】")]
