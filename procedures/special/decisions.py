"""Step 5 of the special inspection: the staff decisions (第十五条（二）2–3), each with the staff
code of the person deciding, kept with its pause key. Staff approve the lead's draft or return it
with the reason; the 初步督导意见 goes to the institution with its rebuttal window (申辩); staff
weigh each rebuttal point (采纳, or 不予采纳 with the reason) and settle each matter's rating; the
numbered 质量督导意见书 follows with the rectification requirements and the report's working-day
deadline — or, every matter 符合, asks for no rectification and closes the case.
"""

import re
from datetime import date

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.settings import get_settings
from adapters.templates import chinese_date
from models import (
    InspectionCase,
    Institution,
    SpecialInspection,
    SpecialInspectionFinding,
    SpecialInspectionRebuttalPoint,
)
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal, add_event, answer_once, case_today
from procedures.casework.letters import issue_letter
from procedures.casework.views import Outcome
from procedures.special.casefile import load, matter_label, matters_of, note_decider, team_of
from procedures.special.notices import Invitation, invite
from procedures.special.windows import open_window, take_window, window_words
from regulation import special_inspection as rules

APPROVE, RETURN = "批准初步督导意见", "退回组长修改"


def staff_label(s: Session, case: InspectionCase, answers: dict, refusal: Refusal) -> str:
    """Who decides: the staff code of someone of the agency that owns the case (refused beside the
    field otherwise); their name and role are kept with the decision."""
    from procedures.casework import staff

    decider = staff.verify(s, case.agency_id, str(answers.get("staff_code", "")))
    if isinstance(decider, str):
        refusal.add("staff_code", decider)
        return ""
    return decider.label


def approval_context(case_id: int) -> dict:
    with session_scope() as s:
        case, si, inst, _ = load(s, case_id)
        names = {m.supervisor_id: sup.name for m, sup in team_of(s, si.id)}
        findings = s.exec(select(SpecialInspectionFinding).where(SpecialInspectionFinding.special_id == si.id)
                          .order_by(SpecialInspectionFinding.matter_no, SpecialInspectionFinding.id)).all()
        return {"institution": inst.name, "hearing": si.hearing_notes,
                "draft": [(matter_label(m.matter_no), m.draft_rating, m.draft_change_reason)
                          for m in matters_of(s, si.id)],
                # what staff approve rests on: each member's rating and facts per matter (agency only)
                "findings": [(matter_label(f.matter_no), names.get(f.supervisor_id, ""), f.rating, f.facts)
                             for f in findings]}


def approve_draft(case_id: int, pause_key: str, answers: dict) -> Outcome:
    def judge(s: Session, case: InspectionCase, today: date, refusal: Refusal) -> bool:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
        label = staff_label(s, case, answers, refusal)
        if answers.get("decision") == RETURN and not str(answers.get("remarks", "")).strip():
            refusal.add("remarks", "「审核意见」：退回组长修改的，应写明理由")
        if refusal:
            return True
        note_decider(si, pause_key, label)
        if answers["decision"] == APPROVE:
            add_event(s, case.id, pause_key, today, f"初步督导意见经审核批准（{label}）")
        else:
            si.stage = "consolidation"
            add_event(s, case.id, pause_key, today, f"初步督导意见退回组长修改（{label}）：{answers['remarks']}")
        s.add(si)
        return True

    return answer_once(case_id, pause_key, "初步督导意见审核", judge)


def send_draft(case_id: int) -> str:
    """初步督导意见 → the institution, with the rebuttal window (申辩) and its upload link."""
    days = get_settings().special_rebuttal_working_days
    with session_scope() as s:
        case, si, inst, agency = load(s, case_id)
        today = case_today(case)
        due = open_window(s, si, "rebuttal", "rebuttal", today, days)
        due_words = window_words(s, si, "rebuttal")
        doc = issue_letter(s, case.id, agency, inst, "special_draft", "special_draft", "初步督导意见", today,
                           institution=inst.name, matters=_letter_matters(s, si, draft=True),
                           hearing=si.hearing_notes, rebuttal_due=due_words, days=days)
        si.stage = "rebuttal"
        s.add(si)
        inv = Invitation("rebuttal", ("institution", inst.name, inst.contact_email), "对初步督导意见的申辩意见", due,
                         f"对《初步督导意见》（{doc.number}）有不同意见的，请逐条写明申辩意见（每条一行）并附证明材料；"
                         f"{chinese_date(due) if due else due_words}前未提交的，视为无申辩意见。",
                         provisional_due=unknown_dues.provisional_end(today, days))
        number = doc.number
    invite(case, agency, inv)
    return f"初步督导意见 {number} 已送达评价机构；申辩期限 {due or unknown_dues.PENDING}（{days}个工作日）"


def _letter_matters(s: Session, si: SpecialInspection, draft: bool) -> list[dict]:
    """Each matter with its settled rating and the facts that bear it out: the facts of the members
    who rated it so (each once, without the members, 第八条), then the evidence they looked at, once.
    A member's facts for another rating are not the letter's (「不符合。…；现场未见超范围评价」 read
    as a contradiction); where the lead settled a rating no member gave, the lead's stated reason."""
    out = []
    for m in matters_of(s, si.id):
        rating = m.draft_rating if draft else m.final_rating
        found = list(s.exec(select(SpecialInspectionFinding).where(SpecialInspectionFinding.special_id == si.id,
                                                                   SpecialInspectionFinding.matter_no == m.matter_no)
                            .order_by(SpecialInspectionFinding.id)))
        agreeing = [f for f in found if f.rating == rating]
        facts = _once(f.facts for f in agreeing)
        if not agreeing and (m.draft_change_reason or "").strip():
            facts = _once([m.draft_change_reason])
        seen = _once(f.evidence for f in agreeing)
        if seen:
            facts.append("查看的证据：" + "、".join(seen))
        out.append({"label": matter_label(m.matter_no), "rating": rating, "facts": facts})
    return out


def _once(texts) -> list[str]:
    out: list[str] = []
    for text in texts:
        text = (text or "").strip().rstrip("。；;. ")
        if text and text not in out:
            out.append(text)
    return out


def _submission(s: Session, submission_id: int, flow_run_id: str, step_key: str) -> str:
    from procedures.portal.submissions import read_for_step

    return read_for_step(submission_id, flow_run_id, step_key).statement


def record_rebuttal(case_id: int, submission_id: int | None) -> str:
    with session_scope() as s:
        case, si, _, _ = load(s, case_id)
        today = case_today(case)
        if take_window(s, si, "rebuttal", submission_id, today):
            text = _submission(s, submission_id, case.flow_run_id, "rebuttal")
            points = [re.sub(r"^\s*(\d+|[一二三四五六七八九十]+)[.、．)）]\s*", "", x).strip()
                      for x in text.splitlines() if x.strip()]
            if not s.exec(select(SpecialInspectionRebuttalPoint).where(
                    SpecialInspectionRebuttalPoint.special_id == si.id)).first():
                for n, point in enumerate(points, start=1):
                    s.add(SpecialInspectionRebuttalPoint(special_id=si.id, position=n, text=point))
            summary = f"收到评价机构申辩意见 {len(points)} 条"
        else:
            summary = "申辩期限届满，未收到申辩意见"
        add_event(s, case.id, "rebuttal", today, summary)
        si.stage = "weighing"
        s.add(si)
        return summary


def weighing_context(case_id: int) -> dict:
    with session_scope() as s:
        case, si, inst, _ = load(s, case_id)
        points = s.exec(select(SpecialInspectionRebuttalPoint).where(SpecialInspectionRebuttalPoint.special_id == si.id)
                        .order_by(SpecialInspectionRebuttalPoint.position))
        return {"institution": inst.name, "points": [p.text for p in points],
                "matters": [(m.matter_no, matter_label(m.matter_no), m.draft_rating) for m in matters_of(s, si.id)],
                "report_days": get_settings().special_report_working_days}


def weigh_rebuttal(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """综合分析申辩意见: every point accepted or not (with the reason); the final ratings."""
    def judge(s: Session, case: InspectionCase, today: date, refusal: Refusal) -> bool:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
        label = staff_label(s, case, answers, refusal)
        points = list(s.exec(select(SpecialInspectionRebuttalPoint).where(
            SpecialInspectionRebuttalPoint.special_id == si.id).order_by(SpecialInspectionRebuttalPoint.position)))
        weighed = [rules.RebuttalPoint(p.text, {"采纳": True, "不采纳": False}.get(answers.get(f"point_{p.position}")),
                                       str(answers.get(f"reason_{p.position}", ""))) for p in points]
        for problem in rules.weighing_problems(weighed):
            n = int(re.search(r"第(\d+)点", problem).group(1))
            refusal.add(f"point_{n}" if "选择" in problem else f"reason_{n}", problem)
        matters = matters_of(s, si.id)
        for m in matters:
            if answers.get(f"rating_{m.matter_no}") not in rules.RATINGS:
                refusal.add(f"rating_{m.matter_no}", f"{matter_label(m.matter_no)}「督导结论」：请选择")
        finals = [answers.get(f"rating_{m.matter_no}") for m in matters]
        requirements = str(answers.get("requirements", "")).strip()
        days = answers.get("report_days")
        rectify = True
        if all(r in rules.RATINGS for r in finals):
            rectify = rules.needs_rectification(finals)
            if rectify and not requirements:
                refusal.add("requirements", "「整改要求」：有督导事项的结论不是“符合”，应填写整改要求，写入质量督导意见书")
            elif not rectify and requirements:  # the letter would ask for what it says is not needed
                refusal.add("requirements", "「整改要求」：各督导事项的结论均为“符合”，无需整改，请清空整改要求")
            if rectify and (not isinstance(days, int) or days < 1):  # a year not yet declared is no refusal: 期限待定
                refusal.add("report_days", "「整改工作报告期限」：应为至少1个工作日")
        if refusal:
            return True
        for p, w in zip(points, weighed, strict=True):
            p.accepted, p.reason = w.accepted, w.reason.strip()
            s.add(p)
        for m in matters:
            m.final_rating = answers[f"rating_{m.matter_no}"]
            s.add(m)
        si.outcome = requirements
        note_decider(si, pause_key, label)
        if rectify:
            si.decided_by = dict(si.decided_by) | {"report_days": days}
        s.add(si)
        accepted = sum(1 for w in weighed if w.accepted)
        add_event(s, case.id, "weighing", today,
                  f"综合分析申辩意见：采纳 {accepted} 条、不予采纳 {len(weighed) - accepted} 条（{label}）")
        return True

    return answer_once(case_id, pause_key, "申辩意见分析", judge)


def issue_opinion(case_id: int) -> str:
    """质量督导意见书 (numbered .docx): findings, the weighed rebuttal, requirements, the
    rectification report's deadline; and the institution's upload link for that report."""
    with session_scope() as s:
        case, si, inst, agency = load(s, case_id)
        today = case_today(case)
        points = list(s.exec(select(SpecialInspectionRebuttalPoint).where(
            SpecialInspectionRebuttalPoint.special_id == si.id).order_by(SpecialInspectionRebuttalPoint.position)))
        letter = dict(institution=inst.name, matters=_letter_matters(s, si, draft=False),
                      points=[{"text": p.text, "accepted": p.accepted, "reason": p.reason} for p in points])
        if not rules.needs_rectification([m.final_rating for m in matters_of(s, si.id)]):
            # every matter 符合: nothing to rectify, no report asked for; the letter closes the case
            doc = issue_letter(s, case.id, agency, inst, "special_opinion", "special_opinion", "质量督导意见书", today,
                               no_rectification=True, **letter)
            case.status, si.stage = "closed", "closed"
            si.outcome = "督导事项均符合，无需整改，以质量督导意见书结案"
            s.add(case)
            s.add(si)
            add_event(s, case.id, "closed", today, f"督导事项均符合，无需整改；质量督导意见书 {doc.number} 送达，本案结案")
            return f"质量督导意见书 {doc.number} 已送达；督导事项均符合，无需整改，本案结案"
        days = int(si.decided_by.get("report_days", get_settings().special_report_working_days))
        due = open_window(s, si, "report", "report-1", today, days)
        due_words = window_words(s, si, "report-1")
        doc = issue_letter(s, case.id, agency, inst, "special_opinion", "special_opinion", "质量督导意见书", today,
                           no_rectification=False, requirements=si.outcome, report_due=due_words, **letter)
        si.stage = "report"
        s.add(si)
        inv = report_invitation(inst, due, doc.number, "", due_words=due_words,
                                 bound=unknown_dues.provisional_end(today, days))
        number = doc.number
    invite(case, agency, inv)
    return f"质量督导意见书 {number} 已送达；整改工作报告应于 {due or unknown_dues.PENDING} 前提交"


def needs_rectification(case_id: int) -> bool:
    """After the weighing: whether the opinion letter asks for rectification (some matter not 符合)."""
    with session_scope() as s:
        _, si, _, _ = load(s, case_id)
        return rules.needs_rectification([m.final_rating for m in matters_of(s, si.id)])


def report_invitation(inst: Institution, due: date | None, number: str, reasons: str, round_no: int = 1,
                       due_words: str = "", bound: date | None = None) -> Invitation:
    again = f"上次提交的整改工作报告需补充：{reasons}。" if reasons else ""
    return Invitation(f"report-{round_no}", ("institution", inst.name, inst.contact_email),
                      "整改工作报告" + ("（补充）" if reasons else ""), due,
                      f"{again}请按《质量督导意见书》（{number}）完善或整改相关工作，并于 {due or due_words} 前上传整改工作报告"
                      "（第十五条（二）4）。逾期未完成整改的，依第二十二条（六）处理。", provisional_due=bound)
