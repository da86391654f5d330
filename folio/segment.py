"""Word boundaries for scripts written without spaces (Khmer), so that their lines can wrap.

Pango breaks lines only at spaces and other break opportunities it knows; Khmer
text runs on with no space between words, and WeasyPrint lets it overflow its box
without a warning. ICU's line breaker (dictionary-based for Khmer) finds the word
boundaries; a ZERO WIDTH SPACE (U+200B) at each one gives the engine a place to
break and prints nothing. Each Khmer run is also wrapped in `<span lang="km">`, so
that the PDF's structure knows its language and the styles can give it the extra
leading its stacked subscripts need (styles/typography.css).

ICU comes from the `icu4py` wheel, which bundles the library and its data: nothing
to install from the system, nothing fetched at build time.
"""

from __future__ import annotations

import re
from functools import cache

ZWSP = "\u200b"
# Khmer letters, signs and digits, Khmer symbols, and the joiners that may sit inside a word.
KHMER_RUN = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff\u200c\u200d]+")


@cache
def khmer_words(run: str) -> tuple[str, ...]:
    """The run cut at ICU's line-break opportunities: words, or syllables where the dictionary has no word."""
    from icu4py.breakers import LineBreaker

    return tuple(LineBreaker(run, "km"))


def break_khmer(text: str) -> str:
    """U+200B between the words of every Khmer run; other text unchanged."""
    return KHMER_RUN.sub(lambda m: ZWSP.join(khmer_words(m.group())), text)


def mark_khmer(escaped_html: str) -> str:
    """Escaped text (no tags) with each Khmer run wrapped in <span lang="km"> and broken into words."""
    return KHMER_RUN.sub(lambda m: f'<span lang="km">{ZWSP.join(khmer_words(m.group()))}</span>', escaped_html)
