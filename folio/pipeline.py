"""The build, step by step: load, validate, resolve, render, typeset, write.

Each step hands the next a plain value. `check` stops after rendering the
HTML (it validates everything a build would and never imports WeasyPrint);
`build` goes on to lay out and write the PDF. Timings of each step are kept
for the progress line and the benchmark.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html as html_lib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from . import chartcache, chunks, cssfonts, finish, fonts, glyphs, model, notesplit, parts, preflight, profiles, record
from .errors import BuildError, ContentError, Position, Problem, Problems
from .paths import PROJECT_ROOT, STYLES_DIR, Refused, project_file
from .render import STYLESHEETS, BuildInfo, build_timestamp, built_at, environment, page_css, render_html, status_css
from .resolve import Document, Resolver
from .validate import ChapterCache, read_report

if TYPE_CHECKING:
    from . import printcheck


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)
    listener: Callable[[str], None] | None = None  # told each step's name as it starts (progress.py)

    def add(self, name: str, seconds: float) -> None:
        self.steps[name] = self.steps.get(name, 0.0) + seconds


class Stopwatch:
    def __init__(self, timings: Timings, name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        if self.timings.listener is not None:
            self.timings.listener(self.name)
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings.add(self.name, time.perf_counter() - self.start)


@dataclass
class Prepared:
    report: model.Report
    doc: Document
    sketch: str  # the screen profile's HTML, its charts not drawn yet: all that --check needs
    chart_cache: Path | None = None  # where drawn charts are kept (chartcache.py); None: not on disk

    @functools.cached_property
    def html(self) -> str:
        """The screen profile's HTML, every chart drawn (once, through the cache)."""
        from .chartcache import fill

        return fill(self.sketch, self.doc.charts, self.chart_cache)

    def html_for(self, profile: str) -> str:
        """The HTML for one profile: the screen HTML with the profile's stylesheets added."""
        return _with_stylesheets(self.html, profiles.PROFILES[profile].stylesheets)


_FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


@dataclass
class Warm:
    """What a long-lived process (--watch) keeps from one build to the next.

    The parsed templates (Jinja reloads a template only when its file changed), the
    chapters read from unchanged files, and the safe fetcher with the bytes of the
    fonts and images it has read; `forget` drops what a changed file made stale.
    """

    env: Any = None  # jinja2.Environment, made on first use
    chapters: ChapterCache = field(default_factory=dict)
    fetcher: Any = None  # typeset.ProjectFetcher, made on first use (it imports WeasyPrint)
    roots: tuple[Path, ...] = ()
    # the last build's mends and notes' cuts (what record.py writes beside the PDF), in memory
    last: record.Record | None = None

    def forget(self, paths: Iterable[Path]) -> None:
        paths = [Path(p) for p in paths if not chartcache.holds(Path(p))]  # the build's own charts: no input
        names = {p.name for p in paths}
        if self.fetcher is not None:
            for path in paths:
                self.fetcher.cache.pop(os.path.realpath(path), None)
        if any(not n.endswith((".yaml", ".yml", ".css", ".html", *_FONT_SUFFIXES)) for n in names):
            self.chapters.clear()  # maybe an image a figure names: its chapter vets it again (images.py)
        if "report.yaml" in names or any(n.endswith((".css", ".html", *_FONT_SUFFIXES)) for n in names):
            self.last = None  # a change to the whole report or its design: every block starts afresh

    def start_mends(self, html: str) -> dict[str, Any]:
        """The last build's mends for the blocks of this HTML that say the same as then."""
        return start_mends(html, self.last.mends) if self.last is not None else {}


def start_mends(html: str, by_text: dict[str, Any]) -> dict[str, Any]:
    """Mends kept by what their block said, given to the blocks of this HTML that say the same."""
    return {key: by_text[text] for key, text in _block_texts(html).items() if text in by_text}


def mends_by_text(html: str, mends: dict[str, Any]) -> dict[str, Any]:
    texts = _block_texts(html)
    return {texts[key]: mend for key, mend in mends.items() if key in texts}


_BLOCK = re.compile(r'data-src="([^"]+)"[^>]*>(?=(.{0,400}))', re.S)  # lookahead: blocks nest


def _block_texts(html: str) -> dict[str, str]:
    """Each block's key and the start of its HTML (enough to tell one paragraph from another)."""
    return {match.group(1): match.group(2) for match in _BLOCK.finditer(html)}


def load(content: Path, chapter_cache: ChapterCache | None = None) -> model.Report:
    problems = Problems()
    report = read_report(content.resolve(), problems, chapter_cache)
    problems.raise_if_any()
    assert report is not None
    return report


def prepare(content: Path, timings: Timings | None = None, env=None, warm: Warm | None = None, *,
            draft: bool = False) -> Prepared:
    """Everything up to the HTML; raises ContentError with every problem found.

    `draft` marks this build a draft whatever report.yaml's status says (--draft); `warm`
    carries what a long-lived process (--watch) keeps between builds.
    """
    timings = timings or Timings()
    if warm is not None:
        warm.env = env = env or warm.env or environment()
    with Stopwatch(timings, "load"):
        problems = Problems()
        report = read_report(content.resolve(), problems, warm.chapters if warm is not None else None)
    with Stopwatch(timings, "render"):
        if report is None:
            problems.raise_if_any()
        assert report is not None
        if draft:
            report = dataclasses.replace(report, status="draft")
        found = Problems()
        doc = Resolver(report, found).resolve()
        # After load errors, part of the report is missing: resolve what is there too, so that
        # one run reports everything, but leave out what may only echo the missing part.
        problems.extend(Problems([p for p in found.items if not (problems and _echo(p.message))]))
        problems.raise_if_any()
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        info = BuildInfo(
            timestamp=build_timestamp(doc, epoch),
            stylesheets=STYLESHEETS,
            page_css=Markup(page_css(doc) + "\n" + status_css(doc, built_at(epoch)) + "\n" + _fonts_css(report)),
        )
        env = env or environment()
        html = render_html(doc, env, info)
        check_references(html, roots_for(report), tuple(Path(p) for p in getattr(env.loader, "searchpath", ())))
    with Stopwatch(timings, "glyphs"):
        check_glyphs(html, report, doc)
    return Prepared(report, doc, html)


def _fonts_css(report: model.Report) -> str:
    """The @font-face rules and stacks of the fonts report.yaml names (fonts.py)."""
    if not report.fonts:
        return ""
    return fonts.css(report.fonts, cssfonts.variables(STYLESHEETS, roots_for(report)))


def check_glyphs(html: str, report: model.Report, doc: Document) -> None:
    """Every character no font of the report has, at its content's place, before any layout.

    A report that lets the machine's fonts stand in (`system_fonts: true`) is not checked:
    what the machine has decides, and the engine still fails on a glyph none has.
    """
    if report.system_fonts:
        return
    files = [f for f in (report.file, *(c.file for c in report.chapters)) if f is not None]
    found = glyphs.check(html, roots_for(report), doc.sources, files, report.language)
    if found:
        raise ContentError(found)


def _echo(message: str) -> bool:
    """A resolver message that a chapter, section or block lost to a load error can cause."""
    return message.startswith("cross-reference to unknown id") or message.endswith(("is never called", "has no text"))


# What the engine will fetch: `src` and `<link href>` in the HTML; url() and @import in CSS.
_HTML_REF = re.compile(r'<link\b[^>]*?\bhref="([^"]*)"|(?<![\w-])src="([^"]*)"')  # not data-src
_CSS_REF = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def check_references(html: str, roots: tuple[Path, ...], templates: tuple[Path, ...] = ()) -> None:
    """Every file the HTML and its stylesheets name, checked as the fetcher will (without WeasyPrint).

    A mistake in a template or stylesheet is caught by --check, with its line, instead
    of half-way through a layout; the fetcher still refuses whatever slips past.
    """
    problems = Problems()
    sheets: list[Path] = []
    for match in _HTML_REF.finditer(html):
        name = html_lib.unescape(match.group(1) or match.group(2))
        if name.startswith(("#", "data:")):
            continue
        try:
            path = project_file(name, PROJECT_ROOT, roots)
        except Refused as exc:
            problems.add(_in_templates(match.group(1) or match.group(2), templates), f"{name}: {exc}",
                         hint="templates may only name files inside the project (styles/, the content folder)")
            continue
        if path.suffix == ".css":
            sheets.append(path)
    for sheet in sheets:
        for number, line in enumerate(sheet.read_text(encoding="utf-8").splitlines(), 1):
            for match in _CSS_REF.finditer(line):
                name = match.group(1) or match.group(2)
                if name.startswith(("#", "data:")):
                    continue
                column = match.start(1 if match.group(1) else 2) + 1
                where = Position(sheet, number, column, column + len(name))
                try:
                    found = project_file(name, sheet.parent, roots)
                except Refused as exc:
                    problems.add(where, f"{name}: {exc}")
                    continue
                if found.suffix == ".css":
                    if found not in sheets:
                        sheets.append(found)  # an @import: checked in its turn
                    continue
                _vet_image(found, roots, name, where, problems)
    if problems:
        raise BuildError(f"{len(problems)} reference(s) the build would refuse", problems.items)


def _vet_image(path: Path, roots: tuple[Path, ...], name: str, where: Position, problems: Problems) -> None:
    """An image a stylesheet names, vetted as the fetcher will vet it (images.py), so that --check and
    the build refuse the same pictures; a font or other file is not an image and is left to the engine."""
    from .assets import image_kind
    from .images import ImageError, vet

    try:
        if not image_kind(path):
            return
        vet(path, roots, name)
    except OSError as exc:
        problems.add(where, f"{name}: cannot be read: {exc.strerror or exc}")
    except ImageError as exc:
        problems.add(where, f"{name}: {exc.why}", hint=exc.hint)


def _in_templates(written: str, templates: tuple[Path, ...]) -> Position:
    """Where a template writes a name the HTML has (as written, escaped), else the rendered HTML."""
    for folder in templates:
        for path in sorted(folder.rglob("*.html")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                column = line.find(written)
                if column >= 0:
                    return Position(path, number, column + 1, column + 1 + len(written))
    return Position(Path("<the rendered HTML>"))


@dataclass
class Result:
    path: Path
    pages: int
    seconds: float
    timings: Timings
    others: list[tuple[Path, int]] = field(default_factory=list)  # further profiles' PDFs and pages (--profile all)
    preflight: preflight.PreflightReport | None = None
    notes: list[str] = field(default_factory=list)  # lines for the user: the print preflight's
    warnings: list[Problem] = field(default_factory=list)  # its findings (errors with --strict fail the build)


def roots_for(report: model.Report) -> tuple[Path, ...]:
    return (STYLES_DIR, report.folder)


@dataclass
class BuildOptions:
    """How to build, as the command line says; each field has the default a plain build uses."""

    output: Path | None = None  # default: build/<slug>.pdf (build/<slug>-print.pdf for the print profile)
    html_out: Path | None = None  # also write the HTML that was typeset (the first profile's)
    profile: str = "screen"  # screen, print or all (see profiles.py)
    draft: bool = False  # mark this build a draft whatever report.yaml's status says
    # no font of the machine, even if report.yaml says `system_fonts: true` (the default without it)
    bundled_fonts_only: bool = False
    mend: bool = True  # preflight mends the defects it finds (False: the engine's pages, untouched)
    strict: bool = False  # a defect preflight cannot mend fails the build
    fresh: bool = False  # ignore the last build's mends (record.py): find and mend from scratch
    compose: bool | None = None  # total-fit line breaking (compose.py); None: as report.yaml says (default off)
    jobs: int | None = None  # processes to lay out in (chunks.py); None: every core for a long report
    sheet: str | None = None  # the booklet's sheet (booklet.SHEETS_FOR); None: the report's own paper
    progress: Callable[[str], None] | None = None  # told the name of each step as it starts


def build(content: Path, options: BuildOptions | None = None, warm: Warm | None = None) -> Result:
    """Build the PDF; the target is replaced only when everything succeeded."""
    options = options or BuildOptions()
    started = time.perf_counter()
    timings = Timings(listener=options.progress)
    names = profiles.expand(options.profile)
    exact = options.output is not None and len(names) == 1  # -o names the one PDF; with 'all', the first
    if options.output is not None:  # before any work: a path that can never be written, or is an input
        _check_outputs([profiles.output_path(options.output, name, exact) for name in names], options, content)
    with Stopwatch(timings, "import"):
        from . import typeset  # WeasyPrint is imported only when a PDF is made
    prepared = prepare(content, timings, warm=warm, draft=options.draft)
    if "booklet" in names:
        _check_sheet(options.sheet, prepared.report.paper)
    base = options.output or default_output(prepared.report, draft=options.draft)
    prepared.chart_cache = chartcache.location()  # the project's, never beside -o's folder (anyone's)
    with Stopwatch(timings, "charts"):
        prepared.html  # noqa: B018  (drawn here, or read from the cache, before any layout)
    targets = [profiles.output_path(base, name, exact) for name in names]
    _check_outputs(targets, options, content, prepared.report)
    roots = roots_for(prepared.report)
    if warm is None:
        fetcher = typeset.ProjectFetcher(roots)  # one per build: fonts are read once
    else:  # one per process: fonts and images are read once, and again only when they change
        if warm.fetcher is None or warm.roots != roots:
            warm.fetcher, warm.roots = typeset.ProjectFetcher(roots), roots
        fetcher = warm.fetcher
    outputs: list[tuple[Path, bytes, int]] = []
    notes: list[str] = []  # told after the build: the print preflight
    warnings: list[Problem] = []
    checked: preflight.PreflightReport | None = None
    record_file = record.path_for(targets[0])
    design = record.design_digest(typeset.engine_version()) if options.mend else ""
    kept: record.Record | None = None
    in_parts: chunks.Laid | None = None
    html_bytes = b""
    for name, target in zip(names, targets, strict=True):
        try:
            if checked is None:  # the first profile: lay out, inspect, mend
                page_html = prepared.html_for(name)
                cut = parts.cut(page_html)
                count = chunks.workers(options.jobs, cut)
                composer = _composer(prepared, options, timings, fetcher)
                if composer is not None and cut is not None and count > 1:  # parts: composed once, before mends
                    page_html = composer(page_html).html
                    cut = parts.cut(page_html)
                    timings.add("compose", composer.seconds)
                digest = record.html_digest(page_html)
                last = _last_record(options, warm, record_file, design)
                start = start_mends(page_html, last.mends) if last is not None else {}
                same = last is not None and last.html == digest  # the last build's pages, as they were
                if cut is not None and count > 1:  # a long report: in parts, one process per core (chunks.py)
                    in_parts = _lay_out_parts(prepared, cut, count, options, timings, fetcher, name, last, same, start)
                    checked, html = in_parts.report, _whole_html(page_html, in_parts.report)
                else:
                    laid, checked = _layout_and_preflight(prepared, page_html, options, timings, fetcher, start, same,
                                                          last.splits if last is not None else None, composer)
                    if composer is not None:
                        _check_composed(laid.document.pages, composer.last, prepared.doc.sources)
                    html = checked.html
                kept = record.Record(design, digest, mends_by_text(page_html, checked.final_mends),
                                     checked.final_splits, in_parts.folios if in_parts else {},
                                     sorted(in_parts.joined) if in_parts else [])
                if warm is not None:
                    warm.last = kept
                if options.strict and checked.remaining:
                    raise ContentError(checked.problems("error"))
                if options.html_out is not None:  # the HTML with its mends, written with the PDFs
                    html_bytes = html.encode("utf-8")
            elif in_parts is not None:  # later profiles, in parts as the first: the same mends and folios
                sheets = profiles.PROFILES[name].stylesheets
                assert cut is not None and kept is not None
                in_parts = _lay_out_parts(prepared, parts.cut(_with_stylesheets(page_html, sheets)) or cut, count,
                                          options, timings, fetcher, name, kept, True, checked.final_mends)
                html = _with_stylesheets(_whole_html(page_html, checked), sheets)
            else:  # later profiles add only stylesheets that keep the lines: the same mends hold
                html = _with_stylesheets(checked.html, profiles.PROFILES[name].stylesheets)
                with Stopwatch(timings, "layout"):
                    laid = _layout(prepared, html, options, fetcher)
            if in_parts is not None:
                data, pages = _joined(in_parts, html, fetcher, name, timings), in_parts.pages
            else:
                laid.options["pdf_identifier"] = profiles.identifier(html, fetcher.cache.values(), name)
                with Stopwatch(timings, "pdf"):
                    data = typeset.pdf_bytes(laid, finisher=profiles.finisher(name))
                pages = len(laid.document.pages)
            with Stopwatch(timings, "pdf"):
                data = finish.finish(data, finish.Finishing(name, prepared.doc.chapters[0].id,
                                                            prepared.report.print_profile))
            if name == "print":
                printed = _print_preflight(data, html, prepared, options, timings)
                notes += printed.lines
                warnings += printed.findings
            if name == "booklet":
                from .booklet import impose

                imposed = impose(data, options.sheet or prepared.report.paper)
                data, pages = imposed.data, imposed.sheets * 2
                notes.append(imposed.how_to())
        except BuildError as exc:
            raise _with_glyph_places(exc, prepared.report) from exc
        outputs.append((target, data, pages))
    files = [(target, data) for target, data, _ in outputs]
    if options.html_out is not None:
        files.append((options.html_out, html_bytes))
    _write_all(files, record_file, record.dump(kept) if kept is not None and options.mend else None, timings)
    first, *others = [(target, pages) for target, _, pages in outputs]
    return Result(first[0], first[1], time.perf_counter() - started, timings, others, checked, notes, warnings)


def _write_all(files: list[tuple[Path, bytes]], record_file: Path, kept: bytes | None, timings: Timings) -> None:
    """Write the build's files, last: a failure in any profile has left every one as it was.

    A stop asked for before now ends the build before the first write. During the writes the
    wall-time bound is off and Ctrl-C or SIGTERM is held until they are done (limits.held), so
    that no stop lands between two files; whatever ends the build after a write (a full disk
    on the second file, a held Ctrl-C) carries the files written and those left unchanged
    (`written`, `unchanged`), for the command line to tell truthfully.
    """
    from . import limits
    from .write import write_atomic

    limits.raise_pending()
    written: list[Path] = []
    try:
        with Stopwatch(timings, "write"), limits.held():
            for target, data in files:
                write_atomic(target, data)
                written.append(target)
            if kept is not None:
                with contextlib.suppress(OSError, BuildError):  # a cache: the next build only starts from scratch
                    write_atomic(record_file, kept)
    except BaseException as exc:
        if written:
            exc.written = tuple(written)  # type: ignore[attr-defined]
            exc.unchanged = tuple(target for target, _ in files[len(written):])  # type: ignore[attr-defined]
        raise


def _print_preflight(data: bytes, html: str, prepared: Prepared, options: BuildOptions,
                     timings: Timings) -> printcheck.PrintReport:
    """The print file checked as a print shop would (printcheck.py); with --strict a finding fails the build."""
    from . import printcheck

    with Stopwatch(timings, "print preflight"):
        places = printcheck.figures(html, prepared.doc.sources, PROJECT_ROOT.as_uri() + "/")
        printed = printcheck.inspect(data, places)
    if options.strict and printed.findings:
        raise ContentError([dataclasses.replace(p, severity="error") for p in printed.findings])
    printed.lines = [f"print preflight: {line}" for line in printed.lines]
    return printed


def _check_sheet(sheet: str | None, paper: str) -> None:
    """Before any layout: the booklet's sheet is the report's paper or the sheet twice its size."""
    from .booklet import SHEETS_FOR

    if sheet is not None and sheet not in SHEETS_FOR[paper]:
        raise BuildError(f"--sheet {sheet}: the booklet of a report on {paper} paper is printed on "
                         f"{' or '.join(SHEETS_FOR[paper])} sheets")


def _check_outputs(targets: list[Path], options: BuildOptions, content: Path,
                   report: model.Report | None = None) -> None:
    """Every file the build will write, checked before any layout: each can be written, none is
    one of the build's inputs (write.check_not_input; once the report is read, any file it names,
    wherever it is and whatever its name), no two are the same file."""
    from .write import check_not_input, check_target

    folder = Path(os.path.realpath(content))
    named = _named_files(report) if report is not None else {}
    outputs = [(target, "-o" if options.output is not None else "the PDF") for target in targets]
    if options.mend:
        outputs.append((record.path_for(targets[0]), "the mends record kept beside the PDF"))
    if options.html_out is not None:
        outputs.append((options.html_out, "--html"))
    seen: dict[Path, str] = {}
    for target, what in outputs:
        check_target(target)
        check_not_input(target, folder, what)
        place = Path(os.path.realpath(target))
        if place in named:
            raise BuildError(f"{target}: the output ({what}) is {named[place]}, which the build reads; writing "
                             f"there would replace it. Choose another path, e.g. build/report{target.suffix}")
        if place in seen:
            raise BuildError(f"{target}: {seen[place]} and {what} would write the same file; give each its own path")
        seen[place] = what


def _named_files(report: model.Report) -> dict[Path, str]:
    """Every file the report names (real path -> what it is, for a message): its YAML, the figures'
    images, its fonts and their licences, the print profile."""
    from .assets import AssetError, content_file

    named = {Path(os.path.realpath(c.file)): "one of the report's chapters" for c in report.chapters}
    if report.file is not None:
        named[Path(os.path.realpath(report.file))] = "report.yaml"
    for figure in _figures(report.chapters):
        with contextlib.suppress(AssetError):  # validation refused it already
            path = content_file(report.folder if figure.pos is None else figure.pos.path.parent, figure.image)
            named[Path(os.path.realpath(path))] = "an image a figure shows"
    for font in report.fonts:
        named[Path(os.path.realpath(font.file))] = "a font the report brings (report.yaml fonts:)"
        named[Path(os.path.realpath(font.licence))] = "the licence of a font the report brings (report.yaml fonts:)"
    if report.print_profile is not None:
        named[Path(os.path.realpath(report.print_profile))] = "the print profile report.yaml names"
    return named


def _figures(node: object) -> Iterable[model.Figure]:
    """Every figure in the content, however deep (chapters, sections, sub-sections, boxes): the
    model is walked whole, so that a new kind of nesting cannot hide one."""
    if isinstance(node, model.Figure):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from _figures(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, model.Text | type):
        for each in dataclasses.fields(node):
            yield from _figures(getattr(node, each.name))


def _composer(prepared: Prepared, options: BuildOptions, timings: Timings, fetcher: Any):
    """The composer (compose.py) when this build breaks justified paragraphs by total fit, else None.
    It measures on galleys of the paragraphs, laid out by the engine; its time is the "compose" step's."""
    from . import compose, typeset

    if not (options.compose if options.compose is not None else prepared.report.compose):
        return None

    typeset.forget_widths()  # a long-lived process (--watch) may have seen a font file change
    return compose.Composer(lambda galley: _layout(prepared, galley, options, fetcher, False).document.pages,
                            typeset.text_width)


def _check_composed(pages: Any, outcome: Any, sources: dict[str, Position]) -> None:
    """A composed paragraph the engine set otherwise is a bug of the composer: the build says so."""
    from . import compose

    differences = compose.check(pages, outcome.composed)
    if differences:
        problems = [Problem(sources.get(key, Position(Path(key))),
                            f"the engine set this paragraph's lines otherwise than the composer chose: {what}",
                            hint="a bug in folio's composer; --no-compose builds with the engine's own breaks")
                    for key, what in differences]
        raise BuildError(f"{len(problems)} composed paragraph(s) set otherwise by the engine", problems)


def _lay_out_parts(prepared: Prepared, cut: parts.Cut, count: int, options: BuildOptions, timings: Timings,
                   fetcher: Any, profile: str, last: record.Record | None, exact: bool,
                   mends: dict[str, preflight.Mend]) -> chunks.Laid:
    """The report laid out in parts, `count` at a time, starting from `mends` and what the last
    build learnt (`last`: its cuts of long notes, folios, chapters kept with the next)."""
    from . import typeset

    setup = chunks.Setup(lambda html: _layout(prepared, html, options, fetcher, False),
                         lambda laid: typeset.pdf_bytes(laid, finisher=profiles.finisher(profile)),
                         prepared.doc.sources, _pages_told if options.progress is not None else None,
                         timings.listener)
    with Stopwatch(timings, "layout"):
        return chunks.lay_out(cut, setup, count, start=mends, splits=last.splits if last is not None else {},
                              exact=exact, mend=options.mend, folios=last.folios if last is not None else {},
                              joined=frozenset(last.joined) if last is not None else frozenset())


def _pages_told(pages: int) -> None:
    """The pages the parts have laid out, told as the engine tells its own (progress.py reads them)."""
    logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout - Page %d", pages)


def _joined(laid: chunks.Laid, html: str, fetcher: Any, profile: str, timings: Timings) -> bytes:
    from .join import join

    with Stopwatch(timings, "pdf"):
        return join(laid.pdfs, profiles.identifier(html, fetcher.cache.values(), profile))


def _whole_html(html: str, checked: preflight.PreflightReport) -> str:
    """The whole report's HTML with the mends and cuts its parts settled on (for --html and the /ID)."""
    return notesplit.apply_splits(preflight.apply_mends(html, checked.final_mends), checked.final_splits)


def _last_record(options: BuildOptions, warm: Warm | None, record_file: Path, design: str) -> record.Record | None:
    """The last build's mends and cuts to start from: a --watch process keeps them in memory;
    any other build reads the record the last build of the same PDF left beside it (record.py)."""
    if options.fresh or not options.mend:
        return None
    if warm is not None and warm.last is not None:
        return warm.last
    return record.load(record_file, design)


def _layout(prepared: Prepared, html: str, options: BuildOptions, fetcher, check_notes: bool = True):
    from . import typeset

    return typeset.layout(html, PROJECT_ROOT.as_uri() + "/", roots_for(prepared.report),
                          pdf_options=profiles.pdf_options(), fetcher=fetcher,
                          system_fonts=prepared.report.system_fonts and not options.bundled_fonts_only,
                          check_notes=check_notes)


def _with_stylesheets(html: str, sheets: tuple[str, ...]) -> str:
    """The HTML with more stylesheets linked at the end of its head: one way for every profile,
    whether it comes first (`--profile print`) or after the screen one (`--profile all`)."""
    links = "".join(f'<link rel="stylesheet" href="{sheet}">\n' for sheet in sheets)
    return html.replace("</head>", links + "</head>", 1)


def _layout_and_preflight(prepared: Prepared, html: str, options: BuildOptions, timings: Timings,
                          fetcher, start: dict | None = None, exact: bool = False,
                          start_splits: dict | None = None, composer: Any = None) -> tuple:
    """Lay out, then let preflight inspect, mend and lay out again; the time it adds is its own.

    `exact`: the start mends are the last build's for this very HTML; its pages are laid
    out again as they were, without mending further, so the same input gives the same PDF.
    """
    if timings.listener is not None:
        timings.listener("layout")
    started = time.perf_counter()
    # notes are checked on the pages kept: a long note is cut by the preflight first
    laid, checked = preflight.run(lambda page_html: _layout(prepared, page_html, options, fetcher, False),
                                  lambda mends: _mended(html, mends, composer),
                                  preflight.Options(mend=options.mend, max_passes=0 if exact else preflight.MAX_PASSES,
                                                    mending=_told(timings.listener, "preflight")),
                                  prepared.doc.sources, start, start_splits)
    from .footnote_fix import check_notes

    check_notes(laid.document)
    spent = checked.inspect_seconds + checked.layout_seconds
    composing = composer.seconds if composer is not None else 0.0  # in the first layout's time, and mending's
    timings.add("layout", max(0.0, time.perf_counter() - started - spent - composing))
    timings.add("preflight", spent)
    if composer is not None:
        timings.add("compose", composing)
    return laid, checked


def _mended(html: str, mends: dict, composer: Any) -> str:
    """The HTML with the preflight's mends, then composed: a word a mend keeps whole, the composer
    does not hyphenate."""
    mended = preflight.apply_mends(html, mends)
    return composer(mended).html if composer is not None else mended


def _told(listener: Callable[[str], None] | None, step: str) -> Callable[[], None] | None:
    return None if listener is None else lambda: listener(step)


_NOTDEF = re.compile(r"\.notdef glyph rendered for Unicode string unsupported by fonts: .* \(U\+([0-9A-F]{4,6})\)")


def _with_glyph_places(error: BuildError, report: model.Report) -> BuildError:
    """A character no font has, pointed out where the content has it (the engine names no place).

    glyphs.check finds them before layout; this is for what it cannot see (a report that lets the
    machine's fonts stand in, built with --bundled-fonts-only)."""
    lines = str(error).splitlines()[1:]
    codes = [match.group(1) for line in lines if (match := _NOTDEF.search(line))]
    if not codes or len(codes) != len(lines):
        return error
    files = [f for f in (report.file, *(c.file for c in report.chapters)) if f is not None]
    problems = []
    for code in dict.fromkeys(codes):
        char = chr(int(code, 16))
        problems.append(Problem(glyphs.place(char, None, files, report.language), glyphs.message(char, []),
                                hint=glyphs.hint(char, glyphs.script_of(char))))
    return BuildError(str(error), problems)


def default_output(report: model.Report, draft: bool = False) -> Path:
    """build/<slug>.pdf; a --draft build has a name of its own, build/<slug>-draft.pdf, so that it
    never overwrites the final PDF."""
    return Path("build") / f"{report.slug}{'-draft' if draft else ''}.pdf"
