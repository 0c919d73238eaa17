"""Step 2 of the daily inspection — the dispatch (第十条, 第十一条, 第十三条, 第十五条(一)1): draw
the supervisors at random from the agency's pool (or check the ones staff named), store the
draw and the dispatches, give each supervisor a one-time assignment code, and queue the
dispatch notice with the session's brief (外督员提前了解当次评价活动的总体情况), the record's due
date (第十七条) and the supervisor's record link (procedures.daily.links).
"""

import hmac
import secrets

from sqlmodel import Session, col, select

from adapters import assignment_codes, clock
from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.templates import render_email
from models import (
    Agency,
    Dispatch,
    Draw,
    EvaluationSession,
    InspectionCase,
    Institution,
    Supervisor,
)
from procedures.casework import dispatching, unknown_dues
from procedures.casework.case_reads import _view
from procedures.casework.cases import add_event
from procedures.casework.views import CaseView
from procedures.daily.links import record_link
from procedures.daily.opening import refuse
from regulation.cards import canonical_card_code
from regulation.checklists import FORM_NAMES
from regulation.dispatch import DispatchPool, check_named
from regulation.reasons import RuleViolation


def dispatch(case_id: int, cards: list[str] | None, k: int) -> CaseView:
    """Draw (or check the named) supervisors, store draw + dispatches, queue the notices. Once."""
    try:
        with session_scope() as s:
            case = s.get(InspectionCase, case_id)
            if case.status != "dispatching":
                return _view(s, case)
            _dispatch(s, case, cards, k)
            return _view(s, case)
    except RuleViolation as exc:
        with session_scope() as s:
            case = s.get(InspectionCase, case_id)
            refuse(s, case, f"无法委派：{exc}")
            return _view(s, case)


def _dispatch(s: Session, case: InspectionCase, cards: list[str] | None, k: int) -> None:
    sess = s.get(EvaluationSession, case.session_id)
    inst = s.get(Institution, case.institution_id)
    agency = s.get(Agency, case.agency_id)
    facts = dispatching.agency_facts(s, agency)
    people = dispatching.session_people(sess, case.opened_on)
    hist = dispatching.history(s, inst.id, case.opened_on)
    conflicts = dispatching.declared_conflicts(s, inst.id)
    draw_id = None
    if not 1 <= k <= 9:
        raise RuleViolation(f"随机抽取人数：应为1至9人，实际为 {k}", "第十条")
    if cards:
        wanted = list(dict.fromkeys(canonical_card_code(c) for c in cards if c.strip()))
        found = {sup.card_code: sup for sup in s.exec(select(Supervisor).where(col(Supervisor.card_code).in_(wanted)))}
        problems = [f"{c}：无此督导员" for c in wanted if c not in found]
        for code in wanted:
            if code in found:
                (sf,) = dispatching.supervisor_facts(s, [found[code]])
                problems += [f"{code}：{r}" for r in check_named(facts, dispatching.institution_facts(inst), sf,
                                                                 people, conflicts, hist)]
        if problems:
            raise RuleViolation("；".join(problems), "第十一条、第十三条")
        chosen = [found[c] for c in wanted]
    else:
        pool = DispatchPool(facts, dispatching.supervisor_facts(s, dispatching.issuer_pool(s, facts)), case.opened_on)
        result = pool.draw(dispatching.institution_facts(inst), people, k, secrets.token_hex(16), conflicts, hist)
        draw = Draw(session_id=sess.id, agency_id=agency.id, drawn_on=case.opened_on, seed=result.seed, k=k,
                    candidates=list(result.candidates), candidates_hash=result.candidates_hash,
                    chosen=list(result.chosen))
        s.add(draw)
        s.flush()
        draw_id = draw.id
        by_id = {str(sup.id): sup for sup in s.exec(select(Supervisor).where(
            col(Supervisor.id).in_([int(i) for i in result.chosen_ids])))}
        chosen = [by_id[i] for i in result.chosen_ids]
        add_event(s, case.id, "draw", case.opened_on,
                  f"随机抽取：候选 {len(result.candidates)} 人，抽取 {k} 人，种子 {result.seed}")
    brief = _brief(sess, inst, len(chosen))
    # 期限待定: the words the other procedures use (no administrator's command text to outsiders)
    due = str(case.record_due) if case.record_due else unknown_dues.words(None, case.record_due_reason)
    for sup in chosen:
        d = Dispatch(session_id=sess.id, supervisor_id=sup.id, agency_id=agency.id, institution_id=inst.id,
                     draw_id=draw_id, dispatched_on=case.opened_on, case_id=case.id)
        s.add(d)
        s.flush()
        code = assignment_codes.code_for(d.id)
        d.assignment_code_hash = assignment_codes.code_hash(code)
        link = record_link(s, case, agency, d, sup, 0)
        subject, text, html = render_email(
            "dispatch_notice", supervisor_name=sup.name, agency_name=agency.letterhead_name, brief=brief,
            assignment_code=code, record_due=due, form_url=link.url, drawn=draw_id is not None,
            several=len(chosen) > 1)
        enqueue(s, f"dispatch-notice:{d.id}", sup.email, "supervisor", subject, text, html, case.id)
        add_event(s, case.id, f"dispatch-{sup.id}", case.opened_on, f"委派外督员 {sup.name}（{sup.card_code}），已发派遣通知")
    case.status = "awaiting_record"
    s.add(case)


def _brief(sess: EvaluationSession, inst: Institution, supervisor_count: int) -> dict:
    fmt = "%Y-%m-%d %H:%M"
    return {
        "institution": inst.name, "batch_number": sess.batch_number, "site": sess.site,
        "occupation": sess.occupation, "level": sess.level, "form_name": FORM_NAMES[sess.form_kind],
        "candidate_count": sess.candidate_count,
        "starts_at": sess.starts_at.astimezone(clock.tz()).strftime(fmt),
        "ends_at": sess.ends_at.astimezone(clock.tz()).strftime(fmt),
        "examiners": [e["name"] for e in sess.examiners], "supervisor_count": supervisor_count,
        "internal_supervisors": [f"{i['name']}（{i.get('card_code', '')}）" for i in sess.internal_supervisors],
    }


def dispatch_by_code(s: Session, case: InspectionCase, code: str) -> Dispatch | None:
    """The case's dispatch whose one-time assignment code this is (compared in constant time), or None."""
    given = assignment_codes.code_hash(code.strip())
    return next((d for d in s.exec(select(Dispatch).where(Dispatch.case_id == case.id))
                 if hmac.compare_digest(given, d.assignment_code_hash)), None)
