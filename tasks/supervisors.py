"""Tasks of the supervisor lifecycle and roster import (thin wrappers around procedures)."""

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

PERSISTED = dict(persist_result=True, retries=2, retry_delay_seconds=2)


@task(name="sweep-supervisors", cache_policy=NO_CACHE)
def sweep_supervisors(as_of: date) -> str:
    from procedures.supervisors.sweep import daily_supervisor_sweep

    return daily_supervisor_sweep(as_of)


@task(name="import-roster", cache_policy=NO_CACHE)
def import_roster(path: str, dry_run: bool) -> tuple[bool, str]:
    """(accepted, report markdown); a rejected file is a report, not a failed task."""
    from pathlib import Path

    from adapters.db import upgrade
    from procedures.rosters.importing import RosterRejected
    from procedures.rosters.importing import import_roster as run

    upgrade()
    try:
        return True, run(Path(path), dry_run=dry_run).markdown()
    except RosterRejected as exc:
        return False, exc.report.markdown()


@task(name="issue-card", **PERSISTED)
def issue_card(registration_id: int, agency_id: str, on: date) -> str:
    from adapters.db import session_scope
    from procedures.supervisors.cards import issue_card as run

    with session_scope() as s:
        return run(s, registration_id, agency_id, on).card_code


@task(name="draw-appointments", **PERSISTED)
def draw_appointments(agency_id: str, k: int, term_start: date, seed: str, on: date) -> list[str]:
    from adapters.db import session_scope
    from procedures.supervisors.terms import draw_appointments as run

    with session_scope() as s:
        result = run(s, agency_id, k, term_start, seed, on)
        return [f"{code}：聘书 {doc.number}" for code, doc in zip(result.draw.chosen, result.documents, strict=True)]


@task(name="new-seed", persist_result=True)
def new_seed() -> str:
    """A draw's seed comes from a persisted task, never from the flow body (replay)."""
    import secrets

    return secrets.token_hex(16)


@task(name="deliver-mail", cache_policy=NO_CACHE)
def deliver_mail() -> dict:
    """Send what is pending (the 聘书 mails); an SMTP outage leaves it for the sweep."""
    from adapters import mailer

    report = mailer.deliver_pending()
    return {"sent": len(report.sent), "pending": len(report.pending)}


@task(name="open-misconduct-case", persist_result=True)  # a refusal is an answer: no retries
def open_misconduct_case(card_code: str, item: int, facts: str, registered_by: str, on: date, key: str,
                         staff_id: int | None = None, proposed: str = "", case_id: int | None = None,
                         months: int | None = None, institution_id: int | None = None) -> dict:
    """Open the case (or take the one `case_id` names, e.g. opened by the deadline sweep) and, in
    the same transaction, send the 告知书 naming the proposed measure (an external supervisor) or
    the 处理建议 to the body that appointed them (an internal one)."""
    from sqlmodel import select

    from adapters.db import session_scope
    from models import Supervisor
    from models.lifecycle import MisconductCase
    from procedures.supervisors import misconduct, misconduct_hearing, misconduct_internal
    from regulation.misconduct import agency_decides, proposed_text
    from regulation.reasons import RuleViolation

    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == card_code.strip().upper())).first()
        if sup is None:
            raise RuleViolation(f"系统中没有证卡编码为 {card_code} 的督导员", "第二十六条")
        if case_id is not None:
            case = s.get(MisconductCase, case_id)
            if case is None or case.supervisor_id != sup.id:
                raise RuleViolation(f"案件编号：没有证卡 {sup.card_code} 的编号为 {case_id} 的违规案件", "第二十六条")
        else:
            case = misconduct.open_case(s, sup.id, item, facts, on, registered_by, key, opened_by_staff_id=staff_id)
        if not agency_decides(sup.kind):
            case = misconduct_internal.propose_to_appointing_body(s, case.id, on, proposed, institution_id, months)
            return {"case_id": case.id, "statement_due": "", "supervisor": sup.name,
                    "proposed": proposed_text(proposed, case.proposed_months, to_body=True),
                    "appointing_body": case.appointing_body}
        case = misconduct_hearing.notify_hearing(s, case.id, on, proposed, months)
        return {"case_id": case.id, "statement_due": str(case.statement_due), "supervisor": sup.name,
                "proposed": proposed_text(proposed, case.proposed_months), "appointing_body": ""}


@task(name="decide-misconduct-case", persist_result=True)
def decide_misconduct_case(case_id: int, measure: str, decided_by: str, months: int | None, on: date,
                           staff_id: int | None = None, referral_authority: str = "") -> str:
    """The decision; the supervisor's statement is whatever their own portal link stored, never
    anything typed here."""
    from adapters.db import session_scope
    from procedures.supervisors import misconduct

    with session_scope() as s:
        return misconduct.decide(s, case_id, measure, on, decided_by, months, staff_id,
                                 referral_authority).decision_text


def misconduct_decider(code: str, card_code: str | None = None, case_id: int | None = None):
    """A read, not a side effect: the staff member a code signs for (Decider), or why not (str)."""
    from adapters.db import session_scope
    from procedures.supervisors import misconduct

    with session_scope() as s:
        return misconduct.decider_for(s, code, card_code=card_code, case_id=case_id)


def recall_signer(value: str, run_id: str, key: str):
    """A read: the staff member whose signature (not a code) Prefect kept for this run and pause key."""
    from adapters.db import session_scope
    from procedures.casework import staff

    with session_scope() as s:
        return staff.recall(s, value, run_id, key)


def signature(staff_id: int, run_id: str, key: str) -> str:
    from procedures.casework import staff

    return staff.signature(staff_id, run_id, key)

