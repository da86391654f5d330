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
how to make the HTML for a set of mends and how to lay it out. The pages are read
by pages.py; a mend inside one paragraph is judged on a galley (galley.py); a note
too long for its page is cut (notecuts.py plans the cut, notesplit.py writes it).
"""

from __future__ import annotations

import copy
import dataclasses
import html as html_lib
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import notecuts, notesplit
from .defects import KINDS, Defect
from .errors import Position, Problem
from .pages import Line, Pages, read_pages, snippet

# -- limits: what counts as a defect, what a mend may change -------------------

MAX_PASSES = 6  # layouts after the first; each mends what the one before showed
LOOSE_EM = 0.40  # a line is loose when justification adds more than this per word space (2.7x a space)
LOOSE_OVER_NORM_EM = 0.30  # ...or this much more than the median of its paragraph's lines
MAX_RUN = 2  # hyphenated line ends allowed in a row
# word-spacing steps tried in turn: tighten first (it pulls a line back), then loosen
SPACING_STEPS = ("-0.02em", "0.02em", "-0.035em", "0.035em")
# how bad each defect is, to choose the best of the layouts made: a loose line is the mildest
# defects inside one block's lines: a mend for them is judged on a galley of its block (galley.py)
LOCAL = frozenset({"loose", "hyphen-run", "hyphenated-heading", "runt"})
MAX_GALLEYS = 6  # galley rounds between two layouts of the whole report
WEIGHTS = {"loose": 1, "runt": 2, "hyphen-run": 3, "hyphenated-heading": 3,  # every other kind: 10
           # a note away from its call, lost or clipped fails the build (footnote_fix.check_notes): any
           # layout without one is better than every layout with one
           "footnote-away": 1000, "footnote-lost": 1000, "footnote-tall": 1000}

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
    looseness: int = 0  # lines more (or fewer) the composer sets the paragraph in (compose.py)
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
        parts += [f"a line {'more' if self.looseness > 0 else 'fewer'}"] if self.looseness else []
        parts += self.classes() + ([self.style()] if self.style() else [])
        return ", ".join(parts) or "nothing"

    def state(self) -> tuple:
        return (self.no_hyphens, self.break_before, self.keep_whole, self.footnote_line, self.keep_lines,
                self.zone, self.spacing, self.words, self.widows, self.looseness)


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


def _looseness(lines: int) -> Step:
    """Set a composed paragraph a line shorter or longer (TeX's looseness): its lines change
    their breaks a little, its spaces stay even, and the line alone moves back or over."""
    def step(m: Mend, d: Defect) -> bool:
        if not d.composed or m.looseness == lines:
            return False
        m.looseness = lines
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
    "widow": [_looseness(-1), _looseness(1), _set("keep_lines"), *_SPACINGS[:2], _set("keep_whole"), *_SPACINGS[2:]],
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
            defects.append(Defect("hyphenated-heading", ln.page, ln.key, snippet(ln.text, tail=True),
                                  word=_broken_word(lines, index)))
        if _runt(lines, index):
            defects.append(Defect("runt", ln.page, ln.key, f"{snippet(lines[index - 1].text, 40, tail=True)} / "
                                  f"{ln.text.strip()}", word=_broken_word(lines, index - 1)))
        if ln.hyphenates and not ln.heading:
            figures.lines += 1
            figures.hyphenated += bool(ln.hyphen)
        run = run + 1 if ln.hyphen else 0
        figures.longest_run = max(figures.longest_run, run)
        if run == MAX_RUN + 1:
            middle = index - 1  # unhyphenate the middle of the three: both neighbours change least
            defects.append(Defect("hyphen-run", ln.page, ln.key, snippet(ln.text, tail=True),
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
                defects.append(Defect("loose", ln.page, ln.key, snippet(ln.text),
                                      f"{ln.spacing_em:.2f} em added per space, paragraph's median {norm:.2f}",
                                      free=ln.free, zone=ln.zone))
    for note, page in pages.notes.items():  # notes without an id (not written by resolve.py): cannot be cut
        call = pages.calls.get(note)
        if call is not None and call[0] != page:
            defects.append(Defect("footnote-away", call[0], call[1], call[2], "its note is on page {0}",
                                  at=(page,)))
    defects += notecuts.note_defects(pages)
    order = list(KINDS)
    return sorted(defects, key=lambda d: (d.page, order.index(d.kind), d.key)), figures, pages


def inspect(document: Any) -> tuple[list[Defect], Figures]:
    """Every defect of a laid-out document, in page order, and its hyphenation figures."""
    defects, figures, _ = inspect_pages(document)
    return defects, figures


def _at_break(i: int, lines: list[Line]) -> list[Defect]:
    a, b = lines[i], lines[i + 1]
    where = f"pages {a.page}-{b.page}" if a.page != b.page else f"columns on page {a.page}"
    found = []
    if a.heading:
        j = i  # the first of the headings that end the page (a section's title and a sub-heading)
        while j > 0 and lines[j - 1].heading and lines[j - 1].page == a.page:
            j -= 1
        text = " / ".join(dict.fromkeys(ln.text for ln in lines[j:i + 1]))
        found.append(Defect("stranded-heading", a.page, lines[j].key, snippet(text), f"its text follows on {where}"))
        return found
    if a.key and a.key == b.key and (a.caption != b.caption):
        cap = a if a.caption else b
        found.append(Defect("stranded-caption", cap.page, cap.key, snippet(cap.text), f"split over {where}"))
    if a.element is not b.element or a.atomic or b.atomic:
        return found
    if a.hyphen:
        found.append(Defect("hyphen-break", a.page, a.key, f"{snippet(a.text, 40, tail=True)} / "
                            f"{b.text.split(' ', 1)[0]}", where + (" (at its own hyphen)" if a.hyphen == "explicit"
                                                               else ""), word=_broken_word(lines, i),
                            lines_after=_lines_after(lines, i)))
    # the paragraph goes on across the break: a line alone on either side is an orphan or a widow
    if i == 0 or not _same_column(lines[i - 1], a):
        found.append(Defect("orphan", a.page, a.key, snippet(a.text), f"first line alone before {where}"))
    if i + 2 >= len(lines) or not _same_column(b, lines[i + 2]):
        found.append(Defect("widow", b.page, b.key, snippet(b.text), f"last line alone after {where}",
                            composed="composed" in b.classes.split()))
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


_SRC_ATTR = re.compile(r'data-src="[^"]*"')
_TOKENS = re.compile(r"<[^>]*>|[^<]+")


def apply_mends(html: str, mends: dict[str, Mend]) -> str:
    """The HTML with each mended element's start tag given its classes and style, and the
    words it must not hyphenate wrapped in a span that says so.

    One pass over the HTML, cut into pieces at the mended blocks' start tags, each mend
    working on its own piece (and the ones after it, for a word further on): a long
    report has hundreds of mends, and changing the whole string for each took seconds.
    """
    wanted = {f'data-src="{html_lib.escape(key)}"': mend for key, mend in mends.items()}
    starts: list[tuple[int, Mend]] = []
    for match in _SRC_ATTR.finditer(html):
        mend = wanted.pop(match.group(0), None)  # the first block with that key only
        if mend is not None:
            starts.append((html.rfind("<", 0, match.start()), mend))
    if not starts:
        return html
    cuts = [at for at, _ in starts]
    pieces = [html[:cuts[0]], *(html[a:b] for a, b in zip(cuts, [*cuts[1:], len(html)], strict=True))]
    for index, (_, mend) in enumerate(starts, 1):
        tag_end = pieces[index].find(">")
        for word, nth in mend.words:
            _wrap_word(pieces, index, tag_end + 1, word, nth)
        classes, style = mend.classes(), mend.style()
        tag = pieces[index][:tag_end]
        if classes:
            tag = _add_to_attribute(tag, "class", " ".join(classes), " ")
        if style:
            tag = _add_to_attribute(tag, "style", style, "; ")
        if mend.looseness:
            tag = _add_to_attribute(tag, "data-looseness", str(mend.looseness), "")
        pieces[index] = tag + pieces[index][tag_end:]
    return "".join(pieces)


def _wrap_word(pieces: list[str], index: int, start: int, word: str, nth: int) -> None:
    """Wrap the nth occurrence of word in the text (not the tags) from pieces[index][start:] on."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    seen = 0
    for i in range(index, len(pieces)):
        piece = pieces[i]
        offset = start if i == index else 0
        for part in _TOKENS.finditer(piece, offset):
            if part.group().startswith("<"):
                continue
            for found in pattern.finditer(part.group()):
                seen += 1
                if seen == nth:
                    at = part.start() + found.start()
                    pieces[i] = f'{piece[:at]}<span class="mend-keep-word">{word}</span>{piece[at + len(word):]}'
                    return


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
    last_mends: dict[str, Mend] = field(default_factory=dict)  # the mends of the last layout (what was tried)
    layouts: int = 0  # when laid out in parts (chunks.py): the most layouts one part took; else len(passes)
    parts: str = ""  # when laid out in parts: how (chunks.py)

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
        found = {d.ident for d in before.defects}
        mended = sum(1 for d in before.defects if d.ident not in left)
        new = sum(1 for d in after.defects if d.ident not in found)
        start = (f" (started from the last build's mends for {self.reused} block(s); --fresh mends from scratch)"
                 if self.reused else "")
        return (f"preflight{start}: {len(before.defects)} defect(s) found, {mended} mended, "
                f"{len(after.defects)} left{f' ({new} of them appeared while mending)' if new else ''}, "
                f"in {'at most ' if self.layouts else ''}"
                f"{self.layouts or len(self.passes)} layout(s){' of each part' if self.layouts else ''}"
                f"{f' and {self.galleys} galley(s)' if self.galleys else ''}; "
                f"before: {before.figures}; after: {after.figures}; "
                f"inspection {self.inspect_seconds:.2f} s, layouts for mending {self.layout_seconds:.1f} s"
                f"{'; ' + self.parts if self.parts else ''}")

    def lines(self) -> list[str]:
        """The defects found and what became of them, page by page, then the summary."""
        left = {d.ident for d in self.remaining}
        found = {d.ident for d in self.found}
        out = []
        for d in self.found:
            state = "left" if d.ident in left else f"mended: {self.mends.get(d.key, 'gone after mends before it')}"
            out.append(f"page {d.page}: {d.describe()}{self._where(d)} -- {state}")
        for d in self.remaining:
            if d.ident not in found:
                out.append(f"page {d.page}: {d.describe()}{self._where(d)} -- left: {self._appeared(d)}")
        out.append(self.summary())
        return out

    def _where(self, d: Defect) -> str:
        return f" [{self.sources[d.key]}]" if d.key in self.sources else ""

    def _appeared(self, d: Defect) -> str:
        """Why a defect the first layout did not have is left: what was done to its block, and
        whether every mend for it was tried."""
        mend = self.final_mends.get(d.key)
        ladder = len(LADDERS.get(d.kind, ()))
        latest = self.last_mends.get(d.key)
        tried = min(latest.tried.get(d.kind, 0), ladder) if latest is not None else 0
        how = (f"{tried} of the {ladder} mend(s) for it tried in later layouts, none better" if ladder
               else "nothing mends it")
        if mend is None or mend.state() == Mend().state():
            return f"not in the first layout; it appeared when mends elsewhere moved the lines ({how})"
        return f"not in the first layout; it appeared after its block was mended ({mend.label()}; {how})"


def continued(first: PreflightReport, again: PreflightReport) -> PreflightReport:
    """A report laid out again from the mends `first` settled on (a part under its true folio,
    chunks.py), told as one: the defects the first layout found, those the last one left, the
    mends and the work of both, and only `first`'s blocks as started from the last build."""
    last = again.passes[again.final]
    kept = Pass(last.defects, last.figures, first.passes[first.final].mends)
    return dataclasses.replace(
        again, passes=[*first.passes, kept], final=len(first.passes), sources=first.sources or again.sources,
        inspect_seconds=first.inspect_seconds + again.inspect_seconds,
        layout_seconds=first.layout_seconds + again.layout_seconds, galleys=first.galleys + again.galleys,
        last_mends=first.last_mends, reused=first.reused, relaid=first.relaid or again.relaid)


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
        start_splits: dict[str, tuple[int, ...]] | None = None,
        galley_fn: Callable[[str], Any] | None = None) -> tuple[Any, PreflightReport]:
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
        ladders: list[Defect] = []  # the defects mended by their block's ladder
        for m in mends.values():
            m.laid_out = True
        for d in defects:
            if d.kind == "empty-page":  # more pages after the text than the notes' rest needs
                runover -= 1
                changed = True
                continue
            if d.kind == "footnote-lost" and d.note in pages.parts:  # a part carried past the last page
                if d.note not in seen and runover < notecuts.MAX_RUNOVER:
                    runover += 1  # one page more after the text, for the parts still to come
                    changed = True
                seen.add(d.note)
                continue
            if d.kind == "footnote-lost" and d.note not in seen:  # the whole note: cut it by an estimate
                seen.add(d.note)
                cuts = notecuts.estimate_cuts(pages, d.note, splits.get(d.note, ()))
                if cuts and cuts != splits.get(d.note, ()):
                    splits[d.note] = cuts
                    changed = True
                continue
            if d.note and d.note not in seen:  # a long note: cut it, before anything else is tried
                seen.add(d.note)
                if notecuts.split(d, pages, splits, shrink, anchors):
                    changed = True
                    continue
            ladders.append(d)
        mended = _mend_all(ladders, mends)  # their blocks' lines are judged on galleys first
        changed = changed or bool(mended)
        if not changed:
            break
        if options.mending is not None and len(report.passes) == 1:
            options.mending()
        started = time.perf_counter()
        report.galleys += _settle_on_galleys(mended, mends, galley_fn or layout_fn, html_fn)
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
    report.last_mends = mends
    if report.final != len(report.passes) - 1:
        started = time.perf_counter()
        laid = None
        laid = layout_fn(report.html)  # the same HTML gives the same pages
        report.layout_seconds += time.perf_counter() - started
        report.relaid = True
    return laid, report


