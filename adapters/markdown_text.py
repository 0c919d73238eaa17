"""Text from outside the agency made inert for the Prefect UI.

Prefect's UI renders artifacts and the description above a pause form as Markdown with raw
HTML allowed (React markdown + rehype-raw in the 3.9 UI), so a remark, statement, file name,
signer or institution name typed as `<img src=x onerror=…>` or `[x](javascript:…)` would become
a live element on a staff member's screen, and `**x**` or `| a | b |` would change what staff
read. Every piece of outside text that goes into an artifact or a form header passes `inert()`
(the one helper; `procedures.portal.evidence.md` is this function); a log line passes `log_text()`, its
plain-text sibling (the UIs show logs as text); a form's case line shown as a field title (plain
text in both UIs) is turned back with `as_plain()`. `inert()`:
- writes `& < > " '` as HTML entities, so no tag or attribute can form;
- backslash-escapes every Markdown special character that makes a link, image, emphasis, code,
  table cell or autolink (`[ ] ( ) * _ ` | ! . :` …) wherever it stands, and the ones that start
  a heading, list item or rule (`# - + =`; a `>` is an entity already) where a line of outside text starts (ordered-list
  numbers lose their `.`), so no Markdown structure can form;
- inserts a zero-width space into long runs of characters a browser cannot break (a 2,000-
  character word without spaces), so the line wraps instead of widening the page; runs of
  Chinese text break anywhere already and are left alone;
- joins the lines of multi-line text with " / " (`inline`, for table cells, titles and log
  lines) or with Markdown hard breaks (`block`), so no line of outside text starts a block.
What staff read is the text as typed, apart from those invisible break points.
"""

import re

BREAK_AFTER = 40  # characters without a break opportunity before a zero-width space is inserted
_ZWSP = "\u200b"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_HTML_RE = re.compile(r"[&<>\"']")
# Escaped wherever they are: they make links, images, emphasis, code, table cells, HTML, autolinks
# (`:` and `.` break `https://…`, `www.…` and `a@b.c`).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~:$^.])")
# Escaped where a line of outside text starts: they make headings, list items, thematic breaks
# and setext underlines only there (a `-` inside CITY-A is just a hyphen).
_LINE_START = re.compile(r"^(\s*)([-+#=])")
# A run a browser cannot break: no whitespace and no CJK (ideographs, kana, hangul and CJK
# punctuation break anywhere), longer than BREAK_AFTER.
_UNBROKEN = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
                       + f"{{{BREAK_AFTER + 1},}}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_LINES = re.compile(r"\r\n|\r|\n")


def _break_runs(text: str) -> str:
    def split(m: re.Match) -> str:
        run = m.group(0)
        return _ZWSP.join(run[i:i + BREAK_AFTER] for i in range(0, len(run), BREAK_AFTER))
    return _UNBROKEN.sub(split, text)


def _line(text: str) -> str:
    text = _break_runs(_CONTROL.sub("", text))
    # Markdown first (its backslashes must not escape our entities), then HTML entities: an
    # entity's own & and ; are then literal to Markdown (`;` is not special, `&` is an entity).
    text = _LINE_START.sub(r"\1\\\2", _MD_SPECIAL.sub(r"\\\1", text))
    return _HTML_RE.sub(lambda m: _HTML[m.group(0)], text)


def inert(text: object, block: bool = False) -> str:
    """`text` (from outside: a person, a file, a roster) as Markdown that renders as exactly that
    text, with no HTML element and no Markdown structure. `block=True` keeps its line breaks
    (hard breaks inside one paragraph); otherwise its lines are joined with " / "."""
    if text is None:
        return ""
    lines = [_line(part) for part in _LINES.split(str(text))]
    if block:
        return "\\\n".join(line for line in lines)
    return " / ".join(line for line in lines if line) if len(lines) > 1 else lines[0]


_TOKENS = re.compile(r"\\(.)|\*\*|&(amp|lt|gt|quot|#39);", re.S)
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}


def as_plain(markdown: str) -> str:
    """The text a Markdown line of ours shows (outside text in it passed `inert`): our `**` dropped,
    escapes and entities turned back into the characters typed. For places that show plain text
    (a form field's title): there the text is shown as it is, and no markup can form."""
    def back(m: re.Match) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return _ENTITIES[m.group(2)] if m.group(2) else ""
    return _TOKENS.sub(back, markdown)


def log_text(text: object) -> str:
    """Outside text for a log line. Both Prefect UIs show log messages as plain text (checked in
    Chromium: `<img …>` in a log line shows as typed), so no Markdown or HTML escaping here —
    it would show as backslashes and entities; but one line per message (a newline in a name
    cannot forge a second log line), no control characters, and break points in long runs."""
    if text is None:
        return ""
    lines = [_break_runs(_CONTROL.sub("", part)) for part in _LINES.split(str(text))]
    return " / ".join(line for line in lines if line) if len(lines) > 1 else lines[0]
