"""Key figures that fit their box (issue 13, item 6): a 13-character value ran 12 pt into its
neighbour and the warning pointed at the box's title; a number and its unit broke apart."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from folio import keyfit, pipeline, preflight, typeset
from folio.paths import PROJECT_ROOT, STYLES_DIR

from .conftest import write_report

FIGURES = """\
title: One
blocks:
  - keyfigures:
      - value: "1,407,181,209"
        label: people (2024 est.)
      - value: "181,035 sq km"
        label: total area
      - value: "47"
        label: provinces
    title: Country in numbers
  - keyfigures:
      - value: "5,734"
        label: registered CSOs
      - value: "US$ 32.6 billion"
        label: gross domestic product
"""


def test_the_width_table_is_never_narrower_than_the_font() -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(STYLES_DIR / "fonts" / "source-sans-3" / "SourceSans3-Semibold.ttf")
    cmap, advances, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    for char in string.printable[:95] + "\u00a0\u2013\u2014\u20ac\u00a3\u00a5\u2030":
        assert keyfit.em_width(char) >= advances[cmap[ord(char)]][0] / units, char


@pytest.mark.parametrize(("values", "expected"), [
    (["5,734", "47", "12"], (3, 30)),  # the Situationer's: as before
    (["5,734", "47"], (2, 30)),
    (["1,407,181,209", "181,035\u00a0sq\u00a0km", "47"], (3, 22)),
    (["1,407,181,209", "47"], (2, 30)),
    (["5,734", "W" * 30], (1, 22)),  # nothing fits: one column, the smallest size, and it wraps
])
def test_fit(values: list[str], expected: tuple[int, int]) -> None:
    assert keyfit.fit(values) == expected


def _laid_out(tmp_path: Path, extra_css: str = "") -> tuple[pipeline.Prepared, list[preflight.Defect]]:
    folder = write_report(tmp_path / "content", chapters={"10-one.yaml": FIGURES})
    prepared = pipeline.prepare(folder)
    html = prepared.html.replace("</head>", f"<style>{extra_css}</style></head>", 1) if extra_css else prepared.html
    laid = typeset.layout(html, PROJECT_ROOT.as_uri() + "/", (STYLES_DIR, folder), check_notes=False)
    defects, _ = preflight.inspect(laid.document)
    return prepared, defects


def test_long_values_fit_their_columns(tmp_path: Path) -> None:
    prepared, defects = _laid_out(tmp_path)
    assert '<aside class="box keyfigures size-22"' in prepared.html
    assert "181,035\u00a0sq\u00a0km" in prepared.html  # a number and its unit are one
    assert [d for d in defects if d.kind == "overfull"] == []


def test_a_value_that_still_runs_over_is_reported_at_its_own_line(tmp_path: Path) -> None:
    # the warning pointed at the box's title (or its first value), whichever value ran over
    prepared, defects = _laid_out(tmp_path, ".keyfigure-value { font-size: 90px !important; "
                                            "overflow-wrap: normal !important }")
    over = [d for d in defects if d.kind == "overfull"]
    assert over
    lines = {(prepared.doc.sources[d.key].line, prepared.doc.sources[d.key].column) for d in over}
    assert lines <= {(4, 16), (6, 16), (8, 16), (12, 16), (14, 16)}  # the value lines, at the value
    assert (4, 16) in lines and (14, 16) in lines
