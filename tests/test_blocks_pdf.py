"""Block types in the built PDF: each found where it belongs.

Footnotes on their call's page, a long table's header on every page it runs
to, cross-references and list entries naming the true page, charts as vector
drawing with their words as text, alt text in the structure tree, boxes whole.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from folio import pipeline
from folio.errors import Problems
from folio.paths import PROJECT_ROOT
from folio.pipeline import load, prepare, roots_for
from folio.resolve import Resolver

from .conftest import ROOT, run_cli, write_report
from .pdftools import margin_texts, page_texts, struct_elements

BRIEFING = ROOT / "examples" / "briefing"
REPORT = "title: Blocks\nissuer: Test\ndate: 2021-02-09\nchapters: [10-one.yaml]\n"
TEXT = ("the council noted that reports of the mission were received with care and the government "
        "replied in full detail to every question raised by its members")
WORDS = TEXT.split(" ")


def build(folder: Path, out: Path) -> Path:
    result = run_cli("--content", folder, "-o", out, "-q")
    assert result.code == 0, result.err
    return out


@pytest.fixture(scope="module")
def briefing_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(BRIEFING, tmp_path_factory.mktemp("briefing") / "briefing.pdf")


def folio_of(margins: list[str], index: int) -> str:
    numbers = re.findall(r"\b([0-9]+|[ivx]+)\b", margins[index])
    return numbers[-1] if numbers else ""


def destinations(pdf: Path) -> dict[str, int]:
    reader = pypdf.PdfReader(pdf)
    return {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}


# ---------------------------------------------------------------- cross-references and lists


def test_cross_references_name_the_true_page(briefing_pdf: Path) -> None:
    resolver = Resolver(load(BRIEFING), Problems())
    resolver.resolve()
    ids = {target.label: ident for ident, target in resolver.targets.items()}
    pages, margins, dests = page_texts(briefing_pdf), margin_texts(briefing_pdf), destinations(briefing_pdf)
    checked = 0
    for index, text in enumerate(pages[3:], 3):  # the body, after cover, contents and lists
        flat = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
        for label, page in re.findall(r"((?:Chapter|Section|Table|Figure|Box) [IVX0-9.]+), page (\d+)", flat):
            target_page = dests[ids[label]]
            assert folio_of(margins, target_page) == page, f"{label} on page {index + 1} says page {page}"
            checked += 1
    assert checked >= 9


def test_lists_of_figures_and_tables_name_the_true_page(briefing_pdf: Path) -> None:
    pages, margins, dests = page_texts(briefing_pdf), margin_texts(briefing_pdf), destinations(briefing_pdf)
    assert "List of Figures" in pages[2] and "List of Tables" in pages[2]
    entries = re.findall(r"^(Figure|Table) (\d+) .*?(\d+)\s*$", pages[2], flags=re.M)
    # Figure 6 has no caption: numbered on its page, but with no words to list
    assert [(kind, n) for kind, n, _ in entries] == [("Figure", str(n)) for n in range(1, 6)] + [("Table", "1")]
    assert "Figure 6" not in pages[2] and "Figure 6" in "".join(pages[3:])
    anchors = {"Figure 1": "wells-chart", "Figure 4": "map", "Table 1": "household-access"}
    for kind, number, page in entries:
        anchor = anchors.get(f"{kind} {number}")
        if anchor:
            assert folio_of(margins, dests[anchor]) == page


# ---------------------------------------------------------------- footnotes


def footnote_report(folder: Path, seed: int, paragraphs: int = 36) -> int:
    """A report dense with notes of every length; call k follows 'cm<k>x', note k starts 'nm<k>x'."""
    rng = random.Random(seed)
    lines, notes, k = ["title: One", "sections:", "  - title: Notes", "    blocks:"], [], 0
    for _ in range(paragraphs):
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 140))]
        for _ in range(rng.randint(0, 2)):
            k += 1
            words.insert(rng.randint(1, len(words) - 1), f"cm{k}x[^n{k}]")
            notes.append(f"  n{k}: nm{k}x " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60))))
        lines.append("      - " + " ".join(words))
    write_report(folder, REPORT, {"10-one.yaml": "\n".join([*lines, "notes:", *notes]) + "\n"})
    return k


@pytest.mark.parametrize("seed", [1, 5])
def test_every_footnote_sits_on_the_page_of_its_call(tmp_path: Path, seed: int) -> None:
    count = footnote_report(tmp_path / "c", seed)
    pages = page_texts(build(tmp_path / "c", tmp_path / "notes.pdf"))
    calls, notes = {}, {}
    for index, text in enumerate(pages):
        calls.update({int(n): (index, call) for n, call in re.findall(r"\bcm(\d+)x\s*(\d+)", text)})
        notes.update({int(n): (index, number) for number, n in re.findall(r"(\d+)\.\s+nm(\d+)x", text)})
    assert len(calls) == count and len(notes) == count
    late = {k: (calls[k][0] + 1, notes[k][0] + 1) for k in calls if calls[k][0] != notes[k][0]}
    assert not late, f"notes away from their call (call page, note page): {late}"
    # numbered through the report, in the order of the calls; call and note agree
    assert all(calls[k][1] == notes[k][1] for k in calls)
    assert sorted(int(c) for _, c in calls.values()) == list(range(1, count + 1))


def test_a_long_note_called_on_the_last_page_runs_on_past_it(tmp_path: Path) -> None:
    """The engine drops a note carried past the document's end (when it lays the pages out a second
    time): the preflight adds the pages its rest needs after the text, and no more."""
    rng = random.Random(3)
    text = " ".join(rng.choice(WORDS) for _ in range(200))
    last = " ".join(rng.choice(WORDS) for _ in range(150))
    note = " ".join(f"e{i}x" for i in range(1200))
    chapter = (f"title: One\nsections:\n  - title: Notes\n    blocks:\n      - {text}\n      - {last} end call.[^e]\n"
               f"notes:\n  e: {note}\n")
    write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    pages = page_texts(build(tmp_path / "c", tmp_path / "end.pdf"))
    call = next(index for index, text in enumerate(pages) if re.search(r"end call\.\s*1", text))
    found = [(int(n), index) for index, text in enumerate(pages) for n in re.findall(r"\be(\d+)x", text)]
    assert [n for n, _ in found] == list(range(1200))
    on = sorted({index for _, index in found})
    assert on[0] == call and on == list(range(call, call + len(on))) and len(on) >= 2
    assert on[-1] == len(pages) - 1  # no empty page after the note's last part


# ---------------------------------------------------------------- tables


def test_a_long_table_repeats_its_header_on_every_page(tmp_path: Path) -> None:
    rows = "\n".join(f'          - [District {i}, "{i * 137:,}"]' for i in range(1, 91))
    chapter = ("title: One\nsections:\n  - title: Table\n    blocks:\n      - Before the table.\n"
               "      - table: Households by district\n        columns: [Placename, Householdcount]\n"
               f"        rows:\n{rows}\n        source: Census.\n")
    write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    pages = page_texts(build(tmp_path / "c", tmp_path / "t.pdf"))
    with_rows = [text for text in pages if re.search(r"District \d+", text)]
    assert len(with_rows) >= 2
    for text in with_rows:
        head = text.index("Householdcount")
        assert head < text.index("District"), "the header comes first on every page of the table"
    assert "District 90" in with_rows[-1] and "Source: Census." in with_rows[-1]


# ---------------------------------------------------------------- charts and figures, accessible


@pytest.fixture(scope="module")
def ua_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A chart and a PNG figure, built with pdf_variant pdf/ua-1 (tagged, with a structure tree)."""
    from PIL import Image

    from folio import typeset

    folder = tmp_path_factory.mktemp("ua") / "c"
    chapter = """\
title: One
sections:
  - title: Pictures
    blocks:
      - chart: bar
        title: Wells dug, by year
        units: wells
        labels: ["2019", "2020", "2021"]
        series:
          - {name: Wells, values: [120, 148, 171]}
        alt: Bars rising from 120 wells in 2019 to 171 in 2021.
        caption: Wells dug
      - figure: dot.png
        alt: A dark square.
        width: 20%
"""
    write_report(folder, REPORT, {"10-one.yaml": chapter})
    Image.new("RGB", (8, 8), (29, 58, 92)).save(folder / "dot.png")
    prepared = prepare(folder)
    laid = typeset.layout(prepared.html, PROJECT_ROOT.as_uri() + "/", roots_for(prepared.report),
                          pdf_options={"pdf_variant": "pdf/ua-1"})
    out = folder.parent / "ua.pdf"
    out.write_bytes(typeset.pdf_bytes(laid))
    return out


def test_a_chart_is_vector_drawing_with_text_not_a_raster_image(ua_pdf: Path) -> None:
    with pikepdf.open(ua_pdf) as pdf:
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert len(images) == 1  # the PNG figure; the chart added none
        page = pdf.pages[2]
        operators = {str(op) for _, op in pikepdf.parse_content_stream(page)}
        for xobject in pdf.pages[2].Resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                operators |= {str(op) for _, op in pikepdf.parse_content_stream(xobject)}
        assert {"re", "f"} <= operators or {"l", "f"} <= operators
    text = page_texts(ua_pdf)[2]
    assert "Wells dug, by year" in text and "2021" in text and "Figure 1. Wells dug" in text


def test_alt_text_is_in_the_structure_tree(ua_pdf: Path) -> None:
    with pikepdf.open(ua_pdf) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        alts = [str(node.Alt) for node in struct_elements(pdf.Root.StructTreeRoot)
                if node.get("/S") == "/Figure" and "/Alt" in node]
    assert "Bars rising from 120 wells in 2019 to 171 in 2021." in alts
    assert "A dark square." in alts


def test_table_headers_have_their_scope(briefing_pdf: Path) -> None:
    """Column headings scoped to their column, a row's heading to its row (PDF/UA, table headers)."""
    with pikepdf.open(briefing_pdf) as pdf:
        scopes = []
        for node in struct_elements(pdf.Root.StructTreeRoot):
            if node.get("/S") == "/TH":
                group = node.P.P.get("/S")  # TH -> TR -> THead or TBody
                scopes.append((str(group), str(node.A.get("/Scope")), str(node.A.get("/O"))))
    assert scopes and {o for _, _, o in scopes} == {"/Table"}
    assert {(g, s) for g, s, _ in scopes} == {("/THead", "/Column"), ("/TBody", "/Row")}


# ---------------------------------------------------------------- boxes and the briefing


def test_boxes_are_never_split(tmp_path: Path) -> None:
    rng = random.Random(3)
    blocks = []
    for i in range(8):
        blocks.append("      - " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 160))))
        body = "\n".join(f"          - bx{i}p{j} " + " ".join(rng.choice(WORDS) for _ in range(40)) for j in range(4))
        blocks.append(f"      - box: Box number {i}\n        blocks:\n{body}")
    chapter = "title: One\nsections:\n  - title: Boxes\n    blocks:\n" + "\n".join(blocks) + "\n"
    write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    pages = page_texts(build(tmp_path / "c", tmp_path / "b.pdf"))
    for i in range(8):
        first = next(n for n, t in enumerate(pages) if f"Box number {i}" in t)
        last = next(n for n, t in enumerate(pages) if f"bx{i}p3" in t)
        assert first == last, f"box {i} runs from page {first + 1} to {last + 1}"


def test_the_briefing_uses_every_block_type(briefing_pdf: Path) -> None:
    from folio import model as m

    report = load(BRIEFING)
    kinds = set()
    for chapter in report.chapters:
        for block in list(chapter.blocks) + [b for s in chapter.sections for b in s.blocks]:
            kinds.add(type(block).__name__ if not isinstance(block, m.ListBlock) else f"List{block.ordered}")
            if isinstance(block, m.Chart):
                kinds.add(f"chart-{block.kind}")
    assert kinds >= {"Paragraph", "Subheading", "Quote", "ListFalse", "ListTrue", "Table", "Figure", "Chart",
                     "KeyFigures", "Box", "chart-bar", "chart-stacked-bar", "chart-line"}
    text = "\n".join(page_texts(briefing_pdf))
    for words in ("Households within 30 minutes of safe water", "1,240", "How the survey counts a household",
                  "A well that works is worth more than a pipe", "Figure 1: data"):
        assert words in text.replace("\n", " ")


@pytest.mark.parametrize(("anchor", "words"), [
    ("year-in-numbers", ["The year in three numbers", "1,240", "village wells in use"]),  # key figures
    ("household-access", ["Table 1. Households within 30 minutes", "All three 61 67 71", "Source: Provincial"]),
    ("wells-chart", ["Sources of safe water, households (thousands)", "Figure 1. Households by source"]),
    ("cost-chart", ["Price of a cubic metre, riel", "Figure 2. What a cubic metre of water costs"]),
    ("map", ["Figure 4. The three provinces along the river"]),
    ("counting", ["Box 2", "How the survey counts a household", "Piped water counts only when it runs daily."]),
    ("proposals", ["A well that works is worth more than a pipe that is promised.",  # quotation
                   "A village chief in the East, 2023 survey",
                   "Repair the wells lost to the floods", "the Centre’s two market towns;",  # numbered, nested
                   "Every proposal needs", "a budget line"]),  # bullets, nested
])
def test_each_block_is_on_the_page_of_its_anchor(briefing_pdf: Path, anchor: str, words: list[str]) -> None:
    page = destinations(briefing_pdf)[anchor]
    text = re.sub(r"\s+", " ", page_texts(briefing_pdf)[page].replace("\u00a0", " ").replace("\ufffe", ""))
    for phrase in words:
        assert phrase in text, f"{phrase!r} is not on PDF page {page + 1}"


def test_the_footnote_fix_is_in_place_and_leaves_in_column_alone() -> None:
    from weasyprint.layout import LayoutContext

    from folio import footnote_fix, typeset  # noqa: F401  (typeset applies the fix on import)

    assert footnote_fix.apply()
    context = LayoutContext.__new__(LayoutContext)
    context.in_column = False
    assert context.in_column is False  # read from anywhere but _linebox_layout: the real value
    context.in_column = True
    assert context.in_column is True


def test_a_note_too_long_for_a_page_foot_fails_a_build_that_may_not_cut_it(tmp_path: Path) -> None:
    """With --no-mend nothing cuts a note: the engine's pages are checked as they are."""
    rng = random.Random(2)
    paragraphs = ["      - " + " ".join(rng.choice(WORDS) for _ in range(120)) for _ in range(4)]
    paragraphs[2] += " The call.[^long]"
    note = " ".join(rng.choice(WORDS) for _ in range(900))
    chapter = ("title: One\nsections:\n  - title: S\n    blocks:\n" + "\n".join(paragraphs)
               + f"\nnotes:\n  long: {note}\n")
    write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    result = run_cli("--content", tmp_path / "c", "-o", tmp_path / "x.pdf", "--no-mend")
    assert result.code == 1
    assert "a footnote could not be set at the foot of the page that calls it (note 'long' of chapter 'one')" \
        in result.err
    assert not (tmp_path / "x.pdf").exists()


def test_a_long_note_breaks_across_pages_and_keeps_its_call(tmp_path: Path) -> None:
    """A note too long for the room under its call, and one longer than any page foot: each
    starts at its call (the call is not pushed to the next page), goes on at the head of the
    next pages' notes with no number, every word once and in order; later notes keep their numbers."""
    rng = random.Random(7)

    def body(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    paragraphs = [f"Start {body(30)} first call.[^a] {body(300)} long call.[^long] {body(40)}",
                  *(body(120) for _ in range(3)), f"{body(60)} longest call.[^longest] {body(30)}",
                  *(body(120) for _ in range(4)), f"{body(50)} last call.[^b] {body(100)}"]
    chapter = ("title: One\nsections:\n  - title: Notes\n    blocks:\n"
               + "\n".join("      - " + p for p in paragraphs)
               + "\nnotes:\n  a: The first note.\n"
               + "  long: " + " ".join(f"l{i}x" for i in range(420)) + "\n"
               + "  longest: " + " ".join(f"g{i}x" for i in range(1000)) + "\n  b: The last note.\n")
    write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    pages = page_texts(build(tmp_path / "c", tmp_path / "notes.pdf"))
    calls = {name: (index, int(number)) for index, text in enumerate(pages)
             for name, number in re.findall(r"(\w+) call\.\s*(\d+)", text)}
    assert [calls[name][1] for name in ("first", "long", "longest", "last")] == [1, 2, 3, 4]
    start = next(index for index, text in enumerate(pages) if "Start" in text)
    assert calls["long"][0] == start, "the long note took its call to the next page"
    for tag, count, number in (("l", 420, 2), ("g", 1000, 3)):
        found = [(int(n), index) for index, text in enumerate(pages) for n in re.findall(rf"\b{tag}(\d+)x", text)]
        assert [n for n, _ in found] == list(range(count))  # every word once, in order
        on = sorted({index for _, index in found})
        call_page = calls["long" if tag == "l" else "longest"][0]
        assert on[0] == call_page and on == list(range(call_page, call_page + len(on)))
        assert len(on) >= (2 if tag == "l" else 3), "the note fits whole: lengthen it"
        markers = [(int(m), index) for index, text in enumerate(pages)
                   for m in re.findall(rf"(\d+)\.\s*{tag}\d+x", text)]
        assert markers == [(number, call_page)]  # one number, at the call's page; continuations have none
        for index in on[1:]:  # a continuation heads the page's notes: before any note called there
            first = re.search(rf"\b{tag}\d+x", pages[index]).start()
            assert all(m.start() > first for m in re.finditer(r"\b\d+\.\s+(?:The|[gl]0x)\b", pages[index]))
    assert re.search(r"4\.\s+The last note", pages[calls["last"][0]])


def test_the_body_opens_on_a_right_hand_page_after_a_clean_blank(briefing_pdf: Path) -> None:
    """Cover, contents and lists take three pages: a blank fourth, with nothing in its margins,
    puts page 1 on the right, where a printed report has it."""
    pages, margins = page_texts(briefing_pdf), margin_texts(briefing_pdf)
    first = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Summary"))
    assert first % 2 == 0  # 0-based: the 1st, 3rd, 5th... PDF page is a right-hand page
    assert margins[first].split()[-1] == "1"
    assert pages[first - 1].strip() == "" and margins[first - 1].strip() == ""


def test_a_long_khmer_note_is_cut_between_its_words(tmp_path: Path) -> None:
    """Khmer has no spaces between words: a long note in it is cut at the zero-width spaces the
    build puts between its words, instead of taking its call over (or failing the build)."""
    rng = random.Random(7)

    def body(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    khmer = "មនុស្សទាំងអស់កើតមកមានសេរីភាពនិងសមភាពក្នុងផ្នែកសេចក្ដីថ្លៃថ្នូរនិងសិទ្ធិ" * 60
    paragraphs = [f"Start {body(30)} first call.[^a] {body(300)} long call.[^long] {body(40)}",
                  *(body(120) for _ in range(3)), f"{body(50)} last call.[^b] {body(100)}"]
    chapter = ("title: One\nsections:\n  - title: Notes\n    blocks:\n"
               + "\n".join("      - " + p for p in paragraphs)
               + f"\nnotes:\n  a: The first note.\n  long: {khmer}\n  b: The last note.\n")
    content = write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    result = pipeline.build(content, pipeline.BuildOptions(output=tmp_path / "k.pdf"))  # check_notes passed
    assert result.preflight is not None and result.preflight.final_splits.get("one.long")
    calls = {name: (index, int(number)) for index, text in enumerate(page_texts(result.path))
             for name, number in re.findall(r"(\w+) call\.\s*(\d+)", text)}
    assert [calls[name][1] for name in ("first", "long", "last")] == [1, 2, 3]
