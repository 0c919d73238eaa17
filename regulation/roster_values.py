"""The closed lists a roster cell may take, each with the article that defines it.

Rosters (the agency's Excel lists) speak Chinese; the database stores codes. Each table
maps the Chinese label a user types to the stored code, and back for export.
"""

from regulation.cards import CITY_NAMES, PROVINCIAL_AREA
from regulation.checklists import FORM_KINDS, load_checklist

# 第二条, 第十四条(二): 职业技能等级 (五级/初级工 … 一级/高级技师); 专项职业能力 has no level.
LEVELS: tuple[str, ...] = ("五级", "四级", "三级", "二级", "一级", "专项职业能力")

# 第五条, 第十一条: who filed the institution (负责备案的人社部门).
FILING_AUTHORITIES: dict[str, str] = {"人社部备案": "mohrss", "省级备案": "province", "市级备案": "city"}

# 附件1 二(二)2: internal card issuers are industry departments, employers, social organisations.
INSTITUTION_CATEGORIES: dict[str, str] = {
    "用人单位": "employer", "社会培训评价组织": "social_org", "行业部门": "industry", "其他": "other"}

# 第二十二条, 第二十三条: a filing is active, suspended (rectifying) or revoked.
INSTITUTION_STATUSES: dict[str, str] = {"正常": "active", "暂停评价（整改中）": "suspended", "已撤销备案": "revoked"}

# 附件3: the three record forms.
FORM_KIND_LABELS: dict[str, str] = {load_checklist(k).subtitle: k for k in FORM_KINDS}

# 附件1 表3 (and 0 for 省直): where a supervisor's card was issued / where an institution is filed.
CITY_CODES: dict[str, str] = {PROVINCIAL_AREA: "省直", **CITY_NAMES}

# Agency staff roles (ARCHITECTURE "Who may do what"): 经办 prepares, 审核 approves.
STAFF_ROLES: tuple[str, ...] = ("经办", "审核")


def label_of(table: dict[str, str], code: str) -> str:
    """The Chinese label stored code `code` is shown as (export)."""
    return next(label for label, c in table.items() if c == code)
