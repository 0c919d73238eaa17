"""督导员违规处理 — 第二十六条, for staff in the Prefect UI.

Two buttons, because the law puts a hearing between them: **misconduct-register** opens the
case with its item (第二十六条（一）–（八）) and the measure proposed (or, given a case_id, takes
a case the deadline sweep opened), and mails the supervisor the
告知书 (facts, reasons, basis, that measure, the period) with their own portal link to state
their case; **misconduct-decide** records the measure. The supervisor's statement comes only
through that link: staff never type it, so a suspension, dismissal or referral before the
period has ended and without the supervisor's own statement is refused with the reason, and so
is a measure heavier than the one the 告知书 named (regulation.misconduct). Every step is
written in the supervisor's file; a dismissal also cancels the card, ends the term, bans the
person and produces the letter to the employer; a referral adds the 移送函.

An internal supervisor (第十二条) is handled by the body that appointed them: registering sends
it the agency's 处理建议 (recorded), and misconduct-decide refuses to decide.

Each button is signed: before anything is written the run asks for the staff code of the
person deciding (a form, never a parameter — parameters show on the run's page), checks it
against the agency that handles the case (the card's issuer) and asks again with the reason
when it is wrong, of another agency or of a disabled account. The case stores who decided.
"""

from typing import Annotated, Literal

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from adapters.clock import today
from adapters.markdown_text import inert
from flows.parameters import BLANK_DATE, day_given, titled
from flows.signing import signed
from tasks import supervisors as t

MEASURE_CODES = {"批评教育": "criticism", "暂停委派": "suspension", "解聘": "dismissal", "移送司法机关": "referral"}
Measure = Literal["批评教育", "暂停委派", "解聘", "移送司法机关"]


@flow(name="misconduct-register", persist_result=True)
def misconduct_register(
    card_code: Annotated[str, titled("督导员证卡编码", "当事督导员的证卡编码")],
    item: Annotated[int, titled("违规情形", "第二十六条第几项（1-8）")],
    facts: Annotated[str, titled("违规事实", "将写入告知书")],
    proposed: Annotated[Measure, titled("拟作出的处理", "告知书只写这一项；决定时不得更重：批评教育 / 暂停委派 / 解聘 / 移送司法机关。内督员则为向其委派机构提出的处理建议")],
    suspension_months: Annotated[int, titled("拟暂停委派月数", "1-24，仅暂停委派时填写（其他措施填0）；告知书写明，决定时不得更长")] = 0,
    case_id: Annotated[int, titled("已立案的案件编号", "如期限巡检因记录表逾期立案的：填写时不再新立案，只对该案发出告知书（或处理建议）；新立案填0")] = 0,
    institution_id: Annotated[int, titled("评价机构编号", "内督员证卡的颁发机构代码对应多个评价机构时，写明颁发该证卡的评价机构编号；否则填0")] = 0,
    as_of: Annotated[str, titled("登记日期", "留空即为今天；不得晚于今天。告知书以实际发出之日为准，陈述申辩期限自该日起算", date=True)] = BLANK_DATE,
) -> dict:
    """登记督导员违规情形并告知当事人拟作出的处理（第二十六条）。登记人在随后的表单中填写本人工作人员代码。"""
    day = day_given(as_of, "登记日期") if as_of else None  # empty: the day it is signed
    decider = signed(f"登记督导员违规：证卡 {card_code}，第二十六条第{item}项。请填写登记人本人的工作人员代码。",
                      lambda code: t.misconduct_decider(code, card_code=card_code))
    case = t.open_misconduct_case(card_code, item, facts, decider.name, day or today(),
                                  f"registered:{flow_run.get_id()}", decider.staff_id, MEASURE_CODES[proposed],
                                  case_id or None, suspension_months or None, institution_id or None)
    t.deliver_mail()
    if case["appointing_body"]:
        text = (f"# 已立案：案件编号 {case['case_id']}\n\n当事人：{inert(case['supervisor'])}（内督员）。依据第十二条、第二十六条，"
                f"由其委派机构（{inert(case['appointing_body'])}）作出处理，已向其提出处理建议：{case['proposed']}。")
    else:
        text = (f"# 已立案：案件编号 {case['case_id']}\n\n当事人：{inert(case['supervisor'])}；拟作出的处理：{case['proposed']}；"
                f"陈述申辩期限至 {case['statement_due']}（当事人通过本人链接提交）。期满或收到陈述后运行 misconduct-decide。")
    create_markdown_artifact(text, key="misconduct-case", description="督导员违规立案")
    return case


@flow(name="misconduct-decide", persist_result=True)
def misconduct_decide(
    case_id: Annotated[int, titled("案件编号", "misconduct-register 的结果")],
    measure: Annotated[Measure, titled("处理措施", "批评教育 / 暂停委派 / 解聘（情节严重）/ 移送司法机关（情节特别严重构成犯罪，含解聘）；不得重于告知书所写")],
    suspension_months: Annotated[int, titled("暂停委派月数", "1-24，仅暂停委派时填写（其他措施填0）")] = 0,
    referral_authority: Annotated[str, titled("接收移送的司法机关", "仅移送司法机关时填写")] = "",
    as_of: Annotated[str, titled("决定日期", "留空即为今天；不得晚于今天，也不得早于告知书发出之日", date=True)] = BLANK_DATE,
) -> str:
    """对督导员违规案件作出处理决定（第二十六条）。决定人在随后的表单中填写本人工作人员代码。"""
    day = day_given(as_of, "决定日期") if as_of else None  # empty: the day it is signed
    decider = signed(f"督导员违规案件 {case_id}：处理措施 {measure}。请填写决定人本人的工作人员代码。",
                      lambda code: t.misconduct_decider(code, case_id=case_id))
    text = t.decide_misconduct_case(case_id, MEASURE_CODES[measure], decider.name, suspension_months or None,
                                    day or today(), decider.staff_id, referral_authority)
    t.deliver_mail()
    create_markdown_artifact(f"# 处理决定\n\n案件 {case_id}：{inert(text)}", key="misconduct-decision",
                             description="督导员违规处理决定")
    return text
