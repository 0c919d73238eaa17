"""The staff decision after the hearing (第二十五条): adopt, change or drop the proposed measure,
a reason for each defence point not accepted; a change the last 告知书 did not state reopens the
hearing (changes.reopen_hearing); a change also decides again whether the acting agency only
reports to the filing authority (第二十条–第二十三条、第二十七条), and whether 第二十七条's discipline
proposal goes with a revocation."""

from dataclasses import replace

from sqlmodel import Session

from adapters.db import session_scope
from models import Agency, Institution, SanctionCase
from procedures.casework.cases import Refusal
from procedures.casework.views import Outcome
from procedures.sanctions.changes import proposal_fields, reopen_hearing
from procedures.sanctions.common import SanctionError, _answer_once, _decider
from procedures.sanctions.hearing import LATE, _points, late_defence, point_label
from procedures.sanctions.proposal import _cited, _past, rests_on_rows
from procedures.sanctions.status import revocation_in_force
from regulation import sanctions as ladder

DECISIONS = {"采纳拟处理意见": "adopt", "变更处理": "change", "不予处理": "drop"}


def decision_context(case_id: int) -> dict:
    """What the decision form shows, read again for each time it is asked (a defence submitted
    late may have come in meanwhile)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        points = _points(s, case)
        return {"points": [point_label(p) for p in points], "late": sum(1 for p in points if p["late"]),
                "proposal": case.proposal, "measure": case.proposal["measure"], "report_only": case.report_only}


def decide(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Adopt, change or drop the proposed measure; each defence point not accepted needs its reason."""

    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        decision = DECISIONS.get(str(answers.get("decision", "")))
        reason = str(answers.get("reason", "")).strip()
        if decision is None:
            refusal.add("decision", f"处理决定：应为{'、'.join(DECISIONS)}之一")
        changed, referral_too = "", bool(case.details.get("referral_too"))
        discipline, changed_p = case.details.get("discipline_too", ""), None
        facts = str(answers.get("changed_facts", "")).strip()
        if decision == "change":
            try:
                cited = _cited(str(answers.get("changed_article", "")), case.serious)
            except SanctionError:
                refusal.add("changed_article", "变更后的条款：应为如“第二十一条（三）”，且为第二十条–第二十七条所列情形")
            else:
                changed_p = _changed_proposal(s, case, cited.case, refusal)
                if changed_p is not None:
                    changed, referral_too, discipline = cited.case, cited.referral, cited.discipline
            if not reason:
                refusal.add("reason", "理由：变更处理须写明理由")
        if decision == "drop" and not reason:
            refusal.add("reason", "理由：不予处理须写明理由")
        replies = []
        points = _points(s, case)
        for n, point in enumerate(points, 1):
            answer = str(answers.get(f"point_{n:02d}", ""))
            why = str(answers.get(f"point_reason_{n:02d}", "")).strip()
            if point["late"] and f"point_{n:02d}" not in answers:  # it came after this form was shown
                refusal.add(f"point_{n:02d}", f"申辩要点{n}：评价机构的陈述和申辩于{point['late']}收到"
                                              f"（{LATE if point.get('after_close', True) else '期限内提交'}），"
                                              "表单已更新，请审阅后逐条作答")
            elif answer not in ("采纳", "不采纳"):
                refusal.add(f"point_{n:02d}", f"申辩要点{n}：请选择采纳或不采纳")
            elif answer == "不采纳" and not why:
                refusal.add(f"point_reason_{n:02d}", f"申辩要点{n}不予采纳的理由：不采纳须写明理由")
            # a reason is for a point not accepted (a leftover one under 采纳 would print 「采纳。理由：…」)
            replies.append({"text": point_label(point), "answer": answer, "reason": why if answer == "不采纳" else ""})
        details = {k: str(answers.get(k, "")).strip() for k in ("interview_time", "interview_place", "authority",
                                                                "requirements", "persons", "problems")}
        final_case = changed or case.proposal["case"]
        measure = "none" if decision == "drop" else changed_p.measure if changed_p else case.proposal["measure"]
        report_only = _reports(s, case, final_case) if decision == "change" else case.report_only
        # 第二十五条: another basis, a heavier measure or new facts are told before they are decided
        rehear = changed_p is not None and not report_only and (
            ladder.change_needs_hearing(*_heard(case)[:2], final_case, measure, _heard(case)[2])
            or bool(facts and facts != case.facts))
        if rehear and not facts:
            refusal.add("changed_facts", "变更后的事实：变更后须重新告知评价机构（第二十五条），请写明变更后拟处理所依据的"
                                         "事实（写入新的告知书）")
        if decision != "drop" and not report_only and not rehear and (decision != "change" or changed_p):
            _require_details(measure, details, refusal, discipline_due(case, final_case, measure, discipline))
        if decision != "drop" and not rehear and referral_too and measure != "referral" and not details["authority"]:
            refusal.add("authority", "移交部门：本案同时依第二十四条移交，须写明接收的有关部门")
        if decision != "drop" and not rehear and not report_only and measure == "rectification":
            revoked = revocation_in_force(s, case.institution_id)
            if revoked is not None:  # 第二十二条 presupposes a filing in force
                refusal.add("decision", ladder.suspension_refusal(revoked))
        if refusal or who is None:
            return
        if rehear:  # 第二十五条: a heavier measure or another basis is told first, then decided
            reopen_hearing(s, case, today, changed_p, rests_on_rows(changed_p, _past(s, case)[0]), referral_too,
                           discipline, reason, facts, who.label, replies)
            return
        if decision == "change":  # the filing-authority rule, for the measure as changed
            case.report_only = report_only
            case.details = case.details | {"referral_too": referral_too, "discipline_too": discipline,
                                           "decided_serious": changed_serious(case, final_case)}
            if report_only:  # nothing was told: the 报告 states the changed case, its reasons and facts
                case.proposal = case.proposal | proposal_fields(changed_p, rests_on_rows(changed_p, _past(s, case)[0]),
                                                                case.finding_case)
                if facts and facts != case.facts:
                    case.details = case.details | {"facts_before_change": case.facts}
                    case.facts = facts
        case.decision, case.decided_case, case.measure = decision, final_case or "", measure
        case.decision_reason, case.point_replies = reason, replies
        case.decided_on, case.decided_by = today, who.label
        case.details = case.details | {"decision_details": details}
        late = late_defence(s, case)
        if late and not case.defence.get("late"):
            case.defence = case.defence | {"late": late}  # in the case file, with its time
    return _answer_once(case_id, pause_key, judge)


def _heard(case: SanctionCase) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The case and measure the last 告知书 stated, and the cases it stated (ladder.told_cases);
    (None, None, ()) when none was served."""
    heard = case.details.get("heard")
    if heard:
        return heard["case"], heard["measure"], tuple(heard.get("told") or (heard["case"],))
    if case.details.get("hearing_doc"):
        p = case.proposal
        return p.get("case"), p.get("measure"), tuple(p.get("told") or (p.get("case"),))
    return None, None, ()


def _changed_proposal(s: Session, case: SanctionCase, new_case: str, refusal: Refusal) -> ladder.Proposal | None:
    """The proposal for a change to `new_case`, built from the institution's real record; None
    (and the reason beside the field) when the article's precondition is not met or it is 第十五条."""
    history, fails, past = _past(s, case)
    finding = ladder.Finding(case.finding_case, case.opened_on, case.facts, case.serious)
    # the year's 不合格 results up to the case's day count for 第二十三条（十）
    record = past if case.finding_case == "fail" else replace(
        past, failed_results=tuple(d for d in fails if d <= case.opened_on))
    why_not = ladder.change_refusal(new_case, finding, record)
    if why_not:
        refusal.add("changed_article", why_not)
        return None
    return ladder.propose_change(new_case, finding, record, changed_serious(case, new_case))


def _reports(s: Session, case: SanctionCase, final_case: str | None) -> bool:
    inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
    return ladder.reports_to_filing_authority(final_case, agency.level, agency.city_letter, inst.filing_authority,
                                              inst.city_letter)


def changed_serious(case: SanctionCase, final_case: str | None) -> bool:
    """Staff who change to a 第二十一条 item chose the interview: 情节严重 would make it 第二十二条（一）,
    which they would cite instead. 第二十七条 keeps it (拒不整改或情节严重 → revocation) — except a
    change to the very 第二十七条 item of a proposed revocation, which can only mean the
    improvement requirement (adopting would keep the revocation). Interpretation (ours)."""
    final = final_case or ""
    p = case.proposal or {}
    if final.startswith("27.") and final == p.get("case") and p.get("measure") == "revocation":
        return False
    return case.serious and not final.startswith("21.")


def discipline_due(case: SanctionCase, final_case: str | None, measure: str, alongside: str | None = None) -> bool:
    """第二十七条 「拒不整改或者情节严重的，对机构撤销备案回执，对直接负责的主管人员…提出给予处分的建议」:
    a 第二十七条 revocation, or a 第二十三条 one with a 第二十七条 revocation cited beside it."""
    if measure != "revocation" or not final_case:
        return False
    alongside = case.details.get("discipline_too") if alongside is None else alongside
    return final_case.startswith("27.") or (final_case.startswith("23.") and bool(alongside))


def _require_details(measure: str, d: dict, refusal: Refusal, discipline: bool = False) -> None:
    if measure == "interview":
        if not d["interview_time"]:
            refusal.add("interview_time", "约谈时间：约谈须写明时间（第二十一条）")
        if not d["interview_place"]:
            refusal.add("interview_place", "约谈地点：约谈须写明地点（第二十一条）")
    if measure == "referral" and not d["authority"]:
        refusal.add("authority", "移交部门：第二十四条移交须写明接收的有关部门")
    if measure == "improvement" and not d["requirements"]:
        refusal.add("requirements", "整改要求：第二十七条改进要求须写明要求")
    if measure == "rectification" and not d["requirements"]:  # 附件4: staff write what is required
        refusal.add("requirements", "整改要求：第二十二条《整改通知书》须写明整改要求")
    if discipline and not d["authority"]:
        refusal.add("authority", "处分建议的接收部门：第二十七条撤销备案须对直接负责的主管人员和其他责任人员"
                                 "向有关部门提出给予处分的建议，请写明接收部门")
    if discipline and not d["persons"]:
        refusal.add("persons", "直接负责的主管人员和其他责任人员：第二十七条处分建议须写明责任人员")
