"""Output profiles, tagging, reproducible bytes and distribution markings, read from the PDFs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest

from folio import pipeline, typeset
from folio.paths import PROJECT_ROOT
from folio.pdfua import finish, mark_artifacts

from .conftest import MINIMAL_CHAPTER, MINIMAL_REPORT, run_cli, write_report
from .pdftools import margin_texts, marked_content, page_texts

EPOCH = "1612828800"  # 2021-02-09 00:00 UTC
MM = 72 / 25.4

TWO_CHAPTERS = {
    "10-one.yaml": MINIMAL_CHAPTER,
    "20-two.yaml": "title: Two\nsections:\n  - title: Second Section\n    blocks:\n"
                   "      - See [the first section](#first) and [a site](https://example.org).\n",
}


def _report(tmp_path: Path, extra: str = "", chapters: dict[str, str] | None = None) -> Path:
    text = MINIMAL_REPORT.replace("chapters:\n  - 10-one.yaml\n", extra + "chapters:\n"
                                  + "".join(f"  - {name}\n" for name in (chapters or TWO_CHAPTERS)))
    return write_report(tmp_path / "content", text, chapters or TWO_CHAPTERS)


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small report built with --profile all: the screen PDF and the print PDF."""
    folder = tmp_path_factory.mktemp("both")
    content = _report(folder)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    layouts = []
    real_layout = typeset.layout
    mp.setattr(typeset, "layout", lambda *a, **k: layouts.append(1) or real_layout(*a, **k))
    try:
        result = run_cli("--content", content, "-o", folder / "r.pdf", "--profile", "all")
    finally:
        mp.undo()
    assert result.code == 0, result.err
    assert len(layouts) == 2  # laid out once per profile
    assert "r.pdf" in result.out and "r-print.pdf" in result.out
    return folder / "r.pdf", folder / "r-print.pdf"


# ---------------------------------------------------------------- screen: PDF/UA-1


def test_screen_pdf_is_tagged_with_language_title_and_pdfua_id(both: tuple[Path, Path]) -> None:
    with pikepdf.open(both[0]) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en"
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title) == "Test Report"
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
        kinds = set()
        stack = [root.StructTreeRoot.K]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.add(str(node.S))
                stack.append(node.get("/K", pikepdf.Array()))
        assert {"/Document", "/H1", "/H2", "/P", "/Link", "/TOC", "/TOCI"} <= kinds  # the contents: a TOC


def test_margin_text_is_an_artifact_and_all_other_content_is_in_the_tree(both: tuple[Path, Path]) -> None:
    for path in both:
        pages = marked_content(path)
        assert all(p["untagged_text"] == 0 for p in pages), pages
        assert all(p["orphan_mcids"] == [] for p in pages), pages
        # the cover has no running head or folio; every other page has at least its folio
        assert pages[0]["artifact_text"] == 0
        assert all(p["artifact_text"] >= 1 for p in pages[1:]), pages


def test_weasyprint_alone_leaves_margin_text_outside_the_tree(tmp_path: Path) -> None:
    """Why pdfua.mark_artifacts exists: without it the folios' MCIDs point at orphaned elements."""
    prepared = pipeline.prepare(_report(tmp_path))
    laid = typeset.layout(prepared.html, PROJECT_ROOT.as_uri() + "/", pipeline.roots_for(prepared.report),
                          pdf_options={"pdf_variant": "pdf/ua-1"})
    plain, finished = tmp_path / "plain.pdf", tmp_path / "finished.pdf"
    plain.write_bytes(typeset.pdf_bytes(laid))
    report = None

    def finisher(document, pdf) -> None:
        nonlocal report
        report = mark_artifacts(document, pdf)

    finished.write_bytes(typeset.pdf_bytes(laid, finisher=finisher))
    assert any(p["orphan_mcids"] for p in marked_content(plain))
    assert not any(p["orphan_mcids"] for p in marked_content(finished))
    assert report is not None and report.remarked == report.orphans > 0 and not report.missing


def test_images_become_figures_with_their_alternative_text(tmp_path: Path) -> None:
    """The hook for figures and charts: <img alt> and <svg><title> become /Figure with /Alt."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><title>Bar chart of cases</title>'
           '<rect width="40" height="20" fill="#1d3a5c"/></svg>')
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
           "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    html = (f'<html lang="en"><head><title>t</title></head><body><p>Text.</p>'
            f'<img src="{png}" alt="A map of the provinces" style="width:20px">{svg}</body></html>')
    laid = typeset.layout(html, PROJECT_ROOT.as_uri() + "/", (PROJECT_ROOT,), pdf_options={"pdf_variant": "pdf/ua-1"})
    out = tmp_path / "fig.pdf"
    out.write_bytes(typeset.pdf_bytes(laid, finisher=finish))
    with pikepdf.open(out) as pdf:
        alts = [str(o.Alt) for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Figure"]
    assert sorted(alts) == ["A map of the provinces", "Bar chart of cases"]


@pytest.mark.parametrize(("figure", "message"), [
    ('<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk'
     '+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">', "without alternative text"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>',
     "without alternative text"),
])
def test_a_figure_without_alternative_text_fails_the_build(figure: str, message: str) -> None:
    html = f'<html lang="en"><head><title>t</title></head><body>{figure}</body></html>'
    laid = typeset.layout(html, PROJECT_ROOT.as_uri() + "/", (PROJECT_ROOT,), pdf_options={"pdf_variant": "pdf/ua-1"})
    with pytest.raises(typeset.BuildError, match=message):
        typeset.pdf_bytes(laid, finisher=finish)


# ---------------------------------------------------------------- print


def test_print_pdf_has_bleed_trim_box_and_crop_marks(both: tuple[Path, Path]) -> None:
    bleed, media_margin = 3 * MM, 6 * MM  # the marks stand in the 3 mm beyond the bleed
    with pikepdf.open(both[0]) as screen, pikepdf.open(both[1]) as printed:
        assert len(screen.pages) == len(printed.pages)
        for s_page, p_page in zip(screen.pages, printed.pages, strict=True):
            assert [float(x) for x in s_page.TrimBox] == [float(x) for x in s_page.MediaBox]  # no bleed
            media = [float(x) for x in p_page.MediaBox]
            trim = [float(x) for x in p_page.TrimBox]
            assert trim == pytest.approx([float(x) for x in s_page.MediaBox], abs=0.01)
            assert media == pytest.approx([-media_margin, -media_margin, trim[2] + media_margin,
                                           trim[3] + media_margin], abs=0.01)
            assert [float(x) for x in p_page.BleedBox] == pytest.approx(
                [trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed], abs=0.01)


def test_print_cover_colour_runs_into_the_bleed_and_marks_are_drawn(both: tuple[Path, Path]) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(both[1]))
    try:
        image = doc[0].render(scale=72 / 72 * 2, may_draw_forms=False).to_pil().convert("RGB")
        second = doc[1].render(scale=2).to_pil().convert("RGB")
    finally:
        doc.close()
    # the band's navy, in CMYK in the print file (pdfium shows CMYK without colour management):
    # 1.5 mm above the trim, halfway across, inside the 3 mm bleed, the colour of the band below the trim
    navy = image.getpixel((image.width // 2, round(12 * MM * 2)))
    assert navy[2] > navy[0] + 60 and sum(navy) < 250
    assert _near(image.getpixel((image.width // 2, round(4.5 * MM * 2))), navy)
    # crop marks at the trim line, in the 3 mm beyond the bleed: visible on an inner page
    # and on the cover, whose band runs into the bleed but not over the marks
    for page in (second, image):
        corner = [page.getpixel((x, round(6 * MM * 2))) for x in range(0, round(3 * MM * 2))]
        assert any(sum(px) < 200 for px in corner)


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def test_print_stylesheet_only_in_the_print_profile(tmp_path: Path) -> None:
    prepared = pipeline.prepare(_report(tmp_path))
    assert "styles/print.css" not in prepared.html_for("screen")
    assert "styles/print.css" in prepared.html_for("print")


def test_profile_names_and_default_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _report(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("--content", content, "--profile", "print", "-q")
    assert result.code == 0, result.err
    written = sorted(p.name for p in (tmp_path / "build").iterdir())
    assert written == [".test-report-print.pdf.mends.json", "test-report-print.pdf"]  # the PDF and its record
    with pytest.raises(SystemExit) as exit_:
        run_cli("--content", content, "--profile", "paper")
    assert exit_.value.code == 2


# ---------------------------------------------------------------- reproducible bytes


def test_two_builds_give_the_same_bytes_and_an_id_from_the_content(tmp_path: Path) -> None:
    content = _report(tmp_path)
    digests, ids = [], []
    for name in ("a.pdf", "b.pdf"):
        assert run_cli("--content", content, "-o", tmp_path / name, "-q").code == 0
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
        with pikepdf.open(tmp_path / name) as pdf:
            ids.append(bytes(pdf.trailer.ID[0]))
            assert str(pdf.docinfo.CreationDate).startswith("D:20210209")
    assert digests[0] == digests[1]
    (content / "20-two.yaml").write_text(TWO_CHAPTERS["20-two.yaml"].replace("See", "Read"), encoding="utf-8")
    assert run_cli("--content", content, "-o", tmp_path / "c.pdf", "-q").code == 0
    with pikepdf.open(tmp_path / "c.pdf") as pdf:
        assert bytes(pdf.trailer.ID[0]) != ids[0]  # other content, another /ID


def test_dates_come_from_the_report_without_source_date_epoch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    content = _report(tmp_path)
    assert run_cli("--content", content, "-o", tmp_path / "a.pdf", "-q").code == 0
    with pikepdf.open(tmp_path / "a.pdf") as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20210209000000+00'00"
        assert str(pdf.docinfo.ModDate) == "D:20210209000000+00'00"


# ---------------------------------------------------------------- status


def test_draft_has_a_watermark_on_every_page_and_the_build_time_in_the_footer(tmp_path: Path) -> None:
    content = _report(tmp_path, "status: draft\n")
    assert run_cli("--content", content, "-o", tmp_path / "d.pdf", "-q").code == 0
    texts, margins = page_texts(tmp_path / "d.pdf"), margin_texts(tmp_path / "d.pdf")
    assert all("DRAFT" in t for t in texts)
    assert all("Draft built 9 February 2021, 00:00 UTC" in m for m in margins[1:])
    with pikepdf.open(tmp_path / "d.pdf") as pdf:
        assert str(pdf.docinfo["/status"]) == "draft"
    assert all(p["untagged_text"] == 0 and not p["orphan_mcids"] for p in marked_content(tmp_path / "d.pdf"))


def test_embargo_on_the_cover_in_every_footer_and_in_the_metadata(tmp_path: Path) -> None:
    content = _report(tmp_path, "status: embargoed\nembargo: 22 February 2021, 10:00 CET\n")
    assert run_cli("--content", content, "-o", tmp_path / "e.pdf", "-q").code == 0
    texts, margins = page_texts(tmp_path / "e.pdf"), margin_texts(tmp_path / "e.pdf")
    line = "Embargoed until 22 February 2021, 10:00 CET"
    assert line in texts[0]
    assert all(line in m for m in margins[1:])
    assert not any("DRAFT" in t for t in texts)
    with pikepdf.open(tmp_path / "e.pdf") as pdf:
        assert str(pdf.docinfo["/embargo"]) == line
        assert str(pdf.docinfo["/status"]) == "embargoed"


def test_final_has_no_markings_and_draft_flag_overrides(tmp_path: Path) -> None:
    content = _report(tmp_path)
    assert run_cli("--content", content, "-o", tmp_path / "f.pdf", "-q").code == 0
    assert not any("DRAFT" in t or "Draft" in t or "Embargo" in t for t in page_texts(tmp_path / "f.pdf"))
    with pikepdf.open(tmp_path / "f.pdf") as pdf:
        assert "/status" not in pdf.docinfo
    assert run_cli("--content", content, "-o", tmp_path / "g.pdf", "-q", "--draft").code == 0
    assert all("DRAFT" in t for t in page_texts(tmp_path / "g.pdf"))


def test_the_situationer_is_tagged_with_every_text_in_the_tree_or_an_artifact(situationer_pdf: Path) -> None:
    pages = marked_content(situationer_pdf)
    assert all(p["untagged_text"] == 0 and not p["orphan_mcids"] for p in pages), pages
    assert all(p["artifact_text"] >= 1 for p in pages[1:])  # folios and running heads
    with pikepdf.open(situationer_pdf) as pdf:
        assert str(pdf.Root.Lang) == "en"
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"


def test_links_are_described_by_their_visible_text(both: tuple[Path, Path]) -> None:
    with pikepdf.open(both[0]) as pdf:
        contents = [str(a.Contents) for page in pdf.pages for a in page.get("/Annots", [])]
    assert "a site" in contents
    assert any(c.startswith("the first section, page") for c in contents), contents
    assert "I. One 1" in contents  # a contents entry: its title and page number, without the leader dots
    assert not {"first", "https://example.org"} & set(contents)  # not the bare targets WeasyPrint writes
