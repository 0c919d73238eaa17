"""Values that say *why*: every rule returns its article with its reasons."""

from dataclasses import dataclass


class RuleViolation(ValueError):
    """A rule of the regulation refuses the request; `reason` is the Chinese text users see."""

    def __init__(self, reason: str, article: str):
        super().__init__(f"{reason}（{article}）")
        self.reason = reason
        self.article = article


@dataclass(frozen=True)
class Reason:
    """One finding of a rule: the article it rests on and a sentence a user can read."""

    article: str
    text: str

    def __str__(self) -> str:
        return f"{self.text}（{self.article}）"
