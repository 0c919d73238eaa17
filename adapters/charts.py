"""Charts and table downloads for the desk's statistics and the year's report (issue 18): bar
charts drawn by matplotlib (Agg, no display; the object API, no pyplot state shared between
threads) as inline SVG for the page and PNG for the .docx, and CSV files in UTF-8 with a BOM so
that Excel opens the Chinese. I/O only: no rule here.

The CJK font is looked up once among the fonts matplotlib knows (fonts-noto-cjk: Noto Sans CJK
SC); without one the chart still renders (the text in the SVG stays text, and the browser's own
CJK font draws it) and `cjk_font()` says None. Labels are data: never parsed as mathtext (a `$`
in a name stays a `$`), and escaped by the SVG writer. The inline SVG carries no CSS (the portal's
CSP allows style sheets from its own origin only): matplotlib's style="…" become presentation
attributes (fill="…", font-size="…").
"""

import csv
import io
import re
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cache

PREFERRED = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei")
COLOURS = ("#3b6ea8", "#d08a2e", "#5a9a5a", "#a84b4b")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.S)


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in PREFERRED if n in names), None)


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)  # margins set by hand: a layout engine triples the time


def _rc() -> dict:
    family = [cjk_font()] if cjk_font() else []
    return {"font.family": "sans-serif", "font.sans-serif": [*family, "DejaVu Sans"], "text.parse_math": False,
            "svg.fonttype": "none", "svg.hashsalt": "desk", "axes.unicode_minus": False}


def bar_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]], *, horizontal: bool = False):
    """A grouped bar chart, one colour per series, each bar labelled with its value."""
    import matplotlib

    with matplotlib.rc_context(_rc()):
        many = len(labels) > 6 or horizontal
        fig = _figure(7.2, max(2.4, 0.42 * len(labels) * max(1, len(series)) + 1.2) if many else 3.6)
        ax = fig.add_subplot()
        width = 0.8 / max(1, len(series))
        positions = range(len(labels))
        for n, (name, values) in enumerate(series.items()):
            offsets = [p - 0.4 + width * (n + 0.5) for p in positions]
            bars = (ax.barh if many else ax.bar)(offsets, list(values), width, label=name,
                                                 color=COLOURS[n % len(COLOURS)])
            ax.bar_label(bars, labels=[_number(v) for v in values], padding=2, fontsize=8)
        if many:
            ax.set_yticks(list(positions), [_short(x) for x in labels], fontsize=8)
            ax.invert_yaxis()
        else:
            ax.set_xticks(list(positions), [_short(x) for x in labels], fontsize=9)
        from matplotlib.ticker import MaxNLocator

        (ax.xaxis if many else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, fontsize=11)
        ax.spines[["top", "right"]].set_visible(False)
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False)
        height = fig.get_figheight()
        if many:  # room for labels of up to 18 characters at 8 pt (≈ 0.12 inch each) on a 7.2-inch figure
            widest = max((len(_short(x)) for x in labels), default=1)
            fig.subplots_adjust(left=min(0.4, 0.05 + 0.0165 * widest), right=0.95, top=1 - 0.45 / height,
                                bottom=0.35 / height)
        else:
            fig.subplots_adjust(left=0.08, right=0.97, top=1 - 0.45 / height, bottom=0.5 / height)
        return fig


def _number(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _short(label: str, limit: int = 18) -> str:
    label = str(label)
    return label if len(label) <= limit else label[:limit - 1] + "…"


@contextmanager
def _no_glyph_warnings():
    """Without a CJK font the fallback font lacks the glyphs: the SVG keeps the text for the
    browser's fonts, so matplotlib's warning per missing glyph is noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def to_svg(fig) -> str:
    """The chart as an <svg> element to put inline in a page (no XML prolog, no fixed size)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_rc()), _no_glyph_warnings():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return _without_css(text[text.index("<svg"):])


def _presentation(match: re.Match) -> str:
    """ style="fill: #fff; stroke-width: 0.8" → fill="#fff" stroke-width="0.8" (already XML-escaped)."""
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _without_css(svg: str) -> str:
    """matplotlib's <style> (*{stroke-linejoin: round; stroke-linecap: butt}) as attributes of the
    figure's group (inherited), every style="…" as presentation attributes: a page whose CSP says
    style-src 'self' draws it as matplotlib did (blocked styles would leave every shape black)."""
    svg = _STYLE_ELEMENT.sub("", svg).replace("<defs>\n  \n </defs>\n", "")
    svg = svg.replace('<g id="figure_1">', '<g id="figure_1" stroke-linejoin="round" stroke-linecap="butt">', 1)
    return _STYLE_ATTRIBUTE.sub(_presentation, svg)


def to_png(fig, dpi: int = 150) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(_rc()), _no_glyph_warnings():
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """A table as CSV: UTF-8 with BOM (Excel reads Chinese), CRLF; a text cell that a spreadsheet
    would take for a formula is prefixed with ' (outside text is data)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([f"'{c}" if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence], str]]) -> bytes:
    """An .xlsx with one sheet per (title, columns, rows, note): bold header, frozen, the note
    under the rows. Text cells are stored as text, never as formulas (outside text is data)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, columns, rows, note in sheets:
        name = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31]
        while name in used:
            name = name[:29] + f"{len(used) % 100:02d}"
        used.add(name)
        ws = wb.create_sheet(name)
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for row in rows:
            ws.append([None] * len(row))
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=ws.max_row, column=col)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # "=…" stays text
        if note:
            ws.append([])
            ws.append([note])
            ws.cell(row=ws.max_row, column=1).data_type = "s"
        for col, heading in enumerate(columns, start=1):
            widest = max([len(str(heading))] + [len(str(r[col - 1])) for r in rows[:200]])
            ws.column_dimensions[get_column_letter(col)].width = min(60, 4 + 1.8 * widest)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
