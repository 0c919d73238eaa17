"""Issue 17 on a real database (SQLite; the change paths, the fields a changed measure needs, the
report to the filing authority, 第二十条 and a referral alongside on PostgreSQL too): no measure without its
hearing (第二十五条) when staff change the proposed measure, only the filing authority decides
(第二十条、第二十二条、第二十三条), several articles in one finding, and what the letters say."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from adapters.clock import tz
from adapters.db import session_scope
from adapters.documents import docx_text
from cli.demo_data import add_institution
from models import (
    Document,
    Institution,
    InstitutionHistory,
    OutboxMessage,
    RegisterEntry,
    SanctionCase,
)
from procedures.casework import staff
from procedures.portal import links as portal_links
from procedures.portal import submissions as portal_submissions
from procedures.sanctions.case_file import proposal_markdown
from procedures.sanctions.common import read_view
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import record_defence, skip_hearing
from procedures.sanctions.proposal import open_sanction, start_case
from procedures.sanctions.service import carry_out
from tests.procedures.sanctions.support import submit_statement
from tests.procedures.sanctions.test_sanctions import notify_opened

D0 = date(2026, 3, 2)
NEVER = ("（）", "None", "强化考点管理", "。。", "。，", "。；")  # no empty bracket, None, default text, doubled stop
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # letters write 2026年1月5日






def _staff(agency="CITY-A") -> str:
    with session_scope() as s:
        return staff.add(s, agency, f"审核{agency}", "审核")[1]


def _inst(tag: str, **kw) -> int:
    with session_scope() as s:
        return add_institution(s, f"测试机构{tag}", f"S-{tag}", **kw).id


def _start(run: str, inst_id: int, article: str, facts="考场未按规定设置", **kw) -> dict:
    with session_scope() as s:
        filing = s.get(Institution, inst_id).filing_number
    return start_case(run, filing_number=filing, article=article, facts=facts, as_of=D0, **kw)




def _letter(case_id: int, kind: str) -> str:
    with session_scope() as s:
        doc = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-{kind}")).first()
        return docx_text(doc.content) if doc else ""


def _no_blank_in(text: str) -> None:
    assert text and not [x for x in NEVER if x in text], text
    assert not ISO_DATE.search(text), text


def _record(inst_id: int, kind: str, on: date, number: str, article: str, text: str) -> None:
    """An earlier measure on the institution's record (监管档案)."""
    with session_scope() as s:
        s.add(InstitutionHistory(key=f"test-{kind}-{inst_id}-{on}", institution_id=inst_id, kind=kind, on=on,
                                 number=number, article=article, text=text))


def _heard_then_changed(run: str, inst_id: int, article: str, code: str, change: dict, **kw) -> int:
    """A case told (告知书) whose period ended without a defence, then a change asked: the case id."""
    case_id = _start(run, inst_id, article, **kw)["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "decision-1", {"decision": "变更处理", "staff_code": code} | change).accepted
    return case_id


def test_a_referral_changed_to_a_revocation_is_heard_before_it_is_decided(any_db):
    """24 → 23: the referral was never announced; the revocation is told first (a new 告知书 with
    the new basis and the reason), the run waits for the defence, then it is decided."""
    code, inst_id = _staff(), _inst("C24")
    v = _start("run-c24", inst_id, "第二十四条")
    assert (v["measure"], v["article"], v["hearing"]) == ("referral", "第二十四条", False)
    case_id = v["case_id"]
    skip_hearing(case_id)
    change = {"decision": "变更处理", "changed_article": "第二十三条（四）", "reason": "核实其贩卖证书",
              "staff_code": code}
    refused = decide(case_id, "decision-0", change)
    assert set(refused.field_errors) == {"changed_facts"} and refused.errors[0].startswith("变更后的事实：")
    changed = decide(case_id, "decision-1", change | {"changed_facts": "经核实，该机构向他人出售证书3本。"})
    assert changed.accepted
    v = read_view(case_id)
    assert (v["status"], v["measure"], v["hearing"], v["defence_step"]) == ("pending", "revocation", True, "defence-2")
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"  # nothing taken before the hearing
    v = notify_opened(case_id)
    assert v["status"] == "hearing" and v["hearing_due"] == "2026-03-09"
    hearing = _letter(case_id, "hearing-2")
    _no_blank_in(hearing)
    assert "第二十三条（四）" in hearing and "贩卖证书或证书数据造假的" in hearing and "核实其贩卖证书" in hearing
    assert "拟作出的处理：撤销备案回执" in hearing
    # the first 告知书 this institution receives: the ordinary wording, no "change" of an unannounced referral
    assert "我单位在作出处理决定前，现将拟作出处理的事实、理由和依据告知如下" in hearing
    assert "拟变更" not in hearing and "重新告知" not in hearing and "陈述和申辩的复核" not in hearing
    assert "经进一步核查" in hearing and "向他人出售证书3本" in hearing and "考场未按规定设置" not in hearing
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        assert case.details["changes"][0]["from_facts"] == "考场未按规定设置"
    record_defence(case_id, submit_statement(case_id, "run-c24", "defence-2", "证书系他人伪造"))
    decided = decide(case_id, "decision-r2-1", {"decision": "采纳拟处理意见", "point_01": "不采纳",
                                                "point_reason_01": "有交易记录为证", "staff_code": code})
    assert decided.accepted
    assert carry_out(case_id)["status"] == "closed"
    decision = _letter(case_id, "decision")
    _no_blank_in(decision)
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "revoked"
        hearing_number = s.get(SanctionCase, case_id).details["hearing_doc"]
    assert f"（{hearing_number}）" in decision and "证书系他人伪造" in decision and "有交易记录为证" in decision
    assert "申请行政复议" in decision and "六个月内依法向人民法院提起行政诉讼" in decision
    revocation = _letter(case_id, "revocation")
    assert "自2026年3月2日起" in revocation and "并对社会公布" in revocation


def test_an_interview_changed_to_a_revocation_reopens_the_hearing_with_the_earlier_one_named(any_db):
    """21 → 23.1: a defence against an interview is no defence against a revocation; the new
    告知书 states the changed facts and the 整改通知书 the revocation rests on, in Chinese dates."""
    code, inst_id = _staff(), _inst("C21")
    _record(inst_id, "written_notice", date(2026, 1, 5), "济南人社督〔2026〕1号", "第二十二条（二）",
            "发出《整改通知书》，暂停评价活动")
    case_id = _start("run-c21", inst_id, "第二十一条（三）")["case_id"]
    notify_opened(case_id)
    first = read_view(case_id)
    record_defence(case_id, submit_statement(case_id, "run-c21", "defence", "考场设置已整改"))
    change = {"decision": "变更处理", "changed_article": "第二十三条（一）", "point_01": "不采纳",
              "point_reason_01": "未见整改材料", "staff_code": code, "changed_facts": "整改期满后再次超范围评价。"}
    missing = decide(case_id, "decision-1", change)
    assert missing.field_errors == {"reason": "理由：变更处理须写明理由"}
    assert decide(case_id, "decision-2", change | {"reason": "已被出具整改通知书后再次违反"}).accepted
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        (change_row,) = case.details["changes"]
        assert (change_row["from_article"], change_row["to_article"]) == ("第二十一条（三）", "第二十三条（一）")
        assert change_row["defence"]["points"] == ["考场设置已整改"] and case.defence == {}
        assert case.proposal["publish"] and case.proposal["rests_on"][0]["number"] == "济南人社督〔2026〕1号"
    v = notify_opened(case_id)
    assert v["hearing_round"] == 2 and v["hearing_due"] == first["hearing_due"]
    again = _letter(case_id, "hearing-2")
    _no_blank_in(again)
    with session_scope() as s:
        earlier = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-hearing")).one()
        mails = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(
            [f"sanction-hearing:{case_id}", f"sanction-hearing-2:{case_id}"]))).all()
    assert f"（{earlier.number}）" in again and "约谈（第二十一条（三））" in again and "拟变更为撤销备案回执" in again
    assert "经对陈述和申辩的复核，拟变更处理" in again and "整改期满后再次超范围评价" in again
    assert "已于2026年1月5日被出具《整改通知书》" in again and "2026年1月5日，发出《整改通知书》" in again
    assert len(mails) == 2  # a new 告知书, a new mail
    record_defence(case_id, 0)  # the second period ended without a defence
    assert decide(case_id, "decision-r2-1", {"decision": "采纳拟处理意见", "staff_code": code}).accepted
    assert carry_out(case_id)["status"] == "closed"
    decision = _letter(case_id, "decision")
    _no_blank_in(decision)
    assert "在规定期限（2026年3月9日前）内未提交陈述和申辩意见" in decision


def test_a_change_to_23_1_without_a_rectification_notice_on_record_is_refused_beside_the_field(any_db):
    """第二十三条（一） 「已被出具书面通知后」: no 整改通知书 on record, no change to it (nothing re-heard)."""
    code, inst_id = _staff(), _inst("N231")
    case_id = _start("run-n231", inst_id, "第二十一条（三）")["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    refused = decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十三条（一）",
                                      "reason": "再次违反", "changed_facts": "再次违反", "staff_code": code})
    assert set(refused.field_errors) == {"changed_article"} and "整改通知书" in refused.field_errors["changed_article"]
    ten = decide(case_id, "d-2", {"decision": "变更处理", "changed_article": "第二十三条（十）",
                                  "reason": "多次不合格", "changed_facts": "多次不合格", "staff_code": code})
    assert "2026年度记录为0次" in ten.field_errors["changed_article"]
    one = decide(case_id, "d-3", {"decision": "变更处理", "changed_article": "第二十二条（一）",
                                  "reason": "约谈后又发生", "changed_facts": "又发生", "staff_code": code})
    assert "约谈" in one.field_errors["changed_article"]
    assert read_view(case_id)["hearing_round"] == 1


def test_a_change_to_article_15_is_refused_beside_the_field(db):
    """第十五条（一） 提醒函 is no measure of the 处理程序: never 「决定：提醒函」 with no letter sent."""
    code, inst_id = _staff(), _inst("F15")
    case_id = _start("run-f15", inst_id, "第二十一条（三）")["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    for n, article in enumerate(("第十五条", "fail"), 1):
        refused = decide(case_id, f"d-{n}", {"decision": "变更处理", "changed_article": article,
                                             "reason": "情节轻微", "staff_code": code})
        assert set(refused.field_errors) == {"changed_article"} and "第十五条" in refused.field_errors["changed_article"]


def test_a_lighter_measure_is_decided_at_once_with_the_fields_it_needs(any_db):
    """22.1 → 21.3: no new hearing; the interview needs its time and place, named beside the field."""
    code, inst_id = _staff(), _inst("L21")
    case_id = _start("run-l21", inst_id, "第二十一条（三）", serious=True)["case_id"]
    assert read_view(case_id)["article"] == "第二十二条（一）"
    notify_opened(case_id)
    record_defence(case_id, 0)
    change = {"decision": "变更处理", "changed_article": "第二十一条（三）", "reason": "情节尚不严重", "staff_code": code}
    refused = decide(case_id, "decision-1", change)
    assert set(refused.field_errors) == {"interview_time", "interview_place"}
    assert refused.field_errors["interview_time"].startswith("约谈时间：")
    assert decide(case_id, "decision-2", change | {"interview_time": "2026年3月20日9时",
                                                   "interview_place": "市人社局301室"}).accepted
    v = carry_out(case_id)
    assert (v["status"], v["hearing_round"]) == ("awaiting_minutes", 1)
    decision = _letter(case_id, "decision")
    _no_blank_in(decision)
    assert "第二十一条（三）" in decision and "约谈时间：2026年3月20日9时" in decision


def test_a_referral_goes_alongside_a_revocation_cited_in_the_same_finding(any_db):
    """「第二十三条（四）、第二十四条」: revoked and referred; the 告知书 does not announce the referral."""
    code, inst_id = _staff(), _inst("R24")
    v = _start("run-r24", inst_id, "第二十三条（四）、第二十四条")
    assert (v["measure"], v["article"]) == ("revocation", "第二十三条（四）")
    notify_opened(v["case_id"])
    assert "第二十四条" not in _letter(v["case_id"], "hearing") and "移交" not in _letter(v["case_id"], "hearing")
    record_defence(v["case_id"], 0)
    refused = decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert set(refused.field_errors) == {"authority"}
    assert decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                        "authority": "某市公安局"}).accepted
    carry_out(v["case_id"])
    with session_scope() as s:
        kinds = [h.kind for h in s.exec(select(InstitutionHistory).where(InstitutionHistory.institution_id == inst_id))]
        assert s.get(Institution, inst_id).status == "revoked"
    assert kinds == ["decision", "revocation", "referral"]
    assert "某市公安局" in _letter(v["case_id"], "transfer")


def test_an_agency_that_did_not_file_sends_a_numbered_report_and_the_filing_authority_opens_its_own_case(any_db):
    """A city acting on a province-filed institution: no 告知书, no 处理决定书, a 报告 to the province,
    whose own case is opened pending; started, it hears and decides itself."""
    city_code, inst_id = _staff("CITY-A"), _inst("P1", authority="province")
    with session_scope() as s:
        case = open_sanction(s, "test:p1", inst_id, "23.4", "督导发现贩卖证书", D0, "registered",
                             agency_id="CITY-A")
        case_id = case.id
    v = start_case("run-p1", sanction_case_id=case_id, as_of=D0)
    assert v["report_only"] and not v["hearing"]
    skip_hearing(case_id)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": city_code}).accepted
    assert carry_out(case_id)["status"] == "reported"
    assert _letter(case_id, "hearing") == "" and _letter(case_id, "decision") == ""
    report = _letter(case_id, "report")
    _no_blank_in(report)
    assert "决定：" not in report and "第二十三条（四）" in report and "建议：撤销备案回执" in report
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"
        reporting = s.get(SanctionCase, case_id)
        followed = s.get(SanctionCase, reporting.details["filing_authority_case"])
        assert reporting.details["report_number"]
        assert (followed.agency_id, followed.status, followed.finding_case) == ("PROV", "pending", "23.4")
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"sanction-report:{case_id}")).one()
        assert mail.recipient == "prov@example.gov.cn" and str(followed.id) in mail.text_body
        assert s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).first() is None
    own = start_case("run-p1-prov", sanction_case_id=followed.id, as_of=D0)
    assert (own["report_only"], own["hearing"], own["measure"]) == (False, True, "revocation")


def test_article_20_on_a_ministry_filed_institution_is_reported_not_ordered(any_db):
    """第二十条 「经负责备案的人社部门核查」: the province reports; it orders no voiding itself."""
    code, inst_id = _staff("PROV"), _inst("M20", authority="mohrss")
    v = _start("run-m20", inst_id, "第二十条（一）")
    assert v["report_only"] and not v["hearing"]
    skip_hearing(v["case_id"])
    decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert carry_out(v["case_id"])["status"] == "reported"
    assert _letter(v["case_id"], "void-order") == "" and "人力资源社会保障部" in _letter(v["case_id"], "report")


def test_a_dropped_referral_serves_no_decision_on_an_institution_never_told(db):
    code, inst_id = _staff(), _inst("D24")
    v = _start("run-d24", inst_id, "第二十四条")
    skip_hearing(v["case_id"])
    assert decide(v["case_id"], "d-1", {"decision": "不予处理", "reason": "经核实不构成重大违法",
                                        "staff_code": code}).accepted
    assert carry_out(v["case_id"])["status"] == "dropped"
    assert _letter(v["case_id"], "decision") == ""


def test_a_rectification_notice_carries_the_requirements_staff_wrote(db):
    code, inst_id = _staff(), _inst("N22")
    v = _start("run-n22", inst_id, "第二十二条（二）")
    notify_opened(v["case_id"])
    hearing = _letter(v["case_id"], "hearing")
    assert hearing.count("第二十二条（二）") == 1 and hearing.count("超职业、超等级、超地域范围评价的") == 1
    record_defence(v["case_id"], 0)
    refused = decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert refused.field_errors == {"requirements": "整改要求：第二十二条《整改通知书》须写明整改要求"}
    assert decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                        "requirements": "停止超范围评价"}).accepted
    carry_out(v["case_id"])
    notice = _letter(v["case_id"], "rectification")
    _no_blank_in(notice)
    assert "你单位应当停止超范围评价，并立即整改" in notice
    # a finding registered directly: no inspection to name (issue 23: it read 「…对你单位进行了质量督导」)
    assert "经查，你单位在评价组织过程中存在以下质量问题" in notice and "进行了质量督导" not in notice
    decision = _letter(v["case_id"], "decision")
    assert "六十日内向济南市人民政府申请行政复议" in decision and "并对社会公布" in decision


def test_an_article_27_revocation_letter_does_not_say_it_is_published_or_bars_new_filings(db):
    """第二十七条: revoked and a discipline proposal; not published, and 「不再受理其备案或遴选申请」 is
    第二十三条's alone. The recipient and the persons are required (named beside the fields)."""
    code, inst_id = _staff(), _inst("P27")
    v = _start("run-p27", inst_id, "第二十七条（三）", serious=True, facts="督导意见下达后未采取任何整改措施。")
    notify_opened(v["case_id"])
    record_defence(v["case_id"], 0)
    refused = decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert set(refused.field_errors) == {"authority", "persons"}
    assert refused.field_errors["persons"].startswith("直接负责的主管人员和其他责任人员：")
    assert decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                        "authority": "某集团纪委", "persons": "张某"}).accepted
    assert carry_out(v["case_id"])["status"] == "closed"
    letters = {kind: _letter(v["case_id"], kind) for kind in ("decision", "revocation", "discipline")}
    for kind, text in letters.items():
        _no_blank_in(text)
        assert "对社会公布" not in text and "不再受理" not in text, kind
    assert "某集团纪委" in letters["discipline"] and "张某" in letters["discipline"]
    assert "（见附件材料）" not in letters["discipline"] and "未采取任何整改措施，拒不整改" in letters["discipline"]
    with session_scope() as s:
        texts = [h.text for h in s.exec(select(InstitutionHistory).where(InstitutionHistory.institution_id == inst_id))]
    assert "撤销备案回执" in texts and not [x for x in texts if "不再受理" in x]


def test_an_escalation_notice_states_its_article_once_and_the_earlier_notice_as_the_reason(db):
    """Issue 23: 第二十三条（一） under 依据 only; the reason says what happened before."""
    inst_id = _inst("E23")
    with session_scope() as s:
        s.add(InstitutionHistory(key="test-e23", institution_id=inst_id, kind="written_notice", on=date(2026, 1, 5),
                                 number="济南人社督〔2026〕1号", article="第二十二条（二）", text="发出《整改通知书》"))
    v = _start("run-e23", inst_id, "第二十二条（二）")
    assert v["article"] == "第二十三条（一）"
    notify_opened(v["case_id"])
    hearing = _letter(v["case_id"], "hearing")
    _no_blank_in(hearing)
    assert hearing.count("第二十三条（一）") == 1 and hearing.count("已被出具书面通知后再次违反第二十二条规定的") == 1
    assert "已于2026年1月5日被出具《整改通知书》，再次违反第二十二条（二）" in hearing
    assert "第二十二条（第二十二条" not in hearing and "2026年1月5日，发出《整改通知书》" in hearing


# -- review of issue 17: which change is decided at once, and the paths around it -----------------
@pytest.mark.parametrize("tag, heard, changed", [
    ("LB2320", "第二十三条（四）", "第二十条（二）"),  # a lighter measure, never told on 第二十条
    ("LB2127", "第二十一条（三）", "第二十七条（一）"),
    ("LB2120", "第二十一条（三）", "第二十条（二）"),  # 21 → 20 counts as lighter, yet was never stated
])
def test_a_lighter_measure_on_a_basis_never_told_is_heard_again(db, tag, heard, changed):
    """第二十五条: a lighter measure under an article the 告知书 never stated is told first."""
    code, inst_id = _staff(), _inst(tag)
    case_id = _heard_then_changed(f"run-{tag}", inst_id, heard, code,
                                  {"changed_article": changed, "reason": "经复核情节较轻",
                                   "changed_facts": "经复核，问题限于个别考生。"})
    v = read_view(case_id)
    assert (v["status"], v["hearing_round"], v["article"]) == ("pending", 2, changed)
    with session_scope() as s:
        assert s.get(SanctionCase, case_id).decided_on is None  # nothing decided before the new hearing


def test_a_change_to_the_22_item_a_23_1_escalation_rested_on_is_decided_at_once_but_another_22_item_is_heard(db):
    """23.1 heard (from 22.2 after a 整改通知书): 22.2 was stated → decided at once; 22.7 (虚假宣传) was not."""
    code, inst_id = _staff(), _inst("E22")
    _record(inst_id, "written_notice", date(2026, 1, 5), "济南人社督〔2026〕1号", "第二十二条（二）", "发出《整改通知书》")
    case_id = _start("run-e22", inst_id, "第二十二条（二）")["case_id"]
    assert read_view(case_id)["article"] == "第二十三条（一）"
    notify_opened(case_id)
    record_defence(case_id, 0)
    other = decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十二条（七）",
                                    "reason": "宣传不实", "staff_code": code})
    assert set(other.field_errors) == {"changed_facts"}  # another basis: heard again, so its facts are asked
    same = decide(case_id, "d-2", {"decision": "变更处理", "changed_article": "第二十二条（二）",
                                   "reason": "整改期间已有改进", "requirements": "停止超范围评价",
                                   "staff_code": code})
    assert same.accepted
    v = carry_out(case_id)
    assert (v["status"], v["hearing_round"]) == ("rectifying", 1)
    decision = _letter(case_id, "decision")
    _no_blank_in(decision)
    assert "第二十二条（二）" in decision and "发出《整改通知书》、暂停评价活动" in decision


def test_a_rectification_changed_to_a_revocation_is_heard_again(any_db):
    """22 → 23: a heavier measure under another article, on changed facts."""
    code, inst_id = _staff(), _inst("P2223")
    case_id = _heard_then_changed("run-p2223", inst_id, "第二十二条（二）", code,
                                  {"changed_article": "第二十三条（四）", "reason": "另查明贩卖证书",
                                   "changed_facts": "另查明该机构贩卖证书5本。"})
    v = notify_opened(case_id)
    assert (v["status"], v["hearing_round"], v["measure"]) == ("hearing", 2, "revocation")
    hearing = _letter(case_id, "hearing-2")
    _no_blank_in(hearing)
    assert "拟变更为撤销备案回执（第二十三条（四））" in hearing and "经复核，拟变更处理：另查明贩卖证书" in hearing
    assert "陈述和申辩的复核" not in hearing  # no defence came in round 1
    assert "贩卖证书5本" in hearing


def test_an_improvement_changed_to_a_revocation_under_article_23_is_heard_again(any_db):
    """27 → 23: 第二十七条's improvement was told; 第二十三条（二） was not."""
    code, inst_id = _staff(), _inst("P2723")
    case_id = _heard_then_changed("run-p2723", inst_id, "第二十七条（一）", code,
                                  {"changed_article": "第二十三条（二）", "reason": "备案材料虚假",
                                   "changed_facts": "备案时提交的场地证明系伪造。"})
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "decision-r2-1", {"decision": "采纳拟处理意见", "staff_code": code}).accepted
    carry_out(case_id)
    revocation = _letter(case_id, "revocation")
    _no_blank_in(revocation)
    assert "不再受理你单位的备案或遴选申请" in revocation and "并对社会公布" in revocation
    with session_scope() as s:
        assert s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).first() is not None


def test_a_second_change_opens_a_third_hearing_round(any_db):
    """21 → 23.4 → 23.2: each change told in its own 告知书, the last naming the one before."""
    code, inst_id = _staff(), _inst("R3")
    case_id = _heard_then_changed("run-r3", inst_id, "第二十一条（三）", code,
                                  {"changed_article": "第二十三条（四）", "reason": "查明贩卖证书",
                                   "changed_facts": "贩卖证书2本。"})
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "decision-r2-1", {"decision": "变更处理", "changed_article": "第二十三条（二）",
                                             "reason": "实为备案材料虚假", "changed_facts": "备案材料虚假。",
                                             "staff_code": code}).accepted
    v = notify_opened(case_id)
    assert (v["hearing_round"], v["defence_step"], v["article"]) == (3, "defence-3", "第二十三条（二）")
    third = _letter(case_id, "hearing-3")
    _no_blank_in(third)
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        assert [c["to_article"] for c in case.details["changes"]] == ["第二十三条（四）", "第二十三条（二）"]
        second_number = case.details["changes"][1]["hearing_doc"]
    assert f"（{second_number}）" in third and "撤销备案回执（第二十三条（四））" in third and "备案材料虚假" in third
    record_defence(case_id, 0)
    assert decide(case_id, "decision-r3-1", {"decision": "采纳拟处理意见", "staff_code": code}).accepted
    assert carry_out(case_id)["status"] == "closed"
    markdown = proposal_markdown(case_id)
    assert markdown.count("重新告知（此前告知书") == 2 and "。；" not in markdown and "- ：" not in markdown


def test_the_sweep_closes_a_reopened_hearing_at_its_own_step(any_db):
    """_close_hearings: a round-2 period that ends without a defence is closed like the first."""
    from procedures.sanctions import sweep as sanction_sweep

    code, inst_id = _staff(), _inst("SW2")
    case_id = _heard_then_changed("run-sw2", inst_id, "第二十一条（三）", code,
                                  {"changed_article": "第二十三条（四）", "reason": "查明贩卖证书",
                                   "changed_facts": "贩卖证书2本。"})
    v = notify_opened(case_id)
    assert v["defence_step"] == "defence-2"
    summary = sanction_sweep.sweep(date.fromisoformat(v["hearing_due"]) + timedelta(days=1), resume=False)
    assert case_id in summary.hearings_closed
    record_defence(case_id, 0)
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        assert case.status == "awaiting_decision" and case.defence["closed_on"] == str(case.hearing_closed_on)


def test_a_round_1_defence_link_is_closed_when_a_change_reopens_the_hearing(db):
    """A defence against the proposal no longer made would be read by no one: its link closes."""
    code, inst_id = _staff(), _inst("L1")
    case_id = _start("run-l1", inst_id, "第二十一条（三）")["case_id"]
    notify_opened(case_id)
    due = datetime.combine(date(2099, 1, 1), time(23, 59), tzinfo=tz())
    with session_scope() as s:
        link = portal_links.create_link(s, portal_links.CaseStep("sanction", case_id, "defence", "run-l1"),
                                        portal_links.Recipient("institution", "机构", "i@example.cn"),
                                        portal_links.Contact("济南", "a@example.cn"), "陈述和申辩", due)
    record_defence(case_id, 0)
    assert decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十三条（四）",
                                   "reason": "查明贩卖证书", "changed_facts": "贩卖证书2本。",
                                   "staff_code": code}).accepted
    assert portal_submissions.submit(link.token, "迟到的申辩", []).status == "expired"


def test_a_revocation_heard_then_changed_to_a_referral_alone_tells_the_institution_the_proceedings_end(db):
    """A 告知书 proposed a revocation; staff refer the matter (第二十四条) instead: the institution
    gets a short termination notice that does not mention the referral; the 移交函 goes out."""
    code, inst_id = _staff(), _inst("T24")
    case_id = _heard_then_changed("run-t24", inst_id, "第二十三条（四）", code,
                                  {"changed_article": "第二十四条", "reason": "涉嫌违法，移交处理",
                                   "authority": "某市公安局"})
    assert carry_out(case_id)["status"] == "closed"
    notice = _letter(case_id, "termination")
    _no_blank_in(notice)
    assert "撤销备案回执" in notice and "本处理程序终止" in notice
    assert "移交" not in notice and "第二十四条" not in notice and "公安" not in notice
    assert _letter(case_id, "decision") == "" and "某市公安局" in _letter(case_id, "transfer")


def test_a_serious_article_27_case_changed_to_its_improvement_is_decided_at_once(db):
    """第二十七条（三） 情节严重 heard as a revocation; the improvement under the same item is lighter and stated."""
    code, inst_id = _staff(), _inst("I27")
    case_id = _heard_then_changed("run-i27", inst_id, "第二十七条（三）", code,
                                  {"changed_article": "第二十七条（三）", "reason": "已开始整改，情节不属严重",
                                   "requirements": "按督导意见完成整改"}, serious=True)
    v = carry_out(case_id)
    assert (v["status"], v["hearing_round"]) == ("improving", 1)
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"
    assert "按督导意见完成整改" in _letter(case_id, "improvement")


def test_articles_23_and_27_serious_revoke_under_23_published_with_the_discipline_proposal(any_db):
    """「第二十三条（一）、第二十七条（三）」 情节严重: 第二十三条's revocation (published, register) and
    第二十七条's discipline proposal beside it; its recipient and persons are required."""
    code, inst_id = _staff(), _inst("D2327")
    _record(inst_id, "written_notice", date(2026, 1, 5), "济南人社督〔2026〕1号", "第二十二条（二）", "发出《整改通知书》")
    v = _start("run-d2327", inst_id, "第二十三条（一）、第二十七条（三）", serious=True)
    assert (v["measure"], v["article"]) == ("revocation", "第二十三条（一）")
    notify_opened(v["case_id"])
    assert "提出给予处分的建议" in _letter(v["case_id"], "hearing")
    record_defence(v["case_id"], 0)
    refused = decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert set(refused.field_errors) == {"authority", "persons"}
    assert decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                        "authority": "某集团纪委", "persons": "李某"}).accepted
    carry_out(v["case_id"])
    assert "并对社会公布" in _letter(v["case_id"], "revocation") and "李某" in _letter(v["case_id"], "discipline")
    with session_scope() as s:
        entry = s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).one()
    assert entry.article == "第二十三条（一）"


def test_a_transfer_letter_does_not_double_the_full_stop_of_the_facts(db):
    code, inst_id = _staff(), _inst("TP")
    v = _start("run-tp", inst_id, "第二十四条", facts="督导发现其贩卖证书。")
    skip_hearing(v["case_id"])
    assert decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "authority": "某市公安局",
                                        "staff_code": code}).accepted
    carry_out(v["case_id"])
    transfer = _letter(v["case_id"], "transfer")
    _no_blank_in(transfer)
    assert "督导发现其贩卖证书。" in transfer


def _city_on_province_filed(tag: str, finding: str, serious=False, facts="考场未按规定设置") -> tuple[int, int]:
    inst_id = _inst(tag, authority="province")
    with session_scope() as s:
        case = open_sanction(s, f"test:{tag}", inst_id, finding, facts, D0, "registered",
                             agency_id="CITY-A", serious=serious)
        return case.id, inst_id


def _followed(case_id: int) -> int:
    with session_scope() as s:
        return s.get(SanctionCase, case_id).details["filing_authority_case"]


def test_a_report_after_a_change_states_the_changed_case_and_facts_and_the_filing_authority_proposes_no_more(any_db):
    """A city on a province-filed institution: 21.3 情节严重 (第二十二条（一）) changed to the interview.
    The 报告 proposes 约谈 on the changed facts; the province's own case proposes 约谈, not 第二十二条（一）."""
    code = _staff("CITY-A")
    case_id, inst_id = _city_on_province_filed("RC1", "21.3", serious=True)
    v = start_case("run-rc1", sanction_case_id=case_id, as_of=D0)
    assert (v["report_only"], v["article"]) == (True, "第二十二条（一）")
    skip_hearing(case_id)
    assert decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十一条（三）",
                                   "reason": "情节尚不严重", "changed_facts": "考场设置不规范，已当场纠正。",
                                   "staff_code": code}).accepted
    assert carry_out(case_id)["status"] == "reported"
    report = _letter(case_id, "report")
    _no_blank_in(report)
    assert "建议：约谈" in report and "第二十一条（三）" in report and "已当场纠正" in report
    own = start_case("run-rc1-prov", sanction_case_id=_followed(case_id), as_of=D0)
    assert (own["measure"], own["article"], own["report_only"]) == ("interview", "第二十一条（三）", False)


def test_the_filing_authority_case_after_an_adopted_escalation_keeps_the_interview_it_rests_on(any_db):
    """Reported 22.1 (第二十一条 again after an interview), adopted: the province's case is rebuilt from the
    finding and the record — its 告知书 names the interview, never an empty 「属于下列依据所列情形」."""
    code = _staff("CITY-A")
    case_id, inst_id = _city_on_province_filed("RC2", "21.3")
    _record(inst_id, "interview", date(2026, 1, 5), "济南人社督〔2026〕2号", "第二十一条（三）", "约谈主要负责人")
    v = start_case("run-rc2", sanction_case_id=case_id, as_of=D0)
    assert v["article"] == "第二十二条（一）"
    skip_hearing(case_id)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code}).accepted
    carry_out(case_id)
    followed = _followed(case_id)
    own = start_case("run-rc2-prov", sanction_case_id=followed, as_of=D0)
    assert (own["measure"], own["article"]) == ("rectification", "第二十二条（一）")
    notify_opened(followed)
    hearing = _letter(followed, "hearing")
    _no_blank_in(hearing)
    assert "已于2026年1月5日约谈，第二十一条（三）所列情况又发生" in hearing and "2026年1月5日，约谈主要负责人" in hearing
    assert "属于下列依据所列情形" not in hearing


def test_a_revocation_resting_on_an_interview_and_a_notice_may_be_lightened_to_the_steps_it_stated(db):
    """21.3 after an interview and a 整改通知书 → 第二十三条（一）, whose 告知书 states 第二十二条（一） and
    第二十一条（三）: a change to 第二十二条（一） is decided at once; the improvement under 第二十七条 is not."""
    code, inst_id = _staff(), _inst("CH3")
    _record(inst_id, "interview", date(2026, 1, 5), "济南人社督〔2026〕2号", "第二十一条（三）", "约谈主要负责人")
    _record(inst_id, "written_notice", date(2026, 2, 5), "济南人社督〔2026〕3号", "第二十二条（一）", "发出《整改通知书》")
    case_id = _start("run-ch3", inst_id, "第二十一条（三）")["case_id"]
    assert read_view(case_id)["article"] == "第二十三条（一）"
    notify_opened(case_id)
    hearing = _letter(case_id, "hearing")
    _no_blank_in(hearing)
    assert "第二十一条（三）" in hearing and "再次违反第二十二条（一）" in hearing
    record_defence(case_id, 0)
    other = decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十七条（一）",
                                    "reason": "情节较轻", "requirements": "配合督导", "staff_code": code})
    assert set(other.field_errors) == {"changed_facts"}
    stated = decide(case_id, "d-2", {"decision": "变更处理", "changed_article": "第二十二条（一）",
                                     "reason": "整改期间已有改进", "requirements": "规范考场设置",
                                     "staff_code": code})
    assert stated.accepted
    assert carry_out(case_id)["status"] == "rectifying"


def test_a_referral_by_an_agency_that_did_not_file_changed_to_a_revocation_is_reported_not_heard(any_db):
    """Issue 17 point 1, 「the filing-authority rule is recomputed for the changed measure」: 济南 refers a
    province-filed institution itself (第二十四条 names no filing authority); changed to 第二十三条（四）,
    the measure is the province's (「由负责备案的人社部门」): no 告知书 or 处理决定书 from 济南, a 报告
    proposing the revocation on the changed facts, and the province's own case hears it."""
    code = _staff("CITY-A")
    case_id, inst_id = _city_on_province_filed("RR1", "24.1", facts="督导发现其贩卖证书")
    v = start_case("run-rr1", sanction_case_id=case_id, as_of=D0)
    assert (v["measure"], v["report_only"], v["hearing"]) == ("referral", False, False)
    skip_hearing(case_id)
    assert decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十三条（四）",
                                   "reason": "核实其贩卖证书", "changed_facts": "经核实，该机构出售证书3本。",
                                   "staff_code": code}).accepted
    assert carry_out(case_id)["status"] == "reported"
    for kind in ("hearing", "hearing-2", "decision", "revocation", "transfer"):
        assert _letter(case_id, kind) == "", kind
    report = _letter(case_id, "report")
    _no_blank_in(report)
    assert "第二十三条（四）" in report and "建议：撤销备案回执" in report and "出售证书3本" in report
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"
        assert s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id)).first() is None
    own = start_case("run-rr1-prov", sanction_case_id=_followed(case_id), as_of=D0)
    assert (own["measure"], own["article"], own["report_only"], own["hearing"]) == \
        ("revocation", "第二十三条（四）", False, True)
