"""A galley proof: a few blocks of the report laid out on their own.

A mend made inside one paragraph (a hyphenation zone, word spacing, a word kept
whole) changes that paragraph's lines and nothing else, unless it changes how
many there are. Whether it cured a loose line can therefore be judged by laying
out that paragraph alone, at its own measure and in its own styles, instead of
the whole report again: preflight.py does so, and lays the whole report out
only to see what the mends did to the pages.

`extract` cuts those blocks out of the report's HTML with what their styles
depend on: the head (stylesheets, page size), the start tags of the elements
around them (classes, inline mends; ids dropped, as they would be doubled), and
an empty, hidden copy of the element before each (`p + p` indents a paragraph).
Page and column breaks are switched off, so that the galley is a few pages.
A block whose lines depend on the rest of the report cannot be judged alone and
is left out: one that calls a note (its number, and so its width, comes from the
notes before it) or holds a link into the report (a page number from elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)\b[^>]*?(/?)>")
_KEY = re.compile(r'\sdata-src="([^"]*)"')
_ID = re.compile(r'\s(?:id|data-src)="[^"]*"')
_STYLE = re.compile(r'\sstyle="[^"]*"')
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_NOT_ALONE = re.compile(r'class="footnote|href="#|data-target=')  # lines that depend on the rest of the report
_LINKS = re.compile(r'href="#|data-target=')  # ...a page number from elsewhere (notes: see `extract`)
_NO_BREAKS = "<style>* { break-before: auto !important; break-after: auto !important; }</style>"


@dataclass
class _Open:
    name: str
    start: int  # where its start tag begins in the HTML
    tag: str  # its start tag
    last_child: str = ""  # the start tag of its last element child closed so far


@dataclass
class Galley:
    html: str  # a document holding the blocks below, or "" when none could be cut out
    keys: list[str] = field(default_factory=list)  # the blocks it holds, in order


def extract(html: str, keys: set[str], notes: bool = False) -> Galley:
    """The blocks of `keys` that can be judged alone, as a document of their own.

    `notes`: blocks that call a note are taken too (the composer measures the calls' numbers itself).
    """
    alone = _LINKS if notes else _NOT_ALONE
    body = re.search(r"<body\b[^>]*>", html)
    if body is None or not keys:
        return Galley("")
    parts: list[str] = []
    found: list[str] = []
    body_frame = _Open("body", body.start(), body.group(0))  # holds the last child at the top level
    stack: list[_Open] = []
    for match in _TAG.finditer(html, body.end()):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            if name in _VOID or match.group(3):
                (stack[-1] if stack else body_frame).last_child = match.group(0)
                continue
            stack.append(_Open(name, match.start(), match.group(0)))
            continue
        while stack and stack[-1].name != name:  # an element closed implicitly (none in our templates)
            stack.pop()
        if not stack:
            break  # </body>
        done = stack.pop()
        key = _KEY.search(done.tag)
        if key and key.group(1) in keys:
            block = html[done.start:match.end()]
            if not alone.search(block):
                found.append(key.group(1))
                parts.append(_in_place(block, stack, (stack[-1] if stack else body_frame).last_child))
        (stack[-1] if stack else body_frame).last_child = done.tag
    if not found:
        return Galley("")
    head = html[:body.end()].replace("</head>", _NO_BREAKS + "</head>", 1)
    return Galley(head + "\n".join(parts) + "</body></html>", found)


def _in_place(block: str, around: list[_Open], before: str) -> str:
    """The block inside copies of the elements around it, after a hidden copy of the element
    before it (`before`, its start tag)."""
    opening = "".join(_ID.sub("", frame.tag) for frame in around)
    sibling = ""
    if before:
        name = _TAG.match(before).group(2)  # type: ignore[union-attr]
        sibling = f'{_STYLE.sub("", _ID.sub("", before))[:-1]} style="display: none"></{name}>'
    closing = "".join(f"</{frame.name}>" for frame in reversed(around))
    return f"{opening}{sibling}{block}{closing}"
