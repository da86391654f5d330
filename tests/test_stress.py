"""The generated stress report (scripts/stress_report.py), built small with --strict: every note in the PDF."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from .conftest import ROOT, run_cli
from .pdftools import normal_words, page_texts


def _generator():
    spec = importlib.util.spec_from_file_location("stress_report", ROOT / "scripts" / "stress_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stress(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = _generator().write(tmp_path_factory.mktemp("stress") / "content", chapters=2)
    out = folder.parent / "stress.pdf"
    run = run_cli("--content", folder, "-o", out, "-q", "--strict")
    assert run.code == 0, run.err
    return folder, out


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    gen = _generator()
    a, b = gen.write(tmp_path / "a", chapters=2), gen.write(tmp_path / "b", chapters=2)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir()) and len(files) == 3
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_the_stress_report_has_what_the_real_volume_had(stress: tuple[Path, Path]) -> None:
    folder, _ = stress
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml")))
    notes = _generator().notes_of(folder)
    assert len(notes) >= 50  # 2 of the 6 chapters of the full report: over 150 there
    assert sum(len(p) > 1 for p in notes.values()) >= 4  # notes of several paragraphs
    assert text.count('title: "Introduction"') == 2  # the same section title in each chapter, no id
    assert "subsections:" in text and "definitions:" in text and "row_headings" in text
    assert re.search(r'"\d{1,3}(,\d{3}){4}"', text)  # 13-digit numbers
    assert re.search(r'- \["[^"]*\[\^n\d+\]', text)  # a note called from a table cell
    assert len(re.findall(r'labels:\n(?:\s+- "[^"]*"\n){20}', text)) >= 2  # 20-category charts
    assert re.search(r'"-\d', text)  # negative values
    assert "ព្រះរាជាណាចក្រកម្ពុជា" in text and "https://" in text


def test_the_scripts_the_bundled_fonts_cover_are_set(stress: tuple[Path, Path]) -> None:
    _, pdf = stress  # built with --strict: every character from a bundled font
    text = " ".join(normal_words("\n".join(page_texts(pdf))))
    for name, sample in _generator().SCRIPTS.items():
        if name != "Khmer":  # Khmer's text is read back from a PDF in another order: tests/test_scripts.py
            assert " ".join(normal_words(sample)) in text, name


def test_every_note_is_in_the_pdf_in_order(stress: tuple[Path, Path]) -> None:
    folder, pdf = stress
    pages = page_texts(pdf)
    assert len(pages) >= 20
    words = normal_words("\n".join(pages))
    index = {w: i for i, w in enumerate(words) if re.fullmatch(r"f\d+", w)}
    for key, paragraphs in _generator().notes_of(folder).items():
        lead = re.match(r"Field note F(\d+)\.", paragraphs[0])
        assert lead, key
        start = index.get(f"f{lead.group(1)}")
        assert start is not None, f"{key}: not in the PDF"
        wanted = normal_words(re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", " ".join(paragraphs)))[3:]
        # the note's words, in order, from its lead on; a note cut across pages has the next
        # page's running text between its parts
        found, at = 0, start + 1
        for word in wanted:
            while at < len(words) and at < start + 2000 and words[at] != word:
                at += 1
            if at >= len(words) or at >= start + 2000:
                break
            found, at = found + 1, at + 1
        assert found == len(wanted), f"{key}: {found} of {len(wanted)} words found in order"


def test_notes_called_from_table_cells_are_on_their_call_page(stress: tuple[Path, Path]) -> None:
    # the build checks every note against its call's page (footnote_fix.check_notes); here: that
    # the cells' calls and their notes were really set on pages, with numbers
    folder, pdf = stress
    cell_notes = re.findall(r'- \["[^"]*\[\^(n\d+)\]', (folder / "010-region.yaml").read_text(encoding="utf-8"))
    assert cell_notes
    text = "\n".join(page_texts(pdf))
    leads = {k: f"Field note F{k[1:]}." for k in cell_notes}
    for lead in leads.values():
        assert re.search(rf"\d+\.\s+{re.escape(lead)}", text), lead
