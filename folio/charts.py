"""Charts from data: bar, stacked bar and line charts drawn by matplotlib as vector SVG.

matplotlib is imported (by mpl.py, isolated from the machine's settings) only when a
chart is drawn, and a chart is drawn only when the build needs one its cache
(chartcache.py) lacks. The SVG is made to be set in the report: the report's own sans
face (the TTFs in styles/fonts/, registered by file, so that its text metrics are those
of the face the PDF will use), the accent colour from styles/tokens.css, and the text
width, so that 8 pt in the chart is 8 pt on the page.

Text stays text (`svg.fonttype: none`), named with the CSS family of styles/fonts.css:
WeasyPrint draws it with the same embedded font as the body, so the chart's words can be
searched, copied and read aloud. Text is printed as written (`text.parse_math: False`:
a "$" is a dollar, never mathematics). The output is deterministic (fixed
`svg.hashsalt` for clip-path ids, no date or creator in the metadata).

The layout follows the data: bars turn horizontal when their labels do not fit under
them (or there are many), labels wrap at spaces, a line chart's labels are thinned to
every second or fifth one when they would collide, integer data get integer ticks, the
value axis ends on a labelled tick beyond the data, negative segments of stacked bars
stack downwards, and a missing value (None) is a gap in a line and no bar.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import mpl
from .chartdata import ChartData
from .paths import STYLES_DIR

__all__ = ["ChartData", "ChartTrouble", "palette", "render_svg", "tokens"]

CSS_FAMILY = "Report Sans"  # the family styles/fonts.css declares for the sans files
CSS_FALLBACK = "Report Khmer"  # and for the Khmer ones, which matplotlib falls back to
TEXT_WIDTH_MM = 148.0  # A4 text width (210 - 28 - 34 mm); the image is scaled to the column anyway
HEIGHT_MM = 68.0
FONT_PT = 8.0
MM = 72 / 25.4  # points in a millimetre
MAX_BARS_UPRIGHT = 12  # more categories than this lie down as horizontal bars
ROW_MM = 3.4  # a horizontal bar's row: per line of its label (8 pt), plus a gap
MAX_HEIGHT_MM = 200.0  # a page's text block, less a heading and the caption
# What matplotlib may say that is no trouble: it only measures with the bundled faces. A
# character none has is drawn by the engine, which reports it at its place in the content
# (pipeline._with_glyph_places); a weight a fallback face lacks is the engine's choice too.
_HARMLESS = re.compile(r"Glyph \d+ .* missing from font|findfont: Failed to find font weight")


class ChartTrouble(Exception):
    """matplotlib warned while drawing a chart: the build reports it at the chart."""


def tokens(path: Path = STYLES_DIR / "tokens.css") -> dict[str, str]:
    """The colour variables of tokens.css: {'accent': '#1d3a5c', ...}."""
    text = path.read_text(encoding="utf-8")
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", text))


def palette(accent: str, count: int) -> list[str]:
    """The accent, then ever lighter tints of it: one hue, told apart by lightness (and by a legend)."""
    r, g, b = (int(accent[i : i + 2], 16) for i in (1, 3, 5))
    out = []
    for i in range(count):
        share = 0.0 if count == 1 else 0.72 * i / (count - 1)
        out.append("#{:02x}{:02x}{:02x}".format(*(round(c + (255 - c) * share) for c in (r, g, b))))
    return out


@dataclass(frozen=True)
class Layout:
    horizontal: bool
    labels: tuple[str, ...]  # wrapped with newlines
    height_mm: float
    label_step: int = 1  # a line chart labels every n-th point
    title: str = ""  # wrapped to the room beside the labels


def render_svg(data: ChartData, home: Path | None = None) -> str:
    """The chart as an SVG document, text as text in the report's sans face.

    `home` is the folder matplotlib may keep its configuration in (mpl.py); raises
    ChartTrouble with matplotlib's words when it warned.
    """
    lib = mpl.library(home)
    matplotlib = lib.matplotlib
    from matplotlib.figure import Figure

    colours = tokens()
    ink, muted, rule = colours.get("ink", "#1a1a1a"), colours.get("muted", "#5a6470"), colours.get("rule", "#9aa7b5")
    rc = {key: value for key, value in matplotlib.rcParamsDefault.items() if key != "backend"}
    rc.update({
        "text.parse_math": False,  # text is text: "$5 and $10" is printed as written
        "text.usetex": False,
        "axes.formatter.use_mathtext": False,
        "svg.fonttype": "none",
        "svg.hashsalt": "folio",
        "font.family": _families(lib, data),
        "font.size": FONT_PT,
        "text.color": ink,
        "axes.edgecolor": rule,
        "axes.labelcolor": muted,
        "xtick.color": muted,
        "ytick.color": muted,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.linewidth": 1.6,
    })
    with mpl.quiet() as said, matplotlib.rc_context(rc):
        layout = _layout(data)
        fig = Figure(figsize=(TEXT_WIDTH_MM / 25.4, layout.height_mm / 25.4))
        ax = fig.subplots()
        handles = _draw(ax, data, layout, palette(colours.get("accent", "#1d3a5c"), len(data.series)))
        _value_axis(ax, data, layout.horizontal, rule)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x" if layout.horizontal else "y", color=rule, linewidth=0.4, alpha=0.6)
        ax.set_axisbelow(True)
        if data.units:
            (ax.set_xlabel if layout.horizontal else ax.set_ylabel)(data.units)
        if data.title:
            ax.set_title(layout.title, loc="left", fontweight="semibold", color=ink, fontsize=FONT_PT + 1, pad=8)
        if len(data.series) > 1:  # handles and names given: a name starting with "_" is still shown
            ax.legend(handles, [name for name, _ in data.series], frameon=False, loc="upper left",
                      bbox_to_anchor=(1.0, 1.0), fontsize=FONT_PT)
        fig.tight_layout(pad=0.4)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    trouble = [m for m in said.messages if not _HARMLESS.search(m)]
    if trouble:
        raise ChartTrouble("; ".join(dict.fromkeys(trouble)))
    return _css_families(out.getvalue(), lib.families)


def _families(lib: mpl.Library, data: ChartData) -> list[str]:
    """The report's sans, and the fallback faces only for a chart with characters it lacks (a
    fallback list makes matplotlib measure every string through every face: twice as slow)."""
    words = [data.title, data.units, *data.labels, *(name for name, _ in data.series)]
    if set("".join(words)) <= lib.sans_characters:
        return [lib.families[0]]
    return list(lib.families)


def _css_families(svg: str, families: tuple[str, ...]) -> str:
    """The faces matplotlib measured with, renamed to the families the stylesheet gives the same files."""
    css = {families[0]: CSS_FAMILY, **{name: CSS_FALLBACK for name in families[1:]}}

    def rename(match: re.Match[str]) -> str:
        names = [n.strip().strip("'\"") for n in match.group(1).split(",")]
        wanted = dict.fromkeys(css.get(n, n) for n in names)
        return "font-family: " + ", ".join(f"'{n}'" for n in wanted)

    return re.sub(r"font-family: ([^;\"]+)", rename, svg)


# ---------------------------------------------------------------- layout


def _layout(data: ChartData) -> Layout:
    """Horizontal or upright bars, wrapped labels, the height; thinned labels for a line chart."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=FONT_PT)
    title_prop = FontProperties(size=FONT_PT + 1, weight="semibold")

    @cache
    def width(text: str) -> float:  # in points
        return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0] if text else 0.0

    def title_width(text: str) -> float:
        return text_to_path.get_text_width_height_descent(text, title_prop, ismath=False)[0]

    def title(room: float) -> str:
        return "\n".join(_wrap(data.title, room, title_width)) if data.title else ""

    legend = 0.0
    if len(data.series) > 1:
        legend = max(width(name) for name, _ in data.series) + 24
    plot = TEXT_WIDTH_MM * MM - 40 - legend  # the axes' width, less the value labels and the legend
    count = len(data.labels)
    slot = plot / count
    if data.kind == "line":
        longest = max(width(label) for label in data.labels) + 6
        step = next((s for s in (1, 2, 3, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000)
                     if longest <= slot * s), max(1, count))
        return Layout(False, data.labels, HEIGHT_MM, step, title(plot + legend - 12))
    horizontal = data.orientation == "horizontal" or (data.orientation == "auto" and count > MAX_BARS_UPRIGHT)
    if not horizontal:
        upright = [_wrap(label, slot - 4, width) for label in data.labels]
        fits = all(len(lines) <= 2 and all(width(line) <= slot - 2 for line in lines) for lines in upright)
        horizontal = data.orientation == "auto" and not fits
    if not horizontal:
        return Layout(False, tuple("\n".join(lines) for lines in upright), HEIGHT_MM, 1, title(plot + legend - 12))
    column = TEXT_WIDTH_MM * MM * 0.32  # the labels' column beside the bars
    lying = [_wrap(label, column, width) for label in data.labels]
    lines = max(len(wrapped) for wrapped in lying)
    heading = title(TEXT_WIDTH_MM * MM * 0.62)
    rows = count * (ROW_MM * (lines - 1) + ROW_MM + 0.8)
    height = min(MAX_HEIGHT_MM, max(HEIGHT_MM, rows + 16 + 4.5 * heading.count("\n") + (8 if heading else 0)))
    return Layout(True, tuple("\n".join(wrapped) for wrapped in lying), height, 1, heading)


def _wrap(text: str, room: float, width) -> list[str]:
    """The label in lines no wider than `room` points, broken at spaces (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and width(f"{lines[-1]} {word}") <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


# ---------------------------------------------------------------- drawing


def _draw(ax, data: ChartData, layout: Layout, colours: list[str]) -> list:
    """The marks, one handle per series for the legend."""
    x = list(range(len(data.labels)))
    handles = []
    if data.kind == "line":
        markers = "osD^v"
        for i, (_, values) in enumerate(data.series):
            ys = [math.nan if v is None else v for v in values]  # NaN: matplotlib leaves a gap
            (line,) = ax.plot(x, ys, color=colours[i], marker=markers[i % len(markers)], markersize=3.5,
                              clip_on=False)  # a point on the axis's end is drawn whole
            handles.append(line)
        shown = x[:: layout.label_step]
        ax.set_xticks(shown, [layout.labels[i] for i in shown])
        ax.margins(x=0.04)
        return handles
    from matplotlib.patches import Patch

    bar = ax.barh if layout.horizontal else ax.bar
    handles = [Patch(facecolor=colour) for colour in colours]  # a series with no bar drawn still has its key
    if data.kind == "stacked-bar":
        up, down = [0.0] * len(x), [0.0] * len(x)  # negative segments stack downwards from zero
        for i, (_, values) in enumerate(data.series):
            where = [p for p, v in zip(x, values, strict=True) if v is not None]
            sizes = [v for v in values if v is not None]
            bases = [up[p] if v >= 0 else down[p] for p, v in zip(where, sizes, strict=True)]
            bar(where, sizes, 0.62, bases, color=colours[i], edgecolor="white", linewidth=0.5)
            for p, v in zip(where, sizes, strict=True):
                if v >= 0:
                    up[p] += v
                else:
                    down[p] += v
    else:  # bar: series side by side
        count = len(data.series)
        size = 0.72 / count
        for i, (_, values) in enumerate(data.series):
            offset = (i - (count - 1) / 2) * size
            where = [p + offset for p, v in zip(x, values, strict=True) if v is not None]
            bar(where, [v for v in values if v is not None], size, color=colours[i])
    if layout.horizontal:
        ax.set_yticks(x, layout.labels)
        ax.invert_yaxis()  # the first label on top, as it is read
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_xticks(x, layout.labels)
        ax.tick_params(axis="x", length=0)
    return handles


def _value_axis(ax, data: ChartData, horizontal: bool, rule: str) -> None:
    """Integer ticks for integer data, the axis ending on labelled ticks beyond the data, no "-0"."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    values = [v for _, vs in data.series for v in vs if v is not None]
    if data.kind == "stacked-bar":
        columns = list(zip(*(vs for _, vs in data.series), strict=True))
        tops = [sum(v for v in col if v is not None and v > 0) for col in columns]
        bottoms = [sum(v for v in col if v is not None and v < 0) for col in columns]
        low, high = min(bottoms), max(tops)
    else:
        low, high = min(values), max(values)
    if data.kind != "line":  # bars grow from zero
        low, high = min(low, 0.0), max(high, 0.0)
    if low == high:  # one value (or all equal): an axis around it, at its own scale
        pad = abs(low) / 2 or 1.0
        low, high = (low - pad, high + pad) if data.kind == "line" else (min(low, 0.0), max(high, pad))
    integers = all(float(v).is_integer() for v in values)
    locator = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=integers, min_n_ticks=2 if integers else 3)
    ticks = [t for t in locator.tick_values(low, high)]
    below = [t for t in ticks if t <= low + 1e-12 * max(1.0, abs(low))]
    above = [t for t in ticks if t >= high - 1e-12 * max(1.0, abs(high))]
    start, end = (below[-1] if below else ticks[0]), (above[0] if above else ticks[-1])
    ticks = [t for t in ticks if start <= t <= end]
    decimals = _decimals(ticks)
    axis = ax.xaxis if horizontal else ax.yaxis
    (ax.set_xlim if horizontal else ax.set_ylim)(start, end)
    axis.set_ticks(ticks)
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick_text(v, decimals)))
    if low < 0 < high:
        (ax.axvline if horizontal else ax.axhline)(0, color=rule, linewidth=0.6)


def _decimals(ticks: list[float]) -> int:
    """The fewest decimals that tell every tick apart as it is (0.25 steps: 2)."""
    for decimals in range(7):
        if all(abs(round(t, decimals) - t) <= 1e-9 * max(1.0, abs(t)) for t in ticks):
            return decimals
    return 6


def _tick_text(value: float, decimals: int) -> str:
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # never "-0"
    return f"{rounded:,.{decimals}f}".replace("-", "\u2212")
