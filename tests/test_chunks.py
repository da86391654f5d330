"""A report laid out in parts, in two processes, and joined (folio/chunks.py, join.py).

The example briefing has what a cut can get wrong: footnotes numbered across its
chapters, cross-references with page numbers into other chapters, lists of figures and
tables, a chapter opening on a left-hand page. Built in parts it must give the pages a
single process gives: the same text on every page, folios and running heads included,
the same outline, every link to the same page, and a tagged structure every page's
marked content belongs to.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

import pikepdf
import pytest

from folio import chunks, parts, preflight, record
from folio.pipeline import BuildOptions, build

from .pdftools import marked_content, page_texts

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = ROOT / "examples" / "briefing"


@pytest.fixture(scope="module")
def briefing_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("chunks")
    content = folder / "briefing"
    shutil.copytree(BRIEFING, content)
    one = build(content, BuildOptions(output=folder / "one.pdf", jobs=1, fresh=True))
    two = build(content, BuildOptions(output=folder / "two.pdf", jobs=2, fresh=True))
    return one.path, two.path, two


def _outline(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
    out: list[tuple[int, str, int]] = []

    def walk(items, level: int) -> None:
        for item in items:
            out.append((level, item.title, pages[item.destination[0].objgen]))
            walk(item.children, level + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 1)
    return out


def _links(pdf: pikepdf.Pdf) -> list[tuple[int, int]]:
    """(page of the link, page it leads to) for every internal link, in order."""
    pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
    names: dict[str, int] = {}
    stack = [pdf.Root.Names.Dests]
    while stack:
        node = stack.pop()
        stack.extend(node.get("/Kids", []))
        found = node.get("/Names", [])
        for i in range(0, len(found), 2):
            names[str(found[i])] = pages[found[i + 1][0].objgen]
    out = []
    for number, page in enumerate(pdf.pages):
        for annot in page.obj.get("/Annots", []):
            if "/Dest" in annot:
                out.append((number, names[str(annot.Dest)]))
            else:
                assert not str(annot.get("/A", {}).get("/URI", "")).startswith(parts.JOIN_SCHEME)
    return out


def _texts(pdf: Path) -> list[str]:
    # A font's space and en space (list markers) are one glyph, which a file's ToUnicode maps to
    # whichever it met first: a part without the text's spaces before its markers reads them as
    # en spaces. The pages are the same; the text extraction is not.
    # Text extraction also guesses spaces from gaps, a space more or less: words are compared.
    return [" ".join(text.replace("\u2002", " ").split()) for text in page_texts(pdf)]


def test_every_page_says_what_one_process_says(briefing_builds) -> None:
    one, two, result = briefing_builds
    assert _texts(two) == _texts(one)  # folios, running heads, note numbers, contents included
    # a cold build writes "0" for the summary's page numbers into chapter I, and guesses where
    # its second part starts unless the first has told it: laid out again under the true folios
    assert re.search(r"in 2 part\(s\).*; [12] laid out again", result.preflight.parts)


def test_outline_and_links_lead_where_they_did(briefing_builds) -> None:
    one, two, _ = briefing_builds
    with pikepdf.open(one) as a, pikepdf.open(two) as b:
        assert _outline(b) == _outline(a)
        assert _links(b) == _links(a)
        assert len(_links(b)) > 10  # the contents, the lists, the cross-references


def test_the_joined_file_is_tagged_throughout(briefing_builds) -> None:
    _, two, _ = briefing_builds
    for page in marked_content(two):
        assert page["untagged_text"] == 0 and page["orphan_mcids"] == [], page
    with pikepdf.open(two) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.MarkInfo.Marked


def test_a_repeat_build_lays_each_part_out_once_and_gives_the_same_bytes(briefing_builds, tmp_path: Path) -> None:
    _, two, result = briefing_builds
    again = build(BRIEFING, BuildOptions(output=tmp_path / "again.pdf", jobs=2))
    assert again.preflight is not None and result.preflight is not None
    # a fresh folder: no record beside it, so it mends from scratch and must land on the same pages
    assert _texts(again.path) == _texts(two)
    third = build(BRIEFING, BuildOptions(output=tmp_path / "again.pdf", jobs=2))
    assert third.preflight is not None and third.preflight.layouts == 1  # the record's mends and folios
    assert third.path.read_bytes() == again.path.read_bytes()


def test_workers_one_for_short_reports() -> None:
    short = parts.Cut("", "", ("<section>a</section>", "<section>b</section>"), "")
    assert chunks.workers(None, short) == 1
    assert chunks.workers(2, short) == 2
    assert chunks.workers(None, None) == 1
    long = parts.Cut("", "", tuple("x" * chunks.SHORTEST for _ in range(4)), "")
    assert chunks.workers(None, long) >= 1


def test_the_progress_line_hears_of_the_parts_pages(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Each part is laid out in another process: the pages they reach are told to the parent's
    progress line as the engine tells its own, rising to the report's last page."""
    caplog.set_level(logging.INFO, logger="weasyprint.progress")
    result = build(BRIEFING, BuildOptions(output=tmp_path / "b.pdf", jobs=2, fresh=True, progress=lambda step: None))
    told = [int(m.group(1)) for r in caplog.records if r.name == "weasyprint.progress" and r.process == os.getpid()
            if (m := re.search(r"Creating layout - Page (\d+)", r.getMessage()))]
    assert told and told == sorted(told)
    assert told[-1] >= result.pages  # the front matter's blank page for the body's right-hand start counts too


def test_both_profiles_in_parts(briefing_builds, tmp_path: Path) -> None:
    """--profile all: the print PDF is laid out in parts too, with the screen PDF's mends and folios."""
    one, _, _ = briefing_builds
    result = build(BRIEFING, BuildOptions(output=tmp_path / "b.pdf", profile="all", jobs=2, fresh=True))
    (printed, pages), = result.others
    assert printed.name == "b-print.pdf" and pages == result.pages
    assert _texts(printed) == _texts(one)
    with pikepdf.open(printed) as pdf:
        assert all("/TrimBox" in page.obj and "/BleedBox" in page.obj for page in pdf.pages)


def test_chapters_opening_on_right_hand_pages(tmp_path: Path) -> None:
    """chapter_start: right: a part that would open on a left-hand page gets the blank page
    before it that one process gives (the empty chapter ending the part before: parts.py)."""
    content = tmp_path / "briefing"
    shutil.copytree(BRIEFING, content)
    yaml = content / "report.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("chapter_start: page", "chapter_start: right"),
                    encoding="utf-8")
    one = build(content, BuildOptions(output=tmp_path / "one.pdf", jobs=1, fresh=True))
    for count in (2, 3):
        two = build(content, BuildOptions(output=tmp_path / f"{count}.pdf", jobs=count, fresh=True))
        assert _texts(two.path) == _texts(one.path)
    assert any(text == "" for text in _texts(one.path)[3:])  # a blank page before a chapter


def test_a_watch_rebuild_in_parts(tmp_path: Path) -> None:
    """--watch keeps the last build's mends and folios: an unchanged report is laid out once in
    each part, with the same bytes; after an edit the parts give what one process gives."""
    from folio.pipeline import Warm

    content = tmp_path / "briefing"
    shutil.copytree(BRIEFING, content)
    warm = Warm()
    first = build(content, BuildOptions(output=tmp_path / "a.pdf", jobs=2), warm=warm)
    second = build(content, BuildOptions(output=tmp_path / "b.pdf", jobs=2), warm=warm)
    assert second.preflight is not None and second.preflight.layouts == 1
    assert first.path.read_bytes() == second.path.read_bytes()
    chapter = content / "20-access.yaml"
    text = chapter.read_text(encoding="utf-8")
    assert "the Centre, already" in text
    chapter.write_text(text.replace("the Centre, already", "the Centre, by far the largest and already"),
                       encoding="utf-8")
    warm.forget([chapter])
    edited = build(content, BuildOptions(output=tmp_path / "c.pdf", jobs=2), warm=warm)
    alone = build(content, BuildOptions(output=tmp_path / "d.pdf", jobs=1, fresh=True))
    assert _texts(edited.path) == _texts(alone.path)
    assert any("by far the largest" in text for text in _texts(edited.path))


def test_an_error_in_a_part_is_told_once_and_the_last_pdf_stays(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    """A part's engine error (here a character no bundled font has, in a report that lets the machine's
    fonts stand in, built with --bundled-fonts-only: the engine finds it) fails the build with the
    content's line, told once, and the last PDF is kept."""
    from .conftest import run_cli

    content = tmp_path / "briefing"
    shutil.copytree(BRIEFING, content)
    chapter = content / "20-access.yaml"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("the Centre, already", "the Centre \u2603 already"),
                       encoding="utf-8")
    with (content / "report.yaml").open("a", encoding="utf-8") as report:
        report.write("system_fonts: true\n")
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(b"%PDF- yesterday's")
    run = run_cli("--content", content, "-o", pdf, "--jobs", "2", "--bundled-fonts-only", "--fresh")
    captured = capfd.readouterr()
    assert run.code == 1
    assert run.err.count("error: no font of the report has the character U+2603 SNOWMAN") == 1
    assert "20-access.yaml:11:24: error: no font of the report has the character U+2603" in run.err
    assert "Traceback" not in run.err + captured.err + captured.out
    assert pdf.read_bytes() == b"%PDF- yesterday's"


def test_the_errors_of_every_part_are_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two parts fail: both parts' problems are told, not only the first failing part's."""
    from folio import pipeline
    from folio.errors import ContentError, Position, Problem

    from .conftest import run_cli

    content = tmp_path / "briefing"
    shutil.copytree(BRIEFING, content)
    real = pipeline._layout

    def failing(prepared, html, *args, **kwargs):  # in each worker: a part with a chapter fails
        found = re.search(r'data-src="([^":]+\.yaml):(\d+)', html)
        if found:
            raise ContentError([Problem(Position(content / found.group(1), int(found.group(2)), 1),
                                        f"part failed: {found.group(1)}")])
        return real(prepared, html, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_layout", failing)
    run = run_cli("--content", content, "-o", tmp_path / "b.pdf", "--jobs", "2", "--fresh")
    assert run.code == 1
    failed = set(re.findall(r"error: part failed: (\S+)", run.err))
    assert len(failed) >= 2, run.err  # every part of the body failed, and every one is told
    assert f"{len(failed)} errors" in run.err


def test_a_note_carried_past_the_end_of_a_part(tmp_path: Path) -> None:
    """A long note called near the end of the last chapter of a part: one process carries
    its end onto the next chapter's first page, which the part does not have: that chapter
    is kept in one part with the next, and the record remembers it for the next build."""
    content = tmp_path / "briefing"
    shutil.copytree(BRIEFING, content)
    chapter = content / "20-access.yaml"
    sentence = ("The survey teams recorded each pump's age, depth, yield and state of repair, and the "
                "households' own account of how often it failed in the dry season. ")
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "        width: 50%\nnotes:\n",
        "        width: 50%\n      - >-\n        The pumps are old; the note tells why.[^long]\n"
        f"notes:\n  long: >-\n    {sentence * 14}\n"), encoding="utf-8")
    one = build(content, BuildOptions(output=tmp_path / "one.pdf", jobs=1, fresh=True))
    two = build(content, BuildOptions(output=tmp_path / "two.pdf", jobs=2, fresh=True))
    assert _texts(two.path) == _texts(one.path)
    assert two.preflight is not None and "laid out in 2 part(s)" in two.preflight.parts
    kept = json.loads(record.path_for(two.path).read_text(encoding="utf-8"))
    assert kept["joined"] == ["access"]
    again = build(content, BuildOptions(output=tmp_path / "two.pdf", jobs=2))
    assert again.preflight is not None and again.preflight.layouts == 1  # cut right the first time
    assert again.path.read_bytes() == two.path.read_bytes()


def test_a_layout_process_killed_from_outside_is_a_build_error() -> None:
    """A worker that dies (the kernel's out-of-memory killer, say) is not folio's bug: the
    build fails with a sentence, not an internal error."""
    from folio.errors import BuildError

    chapters = ('<section class="chapter">a</section>', '<section class="chapter">b</section>')
    cut = parts.Cut("<html><head></head><body>", "", chapters, "</main></body></html>")
    setup = chunks.Setup(lambda html: os._exit(9), lambda laid: b"", {})
    with pytest.raises(BuildError, match="ended abruptly"):
        chunks.lay_out(cut, setup, 2, start={}, splits={}, exact=False, mend=True, folios={})


def test_the_pages_a_defect_names_are_the_reports_not_its_parts() -> None:
    # a part is laid out with its own pages counted from 1: the defect's page and the pages its
    # detail names move together to the report's numbers
    defect = preflight.Defect("footnote-pushed", 15, "a", "call", "2 lines of its note would fit on page {0}",
                              note="c.n", at=(14,))
    moved = chunks._moved(defect, 7)
    assert moved.page == 22
    assert moved.describe().endswith("(2 lines of its note would fit on page 21)")
