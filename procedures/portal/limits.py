"""How much text the portal takes, per field: the one table the checks, the pages (maxlength and
the hint 「不超过2000字」) and the README's table read.

Each free-text field of a portal form belongs to a kind with its own limit in characters; a
field no row names (a form kind added later) gets the 「文字」 limit, so nothing posted is ever
stored unbounded. A value is measured as it would be stored: line breaks counted once (a
browser's maxlength counts "\\r\\n" as one character, the post carries two) and the ends trimmed.
The request-size and file limits are settings (SUPERVISION_PORTAL_MAX_REQUEST_MB, _MAX_FILE_MB).
"""

import re
from dataclasses import dataclass

from adapters.settings import get_settings


@dataclass(frozen=True)
class TextKind:
    kind: str
    label: str  # the kind as the README's table names it
    max_chars: int


# The kinds and their limits. The statement's limit is a setting (SUPERVISION_PORTAL_STATEMENT_MAX_CHARS,
# 20,000 by default): an agency may take longer statements (陈述和申辩) without a code change.
KINDS: dict[str, TextKind] = {k.kind: k for k in (
    TextKind("choice", "选项、日期（单选、多选、下拉）", 40),
    TextKind("code", "任务编码、工作人员代码", 40),
    TextKind("name", "姓名", 50),
    TextKind("remark", "备注、理由、查看的证据", 2000),
    TextKind("text", "总体评价、事实、听取意见、不同意见", 5000),
    TextKind("statement", "陈述（评价机构的陈述、申辩、报告）", 20000),
)}
DEFAULT_KIND = "text"

# Field name (a full match) → kind and the field's name as the page shows it ({n}: the number in
# the name). One row per field of every form in procedures/portal/forms.py.
FIELDS: tuple[tuple[str, str, str], ...] = (
    (r"statement", "statement", "陈述"),
    (r"signer", "name", "签收人姓名"),
    (r"assignment_code", "code", "任务编码"),
    (r"staff_code", "code", "工作人员代码"),
    (r"dispatch_id", "code", "填写纸质记录表的督导员"),
    (r"inspection_ended_on", "choice", "督导结束日期"),
    (r"methods", "choice", "督导方式"),
    (r"veto_(\d+)", "choice", "一票否决项第{n}项"),
    (r"item_(\d+)", "choice", "督导内容第{n}项"),
    (r"supervisor_verdict", "choice", "评定"),
    (r"position", "choice", "确认情况"),
    (r"rating_(\d+)", "choice", "督导事项（{n}）评定"),
    (r"remark_(\d+)", "remark", "第{n}项备注"),
    (r"later_end_reason", "remark", "结束日期晚于计划的原因"),
    (r"reason_(\d+)", "remark", "督导事项（{n}）改变评定的理由"),
    (r"evidence_(\d+)", "remark", "督导事项（{n}）查看的证据"),
    (r"overall_evaluation", "text", "总体评价"),
    (r"facts_(\d+)", "text", "督导事项（{n}）事实"),
    (r"hearing", "text", "听取意见"),
    (r"text", "text", "不同意见"),
    # 内督 (procedures/internal)
    (r"card_code", "code", "内督证卡编号"),
    (r"recorder", "code", "填写记录表的内督员"),
    (r"others", "code", "其他内督员"),
    (r"signed_by", "name", "安排人"),
    (r"measures", "text", "整改措施"),
    (r"action", "choice", "办理事项"),
    (r"attest_(\d+)", "choice", "第六条条件（{n}）"),
    (r"assessed_on", "choice", "考核合格日期"),
    (r"assessment_passed", "choice", "考核合格"),
    (r"card", "choice", "内督证卡"),
    (r"started_on", "choice", "开始日期"),
    (r"ended_on", "choice", "结束日期"),
    (r"matters", "choice", "督导事项"),
    (r"team", "choice", "督导组成员"),
    (r"outcome", "choice", "结果"),
    (r"name", "name", "姓名"),
    (r"person_key", "code", "身份证号"),
    (r"phone", "code", "电话"),
    (r"email", "remark", "电子邮箱"),
    (r"reason", "remark", "理由"),
    (r"subject", "remark", "督导主题"),
    (r"findings", "text", "发现的问题"),
)
_COMPILED = tuple((re.compile(pattern), kind, label) for pattern, kind, label in FIELDS)


@dataclass(frozen=True)
class FieldLimit:
    label: str  # the field as the page names it: 第3项备注
    max_chars: int

    @property
    def hint(self) -> str:
        return f"不超过{self.max_chars}字"


def kind_limit(kind: str) -> int:
    if kind == "statement":
        return get_settings().portal_statement_max_chars
    return KINDS[kind].max_chars


def for_field(name: str) -> FieldLimit:
    """The limit of one posted field, by its name."""
    for pattern, kind, label in _COMPILED:
        m = pattern.fullmatch(name)
        if m:
            n = int(m.group(1)) if m.groups() else 0
            return FieldLimit(label.format(n=n), kind_limit(kind))
    return FieldLimit(f"「{name[:40]}」", kind_limit(DEFAULT_KIND))


def measured(value: str) -> int:
    """Characters as stored: one per line break, the ends trimmed."""
    return len(value.replace("\r\n", "\n").strip())


def too_long(fields: dict[str, list[str]]) -> dict[str, str]:
    """Every posted field over its limit → its message in Chinese, naming the field and the limit."""
    found = {}
    for name, values in fields.items():
        limit = for_field(name)
        longest = max((measured(v) for v in values), default=0)
        if longest > limit.max_chars:
            found[name] = (f"{limit.label}：共 {longest} 字，超过上限。最多 {limit.max_chars} 字，"
                           f"请删减后再提交")
    return found


def table() -> list[tuple[str, int]]:
    """The kinds and their limits as the README and the tests list them."""
    return [(k.label, kind_limit(k.kind)) for k in KINDS.values()]
