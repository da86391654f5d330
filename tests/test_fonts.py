"""Fonts: every character no font has, found by --check at its place; a report's own fonts;
no font of the machine unless the report says so (folio/glyphs.py, fonts.py, typeset.py)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from folio import glyphs
from folio.errors import BuildError

from .conftest import MINIMAL_REPORT, ROOT, run_cli, write_report
from .pdftools import page_texts

SANS = ROOT / "styles" / "fonts" / "source-sans-3"
OFL = ROOT / "styles" / "fonts" / "noto-serif-khmer" / "OFL.txt"


def chapter(*paragraphs: str, title: str = "One", heading: str = "First") -> str:
    blocks = "".join(f"      - {p}\n" for p in paragraphs)
    return f"title: {title}\nsections:\n  - title: {heading}\n    blocks:\n{blocks}"


def test_check_finds_a_myanmar_character_at_its_place_with_a_free_font(tmp_path: Path) -> None:
    content = write_report(tmp_path / "c", chapters={"10-one.yaml": chapter("Text in Burmese, \u1000\u102c.")})
    result = run_cli("--check", "--content", content)
    assert result.code == 1
    # line 5, column 25: the character itself, not the start of its paragraph
    assert "10-one.yaml:5:26: error: no font of the report has the character U+1000 MYANMAR LETTER KA " \
           "(Myanmar script); nor 1 more here: U+102C" in result.err
    assert "Noto Sans Myanmar" in result.err
    assert "no problems found" not in result.out


def test_every_missing_character_of_every_chapter_in_one_run(tmp_path: Path) -> None:
    report = MINIMAL_REPORT.replace("  - 10-one.yaml\n", "  - 10-one.yaml\n  - 20-two.yaml\n")
    content = write_report(tmp_path / "c", report, {
        "10-one.yaml": chapter("Plain text.", "A Devanagari \u0915 here."),
        "20-two.yaml": chapter("Georgian \u10d0.", title="Two", heading="Second \u0e44")})
    result = run_cli("--check", "--content", content)
    assert result.code == 1
    assert "10-one.yaml:6:22: error: no font of the report has the character U+0915 DEVANAGARI LETTER KA " \
           "(Devanagari script)" in result.err
    assert "20-two.yaml:5:18: error: no font of the report has the character U+10D0" in result.err
    assert "20-two.yaml:3:19: error: no font of the report has the character U+0E44" in result.err  # a heading
    assert "3 errors" in result.err
    assert "<the rendered HTML>" not in result.err


def test_the_build_stops_before_layout(tmp_path: Path) -> None:
    content = write_report(tmp_path / "c", chapters={"10-one.yaml": chapter("Burmese \u1000.")})
    started = time.perf_counter()
    result = run_cli("--content", content, "-o", tmp_path / "x.pdf")
    assert result.code == 1 and "10-one.yaml:5:17: error: no font of the report has the character U+1000" in result.err
    assert time.perf_counter() - started < 5 and not (tmp_path / "x.pdf").exists()


def test_each_text_is_checked_against_its_own_stack(tmp_path: Path) -> None:
    """U+20BF (bitcoin sign) is in the serif, not in the sans: fine in a paragraph, not in a heading."""
    content = write_report(tmp_path / "c", chapters={"10-one.yaml": chapter("Paid in \u20bf.", heading="On \u20bf")})
    result = run_cli("--check", "--content", content)
    assert result.code == 1
    assert "10-one.yaml:3:15: error: no font of the report has the character U+20BF BITCOIN SIGN" in result.err
    assert "the family 'Report Serif' has it, but this text is set in 'Report Sans', 'Report Khmer'" in result.err
    assert result.err.count("error:") == 1  # the paragraph is fine


def test_the_templates_words_count_and_khmer_is_covered(tmp_path: Path) -> None:
    """Khmer (lang="km") is set in the bundled Noto Serif Khmer; the template's fixed words pass."""
    khmer = chapter("In Khmer, \u1780\u17d2\u1798\u17c2\u179a.")
    content = write_report(tmp_path / "c", chapters={"10-one.yaml": khmer})
    result = run_cli("--check", "--content", content)
    assert result.code == 0, result.err


def test_the_check_is_fast_on_a_long_report() -> None:
    """The glyph check on 40 times the Situationer's HTML (about 600 pages): the common case."""
    from folio import pipeline

    prepared = pipeline.prepare(ROOT / "content")
    body = prepared.html[prepared.html.index("<body"):]
    html = prepared.html.replace("</body>", body * 40)
    roots = pipeline.roots_for(prepared.report)
    glyphs.check(html, roots, {}, [])  # cmaps read once per process
    started = time.perf_counter()
    assert glyphs.check(html, roots, {}, []) == []
    assert time.perf_counter() - started < 0.5


# ---------------------------------------------------------------- a report's own fonts


def own_font(path: Path, family: str = "Own Test Sans") -> Path:
    """A font of the report's own: the bundled sans, renamed, drawing U+1000 with the glyph of 'A'."""
    from fontTools.ttLib import TTFont

    font = TTFont(SANS / "SourceSans3-Regular.ttf")
    glyph = font.getBestCmap()[ord("A")]
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap[0x1000] = glyph
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = family
    path.parent.mkdir(parents=True, exist_ok=True)
    font.save(path)
    return path


def test_a_report_brings_its_own_font(tmp_path: Path) -> None:
    content = write_report(tmp_path / "c", MINIMAL_REPORT + "fonts:\n  - file: fonts/Own.ttf\n"
                           "    licence: fonts/OFL.txt\n",
                           {"10-one.yaml": chapter("Burmese \u1000 in a paragraph.")})
    own_font(content / "fonts" / "Own.ttf")
    shutil.copy(OFL, content / "fonts" / "OFL.txt")
    assert run_cli("--check", "--content", content).code == 0
    result = run_cli("--content", content, "-o", tmp_path / "x.pdf", "-q")
    assert result.code == 0, result.err
    assert any("Burmese \u1000 in" in text for text in page_texts(tmp_path / "x.pdf"))
    import pikepdf

    with pikepdf.open(tmp_path / "x.pdf") as pdf:
        names = {str(font.BaseFont).split("+")[-1] for page in pdf.pages
                 for font in page.Resources.get("/Font", {}).values()}
    assert any("Own-Test-Sans" in name for name in names), names


def test_a_font_for_a_role_comes_first_in_its_stack(tmp_path: Path) -> None:
    from folio import pipeline

    content = write_report(tmp_path / "c", MINIMAL_REPORT + "fonts:\n  - file: Own.ttf\n    licence: OFL.txt\n"
                           "    role: serif\n")
    own_font(content / "Own.ttf")
    shutil.copy(OFL, content / "OFL.txt")
    html = pipeline.prepare(content).html
    assert 'html:root { --serif: "Report serif Own Test Sans", "Report Serif", "Report Khmer"; ' \
           '--sans: "Report Sans", "Report Khmer"; }' in html
    assert (content / "Own.ttf").resolve().as_uri() in html


def test_a_report_font_from_styles_fonts(tmp_path: Path) -> None:
    content = write_report(tmp_path / "c", MINIMAL_REPORT + "fonts:\n"
                           "  - file: noto-serif-khmer/NotoSerifKhmer-Regular.ttf\n"
                           "    licence: noto-serif-khmer/OFL.txt\n")
    assert run_cli("--check", "--content", content).code == 0


def test_every_mistake_in_fonts_in_one_run(tmp_path: Path) -> None:
    content = write_report(tmp_path / "c", MINIMAL_REPORT + (
        "fonts:\n"
        "  - file: fonts/Own.ttf\n"  # 8: no licence key
        "  - file: notes.ttf\n"  # 9: not a font
        "    licence: OFL.txt\n"
        "  - file: ../outside.ttf\n"  # 11: outside the project
        "    licence: OFL.txt\n"
        "  - file: noto-serif-khmer/NotoSerifKhmer-Bold.ttf\n"  # 13: from styles/fonts, its licence missing
        "    licence: LICENCE.txt\n"
        "    role: headings\n"))  # 15: not a role
    own_font(content / "fonts" / "Own.ttf")
    own_font(tmp_path / "outside.ttf")
    (content / "notes.ttf").write_text("not a font", encoding="utf-8")
    (content / "OFL.txt").write_text("SIL Open Font License", encoding="utf-8")
    result = run_cli("--check", "--content", content)
    assert result.code == 1
    err = result.err
    assert "report.yaml:8:5: error: fonts[0]: missing required key 'licence'" in err
    assert "report.yaml:9:11: error: fonts[1].file: notes.ttf: not a font file the build can read" in err
    assert "report.yaml:11:11: error: fonts[2].file: ../outside.ttf: it is outside the project" in err
    assert "report.yaml:14:14: error: fonts[3].licence: LICENCE.txt: no such file" in err
    assert "report.yaml:15:11: error: fonts[3].role: expected one of: 'fallback', 'serif', 'sans'" in err
    assert "5 errors" in err


# ---------------------------------------------------------------- the machine's fonts


def _machine_has(char: str) -> bool:
    try:
        found = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True,
                               timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.stdout.strip())


GEORGIAN = "\u10d0"  # in DejaVu Sans (installed with fontconfig on most machines), in no bundled font


def test_the_engine_uses_no_machine_font_by_default() -> None:
    """The fontconfig set-up in use while laying out has no font folder: a character only a font of
    the machine has is a .notdef, which fails the build, however the HTML names the font."""
    from folio import typeset

    if not _machine_has(GEORGIAN):
        pytest.skip("no font on this machine has the character; nothing to borrow")
    html = ('<html><head><link rel="stylesheet" href="styles/fonts.css"></head><body>'
            f"<p style=\"font-family: 'DejaVu Sans', 'Report Serif'\">Georgian {GEORGIAN}</p></body></html>")
    with pytest.raises(BuildError, match="U\\+10D0"):  # told when the glyphs are drawn
        typeset.pdf_bytes(typeset.layout(html, ROOT.as_uri() + "/", (ROOT / "styles",)))
    # the opt-in borrows it
    typeset.pdf_bytes(typeset.layout(html, ROOT.as_uri() + "/", (ROOT / "styles",), system_fonts=True))


def test_a_report_may_let_the_machine_fonts_stand_in(tmp_path: Path) -> None:
    if not _machine_has(GEORGIAN):
        pytest.skip("no font on this machine has the character")
    text = chapter(f"Georgian {GEORGIAN}.")
    plain = write_report(tmp_path / "plain", chapters={"10-one.yaml": text})
    result = run_cli("--content", plain, "-o", tmp_path / "plain.pdf")
    assert result.code == 1 and "U+10D0 GEORGIAN LETTER AN" in result.err
    opted = write_report(tmp_path / "opted", MINIMAL_REPORT + "system_fonts: true\n", {"10-one.yaml": text})
    result = run_cli("--content", opted, "-o", tmp_path / "opted.pdf", "-q")
    assert result.code == 0, result.err
    # --bundled-fonts-only overrules the report: the engine's .notdef, at the content's place
    result = run_cli("--content", opted, "-o", tmp_path / "strict.pdf", "--bundled-fonts-only")
    assert result.code == 1
    assert "10-one.yaml:5:18: error: no font of the report has the character U+10D0" in result.err


def test_a_character_the_styles_draw_is_checked(tmp_path: Path) -> None:
    """A list bullet (or any `content:` string) no declared font has: found at its stylesheet's rule."""
    sheet = tmp_path / "list.css"
    sheet.write_text('p { color: black; }\nul > li {\n  list-style-type: "\\1000\\2002";\n}\n', encoding="utf-8")
    links = "".join(f'<link rel="stylesheet" href="{name}">'
                    for name in ("styles/fonts.css", "styles/tokens.css", "styles/typography.css", sheet.as_uri()))
    html = f"<html><head>{links}</head><body><ul><li>x</li></ul></body></html>"
    problems = glyphs.check(html, (ROOT / "styles", tmp_path), {}, [])
    assert [(p.position.path, p.position.line, p.message) for p in problems] == [
        (sheet, 2, "ul > li: the text the style adds has U+1000 MYANMAR LETTER KA, which no font of the styles has")]


def test_marks_composed_or_decomposed_as_the_engine_does(tmp_path: Path) -> None:
    """Vietnamese written decomposed (e, circumflex, acute) is drawn from the composed glyph; a
    composed letter the font lacks (U+1E31 K WITH ACUTE) from k and the combining acute."""
    content = write_report(tmp_path / "c", chapters={"10-one.yaml": chapter("Vie\u0302\u0301t and \u1e31.")})
    result = run_cli("--check", "--content", content)
    assert result.code == 0, result.err


def test_a_character_on_the_cover_is_found_in_report_yaml(tmp_path: Path) -> None:
    """Text outside any block (the cover, the contents, running heads) is found where it is written."""
    content = write_report(tmp_path / "c", MINIMAL_REPORT + "subtitle: Notes from Yangon \u1000\n")
    result = run_cli("--check", "--content", content)
    assert result.code == 1
    assert "report.yaml:7:29: error: no font of the report has the character U+1000" in result.err
    assert result.err.count("error:") == 1


def test_a_font_linked_from_outside_the_project_is_refused(tmp_path: Path) -> None:
    content = write_report(tmp_path / "c", MINIMAL_REPORT + "fonts:\n  - file: Own.ttf\n    licence: OFL.txt\n")
    (content / "Own.ttf").symlink_to(own_font(tmp_path / "elsewhere" / "Own.ttf"))
    shutil.copy(OFL, content / "OFL.txt")
    result = run_cli("--check", "--content", content)
    assert result.code == 1
    assert "report.yaml:8:11: error: fonts[0].file: Own.ttf: a symbolic link pointing outside the project" in result.err
