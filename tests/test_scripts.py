"""Languages and scripts: the report's words and language, and Khmer shaped and wrapped."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
import yaml

from folio import words
from folio.segment import ZWSP, break_khmer, mark_khmer

from .conftest import ROOT, run_cli, write_report
from .pdftools import page_texts

KHMER = ROOT / "tests" / "reports" / "khmer"
KHMER_FONT = ROOT / "styles" / "fonts" / "noto-serif-khmer" / "NotoSerifKhmer-Regular.ttf"
MM = 72 / 25.4


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1612828800")  # 2021-02-09 00:00 UTC


# ---------------------------------------------------------------- words and language


def test_every_language_gives_every_word() -> None:
    english = set(yaml.safe_load((words.WORDS_DIR / "en.yaml").read_text(encoding="utf-8")))
    for language in words.available():
        assert set(words.words_for(language)) == english, language


def test_no_fixed_english_word_in_templates_or_styles() -> None:
    """Fixed words come from folio/words/<lang>.yaml: no CSS content string or template text holds one."""
    english = {v for k, v in words.words_for("en").items() if k not in ("months", "date_format", "page")}
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "styles").glob("*.css")]:
        text = re.sub(r"\{#.*?#\}|/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        strings = re.findall(r"content:\s*(\"[^\"]*\"|'[^']*')", text) + re.findall(r">([^<>{}]+)<", text)
        found = [s for s in strings if any(w in s for w in english)]
        assert not found, f"{path.name}: {found}"


FRENCH_REPORT = """\
title: Rapport d'essai
issuer: Mission permanente
date: 2021-02-09
language: fr
status: draft
chapters:
  - 10-un.yaml
"""

FRENCH_CHAPTER = """\
title: Introduction
sections:
  - title: Première section
    blocks:
      - Le rapport dit "les droits de l'homme sont universels" et le Secrétaire général l'a rappelé.
"""


def test_a_french_report_has_french_words_quotes_and_language(tmp_path: Path) -> None:
    content = write_report(tmp_path / "fr", FRENCH_REPORT, {"10-un.yaml": FRENCH_CHAPTER})
    assert run_cli("--content", content, "-o", tmp_path / "fr.pdf", "-q").code == 0
    texts = page_texts(tmp_path / "fr.pdf")
    assert "9 février 2021" in texts[0]
    assert "Table des matières" in texts[1]
    assert "«\u202fles droits de l’homme sont universels\u202f»" in texts[2]
    assert "Projet généré le 9 février 2021, 00:00 UTC" in texts[2]
    assert "PROJET" in texts[2] and "DRAFT" not in texts[2]
    with pikepdf.open(tmp_path / "fr.pdf") as pdf:
        assert str(pdf.Root.Lang) == "fr"


# ---------------------------------------------------------------- Khmer


def test_khmer_runs_get_word_breaks_and_a_language() -> None:
    text = "ព្រះរាជាណាចក្រកម្ពុជា"
    assert break_khmer(text) == f"ព្រះរាជាណាចក្រ{ZWSP}កម្ពុជា"
    assert break_khmer("Geneva, 9 February") == "Geneva, 9 February"
    assert mark_khmer(f"In Khmer: {text}.") == f'In Khmer: <span lang="km">ព្រះរាជាណាចក្រ{ZWSP}កម្ពុជា</span>.'
    assert break_khmer(text).replace(ZWSP, "") == text  # nothing else changes


@pytest.fixture(scope="module")
def khmer_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Khmer test report, built with no system font to fall back on."""
    out = tmp_path_factory.mktemp("khmer") / "khmer.pdf"
    result = run_cli("--content", KHMER, "-o", out, "-q", "--bundled-fonts-only")
    assert result.code == 0, result.err
    return out


def test_khmer_is_drawn_from_the_bundled_fonts_only(khmer_pdf: Path) -> None:
    with pikepdf.open(khmer_pdf) as pdf:
        names = {str(font.BaseFont).split("+")[-1] for page in pdf.pages
                 for font in page.Resources.get("/Font", {}).values()}
    assert "Report-Khmer" in names
    assert all(name.startswith("Report-") for name in names), names


def test_a_missing_glyph_fails_the_build(tmp_path: Path) -> None:
    """By default (no flag): no font of the machine stands in; the character is found before layout."""
    chapter = "title: Snow\nsections:\n  - title: A\n    blocks:\n      - A snowman ☃.\n"
    content = write_report(tmp_path / "c", (KHMER / "report.yaml").read_text(encoding="utf-8"),
                           {"10-khmer.yaml": chapter})
    result = run_cli("--content", content, "-o", tmp_path / "x.pdf")
    assert result.code == 1
    assert "10-khmer.yaml:5:19: error: no font of the report has the character U+2603 SNOWMAN" in result.err


def test_khmer_without_spaces_wraps_inside_the_text_block(khmer_pdf: Path) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(khmer_pdf))
    try:
        page = doc[len(doc) - 1]
        width, _ = page.get_size()
        text = page.get_textpage()
        lines, right = set(), 0.0
        for i in range(text.count_chars()):
            if "\u1780" <= text.get_text_range(i, 1) <= "\u17ff":
                _left, bottom, r, _top = text.get_charbox(i)
                lines.add(round(bottom / 5))
                right = max(right, r)
    finally:
        doc.close()
    assert len(lines) >= 6  # three Khmer paragraphs, the spaceless one over several lines
    assert right <= width - 25 * MM  # nothing runs into the outer margin


def _harfbuzz_glyphs(text: str) -> list[int]:
    import uharfbuzz as hb

    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(KHMER_FONT))))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf)
    return [info.codepoint for info in buf.glyph_infos]


def _khmer_glyphs_drawn(page: pikepdf.Page) -> list[int]:
    """Glyph ids drawn with the Khmer font, in content order (2-byte CIDs = glyph ids here)."""
    fonts = {str(k): str(v.BaseFont) for k, v in page.Resources.Font.items()}
    drawn, current = [], ""
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "Tf":
            current = fonts[str(operands[0])]
        elif str(operator) in ("Tj", "TJ") and current.endswith("Report-Khmer"):
            items = operands[0] if str(operator) == "TJ" else [operands[0]]
            for item in items:
                if isinstance(item, pikepdf.String):
                    data = bytes(item)
                    drawn += [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
    return drawn


def test_khmer_glyphs_are_those_harfbuzz_shapes(khmer_pdf: Path) -> None:
    """Glyph for glyph, against HarfBuzz shaping the same text with the same font: the cover's
    Khmer line, and the spaceless paragraph (its inserted word breaks draw nothing)."""
    native = yaml.safe_load((KHMER / "report.yaml").read_text(encoding="utf-8"))["issuer_native"]
    chapter = yaml.safe_load((KHMER / "10-khmer.yaml").read_text(encoding="utf-8"))
    spaceless = chapter["sections"][0]["blocks"][1].strip()
    with pikepdf.open(khmer_pdf) as pdf:
        cover, body = _khmer_glyphs_drawn(pdf.pages[0]), _khmer_glyphs_drawn(pdf.pages[-1])
    assert cover == _harfbuzz_glyphs(native)
    expected = " ".join(map(str, _harfbuzz_glyphs(spaceless)))
    assert f" {expected} " in f" {' '.join(map(str, body))} "
