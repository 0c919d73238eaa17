"""One special inspection lifecycle through the real service (Prefect server on PostgreSQL,
runner, SMTP catcher, the portal as its own process), against a bare Prefect flow with the same
suspends and resumes (10: self-report, 3 members' findings, the lead's draft, staff approval,
rebuttal, weighing, rectification report, review), alternating, ROUNDS times each.
Goal: ≤ 1.2× (issue 9)."""

import statistics
import tempfile
import time
from pathlib import Path

from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters import portal_tokens
from adapters.db import session_scope
from bench.flow_bench import in_run_seconds
from bench.serve import BARE_SUSPENDS
from bench.signals import stop_on_sigterm
from cli.demo_data import add_institution, add_supervisor
from deployments.serve import SPECIAL_INSPECTION
from models import InspectionCase, PortalLink, SpecialInspection, SpecialInspectionMember
from procedures.casework import staff
from tests.flows import harness as h
from tests.portal_client import browser, open_form, post, post_fields, running_portal
from tests.postgres_server import PostgresServer

ROUNDS = 3
DAY = "2026-12-01"
DONE = {StateType.COMPLETED}


def seed(n: int) -> tuple[list[str], str]:
    with session_scope() as s:
        filings = []
        for i in range(n):
            inst = add_institution(s, f"专项基准机构{i}", f"SB-{i}", city="E", email=f"sb-{i}@bench.example.cn")
            filings.append(inst.filing_number)
        for i, employer in enumerate(["甲", "乙", "丙", "丁", "戊"]):
            add_supervisor(s, f"专项基准督导{i}", "E", 900 + i, employer=employer, email=f"sb-sup-{i}@bench.example.cn")
        _, code = staff.add(s, "CITY-E", "基准经办", "经办")
    return filings, code


def _submit(portal_url: str, case_id: int, step: str, text: str | dict) -> None:
    """A statement, or (a dict) the fields of a form such as the member findings."""
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == case_id,
                                                       PortalLink.case_kind == "special_inspection",
                                                       PortalLink.step_key == step)).one()
    client, url = browser(), f"{portal_url}/l/{portal_tokens.token_for(key)}"
    page = post_fields(client, url, text) if isinstance(text, dict) else post(client, url, open_form(client, url), text)
    assert "已收到" in page.text


def special_lifecycle(portal_url: str, filing: str, code: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    run = h.start(SPECIAL_INSPECTION, {"institution": filing, "origin": "主动开展", "matters": ["第十四条（三）制度建设"],
                                       "planned_start": "2026-12-01", "planned_end": "2026-12-02", "as_of": DAY})
    h.wait_for_form(run, "self-report")
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == str(run))).one()
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
        members = [m.id for m in s.exec(select(SpecialInspectionMember).where(
            SpecialInspectionMember.special_id == si.id).order_by(SpecialInspectionMember.is_lead.desc(),
                                                                   SpecialInspectionMember.position))]
    _submit(portal_url, case.id, "self-report", "自评报告")
    for m in members:
        h.wait_for_form(run, f"findings-{m}-1")
        _submit(portal_url, case.id, f"findings-{m}-1",
                {"rating_3": "基本符合", "facts_3": "制度基本健全", "evidence_3": "查阅制度文件"})
    h.wait_for_form(run, "consolidation-1")
    _submit(portal_url, case.id, "consolidation-1", {"hearing": "机构无异议"})
    h.resume(run, "approval-1-1", {"decision": "批准初步督导意见", "staff_code": code})
    h.wait_for_form(run, "rebuttal")
    _submit(portal_url, case.id, "rebuttal", "1. 制度已修订")
    h.resume(run, "weighing-1", {"point_1": "采纳", "requirements": "完善制度", "report_days": 5, "staff_code": code})
    h.wait_for_form(run, "report-1")
    _submit(portal_url, case.id, "report-1", "整改工作报告")
    h.resume(run, "review-1-1", {"outcome": "通过，结案", "staff_code": code})
    h.wait_for(run, DONE)
    return time.perf_counter() - t0, in_run_seconds(run)


KEYS = ["self-report", "findings-1", "findings-2", "findings-3", "consolidation", "approval", "rebuttal",
        "weighing", "report", "review"]


def bare_lifecycle() -> tuple[float, float]:
    t0 = time.perf_counter()
    run = h.start(BARE_SUSPENDS, {"keys": KEYS})
    for key in KEYS:
        h.resume(run, key, {"ok": "x"})
    h.wait_for(run, DONE)
    return time.perf_counter() - t0, in_run_seconds(run)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="special-bench-"))
    stop_on_sigterm()
    pg = PostgresServer()
    try:
        pg.start()  # inside: a signal during the start still stops what started
        with h.running_service(root, pg, "bench.serve", (BARE_SUSPENDS,)) as svc:
            env = svc.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"}
            with running_portal(env, root / "portal.log") as portal:
                filings, code = seed(ROUNDS + 1)
                special_lifecycle(portal.url, filings[-1], code)  # warm-up
                bare_lifecycle()
                special, bare = [], []
                for i in range(ROUNDS):
                    special.append(special_lifecycle(portal.url, filings[i], code))
                    bare.append(bare_lifecycle())
            s, b = statistics.median(x[0] for x in special), statistics.median(x[0] for x in bare)
            si, bi = statistics.median(x[1] for x in special), statistics.median(x[1] for x in bare)
            print("== special inspection lifecycle vs bare flow (10 suspends + 10 resumes each, real server) ==")
            print(f"  wall clock, start → completed    special {s:.2f} s, bare {b:.2f} s: ratio {s / b:.2f}x "
                  "(goal ≤ 1.2x)")
            print(f"  inside the run's 11 legs         special {si:.2f} s, bare {bi:.2f} s: ratio {si / bi:.2f}x")
            print(f"  (medians of {ROUNDS}; special {', '.join(f'{x[0]:.2f}/{x[1]:.2f}' for x in special)}; "
                  f"bare {', '.join(f'{x[0]:.2f}/{x[1]:.2f}' for x in bare)}; 7 of the 10 special resumes go "
                  "through the portal)")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
