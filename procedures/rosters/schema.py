"""The four roster layouts (institutions, supervisors, sessions, agency staff): columns,
Chinese headers, examples, help text, allowed values, and the cell ⇄ value conversions.

One layout serves the template, the import and the export, so an export re-imports
unchanged. A cell that cannot be read raises CellError with a Chinese sentence saying why
and what is allowed; the importer adds the sheet, row and column.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from regulation.cards import CardCodeError, parse_card
from regulation.identity import IdentityNumberError, make_number
from regulation.identity import validate as validate_identity
from regulation.roster_values import (
    CITY_CODES,
    FILING_AUTHORITIES,
    FORM_KIND_LABELS,
    INSTITUTION_CATEGORIES,
    INSTITUTION_STATUSES,
    LEVELS,
    STAFF_ROLES,
    label_of,
)

LIST_SEPARATORS = re.compile(r"[；;、\n]+")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
DATE_FORMAT = "YYYY-MM-DD"
DATETIME_FORMAT = "YYYY-MM-DD HH:MM"


class CellError(ValueError):
    """Why one cell is wrong (Chinese)."""


def text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def parse_date(v: Any) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = text(v)
    try:
        return date.fromisoformat(s.replace("/", "-"))
    except ValueError:
        raise CellError(f"应为日期（{DATE_FORMAT}），实际为“{s}”") from None


def parse_datetime(v: Any) -> datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.replace(tzinfo=None, second=0, microsecond=0)
    s = text(v).replace("/", "-").replace("T", " ")
    try:
        moment = datetime.fromisoformat(s)
    except ValueError:
        raise CellError(f"应为日期时间（{DATETIME_FORMAT}），实际为“{s}”") from None
    if len(s) <= 10:
        raise CellError(f"应为日期时间（{DATETIME_FORMAT}），缺少时间：“{s}”")
    return moment.replace(second=0, microsecond=0)


def parse_list(v: Any) -> list[str]:
    return [p.strip() for p in LIST_SEPARATORS.split(text(v)) if p.strip()]


def parse_int(v: Any) -> int:
    s = text(v)
    if not s:
        return 0
    if not s.isdigit():
        raise CellError(f"应为非负整数，实际为“{s}”")
    return int(s)


def choice(table: dict[str, str] | tuple[str, ...]):
    allowed = list(table)

    def parse(v: Any) -> str:
        s = text(v)
        if s not in allowed:
            raise CellError(f"应为 {'/'.join(allowed)} 之一，实际为“{s}”")
        return table[s] if isinstance(table, dict) else s
    return parse


def levels(v: Any) -> list[str]:
    out = parse_list(v)
    bad = [x for x in out if x not in LEVELS]
    if bad:
        raise CellError(f"等级“{'、'.join(bad)}”无效，应为 {'/'.join(LEVELS)}，多个用“；”分隔")
    return out


def identity(v: Any) -> str:
    try:
        return validate_identity(text(v))
    except IdentityNumberError as exc:
        raise CellError(str(exc)) from None


def card_code(v: Any) -> str:
    s = text(v).upper()
    try:
        parse_card(s)
    except CardCodeError as exc:
        raise CellError(str(exc)) from None
    return s


def credit_code(v: Any) -> str:
    """统一社会信用代码 (GB 32100-2015), or "" when the cell is empty."""
    from regulation.credit_code import CreditCodeError, validate

    value = text(v)
    if not value:
        return ""
    try:
        return validate(value)
    except CreditCodeError as exc:
        raise CellError(str(exc)) from None


def email(v: Any) -> str:
    s = text(v)
    if not EMAIL.match(s):
        raise CellError(f"应为电子邮箱地址（如 name@example.cn），实际为“{s}”")
    return s


def phone(v: Any) -> str:
    s = text(v)
    if s and not PHONE.match(s):
        raise CellError(f"应为11位手机号或带区号的固定电话（如 0531-88888888），实际为“{s}”")
    return s


def digits6(v: Any) -> str:
    s = text(v)
    if s and not (len(s) == 6 and s.isdigit()):
        raise CellError(f"应为6位数字（附件1 二 行业部门证卡颁发机构代码），实际为“{s}”")
    return s


def _people(v: Any, with_card: bool) -> list[dict]:
    """考评人员 “姓名:身份证号”, 内督员 “姓名:证卡编码:身份证号”, several separated by “；”."""
    out = []
    for part in [p.strip() for p in re.split(r"[；;\n]+", text(v)) if p.strip()]:
        bits = [b.strip() for b in re.split(r"[:：]", part)]
        want = 3 if with_card else 2
        if len(bits) != want or not all(bits):
            shape = "姓名:证卡编码:身份证号" if with_card else "姓名:身份证号"
            raise CellError(f"“{part}”应写作“{shape}”，多人用“；”分隔")
        person = {"name": bits[0]}
        if with_card:
            person["card_code"] = card_code(bits[1])
        person["person_key"] = identity(bits[-1])
        out.append(person)
    return out


def examiners(v: Any) -> list[dict]:
    return _people(v, with_card=False)


def internal_supervisors(v: Any) -> list[dict]:
    return _people(v, with_card=True)


def _join(values: list[str]) -> str:
    return "；".join(values)


def _people_text(people: list[dict]) -> str:
    return "；".join(":".join(p[k] for k in ("name", "card_code", "person_key") if k in p) for p in people)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Callable[[Any], Any] = text
    fmt: Callable[[Any], Any] = lambda v: v
    required: bool = False
    help: str = ""
    example: Any = ""
    choices: tuple[str, ...] = ()  # for the sheet's data validation
    as_text: bool = False  # keep as text in Excel (numbers that are codes)
    width: int = 16


@dataclass(frozen=True)
class Layout:
    kind: str  # institutions | supervisors | sessions | staff
    sheet: str
    title: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = field(default=())

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


def _label(table):
    return lambda code: label_of(table, code)


EXAMPLE_ID = make_number("370102", date(1980, 5, 17), 123)
EXAMPLE_ID_2 = make_number("370202", date(1975, 3, 8), 45)
EXAMPLE_ID_3 = make_number("370103", date(1988, 11, 2), 7)

INSTITUTIONS = Layout(
    "institutions", "评价机构", "评价机构名册（备案信息）", ("filing_number",),
    (
        Column("机构名称", "name", required=True, example="济南某职业技能评价中心", width=28),
        Column("备案号", "filing_number", required=True, as_text=True, example="37010020240001",
               help="备案回执上的机构备案号；同一文件内及与系统内唯一，据此识别机构（重复导入即更新）。"),
        Column("备案层级", "filing_authority", choice(FILING_AUTHORITIES), _label(FILING_AUTHORITIES), True,
               "负责备案的人社部门层级（第十一条 属地管理、分级负责）。", "市级备案", tuple(FILING_AUTHORITIES)),
        Column("备案地市代码", "city_letter", lambda v: text(v).upper() or None, lambda v: v or "",
               help="市级备案必填：附件1 表3 设区市代码（A 济南 … R 菏泽）；人社部、省级备案留空。",
               example="A", choices=tuple(c for c in CITY_CODES if c != "0")),
        Column("机构类别", "category", choice(INSTITUTION_CATEGORIES), _label(INSTITUTION_CATEGORIES), True,
               "决定内督证卡颁发机构代码的取法（附件1 二）。", "社会培训评价组织", tuple(INSTITUTION_CATEGORIES)),
        Column("行业代码", "industry_code", digits6, as_text=True,
               help="行业部门内督证卡（H）的6位颁发机构代码，属行业部门管理的机构填写，否则留空（第十二条）。"),
        Column("备案日期", "filed_on", parse_date, required=True, help=f"{DATE_FORMAT}", example=date(2024, 1, 10)),
        Column("备案职业（工种）", "scope_occupations", parse_list, _join, True,
               "多个用“；”分隔（第十四条（二））。", "电工；焊工", width=24),
        Column("备案等级", "scope_levels", levels, _join, True,
               f"多个用“；”分隔，取值：{'/'.join(LEVELS)}。", "五级；四级；三级", width=20),
        Column("备案地域", "scope_regions", parse_list, _join, help="多个用“；”分隔；不限地域留空。", example="济南市"),
        Column("备案考点", "exam_sites", parse_list, _join, True,
               "备案的考点名称，多个用“；”分隔（第二十二条（八））。", "济南某职业技能评价中心本部考点", width=28),
        Column("状态", "status", lambda v: choice(INSTITUTION_STATUSES)(v or "正常"), _label(INSTITUTION_STATUSES),
               help="留空视为“正常”。", example="正常", choices=tuple(INSTITUTION_STATUSES)),
        Column("联系邮箱", "contact_email", email, required=True, example="pingjia@example.cn", width=24),
        Column("最近评价日期", "last_evaluation_on", parse_date, help=f"{DATE_FORMAT}，可留空（第二十二条（四））。"),
        Column("统一社会信用代码", "credit_code", credit_code, as_text=True, example="91370100MA3C5X1K26", width=22,
               help="18位（GB 32100）。已被撤销备案回执的机构不再受理其备案（第二十三条），据此识别同一机构的新备案。"),
    ),
)

SUPERVISORS = Layout(
    "supervisors", "督导员", "质量督导员名册（外督、内督）", ("card_code",),
    (
        Column("证卡编码", "card_code", card_code, required=True, as_text=True, example="R3724A001",
               help="附件1：外督9位（R37+年份+0或设区市代码+3位序号），内督13位（H/Y/S+6位颁发机构代码+年份+4位序号）。"),
        Column("姓名", "name", required=True, example="张三"),
        Column("身份证号", "person_key", identity, required=True, as_text=True, example=EXAMPLE_ID, width=22,
               help="18位公民身份号码，含校验码（GB 11643）；回避与禁入按人认定（第十三条、第二十六条）。"),
        Column("工作单位", "employer", example="济南某技师学院", width=24),
        Column("所在城市", "city_letter", lambda v: choice(tuple(CITY_CODES))(text(v).upper()),
               required=True, help="0 省直，或附件1 表3 设区市代码。", example="A", choices=tuple(CITY_CODES)),
        Column("手机", "phone", phone, as_text=True, example="13800000000"),
        Column("电子邮箱", "email", email, required=True, example="zhangsan@example.cn", width=24),
        Column("发证日期", "card_issued_on", parse_date, help=f"{DATE_FORMAT}，须在证卡编码的年份内（第十条）。",
               example=date(2024, 3, 1)),
        Column("聘期", "terms", lambda v: _terms(v), lambda ts: "；".join(f"{a}至{b}" for a, b in ts),
               help="外督聘期，每届写作“起始日至终止日”，多届用“；”分隔；每届三年，连续聘任不超过三届（第十条）。"
                    "提前结束的一届写实际终止日。", example="2024-04-01至2027-03-31", width=26),
    ),
)


def _terms(v: Any) -> list[tuple[date, date]]:
    out = []
    for part in parse_list(v):
        bits = re.split(r"\s*(?:至|~|～)\s*", part)
        if len(bits) != 2:
            raise CellError(f"聘期“{part}”应写作“起始日至终止日”（{DATE_FORMAT}至{DATE_FORMAT}）")
        start, end = parse_date(bits[0]), parse_date(bits[1])
        if end < start:
            raise CellError(f"聘期“{part}”的终止日早于起始日")
        out.append((start, end))
    return sorted(out)


SESSIONS = Layout(
    "sessions", "评价计划及场次", "评价计划及场次", ("batch_number",),
    (
        Column("批次编号", "batch_number", required=True, as_text=True, example="3701002026110001", width=22,
               help="职业技能等级认定批次编号（附件4），唯一，据此识别场次。"),
        Column("机构备案号", "institution_filing_number", required=True, as_text=True, example="37010020240001",
               help="举办机构的备案号：须在本文件“评价机构”表或系统中。", width=20),
        Column("职业（工种）", "occupation", required=True, example="电工"),
        Column("等级", "level", choice(LEVELS), required=True, example="四级", choices=LEVELS),
        Column("考核形式", "form_kind", choice(FORM_KIND_LABELS), _label(FORM_KIND_LABELS), True,
               "决定督导情况记录表（附件3）。", "理论考核", tuple(FORM_KIND_LABELS)),
        Column("地域", "region", example="济南市"),
        Column("考点", "site", required=True, example="济南某职业技能评价中心本部考点", width=28),
        Column("开始时间", "starts_at", parse_datetime, required=True, help=DATETIME_FORMAT,
               example=datetime(2026, 12, 5, 9, 0), width=18),
        Column("结束时间", "ends_at", parse_datetime, required=True, help=f"{DATETIME_FORMAT}，晚于开始时间。",
               example=datetime(2026, 12, 5, 11, 0), width=18),
        Column("考生人数", "candidate_count", parse_int, example=40),
        Column("考评人员", "examiners", examiners, _people_text, width=40,
               help="“姓名:身份证号”，多人用“；”分隔；督导员不得兼任同场次考评（第十三条）。",
               example=f"李四:{EXAMPLE_ID_2}"),
        Column("内督员", "internal_supervisors", internal_supervisors, _people_text, width=48,
               help="“姓名:内督证卡编码:身份证号”，多人用“；”分隔；内督证卡仅限本机构、本行业使用（第十二条），"
                    "每场次应有内督员（第十六条 全覆盖）。",
               example=f"王五:S240001260001:{EXAMPLE_ID_3}"),
    ),
)

STAFF = Layout(
    "staff", "委派机构工作人员", "委派机构工作人员", ("agency_id", "name"),
    (
        Column("委派机构代码", "agency_id", lambda v: text(v).upper(), required=True, example="CITY-A",
               help="系统中的委派机构代码（PROV 省就业人才中心，CITY-A … 各市）。"),
        Column("姓名", "name", required=True, example="赵六"),
        Column("角色", "role", choice(STAFF_ROLES), required=True, example="经办", choices=STAFF_ROLES,
               help="经办 或 审核。个人工作码不在名册中，由“supervise staff add”单独发放。"),
        Column("在岗", "active", lambda v: choice({"是": True, "否": False})(v or "是"),
               lambda b: "是" if b else "否", example="是", choices=("是", "否"), help="留空视为“是”。"),
    ),
)

LAYOUTS: dict[str, Layout] = {x.kind: x for x in (INSTITUTIONS, SUPERVISORS, SESSIONS, STAFF)}
BY_SHEET: dict[str, Layout] = {x.sheet: x for x in LAYOUTS.values()}
HELP_SHEET = "填写说明"
KIND_NAMES = {"institutions": "评价机构", "supervisors": "督导员", "sessions": "评价计划及场次", "staff": "委派机构工作人员"}
