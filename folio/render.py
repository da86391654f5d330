"""Render the resolved document to one HTML string with Jinja2.

Autoescape is on for every template and undefined names are errors, so a
template that asks for a field the model lacks fails with its file and line.
Content never becomes template source: it arrives as data (escaped text or
`Markup` made by markup.py) and is only ever substituted.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import BuildError, Position, Problem, line_position
from .paths import TEMPLATES_DIR
from .resolve import Document
from .words import format_date

STYLESHEETS = ("styles/fonts.css", "styles/tokens.css", "styles/page.css", "styles/typography.css",
               "styles/components.css", "styles/preflight.css")
PAPER = {"A4": ("A4", "297mm"), "Letter": ("letter", "279.4mm")}  # CSS size keyword, page height


@dataclass(frozen=True)
class BuildInfo:
    """What the templates know of this build (not of the content)."""

    timestamp: str  # ISO 8601; from SOURCE_DATE_EPOCH or the report's date, for reproducible bytes
    stylesheets: tuple[str, ...]
    page_css: str


def environment(templates: Path = TEMPLATES_DIR) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


# The latest moment a four-digit year can hold (9999-12-31 23:59:59 UTC): the PDF's dates need one.
LATEST_EPOCH = 253_402_300_799


def epoch_moment(source_date_epoch: str) -> dt.datetime:
    """SOURCE_DATE_EPOCH as a moment; a BuildError saying what is expected for anything but a
    whole number of seconds since 1970 (the reproducible-builds convention: no sign, no fraction)."""
    value = source_date_epoch.strip()
    if value.isascii() and value.isdigit() and int(value) <= LATEST_EPOCH:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    shown = source_date_epoch if len(source_date_epoch) <= 40 else source_date_epoch[:40] + "..."
    raise BuildError(f"SOURCE_DATE_EPOCH is {shown!r}: expected a whole number of seconds since 1970-01-01 "
                     f"00:00 UTC, from 0 to {LATEST_EPOCH} (for example 1612828800 for 2021-02-09); "
                     "set it so, or unset it")


def build_timestamp(doc: Document, source_date_epoch: str | None) -> str:
    if source_date_epoch:
        moment = epoch_moment(source_date_epoch)
    else:
        moment = dt.datetime.combine(doc.report.date, dt.time(0, 0), tzinfo=dt.UTC)
    return moment.isoformat()


def page_css(doc: Document) -> str:
    """The few page rules that come from report.yaml rather than from styles/."""
    size, height = PAPER[doc.report.paper]
    rules = [f"@page {{ size: {size}; }}", f".cover {{ height: {height}; }}"]
    if doc.report.chapter_start == "right":
        rules.append(".chapter { break-before: right; }")
    return "\n".join(rules)


def built_at(source_date_epoch: str | None) -> dt.datetime:
    """When this build ran, for a draft's footer: SOURCE_DATE_EPOCH when set (reproducible), else now."""
    if source_date_epoch:
        return epoch_moment(source_date_epoch)
    return dt.datetime.now(tz=dt.UTC).replace(second=0, microsecond=0)


def css_string(text: str) -> str:
    """Text as a CSS string literal: "..." with quotes, backslashes and line ends escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def status_css(doc: Document, built: dt.datetime) -> str:
    """The distribution markings report.yaml's status asks for, in the report's words.

    draft: DRAFT across every page (a page background, so an artifact) and the build time in
    every footer; embargoed: "Embargoed until ..." in every footer (the cover says it too);
    final: nothing. The footer is a margin box, so pdfua.py marks it as an artifact.
    """
    report, words = doc.report, doc.words
    if report.status == "draft":
        stamp = f"{format_date(built.date(), report.language)}, {built:%H:%M} UTC"
        footer = f"{words['draft_built']} {stamp}"
        rules = [f"@page {{ background: url({css_string(watermark_svg(words['draft'].upper(), report.paper))}) "
                 "center / 100% 100% no-repeat; }"]
    elif report.status == "embargoed" and report.embargo is not None:
        footer = f"{words['embargoed_until']} {report.embargo.value}"
        rules = []
    else:
        return ""
    rules.append(f"@page {{ @bottom-center {{ content: {css_string(footer)}; color: #a01010; font-weight: 600; "
                 "vertical-align: top; padding-top: 6mm; } }")
    rules.append("@page cover { @bottom-center { content: none; } }")
    return "\n".join(rules)


def watermark_svg(word: str, paper: str) -> str:
    """A data: URL of an SVG page with the word set large and diagonal, in a pale grey."""
    from urllib.parse import quote

    width, height = (210, 297) if paper == "A4" else (215.9, 279.4)
    angle = -math.degrees(math.atan2(height, width))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
           f'<text x="{width / 2}" y="{height / 2}" transform="rotate({angle:.2f} {width / 2} {height / 2})" '
           f'text-anchor="middle" dominant-baseline="middle" font-family="Report Sans" font-weight="700" '
           f'font-size="{min(width, height) / max(len(word), 4) * 1.6:.1f}" letter-spacing="4" '
           f'fill="#000" fill-opacity="0.08">{html.escape(word)}</text></svg>')
    return "data:image/svg+xml," + quote(svg)


def render_html(doc: Document, env: jinja2.Environment, info: BuildInfo) -> str:
    """The report as HTML; a template mistake is a BuildError naming the template's file and line."""
    try:
        return env.get_template("report.html").render(doc=doc, build=info)
    except jinja2.TemplateSyntaxError as exc:
        raise _template_error(exc, Path(exc.filename) if exc.filename else None, exc.lineno, exc.message) from exc
    except jinja2.TemplateError as exc:
        path, line = _template_place(exc)
        raise _template_error(exc, path, line, str(exc)) from exc


def _template_error(exc: Exception, path: Path | None, line: int, message: str | None) -> BuildError:
    text = f"template error: {message or type(exc).__name__}"
    if path is None:
        return BuildError(text)
    problem = Problem(line_position(path, line) if line else Position(path), text,
                      hint="templates may use only the fields of folio/model.py and the views made in folio/resolve.py"
                      if isinstance(exc, jinja2.UndefinedError) else "")
    return BuildError(f"{path}:{line}: {text}", [problem])


def _template_place(exc: BaseException) -> tuple[Path | None, int]:
    """The innermost template frame of the traceback: the template's file and line."""
    place: tuple[Path | None, int] = (None, 0)
    for frame in traceback.extract_tb(sys.exc_info()[2] or exc.__traceback__):
        if frame.filename.endswith(".html") and Path(frame.filename).is_file():
            place = (Path(frame.filename), frame.lineno or 0)
    return place
