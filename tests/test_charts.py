"""Charts (issues 13, 17, 18): numbers as written, text as written, limits, readable layouts,
a drawing that depends on nothing but the project, and each chart drawn once (the cache)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from folio import chartcache, charts
from folio.chartdata import MAX_POINTS, ChartData, parse_value
from folio.pipeline import prepare

from .conftest import ROOT, run_cli, write_report

REPORT = """\
title: Charts
issuer: Test
date: 2021-02-09
chapters: [10-one.yaml]
"""


def chapter(blocks: str) -> str:
    return "title: One\nid: one\nsections:\n  - title: First\n    id: first\n    blocks:\n" + blocks


def chart(values: str = "[1, 2, 3]", labels: str = '["2019", "2020", "2021"]', kind: str = "bar",
          extra: str = "") -> str:
    return (f"      - chart: {kind}\n        labels: {labels}\n        series:\n"
            f"          - name: Cases\n            values: {values}\n        alt: A chart.\n{extra}")


def folder_with(tmp_path: Path, blocks: str) -> Path:
    return write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter(blocks)})


def check_errors(tmp_path: Path, blocks: str) -> str:
    result = run_cli("--check", "--content", folder_with(tmp_path, blocks))
    assert result.code == 1, result.out
    return result.err


def svgs(html: str) -> list[str]:
    return [base64.b64decode(m).decode() for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]


def texts(svg: str) -> list[str]:
    """The words of an SVG drawn with svg.fonttype none: each <text> element's content."""
    return [t.replace("&amp;", "&") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


# ---------------------------------------------------------------- what a number is


@pytest.mark.parametrize("text", ["1,5", "2_5", "1e308", "1E5", "inf", "-inf", "nan", "Infinity", "0x10",
                                  "12,34", "1,2345", "1.", ".5", "1.2.3", "1 000", "12%", "$5", "--1",
                                  "1234567890123456"])
def test_a_value_that_is_not_a_number_as_written_is_refused_where_it_is(tmp_path: Path, text: str) -> None:
    err = check_errors(tmp_path, chart(f'[1, "{text}", 3]'))
    assert "c/10-one.yaml:11:25: error: sections[0].blocks[0].series[0].values[1]: " in err, err
    assert "hint: write a number such as 5734, 5,734, -12.5 or 0.25" in err


@pytest.mark.parametrize(("text", "value"), [("5,734", 5734.0), ("1,234,567.25", 1234567.25), ("-0.5", -0.5),
                                              ("+3", 3.0), ("\u22122", -2.0), ("999999999999999", 999999999999999.0),
                                              ("007", 7.0)])
def test_numbers_as_a_person_writes_them(text: str, value: float) -> None:
    assert parse_value(text) == value


def test_empty_values_or_labels_are_errors_not_a_missing_chart(tmp_path: Path) -> None:
    cases = {
        chart("[]"): "values: the list is empty",
        chart("[1, 2, 3]", "[]"): "labels: the list is empty",
        chart("[1, \"\", 3]"): "values[1]: expected a number, found nothing",
        chart("[1, 2]", '["2019", "", "2021"]'): "labels[1]: expected text, found nothing",
        chart("[null, ~, null]"): "every value of the chart is missing (null)",
        chart("\n"): "values: expected a list, found nothing",
    }
    for blocks, message in cases.items():
        err = check_errors(tmp_path, blocks)
        assert message in err and "c/10-one.yaml:" in err, (blocks, err)


def test_null_is_a_missing_value_a_gap_in_a_line_and_a_dash_in_the_table(tmp_path: Path) -> None:
    html = prepare(folder_with(tmp_path, chart("[4, null, 6, ~, 8]", '["a", "b", "c", "d", "e"]', "line",
                                               "        table: true\n"))).html
    cells = re.findall(r'<td class="align-right">([^<]+)</td>', html)
    assert cells == ["4", "\u2013", "6", "\u2013", "8"]
    (svg,) = svgs(html)
    line = re.search(r'<path d="([^"]+)"[^>]*style="fill: none; stroke: #1d3a5c', svg)
    assert line and line.group(1).count("M") == 3  # three runs: a, c, e; the gaps are not bridged


def test_a_quoted_null_is_text_and_refused(tmp_path: Path) -> None:
    assert "'null' is not a number" in check_errors(tmp_path, chart('[1, "null", 3]'))


# ---------------------------------------------------------------- text as written


def test_chart_text_is_printed_as_written_never_as_mathematics() -> None:
    data = ChartData("bar", ("US$ 5 and $10", "$$", "$x^2$"),
                     (("Spending in $ and $ per head", (1.0, 2.0, 3.0)), ("_private", (2.0, 1.0, 1.0))),
                     "Spending in $ and $ per head", "$ per head")
    words = texts(charts.render_svg(data))
    for text in ("US$ 5 and $10", "$$", "$x^2$", "Spending in $ and $ per head", "_private", "$ per head"):
        assert text in words, (text, words)


# ---------------------------------------------------------------- limits


def test_a_chart_past_the_points_limit_is_refused_quickly_with_the_limit(tmp_path: Path) -> None:
    count = MAX_POINTS + 1
    labels = "[" + ", ".join(f'"{i}"' for i in range(count)) + "]"
    values = "[" + ", ".join(str(i % 97) for i in range(count)) + "]"
    started = time.perf_counter()
    err = check_errors(tmp_path, chart(values, labels, "line"))
    assert time.perf_counter() - started < 10
    assert "c/10-one.yaml:7:9: error: sections[0].blocks[0]: the chart has 10,001 values" in err
    assert "the limit is 10,000" in err


def test_too_many_bars_and_series_are_refused_with_the_limit(tmp_path: Path) -> None:
    labels = "[" + ", ".join(f'"c{i}"' for i in range(61)) + "]"
    err = check_errors(tmp_path, chart("[" + ", ".join(["1"] * 61) + "]", labels))
    assert "the bar chart has 61 categories; the limit is 60" in err
    many = "".join(f"          - {{name: s{i}, values: [1]}}\n" for i in range(13))
    err = check_errors(tmp_path, f"      - chart: line\n        labels: [a]\n        series:\n{many}"
                                 "        alt: A chart.\n")
    assert "the chart has 13 series; the limit is 12" in err


# ---------------------------------------------------------------- layouts real data need


def _size_mm(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg[^>]* width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert match
    return float(match[1]) * 25.4 / 72, float(match[2]) * 25.4 / 72


TWENTY = tuple(f"Province of the {word} river valley and its wetlands on the east bank" if i % 4 == 0 else f"Region {i}"
               for i, word in enumerate(["upper", "a", "b", "c", "middle", "d", "e", "f", "lower", "g", "h", "i",
                                         "eastern", "j", "k", "l", "western", "m", "n", "o"]))


def test_many_or_long_categories_lie_down_as_horizontal_bars_taller_than_a_standard_chart() -> None:
    data = ChartData("bar", TWENTY, (("Share", tuple(float(i % 7) for i in range(20))),), "Twenty")
    svg = charts.render_svg(data)
    width, height = _size_mm(svg)
    assert round(width) == 148 and height > 100
    words = texts(svg)
    long = [w for w in words if w.startswith(("Province of the upper", "wetlands"))]
    assert "Region 1" in words and long and "Province of the upper river valley and its wetlands on the east bank" \
        not in words, words  # wrapped at a space
    upright = charts.render_svg(ChartData("bar", ("a", "b"), (("s", (1.0, 2.0)),), orientation="vertical"))
    assert round(_size_mm(upright)[1]) == 68
    forced = charts.render_svg(ChartData("bar", ("a", "b"), (("s", (1.0, 2.0)),), orientation="horizontal"))
    assert texts(forced).index("a") < texts(forced).index("b")


def test_a_line_chart_with_many_labels_shows_every_few_of_them() -> None:
    years = tuple(str(y) for y in range(1950, 2031))
    words = texts(charts.render_svg(ChartData("line", years, (("s", tuple(float(i) for i in range(81))),))))
    shown = [w for w in words if w in years]
    assert "1950" in shown and 5 <= len(shown) < 40


def test_small_integers_give_integer_ticks_without_minus_zero() -> None:
    data = ChartData("line", tuple("abcdefg"), (("s", (1.0, 0.0, 0.0, -1.0, -2.0, -2.0, 1.0)),))
    ticks = [w for w in texts(charts.render_svg(data)) if re.fullmatch(r"[\u2212\d.,]+", w)]
    assert ticks == ["\u22122", "\u22121", "0", "1"]  # each once, no -0, no 0.5


def test_the_value_axis_ends_on_a_labelled_tick_above_the_tallest_bar() -> None:
    data = ChartData("bar", ("a", "b", "c"), (("s", (10.0, 23.0, 47.0)),))
    ticks = [float(w.replace(",", "")) for w in texts(charts.render_svg(data)) if re.fullmatch(r"[\d.,]+", w)]
    assert max(ticks) >= 47 and min(ticks) == 0


def test_negative_segments_of_stacked_bars_stack_downwards() -> None:
    from matplotlib.figure import Figure

    charts.render_svg(ChartData("bar", ("a",), (("s", (1.0,)),)))  # matplotlib imported as the build does
    data = ChartData("stacked-bar", ("a", "b"), (("one", (2.0, -1.0)), ("two", (-3.0, 2.0)), ("three", (1.0, -1.0))))
    ax = Figure().subplots()
    charts._draw(ax, data, charts.Layout(False, data.labels, 68.0), ["#000000", "#111111", "#222222"])
    spans = sorted((round(p.get_x()), p.get_y(), p.get_y() + p.get_height()) for p in ax.patches)
    # a: +2 from 0 to 2, -3 from 0 down to -3, +1 from 2 to 3; b: -1 to -1, +2 from 0, -1 from -1 to -2
    assert spans == [(0, 0.0, -3.0), (0, 0.0, 2.0), (0, 2.0, 3.0), (1, -1.0, -2.0), (1, 0.0, -1.0), (1, 0.0, 2.0)]


def test_a_missing_bar_is_absent_and_its_series_keeps_its_key() -> None:
    data = ChartData("bar", ("a", "b"), (("one", (1.0, None)), ("two", (None, None))))
    svg = charts.render_svg(data)
    assert "one" in texts(svg) and "two" in texts(svg)


def test_the_svg_is_deterministic_and_text_in_the_report_families() -> None:
    data = ChartData("stacked-bar", TWENTY[:5], (("a", (1.0, -2.0, None, 4.0, 5.5)), ("b", (1.0, 2.0, 3.0, 4.0, 5.0))),
                     "T", "u")
    first, second = charts.render_svg(data), charts.render_svg(data)
    assert first == second
    families = set(re.findall(r"font-family: ([^;\"]+)", first))
    assert families and all(f.startswith("'Report Sans'") for f in families), families


# ---------------------------------------------------------------- nothing but the project


HOSTILE_RC = """\
font.size: 30
font.family: serif
axes.facecolor: red
axes.prop_cycle: cycler('color', ['ff0000'])
svg.fonttype: path
svg.hashsalt: other
text.usetex: True
backend: Qt5Agg
"""

CHART_REPORT = chart("[3, null, 5]", extra="        title: Cost in $ and $$\n        table: true\n") + chart(
    "[-1, 0, 2]", kind="stacked-bar")


def _build(content: Path, out: Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content), "-o", str(out), "-q"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return hashlib.sha256(out.read_bytes()).hexdigest()


def test_no_rc_file_cache_or_variable_of_the_machine_changes_a_byte(tmp_path: Path) -> None:
    content = folder_with(tmp_path, CHART_REPORT)
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOURCE_DATE_EPOCH": "1600000000"}
    clean_home = tmp_path / "clean-home"
    clean_home.mkdir()
    clean = _build(content, tmp_path / "clean" / "r.pdf", tmp_path, {**base, "HOME": str(clean_home)})
    home, cwd, config = tmp_path / "home", tmp_path / "cwd", tmp_path / "mplconfig"
    for place in (home / ".config" / "matplotlib", cwd, config):
        place.mkdir(parents=True)
        (place / "matplotlibrc").write_text(HOSTILE_RC, encoding="utf-8")
    (config / "fontlist-v3.11.0.json").write_text("{not json", encoding="utf-8")
    hostile = {**base, "HOME": str(home), "MPLCONFIGDIR": str(config), "MATPLOTLIBRC": str(cwd / "matplotlibrc"),
               "MPLBACKEND": "Qt5Agg", "XDG_CONFIG_HOME": str(home / ".config")}
    assert _build(content, tmp_path / "hostile" / "r.pdf", cwd, hostile) == clean
    assert (config / "fontlist-v3.11.0.json").read_text(encoding="utf-8") == "{not json"  # not touched


def test_matplotlib_says_nothing_on_the_terminal() -> None:
    code = ("from folio.charts import render_svg; from folio.chartdata import ChartData; "
            "render_svg(ChartData('stacked-bar', ('\u1000 \u4e2d', 'b'), "
            "tuple((f's{i}', (999999999999999.0, -999999999999999.0)) for i in range(12)), 'T \u4e2d'))")
    done = subprocess.run([sys.executable, "-W", "always", "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_warning_while_drawing_is_the_builds_own_error_at_the_chart(tmp_path: Path, monkeypatch) -> None:
    def warns(data: ChartData, home: Path | None = None) -> str:
        raise charts.ChartTrouble("something odd")

    monkeypatch.setattr(charts, "render_svg", warns)
    result = run_cli("--content", folder_with(tmp_path, chart()), "-o", tmp_path / "out" / "r.pdf")
    assert result.code == 1
    assert "c/10-one.yaml:7:9: error: the chart could not be drawn cleanly: something odd" in result.err


# ---------------------------------------------------------------- drawn once: the cache


def test_check_draws_no_chart_and_imports_no_matplotlib(tmp_path: Path) -> None:
    content = folder_with(tmp_path, CHART_REPORT)
    code = ("import sys; from folio.cli import main; "
            f"rc = main(['--check', '-q', '--content', {str(content)!r}]); "
            "print(rc, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["0", "False"]


def test_a_chart_is_drawn_once_then_read_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    prepared = prepare(folder_with(tmp_path, CHART_REPORT))
    cache = tmp_path / "build" / chartcache.FOLDER
    first = chartcache.fill(prepared.sketch, prepared.doc.charts, cache)
    entries = sorted(cache.glob("*.entry"))
    assert len(entries) == 2 and first == prepared.html  # the same SVG with or without the cache

    def no_drawing(data: ChartData, home: Path | None = None) -> str:
        raise AssertionError("drawn again")

    monkeypatch.setattr(charts, "render_svg", no_drawing)
    assert chartcache.fill(prepared.sketch, prepared.doc.charts, cache) == first
    monkeypatch.undo()
    entries[0].write_bytes(entries[0].read_bytes()[:-40])  # damaged: ignored, drawn again, kept again
    assert chartcache.fill(prepared.sketch, prepared.doc.charts, cache) == first
    assert chartcache._read(entries[0]) is not None


def test_the_digest_follows_the_data_and_the_design(monkeypatch) -> None:
    one = ChartData("bar", ("a",), (("s", (1.0,)),))
    assert chartcache.digest(one) == chartcache.digest(ChartData("bar", ("a",), (("s", (1.0,)),)))
    assert chartcache.digest(one) != chartcache.digest(ChartData("bar", ("a",), (("s", (2.0,)),)))
    before = chartcache.digest(one)
    design = chartcache._design()
    monkeypatch.setattr(chartcache, "_design", lambda: {**design, "matplotlib": "9.9"})
    assert chartcache.digest(one) != before


def test_a_cache_folder_that_is_a_link_elsewhere_is_neither_read_nor_written(tmp_path: Path) -> None:
    prepared = prepare(folder_with(tmp_path, chart()))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / chartcache.FOLDER).symlink_to(elsewhere)
    html = chartcache.fill(prepared.sketch, prepared.doc.charts, tmp_path / "build" / chartcache.FOLDER)
    assert html == prepared.html and list(elsewhere.iterdir()) == []


# ---------------------------------------------------------------- the cache is the project's, and vetted


def _entry(svg: bytes) -> bytes:
    return hashlib.sha256(svg).hexdigest().encode("ascii") + b"\n" + svg


PLANTED = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>PLANTED</text></svg>'


def test_an_entry_planted_beside_the_output_is_not_used(tmp_path: Path) -> None:
    """The cache lies in the project, never in whatever folder -o names (which anyone may write to)."""
    from folio import pipeline

    content = folder_with(tmp_path, chart())
    key = next(iter(prepare(content).doc.charts))
    out = tmp_path / "out"
    (out / chartcache.FOLDER).mkdir(parents=True)
    (out / chartcache.FOLDER / f"{key}.entry").write_bytes(_entry(PLANTED))
    pipeline.build(content, pipeline.BuildOptions(output=out / "r.pdf", html_out=out / "r.html"))
    drawn = svgs((out / "r.html").read_text(encoding="utf-8"))
    assert drawn and not any("PLANTED" in svg for svg in drawn)


def test_the_cache_is_inside_the_project_and_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from folio.paths import PROJECT_ROOT

    from .conftest import PROJECT_CHART_ROOT

    assert PROJECT_CHART_ROOT == PROJECT_ROOT / "build"  # (conftest gives each test a cache of its own)
    monkeypatch.setattr(chartcache, "ROOT", tmp_path / "build")
    assert chartcache.location() == tmp_path / "build" / chartcache.FOLDER
    assert (tmp_path / "build" / chartcache.FOLDER).is_dir()
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)  # another user's folder: not read
    assert chartcache.location() is None
    monkeypatch.undo()
    (tmp_path / "ro").write_text("a file where the build folder would be")  # cannot be made: no cache
    monkeypatch.setattr(chartcache, "ROOT", tmp_path / "ro" / "build")
    assert chartcache.location() is None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / chartcache.FOLDER).symlink_to(elsewhere)
    monkeypatch.setattr(chartcache, "ROOT", tmp_path / "linked")
    assert chartcache.location() is None


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    b'<image xlink:href="file:///etc/hostname"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><g id="a"/>' + b'<use href="#a"/>' * 120_000 + b"</svg>",
    b"not an svg at all",
])
def test_a_tampered_entry_is_drawn_again_not_trusted(tmp_path: Path, svg: bytes) -> None:
    """An entry with a right digest header but an SVG that images.vet refuses is drawn afresh and kept."""
    prepared = prepare(folder_with(tmp_path, chart()))
    cache = tmp_path / "build" / chartcache.FOLDER
    clean = chartcache.fill(prepared.sketch, prepared.doc.charts, cache)
    (entry,) = cache.glob("*.entry")
    entry.write_bytes(_entry(svg))
    assert chartcache.fill(prepared.sketch, prepared.doc.charts, cache) == clean
    assert chartcache._read(entry) is not None and svg not in entry.read_bytes()


def test_matplotlibs_folder_must_be_a_real_folder_of_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from folio import mpl

    assert mpl._own_rc(tmp_path / "mine").read_text(encoding="utf-8").startswith("# folio's own")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(OSError):
        mpl._own_rc(tmp_path / "link")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(OSError):
        mpl._own_rc(tmp_path / "mine")
    assert list(elsewhere.iterdir()) == []
