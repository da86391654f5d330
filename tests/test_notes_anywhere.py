"""Footnotes called wherever text is set on the page, and notes of several paragraphs (issue 13, item 4)."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from folio.pipeline import prepare

from .conftest import run_cli, write_report
from .pdftools import page_texts

REPORT = "title: Notes\nissuer: Test\ndate: 2021-02-09\nlists: [figures, tables]\nchapters: [10-one.yaml]\n"

EVERYWHERE = """\
title: One
sections:
  - title: Everywhere
    blocks:
      - subheading: A sub-heading[^sub]
      - Text.
      - table: A caption[^cap]
        columns: ["", "Heading[^head]"]
        row_headings: true
        rows:
          - ["North[^rowhead]", "5[^cell]"]
        note: A note line.[^tnote]
        source: A source.[^tsrc]
      - figure: pic.png
        alt: A dot.
        caption: A figure[^fcap]
        source: Somewhere.[^fsrc]
      - keyfigures:
          - value: "1,407,181,209[^kval]"
            label: people[^klabel]
        title: Key figures[^ktitle]
      - box: A box[^btitle]
        blocks:
          - subheading: In the box[^bsub]
          - Box text.
      - definitions:
          - term: Term[^dterm]
            definition: Definition.[^ddef]
notes:
"""
IDS = ("sub", "cap", "head", "rowhead", "cell", "tnote", "tsrc", "fcap", "fsrc", "kval", "klabel", "ktitle",
       "btitle", "bsub", "dterm", "ddef")
PNG = (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx"
       b"\x9cc```\0\0\0\x04\0\x01\xf6\x178U\0\0\0\0IEND\xaeB`\x82")


def _folder(tmp_path: Path, chapter: str) -> Path:
    folder = write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    (folder / "pic.png").write_bytes(PNG)
    return folder


def _everywhere(tmp_path: Path) -> Path:
    notes = "".join(f"  {ident}: The note called from {ident}.\n" for ident in IDS)
    return _folder(tmp_path, EVERYWHERE + notes)


def test_notes_may_be_called_wherever_text_is_set(tmp_path: Path) -> None:
    folder = _everywhere(tmp_path)
    run = run_cli("--check", "--content", folder)
    assert run.code == 0, run.err
    html = prepare(folder).html
    assert '<td class="align-right">5<span class="footnote-anchor"' in html  # a number with a note is a number
    for ident in IDS:  # each note set once, at its call: not again in the list of tables or figures
        assert html.count(f'id="note-one.{ident}"') == 1, ident
        assert f"The note called from {ident}." in html


def test_notes_from_tables_captions_and_boxes_sit_on_their_call_page(tmp_path: Path) -> None:
    folder = _everywhere(tmp_path)
    out = tmp_path / "out.pdf"
    run = run_cli("--content", folder, "-o", out, "-q", "--strict")  # the build checks each note's page
    assert run.code == 0, run.err
    text = " ".join(page_texts(out))
    for ident in IDS:
        assert f"The note called from {ident}." in text, ident


def test_a_chart_title_refuses_a_call_once_with_a_hint(tmp_path: Path) -> None:
    chapter = """\
title: One
sections:
  - title: Chart
    blocks:
      - chart: bar
        title: Counts[^t]
        labels: [a, b]
        series:
          - name: S
            values: [1, 2]
        alt: Two bars.
notes:
  t: A note for the title.
"""
    run = run_cli("--check", "--content", _folder(tmp_path, chapter))
    assert run.code == 1
    assert "error: sections[0].blocks[0].title: footnote '[^t]' cannot stand here" in run.err
    assert "call it from the chart's caption or source" in run.err
    assert "never called" not in run.err  # one mistake, one error
    assert run.err.count("error:") == 1


def test_a_section_title_refuses_a_call_without_a_follow_on_error(tmp_path: Path) -> None:
    chapter = "title: One\nsections:\n  - title: Heading[^n]\n    blocks: [x]\nnotes:\n  n: A note.\n"
    run = run_cli("--check", "--content", _folder(tmp_path, chapter))
    assert run.code == 1
    assert "footnote '[^n]' cannot stand here" in run.err and "never called" not in run.err


MULTI = """\
title: One
sections:
  - title: Notes
    blocks:
      - A paragraph.[^long]
      - table: A table
        columns: [A, B]
        rows:
          - ["x[^cellmulti]", "1"]
notes:
  long:
    - The first paragraph of the note.
    - The second paragraph of the note, with *emphasis*.
    - A third.
  cellmulti:
    - First of a note from a cell.
    - Second of a note from a cell.
"""


def test_a_note_of_several_paragraphs(tmp_path: Path) -> None:
    folder = _folder(tmp_path, MULTI)
    html = prepare(folder).html
    start = html.index('<span class="footnote" id="note-one.long">')
    note = html[start:html.index("</span></span>", start)]
    # one note; each paragraph after the first a block of its own, words kept apart by a space inside
    assert note == ('<span class="footnote" id="note-one.long">The first paragraph of the note. '
                    '<span class="note-para">The second paragraph of the note, with <em>emphasis</em>. </span>'
                    '<span class="note-para">A third.')
    out = tmp_path / "out.pdf"
    run = run_cli("--content", folder, "-o", out, "-q", "--strict")
    assert run.code == 0, run.err
    text = " ".join(page_texts(out))
    for words in ("The second paragraph of the note", "A third.", "Second of a note from a cell."):
        assert words in text


def test_an_empty_note_list_is_an_error(tmp_path: Path) -> None:
    empty = MULTI.replace("  cellmulti:\n    - First of a note from a cell.\n    - Second of a note from a cell.\n",
                          "  cellmulti: []\n")
    run = run_cli("--check", "--content", _folder(tmp_path, empty))
    assert run.code == 1 and "notes.cellmulti: the note is empty" in run.err


def test_row_headings_are_tagged_th_with_row_scope(tmp_path: Path) -> None:
    folder = _everywhere(tmp_path)
    out = tmp_path / "out.pdf"
    assert run_cli("--content", folder, "-o", out, "-q").code == 0
    scopes = []
    with pikepdf.open(out) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/TH":
                scopes.append(str(obj.get("/A", {}).get("/Scope")))
    assert sorted(scopes) == ["/Column", "/Row"]  # one column heading (the other is empty), one row heading
