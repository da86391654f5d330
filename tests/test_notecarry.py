"""A note carried to the next page is set there once, however often the engine lays pages out again."""

from __future__ import annotations

import pytest
from weasyprint import layout

from folio import preflight

from .test_preflight import NOTE_CSS, _lay_unchecked, page, prose

# the links' page number is known only once the last page is laid out: the engine then lays out again
# the pages that ask for it, and keeps the page between them (the note's) as it was
REF = '<a class="ref" href="#end"></a>'
CSS = NOTE_CSS + """
.footnote { footnote-policy: auto }
a.ref::after { content: " (page " target-counter(attr(href), page) ")" }"""


def _pages_of_note(html: str) -> list[int]:
    pages = preflight.read_pages(_lay_unchecked(html).document)
    return [part.page for part in pages.parts["c.n"]]


def test_a_note_carried_over_is_set_on_one_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # the note does not fit under its call at the foot of page 1: the engine carries it to page 2
    html = page(f'<p data-src="a">{REF} {prose(110)}<span class="footnote-anchor" id="call-c.n"></span>'
                f'<span class="footnote" id="note-c.n">{prose(60, 3)}</span> {prose(20, 9)}</p>'
                f'<p data-src="b">{prose(150, 5)} {REF} {prose(200, 2)}</p><p id="end">{prose(10)}</p>', CSS)
    fixed = layout.make_all_pages
    monkeypatch.setattr(layout, "make_all_pages", fixed.engines)
    engines = _pages_of_note(html)
    assert len(engines) > 1 and engines[0] == 2, "the engine no longer sets the note twice: resize the text"
    monkeypatch.setattr(layout, "make_all_pages", fixed)
    assert _pages_of_note(html) == [2]
