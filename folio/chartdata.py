"""What a chart says, as words and numbers, and what a chart's value may be.

No matplotlib here: `--check` validates every chart with these rules alone, and the
cache (chartcache.py) names a drawing by the digest of a `ChartData`.

A value is a number as a person writes it in a table: an optional sign, digits
(either all together, "12500", or in groups of three after a comma, "12,500"),
and an optional decimal point with digits after it ("12.5", "-0.25"); at most 15
digits in all, which a double holds exactly. Anything else ("1,5", "2_5", "1e5",
"inf", "12 %") is refused rather than guessed at. A missing value is `null` (or
`~`), written without quotes: YAML's own word for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("bar", "stacked-bar", "line")
ORIENTATIONS = ("auto", "vertical", "horizontal")
MISSING = ("null", "~")  # unquoted: a value that is not there (a gap, no bar)

# What one chart may ask of the machine; each is refused with the limit in the message.
MAX_POINTS = 10_000  # values in a chart (labels x series): a long line chart draws in about a second
MAX_SERIES = 12  # past a dozen, tints of one colour can no longer be told apart
MAX_BARS = 60  # categories of a bar chart: 60 horizontal bars fill a page
MAX_DIGITS = 15  # digits of one value: a double holds 15 exactly

_NUMBER = re.compile(r"^[+\-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
NUMBER_HINT = "write a number such as 5734, 5,734, -12.5 or 0.25 (a missing value is null); the unit goes in 'units:'"


@dataclass(frozen=True)
class ChartData:
    """What a chart draws, as plain text and numbers (markup already removed); None is a gap."""

    kind: str  # bar, stacked-bar, line
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    title: str = ""
    units: str = ""
    orientation: str = "auto"  # bars: auto, vertical, horizontal


class NotANumber(ValueError):
    """A value that is not a number as defined above; the message says why."""


def parse_value(text: str) -> float:
    """'5,734' -> 5734.0; '-0.5' -> -0.5; anything else raises NotANumber with the reason."""
    if not _NUMBER.match(text):
        raise NotANumber(f"{text!r} is not a number")
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS:
        raise NotANumber(f"{text!r} has {digits} digits; a chart's value has at most {MAX_DIGITS}")
    return float(text.replace(",", "").replace("\u2212", "-"))


def number_text(value: float | None) -> str:
    """12000.0 -> '12,000'; 3.25 -> '3.25'; None -> an en dash: a value as its data table prints it."""
    if value is None:
        return "\u2013"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,}"
