"""A deployment parameter's Chinese title, help text and format, written in the flow's own signature.

Prefect builds a deployment's parameter form from the flow's signature (`parameter_schema`, the
same call in `flow.to_deployment` / serve.py, `prefect deploy --all` and any worker), so what is
written here is what every way of deploying shows; nothing patches the schema afterwards.
Prefect 3.9 titles every field with its Python name and drops a `Field(title=…)` given in
`Annotated`; only `json_schema_extra` reaches the schema unchanged, so `titled` writes the title
and help text there:

    batch_number: Annotated[str, titled("批次编号", "职业技能等级认定批次编号（必填）")],
    as_of: Annotated[str, titled("业务日期", "留空即为今天（YYYY-MM-DD）", date=True)] = BLANK_DATE,

Dates are strings with `format: date` (the flow checks them): the UI shows a date picker. An
optional date left empty defaults to `BLANK_DATE` ('' to the flow): the UI checks a schema
default against its format and '' is not a 'date', so an untouched 业务日期 would block the run;
`BLANK_DATE` is a '' that pydantic cannot write as a JSON default, so the schema has none and
the flow gets ''. No parameter is `… | None`: the UI would show "Property is type None" toggles.
"""

import warnings
from datetime import date

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic.json_schema import PydanticJsonSchemaWarning
from pydantic_core import core_schema


def titled(title: str, help_text: str, *, date: bool = False) -> FieldInfo:
    """The parameter's title and help text in the UI; `date=True`: a YYYY-MM-DD string, date picker."""
    extra = {"title": title, "description": help_text}
    if date:
        extra["format"] = "date"
    return Field(json_schema_extra=extra)


class _BlankDate(str):
    """'' to the flow; no default in the JSON schema (its serializer refuses, pydantic omits it)."""

    __slots__ = ()

    def __reduce__(self):  # a task's cache key or a persisted parameter: a plain ''
        return (str, ("",))

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        return core_schema.str_schema(serialization=core_schema.plain_serializer_function_ser_schema(cls._no_default))

    @staticmethod
    def _no_default(value):
        raise ValueError("an empty optional date has no schema default")


BLANK_DATE = _BlankDate()
warnings.filterwarnings("ignore", message=r"Default value .* is not JSON serializable",  # BLANK_DATE, on purpose
                        category=PydanticJsonSchemaWarning)


def day_given(as_of: str, title: str) -> date:
    """The day staff typed into an optional date field (YYYY-MM-DD), or today when it was left
    empty; one that is not a date ends the run refused, naming the field (flows/ending.py)."""
    from adapters.clock import today
    from flows.ending import end_refused

    if not as_of:
        return today()
    try:
        return date.fromisoformat(as_of)
    except ValueError:
        end_refused(f"{title}：应为有效日期（YYYY-MM-DD），实际为“{as_of}”")
