"""Footnote markers of any width (issue 13, item 5): from note 100 up the number printed on a
line of its own and its full stop on the next (`width: 1.6em`). Every marker stays on the first
line of its note, and every note's text starts at one place, whatever the numbers' width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from folio import pipeline, typeset
from folio.paths import PROJECT_ROOT, STYLES_DIR

from .conftest import write_report


def _walk(box) -> Iterator:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def _first_lines(html: str, folder: Path) -> list[tuple[str, float, float, float]]:
    """For each note, in order: the marker's text, its line's top, the note's text's left and top."""
    from weasyprint.formatting_structure import boxes

    laid = typeset.layout(html, PROJECT_ROOT.as_uri() + "/", (STYLES_DIR, folder), check_notes=False)
    out = []
    for page in laid.document.pages:
        for area in _walk(page._page_box):
            if not isinstance(area, boxes.FootnoteAreaBox):
                continue
            for note in area.children:
                first = next(b for b in _walk(note) if isinstance(b, boxes.LineBox))
                texts = [t for t in _walk(first) if isinstance(t, boxes.TextBox)]
                marker, text = texts[0], texts[1]
                out.append((marker.text, marker.position_y, text.position_x, text.position_y))
    return out


def _report(folder: Path, notes: int) -> Path:
    blocks = "".join(f"  - Point {n}.[^n{n}]\n" for n in range(1, notes + 1))
    listed = "".join(f"  n{n}: Note {n}.\n" for n in range(1, notes + 1))
    return write_report(folder, chapters={"10-one.yaml": f"title: One\nblocks:\n{blocks}notes:\n{listed}"})


def _check_aligned(lines: list[tuple[str, float, float, float]], numbers: range) -> None:
    assert [marker for marker, *_ in lines] == [f"{n}." for n in numbers]
    lefts = {round(left, 2) for _, _, left, _ in lines}
    assert len(lefts) == 1, lefts  # every note's text starts at one place
    for marker, marker_top, _, text_top in lines:
        assert marker_top == text_top, marker  # the marker whole, on the note's first line


def test_notes_99_to_101_keep_their_numbers_on_their_first_line(tmp_path: Path) -> None:
    folder = _report(tmp_path / "content", 101)
    prepared = pipeline.prepare(folder)
    assert prepared.doc.note_digits == 3 and 'class="status-final notes-3"' in prepared.html
    lines = _first_lines(prepared.html, folder)
    _check_aligned(lines[97:], range(98, 102))


@pytest.mark.parametrize(("digits", "first"), [(4, 998), (5, 9_998)])
def test_four_and_five_digit_numbers_fit_too(tmp_path: Path, digits: int, first: int) -> None:
    folder = _report(tmp_path / "content", 3)
    html = pipeline.prepare(folder).html.replace('class="status-final"', f'class="status-final notes-{digits}"')
    html = html.replace("</head>", f"<style>body {{ counter-reset: footnote {first - 1} }}</style></head>", 1)
    _check_aligned(_first_lines(html, folder), range(first, first + 3))
