"""年度技能人才评价质量督导工作情况报告 (issue 18 part 4): the year's report of an agency, as a .docx
in our letters' layout (year_report_docx) and an .xlsx with every table — the very tables of the
desk's 统计 page (statistics.compute), so the numbers cannot differ.

Whose: the viewing agency (第五条 scopes: the provincial centre the province or a city, a city its
city). The .docx goes onward (to the provincial centre, or from it to the 人社厅), so it carries
no supervisor's personal figures (第八条); the .xlsx is the agency's own working file and keeps
its own supervisors' rows. The report is a draft for the agency to sign and number: it takes no
number from the letter series (a click must not use one up).
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from adapters import charts, clock
from models import Agency
from procedures.desk.statistics import compute
from procedures.desk.statistics_page import chart_of
from procedures.desk.statistics_scope import StatisticsError
from procedures.desk.statistics_tables import Statistics, Table
from procedures.desk.year_report_docx import Attachment, png_of, render

PROVINCE_DEPARTMENT = "山东省人力资源和社会保障厅"


@dataclass(frozen=True)
class YearReport:
    stats: Statistics
    title: str
    paragraphs: list[str]
    docx: bytes
    xlsx: bytes
    stem: str  # file name without extension


def _v(table: Table, label, column: str):
    return table.value(label, column)


def _cn(iso: str) -> str:
    """2026-08-10 → 2026年8月10日 (a date in a letter); other text as is."""
    parts = iso.split("-")
    return f"{parts[0]}年{int(parts[1])}月{int(parts[2])}日" if len(parts) == 3 and all(p.isdigit() for p in parts) else iso


def _listing(rows, fmt, limit: int = 5) -> str:
    items = [fmt(r) for r in rows[:limit]]
    return "、".join(items) + ("等" if len(rows) > limit else "")


def paragraphs(st: Statistics) -> list[str]:
    t = st.table
    cov, rec, sup, rect = t("coverage"), t("records"), t("supervisors"), t("rectifications")
    fair, special = t("fairness"), t("special")
    items, findings, measures = t("failed_items").rows, t("findings").rows, t("measures").rows
    still = t("open_rectifications").rows
    head = f"{st.period.label}，{st.scope.label}"
    text = [
        "一、基本情况",
        f"{head}共登记技能人才评价场次{_v(cov, '合计', '登记场次')}场，委派外部质量督导员开展日常督导"
        f"{_v(cov, '合计', '已督导场次')}场，覆盖率{_v(cov, '合计', '覆盖率')}。外部督导员提交督导情况记录表"
        f"{_v(rec, '合计', '记录份数')}份，其中按时提交{_v(rec, '合计', '按时')}份（按时率{_v(rec, '合计', '按时率')}）；"
        f"评定合格{_v(rec, '合计', '合格')}份、不合格{_v(rec, '合计', '不合格')}份（不合格率{_v(rec, '合计', '不合格率')}）。"
        f"在聘外部督导员{_v(sup, '在聘督导员', '人数')}人，期间{_v(sup, '期间被委派的督导员', '人数')}人被委派"
        f"{_v(sup, '委派人次', '人数')}人次，{_v(sup, '期间任期届满', '人数')}人任期届满。",
        "二、督导发现的主要问题",
        (f"督导情况记录表中被判“否”次数最多的检查项是：{_listing(items, lambda r: f'{r[0]}“{r[1]}”（{r[2]}次）', 3)}。"
         if items else "督导情况记录表中没有被判“否”的检查项。")
        + (f"期间启动处理程序{sum(r[1] for r in findings)}件，依据的条款为：{_listing(findings, lambda r: f'{r[0]}{r[1]}件')}。"
           if findings else "期间未启动处理程序。"),
        "三、采取的措施",
        (f"期间采取措施{sum(r[3] for r in measures)}项：{_listing(measures, lambda r: f'{r[1]}（{r[2]}）{r[3]}项', 8)}。"
         if measures else "期间未采取处理措施。")
        + f"启动专项督导{_v(special, '合计', '启动')}次（日常督导转专项督导{_v(special, '日常督导转专项督导', '启动')}次、"
          f"投诉举报{_v(special, '投诉举报', '启动')}次、主动开展{_v(special, '主动开展', '启动')}次），"
          f"已结案或转处理{_v(special, '合计', '已结案或转处理')}次。",
        "四、整改落实情况",
        f"期间责令整改或提出改进要求{_v(rect, '责令整改或改进', '数量')}家次，已完成{_v(rect, '已完成', '数量')}家次，"
        f"进行中{_v(rect, '进行中', '数量')}家次，其中逾期未完成{_v(rect, '其中逾期未完成', '数量')}家次。"
        + rect.note.split("。", 1)[1]
        + (f"截至{st.as_of.year}年{st.as_of.month}月{st.as_of.day}日，尚未完成整改或改进的评价机构{len(still)}家次"
           f"（{_listing(still, lambda r: f'{r[0]}，期限{_cn(r[5])}，{r[6]}')}），详见附件。" if still
           else "目前没有尚未完成整改或改进的评价机构。"),
        "五、随机抽取公平性",
        f"期间随机抽取{_v(fair, '抽取次数', '数值')}次，涉及督导员{_v(fair, '参与抽取的督导员', '数值')}人。"
        f"对各督导员被抽中次数与随机期望次数进行卡方拟合优度检验：卡方统计量{_v(fair, '卡方统计量', '数值')}，"
        f"自由度{_v(fair, '自由度', '数值')}，p值{_v(fair, 'p值', '数值')}，{_v(fair, '结论', '数值')}。",
        "六、下一步工作",
        "（由本机构填写下一步工作安排。）",
    ]
    return text


def _recipient(s: Session, viewer: Agency) -> str:
    if viewer.level == "province":
        return PROVINCE_DEPARTMENT
    centre = s.get(Agency, "PROV")
    return centre.name if centre else "山东省就业人才中心"


def year_report(s: Session, viewer_id: str, year: int, scope_code: str | None = None,
                as_of: date | None = None) -> YearReport:
    """The year's report of `viewer_id` for `year` (and scope), as it stands on `as_of`."""
    viewer = s.get(Agency, (viewer_id or "").strip())
    if viewer is None:
        raise StatisticsError(f"委派机构：没有编码为“{viewer_id}”的委派机构")
    as_of = as_of or clock.today()
    st = compute(s, viewer.id, str(year), scope_code, as_of=as_of)
    title = f"{st.scope.label}{year}年度技能人才评价质量督导工作情况报告"
    words = paragraphs(st)
    shown = [tb for tb in st.tables if not tb.personal]
    attachments = [Attachment(tb.title, png_of(chart_of(tb)), tb.columns, tb.rows, tb.note) for tb in shown]
    docx = render(viewer.letterhead_name, title, _recipient(s, viewer), words, attachments, as_of)
    xlsx = charts.workbook_bytes(
        [("说明", ("项目", "内容"), (("报告", title), ("范围", st.scope.label), ("期间", st.period.label),
                                     ("状态截至", str(as_of)), ("出具机构", viewer.letterhead_name)), "")]
        + [(tb.title, tb.columns, tb.rows, tb.note) for tb in st.tables])
    stem = f"{year}年度质量督导工作情况报告-{st.scope.code.replace(':', '-')}"
    return YearReport(st, title, words, docx, xlsx, stem)
