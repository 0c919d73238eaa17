"""Verdict of a daily-inspection record (附件3 填写说明).

Any veto item answered 是 → 不合格. Otherwise 不合格 when the 否 answers reach the
form's threshold (20%): no_count / item_count >= 0.20, compared in exact integers so
that 4/20 is a fail and no float rounding moves the edge.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from regulation.checklists import Checklist, ChecklistItem, VetoItem
from regulation.reasons import Reason

Answer = Literal["是", "否"]
Verdict = Literal["合格", "不合格"]
ANSWERS = ("是", "否")
ARTICLE = "附件3"


class AnswerError(ValueError):
    """Missing or invalid answers; `problems` lists each one in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ScoreResult:
    form: str
    verdict: Verdict
    negative_count: int
    item_count: int
    veto_hits: tuple[VetoItem, ...]
    failed_items: tuple[ChecklistItem, ...]
    reasons: tuple[Reason, ...]
    threshold_percent: int = 20

    @property
    def ratio(self) -> float:
        return self.negative_count / self.item_count

    @property
    def passed(self) -> bool:
        return self.verdict == "合格"


def _check_answers(expected: range, answers: Mapping[int, str], label: str) -> list[str]:
    problems = [f"{label}第{n}项未作答" for n in expected if n not in answers]
    problems += [f"{label}第{n}项不存在（应为 {expected.start}-{expected.stop - 1}）"
                 for n in answers if n not in expected]
    problems += [f"{label}第{n}项的答案应为“是”或“否”，实际为 {a!r}"
                 for n, a in answers.items() if n in expected and a not in ANSWERS]
    return problems


def score(checklist: Checklist, veto_answers: Mapping[int, str], item_answers: Mapping[int, str]) -> ScoreResult:
    """Score a complete record; raises AnswerError naming every missing or invalid answer."""
    problems = _check_answers(range(1, len(checklist.veto_items) + 1), veto_answers, "一票否决项")
    problems += _check_answers(range(1, checklist.item_count + 1), item_answers, "督导内容")
    if problems:
        raise AnswerError(problems)

    veto_hits = tuple(v for v in checklist.veto_items if veto_answers[v.no] == "是")
    failed = tuple(i for i in checklist.items if item_answers[i.no] == "否")
    n, total, pct = len(failed), checklist.item_count, checklist.fail_threshold_percent
    over_threshold = n * 100 >= pct * total

    reasons = [Reason(ARTICLE, f"一票否决项：{v.text}") for v in veto_hits]
    share = f"否定项 {n}/{total}（{n / total:.1%}）"
    if over_threshold:
        reasons.append(Reason(ARTICLE, f"{share}，达到{pct}%"))
    elif not veto_hits:
        reasons.append(Reason(ARTICLE, f"{share}，未达{pct}%，且无一票否决项"))
    verdict: Verdict = "不合格" if veto_hits or over_threshold else "合格"
    return ScoreResult(checklist.form, verdict, n, total, veto_hits, failed, tuple(reasons), pct)


def verdict_disagreement(result: ScoreResult, stated: str) -> Reason | None:
    """附件3 填写说明: 总体评价…还应进行合格与不合格评定. The supervisor states the 评定; it must
    agree with the veto/20% rule. Returns which rule decides when it does not (None: it agrees)."""
    if stated == result.verdict:
        return None
    if result.veto_hits:
        rule = f"一票否决项{'、'.join(str(v.no) for v in result.veto_hits)}为“是”，即为不合格"
    else:
        share = f"否定项 {result.negative_count}/{result.item_count}（{result.ratio:.1%}）"
        pct = f"{result.threshold_percent}%"
        rule = (f"{share}达到{pct}，即为不合格" if result.verdict == "不合格"
                else f"{share}未达{pct}且无一票否决项，即为合格")
    return Reason(ARTICLE, f"评定“{stated}”与记录表不符：{rule}，应评定为“{result.verdict}”")
