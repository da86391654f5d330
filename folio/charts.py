"""Charts from data: bar, stacked bar and line charts drawn by matplotlib as vector SVG.

matplotlib is imported here, inside the function, and only when a report has a
chart: importing it costs about half a second. The SVG is made to be set in
the report: the report's own sans face (the TTFs in styles/fonts/, registered
with matplotlib's font manager, so that its text metrics are those of the face
the PDF will use), the accent colour from styles/tokens.css, and a size equal
to the text width so that 8 pt in the chart is 8 pt on the page.

Text stays text (`svg.fonttype: none`), named with the CSS family of
styles/fonts.css: WeasyPrint draws it with the same embedded font as the body,
so the chart's words can be searched, copied and read aloud, and the file is
smaller than with every glyph drawn as a path. The output is deterministic
(fixed `svg.hashsalt` for clip-path ids, no date or creator in the metadata),
so a build stays byte-identical.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .paths import STYLES_DIR

FONT_DIR = STYLES_DIR / "fonts" / "source-sans-3"
CSS_FAMILY = "Report Sans"  # the family styles/fonts.css declares for these files
TEXT_WIDTH_MM = 148.0  # A4 text width (210 - 28 - 34 mm); the image is scaled to the column anyway
HEIGHT_MM = 68.0
FONT_PT = 8.0


@dataclass(frozen=True)
class ChartData:
    """What a chart needs, as plain text and numbers (markup already removed)."""

    kind: str  # bar, stacked-bar, line
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    title: str = ""
    units: str = ""


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


@cache
def _matplotlib():
    """matplotlib with the report's sans face registered; imported once, on first use."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    for font in sorted(FONT_DIR.glob("*.ttf")):
        font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(FONT_DIR / "SourceSans3-Regular.ttf")).get_name()
    return matplotlib, Figure, FuncFormatter, family


def render_svg(data: ChartData) -> str:
    """The chart as an SVG document, text as text in the report's sans face."""
    matplotlib, Figure, FuncFormatter, family = _matplotlib()
    colours = tokens()
    ink, muted, rule = colours.get("ink", "#1a1a1a"), colours.get("muted", "#5a6470"), colours.get("rule", "#9aa7b5")
    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": "folio",
        "font.family": family,
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
    }
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(TEXT_WIDTH_MM / 25.4, HEIGHT_MM / 25.4))
        ax = fig.subplots()
        _draw(ax, data, palette(colours.get("accent", "#1d3a5c"), len(data.series)))
        integers = all(float(v).is_integer() for _, values in data.series for v in values)
        ax.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _pos: f"{v:,.0f}" if integers or float(v).is_integer() else f"{v:,.1f}"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color=rule, linewidth=0.4, alpha=0.6)
        ax.set_axisbelow(True)
        if data.units:
            ax.set_ylabel(data.units)
        if data.title:
            ax.set_title(data.title, loc="left", fontweight="semibold", color=ink, fontsize=FONT_PT + 1, pad=8)
        if len(data.series) > 1:
            ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=FONT_PT)
        fig.tight_layout(pad=0.4)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = out.getvalue()
    # the face matplotlib measured with, renamed to the family the stylesheet gives the same file
    return svg.replace(f"font-family: '{family}'", f"font-family: '{CSS_FAMILY}'")


def _draw(ax, data: ChartData, colours: list[str]) -> None:
    x = list(range(len(data.labels)))
    if data.kind == "line":
        markers = "osD^v"
        for i, (name, values) in enumerate(data.series):
            ax.plot(x, values, label=name, color=colours[i], marker=markers[i % len(markers)], markersize=3.5)
        ax.set_xticks(x, data.labels)
        ax.margins(x=0.04)
        return
    if data.kind == "stacked-bar":
        bottom = [0.0] * len(x)
        for i, (name, values) in enumerate(data.series):
            ax.bar(x, values, 0.62, bottom=bottom, label=name, color=colours[i], edgecolor="white", linewidth=0.5)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    else:  # bar: series side by side
        count = len(data.series)
        width = 0.72 / count
        for i, (name, values) in enumerate(data.series):
            offset = (i - (count - 1) / 2) * width
            ax.bar([p + offset for p in x], values, width, label=name, color=colours[i])
    ax.set_xticks(x, data.labels)
    ax.tick_params(axis="x", length=0)
