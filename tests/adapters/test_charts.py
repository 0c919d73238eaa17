"""Charts (matplotlib, CJK font) and CSV downloads: labels are data, the font falls back cleanly."""

import io

from adapters import charts


def test_a_chart_renders_chinese_labels_as_svg_text_and_as_png():
    fig = charts.bar_chart("覆盖", ["理论考核", "技能考核"], {"登记场次": [5, 2], "已督导场次": [2, 2]})
    svg = charts.to_svg(fig)
    assert svg.startswith("<svg") and "理论考核" in svg and "已督导场次" in svg
    png = charts.to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cjk_font_comes_from_the_installed_noto_fonts():
    assert charts.cjk_font() in charts.PREFERRED  # fonts-noto-cjk is installed on this machine


def test_labels_are_never_markup_nor_mathtext():
    svg = charts.to_svg(charts.bar_chart("t", ["<script>alert(1)</script>", "$x^2$"], {"n": [1, 2]}))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "$x^2$" in svg


def test_without_a_cjk_font_the_chart_still_renders(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    assert "<svg" in charts.to_svg(charts.bar_chart("标题", ["甲"], {"n": [1]}))


def test_csv_is_utf8_with_bom_and_a_formula_stays_text():
    data = charts.csv_bytes(["名称", "数"], [["=HYPERLINK(\"x\")", 3], ["甲", -1]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = io.StringIO(data.decode("utf-8-sig")).read()
    assert "'=HYPERLINK" in text and "甲,-1" in text


def test_the_inline_svg_needs_no_css_under_the_portals_csp():
    """style-src 'self' blocks <style> and style="…" in the page: the colours are attributes."""
    svg = charts.to_svg(charts.bar_chart("标题", ["甲", "乙"], {"a": [1, 2], "b": [2, 3]}))
    assert "<style" not in svg and " style=" not in svg
    assert f'fill="{charts.COLOURS[0]}"' in svg and f'fill="{charts.COLOURS[1]}"' in svg
    assert 'font-size="11px"' in svg and "font-family=\"'" in svg
