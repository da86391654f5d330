"""Print and archive conformance, read from the PDFs: PDF/UA-1 by an independent validator.

The validator is `page-validation` (a test extra), which follows veraPDF's rule ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from folio.pipeline import BuildOptions, build

from .conftest import ROOT

BRIEFING = ROOT / "examples" / "briefing"
EPOCH = "1612828800"  # 2021-02-09 00:00 UTC


def failed_rules(pdf: Path, profile: str) -> dict[str, str]:
    """The rules the validator finds broken under `profile`, with one message each."""
    import page  # page-validation

    result = page.validate_pdf(str(pdf), profile=profile)
    return {failure.rule_id: failure.message for failure in result.failures}


@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The briefing in both profiles, in one process and laid out in two parts and joined."""
    folder = tmp_path_factory.mktemp("briefing")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        one = build(BRIEFING, BuildOptions(output=folder / "one.pdf", profile="all", jobs=1, fresh=True))
        two = build(BRIEFING, BuildOptions(output=folder / "two.pdf", profile="all", jobs=2, fresh=True))
    finally:
        mp.undo()
    return {"screen": one.path, "print": one.others[0][0], "joined": two.path, "joined-print": two.others[0][0]}


@pytest.mark.parametrize("kind", ["screen", "print", "joined", "joined-print"])
def test_pdfua1_by_the_validator(briefing: dict[str, Path], kind: str) -> None:
    assert failed_rules(briefing[kind], "ua1") == {}


def test_every_link_annotation_hangs_on_a_link_element(briefing: dict[str, Path]) -> None:
    # The contents' page numbers are inline-blocks inside the link: WeasyPrint tags their
    # annotation under a /Span, which PDF/UA forbids (PDFUA1-LINK-LINK-TAG-001).
    with pikepdf.open(briefing["screen"]) as pdf:
        parents = _parent_tree(pdf.Root.StructTreeRoot.ParentTree)
        links = [annot for page in pdf.pages for annot in page.get("/Annots", [])
                 if annot.get("/Subtype") == "/Link"]
        assert len(links) > 10
        for annot in links:
            element = parents[int(annot.StructParent)]
            assert element.S == "/Link"
            assert any(kid.get("/Obj") == annot for kid in element.K if isinstance(kid, pikepdf.Dictionary))


def _parent_tree(node: pikepdf.Object) -> dict[int, pikepdf.Object]:
    nums = node.get("/Nums", pikepdf.Array())
    found = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for kid in node.get("/Kids", pikepdf.Array()):
        found.update(_parent_tree(kid))
    return found


# ---------------------------------------------------------------- page labels, contents


def page_labels(path: Path) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        return [document.get_page_label(index) for index in range(len(document))]
    finally:
        document.close()


def printed_folio(path: Path, index: int) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        return document[index].get_textpage().get_text_range().split()[-1]
    finally:
        document.close()


@pytest.mark.parametrize("kind", ["screen", "print", "joined", "joined-print"])
def test_page_labels_are_the_printed_folios(briefing: dict[str, Path], kind: str) -> None:
    # The briefing: cover, contents, list of figures and tables, a blank page, then the body
    # from its first chapter on a right-hand page numbered 1.
    labels = page_labels(briefing[kind])
    assert labels[:6] == ["i", "ii", "iii", "iv", "1", "2"]
    assert labels[-1] == str(len(labels) - 4)
    for index in (1, 2, 4, 5, len(labels) - 1):
        assert printed_folio(briefing[kind], index) == labels[index]


def test_page_labels_without_a_blank_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import MINIMAL_CHAPTER, write_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    content = write_report(tmp_path / "content", chapters={"10-one.yaml": MINIMAL_CHAPTER.replace(
        "A paragraph of text.", "A paragraph of text.\n      - " + "Another paragraph of words. " * 400)})
    pdf = build(content, BuildOptions(output=tmp_path / "r.pdf")).path
    labels = page_labels(pdf)
    assert labels[:4] == ["i", "ii", "1", "2"]
    assert printed_folio(pdf, 2) == "1"


def test_the_contents_is_tagged_toc(briefing: dict[str, Path]) -> None:
    for kind in ("screen", "joined-print"):
        with pikepdf.open(briefing[kind]) as pdf:
            kinds = _kinds_by_page(pdf)
        assert {"/TOC", "/TOCI"} <= kinds[1]  # the contents
        assert {"/TOC", "/TOCI"} <= kinds[2]  # the lists of figures and tables
        assert "/L" not in kinds[1] | kinds[2]
        assert "/TOC" not in set().union(*(kinds[i] for i in kinds if i > 3))  # the body's lists stay lists
        assert "/L" in set().union(*(kinds[i] for i in kinds if i > 3))


def _kinds_by_page(pdf: pikepdf.Pdf) -> dict[int, set[str]]:
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    found: dict[int, set[str]] = {index: set() for index in pages.values()}
    stack = [pdf.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if "/Pg" in node:
                found[pages[node.Pg.objgen]].add(str(node.S))
            stack.append(node.get("/K", pikepdf.Array()))
    return found


# ---------------------------------------------------------------- the screen file: PDF/A-2a too


@pytest.mark.parametrize("kind", ["screen", "joined"])
def test_the_screen_file_is_pdfa_2a_by_the_validator(briefing: dict[str, Path], kind: str) -> None:
    assert failed_rules(briefing[kind], "2a") == {}
    with pikepdf.open(briefing[kind]) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        with pdf.open_metadata() as meta:
            found = (meta.get("pdfaid:part"), meta.get("pdfaid:conformance"), meta.get("pdfuaid:part"))
        assert found == ("2", "A", "1")


def test_the_situationer_is_pdfua_and_pdfa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    pdf = build(ROOT / "content", BuildOptions(output=tmp_path / "s.pdf", fresh=True)).path
    assert failed_rules(pdf, "ua1") == {}
    assert failed_rules(pdf, "2a") == {}


def test_a_stream_ending_in_a_carriage_return_keeps_its_length(tmp_path: Path) -> None:
    # "\r\nendstream" would read as one end of line: the data one byte shorter than /Length.
    import zlib

    from folio.finish import save

    text = next(t for n in range(1000) if zlib.compress(t := b"0 0 m 10 10 l S" + b"\n" * n).endswith(b"\r"))
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(text)
    data = save(pdf)
    assert b"\r\rendstream" in data
    (tmp_path / "cr.pdf").write_bytes(data)
    with pikepdf.open(tmp_path / "cr.pdf") as again:
        assert again.pages[0].Contents.read_bytes() == text
    assert not any("STREAM-LENGTH" in rule for rule in failed_rules(tmp_path / "cr.pdf", "2b"))


# ---------------------------------------------------------------- the print file: PDF/X-4


def colour_use(pdf: pikepdf.Pdf) -> tuple[set[str], dict[tuple, int], set[str]]:
    """The colour operators of every content stream, the fill colour each text is shown in,
    and the colour spaces `cs`/`CS` select."""
    operators: set[str] = set()
    text: dict[tuple, int] = {}
    spaces: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(holder: pikepdf.Object, resources: pikepdf.Dictionary) -> None:
        fill: tuple = ()
        for operands, operator in pikepdf.parse_content_stream(holder):
            op = str(operator)
            if op in ("rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN"):
                operators.add(op)
            if op in ("cs", "CS"):
                spaces.add(str(operands[0]))
            if op in ("rg", "g", "k", "sc", "scn"):
                fill = tuple(round(float(v), 3) for v in operands if not isinstance(v, pikepdf.Name))
            if op in ("Tj", "TJ", "'", '"'):
                text[fill] = text.get(fill, 0) + 1
        for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                walk(xobject, xobject.get("/Resources", pikepdf.Dictionary()))

    for page in pdf.pages:
        walk(page, page.Resources)
    return operators, text, spaces


def _names(obj: pikepdf.Object, seen: set | None = None) -> Iterator[str]:
    seen = set() if seen is None else seen
    if isinstance(obj, pikepdf.Name):
        yield str(obj)
    elif isinstance(obj, pikepdf.Array | pikepdf.Dictionary | pikepdf.Stream):
        if obj.is_indirect:
            if obj.objgen in seen:
                return
            seen.add(obj.objgen)
        values = obj if isinstance(obj, pikepdf.Array) else obj.values() if isinstance(obj, pikepdf.Dictionary) \
            else obj.stream_dict.values()
        for value in values:
            yield from _names(value, seen)


@pytest.mark.parametrize("kind", ["print", "joined-print"])
def test_the_print_file_is_cmyk_with_an_output_intent(briefing: dict[str, Path], kind: str) -> None:
    from folio.pdfx import design_table

    with pikepdf.open(briefing[kind]) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX" and str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert intent.DestOutputProfile.N == 4
        assert intent.DestOutputProfile.read_bytes()[12:20] == b"prtrCMYK"  # a CMYK output (printer) profile
        operators, text, spaces = colour_use(pdf)
        assert operators <= {"k", "K", "cs", "CS", "scn", "SCN"}, operators  # no rg, RG, g, G
        assert spaces <= {"/DeviceCMYK", "/FolioRegistration"}
        assert "/DeviceRGB" not in set(_names(pdf.trailer))  # images, groups, resources: nothing left in RGB
        images = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
        assert any(isinstance(image.ColorSpace, pikepdf.Array) and image.ColorSpace[0] == "/ICCBased"
                   for image in images)  # the figure, kept in sRGB for the press's RIP
        # Text: black ink only, except headings in the design's accent
        accent = design_table()[(0x1D, 0x3A, 0x5C)]
        for colour in text:
            assert colour[:3] == (0, 0, 0) or colour == accent, colour
        body = max(text, key=text.get)
        assert body == (0, 0, 0, 1)  # running text: 100% K


def test_crop_marks_are_in_registration_colour(briefing: dict[str, Path]) -> None:
    with pikepdf.open(briefing["print"]) as pdf:
        forms = {x.objgen: x for page in pdf.pages for x in page.Resources.XObject.values()
                 if x.Subtype == "/Form" and b"/FolioRegistration" in x.read_bytes()}
        assert len(forms) == len(pdf.pages)  # the marks: one form a page, as large as the page and its bleed
        for form in forms.values():
            space = form.Resources.ColorSpace.FolioRegistration
            assert (space[0], space[1], space[2]) == ("/Separation", "/All", "/DeviceCMYK")
            ops = [(str(op), [str(v) for v in operands]) for operands, op in pikepdf.parse_content_stream(form)]
            assert ("CS", ["/FolioRegistration"]) in ops and ("SCN", ["1"]) in ops
            assert not any(op in ("K", "k", "B") for op, _ in ops)  # stroked only, in nothing but /All


def test_the_print_file_says_it_is_pdfx4(briefing: dict[str, Path]) -> None:
    with pikepdf.open(briefing["print"]) as pdf:
        assert pdf.pdf_version == "1.6"
        assert pdf.docinfo.Trapped == "/False"
        with pdf.open_metadata() as meta:
            assert meta.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
            assert meta.get("pdf:Trapped") == "False"
            assert meta.get("xmpMM:DocumentID", "").startswith("uuid:")
            assert meta.get("pdfuaid:part") == "1"
        for page in pdf.pages:
            assert "/TrimBox" in page.obj and "/BleedBox" in page.obj


def test_the_report_names_its_press_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from .conftest import MINIMAL_REPORT, write_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    content = write_report(tmp_path / "content", MINIMAL_REPORT + "print_profile: colour/press.icc\n")
    (content / "colour").mkdir()
    shutil.copy(ROOT / "styles" / "icc" / "FOGRA39L-coated.icc", content / "colour" / "press.icc")
    pdf = build(content, BuildOptions(output=tmp_path / "r.pdf", profile="print")).path
    with pikepdf.open(pdf) as opened:
        intent = opened.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "Custom"
        assert str(intent.Info).startswith("FOGRA39 coated offset (folio")
        assert intent.DestOutputProfile.read_bytes() == (content / "colour" / "press.icc").read_bytes()


def test_a_press_profile_that_is_not_cmyk_is_a_content_error(tmp_path: Path) -> None:
    import shutil

    from .conftest import MINIMAL_REPORT, run_cli, write_report

    content = write_report(tmp_path / "content", MINIMAL_REPORT + "print_profile: srgb.icc\n")
    shutil.copy(ROOT / "styles" / "icc" / "sRGB2014.icc", content / "srgb.icc")
    run = run_cli("--content", content, "--check")
    assert run.code == 1
    assert ("report.yaml:7:16: error: print_profile: 'srgb.icc' is an ICC mntr profile for RGB; the print file "
            "needs a CMYK printer profile") in run.err
    (content / "report.yaml").write_text(MINIMAL_REPORT + "print_profile: missing.icc\n", encoding="utf-8")
    run = run_cli("--content", content, "--check")
    assert "report.yaml:7:16: error: print_profile: no file 'missing.icc'" in run.err


# ---------------------------------------------------------------- the print preflight


def _report_with_figures(folder: Path, sizes: dict[str, tuple[int, int]]) -> Path:
    """A report with one figure per image (pixels given), each set at the full text width."""
    from PIL import Image

    from .conftest import MINIMAL_REPORT, write_report

    blocks = "".join(f"      - figure: {name}\n        alt: A picture.\n        caption: Picture {name}\n"
                     for name in sizes)
    chapter = ("title: One\nsections:\n  - title: First\n    blocks:\n      - A paragraph of text.\n" + blocks)
    content = write_report(folder, MINIMAL_REPORT, {"10-one.yaml": chapter})
    for name, size in sizes.items():
        Image.new("RGB", size, (200, 120, 40)).save(content / name)
    return content


def test_the_print_preflight_reports_and_names_a_low_resolution_figure(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import run_cli

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    # The text block is 146 mm wide (5.75 in): 600 px give 104 ppi, 1200 px 209 ppi, 1800 px 313 ppi.
    content = _report_with_figures(tmp_path / "content", {"low.png": (600, 300), "soft.png": (1200, 600),
                                                          "fine.png": (1800, 900)})
    run = run_cli("--content", content, "-o", tmp_path / "r.pdf", "--profile", "print")
    assert run.code == 0, run.err
    lines = [line for line in run.out.splitlines() if line.startswith("print preflight: ")]
    assert lines[0].startswith("print preflight: page boxes: trim 210 x 297 mm, bleed 3 mm, media 6 mm")
    assert any("fonts: " in line and "all embedded" in line for line in lines)
    assert any(line.startswith("print preflight: colour: DeviceCMYK") for line in lines)
    assert any("validator (page-validation 0.11.0): PDF/UA-1 met" in line for line in lines)
    ppi = sorted(int(line.rsplit(": ", 1)[1].split()[0]) for line in lines if "image page" in line)
    assert [round(value, -1) for value in ppi] == [100, 210, 310]
    assert re.search(r"content/10-one.yaml:6:9: error: page \d+: image of 600 x 300 px placed at 146 x 73 mm: "
                     r"104 ppi, under 150 ppi", run.err)
    assert re.search(r"content/10-one.yaml:9:9: warning: page \d+: image of 1200 x 600 px placed at 146 x 73 mm: "
                     r"209 ppi, under 300 ppi", run.err)
    assert "fine.png" not in run.err
    assert (tmp_path / "r.pdf").exists()


def test_strict_fails_on_a_print_preflight_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import run_cli

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    content = _report_with_figures(tmp_path / "content", {"soft.png": (1200, 600)})
    run = run_cli("--content", content, "-o", tmp_path / "r.pdf", "--profile", "print", "--strict")
    assert run.code == 1
    assert re.search(r"content/10-one.yaml:6:9: error: page \d+: image of 1200 x 600 px", run.err)
    assert not (tmp_path / "r.pdf").exists()
    run = run_cli("--content", content, "-o", tmp_path / "s.pdf", "--strict")  # the screen file has no such check
    assert run.code == 0, run.err


def test_the_preflight_says_when_the_validator_is_not_installed(monkeypatch: pytest.MonkeyPatch,
                                                                briefing: dict[str, Path]) -> None:
    import sys

    from folio import printcheck

    monkeypatch.setitem(sys.modules, "page", None)  # import page -> ImportError
    report = printcheck.inspect(briefing["print"].read_bytes())
    assert report.lines[-1] == ("validator: not run (page-validation is not installed; it is a test extra: "
                                "pip install -e '.[test]')")
    assert any(line.startswith("transparency: on page(s)") for line in report.lines)


# ---------------------------------------------------------------- the booklet


@pytest.mark.parametrize("pages", [8, 17, 40])
def test_booklet_order(pages: int) -> None:
    from folio.booklet import order

    sides = order(pages)
    total = -(-pages // 4) * 4
    assert len(sides) == total // 2  # two sides a sheet, four pages a sheet
    placed = [page for side in sides for page in side]
    assert sorted(p for p in placed if p is not None) == list(range(pages))  # every page once
    assert placed.count(None) == total - pages  # blanks fill the last sheet
    for number, (left, right) in enumerate(sides):
        # the pair facing each other once folded: their numbers add up to the last page's
        left_n = left if left is not None else next(i for i in range(pages, total) if i + right == total - 1)
        right_n = right if right is not None else total - 1 - left
        assert left_n + right_n == total - 1
        if number % 2 == 0:  # the outside of a sheet: a right-hand (odd) page on the right
            assert right_n % 2 == 0  # numbered from 0: page 1, 3, 5... of the report
    if pages == 8:
        one_based = [tuple(p + 1 for p in side) for side in sides]
        assert one_based == [(8, 1), (2, 7), (6, 3), (4, 5)]
    if pages == 17:  # 20 pages: the last three blank, on the first two sheets' outer halves
        assert sides[:4] == [(None, 0), (1, None), (None, 2), (3, 16)]
        assert sides[4:6] == [(15, 4), (5, 14)] and sides[-2:] == [(11, 8), (9, 10)]  # the middle: 10 and 11
    if pages == 40:
        assert sides[0] == (39, 0) and sides[-1] == (19, 20)


def test_booklet_build_puts_each_page_where_the_order_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           briefing: dict[str, Path]) -> None:
    import pypdfium2

    from folio.booklet import order

    from .conftest import run_cli

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    run = run_cli("--content", BRIEFING, "-o", tmp_path / "b.pdf", "--profile", "booklet")
    assert run.code == 0, run.err
    assert ("booklet: 9 pages on 3 A4 sheets, 3 blank pages added at the end; to print: double-sided, "
            "flip on the short edge") in run.out
    source = pypdfium2.PdfDocument(briefing["screen"])
    booklet = pypdfium2.PdfDocument(tmp_path / "b.pdf")
    try:
        texts = ["".join(source[i].get_textpage().get_text_range().split()) for i in range(len(source))]
        assert len(booklet) == 6
        for index, (left, right) in enumerate(order(len(source))):
            side = booklet[index]
            width, height = side.get_size()
            assert (round(width), round(height)) == (842, 595)  # A4 landscape
            text = side.get_textpage()
            for page, half in ((left, (0, 0, width / 2, height)), (right, (width / 2, 0, width, height))):
                found = "".join(text.get_text_bounded(*half).split())
                if page is None:
                    assert found == ""
                else:
                    assert found[:40] == texts[page][:40], (index, page)
    finally:
        booklet.close()
        source.close()


# ---------------------------------------------------------------- --draft has its own name


def test_a_draft_build_never_overwrites_the_final_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from .conftest import run_cli, write_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    content = write_report(tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    assert run_cli("--content", content, "-q").code == 0
    final = tmp_path / "build" / "test-report.pdf"
    before = hashlib.sha256(final.read_bytes()).hexdigest()
    run = run_cli("--content", content, "--draft", "--profile", "print")
    assert run.code == 0, run.err
    assert "build/test-report-draft-print.pdf" in run.out
    run = run_cli("--content", content, "--draft")
    assert run.code == 0, run.err
    assert "build/test-report-draft.pdf" in run.out
    assert hashlib.sha256(final.read_bytes()).hexdigest() == before
    with pikepdf.open(tmp_path / "build" / "test-report-draft.pdf") as pdf:
        assert str(pdf.docinfo["/status"]) == "draft"
    assert run_cli("--content", content, "--draft", "-q", "-o", tmp_path / "named.pdf").code == 0  # -o names it
    assert (tmp_path / "named.pdf").exists() and not (tmp_path / "named-draft.pdf").exists()


@pytest.mark.parametrize("profile", ["print", "booklet"])
def test_the_print_and_booklet_files_are_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      profile: str) -> None:
    import hashlib

    from .conftest import run_cli, write_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    content = write_report(tmp_path / "content")
    digests = []
    for name in ("a.pdf", "b.pdf"):
        assert run_cli("--content", content, "-o", tmp_path / name, "--profile", profile, "-q", "--fresh").code == 0
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_colours_in_forms_and_tiling_patterns_are_converted() -> None:
    from folio import pdfx

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    pattern = pdf.make_stream(b"1 0 0 rg 0 0 5 5 re f", PatternType=1, PaintType=1, TilingType=1,
                              BBox=[0, 0, 10, 10], XStep=10, YStep=10, Resources=pikepdf.Dictionary())
    form = pdf.make_stream(b"0.5 0.5 0.5 RG 0 0 m 10 10 l S", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, 10, 10], Resources=pikepdf.Dictionary())
    page.obj.Resources = pikepdf.Dictionary(Pattern=pikepdf.Dictionary(P0=pattern),
                                            XObject=pikepdf.Dictionary(F0=form))
    page.obj.Contents = pdf.make_stream(b"/Pattern cs /P0 scn 0 0 100 100 re f /F0 Do 0 0 1 rg 0 0 1 1 re f")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = "A test"
    done = pdfx.conform(pdf, table={})
    assert done.operators == 3 and done.by_profile == 2  # red and blue through the profile, the grey in K
    assert b"rg" not in pattern.read_bytes() and b" k" in pattern.read_bytes()
    assert form.read_bytes().startswith(b"0 0 0 0.498 K")
    assert b"/Pattern cs" in page.obj.Contents.read_bytes()  # a pattern is not a colour: left as it is


def test_the_print_file_has_no_annotations_on_its_pages(briefing: dict[str, Path]) -> None:
    # PDF/X: no annotation inside the bleed box but printer's marks and trap networks. The links'
    # text stays tagged /Link; no /OBJR and no parent tree entry is left pointing at nothing.
    for kind in ("print", "joined-print"):
        with pikepdf.open(briefing[kind]) as pdf:
            assert all("/Annots" not in page.obj for page in pdf.pages)
            parents = _parent_tree(pdf.Root.StructTreeRoot.ParentTree)
            assert all(isinstance(value, pikepdf.Array) for value in parents.values())  # pages' entries only
            kinds = set().union(*_kinds_by_page(pdf).values())
            assert "/Link" in kinds
            objrs = [kid for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Link"
                     for kid in obj.K if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"]
            assert objrs == []
    with pikepdf.open(briefing["screen"]) as pdf:
        assert any("/Annots" in page.obj for page in pdf.pages)  # the screen file keeps its links


def test_a_booklet_on_sheets_twice_the_paper_keeps_the_pages_full_size(tmp_path: Path) -> None:
    """--sheet A3: an A4 report's booklet on A3 sheets, each page at its own size (issue 16: A4 on A3)."""
    from .conftest import run_cli

    run = run_cli("--content", BRIEFING, "-o", tmp_path / "b.pdf", "--profile", "booklet", "--sheet", "A3")
    assert run.code == 0, run.err
    assert "on 3 A3 sheets" in run.out
    with pikepdf.open(tmp_path / "b.pdf") as pdf:
        box = [float(v) for v in pdf.pages[0].mediabox]
        assert round(box[2]) == 1191 and round(box[3]) == 842  # A3 landscape
        content = pdf.pages[0].Contents.read_bytes().decode("ascii")
        assert content.startswith("q 1.00000 0 0 1.00000 ")  # the pages placed at full size
    wrong = run_cli("--content", BRIEFING, "-o", tmp_path / "c.pdf", "--profile", "booklet", "--sheet", "Tabloid")
    assert wrong.code == 1 and "the booklet of a report on A4 paper is printed on A4 or A3 sheets" in wrong.err
    assert not (tmp_path / "c.pdf").exists()
