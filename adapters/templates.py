"""Jinja2 rendering of emails and letters (templates/, Chinese)."""

from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def chinese_date(value) -> str:
    """`{{ day|cndate }}`: a date (or its ISO text) as letters write it, 2026年12月4日; other text as is."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return value
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, date) else str(value)


def chinese_datetime(value, with_time: bool = True) -> str:
    """`{{ moment|cntime }}`: 2026年12月9日 09:05 (no leading zero on month and day, as letters
    write dates; the time keeps its two digits). A date, or its ISO text, reads as cndate; other
    text (期限待定 words) as is. `with_time=False`: the date only."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip()) if len(value.strip()) > 10 else value
        except ValueError:
            return value
        if isinstance(value, str):
            return chinese_date(value)
    if not isinstance(value, datetime):
        return chinese_date(value)
    day = chinese_date(value.date())
    return f"{day} {value:%H:%M}" if with_time else day


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,  # a missing variable is an error, never a blank in a letter
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cndate"] = chinese_date
    env.filters["cntime"] = chinese_datetime
    return env


def warm(*prefixes: str) -> int:
    """Compile now every template under these folders (e.g. "email/", "portal/"), so that the
    first requests after a start do not each pay Jinja's compile. Returns how many."""
    env = environment()
    names = [n for n in env.list_templates(extensions=["j2"]) if n.startswith(prefixes)]
    for name in names:
        env.get_template(name)
    return len(names)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def render_email(name: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from templates/email/<name>.txt.j2 and .html.j2.

    The subject is the text template's exported `subject` variable.
    """
    env = environment()
    text_template = env.get_template(f"email/{name}.txt.j2")
    subject = text_template.make_module(context).subject
    text = text_template.render(**context)
    html = env.get_template(f"email/{name}.html.j2").render(**context)
    return " ".join(str(subject).split()), text, html


def render_paragraphs(name: str, **context) -> list[str]:
    """A letter body: templates/letters/<name>.txt.j2, paragraphs separated by blank lines."""
    text = render(f"letters/{name}.txt.j2", **context)
    # Lines inside a paragraph join with nothing: Chinese has no spaces between words.
    return ["".join(line.strip() for line in p.splitlines()) for p in text.split("\n\n") if p.strip()]
