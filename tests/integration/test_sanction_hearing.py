"""Issue 17 on a real database (SQLite; the change paths on PostgreSQL too): no measure without its
hearing (第二十五条) when staff change the proposed measure, only the filing authority decides
(第二十条、第二十二条、第二十三条), several articles in one finding, and what the letters say."""

import re
from datetime import date, datetime, time

import pytest
from sqlmodel import select

from adapters.clock import tz
from adapters.db import session_scope, upgrade
from adapters.documents import docx_text
from cli.demo_data import add_agencies, add_institution
from models import (
    Document,
    Institution,
    InstitutionHistory,
    OutboxMessage,
    RegisterEntry,
    SanctionCase,
)
from procedures import portal_links, portal_submissions, sanctions, staff
from tests.app_env import app_env

D0 = date(2026, 3, 2)
NEVER = ("（）", "None", "强化考点管理", "。。", "。，", "。；")  # no empty bracket, None, default text, doubled stop
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # letters write 2026年1月5日


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'supervision.db'}"
    with app_env({"SUPERVISION_DATABASE_URL": url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade(url)
        with session_scope() as s:
            add_agencies(s)
        yield url


@pytest.fixture
def any_db(db_url, tmp_path):
    """SQLite, then a real PostgreSQL (conftest's db_url)."""
    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade(db_url)
        with session_scope() as s:
            add_agencies(s)
        yield db_url


def _staff(agency="CITY-A") -> str:
    with session_scope() as s:
        return staff.add(s, agency, f"审核{agency}", "审核")[1]


def _inst(tag: str, **kw) -> int:
    with session_scope() as s:
        return add_institution(s, f"测试机构{tag}", f"S-{tag}", **kw).id


def _start(run: str, inst_id: int, article: str, facts="考场未按规定设置", **kw) -> dict:
    with session_scope() as s:
        filing = s.get(Institution, inst_id).filing_number
    return sanctions.start_case(run, filing_number=filing, article=article, facts=facts, as_of=D0, **kw)


def _submit(case_id: int, run: str, step: str, statement: str) -> int:
    due = datetime.combine(date(2099, 1, 1), time(23, 59), tzinfo=tz())
    with session_scope() as s:
        link = portal_links.create_link(s, portal_links.CaseStep("sanction", case_id, step, run),
                                        portal_links.Recipient("institution", "机构", "i@example.cn"),
                                        portal_links.Contact("济南", "a@example.cn"), "标题", due)
    result = portal_submissions.submit(link.token, statement, [])
    assert result.status == "stored", result.errors
    return result.receipt.submission_id


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
    sanctions.notify_hearing(case_id)
    sanctions.record_defence(case_id, 0)
    assert sanctions.decide(case_id, "decision-1", {"decision": "变更处理", "staff_code": code} | change).accepted
    return case_id


def test_a_referral_changed_to_a_revocation_is_heard_before_it_is_decided(any_db):
    """24 → 23: the referral was never announced; the revocation is told first (a new 告知书 with
    the new basis and the reason), the run waits for the defence, then it is decided."""
    code, inst_id = _staff(), _inst("C24")
    v = _start("run-c24", inst_id, "第二十四条")
    assert (v["measure"], v["article"], v["hearing"]) == ("referral", "第二十四条", False)
    case_id = v["case_id"]
    sanctions.skip_hearing(case_id)
    change = {"decision": "变更处理", "changed_article": "第二十三条（四）", "reason": "核实其贩卖证书",
              "staff_code": code}
    refused = sanctions.decide(case_id, "decision-0", change)
    assert set(refused.field_errors) == {"changed_facts"} and refused.errors[0].startswith("变更后的事实：")
    changed = sanctions.decide(case_id, "decision-1", change | {"changed_facts": "经核实，该机构向他人出售证书3本。"})
    assert changed.accepted
    v = sanctions.read_view(case_id)
    assert (v["status"], v["measure"], v["hearing"], v["defence_step"]) == ("pending", "revocation", True, "defence-2")
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"  # nothing taken before the hearing
    v = sanctions.notify_hearing(case_id)
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
    sanctions.record_defence(case_id, _submit(case_id, "run-c24", "defence-2", "证书系他人伪造"))
    decided = sanctions.decide(case_id, "decision-r2-1", {"decision": "采纳拟处理意见", "point_01": "不采纳",
                                                          "point_reason_01": "有交易记录为证", "staff_code": code})
    assert decided.accepted
    assert sanctions.carry_out(case_id)["status"] == "closed"
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
    sanctions.notify_hearing(case_id)
    first = sanctions.read_view(case_id)
    sanctions.record_defence(case_id, _submit(case_id, "run-c21", "defence", "考场设置已整改"))
    change = {"decision": "变更处理", "changed_article": "第二十三条（一）", "point_01": "不采纳",
              "point_reason_01": "未见整改材料", "staff_code": code, "changed_facts": "整改期满后再次超范围评价。"}
    missing = sanctions.decide(case_id, "decision-1", change)
    assert missing.field_errors == {"reason": "理由：变更处理须写明理由"}
    assert sanctions.decide(case_id, "decision-2", change | {"reason": "已被出具整改通知书后再次违反"}).accepted
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        (change_row,) = case.details["changes"]
        assert (change_row["from_article"], change_row["to_article"]) == ("第二十一条（三）", "第二十三条（一）")
        assert change_row["defence"]["points"] == ["考场设置已整改"] and case.defence == {}
        assert case.proposal["publish"] and case.proposal["rests_on"][0]["number"] == "济南人社督〔2026〕1号"
    v = sanctions.notify_hearing(case_id)
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
    sanctions.record_defence(case_id, 0)  # the second period ended without a defence
    assert sanctions.decide(case_id, "decision-r2-1", {"decision": "采纳拟处理意见", "staff_code": code}).accepted
    assert sanctions.carry_out(case_id)["status"] == "closed"
    decision = _letter(case_id, "decision")
    _no_blank_in(decision)
    assert "在规定期限（2026年3月9日前）内未提交陈述和申辩意见" in decision


def test_a_change_to_23_1_without_a_rectification_notice_on_record_is_refused_beside_the_field(any_db):
    """第二十三条（一） 「已被出具书面通知后」: no 整改通知书 on record, no change to it (nothing re-heard)."""
    code, inst_id = _staff(), _inst("N231")
    case_id = _start("run-n231", inst_id, "第二十一条（三）")["case_id"]
    sanctions.notify_hearing(case_id)
    sanctions.record_defence(case_id, 0)
    refused = sanctions.decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十三条（一）",
                                                "reason": "再次违反", "changed_facts": "再次违反", "staff_code": code})
    assert set(refused.field_errors) == {"changed_article"} and "整改通知书" in refused.field_errors["changed_article"]
    ten = sanctions.decide(case_id, "d-2", {"decision": "变更处理", "changed_article": "第二十三条（十）",
                                            "reason": "多次不合格", "changed_facts": "多次不合格", "staff_code": code})
    assert "2026年度记录为0次" in ten.field_errors["changed_article"]
    one = sanctions.decide(case_id, "d-3", {"decision": "变更处理", "changed_article": "第二十二条（一）",
                                            "reason": "约谈后又发生", "changed_facts": "又发生", "staff_code": code})
    assert "约谈" in one.field_errors["changed_article"]
    assert sanctions.read_view(case_id)["hearing_round"] == 1


def test_a_change_to_article_15_is_refused_beside_the_field(db):
    """第十五条（一） 提醒函 is no measure of the 处理程序: never 「决定：提醒函」 with no letter sent."""
    code, inst_id = _staff(), _inst("F15")
    case_id = _start("run-f15", inst_id, "第二十一条（三）")["case_id"]
    sanctions.notify_hearing(case_id)
    sanctions.record_defence(case_id, 0)
    for n, article in enumerate(("第十五条", "fail"), 1):
        refused = sanctions.decide(case_id, f"d-{n}", {"decision": "变更处理", "changed_article": article,
                                                       "reason": "情节轻微", "staff_code": code})
        assert set(refused.field_errors) == {"changed_article"} and "第十五条" in refused.field_errors["changed_article"]


def test_a_lighter_measure_is_decided_at_once_with_the_fields_it_needs(db):
    """22.1 → 21.3: no new hearing; the interview needs its time and place, named beside the field."""
    code, inst_id = _staff(), _inst("L21")
    case_id = _start("run-l21", inst_id, "第二十一条（三）", serious=True)["case_id"]
    assert sanctions.read_view(case_id)["article"] == "第二十二条（一）"
    sanctions.notify_hearing(case_id)
    sanctions.record_defence(case_id, 0)
    change = {"decision": "变更处理", "changed_article": "第二十一条（三）", "reason": "情节尚不严重", "staff_code": code}
    refused = sanctions.decide(case_id, "decision-1", change)
    assert set(refused.field_errors) == {"interview_time", "interview_place"}
    assert refused.field_errors["interview_time"].startswith("约谈时间：")
    assert sanctions.decide(case_id, "decision-2", change | {"interview_time": "2026年3月20日9时",
                                                             "interview_place": "市人社局301室"}).accepted
    v = sanctions.carry_out(case_id)
    assert (v["status"], v["hearing_round"]) == ("awaiting_minutes", 1)
    decision = _letter(case_id, "decision")
    _no_blank_in(decision)
    assert "第二十一条（三）" in decision and "约谈时间：2026年3月20日9时" in decision


def test_a_referral_goes_alongside_a_revocation_cited_in_the_same_finding(db):
    """「第二十三条（四）、第二十四条」: revoked and referred; the 告知书 does not announce the referral."""
    code, inst_id = _staff(), _inst("R24")
    v = _start("run-r24", inst_id, "第二十三条（四）、第二十四条")
    assert (v["measure"], v["article"]) == ("revocation", "第二十三条（四）")
    sanctions.notify_hearing(v["case_id"])
    assert "第二十四条" not in _letter(v["case_id"], "hearing") and "移交" not in _letter(v["case_id"], "hearing")
    sanctions.record_defence(v["case_id"], 0)
    refused = sanctions.decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert set(refused.field_errors) == {"authority"}
    assert sanctions.decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                                  "authority": "某市公安局"}).accepted
    sanctions.carry_out(v["case_id"])
    with session_scope() as s:
        kinds = [h.kind for h in s.exec(select(InstitutionHistory).where(InstitutionHistory.institution_id == inst_id))]
        assert s.get(Institution, inst_id).status == "revoked"
    assert kinds == ["decision", "revocation", "referral"]
    assert "某市公安局" in _letter(v["case_id"], "transfer")


def test_an_agency_that_did_not_file_sends_a_numbered_report_and_the_filing_authority_opens_its_own_case(db):
    """A city acting on a province-filed institution: no 告知书, no 处理决定书, a 报告 to the province,
    whose own case is opened pending; started, it hears and decides itself."""
    city_code, inst_id = _staff("CITY-A"), _inst("P1", authority="province")
    with session_scope() as s:
        case = sanctions.open_sanction(s, "test:p1", inst_id, "23.4", "督导发现贩卖证书", D0, "registered",
                                       agency_id="CITY-A")
        case_id = case.id
    v = sanctions.start_case("run-p1", sanction_case_id=case_id, as_of=D0)
    assert v["report_only"] and not v["hearing"]
    sanctions.skip_hearing(case_id)
    assert sanctions.decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": city_code}).accepted
    assert sanctions.carry_out(case_id)["status"] == "reported"
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
    own = sanctions.start_case("run-p1-prov", sanction_case_id=followed.id, as_of=D0)
    assert (own["report_only"], own["hearing"], own["measure"]) == (False, True, "revocation")


def test_article_20_on_a_ministry_filed_institution_is_reported_not_ordered(db):
    """第二十条 「经负责备案的人社部门核查」: the province reports; it orders no voiding itself."""
    code, inst_id = _staff("PROV"), _inst("M20", authority="mohrss")
    v = _start("run-m20", inst_id, "第二十条（一）")
    assert v["report_only"] and not v["hearing"]
    sanctions.skip_hearing(v["case_id"])
    sanctions.decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert sanctions.carry_out(v["case_id"])["status"] == "reported"
    assert _letter(v["case_id"], "void-order") == "" and "人力资源社会保障部" in _letter(v["case_id"], "report")


def test_a_dropped_referral_serves_no_decision_on_an_institution_never_told(db):
    code, inst_id = _staff(), _inst("D24")
    v = _start("run-d24", inst_id, "第二十四条")
    sanctions.skip_hearing(v["case_id"])
    assert sanctions.decide(v["case_id"], "d-1", {"decision": "不予处理", "reason": "经核实不构成重大违法",
                                                  "staff_code": code}).accepted
    assert sanctions.carry_out(v["case_id"])["status"] == "dropped"
    assert _letter(v["case_id"], "decision") == ""


def test_a_rectification_notice_carries_the_requirements_staff_wrote(db):
    code, inst_id = _staff(), _inst("N22")
    v = _start("run-n22", inst_id, "第二十二条（二）")
    sanctions.notify_hearing(v["case_id"])
    hearing = _letter(v["case_id"], "hearing")
    assert hearing.count("第二十二条（二）") == 1 and hearing.count("超职业、超等级、超地域范围评价的") == 1
    sanctions.record_defence(v["case_id"], 0)
    refused = sanctions.decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert refused.field_errors == {"requirements": "整改要求：第二十二条《整改通知书》须写明整改要求"}
    assert sanctions.decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                                  "requirements": "停止超范围评价"}).accepted
    sanctions.carry_out(v["case_id"])
    notice = _letter(v["case_id"], "rectification")
    _no_blank_in(notice)
    assert "你单位应当停止超范围评价，并立即整改" in notice
    decision = _letter(v["case_id"], "decision")
    assert "六十日内向济南市人民政府申请行政复议" in decision and "并对社会公布" in decision


def test_an_article_27_revocation_letter_does_not_say_it_is_published_or_bars_new_filings(db):
    """第二十七条: revoked and a discipline proposal; not published, and 「不再受理其备案或遴选申请」 is
    第二十三条's alone. The recipient and the persons are required (named beside the fields)."""
    code, inst_id = _staff(), _inst("P27")
    v = _start("run-p27", inst_id, "第二十七条（三）", serious=True, facts="督导意见下达后未采取任何整改措施。")
    sanctions.notify_hearing(v["case_id"])
    sanctions.record_defence(v["case_id"], 0)
    refused = sanctions.decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code})
    assert set(refused.field_errors) == {"authority", "persons"}
    assert refused.field_errors["persons"].startswith("直接负责的主管人员和其他责任人员：")
    assert sanctions.decide(v["case_id"], "d-2", {"decision": "采纳拟处理意见", "staff_code": code,
                                                  "authority": "某集团纪委", "persons": "张某"}).accepted
    assert sanctions.carry_out(v["case_id"])["status"] == "closed"
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
    sanctions.notify_hearing(v["case_id"])
    hearing = _letter(v["case_id"], "hearing")
    _no_blank_in(hearing)
    assert hearing.count("第二十三条（一）") == 1 and hearing.count("已被出具书面通知后再次违反第二十二条规定的") == 1
    assert "已于2026年1月5日被出具《整改通知书》，再次违反第二十二条（二）" in hearing
    assert "第二十二条（第二十二条" not in hearing and "2026年1月5日，发出《整改通知书》" in hearing
