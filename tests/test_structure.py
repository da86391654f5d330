"""Ids, sub-sections, definition lists and table options (issue 13, items 3 and 9): YAML in, HTML and errors out."""

from __future__ import annotations

import re
from pathlib import Path

from folio.pipeline import prepare

from .conftest import run_cli, write_report

REPORT = "title: Ids\nissuer: Test\ndate: 2021-02-09\nchapters: [10-one.yaml, 20-two.yaml]\n"


def _two_chapters(tmp_path: Path, one: str, two: str, report: str = REPORT) -> Path:
    return write_report(tmp_path / "c", report, {"10-one.yaml": one, "20-two.yaml": two})


def _check(folder: Path):
    return run_cli("--check", "--content", folder)


# ---------------------------------------------------------------- item 3: ids the author never wrote

INTRO = "title: {title}\nsections:\n  - title: Introduction\n    blocks: [Text of {title}.]\n"


def test_repeated_section_titles_across_chapters_get_unique_ids(tmp_path: Path) -> None:
    folder = _two_chapters(tmp_path, INTRO.format(title="One"), INTRO.format(title="Two"))
    run = _check(folder)
    assert run.code == 0, run.err
    html = prepare(folder).html
    ids = re.findall(r'<section class="section" id="([^"]+)"', html)
    assert ids == ["introduction", "two-introduction"]  # the first keeps its slug; the second takes its chapter's


def test_automatic_ids_are_targets_and_stable(tmp_path: Path) -> None:
    one = INTRO.format(title="One").replace("[Text of One.]", "['See [](#two-introduction).']")
    folder = _two_chapters(tmp_path, one, INTRO.format(title="Two"))
    html = prepare(folder).html
    assert 'href="#two-introduction">Section II.1, page' in html
    # a chapter added after them changes neither anchor
    (folder / "30-three.yaml").write_text(INTRO.format(title="Three"), encoding="utf-8")
    (folder / "report.yaml").write_text(REPORT.replace("20-two.yaml]", "20-two.yaml, 30-three.yaml]"),
                                        encoding="utf-8")
    ids = re.findall(r'<section class="section" id="([^"]+)"', prepare(folder).html)
    assert ids == ["introduction", "two-introduction", "three-introduction"]


def test_an_author_id_wins_over_an_automatic_one(tmp_path: Path) -> None:
    two = "title: Two\nsections:\n  - title: Overview\n    id: introduction\n    blocks: [x]\n"
    folder = _two_chapters(tmp_path, INTRO.format(title="One"), two)
    run = _check(folder)
    assert run.code == 0, run.err
    ids = re.findall(r'<section class="section" id="([^"]+)"', prepare(folder).html)
    assert ids == ["one-introduction", "introduction"]


def test_repeated_chapter_titles_get_unique_ids(tmp_path: Path) -> None:
    folder = _two_chapters(tmp_path, INTRO.format(title="Annex"), INTRO.format(title="Annex"))
    html = prepare(folder).html
    assert re.findall(r'<section class="chapter[^"]*" id="([^"]+)"', html) == ["annex", "annex-2"]
    assert len(set(re.findall(r' id="([^"]+)"', html))) == len(re.findall(r' id="([^"]+)"', html))


def test_only_written_ids_collide_and_the_error_points_at_both(tmp_path: Path) -> None:
    one = "title: One\nsections:\n  - title: A\n    id: same\n    blocks: [x]\n"
    two = "title: Two\nsections:\n  - title: B\n    blocks: [x]\n  - title: C\n    id: same\n    blocks: [x]\n"
    run = _check(_two_chapters(tmp_path, one, two))
    assert run.code == 1
    assert "c/20-two.yaml:6:5: error: sections[1].id: id 'same' is used twice" in run.err
    assert "first at " in run.err and "c/10-one.yaml:4:5" in run.err
    assert run.err.count("error:") == 1


# ---------------------------------------------------------------- item 9: sub-sections

SUBSECTIONS = """\
title: One
sections:
  - title: Method
    id: method
    blocks: [Before the sub-sections.]
    subsections:
      - title: Sampling
        blocks:
          - "How we sampled; see [](#weights)."
          - subheading: A detail
          - More.
      - title: Weights
        id: weights
        blocks: [How we weighted.]
"""


def test_subsections_are_numbered_h3_with_cross_references(tmp_path: Path) -> None:
    folder = _two_chapters(tmp_path, SUBSECTIONS, INTRO.format(title="Two"))
    html = prepare(folder).html
    assert re.search(r'<section class="subsection" id="sampling">\s*<h3 class="subsection-title"[^>]*>'
                     r'<span class="section-number">1.1</span> Sampling</h3>', html)
    assert 'href="#weights">Section I.1.2, page' in html
    assert '<h4 class="subheading"' in html  # a sub-heading inside a sub-section is one level below it
    assert "toc-subsection" not in html  # the contents list sub-sections only when asked


def test_contents_depth_3_lists_subsections(tmp_path: Path) -> None:
    folder = _two_chapters(tmp_path, SUBSECTIONS, INTRO.format(title="Two"), REPORT + "contents_depth: 3\n")
    html = prepare(folder).html
    assert re.search(r'<li class="toc-subsection"><a href="#sampling"><span class="toc-number">1.1</span> Sampling',
                     html)


def test_contents_depth_is_checked(tmp_path: Path) -> None:
    run = _check(_two_chapters(tmp_path, SUBSECTIONS, INTRO.format(title="Two"), REPORT + "contents_depth: 4\n"))
    assert run.code == 1 and "contents_depth: expected one of: '1', '2', '3'; found '4'" in run.err


def test_a_subsection_needs_title_and_blocks(tmp_path: Path) -> None:
    bad = "title: One\nsections:\n  - title: A\n    subsections:\n      - title: B\n"
    run = _check(_two_chapters(tmp_path, bad, INTRO.format(title="Two")))
    assert run.code == 1
    assert "c/10-one.yaml:5:9: error: sections[0].subsections[0]: missing required key 'blocks'" in run.err


# ---------------------------------------------------------------- item 9: definition lists

DEFINITIONS = """\
title: One
sections:
  - title: Facts
    blocks:
      - definitions:
          - term: Capital
            definition: Phnom Penh
          - Area: 181,035 sq km
      - definitions:
          Population: 17 million
          Languages: Khmer
      - A paragraph after it.
"""


def test_definitions_render_as_a_dl(tmp_path: Path) -> None:
    html = prepare(_two_chapters(tmp_path, DEFINITIONS, INTRO.format(title="Two"))).html
    dls = re.findall(r'<dl class="definitions"[^>]*>(.*?)</dl>', html, re.S)
    assert len(dls) == 2
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", dls[0].replace("\u00a0", " "))  # no-break spaces aside
    assert pairs == [("Capital", "Phnom Penh"), ("Area", "181,035 sq km")]
    assert re.findall(r"<dt>(.*?)</dt>", dls[1]) == ["Population", "Languages"]


def test_definition_mistakes_are_located(tmp_path: Path) -> None:
    bad = ("title: One\nsections:\n  - title: Facts\n    blocks:\n      - definitions:\n"
           "          - term: Capital\n          - [a, b]\n")
    run = _check(_two_chapters(tmp_path, bad, INTRO.format(title="Two")))
    assert run.code == 1
    assert "10-one.yaml:6:13: error: sections[0].blocks[0].definitions[0]: missing required key 'definition'" \
        in run.err
    assert "10-one.yaml:7:13: error: sections[0].blocks[0].definitions[1]: expected a mapping" in run.err


# ---------------------------------------------------------------- item 9: table options

TABLE = """\
title: One
sections:
  - title: Data
    blocks:
      - table: Access by province
        columns: ["", "2019", "2023"]
        row_headings: true
        widths: {widths}
        rows:
          - [North, "58", "66"]
          - [East, "41", "64"]
        notes:
          - "Note: rounded."
          - Second line.
        source: Surveys.
"""


def test_empty_heading_row_headings_widths_and_notes(tmp_path: Path) -> None:
    folder = _two_chapters(tmp_path, TABLE.format(widths="[2, 1, 1]"), INTRO.format(title="Two"))
    run = _check(folder)
    assert run.code == 0, run.err
    html = prepare(folder).html
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert re.search(r'<td class="align-left empty"></td>', head)  # an empty heading: a plain empty cell
    assert head.count('<th scope="col"') == 2
    assert re.findall(r'<th scope="row" class="align-left">(\w+)</th>', html) == ["North", "East"]
    assert re.findall(r'<col style="width: ([^"]+)">', html) == ["50%", "25%", "25%"]
    assert re.findall(r'<p class="table-note">(.*?)</p>', html) == ["Note: rounded.", "Second line."]
    assert html.index("table-note") < html.index('<p class="source">')


def test_widths_in_percent_and_mm_are_kept(tmp_path: Path) -> None:
    html = prepare(_two_chapters(tmp_path, TABLE.format(widths="[40%, 30mm, 20%]"), INTRO.format(title="Two"))).html
    assert re.findall(r'<col style="width: ([^"]+)">', html) == ["40%", "30mm", "20%"]


def test_bad_widths_are_errors(tmp_path: Path) -> None:
    for widths, message in (("[50%, 50%]", "2 widths for 3 columns"),
                            ("[60%, 30%, 20%]", "the widths add up to 110% of the text width"),
                            ("[2, 30%, 1]", "relative widths (plain numbers) cannot be mixed"),
                            ("[wide, 1, 1]", "'wide' is not a column width")):
        run = _check(_two_chapters(tmp_path / widths, TABLE.format(widths=widths), INTRO.format(title="Two")))
        assert run.code == 1 and f"sections[0].blocks[0].widths: {message}" in run.err, run.err


def test_an_empty_heading_gives_no_error_about_cells(tmp_path: Path) -> None:
    table = TABLE.format(widths="[1, 1, 1]").replace("row_headings: true", "row_headings: false")
    run = _check(_two_chapters(tmp_path, table, INTRO.format(title="Two")))
    assert run.code == 0, run.err


# ---------------------------------------------------------------- on the page

def _line_starts(pdf: Path) -> dict[str, float]:
    """The left edge of each line of the first page with text, by its first word."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        starts: dict[str, float] = {}
        for page in doc:
            text = page.get_textpage()
            for i in range(text.count_rects()):
                left, _, _, _ = text.get_rect(i)
                words = text.get_text_bounded(*text.get_rect(i)).split()
                if words:
                    starts.setdefault(words[0], left)
        return starts
    finally:
        doc.close()


def test_a_paragraph_after_a_definition_list_or_a_table_is_not_indented(tmp_path: Path) -> None:
    one = """\
title: One
sections:
  - title: Facts
    blocks:
      - Opening paragraph of the section.
      - Indented second paragraph.
      - definitions:
          - Capital: Phnom Penh
      - Afterdefinitions paragraph, set flush left.
      - table: A table
        columns: [A, B]
        rows:
          - [x, "1"]
      - Aftertable paragraph, set flush left.
"""
    folder = _two_chapters(tmp_path, one, INTRO.format(title="Two"))
    out = tmp_path / "out.pdf"
    assert run_cli("--content", folder, "-o", out, "-q").code == 0
    starts = _line_starts(out)
    flush = starts["Opening"]
    assert starts["Indented"] > flush + 5  # the house style: a paragraph after a paragraph is indented
    assert abs(starts["Afterdefinitions"] - flush) < 0.5
    assert abs(starts["Aftertable"] - flush) < 0.5
    assert abs(starts["Capital"] - flush) < 0.5  # a definition list has no first-line indent either


def test_subsections_are_h3_in_the_pdf_and_in_the_outline(tmp_path: Path) -> None:
    import pikepdf

    from .pdftools import struct_elements

    folder = _two_chapters(tmp_path, SUBSECTIONS, INTRO.format(title="Two"), REPORT + "contents_depth: 3\n")
    out = tmp_path / "out.pdf"
    run = run_cli("--content", folder, "-o", out, "-q", "--strict")
    assert run.code == 0, run.err
    with pikepdf.open(out) as pdf:
        tags = [str(e.get("/S")) for e in struct_elements(pdf.Root.StructTreeRoot)]
        assert tags.count("/H3") == 2 and tags.count("/H4") == 1  # two sub-sections; a sub-heading inside one

        def titles(items, depth=1):
            for item in items:
                yield depth, str(item.title)
                yield from titles(item.children, depth + 1)

        with pdf.open_outline() as outline:
            found = list(titles(outline.root))
    assert (3, "1.1 Sampling") in found and (3, "1.2 Weights") in found


def test_contents_depth_1_lists_chapters_only(tmp_path: Path) -> None:
    folder = _two_chapters(tmp_path, SUBSECTIONS, INTRO.format(title="Two"), REPORT + "contents_depth: 1\n")
    html = prepare(folder).html
    assert html.count('class="toc-chapter"') == 2 and "toc-section" not in html
