"""第二十五条 告知 and 陈述申辩: the 告知书 (numbered, by mail; a new one for each round a change
reopens), the portal link for the defence, the defence recorded (or the period closed by the sweep),
a defence stored after the period closed (late, read for the decision); a 第二十四条 referral and a
report-only case skip the 告知书 (skip_hearing)."""

from datetime import timedelta

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.settings import get_settings
from models import Agency, Institution, SanctionCase
from procedures.casework import unknown_dues
from procedures.sanctions.common import (
    SanctionError,
    _doc,
    _due_or_pending,
    _due_words,
    _mail,
    _step,
    case_label,
    case_today,
    defence_step,
    hearing_round,
    link_deadline,
)

LATE = "逾期提交"


def notify_hearing(case_id: int) -> dict:
    """The 告知书 (numbered, .docx) by mail; the period in working days (setting); 期限待定 in a
    year not yet declared (the sweep computes it and tells the institution).

    Only a case a staff member opened (confirm_opening: details["opened_by"], issue 23.5) is told:
    otherwise SanctionError, no letter, nothing written. No case is told without an opening — every
    sanction run asks for it first, the filing authority's case and a re-hearing too."""
    def act(s, case, today):
        if not case.details.get("opened_by"):
            raise SanctionError(f"处理案件 {case_label(case)} 尚未由工作人员填写工作人员代码启动，"
                                "不发出事先告知书（第二十五条）")
        # done for this round (a 期限待定 period leaves hearing_due empty; a change reopens the next round)
        if case.hearing_due or (case.details.get("heard") or {}).get("round") == hearing_round(case):
            return
        inst, p = s.get(Institution, case.institution_id), case.proposal
        period = unknown_dues.Period(today, working_days=get_settings().sanction_hearing_working_days)
        case.hearing_due = _due_or_pending(s, case, "hearing_due", period, "陈述和申辩期限")
        extra = "；".join(x for x in (
            "你单位应作出书面说明，并宣布有关参评人员证书或评价成绩无效" if p["measure"] == "void_results" else "",
            "并对直接负责的主管人员和其他责任人员提出给予处分的建议" if p["discipline"] else "") if x)
        rnd = hearing_round(case)
        suffix = "" if rnd == 1 else f"-{rnd}"  # a re-hearing (第二十五条 after a change) is its own letter
        doc = _doc(s, case, f"hearing{suffix}", "质量督导处理事先告知书", inst.name, "sanction_hearing", today,
                   facts=case.facts, reasons=_hearing_reasons(p), rests_on=p["rests_on"], article=p["article"],
                   article_text=p["article_text"], measure_name=p["measure_name"], extra=extra,
                   hearing_due=_due_words(case, "hearing_due"), earlier=case.details.get("changes", [])[-1:])
        _mail(s, f"sanction-hearing{suffix}:{case.id}", inst.contact_email, "institution", doc,
              "陈述和申辩的一次性链接另行发送。")
        case.details = case.details | {"hearing_doc": doc.number, "hearing_on": str(today),
                                       "heard": {"case": p["case"], "measure": p["measure"], "round": rnd,
                                                 "told": p.get("told") or [p["case"]]}}
        case.status = "hearing"
    return _step(case_id, act)


def _hearing_reasons(p: dict) -> list[dict]:
    """理由 of the 告知书: the reasons beyond the article itself (the article is stated once, under
    依据); a proposal stored before this change carries its basis only."""
    if "reasons" in p:
        return p["reasons"]
    return [r for r in p["basis"] if not (r["article"] == p["article"] and r["text"] == p.get("article_text"))]


def invite_args(case_id: int, step: str) -> dict:
    """What the portal invitation needs: recipient, contact, title, deadline (end of the day)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        inst, agency = s.get(Institution, case.institution_id), s.get(Agency, case.agency_id)
        due, title, what = {
            "defence": (case.hearing_due, "陈述和申辩（第二十五条）",
                        f"拟处理：{case.proposal['measure_name']}（{case.proposal['article']}）。请逐行写明申辩要点，一行一点。"),
            "explanation": (case.rectification_due, "书面说明及宣布无效名单（第二十条）",
                            "第一行写书面说明；其后列明已宣布证书或评价成绩无效的参评人员（证书编号或准考证号），一行一人。"),
            "improvement": (case.rectification_due, "改进情况报告（第二十七条）", "请提交改进情况的书面报告及材料。"),
        }.get(step.split("-")[0]) or (case.rectification_due, "整改报告（第二十二条、附件4）",
                                      "请提交书面整改报告及相关举措材料。")
        reviews = case.details.get("reviews", [])
        if step.split("-")[0] in ("improvement", "rectification") and case.rectification_round > 1 and reviews:
            what = f"审核意见（{reviews[-1]['on']}）：{reviews[-1]['requirements']}。请于{due}前按上述要求再次报送。{what}"
        if due is None:  # 期限待定: the link's bound; the sweep ends the period once the date is known
            field = "hearing_due" if step.split("-")[0] == "defence" else "rectification_due"
            pending = case.details.get("due_pending", {}).get(field)
            due = unknown_dues.Period.from_dict(pending["period"]).bound() if pending else case_today(case)
        return {"recipient": ("institution", inst.name, inst.contact_email),
                "contact": (agency.letterhead_name, agency.email),
                "title": title, "deadline": link_deadline(case, due), "instructions": what}


def record_defence(case_id: int, submission_id: int) -> dict:
    """The defence the portal stored (0: the period ended without one; the sweep closed it)."""
    from procedures.portal import submissions as portal_submissions

    def act(s, case, today):
        if case.status != "hearing":
            return
        if submission_id:
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, defence_step(case))
            points = [line.strip() for line in sub.statement.splitlines() if line.strip()]
            case.defence = {"received_on": str(today), "receipt": sub.receipt_number, "points": points,
                            "files": len(sub.files)}
        else:
            case.defence = {"received_on": "", "points": [], "closed_on": str(case.hearing_closed_on or today)}
        case.status = "awaiting_decision"
    return _step(case_id, act)


def skip_hearing(case_id: int) -> dict:
    """第二十四条: a referral is not announced to the institution (RULES.md): no 告知书."""

    def act(s, case, today):
        if case.status == "pending":
            case.status = "awaiting_decision"
    return _step(case_id, act)


def late_defence(s: Session, case: SanctionCase) -> dict | None:
    """A defence the portal stored after the sweep had closed the period (the link lives a few
    grace days longer): never read by the run, so read here — for the decision form and the
    case file. None when the defence came in time or none came at all."""
    from models import PortalLink, PortalSubmission
    from procedures.portal.links import aware

    if case.defence.get("receipt") or not case.flow_run_id:
        return None
    row = s.exec(select(PortalSubmission, PortalLink).join(PortalLink, PortalLink.id == PortalSubmission.link_id)
                 .where(PortalLink.flow_run_id == case.flow_run_id, PortalLink.step_key == defence_step(case))).first()
    if row is None:
        return None
    sub, _link = row
    points = [x.strip() for x in str(sub.payload.get("statement", "")).splitlines() if x.strip()]
    received = aware(sub.received_at)
    # In the case's time: a defence stored by the last day whose run was told "none" first (a
    # resume that lost the race with the sweep) came in time, and is not called late.
    late = received.date() + timedelta(days=case.clock_offset_days) > case.hearing_due if case.hearing_due \
        else "hearing_due" not in case.details.get("due_pending", {})  # 期限待定: the period runs
    return {"received_at": f"{received:%Y-%m-%d %H:%M}", "receipt": sub.receipt_number, "points": points,
            "late": late}


def _points(s: Session, case: SanctionCase) -> list[dict]:
    """The defence points staff answer: those in time, then any submitted late (marked so)."""
    points = [{"text": p, "late": ""} for p in case.defence.get("points", [])]
    late = case.defence.get("late") or late_defence(s, case)
    return points + [{"text": p, "late": late["received_at"], "after_close": late.get("late", True)}
                     for p in (late or {}).get("points", [])]


def point_label(point: dict) -> str:
    if not point["late"]:
        return point["text"]
    how = LATE if point.get("after_close", True) else "期限内提交、期限届满后转入"
    return f"（{how}，{point['late']}收到）{point['text']}"
