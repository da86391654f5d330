"""Page-level rhythm: chapter openings without a running head, level text tops, French spacing."""

from __future__ import annotations

from pathlib import Path

import pytest

from folio.pipeline import BuildOptions, build

from .conftest import write_report
from .pdftools import margin_texts, page_texts

PARAGRAPH = ("The mission met officials, lawyers and families of the detained in every province it visited, "
             "and it heard the same account of delays, missing records and hearings put off without a reason. ")

REPORT = """\
title: Rhythm Report
issuer: Test Mission
date: 2021-02-09
language: en
chapters:
  - 10-alpha.yaml
  - 20-bravo.yaml
  - 30-charlie.yaml
"""


def chapter(title: str, paragraphs: int) -> str:
    blocks = "\n".join(f"      - {PARAGRAPH * 3}" for _ in range(paragraphs))
    return f"title: {title}\nsections:\n  - title: Findings of {title}\n    blocks:\n{blocks}\n"


@pytest.fixture(scope="module", params=[1, 2], ids=["whole", "in-parts"])
def openings_pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Alpha fills its right-hand page 1 only, so Bravo opens on a left-hand page and runs three.

    Built whole and in parts (--jobs 2: each part is laid out alone, parts.py)."""
    folder = write_report(tmp_path_factory.mktemp("rhythm") / "content", REPORT, {
        "10-alpha.yaml": chapter("Alpha", 1),
        "20-bravo.yaml": chapter("Bravo", 14),
        "30-charlie.yaml": chapter("Charlie", 1),
    })
    out = folder.parent / "rhythm.pdf"
    build(folder, BuildOptions(output=out, strict=True, jobs=request.param))
    return out


def body_pages(pdf: Path) -> dict[int, tuple[str, str, str]]:
    """Folio -> (top band, bottom band, whole page text) for the body's pages."""
    pages: dict[int, tuple[str, str, str]] = {}
    for margins, text in zip(margin_texts(pdf), page_texts(pdf), strict=True):
        top, _, bottom = margins.partition("\n")
        folio = bottom.strip().split()[-1] if bottom.strip() else ""
        if folio.isdigit() and ("Findings of" in text or "mission met" in text):
            pages[int(folio)] = (top.strip(), bottom.strip(), text)
    return pages


def test_no_running_head_on_any_chapter_opening(openings_pdf: Path) -> None:
    pages = body_pages(openings_pdf)
    openings = {folio: title for title in ("Alpha", "Bravo", "Charlie")
                for folio, (_, _, text) in pages.items() if f"Findings of {title}" in text}
    assert openings.get(2) == "Bravo", openings  # the case this pins: an opening on a left-hand page
    assert openings.get(1) == "Alpha"
    for folio, (top, bottom, _) in pages.items():
        if folio in openings:
            assert top == "", (folio, top)
            assert bottom == str(folio)  # the drop folio stays at the foot
        elif folio % 2 == 0:
            assert top == "Rhythm Report", (folio, top)
        else:
            assert top.endswith("Bravo") or top.endswith("Charlie"), (folio, top)
    assert any(folio not in openings and folio % 2 == 0 for folio in pages)  # a left head was seen
