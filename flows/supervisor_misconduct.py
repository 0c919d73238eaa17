"""督导员违规处理 — 第二十六条, for staff in the Prefect UI.

Two buttons, because the law puts a hearing between them: **misconduct-register** opens the
case with its item (第二十六条（一）–（八）) and mails the supervisor the 告知书 (facts, reasons,
basis, the period to state their case); **misconduct-decide** records the statement (if any)
and the measure. A suspension or dismissal before the period has ended and without a
statement is refused with the reason (regulation.misconduct). Every step is written in the
supervisor's file; a dismissal also cancels the card, ends the term, bans the person and
produces the letter to the employer.
"""

from datetime import date
from typing import Literal

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from adapters.clock import today
from tasks import supervisors as t

MEASURE_CODES = {"批评教育": "criticism", "暂停委派": "suspension", "解聘": "dismissal"}


@flow(name="misconduct-register")
def misconduct_register(card_code: str, item: int, facts: str, registered_by: str, as_of: date | None = None) -> dict:
    """登记督导员违规情形并告知当事人（第二十六条）。

    Args:
        card_code: 督导员证卡编码
        item: 第二十六条第几项（1-8）
        facts: 违规事实（将写入告知书）
        registered_by: 登记人姓名
        as_of: 登记日期，默认今天
    """
    case = t.open_misconduct_case(card_code, item, facts, registered_by, as_of or today(),
                                  f"registered:{flow_run.get_id()}")
    t.deliver_mail()
    create_markdown_artifact(f"# 已立案：案件编号 {case['case_id']}\n\n当事人：{case['supervisor']}；"
                             f"陈述申辩期限至 {case['statement_due']}。期满或收到陈述后运行 misconduct-decide。",
                             key="misconduct-case", description="督导员违规立案")
    return case


@flow(name="misconduct-decide")
def misconduct_decide(case_id: int, measure: Literal["批评教育", "暂停委派", "解聘"], decided_by: str,
                      suspension_months: int | None = None, statement: str = "", as_of: date | None = None) -> str:
    """对督导员违规案件作出处理决定（第二十六条）。

    Args:
        case_id: 案件编号（misconduct-register 的结果）
        measure: 处理措施：批评教育 / 暂停委派 / 解聘（情节严重）
        decided_by: 决定人姓名
        suspension_months: 暂停委派的月数（1-24），仅暂停委派时填写
        statement: 当事人的陈述申辩（书面材料摘要），没有则留空
        as_of: 决定日期，默认今天
    """
    text = t.decide_misconduct_case(case_id, MEASURE_CODES[measure], decided_by, suspension_months, statement,
                                    as_of or today())
    t.deliver_mail()
    create_markdown_artifact(f"# 处理决定\n\n案件 {case_id}：{text}", key="misconduct-decision",
                             description="督导员违规处理决定")
    return text
