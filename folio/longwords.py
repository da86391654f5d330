"""The longest word a text may print: a run of characters with no place for a line to break.

The layout engine lays a word too long for its line out again for every line it is cut
into, so the time it takes grows with the square of the word's length (10,000 characters:
7 s; 100,000: over 5 minutes), where the same amount of ordinary text takes a few seconds.
No word of a real report comes near the limit below: a printed web address of 1,000
characters is already unreadable, and an address that is the target of a link
(`[words](https://...)`) is not printed, so it is not counted.

Break opportunities are the Unicode line-breaking rules' (UAX #14, by ICU): after spaces,
hyphens, slashes and zero-width spaces, between CJK ideographs, and between the words of
Thai, Lao, Khmer and Burmese (found by ICU's dictionaries, as folio/segment.py does for
Khmer). A no-break space joins the words on each side into one.
"""

from __future__ import annotations

import re

MAX_WORD = 1000  # characters; README, "When something is wrong", lists it

# Spaces a line may break at (and the zero-width space); a run without any of them, longer
# than the limit, is the only text the line breaker needs to see.
_CANDIDATE = re.compile(f"[^ \\t\\n\\r\\u1680\\u2000-\\u2006\\u2008-\\u200b\\u205f\\u3000]{{{MAX_WORD + 1},}}")
# a link's target, `](...)` (one level of parentheses inside it, as in Markdown): not printed
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*\)")


def longest_word(text: str) -> tuple[int, int] | None:
    """Where the first word longer than MAX_WORD starts in `text`, and its length; None if none.

    Markup characters (`*`, `[`) count as part of the word they touch: at worst a word a
    few characters short of the limit is refused with them.
    """
    if not _CANDIDATE.search(text):  # nearly every text: one pass of a regular expression
        return None
    printed, origin = _without_link_targets(text)
    from icu4py.breakers import LineBreaker

    for run in _CANDIDATE.finditer(printed):
        start = run.start()
        for piece in LineBreaker(run.group(), "en"):
            length = len(piece.rstrip())
            if length > MAX_WORD:
                return origin[start], length
            start += len(piece)
    return None


def _without_link_targets(text: str) -> tuple[str, list[int]]:
    """The text with every link's `(target)` taken out, and each kept character's index in `text`."""
    kept: list[str] = []
    origin: list[int] = []
    last = 0
    for match in _LINK_TARGET.finditer(text):
        kept.append(text[last : match.start() + 1])  # up to and with the "]"
        origin.extend(range(last, match.start() + 1))
        last = match.end()
    kept.append(text[last:])
    origin.extend(range(last, len(text)))
    return "".join(kept), origin
