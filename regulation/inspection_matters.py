"""第十四条's nine areas by name, for the special-inspection run form (督导事项, a multi-select).

A light module (PyYAML only): the flow module imports it on every leg, so it must not pull the
calendar. The names are those of `regulation.special_inspection.Matter` (第十四条（二）备案范围);
`regulation.special_inspection.matter_numbers` maps them back.
"""

from regulation.data_files import load_yaml


def matter_names() -> tuple[str, ...]:
    """第十四条（一）执行法律法规和政策 … 第十四条（九）…, in the article's order."""
    data = load_yaml("inspection-matters.yaml")
    return tuple(f"{data['article']}{m['item']}{m['label']}" for m in data["matters"])
