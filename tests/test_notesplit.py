"""Cutting a footnote's HTML into parts (folio/notesplit.py): a tree split, never a string split."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from folio.notesplit import RUNOVER, STYLESHEET, apply_splits, split_html, with_runover, words


class _Balance(HTMLParser):
    """Fails on an end tag that closes nothing, and remembers what is left open."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes nothing"
        self.open.pop()


def balanced(fragment: str) -> bool:
    parser = _Balance()
    parser.feed(fragment)
    parser.close()
    return not parser.open


def text(fragment: str) -> str:
    return re.sub(r"<[^>]*>", "", fragment)


def test_a_cut_closes_and_reopens_the_elements_open_across_it() -> None:
    body = 'See <a href="https://example.org">the <strong>full</strong> report of <em>the mission</em></a>, p. 4.'
    assert split_html(body, (5,)) == [
        'See <a href="https://example.org">the <strong>full</strong> report of</a>',
        '<a href="https://example.org"><em>the mission</em></a>, p. 4.',
    ]
    assert split_html(body, (6,)) == [
        'See <a href="https://example.org">the <strong>full</strong> report of <em>the</em></a>',
        '<a href="https://example.org"><em>mission</em></a>, p. 4.',
    ]


@pytest.mark.parametrize("cuts", [(1,), (3,), (1, 2), (2, 5, 7), (8,)])
def test_every_part_is_balanced_and_the_words_come_through_once_in_order(cuts: tuple[int, ...]) -> None:
    body = ('One <em>two <strong>three</strong> four</em> five <a href="mailto:x@example.org">six '
            'seven</a> <span class="nobreak">eight\u00a0nine</span> ten')
    parts = split_html(body, cuts)
    assert len(parts) == len(cuts) + 1
    assert all(balanced(p) for p in parts)
    assert [w for p in parts for w in words(text(p))] == words(text(body))
    counts = [len(words(text(p))) for p in parts]
    assert [sum(counts[:i + 1]) for i in range(len(cuts))] == list(cuts)


def test_a_word_is_never_cut_inside_or_across_its_markup() -> None:
    # 'ex<em>am</em>ple' is one word; a non-breaking space joins two words into one, as in the layout
    parts = split_html("An ex<em>am</em>ple of\u00a0it here", (2,))
    assert parts == ["An ex<em>am</em>ple", "of\u00a0it here"]
    assert split_html("An ex<em>am</em>ple of\u00a0it here", (3,)) == ["An ex<em>am</em>ple of\u00a0it", "here"]


def test_an_element_opened_at_the_cut_goes_whole_to_the_next_part() -> None:
    assert split_html("one two <em>three</em>", (2,)) == ["one two", "<em>three</em>"]
    # an empty element the note itself holds (a cross-reference's page number) is kept where it is
    assert split_html('page <span class="xref-page" data-target="#a"></span> of it', (1,)) == [
        'page <span class="xref-page" data-target="#a"></span>', "of it"]


def test_a_note_paragraph_cut_inside_goes_on_unindented_and_one_cut_before_starts_whole() -> None:
    # resolve.py's note of several paragraphs: each but the last ends in a space inside it
    body = 'one two <span class="note-para">three four five </span><span class="note-para">six seven</span>'
    assert split_html(body, (3,)) == [
        'one two <span class="note-para">three</span>',
        '<span class="note-para note-para-cont">four five </span><span class="note-para">six seven</span>']
    assert split_html(body, (5,)) == [  # a cut at a paragraph's start: the paragraph moves whole
        'one two <span class="note-para">three four five </span>', '<span class="note-para">six seven</span>']
    assert [w for p in split_html(body, (2, 5)) for w in words(text(p))] == words(text(body))


def test_apply_splits_writes_continuations_without_call_or_number() -> None:
    html = ('<head></head><p>Text.<span class="footnote-anchor" id="call-one.n"></span>'
            '<span class="footnote" id="note-one.n">a <em id="x">b c</em> d e</span> more.</p>')
    out = apply_splits(html, {"one.n": (2, 4)})
    assert out == ('<head><link rel="stylesheet" href="styles/notesplit.css">\n</head>'
                   '<p>Text.<span class="footnote-anchor" id="call-one.n"></span>'
                   '<span class="footnote" id="note-one.n" data-parts="3">a <em id="x">b</em></span>'
                   '<span class="footnote footnote-cont" id="note-one.n~2"><em>c</em> d</span>'
                   '<span class="footnote footnote-cont" id="note-one.n~3">e</span> more.</p>')
    assert apply_splits(html, {"one.n": ()}) == html
    assert apply_splits(html, {}) == html


def test_a_continuation_is_called_after_the_notes_called_later_on_its_page() -> None:
    """Those notes are set on the call's page, before the continuation heads the next page's notes."""
    html = ('<head></head><p>A.<span class="footnote" id="note-one.a">w1 w2 w3</span> B.'
            '<span class="footnote" id="note-one.b">v1 v2</span> C.</p>')
    out = apply_splits(html, {"one.a": (1, 2), "one.b": (1,)}, {"one.a": ("one.b", "")})
    assert re.sub(r"<head>.*</head>", "", out, flags=re.S) == (
        '<p>A.<span class="footnote" id="note-one.a" data-parts="3">w1</span> B.'
        '<span class="footnote" id="note-one.b" data-parts="2">v1</span>'
        '<span class="footnote footnote-cont" id="note-one.a~2">w2</span>'
        '<span class="footnote footnote-cont" id="note-one.a~3">w3</span>'
        '<span class="footnote footnote-cont" id="note-one.b~2">v2</span> C.</p>')


def test_runover_pages_go_after_the_text_with_the_stylesheet() -> None:
    html = "<head></head><body><main><p>x</p></main></body>"
    assert with_runover(html, 0) == html
    out = with_runover(html, 2)
    assert out.endswith(f"<p>x</p>{RUNOVER}{RUNOVER}</main></body>") and STYLESHEET in out


def test_khmer_is_cut_between_its_words_at_the_zero_width_spaces() -> None:
    """Khmer is written without spaces; segment.py puts U+200B between its words, where the line
    breaker may break, and so may a cut."""
    zw = "\u200b"
    body = f'<span lang="km">មនុស្ស{zw}ទាំងអស់{zw}កើត{zw}មក{zw}មាន{zw}សេរីភាព</span>'
    first, rest = split_html(body, (3,))
    assert words(re.sub(r"<[^>]*>", "", body)) == ["មនុស្ស", "ទាំងអស់", "កើត", "មក", "មាន", "សេរីភាព"]
    assert first == f'<span lang="km">មនុស្ស{zw}ទាំងអស់{zw}កើត{zw}</span>'
    assert rest == f'<span lang="km">មក{zw}មាន{zw}សេរីភាព</span>'
