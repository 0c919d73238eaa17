"""The three daily-inspection record forms (附件3), loaded from versioned YAML.

Loading validates the counts, numbering and uniqueness, so a mistyped data file
fails at start-up rather than producing a wrong verdict.
"""

from functools import cache
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from regulation.data_files import load_yaml

FormKind = Literal["theory", "skill", "review"]
FORM_KINDS: tuple[FormKind, ...] = ("theory", "skill", "review")
FORM_NAMES = {"theory": "理论考核", "skill": "技能考核", "review": "综合评审"}
PHASES = ("考前督导", "考中督导", "考后督导")
VETO_ITEM_COUNT = 3  # 附件3: 每张表3项一票否决项


class ChecklistError(ValueError):
    pass


class VetoItem(BaseModel):
    no: int = Field(alias="num")  # "no" is YAML 1.1 for False, so the data says "num"
    text: str


class ChecklistItem(BaseModel):
    no: int = Field(alias="num")
    phase: str
    category: str
    text: str


class Checklist(BaseModel):
    form: FormKind
    version: str
    article: str
    title: str
    subtitle: str
    item_count: int
    fail_threshold_percent: int
    note: str
    instructions: str
    veto_items: list[VetoItem]
    items: list[ChecklistItem]

    @model_validator(mode="after")
    def _consistent(self) -> "Checklist":
        where = f"{self.form} v{self.version}"
        if len(self.items) != self.item_count:
            raise ChecklistError(f"{where}: 声明 {self.item_count} 项，实际 {len(self.items)} 项")
        if [i.no for i in self.items] != list(range(1, self.item_count + 1)):
            raise ChecklistError(f"{where}: 检查项序号应为 1..{self.item_count} 连续且不重复")
        if len(self.veto_items) != VETO_ITEM_COUNT:
            raise ChecklistError(f"{where}: 一票否决项应为 {VETO_ITEM_COUNT} 项")
        if [v.no for v in self.veto_items] != list(range(1, VETO_ITEM_COUNT + 1)):
            raise ChecklistError(f"{where}: 一票否决项序号应为 1..{VETO_ITEM_COUNT}")
        texts = [i.text for i in self.items]
        if len(set(texts)) != len(texts):
            raise ChecklistError(f"{where}: 检查项内容重复")
        bad_phase = [i.no for i in self.items if i.phase not in PHASES]
        if bad_phase:
            raise ChecklistError(f"{where}: 第{bad_phase}项的阶段不是 {'/'.join(PHASES)} 之一")
        if not 0 < self.fail_threshold_percent <= 100:
            raise ChecklistError(f"{where}: 不合格比例应在 1-100 之间")
        return self

    def item(self, no: int) -> ChecklistItem:
        return self.items[no - 1]


@cache
def load_checklist(form: FormKind) -> Checklist:
    if form not in FORM_KINDS:
        raise ChecklistError(f"记录表类型应为 {'/'.join(FORM_KINDS)} 之一，实际为 {form!r}")
    return Checklist.model_validate(load_yaml(f"checklists/{form}.yaml"))
