"""Compose: justified paragraphs broken into lines by total fit, imposed on the engine.

WeasyPrint breaks lines first fit. This step takes each justified paragraph of the
HTML, measures its words with the engine's own text layout (the very fonts, size,
OpenType features and language its text boxes have, read from a galley layout of
those paragraphs: galley.py), chooses the paragraph's breaks with knuthplass.py, and
writes the lines back into the HTML so that the engine sets exactly those:

    <p class="composed"><span class="cl" style="word-spacing: 0.41px">a line</span><br>...</p>

Why this way: a forced break (`<br>`) is the one break the engine never second-guesses,
and a `word-spacing` on a `white-space: nowrap` span fixes a line's width without
letting the engine break it anywhere else, while the text stays whole words in
the PDF (no character is added but the hyphen of a chosen break, drawn by CSS generated
content, `.hy::after`, as the engine draws its own). Inline elements that run over a
break are closed at the line's end and opened again on the next (an id only once).

A note called in a paragraph is one atom: the note floats to the page foot, its call (the
number the report gives it, counted here) stays in the line. A paragraph the composer cannot
set (a link into the report or a cross-reference's page number, whose width is known only
after layout; a line break; an element it does not know; a word wider than the measure) is
left to the engine, with the reason in `Outcome.left`. The pipeline composes after the
preflight's mends, so that a word a mend keeps whole is not hyphenated (`Composer` keeps each
paragraph's lines while its start tag and text stay the same). `check` compares the engine's
lines with the composed ones after layout: a difference is a bug, reported, never a silent change.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyphen

from .knuthplass import INFINITY, Box, Glue, Item, Params, Penalty, breaks

# inline elements a composed paragraph may hold; anything else leaves it to the engine
_INLINE = frozenset({"em", "strong", "i", "b", "span", "a", "code", "abbr", "cite", "q", "small", "sub", "sup"})
_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w-]*)\b[^>]*>|[^<]+")
_VOID = frozenset({"br", "img", "wbr"})
_ID = re.compile(r'\s(?:id|name)="[^"]*"')
_SPACE = re.compile(r"[ \t\n\r\f]+")
HYPHEN_COST = 300.0  # a hyphen weighs as much as a line at about 1.6x: hyphens only to spare such lines
EXPLICIT_HYPHEN_COST = 300.0  # a hyphen weighs as much as a line at about 1.6x: hyphens only to spare such lines
STRETCH = 0.5  # of a space, as TeX's Computer Modern: a line at ratio 1 has its spaces 1.5x
SHRINK = 1 / 3  # of a space, as TeX: never tighter than 0.67x
PRETOLERANCE = 0.9  # the first pass, without hyphens: a paragraph that sets well so keeps its words whole
TOLERANCES = (2.0, 3.0, 50.0)  # then with hyphens, in turn: the last takes the least bad of any breaks
LOOSENESS_TOLERANCE = 3.0  # a paragraph set a line longer or shorter only within this ratio
SHORT_LAST = 0.15  # a last line shorter than this share of the measure costs demerits
SLACK = 0.01  # px a composed line is set short of the measure, so that rounding never makes it overflow

# (text, engine style, spaced) -> width in px, as the engine sets it; spaced: as set with a word spacing
Measure = Callable[[str, Any, bool], float]


@dataclass
class Paragraph:
    """One paragraph as the galley laid it out: what measuring and breaking need."""

    key: str
    inner: str  # the paragraph's inner HTML
    width: float  # the measure, px
    indent: float  # the first line's text-indent, px
    styles: list[Any]  # the engine's style of the paragraph, then of each inline element in order
    hyphenate: bool
    lang: str
    limit_chars: tuple[int, int, int]
    calls: list[str] = field(default_factory=list)  # the number of each note called, in order
    call_style: Any = None  # the engine's style of a note's call


@dataclass
class Composed:
    inner: str  # the paragraph's inner HTML, broken into lines
    lines: list[str]  # each line's text, as the engine should set it (for the check)
    ratios: list[float]
    hyphens: int


@dataclass
class Outcome:
    html: str
    composed: dict[str, Composed] = field(default_factory=dict)
    left: dict[str, str] = field(default_factory=dict)  # key -> why the engine sets it


# -- the paragraph's inline HTML as atoms -------------------------------------------

@dataclass
class _Atom:
    kind: str  # "text", "open", "close"
    text: str  # text (unescaped) or the raw tag
    style: int = 0  # for text: index into Paragraph.styles
    name: str = ""


_NOTE = re.compile(r'<span\b[^>]*\bclass="footnote"[^>]*>')


def atoms(inner: str) -> list[_Atom] | None:
    """The inline HTML as text and tags, white space collapsed as the engine does; None when it
    holds an element the composer does not set (a line break, an image). A note (floated to the
    page foot, its call left in the line) is one atom: its whole element."""
    out: list[_Atom] = []
    stack: list[int] = [0]
    count = notes = 0
    position = 0
    while position < len(inner):
        match = _TOKEN.match(inner, position)
        if match is None:
            return None
        position = match.end()
        if match.group(2) is None:
            text = _SPACE.sub(" ", html_lib.unescape(match.group(0)))
            if "\u00ad" in text or "\u200b" in text:
                return None
            out.append(_Atom("text", text, stack[-1]))
            continue
        name = match.group(2).lower()
        if not match.group(1) and _NOTE.match(match.group(0)):
            end = _element_end(inner, match.start())
            if end is None:
                return None
            out.append(_Atom("note", inner[match.start():end], notes))
            notes += 1
            position = end
            continue
        if name not in _INLINE or 'class="footnote-cont' in match.group(0):
            return None
        if match.group(1):
            if len(stack) == 1:
                return None
            stack.pop()
            out.append(_Atom("close", match.group(0), name=name))
        else:
            count += 1
            stack.append(count)
            out.append(_Atom("open", match.group(0), name=name))
    if len(stack) != 1:
        return None
    # collapse spaces across tags; none at the paragraph's start or end
    previous_space = True
    for atom in out:
        if atom.kind == "text":
            if previous_space and atom.text.startswith(" "):
                atom.text = atom.text[1:]
            if atom.text:
                previous_space = atom.text.endswith(" ")
    for atom in reversed(out):
        if atom.kind == "text":
            atom.text = atom.text.rstrip(" ")
            if atom.text:
                break
    return [a for a in out if a.kind != "text" or a.text]


def _element_end(html: str, start: int) -> int | None:
    """Where the element whose start tag begins at `start` ends (after its end tag)."""
    depth = 0
    for match in _TOKEN.finditer(html, start):
        if match.group(2) is None or match.group(2).lower() in _VOID:
            continue
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return None


def element_names(parts: list[_Atom]) -> list[str]:
    """The inline elements the engine makes boxes for in the line, in order (a note's own are elsewhere)."""
    return [a.name for a in parts if a.kind == "open"]


# -- items -------------------------------------------------------------------------

@dataclass
class _Built:
    items: list[Item]
    payload: list[list[_Atom] | tuple[str, int] | None]  # a box's atoms; a glue's space and style; a penalty: None


class _Hyphenator:
    def __init__(self, lang: str, limits: tuple[int, int, int]) -> None:
        total, left, right = limits
        self.total = total
        self.dic = _dictionary(dictionary(lang), max(left, 1), max(right, 1))

    def points(self, word: str) -> list[int]:
        letters = word.strip(".,;:!?()[]{}\"'\u201c\u201d\u2018\u2019")
        if len(letters) < self.total or not letters.isalpha():
            return []
        offset = word.index(letters)
        return [offset + p for p in self.dic.positions(letters)]


@functools.lru_cache(maxsize=8)
def _dictionary(name: str, left: int, right: int) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=name, left=left, right=right)


def dictionary(lang: str) -> str:
    """The hyphenation patterns for a language tag: en is the Situationer's American spelling."""
    tag = lang.replace("_", "-")
    if tag.lower() == "en":
        return "en_US"
    return pyphen.language_fallback(tag) or "en_US"


def build_items(par: Paragraph, parts: list[_Atom], measure: Measure) -> _Built:
    styles = par.styles
    # a space between two letters, as a line set with word spacing has it (no kerning against it)
    space = {i: max(measure("n n", s, True) - 2 * measure("n", s, False) - _ws(s), 0.1) for i, s in enumerate(styles)}
    nbsp = {i: max(measure("n\u00a0n", s, True) - 2 * measure("n", s, False) - _ws(s), 0.1)
            for i, s in enumerate(styles)}
    hyphen_width = {i: measure(s["hyphenate_character"] or "\u2010", s, False) for i, s in enumerate(styles)}
    hyph = _Hyphenator(par.lang, par.limit_chars) if par.hyphenate else None
    # text the engine keeps on one line (white-space: nowrap, e.g. `.nobreak`, `.mend-keep-word`):
    # no break at its spaces, no hyphen in its words, not even at a word's own hyphen
    kept = {i: s["white_space"] not in ("normal", "pre-wrap", "pre-line", "break-spaces") for i, s in enumerate(styles)}

    def call_width(note: _Atom) -> float:  # a note leaves its call in the line: its number, raised
        return measure(par.calls[note.style], par.call_style, False)

    items: list[Item] = []
    payload: list[list[_Atom] | tuple[str, int] | None] = []
    if par.indent:
        items.append(Box(par.indent))
        payload.append([])
    word: list[_Atom] = []

    def flush() -> None:
        if not word:
            return
        texts = [a for a in word if a.kind == "text"]
        calls = sum(call_width(a) for a in word if a.kind == "note")
        if hyph is not None and len(texts) == 1 and not kept[texts[0].style]:
            atom = texts[0]
            at = word.index(atom)
            # an element that says hyphens: manual (a word the preflight keeps whole) is not hyphenated
            cuts = hyph.points(atom.text) if styles[atom.style]["hyphens"] == "auto" else []
        else:  # an element kept on one line (white-space: nowrap) is broken nowhere, not at its own hyphen
            cuts, at, atom = [], -1, None
        explicit = []
        if atom is not None:
            explicit = [i + 1 for i, ch in enumerate(atom.text[:-1])
                        if ch == "-" and i > 0 and atom.text[i + 1].isalpha()]
        if atom is None or not (cuts or explicit):
            items.append(Box(sum(measure(a.text, styles[a.style], False) for a in texts) + calls))
            payload.append(list(word))
        else:
            before, after = word[:at], word[at + 1:]
            edges = sorted(set(cuts) | set(explicit))
            pieces = [atom.text[a:b] for a, b in zip([0, *edges], [*edges, len(atom.text)], strict=True)]
            for n, piece in enumerate(pieces):
                chunk = ([*before] if n == 0 else []) + [_Atom("text", piece, atom.style)] + (
                    [*after] if n == len(pieces) - 1 else [])
                items.append(Box(sum(call_width(a) for a in chunk if a.kind == "note")
                                 + measure(piece, styles[atom.style], False)))
                payload.append(chunk)
                if n < len(pieces) - 1:
                    if piece.endswith("-"):
                        items.append(Penalty(0.0, EXPLICIT_HYPHEN_COST, True))
                    else:
                        items.append(Penalty(hyphen_width[atom.style], HYPHEN_COST, True))
                    payload.append(None)
        word.clear()

    for atom in parts:
        if atom.kind != "text":
            word.append(atom)
            continue
        for n, chunk in enumerate(re.split("([ \u00a0])", atom.text)):
            if n % 2:  # a space: the engine gives a no-break space the word spacing too
                flush()
                w = nbsp[atom.style] if chunk == "\u00a0" else space[atom.style]
                if chunk == "\u00a0" or kept[atom.style]:
                    items.append(Penalty(0.0, INFINITY))
                    payload.append(None)
                items.append(Glue(w, w * STRETCH, w * SHRINK))
                payload.append((chunk, atom.style))
            elif chunk:
                word.append(_Atom("text", chunk, atom.style))
    flush()
    items.append(Glue(0.0, 0.0, 0.0))  # the last line's fill: set at its natural width
    payload.append(("", 0))
    items.append(Penalty(0.0, -INFINITY))
    payload.append(None)
    return _Built(items, payload)


def _ws(style: Any) -> float:
    value = style["word_spacing"]
    return float(value) if isinstance(value, (int, float)) else 0.0


# -- lines back to HTML ----------------------------------------------------------------

def compose_paragraph(par: Paragraph, measure: Measure, looseness: int = 0) -> Composed | None:
    parts = atoms(par.inner)
    if parts is None:
        return None
    widths = [par.width]
    # as TeX: first without hyphens, within a tight tolerance; then with them, looser in turn
    hyphenated = build_items(par, parts, measure)
    plain = _Built([Penalty(i.width, INFINITY) if isinstance(i, Penalty) and i.flagged and i.width else i
                    for i in hyphenated.items], hyphenated.payload)  # a word's own hyphen stays a place to break
    passes = [(plain, PRETOLERANCE), *((hyphenated, t) for t in TOLERANCES)]
    first: tuple[_Built, list[Any]] | None = None  # the paragraph's own setting
    for built, tolerance in passes:
        lines = breaks(built.items, widths, Params(tolerance=tolerance, short_last=par.width * SHORT_LAST))
        if lines is None:
            continue
        first = first or (built, lines)
        if not looseness:
            break
        if tolerance > LOOSENESS_TOLERANCE:
            break
        # a line more or fewer than its own setting, within a tolerance that keeps it decent (as TeX)
        goal = len(first[1]) + looseness
        other = breaks(built.items, widths, Params(tolerance=tolerance, short_last=par.width * SHORT_LAST,
                                                   looseness=goal - len(lines)))
        if other is not None and len(other) == goal:
            return _impose(par, built, other, measure)
    return _impose(par, *first, measure) if first is not None else None


def _impose(par: Paragraph, built: _Built, lines: Sequence[Any], measure: Measure) -> Composed:
    styles = par.styles
    out: list[str] = []
    texts: list[str] = []
    open_tags: list[_Atom] = []
    hyphens = 0
    for number, line in enumerate(lines):
        body: list[str] = [a.text for a in open_tags]  # elements running on from the line before
        runs: list[tuple[str, int]] = []  # the line's text boxes: (text, style)
        spaces = 0
        for index in range(line.start, line.end):
            item, load = built.items[index], built.payload[index]
            if isinstance(item, Glue) and isinstance(load, tuple):
                if not load[0]:
                    continue  # the last line's fill
                body.append(load[0])
                _add_run(runs, load[0], load[1])
                spaces += 1
            elif isinstance(item, Box) and isinstance(load, list):
                for atom in load:
                    if atom.kind == "text":
                        body.append(html_lib.escape(atom.text, quote=False))
                        _add_run(runs, atom.text, atom.style)
                    elif atom.kind == "note":  # the note floats away; its call stays, a box of its own
                        body.append(atom.text)
                        runs.append((par.calls[atom.style], -1))
                    else:
                        body.append(atom.text)
                        if atom.kind == "open":
                            open_tags.append(atom)
                        elif open_tags:
                            open_tags.pop()
                        runs.append(("", -1))  # an element boundary ends a text box
        hyphenated = line.hyphenated and built.items[line.end].width > 0
        natural = sum(measure(text, styles[s], True) - _ws(styles[s]) * _spaces(text) if s >= 0
                      else measure(text, par.call_style, False) for text, s in runs if text)
        text = "".join(t for t, _ in runs)
        if hyphenated:
            natural += built.items[line.end].width
            hyphens += 1
        last = number == len(lines) - 1
        target = par.width - (par.indent if number == 0 else 0.0)
        spacing = 0.0 if last or not spaces else (target - SLACK - natural) / spaces
        body.extend(f"</{a.name}>" for a in reversed(open_tags))
        if hyphenated:
            body.append('<span class="hy"></span>')
        style = f' style="word-spacing: {spacing:.3f}px"' if not last else ""
        out.append(f'<span class="cl"{style}>{"".join(body)}</span>')
        texts.append(text + ("-" if hyphenated else ""))
        # an element that runs on is opened again on the next line, without its id
        open_tags = [_Atom("open", _ID.sub("", a.text), name=a.name) for a in open_tags]
    return Composed("<br>".join(out), texts, [line.ratio for line in lines], hyphens)


def _spaces(text: str) -> int:
    return text.count(" ") + text.count("\u00a0")


def _add_run(runs: list[tuple[str, int]], text: str, style: int) -> None:
    if runs and runs[-1][1] == style:
        runs[-1] = (runs[-1][0] + text, style)
    else:
        runs.append((text, style))


# -- the HTML as a whole ------------------------------------------------------------------

def paragraph_pattern(key: str) -> re.Pattern[str]:
    return re.compile(r'(<p\b[^>]*\sdata-src="' + re.escape(key) + r'"[^>]*>)(.*?)(</p>)', re.S)


_LOOSENESS = re.compile(r'\sdata-looseness="(-?\d+)"')
_PARAGRAPH = re.compile(r'(<p\b[^>]*\sdata-src="([^"]+)"[^>]*>)(.*?)(</p>)', re.S)


def candidates(html: str) -> dict[str, tuple[str, str]]:
    """The paragraphs that may be composed: key -> (start tag, inner HTML). Whether one is
    justified is for its style to say (read_paragraphs)."""
    found: dict[str, tuple[str, str]] = {}
    for match in _PARAGRAPH.finditer(html):
        if match.group(2) not in found and atoms(match.group(3)) is not None:
            found[match.group(2)] = (match.group(1), match.group(3))
    return found


def note_numbers(html: str) -> dict[str, list[str]]:
    """The number each note's call will carry (the engine counts notes through the document),
    by the key of the paragraph that calls it."""
    out: dict[str, list[str]] = {}
    count = 0
    for match in re.finditer(r'<p\b[^>]*\sdata-src="([^"]+)"[^>]*>(.*?)</p>|' + _NOTE.pattern, html, re.S):
        if match.group(1) is None:
            count += 1  # a note outside a paragraph (in a list, a table)
            continue
        for _ in _NOTE.finditer(match.group(2)):
            count += 1
            out.setdefault(match.group(1), []).append(str(count))
    return out


def apply(html: str, composed: dict[str, Composed]) -> str:
    """The HTML with each composed paragraph's lines written in (the first paragraph of each key)."""
    done: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        key = match.group(2)
        if key not in composed or key in done:
            return match.group(0)
        done.add(key)
        start = match.group(1)
        if ' class="' in start:
            start = start.replace(' class="', ' class="composed ', 1)
        else:
            start = start[:-1] + ' class="composed">'
        return start + composed[key].inner + match.group(4)
    return _PARAGRAPH.sub(replace, html)


# -- reading the engine's boxes (no import of the engine: only its boxes' attributes) ------

def _walk(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _walk(child)


def _fragments(pages: Sequence[Any], keys: set[str]) -> dict[str, list[Any]]:
    """Each keyed paragraph's block boxes (one per page it runs over), in order."""
    found: dict[str, list[Any]] = {}
    for page in pages:
        for box in _walk(page._page_box):
            element = getattr(box, "element", None)
            if element is None or getattr(box, "element_tag", "") != "p" or type(box).__name__ != "BlockBox":
                continue
            key = element.get("data-src")
            if key in keys:
                found.setdefault(key, []).append(box)
    return found


def _line_boxes(block: Any) -> list[Any]:
    return [child for child in block.children if type(child).__name__ == "LineBox"]


def read_paragraphs(pages: Sequence[Any], inner_by_key: dict[str, str], numbers: dict[str, list[str]] | None = None,
                    ) -> tuple[list[Paragraph], dict[str, str]]:
    """What the galley's boxes tell of each paragraph: measure, indent, the styles of its text and of its
    notes' calls (`numbers`: the numbers the calls will carry in the report, by paragraph)."""
    numbers = numbers or {}
    out: list[Paragraph] = []
    left: dict[str, str] = {}
    fragments = _fragments(pages, set(inner_by_key))
    for key, inner in inner_by_key.items():
        blocks = fragments.get(key)
        if not blocks:
            left[key] = "not in the galley"
            continue
        first = blocks[0]
        style = first.style
        if style["text_align_all"] != "justify" or style["white_space"] != "normal":
            left[key] = "not justified"
            continue
        parts = atoms(inner)
        if parts is None:
            left[key] = "an element the composer does not set"
            continue
        elements: list[Any] = []
        element_styles: list[Any] = []
        call_style = None
        for block in blocks:
            for line in _line_boxes(block):
                for box in _walk(line):
                    element = getattr(box, "element", None)
                    if box is line or element is None or element is first.element:
                        continue
                    if (getattr(box, "element_tag", "") or "").endswith("::footnote-call") and hasattr(box, "text"):
                        call_style = box.style
                    if "::" in (getattr(box, "element_tag", "") or "") or element in elements:
                        continue
                    elements.append(element)
                    element_styles.append(box.style)
        if [str(e.tag).lower() for e in elements] != element_names(parts):
            left[key] = "its elements do not match the engine's boxes"
            continue
        calls = numbers.get(key, [])
        if len(calls) != sum(a.kind == "note" for a in parts) or (calls and call_style is None):
            left[key] = "its notes' calls are not where the composer looks for them"
            continue
        lines = _line_boxes(first)
        indent = float(getattr(lines[0], "text_indent", 0) or 0) if lines else 0.0
        limits = style["hyphenate_limit_chars"]
        out.append(Paragraph(key, inner, float(first.width), indent, [style, *element_styles],
                             style["hyphens"] == "auto" and bool(style["lang"]), str(style["lang"] or ""),
                             (int(limits[0]), int(limits[1]), int(limits[2])), calls, call_style))
    return out, left


def engine_lines(pages: Sequence[Any], keys: set[str]) -> dict[str, list[str]]:
    """The text of each line the engine set, per paragraph key (hyphen characters as '-')."""
    out: dict[str, list[str]] = {}
    for key, blocks in _fragments(pages, keys).items():
        lines = out.setdefault(key, [])
        for block in blocks:
            for line in _line_boxes(block):
                text = "".join(getattr(b, "text", "") for b in _walk(line) if type(b).__name__ == "TextBox")
                lines.append(_SPACE.sub(" ", text).strip().replace("\u2010", "-"))
    return out


def check(pages: Sequence[Any], composed: dict[str, Composed]) -> list[tuple[str, str]]:
    """Where the engine set a composed paragraph's lines other than composed: (key, what differs)."""
    found = engine_lines(pages, set(composed))
    problems: list[tuple[str, str]] = []
    for key, comp in composed.items():
        got = found.get(key)
        if got is None:
            continue  # not on these pages (a part of a long report)
        want = [line.strip() for line in comp.lines]
        if got != want:
            where = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                         min(len(got), len(want)))
            problems.append((key, f"line {where + 1}: the engine set {got[where:where + 1]!r}, "
                                  f"the composer {want[where:where + 1]!r} ({len(got)} lines, composed {len(want)})"))
    return problems


def compose_html(html: str, lay_out: Callable[[str], Any], measure: Measure) -> Outcome:
    """The HTML with every paragraph the composer can set broken into lines (see Composer)."""
    return Composer(lay_out, measure)(html)


class Composer:
    """Composes the paragraphs of one HTML after another (the preflight's passes), each paragraph
    once for as long as its start tag and its text stay the same.

    `lay_out` lays out a galley of the paragraphs not composed yet (galley.py) and returns the
    engine's pages; their boxes give each paragraph's measure and the styles its words are measured in.
    """

    def __init__(self, lay_out: Callable[[str], Any], measure: Measure) -> None:
        self.lay_out, self.measure = lay_out, measure
        self.done: dict[tuple[str, str, str], Composed | str] = {}  # (key, start tag, inner) -> lines or why not
        self.last = Outcome("")
        self.seconds = 0.0  # time spent composing, galley layouts included

    def __call__(self, html: str) -> Outcome:
        started = time.perf_counter()
        try:
            return self._compose(html)
        finally:
            self.seconds += time.perf_counter() - started

    def _compose(self, html: str) -> Outcome:
        from .galley import extract

        found = candidates(html)
        new = {key: inner for key, (start, inner) in found.items() if (key, start, inner) not in self.done}
        if new:
            galley = extract(html, set(new), notes=True)
            pars, left = read_paragraphs(self.lay_out(galley.html), {k: new[k] for k in galley.keys},
                                         note_numbers(html)) if galley.html else ([], {})
            for key in new:
                self.done[(key, *found[key])] = left.get(key, "not in the galley")
            for par in pars:
                loose = _LOOSENESS.search(found[par.key][0])  # the preflight's mend (preflight.Mend.looseness)
                composed = compose_paragraph(par, self.measure, int(loose.group(1)) if loose else 0)
                self.done[(par.key, *found[par.key])] = composed if composed is not None else "no feasible breaks"
        outcome = Outcome(html)
        for key, (start, inner) in found.items():
            result = self.done[(key, start, inner)]
            if isinstance(result, Composed):
                outcome.composed[key] = result
            else:
                outcome.left[key] = result
        outcome.html = apply(html, outcome.composed)
        self.last = outcome
        return outcome
