"""Render the resolved document to one HTML string with Jinja2.

Autoescape is on for every template and undefined names are errors, so a
template that asks for a field the model lacks fails with its file and line.
Content never becomes template source: it arrives as data (escaped text or
`Markup` made by markup.py) and is only ever substituted.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import BuildError
from .paths import TEMPLATES_DIR
from .resolve import Document

STYLESHEETS = ("styles/fonts.css", "styles/tokens.css", "styles/page.css", "styles/typography.css",
               "styles/components.css", "styles/preflight.css")
PAPER = {"A4": "A4", "Letter": "letter"}


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


def build_timestamp(doc: Document, source_date_epoch: str | None) -> str:
    if source_date_epoch:
        moment = dt.datetime.fromtimestamp(int(source_date_epoch), tz=dt.UTC)
    else:
        moment = dt.datetime.combine(doc.report.date, dt.time(0, 0), tzinfo=dt.UTC)
    return moment.isoformat()


def page_css(doc: Document) -> str:
    """The few page rules that come from report.yaml rather than from styles/."""
    rules = [f"@page {{ size: {PAPER[doc.report.paper]}; }}"]
    if doc.report.chapter_start == "right":
        rules.append(".chapter { break-before: right; }")
    return "\n".join(rules)


def render_html(doc: Document, env: jinja2.Environment, info: BuildInfo) -> str:
    try:
        return env.get_template("report.html").render(doc=doc, build=info)
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError(f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}") from exc
    except (jinja2.UndefinedError, jinja2.TemplateError) as exc:
        raise BuildError(f"{_template_place(exc)}template error: {exc}") from exc


def _template_place(exc: BaseException) -> str:
    """'templates/cover.html:12: ' from the innermost template frame of the traceback."""
    place = ""
    for frame in traceback.extract_tb(sys.exc_info()[2] or exc.__traceback__):
        if frame.filename.endswith(".html") and Path(frame.filename).is_file():
            place = f"{Path(frame.filename).relative_to(TEMPLATES_DIR.parent)}:{frame.lineno}: "
    return place
