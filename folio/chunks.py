"""A long report laid out in parts, in several processes at once, and joined into one PDF.

WeasyPrint lays a document out in one thread; a long report leaves the machine's
other cores idle. Cut at its chapters (parts.py), the body's parts are laid out,
checked and mended by the preflight, and drawn each in a process of its own (forked,
so the engine is imported and the fonts read once); the front matter follows, with
the folios of the entries in its contents written in; join.py makes one PDF of the parts.

What a part cannot know alone is the folio of its first page: the number of pages
before it. Each part tells the parent its page count and its anchors' pages after each
layout, and a part reads the latest counts before each layout; the last build's folios
(record.py) give a repeat build every count from the start. The front matter is laid out
once every part has been mended once (a cold build) or at once (a repeat build). A part
whose pages were laid out under a folio (or a cross-reference's page number) that turned
out wrong is laid out once more with the same mends. When a part fails, no more work is
given out, the parts under way finish, and the errors of every failed part are told together.
"""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import html as html_lib
import logging
import multiprocessing
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import parts, preflight
from .errors import BuildError, ContentError, Position, Problem
from .progress import PAGE

MOST_WORKERS = 4  # each holds a part's layout, 100-150 MiB: four keep a build under 1 GiB
SHORTEST = 150_000  # characters of chapters' HTML below which one process is quicker (about 50 pages)
CHARS_PER_PAGE = 3_000  # a first guess of a part's pages before any is laid out
TICK = 0.25  # seconds between two reports of the pages laid out
PART_CHARS = 250_000  # a part's length (about 80 pages): more parts than processes balance the load


def workers(requested: int | None, cut: parts.Cut | None) -> int:
    """How many processes to lay out in: `requested` (--jobs), else every core for a long report."""
    if cut is None or len(cut.chapters) < 2:
        return 1
    if requested is not None:
        return max(1, requested)
    if sum(len(chapter) for chapter in cut.chapters) < SHORTEST:
        return 1
    return min(MOST_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@dataclass
class Job:
    index: int  # 0: the front matter; 1..n: the body's parts in order
    html: str  # the part's HTML without mends (parts.py), first folio still to be set
    start: dict[str, preflight.Mend]  # mends to start from, for the blocks of this part
    splits: dict[str, tuple[int, ...]]
    passes: int  # preflight passes allowed (0: lay out with `start` as it is)
    mend: bool
    estimates: list[int]  # pages of each part before this one, until they report their own
    drop_last: bool = True  # its last page is the next part's first (parts.NEXT_CHAPTER, front_part)


@dataclass
class PartResult:
    index: int
    pdf: bytes = b""
    pages: int = 0
    first_folio: int = 1  # the folio its pages were laid out under
    anchors: dict[str, int] = field(default_factory=dict)  # id -> page index in the part
    used: dict[str, str] = field(default_factory=dict)  # outside anchors' folios written into it
    report: preflight.PreflightReport | None = None
    error: tuple[str, str, list[Problem]] | None = None  # (kind, message, problems): raised in the parent


@dataclass
class Setup:
    """What every worker needs, inherited when it is forked (never pickled)."""

    layout: Callable[[str], Any]  # HTML -> typeset.Laid, notes not yet checked
    pdf: Callable[[Any], bytes]  # typeset.Laid -> the part's PDF bytes
    sources: dict[str, Position]
    pages: Callable[[int], None] | None = None  # told the pages laid out so far, all parts together
    step: Callable[[str], None] | None = None  # told "preflight" once every part is past its first layout


_SETUP: Setup | None = None
_COUNTS: Any = None  # multiprocessing.Array: each part's pages, -1 until known
_LIVE: Any = None  # multiprocessing.Array: the furthest page each part's layouts reached so far
_TOLD: Any = None  # multiprocessing.Queue: (part, layout number, pages, anchors' pages) after each layout
_PART = 0  # the part this worker is laying out


class _LivePages(logging.Handler):
    """In a worker: the engine's page-by-page progress, told to the parent through _LIVE."""

    def emit(self, record: logging.LogRecord) -> None:
        found = PAGE.search(record.getMessage())
        if found and _LIVE is not None and int(found.group(1)) > _LIVE[_PART]:
            _LIVE[_PART] = int(found.group(1))


def _init(counts: Any, live: Any, told: Any, progress: bool) -> None:
    global _COUNTS, _LIVE, _TOLD
    _COUNTS, _LIVE, _TOLD = counts, live, told
    told.cancel_join_thread()  # a worker ends without waiting for the parent to read what it told
    # The parent answers Ctrl-C and stops the workers (SIGTERM) when a part fails: a worker
    # just ends, without the parent's handlers (limits.interruptible) or a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    logger = logging.getLogger("weasyprint.progress")
    logger.handlers = [_LivePages()] if progress else []  # the parent's progress line is not ours to draw
    if progress:
        logger.setLevel(logging.INFO)


def _first_folio(job: Job) -> int:
    if job.index == 0:
        return 1
    before = 0
    for index in range(1, job.index):
        known = _COUNTS[index] if _COUNTS is not None else -1
        before += known if known >= 0 else job.estimates[index]
    return 1 + before


def lay_part(job: Job) -> PartResult:
    """One part: laid out, mended and drawn, in a worker process."""
    from .footnote_fix import check_notes

    global _PART
    assert _SETUP is not None
    _PART = job.index
    result = PartResult(job.index)
    calls = 0

    def layout(html: str) -> Any:
        """A layout of the whole part: what it shows is told to the parent (`lay_out`)."""
        nonlocal calls
        folio = _first_folio(job)
        laid = _SETUP.layout(parts.with_first_folio(html, folio))
        calls += 1
        if _COUNTS is not None and job.index:  # later parts need its page count; the front matter its anchors
            _COUNTS[job.index] = len(laid.document.pages) - job.drop_last
            _TOLD.put((job.index, calls, _COUNTS[job.index], _anchors(laid.document)))
        result.first_folio = folio
        return laid

    def galley(html: str) -> Any:  # a few paragraphs alone (galley.py): nothing to tell
        return _SETUP.layout(parts.with_first_folio(html, _first_folio(job)))

    try:
        laid, report = preflight.run(layout, lambda mends: preflight.apply_mends(job.html, mends),
                                     preflight.Options(mend=job.mend, max_passes=job.passes),
                                     _SETUP.sources, job.start, job.splits, galley)
        if job.drop_last and not _has_notes(laid.document.pages[-1]):
            # the page of the empty chapter or body that ends the part (parts.py): the next part's
            # first page
            laid.document = laid.document.copy(laid.document.pages[:-1])
            for step in report.passes:
                step.figures.pages -= 1
        elif job.drop_last:  # notes carried onto that page would go, in one process, to the foot of
            # the next chapter's first page, which this part does not have: it cannot be cut here
            raise NotesCarried(job.index)
        check_notes(laid.document)
        result.pages = len(laid.document.pages)  # what `layout` told of the pages kept
        result.anchors = _anchors(laid.document)
        result.used = parts.folios_used(report.html)
        result.pdf = _SETUP.pdf(laid)
        report.html = ""  # the parent makes the whole report's HTML from the mends
        result.report = report
    except (BuildError, ContentError) as exc:  # told to the parent, which raises it as the build's error
        result.error = (type(exc).__name__, str(exc), list(exc.problems))
    except NotesCarried as exc:
        result.error = (type(exc).__name__, str(exc.part), [])
    return result


@dataclass
class Laid:
    """The parts, laid out and drawn, and what the whole report's build needs from them."""

    pdfs: list[bytes]
    pages: int
    folios: dict[str, str]  # every anchor's folio (for the record: the next build starts from them)
    report: preflight.PreflightReport
    joined: frozenset[str] = frozenset()  # chapters kept with the next (their notes run on into it)


def lay_out(cut: parts.Cut, setup: Setup, count: int, *, start: dict[str, preflight.Mend],
            splits: dict[str, tuple[int, ...]], exact: bool, mend: bool,
            folios: dict[str, str], joined: frozenset[str] = frozenset()) -> Laid:
    """Lay the report out in `count` processes; `folios` are the last build's, when known.

    `joined`: the ids of chapters not to be cut from the chapter after them; a chapter whose
    notes run on past its end is found joined (and the report cut again) and told in the result.
    """
    ids = [parts.chapter_id(chapter) for chapter in cut.chapters]
    joined = frozenset(joined)
    while True:
        body = parts.groups(cut.chapters, max(count, round(sum(map(len, cut.chapters)) / PART_CHARS)),
                            frozenset(i for i, name in enumerate(ids) if name in joined))
        try:
            laid = _lay_out(cut, body, setup, count, start=start, splits=splits, exact=exact, mend=mend,
                            folios=folios)
        except NotesCarried as carried:
            last = ids[body[carried.part - 1].stop - 1]
            if last is None or last in joined:
                raise BuildError(f"notes run on past a chapter that cannot be kept with the next: {last}") from None
            joined |= {last}
            continue
        laid.joined = joined
        return laid


def _lay_out(cut: parts.Cut, body: list[range], setup: Setup, count: int, *, start: dict[str, preflight.Mend],
             splits: dict[str, tuple[int, ...]], exact: bool, mend: bool, folios: dict[str, str]) -> Laid:
    global _SETUP
    passes = 0 if exact else preflight.MAX_PASSES
    jobs: list[Job] = []
    notes = 0
    for index, chapters in enumerate(body, 1):
        html = parts.body_part(cut, chapters, notes, folios)
        notes += sum(parts.notes_in(cut.chapters[i]) for i in chapters)
        jobs.append(Job(index, html, _only(start, html), _only_notes(splits, html), passes, mend, [],
                        drop_last=chapters.stop < len(cut.chapters)))
    estimates = [0] + [_estimate(cut, chapters, folios) for chapters in body]
    for job in jobs:
        job.estimates = estimates
    front = parts.front_part(cut, folios)
    front_job = Job(0, front, _only(start, front), _only_notes(splits, front), passes, mend, estimates)
    fork = multiprocessing.get_context("fork")
    run = _Run(jobs, front_job, setup, fork.Array("i", [-1] * (len(body) + 1)), fork.Array("i", [0] * (len(body) + 1)),
               fork.Queue())
    _SETUP = setup
    pool = concurrent.futures.ProcessPoolExecutor(count, mp_context=fork, initializer=_init,
                                                  initargs=(run.counts, run.live, run.told, setup.pages is not None))
    try:
        run.pool = pool
        for job in jobs:
            run.submit(job)
        if exact and _knows_all(cut, folios):  # a repeat build: the front matter's folios are known now
            run.submit(front_job)
        while run.pending:
            done, _ = concurrent.futures.wait(run.pending, TICK, return_when=concurrent.futures.FIRST_COMPLETED)
            run.tell_progress(mending=bool(passes))
            run.read_told()
            run.collect(done)
            if run.errors:  # no more work: the parts under way finish, so that all their errors are told
                continue
            if passes:
                run.front_once_mended()
            if run.body_done():
                run.again_where_stale()
            if run.body_done():
                run.front_once_known()
        if run.errors:
            _raise(run.errors)
    except BaseException as exc:  # an error in one part: the others' work is wasted, stop them now
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(exc, concurrent.futures.BrokenExecutor):  # killed from outside: not our bug
            raise BuildError("a layout process ended abruptly (killed, or out of memory: past --memory-limit or "
                             "what the machine has?); build again, or with --jobs 1") from exc
        raise
    finally:
        _SETUP = None
    pool.shutdown()
    ordered = [run.results[index] for index in range(len(body) + 1)]
    report = merge_reports(ordered, setup.sources)
    report.parts = (f"laid out in {len(body)} part(s) and the front matter, {count} at a time; "
                    f"{run.rounds} laid out again under their true folios")
    return Laid([r.pdf for r in ordered], sum(r.pages for r in ordered), _folios(run.results, len(body)), report)


@dataclass
class _Run:
    """The parent's side of a layout in parts: what is pending, done and told so far."""

    jobs: list[Job]  # the body's parts, as last submitted
    front: Job
    setup: Setup
    counts: Any  # shared with the workers: each part's pages (_COUNTS)
    live: Any  # shared: the furthest page each part reached (_LIVE)
    told: Any  # from the workers: each layout's pages and anchors (_TOLD)
    pool: Any = None
    pending: dict[Any, Job] = field(default_factory=dict)  # future -> its job
    results: dict[int, PartResult] = field(default_factory=dict)
    # part -> its latest layout's number, with its pages and anchors
    latest: dict[int, tuple[int, PartResult]] = field(default_factory=dict)
    rounds: int = 0  # parts laid out again under their true folios
    mending_told: bool = False
    errors: list[tuple[str, str, list[Problem]]] = field(default_factory=list)  # every failed part's, in order
    # part -> its first layout's preflight report, when it is laid out again from the mends it
    # settled on: the part's summary is what that one found and what the last one left
    first_reports: dict[int, preflight.PreflightReport] = field(default_factory=dict)

    def submit(self, job: Job) -> None:
        if job.index:
            self.jobs[job.index - 1] = job
        else:
            self.front = job
        self.pending[self.pool.submit(lay_part, job)] = job

    def waiting(self, job: Job) -> bool:
        return any(waiting is job for waiting in self.pending.values())

    def body_done(self) -> bool:
        return all(job.index in self.results for job in self.jobs)

    def tell_progress(self, mending: bool) -> None:
        if self.setup.pages is not None:  # less the front matter's last page, which is dropped
            self.setup.pages(sum(self.live) - (1 if self.live[0] else 0))
        if self.setup.step is not None and mending and not self.mending_told and min(self.counts[1:]) >= 0:
            self.setup.step("preflight")  # every part has been laid out once: they are mending
            self.mending_told = True

    def read_told(self) -> None:
        while not self.told.empty():
            index, number, pages, anchors = self.told.get()
            self.latest[index] = (number, PartResult(index, pages=pages, anchors=anchors))

    def front_once_mended(self) -> None:
        """Every part mended once (its second layout shows where the mends put its headings) or
        done: the front matter goes now, on a core that would wait for the last parts' final
        layouts; checked at the end like every part."""
        if (0 in self.results or self.waiting(self.front) or len(self.latest) < len(self.jobs)
                or not all(index in self.results or number >= 2 for index, (number, _) in self.latest.items())):
            return
        known = {index: result for index, (_, result) in self.latest.items()} | self.results
        self.submit(_with_folios(self.front, _folios(known, len(self.jobs))))

    def collect(self, done: set) -> None:
        for future in done:
            job = self.pending.pop(future)
            result = future.result()
            if result.error is not None:
                self.errors.append(result.error)
                continue
            if not job.passes and job.index in self.first_reports and result.report is not None:
                result.report = preflight.continued(self.first_reports[job.index], result.report)
            self.results[job.index] = result

    def again_where_stale(self) -> None:
        """Lay out again, with the mends it settled on, a part laid out under a wrong first
        folio or with a wrong page number written into it."""
        true = _folios(self.results, len(self.jobs))
        stale = [job for job in [*self.jobs, self.front] if job.index in self.results and not self.waiting(job)
                 and (self.results[job.index].first_folio != _true_first(self.results, job.index)
                      or any(true.get(name, folio) != folio for name, folio in self.results[job.index].used.items()))]
        if stale and self.rounds >= 2 * len(self.jobs):  # never happens with mirrored margins of one width
            raise BuildError("the parts' page numbers do not settle: a part's page count changes with the "
                             "side it opens on; build with --jobs 1")
        for job in stale:
            result = self.results.pop(job.index)
            if job.passes and result.report is not None:  # a layout that mended (not itself one again)
                self.first_reports[job.index] = result.report
            self.submit(_again(job, result, true))
            self.rounds += 1

    def front_once_known(self) -> None:
        """The body laid out: the front matter with its true folios, unless it is on its way."""
        if 0 not in self.results and not self.waiting(self.front):
            self.submit(_with_folios(self.front, _folios(self.results, len(self.jobs))))


def _anchors(document: Any) -> dict[str, int]:
    """Each anchor's page, counted from 0: where it starts (a box cut across pages has one on each)."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            found.setdefault(name, number)
    return found


def _has_notes(page: Any) -> bool:
    from .typeset import boxes

    return any(isinstance(child, boxes.FootnoteAreaBox) and child.children for child in page._page_box.children)


class NotesCarried(Exception):
    """A part's notes run on past its last chapter: the report is cut again, that chapter and
    the next in one part (lay_out)."""

    def __init__(self, part: int) -> None:
        super().__init__(f"part {part}: notes carried past its last chapter")
        self.part = part


def _raise(errors: list[tuple[str, str, list[Problem]]]) -> None:
    """The failed parts' errors as one: every part's problems, each once. A part whose notes
    run on past it (NotesCarried) only asks for another cut, which other errors make moot."""
    failed = [error for error in errors if error[0] != "NotesCarried"]
    if not failed:
        raise NotesCarried(min(int(message) for _, message, _ in errors))
    problems = list(dict.fromkeys(problem for _, _, found in failed for problem in found))
    if all(kind == "ContentError" for kind, _, _ in failed):
        raise ContentError(problems)
    if len(failed) == 1:
        raise BuildError(failed[0][1], problems)
    lines = list(dict.fromkeys(line for _, message, _ in failed for line in message.splitlines()))
    raise BuildError("\n".join(lines), problems)


_SRC = re.compile(r'data-src="([^"]+)"')
_NOTE_ID = re.compile(r'id="note-([^"]+)"')


def _only(mends: dict[str, preflight.Mend], html: str) -> dict[str, preflight.Mend]:
    """The mends of the blocks in this part."""
    keys = {html_lib.unescape(key) for key in _SRC.findall(html)}
    return {key: mend for key, mend in mends.items() if key in keys}


def _only_notes(splits: dict[str, tuple[int, ...]], html: str) -> dict[str, tuple[int, ...]]:
    """The cuts of the notes in this part."""
    notes = {html_lib.unescape(note) for note in _NOTE_ID.findall(html)}
    return {note: cuts for note, cuts in splits.items() if note in notes}


def _estimate(cut: parts.Cut, chapters: range, folios: dict[str, str]) -> int:
    """A part's pages before it is laid out: from the last build's folios, else from its length."""
    first = parts.chapter_id(cut.chapters[chapters[0]])
    after = parts.chapter_id(cut.chapters[chapters[-1] + 1]) if chapters[-1] + 1 < len(cut.chapters) else None
    if first in folios and after in folios and folios[first].isdigit() and folios[after].isdigit():
        return int(folios[after]) - int(folios[first])
    return max(1, round(sum(len(cut.chapters[i]) for i in chapters) / CHARS_PER_PAGE))


def _knows_all(cut: parts.Cut, folios: dict[str, str]) -> bool:
    return all(name in folios for name in parts.front_targets(cut))


def _true_first(results: dict[int, PartResult], index: int) -> int:
    return 1 + sum(results[i].pages for i in range(1, index)) if index else 1


def _folios(results: dict[int, PartResult], body_parts: int) -> dict[str, str]:
    """Every body anchor's folio, from where each part's pages really fall."""
    out: dict[str, str] = {}
    for index in range(1, body_parts + 1):
        first = _true_first(results, index)
        for name, number in results[index].anchors.items():
            out[name] = str(first + number)
    return out


def _again(job: Job, result: PartResult, folios: dict[str, str]) -> Job:
    """The job laid out again with the mends it settled on, under the true folios."""
    assert result.report is not None
    again = copy.copy(job)
    again.start, again.splits, again.passes = result.report.final_mends, result.report.final_splits, 0
    return _with_folios(again, folios)


def _with_folios(job: Job, folios: dict[str, str]) -> Job:
    again = copy.copy(job)
    again.html = parts.with_folios(job.html, folios)
    return again


def merge_reports(results: list[PartResult], sources: dict[str, Position]) -> preflight.PreflightReport:
    """The parts' preflight reports as one: defects on the whole PDF's pages, mends together."""
    found: list[preflight.Defect] = []
    left: list[preflight.Defect] = []
    before, after = preflight.Figures(), preflight.Figures()
    merged = preflight.PreflightReport([], 1, sources)
    applied: dict[str, str] = {}
    offset = 0
    for result in results:
        report = result.report
        assert report is not None
        found += [_moved(d, offset) for d in report.found]
        left += [_moved(d, offset) for d in report.remaining]
        _add(before, report.passes[0].figures)
        _add(after, report.passes[report.final].figures)
        applied.update(report.mends)
        merged.final_mends.update(report.final_mends)
        merged.final_splits.update(report.final_splits)
        merged.inspect_seconds += report.inspect_seconds
        merged.layout_seconds += report.layout_seconds
        merged.galleys += report.galleys
        merged.reused += report.reused
        merged.relaid = merged.relaid or report.relaid
        merged.layouts = max(merged.layouts, len(report.passes) + report.relaid)
        offset += result.pages
    merged.passes = [preflight.Pass(found, before, {}), preflight.Pass(left, after, applied)]
    return merged


def _moved(defect: preflight.Defect, offset: int) -> preflight.Defect:
    return dataclasses.replace(defect, page=defect.page + offset, at=tuple(p + offset for p in defect.at))


def _add(total: preflight.Figures, part: preflight.Figures) -> None:
    total.pages += part.pages
    total.lines += part.lines
    total.hyphenated += part.hyphenated
    total.longest_run = max(total.longest_run, part.longest_run)
    total.loose += part.loose

