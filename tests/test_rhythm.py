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


# ---------------------------------------------------------------- French spacing

NNBSP = "\u202f"


def _fr(text: str) -> str:
    from folio.markup import make_parser

    return make_parser("fr").renderInline(text)


def test_french_punctuation_takes_a_narrow_no_break_space() -> None:
    assert _fr("Pourquoi? Voici: un point; et !") == f"Pourquoi{NNBSP}? Voici{NNBSP}: un point{NNBSP}; et{NNBSP}!"
    assert _fr("Quoi ?!") == f"Quoi{NNBSP}?!"  # one space before the group
    assert _fr("*mot*: suite") == f"<em>mot</em>{NNBSP}: suite"
    assert _fr("[lien](https://exemple.fr) ?") == f'<a href="https://exemple.fr">lien</a>{NNBSP}?'


def test_french_guillemets_are_spaced_once() -> None:
    for written in ('"Bonjour"', "«Bonjour»", "« Bonjour »", "«\u00a0Bonjour\u00a0»", f"«{NNBSP}Bonjour{NNBSP}»"):
        assert _fr(written) == f"«{NNBSP}Bonjour{NNBSP}»", written


def test_french_spacing_is_never_doubled_nor_put_inside_times_addresses_or_code() -> None:
    assert _fr(f"Déjà{NNBSP}? Oui\u00a0! Non  ;") == f"Déjà{NNBSP}? Oui{NNBSP}! Non{NNBSP};"
    kept = "à 12:30 ou 8:00, ratio 1:2, https://exemple.fr/a?b=1 et mailto:a@b.fr, C:\\Users, a::b"
    assert _fr(kept) == kept
    assert _fr("le code `a : b; c?` ici") == "le code <code>a : b; c?</code> ici"
    assert _fr("A & B ; C") == f"A &amp; B{NNBSP}; C"  # not inside the escaped entity


def test_english_keeps_its_punctuation_as_written() -> None:
    from folio.markup import make_parser

    assert make_parser("en").renderInline("Why? Here: now; « x »") == "Why? Here: now; « x »"


FRENCH_REPORT = """\
title: Rapport d'essai
issuer: Mission d'essai
date: 2021-02-09
language: fr
chapters:
  - 10-un.yaml
"""

FRENCH_CHAPTER = """\
title: "Pourquoi ce rapport ?"
sections:
  - title: "Constats : la procédure"
    blocks:
      - "Le comité a demandé : « Quand ? » La réponse, à 12:30, fut claire ; voir https://exemple.fr/a?b=1 !"
"""


def test_a_french_report_prints_narrow_no_break_spaces(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "content", FRENCH_REPORT, {"10-un.yaml": FRENCH_CHAPTER})
    out = tmp_path / "fr.pdf"
    build(folder, BuildOptions(output=out, strict=True))
    text = "".join(page_texts(out)).replace("\r\n", "")  # the address may wrap after its "//"
    assert f"demandé{NNBSP}: «{NNBSP}Quand{NNBSP}?{NNBSP}» La réponse, à 12:30, fut claire{NNBSP}; voir" in text
    assert f"https://exemple.fr/a?b=1{NNBSP}!" in text
    assert f"Pourquoi ce rapport{NNBSP}?" in text and f"Constats{NNBSP}: la procédure" in text
    assert f"{NNBSP}{NNBSP}" not in text and f" {NNBSP}" not in text and f"{NNBSP} " not in text


# ---------------------------------------------------------------- a level text block top

def _first_lines(content: Path, out: Path, jobs: int = 1) -> list[tuple[int, bool, float, str]]:
    """(page, after a forced break, first line's top below the text block's top in pt, its tag),
    read from the engine's own boxes of the build's final HTML."""
    from folio import preflight, typeset
    from folio.paths import PROJECT_ROOT, STYLES_DIR

    result = build(content, BuildOptions(output=out, strict=True, jobs=jobs))
    assert result.preflight is not None
    laid = typeset.layout(result.preflight.html, PROJECT_ROOT.as_uri() + "/", (STYLES_DIR, content.resolve()))
    pages = preflight.read_pages(laid.document)
    firsts: dict[int, preflight.Line] = {}
    for line in pages.lines:
        firsts.setdefault(line.page, line)
    return [(n, frame.forced, (firsts[n].top - frame.top) * 0.75, firsts[n].classes or firsts[n].tag)
            for n, frame in pages.frames.items() if n in firsts and n > 1]


def test_a_heading_first_on_a_page_loses_its_space_above(tmp_path: Path) -> None:
    sections = "".join(f"  - title: Heading {i}\n    blocks:\n" + "".join(f"      - {PARAGRAPH * 2}\n"
                                                                         for _ in range(1 + i % 3))
                       for i in range(24))
    folder = write_report(tmp_path / "content", REPORT.replace("  - 20-bravo.yaml\n  - 30-charlie.yaml\n", ""),
                          {"10-alpha.yaml": f"title: Alpha\nsections:\n{sections}"})
    firsts = _first_lines(folder, tmp_path / "level.pdf")
    running = [(page, top, kind) for page, forced, top, kind in firsts if not forced]
    assert len(running) >= 4 and any("section-title" in kind for _, _, kind in running), firsts  # a heading on top
    assert all(abs(top) < 0.5 for _, top, _ in running), running
    # after a forced break too (a heading the preflight sent over with break-before): only a
    # chapter's or the contents' title keeps its space above, which is padding
    moved = [(page, top, kind) for page, forced, top, kind in firsts if forced and "chapter-title" not in kind
             and "contents-title" not in kind]
    assert all(abs(top) < 0.5 for _, top, _ in moved), moved
