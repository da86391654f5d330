"""Galleys: a few blocks laid out alone, with the same lines as in the whole report."""

from __future__ import annotations

from folio import galley, preflight

from .test_preflight import lay, page, prose

REPORT = """<!DOCTYPE html><html lang="en"><head><title>t</title></head><body class="final">
<section class="chapter" id="one"><h1 data-src="c:1" id="h">One</h1>
<section class="section" id="s1">
<p data-src="c:2">First.</p>
<p data-src="c:3" style="hyphenate-limit-zone: 9%">Second <em>with</em> emphasis.<br>And a break.</p>
<p data-src="c:4">Calls a note<span class="footnote-anchor" id="call-x"></span>\
<span class="footnote" id="note-x">Note.</span>.</p>
<p data-src="c:5">See <a class="xref" href="#s1">Section 1</a>.</p>
</section></section></body></html>"""


def test_a_galley_holds_the_blocks_asked_for_in_their_surroundings() -> None:
    cut = galley.extract(REPORT, {"c:3"})
    assert cut.keys == ["c:3"]
    body = cut.html.split("</head>", 1)[1]
    assert body.startswith('<body class="final">')
    # the elements around it, without their ids; the paragraph before it, hidden (p + p indents)
    assert ('<section class="chapter"><section class="section"><p style="display: none"></p>'
            '<p data-src="c:3" style="hyphenate-limit-zone: 9%">Second <em>with</em> emphasis.<br>And a break.</p>'
            "</section></section>") in body
    assert 'id="' not in body and "First." not in body and "One" not in body
    assert "break-before: auto !important" in cut.html  # no page per chapter


def test_blocks_whose_lines_depend_on_the_rest_of_the_report_stay_out() -> None:
    cut = galley.extract(REPORT, {"c:2", "c:4", "c:5"})
    assert cut.keys == ["c:2"]  # a note's number and a page number come from elsewhere
    assert galley.extract(REPORT, {"c:4"}).html == ""
    assert galley.extract(REPORT, set()).html == ""


def _lines(html: str, key: str) -> list[str]:
    return [ln.text for ln in preflight.read_pages(lay(html).document).lines if ln.key == key]


def test_a_paragraph_alone_on_a_galley_breaks_its_lines_as_on_the_page() -> None:
    html = page(f'<p data-src="a">{prose(150)}</p><p data-src="b">{prose(120, 5)}</p>'
                f'<p data-src="c" style="hyphenate-limit-zone: 4%">{prose(90, 9)}</p>',
                "p + p { text-indent: 1.5em }")
    cut = galley.extract(html, {"b", "c"})
    assert cut.keys == ["b", "c"]
    for key in ("b", "c"):  # b runs over a page break on the page; the galley has no breaks
        assert _lines(cut.html, key) == _lines(html, key)


def test_loose_lines_are_mended_on_galleys_and_the_whole_laid_out_to_check() -> None:
    html = page(f'<p data-src="l">{prose(120)}</p><p data-src="m">{prose(20, 3)}</p>',
                "p { hyphenate-limit-zone: 30% }")
    _, report = preflight.run(lay, lambda mends: preflight.apply_mends(html, mends), preflight.Options())
    assert report.galleys >= 1
    assert report.remaining == [] and len(report.passes) == 2  # the engine's layout, then the mended one
    assert "galley(s)" in report.summary()
