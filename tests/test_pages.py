"""Page-level promises of the default design, on small reports built in tmp_path."""

from __future__ import annotations

import logging
from pathlib import Path

import pikepdf
import pytest

from .conftest import MINIMAL_REPORT, run_cli, write_report
from .pdftools import margin_texts, page_texts

TWO_CHAPTERS = {
    "10-one.yaml": """\
        title: Summary
        numbered: false
        blocks:
          - The summary.
        """,
    "20-two.yaml": """\
        title: Second Chapter
        sections:
          - title: Only Section
            blocks:
              - Text of the only section.
        """,
}


def build(tmp_path: Path, report: str = MINIMAL_REPORT, chapters: dict[str, str] | None = None) -> Path:
    folder = write_report(tmp_path / "content", report, chapters)
    out = tmp_path / "out.pdf"
    result = run_cli("--content", folder, "-o", out)
    assert result.code == 0, result.err
    assert result.out.startswith(f"wrote {out} (")
    return out


@pytest.mark.parametrize(("paper", "size"), [("A4", (595.28, 841.89)), ("Letter", (612, 792))])
def test_paper_size_comes_from_report_yaml(tmp_path: Path, paper: str, size: tuple[float, float]) -> None:
    pdf = build(tmp_path, MINIMAL_REPORT + f"paper: {paper}\n")
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            box = [float(v) for v in page.MediaBox]
            assert box[2] - box[0] == pytest.approx(size[0], abs=0.5)
            assert box[3] - box[1] == pytest.approx(size[1], abs=0.5)


def test_cover_has_no_running_head_or_folio_and_later_pages_do(tmp_path: Path) -> None:
    report = MINIMAL_REPORT.replace("  - 10-one.yaml\n", "  - 10-one.yaml\n  - 20-two.yaml\n")
    pdf = build(tmp_path, report, TWO_CHAPTERS)
    margins = margin_texts(pdf)
    pages = page_texts(pdf)
    assert margins[0].strip() == ""  # the cover
    assert margins[1].split() == ["ii"]  # the contents: roman folio, no running head
    # the body counts from 1; a chapter's first page shows no chapter head
    assert "1" in margins[2].split() and "Summary" not in margins[2]
    assert pages[2].lstrip().startswith("Summary")
    assert pages[3].lstrip().startswith("I. Second Chapter")  # a chapter opens a new page
    assert "Test Report" in margins[3] or "2" in margins[3].split()


def test_chapter_and_section_numbers_come_from_the_templates(tmp_path: Path) -> None:
    report = MINIMAL_REPORT.replace("  - 10-one.yaml\n", "  - 10-one.yaml\n  - 20-two.yaml\n")
    pdf = build(tmp_path, report, TWO_CHAPTERS)
    text = "\n".join(page_texts(pdf))
    assert "I. Second Chapter" in text
    assert "1. Only Section" in text
    assert "I. Summary" not in text


def test_a_plain_build_logs_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The build fails on any engine warning; here we also watch the loggers directly."""
    from folio import typeset
    from folio.paths import PROJECT_ROOT
    from folio.pipeline import prepare, roots_for

    folder = write_report(tmp_path / "content")
    prepared = prepare(folder)
    with caplog.at_level(logging.DEBUG, logger="weasyprint"), typeset.engine_messages() as log:
        typeset.layout(prepared.html, PROJECT_ROOT.as_uri() + "/", roots_for(prepared.report))
    assert log.messages == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
