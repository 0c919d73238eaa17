"""第二十七条 改进: the improvement request (a date in calendar days, setting report_due_days), the
report of each round through the portal, the staff review (accepted → closed, or requirements and
a new date, as rectification._review); a date missed without a report is the sweep's (第二十七条（三）
拒不整改, opened once)."""

from adapters.db import session_scope
from adapters.settings import get_settings
from models import SanctionCase
from procedures.casework import unknown_dues
from procedures.casework.views import Outcome
from procedures.sanctions.common import _doc, _due_or_pending, _due_words, _history, _mail, _step
from procedures.sanctions.rectification import _review

IMPROVEMENT_DONE, IMPROVEMENT_AGAIN = "改进到位，结案", "提出改进要求并另定期限"


def request_improvement(s, case, inst, today, article, article_text, d) -> None:
    """The 改进要求通知书 with the requirements staff wrote and the date (report_due_days)."""
    due = _due_or_pending(s, case, "rectification_due",
                          unknown_dues.Period(today, calendar_days=get_settings().report_due_days), "改进期限")
    doc = _doc(s, case, "improvement", "改进要求通知书", inst.name, "improvement_request", today, article=article,
               article_text=article_text, requirements=d["requirements"], due=_due_words(case, "rectification_due"))
    _mail(s, f"sanction-improvement:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "improvement", today, f"提出改进要求（至{due or unknown_dues.PENDING}）", doc.number, article)
    case.rectification_due, case.rectification_round, case.status = due, 1, "improving"


def record_improvement(case_id: int, submission_id: int) -> dict:
    """第二十七条: the improvement report of this round, for staff review (0: none by the date;
    the sweep opened 第二十七条（三） 拒不整改 once, and the case closes)."""
    from procedures.portal import submissions as portal_submissions

    def act(s, case, today):
        if case.status != "improving" or case.report_received_on is not None:
            return
        if submission_id:
            rnd = case.rectification_round
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, f"improvement-{rnd}")
            case.report_received_on = today
            case.details = case.details | {"report_receipt": sub.receipt_number}
            _history(s, case, f"improvement-report-{rnd}", today, f"评价机构报送第{rnd}轮改进情况，待审核", "",
                     case.proposal["article"])
        else:
            case.details = case.details | {"report_missing": str(case.escalated_on or today)}
            case.status = "closed"
    return _step(case_id, act)


def review_improvement(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Staff review of a 第二十七条 improvement report: accepted → closed, or requirements and a new
    date (another link; missed → 第二十七条（三） once, by the sweep)."""
    return _review(case_id, pause_key, answers, "improving", IMPROVEMENT_DONE, IMPROVEMENT_AGAIN,
                   _improvement_done, "改进情况审核未通过，提出改进要求", case_article(case_id))


def case_article(case_id: int) -> str:
    with session_scope() as s:
        return s.get(SanctionCase, case_id).proposal.get("article", "")


def _improvement_done(s, case, inst, today, remark, by) -> None:
    _history(s, case, "improvement-accepted", today, f"改进情况经审核通过，结案（{by}）", "", case.proposal["article"])
    case.status = "closed"
