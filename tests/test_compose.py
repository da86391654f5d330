"""The composer's lines imposed on the engine: a round trip on galleys of random paragraphs.

Each galley holds paragraphs of random words (with emphasis, a no-break space, words that
hyphenate) in the body face and size and in a smaller size, set by the composer, then laid
out by the engine: every line the engine sets must be the composer's line, and every full
line must end at the measure.
"""

from __future__ import annotations

import random

import pytest

from folio import compose, typeset
from folio.paths import PROJECT_ROOT, STYLES_DIR

from .test_preflight import PROSE

TYPOGRAPHY = "".join((STYLES_DIR / name).read_text(encoding="utf-8") for name in ("tokens.css", "typography.css"))
LONG = ["government", "organization", "jeopardize", "internationally", "responsibilities", "consideration",
        "well-structured", "non-politicization", "Mr.\u00a0Sokha"]


def galley(body: str, css: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><link rel="stylesheet" href="styles/fonts.css"><style>
@page {{ size: 210mm 600mm; margin: 10mm 32mm }}
{TYPOGRAPHY}
{css}</style></head><body>{body}</body></html>"""


def random_paragraph(rng: random.Random) -> str:
    words = [rng.choice(PROSE + LONG) for _ in range(rng.randint(12, 110))]
    if rng.random() < 0.4:
        at = rng.randrange(len(words) - 3)
        words[at] = "<em>" + words[at]
        words[at + 2] += "</em>"
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] += ","
    return " ".join(words) + "."


def pages_of(html: str):
    return typeset.layout(html, PROJECT_ROOT.as_uri() + "/", (STYLES_DIR,)).document.pages


@pytest.mark.parametrize(("seed", "css"), [(1, "body { font-size: 10.75pt; line-height: 15.5pt }"),
                                           (2, "body { font-size: 9pt; line-height: 12pt } p { text-indent: 0 }")])
def test_the_engine_sets_exactly_the_composed_lines(seed: int, css: str) -> None:
    rng = random.Random(seed)
    texts = [random_paragraph(rng) for _ in range(100)]
    html = galley("".join(f'<p data-src="c:{n}">{t}</p>' for n, t in enumerate(texts)), css)
    outcome = compose.compose_html(html, pages_of, typeset.text_width)
    assert len(outcome.composed) >= 80, outcome.left  # word salad: a paragraph with no feasible breaks is left
    pages = pages_of(outcome.html)
    assert compose.check(pages, outcome.composed) == []
    assert_full_lines_fill_the_measure(pages, outcome)
    # the words are the author's, in order: the lines carry the paragraph's letters and no more
    for key, done in outcome.composed.items():
        original = texts[int(key[2:])].replace("<em>", "").replace("</em>", "")
        assert squeezed(" ".join(done.lines)) == squeezed(original), key


def assert_full_lines_fill_the_measure(pages, outcome: compose.Outcome) -> None:
    for key, blocks in compose._fragments(pages, set(outcome.composed)).items():
        lines = [line for block in blocks for line in compose._line_boxes(block)]
        for line in lines[:-1]:
            right = max(child.position_x + child.margin_width() for child in line.children)
            assert abs(right - (blocks[0].content_box_x() + blocks[0].width)) < 0.05, key


def squeezed(text: str) -> str:
    """The letters of a text, without spaces or hyphens: what lines must carry, in order."""
    return "".join(text.split()).replace("-", "")


def test_a_paragraph_with_a_line_break_or_a_cut_note_is_left_to_the_engine() -> None:
    assert compose.atoms("Text<br>more") is None
    assert compose.atoms('Text<span class="footnote-cont">the rest of a note</span>') is None
    assert [a.kind for a in compose.atoms('Text<span class="footnote"><em>a</em> note</span> more') or []] == \
        ["text", "note", "text"]
    assert compose.atoms("Text <em>emphasised</em> more") is not None


def test_the_composed_html_keeps_ids_once_and_closes_what_it_opens() -> None:
    rng = random.Random(5)
    inner = "Start " + " ".join(rng.choice(PROSE) for _ in range(40)) + ' <a id="x" href="https://e.org">a ' + \
        " ".join(rng.choice(PROSE) for _ in range(30)) + "</a> end."
    html = galley(f'<p data-src="c:1">{inner}</p>', "body { font-size: 10.75pt }")
    outcome = compose.compose_html(html, pages_of, typeset.text_width)
    done = outcome.composed["c:1"]
    assert len(done.lines) > 2
    assert done.inner.count('id="x"') == 1
    assert done.inner.count("<a ") == done.inner.count("</a>")


def test_a_line_the_engine_sets_otherwise_is_reported_not_passed() -> None:
    rng = random.Random(9)
    html = galley(f'<p data-src="c:1">{random_paragraph(rng)} {random_paragraph(rng)}</p>', "")
    outcome = compose.compose_html(html, pages_of, typeset.text_width)
    done = outcome.composed["c:1"]
    pages = pages_of(outcome.html)
    assert compose.check(pages, outcome.composed) == []
    done.lines[1] = done.lines[1] + " extra"  # as if the engine had broken elsewhere
    problems = compose.check(pages, outcome.composed)
    assert [key for key, _ in problems] == ["c:1"]
    assert "line 2" in problems[0][1]


def test_report_yaml_turns_the_composer_on(tmp_path) -> None:
    from folio import pipeline

    from .conftest import write_report

    folder = write_report(tmp_path)
    report = pipeline.load(folder)
    assert report.compose is False
    yaml = folder / "report.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "compose: true\n", encoding="utf-8")
    assert pipeline.load(folder).compose is True


def test_a_paragraph_that_calls_notes_is_composed_with_its_calls_numbered_as_the_report_numbers_them() -> None:
    rng = random.Random(4)
    note = '<span class="footnote-anchor" id="call-{0}"></span><span class="footnote" id="note-{0}">A note {0}.</span>'
    first = f"{random_paragraph(rng)[:-1]}{note.format('a')} {random_paragraph(rng)}"
    second = f"{random_paragraph(rng)[:-1]}{note.format('b')} {random_paragraph(rng)}{note.format('c')}"
    notes_css = (STYLES_DIR / "blocks.css").read_text(encoding="utf-8")
    html = galley(f'<p data-src="c:1">{first}</p><p>x{note.format("d")}</p><p data-src="c:2">{second}</p>',
                  notes_css)
    assert compose.note_numbers(html) == {"c:1": ["1"], "c:2": ["3", "4"]}
    outcome = compose.compose_html(html, pages_of, typeset.text_width)
    assert set(outcome.composed) == {"c:1", "c:2"}, outcome.left
    assert outcome.composed["c:2"].inner.count('class="footnote"') == 2
    pages = pages_of(outcome.html)
    assert compose.check(pages, outcome.composed) == []
    assert_full_lines_fill_the_measure(pages, outcome)


def test_a_word_in_an_element_that_forbids_hyphens_is_never_broken() -> None:
    rng = random.Random(12)
    words = [rng.choice(PROSE + LONG[:6]) for _ in range(150)]
    plain = " ".join(words)
    kept = " ".join(f'<span class="nohy">{w}</span>' for w in words)
    css = ".nohy { hyphens: manual }"
    html = galley(f'<p data-src="c:1">{plain}</p><p data-src="c:2">{kept}</p>', css)
    outcome = compose.compose_html(html, pages_of, typeset.text_width)
    assert outcome.composed["c:1"].hyphens > 0, "the example no longer needs hyphens: lengthen it"
    assert "c:2" in outcome.composed, outcome.left
    assert outcome.composed["c:2"].hyphens == 0


def test_text_kept_on_one_line_is_never_broken_by_the_composer() -> None:
    # "(2024 est.)" as markup.py keeps it (`.nobreak`, white-space: nowrap): the engine never breaks
    # it at its space; the composer must not either, nor end a line inside it
    rng = random.Random(7)
    words = [rng.choice(PROSE) for _ in range(400)]
    for at in range(3, len(words), 5):
        words[at] = '<span class="nobreak">(2024 est.)</span>'
    html = galley(f'<p data-src="c:1">{" ".join(words)}.</p>', "p { hyphens: manual }")
    outcome = compose.compose_html(html, pages_of, typeset.text_width)
    assert "c:1" in outcome.composed, outcome.left
    lines = outcome.composed["c:1"].lines
    assert all(line.count("(2024") == line.count("est.)") for line in lines), lines
    assert compose.check(pages_of(outcome.html), outcome.composed) == []


def test_a_word_the_preflight_keeps_whole_is_never_broken_by_the_composer() -> None:
    # `.mend-keep-word` (styles/preflight.css): neither hyphenated nor broken at its own hyphen
    keep = ["well-structured", "non-politicization", "long-standing", "responsibilities", "internationally"]
    rng = random.Random(3)
    words = [w for _ in range(120) for w in (rng.choice(PROSE), rng.choice(PROSE), rng.choice(keep))]
    plain = " ".join(words)
    # kept words never side by side: two kept spans in a row are set apart by the engine (U+200B)
    kept = " ".join(f'<span class="mend-keep-word">{w}</span>' if w in keep else w for w in words)
    css = (STYLES_DIR / "preflight.css").read_text(encoding="utf-8")
    html = galley(f'<p data-src="c:1">{plain}</p><p data-src="c:2">{kept}</p>', css)
    outcome = compose.compose_html(html, pages_of, typeset.text_width)

    def broken(key: str) -> list[str]:  # the lines that end inside a word to keep
        lines = outcome.composed[key].lines[:-1]
        return [line for line in lines if any(k.startswith(line.split()[-1]) and k != line.split()[-1] for k in keep)]

    assert broken("c:1"), "the example no longer breaks the words to keep: lengthen it"
    assert "c:2" in outcome.composed, outcome.left
    assert broken("c:2") == []
    assert compose.check(pages_of(outcome.html), outcome.composed) == []


LONG_CHAPTER = """\
title: One
sections:
  - title: First Section
    blocks:
      - {0}
      - {1}
"""


def test_a_build_composes_when_report_yaml_asks_and_not_with_no_compose(tmp_path) -> None:
    from .conftest import MINIMAL_REPORT, run_cli, write_report

    rng = random.Random(21)
    chapter = LONG_CHAPTER.format(" ".join(rng.choice(PROSE) for _ in range(90)),
                                  " ".join(rng.choice(PROSE) for _ in range(70)))
    folder = write_report(tmp_path / "r", MINIMAL_REPORT + "compose: true\n", {"10-one.yaml": chapter})
    html = tmp_path / "out.html"
    run = run_cli("--content", folder, "-o", tmp_path / "out.pdf", "--html", html)
    assert run.code == 0, run.err
    assert html.read_text(encoding="utf-8").count('class="composed"') == 2
    run = run_cli("--content", folder, "-o", tmp_path / "out.pdf", "--html", html, "--no-compose")
    assert run.code == 0, run.err
    assert 'class="composed"' not in html.read_text(encoding="utf-8")


def test_a_report_dense_with_notes_composes_with_every_call_whole_in_its_line(tmp_path) -> None:
    """Seed 5 puts a two-digit call at the end of a line set with a negative word spacing: the
    engine broke the call between its digits until the call was made unbreakable."""
    from .conftest import run_cli
    from .test_blocks_pdf import footnote_report

    footnote_report(tmp_path / "c", 5)
    yaml = tmp_path / "c" / "report.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "compose: true\n", encoding="utf-8")
    html = tmp_path / "notes.html"
    run = run_cli("--content", tmp_path / "c", "-o", tmp_path / "notes.pdf", "--html", html)
    assert run.code == 0, run.err
    assert html.read_text(encoding="utf-8").count('class="composed"') > 20


def test_a_composed_word_hyphenated_across_pages_is_mended_by_the_preflight() -> None:
    """The preflight keeps the word whole (its mend wraps it in an element that says hyphens: manual);
    the composer, running after the mends, then breaks the paragraph without hyphenating it."""
    from folio import preflight

    from .test_preflight import lay, page, prose

    rules = TYPOGRAPHY[TYPOGRAPHY.index("/* A paragraph the composer"):]
    html = page(f'<p data-src="a">{prose(144)}</p><p data-src="b">{prose(120, 7)}</p>',
                "p { hyphenate-limit-zone: 0 }" + rules + (STYLES_DIR / "preflight.css").read_text(encoding="utf-8"))
    composer = compose.Composer(lambda galley: lay(galley).document.pages, typeset.text_width)
    defects, _ = preflight.inspect(lay(composer(html).html).document)
    broken = [d for d in defects if d.kind == "hyphen-break"]
    assert [(d.page, d.key) for d in broken] == [(2, "b")], "the example no longer breaks a word: resize it"
    laid, report = preflight.run(lay, lambda mends: composer(preflight.apply_mends(html, mends)).html,
                                 preflight.Options())
    assert "hyphen-break" not in [d.kind for d in report.remaining]
    assert report.mends["b"].startswith("no hyphen in 'national'")
    assert set(composer.last.composed) == {"a", "b"}
    assert compose.check(laid.document.pages, composer.last.composed) == []


def test_a_widow_in_a_composed_paragraph_is_mended_by_setting_it_a_line_longer() -> None:
    """The preflight's first tool for a widow is the composer's looseness: the paragraph's lines
    break a little differently, its spaces stay even, and the page holds one line fewer of it."""
    from folio import preflight

    from .test_preflight import lay, page, prose

    rules = TYPOGRAPHY[TYPOGRAPHY.index("/* A paragraph the composer"):]
    html = page(f'<p data-src="a">{prose(150)}</p><p data-src="b">{prose(90, 7)}</p>',
                "p { widows: 1; orphans: 1 }" + rules + (STYLES_DIR / "preflight.css").read_text(encoding="utf-8"))
    composer = compose.Composer(lambda galley: lay(galley).document.pages, typeset.text_width)
    defects, _ = preflight.inspect(lay(composer(html).html).document)
    assert [(d.kind, d.page, d.key, d.composed) for d in defects] == [("widow", 2, "a", True)], \
        "the example no longer makes a widow: resize it"
    lines = len(composer.last.composed["a"].lines)
    laid, report = preflight.run(lay, lambda mends: composer(preflight.apply_mends(html, mends)).html,
                                 preflight.Options())
    assert report.remaining == []
    assert report.mends["a"] == "a line more"
    assert len(composer.last.composed["a"].lines) == lines + 1
    assert max(composer.last.composed["a"].ratios) <= 3.0
    assert compose.check(laid.document.pages, composer.last.composed) == []
