"""The remedies every 处理决定书 states (告知救济途径): 行政复议 within 60 days, 行政诉讼 within 6
months. The periods and the reviewing body are data (legal-remedies.yaml, with their articles).

Interpretation (ours): the reviewing body is the deciding department's 本级人民政府 — 行政复议法
（2023年修订）第二十四条 no longer offers the 上一级主管部门 for a local department; a ministry's
decision is reviewed by the ministry (第二十五条). The periods are counted from receipt of the
decision (行政复议法第二十条「自知道或者应当知道该行政行为之日起」, 行政诉讼法第四十六条)."""

from regulation.cards import CITY_NAMES
from regulation.data_files import load_yaml

_DATA = load_yaml("legal-remedies.yaml")
RECONSIDERATION_DAYS: int = _DATA["reconsideration_days"]
LITIGATION_MONTHS: int = _DATA["litigation_months"]
_NUMBERS = {60: "六十", 6: "六"}


def reconsideration_body(level: str, city_letter: str | None = None) -> str:
    """The body a 行政复议 against the filing authority's decision goes to ("province", "city", "mohrss")."""
    template = _DATA["reconsideration_body"][level]
    return template.format(city=CITY_NAMES.get(city_letter or "", "")) if "{city}" in template else template


def remedies_text(level: str, city_letter: str | None = None, addressee: str = "你单位") -> str:
    """The paragraph a 处理决定书 ends with; `addressee` 你单位 (an institution) or 你 (a supervisor)."""
    days = _NUMBERS.get(RECONSIDERATION_DAYS, str(RECONSIDERATION_DAYS))
    months = _NUMBERS.get(LITIGATION_MONTHS, str(LITIGATION_MONTHS))
    return (f"{addressee}如对本决定不服，可以自收到本决定书之日起{days}日内向{reconsideration_body(level, city_letter)}"
            f"申请行政复议，或者自收到本决定书之日起{months}个月内依法向人民法院提起行政诉讼。")
