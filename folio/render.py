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

from .errors import BuildError, Position, Problem, line_position
from .paths import TEMPLATES_DIR
from .resolve import Document

STYLESHEETS = ("styles/fonts.css", "styles/tokens.css", "styles/page.css", "styles/typography.css",
               "styles/components.css")
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
