"""Inline markup in content strings: a small Markdown subset turned into safe HTML.

Supported: *emphasis*, **strong**, `[text](https://...)`, `http:` and `mailto:` links,
cross-references `[](#id)` / `[text](#id)`, footnote calls `[^id]`, smart
quotes and dashes, and non-breaking spaces where typography wants them.
Everything else is text: raw HTML is escaped, images and autolinks are off,
and nothing is ever evaluated as a template. Mistakes (an unknown note or
target, a link to a scheme other than https, http or mailto) are reported against
the string's position.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup

from .errors import Problems, locate
from .model import Note, Text
from .segment import mark_khmer

# A link is an annotation in the PDF, never fetched by the build: any web or mail address is
# legal. Schemes that would run or open something on the reader's machine are not.
ALLOWED_SCHEMES = ("https://", "http://", "mailto:")

# What a number counts, after it: joined to it by a no-break space, and a unit of several
# words ("sq km", "per cent") joined within too, so that "181,035 sq km" never ends a line
# before "km". A unit is whole: "5 m" but not "5 members".
_UNITS = (r"sq\.? (?:km|mi|m|ft)|square (?:kilomet(?:re|er)s?|miles?|met(?:re|er)s?|feet|foot)"
          r"|per (?:cent|mille|capita)|percent(?:age points?)?|thousand|million|billion|trillion"
          r"|[kKM]?m[²³23]|km|kg|cm|mm|ha|m|mi|ft|kWh|MWh|GWh|TWh|kW|MW|GW|°C|°F|%|‰|pp"
          r"|USD|EUR|CHF|GBP|JPY|CNY|KHR|THB|VND|riels?|dollars?|euros?")
# A currency before its amount ("USD 70", "$ 5", "US$ 1.2 billion")
_CURRENCIES = r"USD|EUR|CHF|GBP|JPY|CNY|KHR|THB|VND|US\$|\$|€|£|¥"
_NUMBER = r"\d[\d,.]*"


def _nobreak_spaces(match: re.Match[str]) -> str:
    return match.group().replace(" ", "\u00a0")


# Typography the author need not type: a spaced hyphen is a dash; non-breaking spaces after
# a title before a name, and between a number and what it counts; a short qualifier in
# parentheses ("(2024 est.)") and a term joined by a slash kept on one line. None of them
# changes a character the reader sees (README, "Inline markup", lists them).
_TYPOGRAPHY_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # "HIV/AIDS", "and/or": a line may break after a slash, which splits the term; keep it whole
    (re.compile(r"(?<![\w/.:@-])(\w{1,12}/\w{1,12})(?![\w/])"), '<span class="nobreak">\\1</span>'),
    # "(2024 est.)", "(sq km)", "(in USD)": up to three words and 20 characters, no markup inside
    (re.compile(r"\((?=[^()<>]{1,20}\))([^()<>\s]+(?: [^()<>\s]+){1,2})\)"), '<span class="nobreak">(\\1)</span>'),
    (re.compile(r"(?<=\S) - (?=\S)"), " \u2013 "),
    (re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|St|No|Art|H\.E)\. (?=\w)"), "\\1.\u00a0"),
    (re.compile(rf"(?<![\w.,])(?:{_NUMBER})(?: (?:{_UNITS}))+(?![\w²³])"), _nobreak_spaces),
    (re.compile(rf"(?<![\w$€£¥])(?:{_CURRENCIES}) (?={_NUMBER})"), _nobreak_spaces),
    # a unit of two words, also on its own ("Area, sq km" in a table's heading)
    (re.compile(r"(?<![\w.])(?:sq\.?|per) (?:km|mi|m|ft|cent|mille|capita)(?![\w²³])"), _nobreak_spaces),
    (re.compile(r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|"
                r"November|December|janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
                r"octobre|novembre|décembre)\b"), "\\1\u00a0\\2"),
    (re.compile(r"\b([Aa]rticles?|[Aa]rt\.|[Ss]ection|[Cc]hapter|[Pp]age|p\.) (?=\d)"), "\\1\u00a0"),
]


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can point at."""

    label: str  # "Section III.3", "Table 2"
    kind: str  # chapter, section, table, figure, box


@dataclass
class Context:
    """What the markup of one chapter can refer to, and what it records."""

    targets: dict[str, Target]
    notes: dict[str, Note]  # the chapter's notes: id -> text
    words: dict[str, str]
    problems: Problems
    render_note: Callable[[str, Note], Markup] | None = None  # set by the resolver
    called: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)  # notes called only where no call may stand


DROP = "drop"  # allow_notes=DROP: a second rendering of text set elsewhere (a list of tables): calls vanish


def _footnote_call(state: StateInline, silent: bool) -> bool:
    """`[^id]`: a footnote call, turned into a token of its own."""
    src, pos = state.src, state.pos
    if not src.startswith("[^", pos):
        return False
    end = src.find("]", pos + 2)
    if end < 0:
        return False
    ident = src[pos + 2 : end]
    if not re.fullmatch(r"[A-Za-z0-9_-]+", ident):
        return False
    if not silent:
        token = state.push("footnote_call", "", 0)
        token.meta = {"id": ident}
    state.pos = end + 1
    return True


# The only characters folio writes in place of the author's: "..." -> "…", "---" -> "—",
# "--" -> "–" (as markdown-it places them). markdown-it's own "replacements" rule also turns
# "(c)" into "©", "(r)", "(tm)", "+-", ".." and runs of "?", "!" and "," into other text,
# which changes what an author meant (a "(c)" marker is not a copyright sign): it stays off.
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
_EM_DASH = re.compile(r"(^|[^-])---(?=[^-]|$)", re.MULTILINE)
_EN_DASH = re.compile(r"(^|\s)--(?=\s|$)", re.MULTILINE)
_EN_DASH_BETWEEN = re.compile(r"(^|[^-\s])--(?=[^-\s]|$)", re.MULTILINE)


def replace_punctuation(text: str) -> str:
    """Ellipses and dashes typed as dots and hyphens; nothing else."""
    text = _ELLIPSIS.sub("\u2026", text)
    text = _EM_DASH.sub("\\1\u2014", text)
    text = _EN_DASH.sub("\\1\u2013", text)
    return _EN_DASH_BETWEEN.sub("\\1\u2013", text)


def _punctuation(state: StateCore) -> None:
    """A core rule in place of markdown-it's "replacements": text tokens only, never code or links' targets."""
    for token in state.tokens:
        for child in token.children or []:
            if child.type == "text" and ("..." in child.content or "--" in child.content):
                child.content = replace_punctuation(child.content)


# French spacing: a narrow no-break space (U+202F) before ; : ! ? and inside « ». Only
# punctuation that ends a word and is followed by a space, the end or a closing mark takes
# one, so "12:30", "https://", "C:\\" and "a::b" stay as written; a space the author typed
# there (plain or no-break) becomes the narrow one, so it is never doubled.
_FR_BEFORE = re.compile(r"(?<=[^\s\u00a0\u202f])[ \u00a0\u202f]*([;:!?]+)(?=[\s)\]»\u201d\u2019\"',.]|$)")
_FR_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_FR_CLOSE = re.compile(r"[ \u00a0\u202f]*»")
_CLOSES = ("em_close", "strong_close", "link_close", "code_inline")


def french_spacing(text: str, after_inline: bool = False) -> str:
    """French punctuation spaced with narrow no-break spaces; `after_inline`: the text follows
    emphasis, a link or code, so punctuation at its very start ends a word too."""
    text = _FR_BEFORE.sub("\u202f\\1", text)
    if after_inline:
        text = re.sub(r"^[ \u00a0\u202f]*([;:!?]+)(?=[\s)\]»\u201d\u2019\"',.]|$)", "\u202f\\1", text)
    return _FR_CLOSE.sub("\u202f»", _FR_OPEN.sub("«\u202f", text))


def _french(state: StateCore) -> None:
    """A core rule after smartquotes and text_join: text tokens only, never code or links' targets."""
    for token in state.tokens:
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "text":
                child.content = french_spacing(child.content, i > 0 and children[i - 1].type in _CLOSES)


def make_parser(language: str) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "linkify": False})
    md.enable(["smartquotes"])
    md.disable(["replacements"])
    md.core.ruler.before("smartquotes", "punctuation", _punctuation)
    md.disable(["image", "autolink", "html_inline", "entity"])
    md.validateLink = lambda url: True  # checked in `render_inline`, with an error message
    md.inline.ruler.before("link", "footnote_call", _footnote_call)
    if language.startswith("fr"):
        md.options["quotes"] = ["«\u202f", "\u202f»", "‘", "’"]  # four entries: open, close, open, close
        md.core.ruler.after("text_join", "french_spacing", _french)  # escapes joined: "C:\\" seen whole
    return md


def render_inline(md: MarkdownIt, text: Text, ctx: Context, *, allow_notes: bool | str = True,
                  refuse_hint: str = "") -> Markup:
    """The text as HTML, safe to put in a template.

    allow_notes: True, a call sets its note; False, a call is an error (with `refuse_hint`, if
    given); DROP, calls are left out silently (the text is set a second time elsewhere).
    """
    tokens = md.parseInline(text.value)
    children = tokens[0].children or [] if tokens else []
    return Markup("".join(_render(children, text, ctx, allow_notes, refuse_hint)))


def plain_text(md: MarkdownIt, text: Text) -> str:
    """The text with its markup removed: for bookmarks, running heads and metadata."""
    tokens = md.parseInline(text.value)
    out = []
    for tok in (tokens[0].children or [] if tokens else []):
        if tok.type == "text":
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif tok.type == "code_inline":
            out.append(tok.content)
    return "".join(out)


def _render(tokens: list[Token], text: Text, ctx: Context, allow_notes: bool | str,
            refuse_hint: str = "") -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "text":
            out.append(_typography(html.escape(tok.content, quote=False)))
        elif kind in ("softbreak", "hardbreak"):
            out.append(" " if kind == "softbreak" else "<br>")
        elif kind == "code_inline":
            out.append(f"<code>{html.escape(tok.content)}</code>")
        elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
            tag = "em" if kind.startswith("em") else "strong"
            out.append(f"<{'/' if kind.endswith('close') else ''}{tag}>")
        elif kind == "footnote_call":
            out.append(_footnote(tok.meta["id"], text, ctx, allow_notes, refuse_hint))
        elif kind == "link_open":
            close = _matching_close(tokens, i)
            inner = _render(tokens[i + 1 : close], text, ctx, allow_notes, refuse_hint)
            out.append(_link(str(tok.attrs.get("href", "")), "".join(inner), text, ctx))
            i = close
        else:  # any rule we did not expect: keep its text, escaped
            out.append(html.escape(tok.content))
        i += 1
    return out


def _matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j].type == "link_open":
            depth += 1
        elif tokens[j].type == "link_close":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _link(href: str, inner: str, text: Text, ctx: Context) -> str:
    if href.startswith("#"):
        ident = href[1:]
        target = ctx.targets.get(ident)
        if target is None:
            hint = _close_id(ident, ctx.targets)
            ctx.problems.add(locate(text.pos, f"(#{ident}", skip=1), f"cross-reference to unknown id '{ident}'",
                             where=text.where, hint=hint or "ids are set with 'id:' on a chapter or section")
            return inner
        if not inner.strip():
            inner = html.escape(target.label)
        page = html.escape(ctx.words["page"])
        return (f'<a class="xref" href="#{html.escape(ident)}">{inner}, '
                f'{page}\u00a0<span class="xref-page" data-target="#{html.escape(ident)}"></span></a>')
    if not href.lower().startswith(ALLOWED_SCHEMES):
        shown = href if len(href) < 60 else href[:57] + "..."
        ctx.problems.add(locate(text.pos, f"({href}", skip=1), f"link to {shown!r} is not allowed", where=text.where,
                         hint="links may use https://, http:// or mailto: only; for a place in the report use [](#id)")
        return inner
    if not inner.strip():
        inner = html.escape(href.removeprefix("mailto:"))
    return f'<a href="{html.escape(href)}">{inner}</a>'


def _footnote(ident: str, text: Text, ctx: Context, allow_notes: bool | str, refuse_hint: str = "") -> str:
    if allow_notes == DROP:
        return ""
    note = ctx.notes.get(ident)
    if note is None:
        ctx.problems.add(locate(text.pos, f"[^{ident}]"), f"footnote '[^{ident}]' has no text", where=text.where,
                         hint=f"add it under 'notes:' in this chapter, e.g. '{ident}: Source of the figure.'"
                         + (f" ({_close_id(ident, ctx.notes)})" if _close_id(ident, ctx.notes) else ""))
        return ""
    if not allow_notes:
        ctx.refused.add(ident)  # one mistake: not also "never called"
        ctx.problems.add(locate(text.pos, f"[^{ident}]"), f"footnote '[^{ident}]' cannot stand here", where=text.where,
                         hint=refuse_hint or "footnotes may be called from the text set on the page, not from "
                                             "chapter or section titles (they are repeated in the contents) or notes")
        return ""
    if ident in ctx.called:
        ctx.problems.add(locate(text.pos, f"[^{ident}]"), f"footnote '[^{ident}]' is called twice", where=text.where,
                         hint="each note is called once; give the second call a note of its own")
        return ""
    ctx.called.add(ident)
    assert ctx.render_note is not None
    return str(ctx.render_note(ident, note))


def _close_id(ident: str, known: dict) -> str:
    from .errors import did_you_mean

    return did_you_mean(ident, list(known))


def _typography(escaped: str) -> str:
    for pattern, replacement in _TYPOGRAPHY_RULES:
        escaped = pattern.sub(replacement, escaped)
    return mark_khmer(escaped)  # Khmer has no spaces between words: give it break opportunities
