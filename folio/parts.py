"""A report's HTML cut into parts that can be laid out on their own (see chunks.py).

Chapters open on a new page and the body's folios restart at 1 on a right-hand
page (styles/components.css, page.css), so a group of whole chapters lays out
the same pages alone as in the whole report, given two things the whole
report would have told it: the folio of its first page (and so its side) and the
number of footnotes called before it. (The running head's report title is set again
by each chapter's heading, so a part needs nothing from the cover.) The front matter (cover,
contents, lists) is a part of its own, laid out once the body's folios are known,
with the folios of its entries written in instead of `target-counter`.

A link to an anchor in another part would be dropped by the engine (it knows
only its own part), so it is written `folio-join:<id>`, an external link that
join.py turns back into an internal one in the joined PDF.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

JOIN_SCHEME = "folio-join:"

_CHAPTER = re.compile(r'^<section class="chapter[" ]', re.M)
_MAIN_OPEN = '<main class="body">'
_MAIN_CLOSE = "</main>"
_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'(<a\b[^>]*?\shref=")#([^"]+)(")')
_XREF_PAGE = re.compile(r'<span class="xref-page" data-target="#([^"]+)"></span>')
_NOTE = re.compile(r'<span class="footnote"[ >]')


@dataclass(frozen=True)
class Cut:
    """The report's HTML in pieces; head + front + main + chapters + tail is the whole."""

    head: str  # <!DOCTYPE ...> up to and including <body ...>
    front: str  # the cover, contents and lists, up to <main class="body">
    chapters: tuple[str, ...]  # each chapter's HTML, <section class="chapter ...> to its end
    tail: str  # </main> and what follows

    def ids(self, index: int | None) -> set[str]:
        """The anchors of one chapter, or of the front matter (index None)."""
        return set(_ID.findall(self.front if index is None else self.chapters[index]))


def cut(html: str) -> Cut | None:
    """The report's HTML cut at its chapters, or None when it has not the shape the templates give."""
    body = html.find("<body")
    main = html.find(_MAIN_OPEN)
    end = html.rfind(_MAIN_CLOSE)
    if body < 0 or main < 0 or end < main or html.count(_MAIN_OPEN) != 1:
        return None
    body_end = html.index(">", body) + 1
    inside = html[main + len(_MAIN_OPEN):end]
    starts = [m.start() for m in _CHAPTER.finditer(inside)]
    if not starts or inside[: starts[0]].strip():
        return None
    starts[0] = 0  # the space before the first chapter goes with it
    chapters = tuple(inside[a:b] for a, b in zip(starts, [*starts[1:], len(inside)], strict=True))
    return Cut(html[:body_end], html[body_end:main], chapters, html[end:])


def groups(pieces: tuple[str, ...], count: int, joined: frozenset[int] = frozenset()) -> list[range]:
    """Consecutive pieces in `count` groups of about equal length (a piece is never split).

    `joined`: pieces that stay in one group with the piece after them (a chapter whose notes
    run on into the next chapter's first page: see chunks.py).
    """
    units: list[range] = []  # pieces that must stay together
    start = 0
    for index in range(len(pieces)):
        if index not in joined or index == len(pieces) - 1:
            units.append(range(start, index + 1))
            start = index + 1
    count = max(1, min(count, len(units)))
    ends = [0]
    for unit in units:
        ends.append(ends[-1] + sum(len(pieces[i]) for i in unit))
    cuts = [0]
    for k in range(1, count):  # each cut where the length so far is nearest k/count of the whole
        wanted = ends[-1] * k / count
        last = len(units) - (count - k)  # leave a unit for each group still to come
        cuts.append(min(range(cuts[-1] + 1, last + 1), key=lambda b: abs(ends[b] - wanted)))
    cuts.append(len(units))
    return [range(units[a].start, units[b - 1].stop) for a, b in itertools.pairwise(cuts)]


def notes_in(html: str) -> int:
    """Numbered footnotes in this HTML (a cut note's continuations take no number)."""
    return len(_NOTE.findall(html))


FIRST_FOLIO = "<!--folio: first folio-->"
# The page numbers of anchors in other parts, written in: the same boxes as target-counter makes
_KNOWN = (".toc a[data-folio]::after { content: leader(\". \") attr(data-folio); }\n"
          ".xref-page[data-folio]::before { content: attr(data-folio); }\n")


# Ends every part but the last: an empty chapter, on a page of its own that is dropped, so that
# the part's pages end where the next chapter's would start, a blank page for a chapter opening
# on a right-hand page included (chapter_start: right).
NEXT_CHAPTER = '<section class="chapter"></section>\n'


def body_part(c: Cut, chapters: range, notes_before: int, folios: dict[str, str]) -> str:
    """The HTML of a group of chapters laid out on its own; `with_first_folio` sets where it starts.

    `folios` gives the folio of anchors outside the group, for cross-references' page
    numbers; one not known yet is written as "0" (the part is laid out again once it is).
    Every part but the last ends with NEXT_CHAPTER, whose page is dropped.
    """
    own: set[str] = set()
    for index in chapters:
        own |= c.ids(index)
    text = _outward("".join(c.chapters[index] for index in chapters), own, folios)
    # No string-set for the running head here: every chapter heading sets report-title itself
    # (typography.css), and one on .body would be set again on each of its pages, which
    # string(report-title, first-except) would read as a chapter opening on every page.
    style = (f"<style>\n.body {{ break-before: auto; counter-reset: footnote {notes_before}; }}\n"
             f"{_KNOWN}</style>\n{FIRST_FOLIO}")
    head = c.head.replace("</head>", style + "</head>", 1)
    after = NEXT_CHAPTER if chapters.stop < len(c.chapters) else ""
    return f"{head}{_MAIN_OPEN}{text}{after}{c.tail}"


def with_first_folio(html: str, folio: int) -> str:
    """A body part's HTML set to open on page `folio`, on the side that folio falls on."""
    side = "right" if folio % 2 else "left"
    return html.replace(FIRST_FOLIO, f"<style>html {{ break-before: {side}; }}\n"
                                     f"@page body:nth(1 of body) {{ counter-reset: page {folio}; }}</style>", 1)


def front_part(c: Cut, folios: dict[str, str]) -> str:
    """The front matter alone, its entries' folios written in; an empty body follows it so
    that the engine adds the blank page the body's right-hand start needs (its own page is
    dropped: see chunks.py)."""
    text = _outward(c.front, c.ids(None), folios)
    style = f"<style>\n{_KNOWN}</style>\n"
    head = c.head.replace("</head>", style + "</head>", 1)
    return f"{head}{text}{_MAIN_OPEN}{c.tail}"


def front_targets(c: Cut) -> set[str]:
    """The anchors the front matter links to outside itself (the contents' entries)."""
    return {m.group(2) for m in _HREF.finditer(c.front)} - c.ids(None)


def chapter_id(chapter: str) -> str | None:
    found = _ID.search(chapter[: chapter.find(">") + 1])
    return found.group(1) if found else None


_OUT_LINK = re.compile(r'(href="' + JOIN_SCHEME + r'([^"]+)" data-folio=")([^"]*)(")')
_OUT_PAGE = re.compile(r'(<span class="xref-page" data-id="([^"]+)" data-folio=")([^"]*)(")')


def _outward(text: str, own: set[str], folios: dict[str, str]) -> str:
    """Links and page numbers that point outside this part, written so that it lays out alone."""

    def link(m: re.Match[str]) -> str:
        target = m.group(2)
        if target in own:
            return m.group(0)
        return f'{m.group(1)}{JOIN_SCHEME}{target}{m.group(3)} data-folio="{folios.get(target, "0")}"'

    def page(m: re.Match[str]) -> str:
        target = m.group(1)
        if target in own:
            return m.group(0)
        return f'<span class="xref-page" data-id="{target}" data-folio="{folios.get(target, "0")}"></span>'

    return _XREF_PAGE.sub(page, _HREF.sub(link, text))


def folios_used(html: str) -> dict[str, str]:
    """The folios of outside anchors written into a part's HTML."""
    used = {m.group(2): m.group(3) for m in _OUT_LINK.finditer(html)}
    used.update({m.group(2): m.group(3) for m in _OUT_PAGE.finditer(html)})
    return used


def with_folios(html: str, folios: dict[str, str]) -> str:
    """A part's HTML with the folios of outside anchors it names written anew."""

    def fill(m: re.Match[str]) -> str:
        return f"{m.group(1)}{folios.get(m.group(2), m.group(3))}{m.group(4)}"

    return _OUT_PAGE.sub(fill, _OUT_LINK.sub(fill, html))

