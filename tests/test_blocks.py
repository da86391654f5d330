"""Block types, unit by unit: what the YAML says, what the content errors say, what HTML comes out."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from folio.charts import ChartData, palette, render_svg
from folio.pipeline import prepare

from .conftest import ROOT, run_cli, write_report

PNG = (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx"
       b"\x9cc```\0\0\0\x04\0\x01\xf6\x178U\0\0\0\0IEND\xaeB`\x82")

REPORT_WITH_LISTS = """\
title: Blocks
issuer: Test
date: 2021-02-09
lists: [figures, tables]
chapters: [10-one.yaml]
"""


def chapter(blocks: str, notes: str = "") -> str:
    """A chapter whose one section holds `blocks` (YAML list items, indented by 6)."""
    text = "title: One\nid: one\nsections:\n  - title: First\n    id: first\n    blocks:\n" + blocks
    return text + (f"notes:\n{notes}" if notes else "")


def html_of(tmp_path: Path, blocks: str, notes: str = "", report: str = REPORT_WITH_LISTS) -> str:
    folder = write_report(tmp_path / "c", report, {"10-one.yaml": chapter(blocks, notes)})
    (folder / "pic.png").write_bytes(PNG)
    return prepare(folder).html


def errors_of(tmp_path: Path, blocks: str, notes: str = "") -> str:
    folder = write_report(tmp_path / "c", REPORT_WITH_LISTS, {"10-one.yaml": chapter(blocks, notes)})
    (folder / "pic.png").write_bytes(PNG)
    result = run_cli("--check", "--content", folder)
    assert result.code == 1
    return result.err


TABLE = """\
      - table: People *per* district
        id: people
        columns: [District, People, Share]
        rows:
          - [North, "12,400", "41%"]
          - [South, "17,850", "59%"]
        source: Census, 2019.
"""


def test_table_html_has_caption_header_alignment_and_source(tmp_path: Path) -> None:
    html = html_of(tmp_path, TABLE)
    table = html[html.index('<table class="data"'):html.index("</table>")]
    assert 'id="people"' in table
    assert '<caption><span class="caption-label">Table 1.</span> People <em>per</em> district</caption>' in table
    assert "<thead>" in table and table.count('<th scope="col"') == 3
    assert re.findall(r'<td class="align-(\w+)">', table) == ["left", "right", "right"] * 2
    assert '<p class="source"><span class="source-label">Source:</span> Census, 2019.</p>' in html


def test_table_alignment_by_hand_and_row_length_checked(tmp_path: Path) -> None:
    html = html_of(tmp_path, TABLE.replace("        source:", "        align: [center, left, left]\n        source:"))
    assert re.findall(r'<td class="align-(\w+)">', html)[:3] == ["center", "left", "left"]
    err = errors_of(tmp_path, TABLE.replace('[South, "17,850", "59%"]', '[South, "17,850"]')
                    .replace("Share]", "Share]\n        align: [left, middle, right]"))
    assert "c/10-one.yaml:" in err
    assert "the row has 2 cells; the table has 3 columns" in err
    assert "expected one of: left, right, center; found 'middle'" in err


def test_tables_and_figures_are_numbered_through_the_report_and_agree_with_references(tmp_path: Path) -> None:
    blocks = TABLE + """\
      - See [](#second) and [](#people) and [](#pic).
      - figure: pic.png
        id: pic
        alt: A single pixel.
        caption: The pixel
      - table: Second
        id: second
        columns: [A]
        rows: [[x]]
"""
    html = html_of(tmp_path, blocks)
    assert '<span class="caption-label">Table 2.</span> Second' in html
    assert '<span class="caption-label">Figure 1.</span> The pixel' in html
    assert ('<a class="xref" href="#second">Table 2, page\u00a0<span class="xref-page" data-target="#second">'
            '</span></a>') in html
    assert '<a class="xref" href="#people">Table 1, page' in html
    assert '<a class="xref" href="#pic">Figure 1, page' in html
    # the lists after the contents say the same numbers
    lists = html[html.index('<section class="lists">'):html.index("</section>", html.index('class="lists"'))]
    assert re.findall(r'<span class="toc-label">([^<]+)</span>', lists) == ["Figure 1", "Table 1", "Table 2"]
    assert '<a href="#people">' in lists and '<a href="#pic">' in lists


def test_no_lists_unless_asked(tmp_path: Path) -> None:
    html = html_of(tmp_path, TABLE, report=REPORT_WITH_LISTS.replace("lists: [figures, tables]\n", ""))
    assert 'class="lists"' not in html


def test_figure_html_has_image_alt_caption_width(tmp_path: Path) -> None:
    html = html_of(tmp_path, """\
      - figure: pic.png
        alt: A "single" <pixel>.
        caption: One pixel
        width: 60%
        source: Camera.
""")
    assert re.search(r'<figure class="figure" id="figure-1" data-src="[^"]+"'
                     r' style="width: 60%">\s*<img src="file:///[^"]*/pic.png" '
                     r'alt="A “single” &lt;pixel&gt;.">', html)
    assert '<span class="caption-label">Figure 1.</span> One pixel' in html
    assert '<span class="source-label">Source:</span> Camera.' in html


def test_figure_without_alt_text_is_a_content_error(tmp_path: Path) -> None:
    err = errors_of(tmp_path, "      - figure: pic.png\n        caption: A pixel\n")
    assert re.search(r"c/10-one\.yaml:7:9: error: sections\[0\]\.blocks\[0\]: a figure needs 'alt:' text", err)
    assert "hint: describe in a sentence" in err


@pytest.mark.parametrize(("image", "message"), [
    ("/etc/hostname", "is an absolute path"),
    ("../outside.png", "climbs out of the report's folder"),
    ("https://example.org/x.png", "is a URL"),
    ("missing.png", "no file 'missing.png'"),
    ("10-one.yaml", "is not an image"),
])
def test_figure_paths_are_checked_at_check_time(tmp_path: Path, image: str, message: str) -> None:
    (tmp_path / "outside.png").write_bytes(PNG)
    err = errors_of(tmp_path, f"      - figure: {image}\n        alt: Something.\n")
    assert re.search(r"c/10-one\.yaml:7:17: error: sections\[0\]\.blocks\[0\]\.figure: ", err), err
    assert message in err


def test_figure_width_is_checked(tmp_path: Path) -> None:
    err = errors_of(tmp_path, "      - figure: pic.png\n        alt: A pixel.\n        width: 120%\n")
    assert "'120%' is not a width" in err


def test_check_imports_neither_weasyprint_nor_matplotlib_without_charts(report_dir: Path) -> None:
    code = ("import sys; from folio.cli import main; "
            f"rc = main(['--check', '-q', '--content', {str(report_dir)!r}]); "
            "print(rc, 'weasyprint' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["0", "False", "False"]


CHART = """\
      - chart: stacked-bar
        id: wells
        title: Wells, thousands
        units: thousand
        labels: ["2019", "2021"]
        series:
          - name: Dug
            values: [120, "1,480.5"]
          - name: Drilled
            values: [64, 70]
        alt: Two stacked bars.
        caption: Wells by kind
        source: Survey.
        table: true
"""


def test_chart_html_is_a_vector_svg_image_with_alt_text_and_data_table(tmp_path: Path) -> None:
    import base64

    html = html_of(tmp_path, CHART)
    match = re.search(r'<figure class="figure chart" id="wells" data-src="[^"]+"'
                      r'>\s*<img src="data:image/svg\+xml;base64,([^"]+)" '
                      r'alt="Two stacked bars.">', html)
    assert match
    svg = base64.b64decode(match[1]).decode()
    assert svg.startswith("<?xml") and "<path" in svg and "<image" not in svg
    assert "font-family: 'Report Sans'" in svg and ">Wells, thousands</text>" in svg
    assert "#1d3a5c" in svg  # the accent of styles/tokens.css
    assert '<span class="caption-label">Figure 1.</span> Wells by kind' in html
    data = html[html.index('<table class="data chart-data">'):]
    assert "<caption>Figure 1: data (thousand)</caption>" in data
    assert re.findall(r'<td class="align-right">([^<]+)</td>', data) == ["120", "64", "1,480.5", "70"]


def test_chart_svg_is_deterministic_and_dateless() -> None:
    data = ChartData("line", ("a", "b", "c"), (("one", (1.0, 2.0, 3.0)), ("two", (3.0, 1.0, 2.0))), "T", "u")
    first, second = render_svg(data), render_svg(data)
    assert first == second
    assert "<dc:date>" not in first and "Matplotlib" not in first.split("<defs>")[0].split("</metadata>")[0]


def test_each_chart_kind_draws() -> None:
    for kind in ("bar", "stacked-bar", "line"):
        svg = render_svg(ChartData(kind, ("x", "y"), (("s", (1.0, 2.0)),)))
        assert "<path" in svg and ">x</text>" in svg


def test_palette_starts_at_the_accent_and_lightens() -> None:
    assert palette("#1d3a5c", 1) == ["#1d3a5c"]
    colours = palette("#1d3a5c", 3)
    assert colours[0] == "#1d3a5c" and len(set(colours)) == 3


@pytest.mark.parametrize(("change", "message"), [
    (("values: [64, 70]", "values: [64]"), "1 values for 2 labels"),
    (("values: [64, 70]", "values: [64, lots]"), "'lots' is not a number"),
    (("values: [64, 70]", "values: [64, nan]"), "'nan' is not a number"),
    (("chart: stacked-bar", "chart: pie"), "expected one of: 'bar', 'stacked-bar', 'line'; found 'pie'"),
    (("        alt: Two stacked bars.\n", ""), "a chart needs 'alt:' text"),
    (("table: true", "table: maybe"), "expected true or false"),
])
def test_chart_mistakes_are_content_errors(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    err = errors_of(tmp_path, CHART.replace(*change))
    assert "c/10-one.yaml:" in err and message in err


def test_keyfigures_and_box_html(tmp_path: Path) -> None:
    html = html_of(tmp_path, """\
      - keyfigures:
          - {value: "5,734", label: registered CSOs}
          - {value: "47", label: political parties}
        title: Civic space
        id: civic
      - box: How we count
        id: counting
        blocks:
          - A household counts when served.[^n1]
          - list: [one, two]
      - See [](#civic) and [](#counting).
""", notes="  n1: The note.\n")
    assert re.search(r'<aside class="box keyfigures" id="civic" data-src="[^"]+"'
                     r'>\s*<p class="box-head"><span class="box-label">Box 1'
                     r'</span><span class="box-title">Civic space</span></p>', html)
    assert re.search(r'<span class="keyfigure-value" data-src="[^"]+">5,734</span> '
                     r'<span class="keyfigure-label">registered CSOs</span>', html)
    assert re.search(r'<aside class="box callout" id="counting" data-src="[^"]+"'
                     r'>\s*<p class="box-head"><span class="box-label">Box 2'
                     r'</span><span class="box-title">How we count</span></p>\s*<p data-src="[^"]+"'
                     r'>A household counts when served.'
                     r'<span class="footnote-anchor" id="call-one.n1"></span>'
                     r'<span class="footnote" id="note-one.n1">The note.</span></p>',
                     html)
    assert '<a class="xref" href="#civic">Box 1, page' in html
    assert '<a class="xref" href="#counting">Box 2, page' in html


def test_a_box_holds_text_only(tmp_path: Path) -> None:
    err = errors_of(tmp_path, "      - box: Outer\n        blocks:\n          - box: Inner\n"
                              "            blocks: [text]\n")
    assert "a box holds text" in err


def test_quote_with_attribution_and_nested_lists(tmp_path: Path) -> None:
    html = html_of(tmp_path, """\
      - quote: We cannot "choose" among rights.
        source: António Guterres
      - list:
          - First
          - item: Second
            sub: [two-a, two-b]
      - numbered: [One, {item: Two, sub: [two-a]}]
""")
    assert re.search(r'<figure class="quote" data-src="[^"]+"'
                     r'>\s*<blockquote><p>We cannot “choose” among rights.</p></blockquote>'
                     r'\s*<figcaption>António Guterres</figcaption>', html)
    assert re.search(r'<ul class="list" data-src="[^"]+"'
                     r'>\s*<li>First\s*</li>\s*<li>Second\s*<ul>\s*<li>two-a</li>\s*<li>two-b</li>',
                     html)
    assert re.search(r'<ol class="list" data-src="[^"]+">\s*<li>One\s*</li>\s*<li>Two\s*<ol>\s*<li>two-a</li>', html)


def test_footnote_html_and_errors(tmp_path: Path) -> None:
    html = html_of(tmp_path, "      - Text with a note.[^src]\n", notes="  src: The *source*.\n")
    assert ('a note.<span class="footnote-anchor" id="call-one.src"></span>'
            '<span class="footnote" id="note-one.src">The <em>source</em>.</span>') in html
    err = errors_of(tmp_path, "      - Text.[^nope]\n      - figure: pic.png\n        alt: x\n"
                              "        caption: See [](#nowhere)\n", notes="  unused: Never called.\n")
    assert "footnote '[^nope]' has no text" in err
    assert "cross-reference to unknown id 'nowhere'" in err
    assert "note 'unused' is never called" in err


def test_duplicate_ids_across_block_kinds(tmp_path: Path) -> None:
    err = errors_of(tmp_path, TABLE + "      - box: Dup\n        id: people\n        blocks: [x]\n")
    assert "id 'people' is used twice" in err


def test_the_briefing_example_checks_clean() -> None:
    result = run_cli("--check", "--content", ROOT / "examples" / "briefing")
    assert result.code == 0, result.err


def test_a_figure_without_caption_keeps_its_number(tmp_path: Path) -> None:
    html = html_of(tmp_path, "      - figure: pic.png\n        alt: A pixel.\n")
    assert '<figcaption><span class="caption-label">Figure 1</span></figcaption>' in html
