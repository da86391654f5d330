"""Split a footnote's HTML into parts set on successive pages.

WeasyPrint 70 never breaks a footnote across pages. The preflight (preflight.py)
therefore breaks a long note itself: after the note's first words it closes the
note and opens a continuation, a second `float: footnote` element with no call
and no marker (styles/blocks.css, `.footnote-cont`), set right after the first
part in the same line of text. The continuation's `footnote-policy: auto` lets the
engine carry it, alone, to the head of the next page's notes (its "reported
footnotes", set before anything called on that page) while the call and the first
part stay where they are. Nothing is inserted into the running text of the next
page, so no line there changes.

The continuations are styled by styles/notesplit.css, which is linked into the
HTML only when a note is cut: a report whose notes all fit is laid out, and its
PDF written, byte for byte as without this module.

A note is cut only between words, and its HTML is split as a tree: every element
open at a cut is closed there and opened again at the start of the next part, so
em, strong and links stay balanced. Cuts are counted in words, where a word is a
run of characters between ASCII white space or the zero-width spaces set between
Khmer words (a non-breaking space joins two words into one, as it does for the
line breaker).
"""

from __future__ import annotations

import html as html_lib
import re

# What the line breaker may break at: ASCII white space (not U+00A0), and the zero-width
# spaces segment.py puts between Khmer words, which are written without spaces.
SPACES = " \t\n\r\f\u200b"
WORD_SPACE = re.compile(f"[{SPACES}]+")
WORD = re.compile(f"[^{SPACES}]+")
_TOKEN = re.compile(r"<[^>]*>|[^<]+")
_VOID = {"br", "img", "wbr", "hr"}
CONT_CLASS = "footnote footnote-cont"
CONT_SEP = "~"  # the k-th part of note X has id note-X~k (k >= 2)


def words(text: str) -> list[str]:
    return [w for w in WORD_SPACE.split(text) if w]


def split_html(body: str, cuts: tuple[int, ...]) -> list[str]:
    """The note's HTML in len(cuts) + 1 parts: part k begins at word cuts[k-1] (0-based).

    Elements open at a cut are closed before it and reopened after it (without their
    id, which must stay unique); an element opened just before the cut with nothing in
    it yet moves whole to the next part instead of being left empty.
    """
    parts: list[str] = []
    out: list[str] = []
    stack: list[tuple[str, str, int]] = []  # (start tag, name, len(out) after it)
    pending = list(cuts)
    count, in_word = 0, False
    for token in _TOKEN.findall(body):
        if token.startswith("<"):
            name = re.match(r"</?\s*([\w-]+)", token)
            tag = name.group(1).lower() if name else ""
            if token.startswith("</"):
                if stack and stack[-1][1] == tag:
                    stack.pop()
            elif not token.endswith("/>") and tag not in _VOID:
                out.append(token)
                stack.append((token, tag, len(out)))
                continue
            out.append(token)
            continue
        at = 0
        for found in WORD.finditer(token):
            if found.start() > 0 or not in_word:  # a word starts here (not a word going on past a tag)
                if pending and count == pending[0]:
                    pending.pop(0)
                    if found.start() > at:
                        out.append(token[at:found.start()])
                    whole = len(stack) - _empty_tail(out, stack)  # the elements with something in them
                    parts.append(_close(out, stack))
                    out = [_reopened(s) if i < whole else _without_id(s) for i, (s, _, _) in enumerate(stack)]
                    stack = [(s, n, i + 1) for i, (s, n, _) in enumerate(stack)]
                    at = found.start()
                count += 1
        out.append(token[at:])
        in_word = token[-1] not in SPACES
    parts.append("".join(out))
    return [p.strip() for p in parts]


def _close(out: list[str], stack: list[tuple[str, str, int]]) -> str:
    """Part so far with its open elements closed; elements still empty are left for the next part."""
    keep = len(stack) - _empty_tail(out, stack)
    del out[len(out) - (len(stack) - keep):]  # opened with nothing in them yet: drop their start tags here
    return ("".join(out).rstrip() + "".join(f"</{name}>" for _, name, _ in reversed(stack[:keep])))


def _empty_tail(out: list[str], stack: list[tuple[str, str, int]]) -> int:
    """How many of the innermost open elements were opened at the end of `out`, with nothing in them yet."""
    empty = 0
    while (empty < len(stack) and stack[-1 - empty][2] == len(out) - empty
           and out[len(out) - 1 - empty] == stack[-1 - empty][0]):
        empty += 1
    return empty


def _without_id(start_tag: str) -> str:
    return re.sub(r'\s+id="[^"]*"', "", start_tag)


def _reopened(start_tag: str) -> str:
    """An element open at a cut, opened again in the next part: without its id, and a paragraph
    of a note (resolve.py) marked as going on, so that it is not indented as a new one."""
    return _without_id(start_tag).replace('class="note-para"', 'class="note-para note-para-cont"')


def note_start(note_id: str) -> str:
    """The start tag resolve.py writes for note `note_id` ('<chapter>.<note>')."""
    return f'<span class="footnote" id="note-{html_lib.escape(note_id)}">'


STYLESHEET = "styles/notesplit.css"  # the continuations' style: linked only where a note is cut


def _with_stylesheet(html: str) -> str:
    link = f'<link rel="stylesheet" href="{STYLESHEET}">'
    return html if link in html else html.replace("</head>", link + "\n</head>", 1)


def apply_splits(html: str, splits: dict[str, tuple[int, ...]],
                 anchors: dict[str, tuple[str, ...]] | None = None) -> str:
    """The HTML with each note in `splits` cut after those words into a first part and continuations,
    and the stylesheet that sets them (styles/notesplit.css) linked when any is.

    A continuation is called right after the part before it, or, when `anchors` names a note for
    it, right after that note (a note called later on the same page, whose note must come first)."""
    if any(splits.values()):
        html = _with_stylesheet(html)
    moves: list[tuple[str, str]] = []  # (continuation's id, note to call it after)
    for note_id, cuts in sorted(splits.items()):
        if not cuts:
            continue
        start_tag = note_start(note_id)
        start = html.find(start_tag)
        if start < 0:
            continue
        body_start = start + len(start_tag)
        end = _matching_end(html, body_start)
        parts = split_html(html[body_start:end], cuts)
        cont = "".join(f'<span class="{CONT_CLASS}" id="note-{html_lib.escape(note_id)}{CONT_SEP}{k}">{part}</span>'
                       for k, part in enumerate(parts[1:], 2))
        first = f'{start_tag[:-1]} data-parts="{len(parts)}">'  # how many parts the build must find
        html = html[:start] + first + parts[0] + "</span>" + cont + html[end + len("</span>"):]
        moved = False
        for k, after in enumerate((anchors or {}).get(note_id, ())[:len(parts) - 1], 2):
            if after or moved:  # after the note named, or after the part before it, wherever that went
                moves.append((f"{note_id}{CONT_SEP}{k}", after or f"{note_id}{CONT_SEP}{k - 1}"))
                moved = True
    for cont_id, after in moves:  # once every note is cut: a note cut itself keeps its own parts after it
        html = _move_after(html, cont_id, after)
    return html


def _move_after(html: str, cont_id: str, after: str) -> str:
    """Move the continuation `cont_id` to just after the part whose id is note-`after`."""
    cont_tag = f'<span class="{CONT_CLASS}" id="note-{html_lib.escape(cont_id)}">'
    target_tag = re.compile(rf'<span class="footnote[^"]*" id="note-{re.escape(html_lib.escape(after))}"[^>]*>')
    start = html.find(cont_tag)
    if start < 0 or target_tag.search(html) is None:
        return html
    stop = _matching_end(html, start + len(cont_tag)) + len("</span>")
    span = html[start:stop]
    html = html[:start] + html[stop:]
    target = target_tag.search(html)
    assert target is not None
    at = _matching_end(html, target.end()) + len("</span>")
    return html[:at] + span + html[at:]


RUNOVER = '<div class="notes-runover"></div>'


def with_runover(html: str, pages: int = 1) -> str:
    """The HTML with pages after the last one of the report's text, for the continuations of a
    note called on that last page (WeasyPrint 70 drops a note carried past the document's end
    when it lays the pages out a second time, for the contents' page numbers)."""
    if pages <= 0:
        return html
    html = _with_stylesheet(html)
    at = html.rfind("</main>")
    at = at if at >= 0 else html.rfind("</body>")
    return html[:at] + RUNOVER * pages + html[at:] if at >= 0 else html + RUNOVER * pages


def _matching_end(html: str, at: int) -> int:
    """Where the span whose content starts at `at` closes."""
    depth = 1
    for found in re.finditer(r"<(/?)span\b[^>]*>", html[at:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return at + found.start()
    raise ValueError("unbalanced note")
