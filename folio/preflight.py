"""Preflight: inspect the laid-out pages for what the engine gets wrong, mend, lay out again.

WeasyPrint breaks lines first-fit and knows nothing of a word hyphenated across
a page, a run of hyphens or a note left a page after its call. This step reads
the engine's own page and line boxes (never the PDF text), finds such defects,
and mends each one locally through its block's `data-src` key (every block the
templates write carries one: `<chapter file>:<line>`): a class or a few inline
declarations on that one element, the HTML laid out again, the pages inspected
again, for a bounded number of passes. The same input always takes the same
passes and gives the same pages. What it cannot mend is reported against the
content file and line the block came from.

`run(layout_fn, html_fn, options)` is the whole interface: the pipeline hands in
how to make the HTML for a set of mends and how to lay it out.
"""

from __future__ import annotations

import copy
import html as html_lib
import itertools
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import notesplit
from .errors import Position, Problem

# -- limits: what counts as a defect, what a mend may change -------------------

MAX_PASSES = 6  # layouts after the first; each mends what the one before showed
TOLERANCE_PX = 0.75  # a glyph may pass the text block's edge by this much (about half a point)
LOOSE_EM = 0.40  # a line is loose when justification adds more than this per word space (2.7x a space)
LOOSE_OVER_NORM_EM = 0.30  # ...or this much more than the median of its paragraph's lines
MAX_RUN = 2  # hyphenated line ends allowed in a row
# word-spacing steps tried in turn: tighten first (it pulls a line back), then loosen
SPACING_STEPS = ("-0.02em", "0.02em", "-0.035em", "0.035em")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# how bad each defect is, to choose the best of the layouts made: a loose line is the mildest
# defects inside one block's lines: a mend for them is judged on a galley of its block (galley.py)
LOCAL = frozenset({"loose", "hyphen-run", "hyphenated-heading", "runt"})
MAX_GALLEYS = 6  # galley rounds between two layouts of the whole report
WEIGHTS = {"loose": 1, "runt": 2, "hyphen-run": 3, "hyphenated-heading": 3,  # every other kind: 10
           # a note away from its call, lost or clipped fails the build (footnote_fix.check_notes): any
           # layout without one is better than every layout with one
           "footnote-away": 1000, "footnote-lost": 1000, "footnote-tall": 1000}

KINDS = {  # kind -> how it reads in a report
    "hyphen-break": "word hyphenated across a break",
    "widow": "widow",
    "orphan": "orphan",
    "stranded-heading": "heading last on the page",
    "stranded-caption": "caption apart from its figure",
    "overfull": "line past the text block",
    "footnote-away": "footnote on another page than its call",
    "footnote-pushed": "long footnote took its call to the next page",
    "footnote-tall": "footnote past the foot of the page",
    "footnote-lost": "part of a footnote on no page",
    "footnote-joined": "footnote cut, its parts on one page",
    "empty-page": "empty page at the end",
    "hyphen-run": "more than two hyphenated line ends in a row",
    "hyphenated-heading": "hyphenated word in a heading",
    "runt": "a paragraph's last line only the end of a hyphenated word",
    "loose": "loose line",
}


@dataclass(frozen=True)
class Defect:
    kind: str
    page: int  # 1-based, as a PDF viewer counts
    key: str  # the data-src of the block it is in ("" when none)
    text: str  # a snippet of the lines involved
    detail: str = ""
    free: float = 0.0  # a loose line: the share of its width justification had to fill
    word: tuple[str, int] = ("", 0)  # a hyphenated word, and which occurrence in its block (1: the first)
    zone: float = 0.0  # a loose line: its block's hyphenate-limit-zone, in % of the line
    lines_after: int = 0  # a word broken across a break: the block's lines after it, when it ends there
    note: str = ""  # a footnote's defect: the note's id ('<chapter>.<note>'), which a split may mend

    @property
    def ident(self) -> tuple[str, str, str]:
        """The same defect in another layout, where pages may have moved."""
        return (self.kind, self.key, self.text)

    def describe(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{KINDS[self.kind]}: \"{self.text}\"{extra}"


@dataclass
class Mend:
    """What is done to one element: flags set in turn, and a word-spacing step."""

    no_hyphens: bool = False
    break_before: bool = False
    keep_whole: bool = False
    footnote_line: bool = False
    keep_lines: bool = False
    zone: float = 0.0  # hyphenate-limit-zone for this block, in %: below a loose line's free space
    spacing: int = 0  # index into SPACING_STEPS, plus one; 0: untouched
    words: tuple[tuple[str, int], ...] = ()  # words not to hyphenate: (word, occurrence in the block)
    widows: int = 0  # lines the block must carry over a break: moves a hyphenated last line over
    alt_widows: int = 0  # the widows that would move the line whose word is kept instead
    laid_out: bool = False  # this mend has been laid out (a trade answers what that layout showed)
    tried: dict[str, int] = field(default_factory=dict)  # defect kind -> mends tried for it

    def classes(self) -> list[str]:
        names = [("mend-no-hyphens", self.no_hyphens), ("mend-break-before", self.break_before),
                 ("mend-keep", self.keep_whole), ("mend-footnote-line", self.footnote_line),
                 ("mend-keep-lines", self.keep_lines)]
        return [n for n, on in names if on]

    def style(self) -> str:
        rules = [f"word-spacing: {SPACING_STEPS[self.spacing - 1]}"] if self.spacing else []
        if self.zone:
            rules.append(f"hyphenate-limit-zone: {self.zone:g}%")
        if self.widows:
            rules.append(f"widows: {self.widows}")
        return "; ".join(rules)

    def label(self) -> str:
        parts = [f"no hyphen in '{w}'" for w, _ in self.words]
        parts += self.classes() + ([self.style()] if self.style() else [])
        return ", ".join(parts) or "nothing"

    def state(self) -> tuple:
        return (self.no_hyphens, self.break_before, self.keep_whole, self.footnote_line, self.keep_lines,
                self.zone, self.spacing, self.words, self.widows)


# what to try for each kind of defect, in order; each step changes the Mend or is skipped
Step = Callable[[Mend, Defect], bool]


def _set(flag: str) -> Step:
    def step(m: Mend, d: Defect) -> bool:
        if getattr(m, flag):
            return False
        setattr(m, flag, True)
        return True
    return step


def _spacing(index: int) -> Step:
    def step(m: Mend, d: Defect) -> bool:
        if m.spacing == index:
            return False
        m.spacing = index
        return True
    return step


def _zone(m: Mend, d: Defect) -> bool:
    """Let the engine try to hyphenate lines as loose as this one, and only those: first-fit
    tries a hyphen only where the free space passes hyphenate-limit-zone."""
    zone = max(1.0, int(d.free * 200 - 1) / 2)  # half a percent under the line's free space
    current = m.zone or d.zone
    if m.no_hyphens or current <= 1.0:
        return False
    if zone >= current:  # the line is still loose under the zone set before: go a step lower
        zone = max(1.0, current - 1.5)
    m.zone = zone
    return True


def _keep_word(m: Mend, d: Defect) -> bool:
    """Forbid the hyphen in this one word: the line before the break changes, little else."""
    if not d.word[0] or d.word in m.words or (m.no_hyphens and "-" not in d.word[0]):
        return False
    m.words = (*m.words, d.word)
    m.alt_widows = d.lines_after + 1 if d.lines_after else 0
    m.laid_out = False
    return True


def _move_line(m: Mend, d: Defect) -> bool:
    """Carry the hyphenated line over the break with the rest of its paragraph: a page one
    line short, the lines themselves unchanged."""
    if not d.lines_after or m.widows == d.lines_after + 1:
        return False
    m.widows = d.lines_after + 1
    return True


def _trade(m: Mend, d: Defect) -> bool:
    """A loose line made by keeping a word whole: let the word hyphenate again and carry its
    line over the break instead."""
    if not m.words or not m.alt_widows or not m.laid_out:
        return False
    m.words, m.widows, m.alt_widows = (), m.alt_widows, 0
    return True


_SPACINGS = [_spacing(i) for i in range(1, len(SPACING_STEPS) + 1)]
LADDERS: dict[str, list[Step]] = {
    "hyphen-break": [_keep_word, _move_line, *_SPACINGS, _set("no_hyphens")],
    "widow": [_set("keep_lines"), *_SPACINGS[:2], _set("keep_whole"), *_SPACINGS[2:]],
    "orphan": [_set("keep_lines"), *_SPACINGS[:2], _set("keep_whole"), *_SPACINGS[2:]],
    "stranded-heading": [_set("break_before")],
    "stranded-caption": [_set("keep_whole")],
    "overfull": [],  # nothing local mends a line that does not fit: reported
    "footnote-away": [_set("footnote_line"), *_SPACINGS],
    "footnote-pushed": [],  # mended by cutting the note (plan_cuts), nothing else
    "footnote-tall": [],
    "footnote-lost": [],  # mended by a page after the text for the note's rest (notesplit.with_runover)
    "footnote-joined": [],  # mended by cutting the note anew, or not at all
    "empty-page": [],  # mended by one page fewer after the text (run)
    "hyphen-run": [_keep_word, *_SPACINGS[:2], _set("no_hyphens")],
    "hyphenated-heading": [_keep_word, _set("no_hyphens")],
    "runt": [_keep_word, *_SPACINGS],
    "loose": [_SPACINGS[0], _zone, _trade, _zone, *_SPACINGS[1:]],
}


# -- reading the pages -----------------------------------------------------------


@dataclass(eq=False)
class Line:
    """One line (or one atomic block: a table row, an image) of a page's flow."""

    page: int
    key: str
    element: Any  # the HTML element of the block the line belongs to
    tag: str
    classes: str
    top: float
    bottom: float
    left: float = 0.0
    text: str = ""
    hyphen: str = ""  # "auto": the engine hyphenated; "explicit": broken at the word's own hyphen
    spacing_em: float = 0.0  # justification added to each word space, in em
    free: float = 0.0  # the share of the line's width that justification filled
    zone: float = 0.0  # hyphenate-limit-zone, in % of the line's width
    hyphenates: bool = False  # justified running text: counts toward the hyphenation figures
    atomic: bool = False

    @property
    def heading(self) -> bool:
        return self.tag in HEADINGS or "subheading" in self.classes.split()

    @property
    def caption(self) -> bool:
        return self.tag in ("figcaption", "caption") or "caption" in self.classes.split()


@dataclass
class Pages:
    lines: list[Line]  # the flow of every page, in order
    calls: dict[int, tuple[int, str, str]]  # id(note element) -> (page of its call, key, text)
    notes: dict[int, int]  # id(note element) -> page its body is on
    defects: list[Defect]  # found while reading: overfull, notes over text
    frames: dict[int, Frame] = field(default_factory=dict)  # page -> its text block and note area
    parts: dict[str, list[NotePart]] = field(default_factory=dict)  # note id -> its parts, in order
    call_at: dict[str, tuple[int, float, str, str]] = field(default_factory=dict)  # note id -> (page, bottom of
    # its call's line, key, text)
    expected: dict[str, int] = field(default_factory=dict)  # note id -> the parts it was cut into
    words: dict[str, int] = field(default_factory=dict)  # note id -> its words, all parts, from their calls
    order: dict[str, int] = field(default_factory=dict)  # note id -> its call's place among the calls


@dataclass
class Frame:
    """One page's text block and footnote area, in px from the page's top edge."""

    top: float
    bottom: float  # the text block's foot, notes included
    flow_bottom: float = 0.0  # the last line of the running text
    notes: float = 0.0  # the height of the notes set here
    overhead: float = 0.0  # the area's margin, rule and padding (0: no notes here)
    max_notes: float = 0.0  # the area's max-height
    forced: bool = False  # the running text starts here after a forced break (a new chapter, say)


@dataclass
class NotePart:
    """A footnote (part 1) or one of its continuations, as set at a page foot."""

    note: str
    part: int  # 1: the note at its call; 2...: continuations
    page: int
    top: float
    bottom: float
    lines: list[tuple[str, float]]  # each line's own text (no marker) and height
    text: str  # the part's words, from its element


def read_pages(document: Any) -> Pages:
    from .typeset import boxes

    out = Pages([], {}, {}, [])
    last_chain: list[Any] = []  # the boxes ending the page before
    for number, page in enumerate(document.pages, 1):
        box = page._page_box
        trim = (0.0, 0.0, box.margin_width(), box.margin_height())
        text_right = box.content_box_x() + box.width
        flow_bottom = 0.0
        frame = out.frames[number] = Frame(box.content_box_y(), box.content_box_y() + box.height)
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                _check_trim(child, trim, number, out, boxes)
            elif isinstance(child, boxes.FootnoteAreaBox):
                frame.notes, frame.max_notes = child.height, child.max_height
                frame.overhead = child.margin_height() - child.height if child.children else 0.0
                for note in child.children:
                    if not _note_part(note, number, out, boxes):  # a note resolve.py did not write
                        out.notes[id(note.element)] = number
                if child.children and flow_bottom > child.position_y + TOLERANCE_PX:
                    out.defects.append(Defect("overfull", number, "", _snippet(_text(child)),
                                              "the footnotes are drawn over the text"))
                _check_trim(child, trim, number, out, boxes)
            else:
                before = len(out.lines)
                _walk(child, "", number, text_right, trim, out, boxes)
                flow_bottom = max([ln.bottom for ln in out.lines[before:]], default=flow_bottom)
                frame.forced = _forced_start(last_chain, child)
                last_chain = _chain(child, False)
        frame.flow_bottom = flow_bottom
    for parts in out.parts.values():
        parts.sort(key=lambda p: p.part)
    return out


FORCED = ("page", "left", "right", "recto", "verso")


def _chain(root: Any, first: bool) -> list[Any]:
    """The boxes down the first (or last) edge of a page's running text."""
    chain, box = [], root
    while box is not None:
        chain.append(box)
        children = getattr(box, "children", None)
        box = (children[0] if first else children[-1]) if children else None
    return chain


def _forced_start(previous: list[Any], root: Any) -> bool:
    """Does this page's running text begin after a forced break (break-before or -after: page)?

    A box that goes on from the page before (the same element at the end of that page) is a
    fragment of a block begun there: its break-before was taken on an earlier page."""
    first = _chain(root, True)
    before = {id(b.element) for b in previous}
    after = {id(b.element) for b in first}
    return (any(b.style["break_before"] in FORCED and id(b.element) not in before for b in first)
            or any(b.style["break_after"] in FORCED and id(b.element) not in after for b in previous))


def _note_part(note: Any, page: int, out: Pages, boxes: Any) -> bool:
    ident = (note.element.get("id") or "") if note.element is not None else ""
    if not ident.startswith("note-"):
        return False
    base, _, part = ident.removeprefix("note-").partition(notesplit.CONT_SEP)
    if note.element.get("data-parts", "").isdigit():
        out.expected[base] = int(note.element.get("data-parts"))
    lines = [("".join(t.text for t in _own_texts(ln, boxes)), ln.height)
             for ln in note.descendants() if isinstance(ln, boxes.LineBox)]
    out.parts.setdefault(base, []).append(NotePart(
        base, int(part) if part.isdigit() else 1, page, note.position_y, note.position_y + note.margin_height(),
        lines, "".join(note.element.itertext())))
    return True


def _own_texts(box: Any, boxes: Any) -> Iterator[Any]:
    """The text boxes of the element's own text: no marker, no generated content (a page number)."""
    for child in getattr(box, "children", ()):
        if child.element_tag and "::" in child.element_tag:
            continue
        if isinstance(child, boxes.TextBox):
            yield child
        else:
            yield from _own_texts(child, boxes)


def _walk(box: Any, key: str, page: int, right: float, trim: tuple, out: Pages, boxes: Any) -> None:
    element = box.element
    if element is not None and box.element_tag and "::" not in box.element_tag:
        key = element.get("data-src") or key
    if isinstance(box, boxes.LineBox):
        out.lines.append(_line(box, key, page, right, trim, out, boxes))
        return
    if isinstance(box, boxes.TableRowBox | boxes.ReplacedBox):  # atomic here: no lines read inside
        out.lines.append(Line(page, key, element, box.element_tag or "", _cls(element),
                              box.position_y, box.position_y + box.margin_height(), box.position_x, atomic=True))
        if box.position_x + box.margin_width() > right + TOLERANCE_PX:
            out.defects.append(Defect("overfull", page, key, f"<{box.element_tag}>",
                                      f"{(box.position_x + box.margin_width() - right) * 0.75:.1f} pt "
                                      "past the text block"))
        _check_trim(box, trim, page, out, boxes, key)
        return
    if isinstance(box, boxes.BlockContainerBox) and box.width != "auto":
        right = min(right, box.content_box_x() + box.width) if box.children else right
    for child in getattr(box, "children", ()):
        _walk(child, key, page, right, trim, out, boxes)


def _line(box: Any, key: str, page: int, right: float, trim: tuple, out: Pages, boxes: Any) -> Line:
    texts = [d for d in box.descendants() if isinstance(d, boxes.TextBox)]
    for d in box.descendants():
        if d.footnote is not None:
            out.calls[id(d.footnote.element)] = (page, key, _snippet(_join(texts)))
            ident = d.footnote.element.get("id") or ""
            base = ident.removeprefix("note-").partition(notesplit.CONT_SEP)[0]
            if ident.startswith("note-"):
                words = len(notesplit.words("".join(d.footnote.element.itertext())))
                out.words[base] = out.words.get(base, 0) + words
            if ident.startswith("note-") and notesplit.CONT_SEP not in ident:
                out.call_at[base] = (page, box.position_y + box.height, key, _snippet(_join(texts)))
                out.order.setdefault(base, len(out.order))
    parent = box.element
    line = Line(page, key, parent, box.element_tag or "", _cls(parent), box.position_y,
                box.position_y + box.height, box.position_x, text=_join(texts))
    if texts:
        last = texts[-1]
        style = last.style
        line.hyphenates = style["text_align_all"] == "justify"  # running text, hyphenated or not
        if last.text.endswith(style["hyphenate_character"]):
            line.hyphen = "auto"
        elif re.search(r"\w-$", last.text):
            line.hyphen = "explicit"
        spaced = [t.justification_spacing / t.style["font_size"] for t in texts if t.justification_spacing]
        line.spacing_em = max(spaced, default=0.0)
        width = right - box.position_x
        if width > 0:
            line.free = sum(t.justification_spacing * t.text.count(" ") for t in texts) / width
            zone = style["hyphenate_limit_zone"]
            if style["hyphens"] == "auto":  # else no zone makes the engine hyphenate
                line.zone = zone.value if zone.unit == "%" else 100 * zone.value / width
        ink = max(t.position_x + t.width for t in texts)
        if ink > right + TOLERANCE_PX:
            out.defects.append(Defect("overfull", page, key, _snippet(line.text, tail=True),
                                      f"{(ink - right) * 0.75:.1f} pt past the text block"))
            return line  # past the page too, most likely: said once
    _check_trim(box, trim, page, out, boxes, key)
    return line


def _check_trim(box: Any, trim: tuple, page: int, out: Pages, boxes: Any, key: str = "") -> None:
    for d in box.descendants():
        if isinstance(d, boxes.TextBox | boxes.ReplacedBox):
            x, y = d.position_x, d.position_y
            if (x < trim[0] - TOLERANCE_PX or y < trim[1] - TOLERANCE_PX
                    or x + d.width > trim[2] + TOLERANCE_PX or y + d.height > trim[3] + TOLERANCE_PX):
                out.defects.append(Defect("overfull", page, key, _snippet(getattr(d, "text", "(image)")),
                                          "past the edge of the page"))
                return


def _cls(element: Any) -> str:
    return (element.get("class") or "") if element is not None else ""


def _join(texts: list) -> str:
    return "".join(t.text for t in texts)


def _text(box: Any) -> str:
    return " ".join(d.text for d in box.descendants() if hasattr(d, "text") and isinstance(d.text, str))


def _snippet(text: str, n: int = 50, tail: bool = False) -> str:
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    return "..." + text[-(n - 3):] if tail else text[: n - 3] + "..."


# -- finding defects ----------------------------------------------------------------


@dataclass
class Figures:
    """The hyphenation figures of a layout, from its line boxes."""

    pages: int = 0
    lines: int = 0  # line ends where the engine may hyphenate (hyphens: auto)
    hyphenated: int = 0
    longest_run: int = 0
    loose: int = 0

    @property
    def share(self) -> float:
        return self.hyphenated / self.lines if self.lines else 0.0

    def __str__(self) -> str:
        return (f"{self.pages} pages, {self.hyphenated} of {self.lines} line ends hyphenated "
                f"({100 * self.share:.1f}%), longest run {self.longest_run}, {self.loose} loose")


def inspect_pages(document: Any) -> tuple[list[Defect], Figures, Pages]:
    """Every defect of a laid-out document, in page order, its hyphenation figures, and the pages read."""
    pages = read_pages(document)
    lines = pages.lines
    defects = list(pages.defects)
    figures = Figures(pages=len(document.pages))
    # breaks: between two lines of the flow on different pages, or where the flow goes back up (a column)
    for i in range(len(lines) - 1):
        a, b = lines[i], lines[i + 1]
        if a.page == b.page and not (b.top < a.top and b.left > a.left):  # not a new column either
            continue
        defects += _at_break(i, lines)
    # runs of hyphens, hyphenated headings, loose lines
    run = 0
    for index, ln in enumerate(lines):
        if ln.atomic:
            run = 0
            continue
        if ln.heading and ln.hyphen:
            defects.append(Defect("hyphenated-heading", ln.page, ln.key, _snippet(ln.text, tail=True),
                                  word=_broken_word(lines, index)))
        if _runt(lines, index):
            defects.append(Defect("runt", ln.page, ln.key, f"{_snippet(lines[index - 1].text, 40, tail=True)} / "
                                  f"{ln.text.strip()}", word=_broken_word(lines, index - 1)))
        if ln.hyphenates and not ln.heading:
            figures.lines += 1
            figures.hyphenated += bool(ln.hyphen)
        run = run + 1 if ln.hyphen else 0
        figures.longest_run = max(figures.longest_run, run)
        if run == MAX_RUN + 1:
            middle = index - 1  # unhyphenate the middle of the three: both neighbours change least
            defects.append(Defect("hyphen-run", ln.page, ln.key, _snippet(ln.text, tail=True),
                                  f"{MAX_RUN + 1} or more in a row",
                                  word=_broken_word(lines, middle) if lines[middle].hyphen == "auto" else ("", 0)))
    for paragraph in _paragraphs(lines):
        spaced = [ln.spacing_em for ln in paragraph if ln.spacing_em > 0]
        if not spaced:
            continue
        norm = statistics.median(spaced)
        for ln in paragraph:
            if ln.spacing_em > LOOSE_EM or (ln.spacing_em > norm + LOOSE_OVER_NORM_EM and len(spaced) > 2):
                figures.loose += 1
                defects.append(Defect("loose", ln.page, ln.key, _snippet(ln.text),
                                      f"{ln.spacing_em:.2f} em added per space, paragraph's median {norm:.2f}",
                                      free=ln.free, zone=ln.zone))
    for note, page in pages.notes.items():  # notes without an id (not written by resolve.py): cannot be cut
        call = pages.calls.get(note)
        if call is not None and call[0] != page:
            defects.append(Defect("footnote-away", call[0], call[1], call[2], f"its note is on page {page}"))
    defects += _note_defects(pages)
    order = list(KINDS)
    return sorted(defects, key=lambda d: (d.page, order.index(d.kind), d.key)), figures, pages


def inspect(document: Any) -> tuple[list[Defect], Figures]:
    """Every defect of a laid-out document, in page order, and its hyphenation figures."""
    defects, figures, _ = inspect_pages(document)
    return defects, figures


# -- footnotes: where each note and its parts are, and where a long note should be cut --


MIN_PART_LINES = 2  # lines of a note on either side of a cut: a single line is its orphan or widow


def _note_defects(pages: Pages) -> list[Defect]:
    """A note away from its call, a continuation not at the head of the next page, a note past
    the page foot, and a note that took its call to the next page when a part of it would fit."""
    found = []
    for note, (page, _, key, text) in pages.call_at.items():
        if note not in pages.parts:  # the engine drops a note taller than any page foot
            found.append(Defect("footnote-lost", page, key, text, "its note is on no page", note=note))
    for note, parts in pages.parts.items():
        call = pages.call_at.get(note)
        if call is None:
            continue
        page, _, key, text = call
        first = parts[0]
        if first.part != 1 or first.page != page:
            found.append(Defect("footnote-away", page, key, text, f"its note is on page {first.page}", note=note))
            continue
        if len(parts) < pages.expected.get(note, 1):
            found.append(Defect("footnote-lost", parts[-1].page, key, text, f"part {len(parts) + 1} of its note "
                                "is on no page", note=note))
            continue
        for before, part in itertools.pairwise(parts):
            if part.page != before.page + 1 or part.part != before.part + 1:
                # on the same page: legal (check_notes lets it be) but needless; elsewhere: away
                kind = "footnote-joined" if part.page == before.page and part.part == before.part + 1 else \
                    "footnote-away"
                found.append(Defect(kind, page, key, text, f"part {part.part} of its note is on page "
                                    f"{part.page}, part {before.part} on page {before.page}", note=note))
                break
        for part in parts:
            frame = pages.frames[part.page]
            if part.bottom > frame.bottom + TOLERANCE_PX or part.bottom - part.top > frame.max_notes + TOLERANCE_PX:
                found.append(Defect("footnote-tall", part.page, key, text, "the note runs past the page foot",
                                    note=note))
                break
        else:
            first_lines, pushed, _ = _room_for_first_part(pages, note)
            if pushed:
                found.append(Defect("footnote-pushed", page, key, text, f"{first_lines} lines of its note would "
                                    f"fit on page {page - 1}", note=note))
    return found


def _fit(heights: list[float], room: float) -> int:
    """How many of these lines, from the first, fit in this height."""
    used, n = 0.0, 0
    for height in heights:
        if used + height > room + TOLERANCE_PX:
            break
        used, n = used + height, n + 1
    return n


def _others(pages: Pages, note: str, page: int) -> float:
    """The height of the notes on this page that are not parts of this note."""
    frame = pages.frames.get(page)
    own = sum(p.bottom - p.top for p in pages.parts[note] if p.page == page)
    return max(0.0, frame.notes - own) if frame else 0.0


def _room_for_first_part(pages: Pages, note: str) -> tuple[int, bool, int]:
    """How many of the note's lines fit with its call, whether that is on the page before the
    call's (whose text stopped short of the call's line because the whole note did not fit), and
    the page the first part is expected on."""
    parts = pages.parts[note]
    heights = [h for p in parts for _, h in p.lines]
    page, call_bottom = pages.call_at[note][:2]
    frame = pages.frames[page]
    overhead = max((f.overhead for f in pages.frames.values()), default=0.0)
    max_notes = max((f.max_notes for f in pages.frames.values()), default=0.0)
    before = pages.frames.get(page - 1)
    if before is not None and not frame.forced and before.flow_bottom > 0:
        # the notes called after it in the lines that would come back with its call come too
        others = _others(pages, note, page - 1) + _followers(pages, note, page, call_bottom)
        room = min(before.bottom - others - overhead - before.flow_bottom - (call_bottom - frame.top),
                   max_notes - others)
        n = _fit(heights, room)
        if MIN_PART_LINES <= n < len(heights):
            return n, True, page - 1
    others = _others(pages, note, page) + _followers(pages, note, page)
    n = _fit(heights, min(frame.bottom - others - overhead - call_bottom, max_notes - others))
    if n < MIN_PART_LINES:  # no room under the call: it goes to the next page with the note's first part
        return _fit(heights, max_notes), False, page + 1
    return n, False, page


def _followers(pages: Pages, note: str, page: int, upto: float | None = None) -> float:
    """The height of the notes called on this page after this one (down to the line at `upto`)
    but set on another page: they must find room on the page of its first part too."""
    order, total = pages.order.get(note, 0), 0.0
    for other, (at, bottom, _, _) in pages.call_at.items():
        parts = pages.parts.get(other)
        if (other != note and parts and pages.order.get(other, 0) > order and at == page
                and parts[0].page != page and (upto is None or bottom <= upto + TOLERANCE_PX)):
            total += parts[0].bottom - parts[0].top
    return total


def _called_on(pages: Pages, page: int, note: str) -> float:
    """The height of the notes (first parts) called on this page, other than this one."""
    return sum(parts[0].bottom - parts[0].top for other, parts in pages.parts.items()
               if other != note and pages.call_at.get(other, (0,))[0] == page and parts[0].part == 1)


def plan_cuts(pages: Pages, note: str, shrink: int = 0) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
    """Where to cut the note (in words) so that each part fits: the first at its call, each
    continuation at the head of the next page's notes, at most a page foot's max-height each;
    and after which note each continuation is to be called (notesplit.apply_splits): after the
    last note called on the page of the part before it, so that the notes called there come
    before it, as a printed book sets them ("" when none is: right after the part before).
    `shrink` takes lines off the first part (when the room was overestimated). None: the lines
    laid out could not be matched to the note's words (nothing is cut then)."""
    parts = pages.parts[note]
    heights = [h for p in parts for _, h in p.lines]
    total = len(heights)
    if total < 2 * MIN_PART_LINES:
        return (), ()  # too short to cut into two parts of two lines
    first, _, page = _room_for_first_part(pages, note)
    first = max(MIN_PART_LINES, first - shrink)
    max_notes = max((f.max_notes for f in pages.frames.values()), default=0.0)
    slack = max(heights)  # a part cut anew may break into one line more than the lines it is planned from
    cuts, on = [], []  # the line each continuation starts at, and the page of the part before it
    at = first
    while at < total:
        cuts.append(at)
        on.append(page)
        page += 1  # each continuation heads the notes of the next page, with the notes called there after it
        room = max_notes - slack - _called_on(pages, page, note)
        at += max(MIN_PART_LINES, _fit(heights[at:], room))
    if cuts and total - cuts[-1] < MIN_PART_LINES and cuts[-1] - (cuts[-2] if len(cuts) > 1 else 0) > MIN_PART_LINES:
        cuts[-1] = total - MIN_PART_LINES  # the last part no shorter than two lines: take one from before
    starts = _line_starts(parts)
    if starts is None:
        return None
    words, anchors, after = [], [], pages.order.get(note, 0)
    line = pages.call_at[note][:2]  # the notes called after it in its call's line go where it goes
    for cut, page in zip(cuts, on, strict=True):
        if 0 < starts[cut] < starts[-1] and starts[cut] not in words:
            anchor = _last_called(pages, note, page, after, line if not words else None)
            after = pages.order.get(anchor, after)
            words.append(starts[cut])
            anchors.append(anchor)
    return tuple(words), tuple(anchors)


def _last_called(pages: Pages, note: str, page: int, after: int, line: tuple[int, float] | None) -> str:
    """The last note called on this page after the call numbered `after`, or in the same line as
    the note's own call, wherever that goes ("" when none is)."""
    found = [(order, other) for other, order in pages.order.items()
             if other != note and order > after and (pages.call_at[other][0] == page or (
                 line is not None and pages.call_at[other][0] == line[0]
                 and pages.call_at[other][1] <= line[1] + TOLERANCE_PX))]
    return max(found)[1] if found else ""


def estimate_cuts(pages: Pages, note: str, cuts: tuple[int, ...]) -> tuple[int, ...]:
    """Cuts for a note the engine set on no page (too tall for any page foot), whose lines are
    therefore unknown: a page foot's worth of words each, as the other notes' lines run (the next
    layout shows the real lines, and the note is cut anew from them). A note already cut this way
    and still lost is cut finer."""
    lines = [(len(notesplit.words(text)), height) for parts in pages.parts.values() for p in parts
             for text, height in p.lines if text.strip()]
    per_line = statistics.median(n for n, _ in lines) if lines else 8
    height = statistics.median(h for _, h in lines) if lines else 14.0
    max_notes = max((f.max_notes for f in pages.frames.values()), default=0.0) or 400.0
    step = max(MIN_PART_LINES, int(max_notes / height) - 1) * max(1, int(per_line))
    total = pages.words.get(note, 0)
    if cuts:
        step = min(step, max(1, (cuts[0] * 2) // 3))
    return tuple(range(step, total, step)) if total > step else ()


def _line_starts(parts: list[NotePart]) -> list[int] | None:
    """For each line of the note's parts, the word it starts with (or the word it starts inside,
    when the line before ended with a hyphen), counted through the whole note; then the word count."""
    starts: list[int] = []
    offset = 0
    for part in parts:
        text = part.text
        solid = re.sub(r"[ \t\n\r\f]", "", text)
        word_starts = [len(re.sub(r"[ \t\n\r\f]", "", text[:m.start()]))
                       for m in re.finditer(r"[^ \t\n\r\f]+", text)]
        at = 0
        for line, _ in part.lines:
            index = max(0, _bisect(word_starts, at))
            starts.append(offset + index)
            piece = re.sub(r"[ \t\n\r\f]", "", line)
            if solid.startswith(piece, at):
                at += len(piece)
            elif piece and solid.startswith(piece[:-1], at):  # a hyphen the engine added
                at += len(piece) - 1
            else:
                return None
        offset += len(word_starts)
    starts.append(offset)
    return starts


def _bisect(word_starts: list[int], at: int) -> int:
    """The word that begins at `at`, or else the one `at` falls inside."""
    index = 0
    for i, start in enumerate(word_starts):
        if start <= at:
            index = i
        else:
            break
    return index


def _at_break(i: int, lines: list[Line]) -> list[Defect]:
    a, b = lines[i], lines[i + 1]
    where = f"pages {a.page}-{b.page}" if a.page != b.page else f"columns on page {a.page}"
    found = []
    if a.heading:
        j = i  # the first of the headings that end the page (a section's title and a sub-heading)
        while j > 0 and lines[j - 1].heading and lines[j - 1].page == a.page:
            j -= 1
        text = " / ".join(dict.fromkeys(ln.text for ln in lines[j:i + 1]))
        found.append(Defect("stranded-heading", a.page, lines[j].key, _snippet(text), f"its text follows on {where}"))
        return found
    if a.key and a.key == b.key and (a.caption != b.caption):
        cap = a if a.caption else b
        found.append(Defect("stranded-caption", cap.page, cap.key, _snippet(cap.text), f"split over {where}"))
    if a.element is not b.element or a.atomic or b.atomic:
        return found
    if a.hyphen:
        found.append(Defect("hyphen-break", a.page, a.key, f"{_snippet(a.text, 40, tail=True)} / "
                            f"{b.text.split(' ', 1)[0]}", where + (" (at its own hyphen)" if a.hyphen == "explicit"
                                                               else ""), word=_broken_word(lines, i),
                            lines_after=_lines_after(lines, i)))
    # the paragraph goes on across the break: a line alone on either side is an orphan or a widow
    if i == 0 or not _same_column(lines[i - 1], a):
        found.append(Defect("orphan", a.page, a.key, _snippet(a.text), f"first line alone before {where}"))
    if i + 2 >= len(lines) or not _same_column(b, lines[i + 2]):
        found.append(Defect("widow", b.page, b.key, _snippet(b.text), f"last line alone after {where}"))
    return found


def _runt(lines: list[Line], i: int) -> bool:
    """Is line i a paragraph's last, holding nothing but the end of the word hyphenated before it?
    (Across a page or column break, that is a word hyphenated across the break instead.)"""
    ln = lines[i]
    if i == 0 or ln.heading or (i + 1 < len(lines) and lines[i + 1].element is ln.element):
        return False
    before = lines[i - 1]
    return (before.element is ln.element and before.hyphen == "auto" and _same_column(before, ln)
            and " " not in ln.text.strip())


def _broken_word(lines: list[Line], i: int) -> tuple[str, int]:
    """The word line i breaks with a hyphen, and its occurrence in the block's text so far."""
    a = lines[i]
    if i + 1 >= len(lines) or lines[i + 1].element is not a.element:
        return ("", 0)
    head = re.search(r"(\w+)\W?$", a.text)
    tail = re.match(r"\W*?(\w+)", lines[i + 1].text)
    if not head or not tail:
        return ("", 0)
    word = head.group(1) + ("-" if a.hyphen == "explicit" else "") + tail.group(1)
    j = i
    while j > 0 and lines[j - 1].element is a.element:
        j -= 1
    before = "".join(_unhyphenated(ln) for ln in lines[j:i]) + a.text[:head.start(1)]
    return (word, len(re.findall(rf"\b{re.escape(word)}\b", before)) + 1)


def _lines_after(lines: list[Line], i: int) -> int:
    """How many lines the block has after the break after line i, when it ends before the next break."""
    n, j = 0, i + 1
    while j < len(lines) and lines[j].element is lines[i].element:
        if j > i + 1 and not _same_column(lines[j - 1], lines[j]):
            return 0  # it goes on over another break, where more widows would move other lines
        n, j = n + 1, j + 1
    return n


def _unhyphenated(ln: Line) -> str:
    """The line's text as it joins the next: an inserted hyphen dropped, a space where one was."""
    return ln.text[:-1] if ln.hyphen == "auto" else ln.text if ln.hyphen else ln.text + " "


def _same_column(a: Line, b: Line) -> bool:
    """Are a and the line after it, b, of one block and one page or column?"""
    return a.element is b.element and a.page == b.page and b.top >= a.top


def _paragraphs(lines: list[Line]) -> Iterator[list[Line]]:
    group: list[Line] = []
    for ln in lines:
        if group and ln.element is not group[0].element:
            yield group
            group = []
        if not ln.atomic:
            group.append(ln)
    if group:
        yield group


# -- mending --------------------------------------------------------------------------


def apply_mends(html: str, mends: dict[str, Mend]) -> str:
    """The HTML with each mended element's start tag given its classes and style, and the
    words it must not hyphenate wrapped in a span that says so."""
    for key, mend in mends.items():
        classes, style = mend.classes(), mend.style()
        attr = f'data-src="{html_lib.escape(key)}"'
        start = html.find(attr)
        if start < 0:
            continue
        tag_start = html.rfind("<", 0, start)
        tag_end = html.find(">", start)
        for word, nth in mend.words:
            html = _wrap_word(html, tag_end, word, nth)
        if not classes and not style:
            continue
        tag = html[tag_start:tag_end]
        if classes:
            tag = _add_to_attribute(tag, "class", " ".join(classes), " ")
        if style:
            tag = _add_to_attribute(tag, "style", style, "; ")
        html = html[:tag_start] + tag + html[tag_end:]
    return html


def _wrap_word(html: str, start: int, word: str, nth: int) -> str:
    """Wrap the nth occurrence of word in the text (not the tags) after start."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    seen = 0
    for part in re.finditer(r"<[^>]*>|[^<]+", html[start + 1:]):
        if part.group().startswith("<"):
            continue
        for found in pattern.finditer(part.group()):
            seen += 1
            if seen == nth:
                at = start + 1 + part.start() + found.start()
                return f'{html[:at]}<span class="mend-keep-word">{word}</span>{html[at + len(word):]}'
    return html


def _add_to_attribute(tag: str, name: str, value: str, sep: str) -> str:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    if found:
        joined = f"{found.group(1)}{sep}{value}" if found.group(1) else value
        return tag[:found.start(1)] + joined + tag[found.end(1):]
    return f'{tag} {name}="{value}"'


def _mend(defect: Defect, mends: dict[str, Mend]) -> bool:
    """Take the next step of this defect's ladder on its block; False when none is left."""
    if not defect.key:
        return False
    mend = mends.setdefault(defect.key, Mend())
    ladder = LADDERS[defect.kind]
    while mend.tried.get(defect.kind, 0) < len(ladder):
        step = ladder[mend.tried.get(defect.kind, 0)]
        mend.tried[defect.kind] = mend.tried.get(defect.kind, 0) + 1
        if step(mend, defect):
            return True
    return False


def _badness(defects: list[Defect]) -> int:
    return sum(WEIGHTS.get(d.kind, 10) for d in defects)


# -- the step ---------------------------------------------------------------------------


@dataclass
class Options:
    mend: bool = True
    max_passes: int = MAX_PASSES
    mending: Callable[[], None] | None = None  # told when the first mend is laid out (the progress line)


@dataclass
class Pass:
    defects: list[Defect]
    figures: Figures
    mends: dict[str, str]  # key -> what was applied in this layout


@dataclass
class PreflightReport:
    passes: list[Pass]
    final: int  # the index of the pass whose pages are kept
    sources: dict[str, Position]
    inspect_seconds: float = 0.0
    layout_seconds: float = 0.0  # layouts after the first, for mending (galleys included)
    galleys: int = 0  # galley layouts (a few blocks alone) made to judge mends inside blocks
    html: str = ""  # the HTML of the pages kept
    final_mends: dict[str, Mend] = field(default_factory=dict)  # the mends of the pages kept
    reused: int = 0  # blocks that started from the last build's mends (record.py, --watch)
    relaid: bool = False  # the best layout was not the last: laid out again from its HTML
    final_splits: dict[str, tuple[int, ...]] = field(default_factory=dict)  # the notes cut in the pages kept

    @property
    def found(self) -> list[Defect]:
        return self.passes[0].defects

    @property
    def remaining(self) -> list[Defect]:
        return self.passes[self.final].defects

    @property
    def mends(self) -> dict[str, str]:
        return self.passes[self.final].mends

    def problems(self, severity: str = "warning") -> list[Problem]:
        """What is left, as problems at the content file and line each block came from."""
        out = []
        for d in self.remaining:
            pos = self.sources.get(d.key) or Position(_NO_FILE)
            out.append(Problem(pos, f"page {d.page}: {d.describe()}", severity=severity,
                               hint=_HINTS.get(d.kind, "")))
        return out

    def summary(self) -> str:
        before, after = self.passes[0], self.passes[self.final]
        left = {d.ident for d in after.defects}
        mended = sum(1 for d in before.defects if d.ident not in left)
        start = (f" (started from the last build's mends for {self.reused} block(s); --fresh mends from scratch)"
                 if self.reused else "")
        return (f"preflight{start}: {len(before.defects)} defect(s) found, {mended} mended, "
                f"{len(after.defects)} left, in {len(self.passes)} layout(s)"
                f"{f' and {self.galleys} galley(s)' if self.galleys else ''}; "
                f"before: {before.figures}; after: {after.figures}; "
                f"inspection {self.inspect_seconds:.2f} s, layouts for mending {self.layout_seconds:.1f} s")

    def lines(self) -> list[str]:
        """The defects found and what became of them, page by page, then the summary."""
        left = {d.ident for d in self.remaining}
        found = {d.ident for d in self.found}
        out = []
        for d in self.found:
            where = f" [{self.sources[d.key]}]" if d.key in self.sources else ""
            state = "left" if d.ident in left else f"mended: {self.mends.get(d.key, 'gone after mends before it')}"
            out.append(f"page {d.page}: {d.describe()}{where} -- {state}")
        for d in self.remaining:
            if d.ident not in found:
                out.append(f"page {d.page}: {d.describe()} -- left (appeared while mending)")
        out.append(self.summary())
        return out


_NO_FILE = Path("(layout)")
_HINTS = {
    "overfull": "shorten the text, or break a long word or address with a space",
    "hyphen-break": "reword the paragraph slightly so that its lines fall differently",
    "widow": "reword the paragraph slightly (a word more or less) so that its lines fall differently",
    "orphan": "reword the paragraph slightly (a word more or less) so that its lines fall differently",
    "footnote-away": "shorten the note, or call it earlier in the paragraph",
    "footnote-pushed": "shorten the note, or call it later in the paragraph",
    "footnote-tall": "shorten the note, or move part of it into the text",
    "footnote-lost": "shorten the note, or call it earlier in the text",
    "footnote-joined": "shorten the note, or call it later in the paragraph",
}


def _mend_all(defects: list[Defect], mends: dict[str, Mend]) -> set[str]:
    """One ladder step per block and kind of defect; the blocks whose mend changed."""
    changed, seen = set(), set()
    for d in defects:
        if (d.key, d.kind) not in seen:
            seen.add((d.key, d.kind))
            if _mend(d, mends):
                changed.add(d.key)
    return changed


def _settle_on_galleys(keys: set[str], mends: dict[str, Mend], layout_fn: Callable[[str], Any],
                       html_fn: Callable[[dict[str, Mend]], str]) -> int:
    """Mend blocks whose defects lie inside their own lines on galleys of those blocks alone,
    until their lines are clean or their ladders end; the whole report is laid out after.
    Returns the galleys laid out."""
    from .galley import extract

    rounds = 0
    while keys and rounds < MAX_GALLEYS:
        galley = extract(html_fn(mends), keys)
        if not galley.keys:
            break
        rounds += 1
        held = set(galley.keys)
        found, _ = inspect(layout_fn(galley.html).document)
        keys = _mend_all([d for d in found if d.kind in LOCAL and d.key in held], mends)
    return rounds


def run(layout_fn: Callable[[str], Any], html_fn: Callable[[dict[str, Mend]], str],
        options: Options, sources: dict[str, Position] | None = None,
        start: dict[str, Mend] | None = None,
        start_splits: dict[str, tuple[int, ...]] | None = None) -> tuple[Any, PreflightReport]:
    """Lay out, inspect, mend and lay out again until clean or out of passes.

    layout_fn(html) returns the engine's result (with `.document`); html_fn(mends)
    the HTML with those mends applied. Returns the best layout (fewest defects,
    the earliest among equals) and the report. `start` begins from the mends of the
    previous build (--watch, record.py) instead of none: usually one layout then suffices;
    `start_splits` likewise the notes it cut (PreflightReport.final_splits).
    """
    mends: dict[str, Mend] = copy.deepcopy(start) if start and options.mend else {}
    # note id -> the words its parts start at (notesplit.py)
    splits: dict[str, tuple[int, ...]] = dict(start_splits) if start_splits and options.mend else {}
    shrink: dict[str, int] = {}  # note id -> lines taken off its first part after a cut that did not fit
    anchors: dict[str, tuple[str, ...]] = {}  # note id -> after which note each continuation is called
    runover = 0  # pages after the text, for a note's rest carried past the last page
    html = notesplit.apply_splits(html_fn(mends), splits)
    laid = layout_fn(html)
    started = time.perf_counter()
    defects, figures, pages = inspect_pages(laid.document)
    report = PreflightReport([Pass(defects, figures, {})], 0, sources or {}, html=html,
                             final_mends=copy.deepcopy(mends), final_splits=dict(splits), reused=len(mends))
    report.inspect_seconds += time.perf_counter() - started
    for _ in range(options.max_passes if options.mend else 0):
        if not defects:
            break
        changed, seen = False, set()
        mended: set[str] = set()  # blocks whose mend changed: their own lines are judged on galleys first
        for m in mends.values():
            m.laid_out = True
        for d in defects:
            if d.kind == "empty-page":  # more pages after the text than the notes' rest needs
                runover -= 1
                changed = True
                continue
            if d.kind == "footnote-lost" and d.note in pages.parts:  # a part carried past the last page
                if d.note not in seen and runover < MAX_RUNOVER:
                    runover += 1  # one page more after the text, for the parts still to come
                    changed = True
                seen.add(d.note)
                continue
            if d.kind == "footnote-lost" and d.note not in seen:  # the whole note: cut it by an estimate
                seen.add(d.note)
                cuts = estimate_cuts(pages, d.note, splits.get(d.note, ()))
                if cuts and cuts != splits.get(d.note, ()):
                    splits[d.note] = cuts
                    changed = True
                continue
            if d.note and d.note not in seen:  # a long note: cut it, before anything else is tried
                seen.add(d.note)
                if _split(d, pages, splits, shrink, anchors):
                    changed = True
                    continue
            if (d.key, d.kind) not in seen:  # one step per block and kind in a pass
                seen.add((d.key, d.kind))
                if _mend(d, mends):
                    changed = True
                    mended.add(d.key)
        if not changed:
            break
        if options.mending is not None and len(report.passes) == 1:
            options.mending()
        started = time.perf_counter()
        report.galleys += _settle_on_galleys(mended, mends, layout_fn, html_fn)
        html = notesplit.apply_splits(html_fn(mends), splits, anchors)
        html = notesplit.with_runover(html, runover)
        # One laid-out report in memory at a time (a long report's layout is hundreds of
        # MiB): the best one, if not the last, is laid out again from its HTML at the end.
        laid = None
        laid = layout_fn(html)
        report.layout_seconds += time.perf_counter() - started
        started = time.perf_counter()
        defects, figures, pages = inspect_pages(laid.document)
        last = pages.frames[len(pages.frames)] if pages.frames else None
        if runover and last is not None and not last.notes and not last.flow_bottom:
            defects.append(Defect("empty-page", len(pages.frames), "", "", "a page added for notes that need none"))
        report.inspect_seconds += time.perf_counter() - started
        applied = {k: m.label() for k, m in mends.items() if m.state() != Mend().state()}
        for note, cuts in splits.items():
            if cuts:
                key = pages.call_at.get(note, (0, 0.0, note))[2]
                label = f"note '{note}' cut in {len(cuts) + 1} parts, after words {', '.join(map(str, cuts))}"
                applied[key] = f"{applied[key]}; {label}" if key in applied else label
        report.passes.append(Pass(defects, figures, applied))
        if _badness(defects) < _badness(report.remaining):
            report.final, report.html = len(report.passes) - 1, html
            report.final_mends, report.final_splits = copy.deepcopy(mends), dict(splits)
    if report.final != len(report.passes) - 1:
        started = time.perf_counter()
        laid = None
        laid = layout_fn(report.html)  # the same HTML gives the same pages
        report.layout_seconds += time.perf_counter() - started
        report.relaid = True
    return laid, report


MAX_RUNOVER = 4  # pages after the text for the rest of a note called on the last page
MAX_SHRINK = 2  # lines a first part may lose when its cut, as planned, still did not fit


def _split(defect: Defect, pages: Pages, splits: dict[str, tuple[int, ...]], shrink: dict[str, int],
           anchors: dict[str, tuple[str, ...]]) -> bool:
    """Cut the defect's note anew from what this layout shows; False when nothing changes."""
    note = defect.note
    if note not in pages.parts or note not in pages.call_at:
        return False
    while shrink.get(note, 0) <= MAX_SHRINK:
        plan = plan_cuts(pages, note, shrink.get(note, 0))
        if plan is None or plan[0] == splits.get(note, ()) == ():
            return False  # not to be cut, or it fits whole: the ladder's steps are for the rest
        if plan != (splits.get(note, ()), anchors.get(note, ())):
            splits[note], anchors[note] = plan
            return True
        shrink[note] = shrink.get(note, 0) + 1  # this very cut was laid out and did not do
    if splits.get(note):  # no cut brought the call back: leave the note whole, its call pushed over
        splits[note], anchors[note] = (), ()
        return True
    return False
