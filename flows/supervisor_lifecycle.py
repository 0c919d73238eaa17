"""质量督导员的培养使用 — card issue and the appointment draw (第九条, 第十条, 附件1, 附件2).

Registration, assessments, misconduct hearings and decisions are recorded through the
procedures (procedures/supervisors/: people, cards, terms, misconduct); the term-end warning and
the automatic end run in the daily deadline sweep. These flows are the agency's buttons for
the two steps that produce documents: the card and the letter of appointment (聘书).
"""

from datetime import date
from typing import Annotated

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from adapters.markdown_text import inert
from flows.parameters import BLANK_DATE, day_given, titled
from tasks import supervisors as t


@flow(name="supervisor-card-issue")
def supervisor_card_issue(
    registration_id: Annotated[int, titled("登记编号", "培训登记记录的编号")],
    agency_id: Annotated[str, titled("颁发机构代码", "PROV 或 CITY-A … CITY-R")],
    as_of: Annotated[str, titled("发证日期", "留空即为今天（YYYY-MM-DD）", date=True)] = BLANK_DATE,
) -> str:
    """核发外督证卡（第十条、附件1）：须经培训并考核合格；编码按颁发机构、年度顺序取号。"""
    code = t.issue_card(registration_id, agency_id, day_given(as_of, "发证日期"))  # no suspend: never replayed
    create_markdown_artifact(f"# 证卡已核发\n\n证卡编码：**{code}**\n\n打印：`supervise supervisor card {code}`",
                             key="card-issued", description="证卡核发")
    return code


@flow(name="appointment-draw")
def appointment_draw(
    agency_id: Annotated[str, titled("委派机构代码", "PROV 或 CITY-A … CITY-R")],
    count: Annotated[int, titled("聘任人数", "至少1人")],
    term_start: Annotated[date, titled("聘期起始日", "聘期三年，自该日起算（第十条）")],
    as_of: Annotated[str, titled("抽取日期", "留空即为今天（YYYY-MM-DD）", date=True)] = BLANK_DATE,
) -> list[str]:
    """随机抽取获得外督证卡人员并颁发聘书（第十条），聘期三年；抽取可凭种子复现。"""
    seed = t.new_seed()
    chosen = t.draw_appointments(agency_id, count, term_start, seed, day_given(as_of, "抽取日期"))
    t.deliver_mail()
    create_markdown_artifact("# 聘任抽取结果\n\n" + f"种子：`{seed}`\n\n" + "\n".join(f"- {inert(c)}" for c in chosen),
                             key="appointment-draw", description="聘任抽取")
    return chosen
