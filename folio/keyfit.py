"""How a key-figures box sets its values so that the longest fits its column.

A key figure is printed large (30 px) in one of up to three columns, and a value such as
"1,407,181,209" or "181,035 sq km" (a number and its unit cannot be parted) is wider than a
third of the box: it ran into its neighbour. The box's values are measured here, with the
advance widths of the sans face's semibold (styles/fonts/source-sans-3, in ems, rounded
up), and the box is given a smaller size, then fewer columns, until the longest fits;
styles/blocks.css has the classes. The measure is the narrowest text block folio sets (A4,
styles/page.css); what still does not fit (a value too long for a whole line at the
smallest size) wraps, and the preflight warns at the value's own line.
"""

from __future__ import annotations

BOX_PX = 551.8 - 2 * 14  # A4's text block (210 mm less 36 + 28 mm of margins) less the box's padding
GAP_PX = 12  # each value's padding-right
SIZES = (30, 26, 22)  # px: the default, then .size-26 and .size-22
MOST_COLUMNS = 3  # min-width: 28% in styles/blocks.css

# Advance widths in em of Source Sans 3 Semibold, rounded up (tests/test_keyfit.py holds
# them against the font); any other character counts as 1 em, wider than any Latin letter,
# so that a value is never thought narrower than it is.
_WIDTHS = (dict.fromkeys(" \u00a0\u202f.,:;'", 0.28) | dict.fromkeys("()[]/-!|Iijlft", 0.37)
           | dict.fromkeys("0123456789$€£¥\u2013", 0.53) | dict.fromkeys("mwMW%@\u2014", 0.9)
           | dict.fromkeys("\u2030", 1.25))


def em_width(text: str) -> float:
    """The width of `text` in em at the values' face, at least what it really takes."""
    width = 0.0
    for char in text:
        if char in _WIDTHS:
            width += _WIDTHS[char]
        elif char.isascii() and char.isalpha():
            width += 0.69 if char.isupper() else 0.58
        else:
            width += 1.0
    return width


def fit(values: list[str]) -> tuple[int, int]:
    """The columns and the size (px) at which every value fits its column: as many columns
    as there are values (three at most) at 30 px if it can, else a smaller size, else fewer
    columns; one column at the smallest size when nothing fits."""
    widest = max((em_width(v) for v in values), default=0.0)
    for columns in range(min(MOST_COLUMNS, max(1, len(values))), 0, -1):
        room = BOX_PX / columns - GAP_PX
        for size in SIZES:
            if widest * size <= room:
                return columns, size
    return 1, SIZES[-1]


def css_classes(columns: int, size: int, values: int) -> str:
    """The box's classes for `fit`'s answer: none for the default (as many columns as values, up
    to three, at 30 px)."""
    classes = [] if columns == min(MOST_COLUMNS, values) else [f"cols-{columns}"]
    return " ".join(classes + ([f"size-{size}"] if size != SIZES[0] else []))
