"""--watch: one process that rebuilds on each saved change and keeps the last good PDF on an error."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest

from folio import pipeline
from folio.errors import Problems
from folio.validate import read_report
from folio.watch import Watcher

from .conftest import MINIMAL_CHAPTER, run_cli, write_report


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the watcher")
        time.sleep(0.05)


class Running:
    def __init__(self, watcher: Watcher, out: io.StringIO, err: io.StringIO) -> None:
        self.watcher, self.out, self.err = watcher, out, err


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Running]:
    content = write_report(tmp_path / "content")
    out, err = io.StringIO(), io.StringIO()
    watcher = Watcher(content, pipeline.BuildOptions(output=tmp_path / "out" / "report.pdf"), out, err)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: "watching" in out.getvalue())
        # The watcher is set up a moment after it says so; give the notifier time to start.
        time.sleep(0.5)
        yield Running(watcher, out, err)
    finally:
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert "stopped watching" in out.getvalue()


def test_rebuilds_on_a_saved_change(watching: Running, tmp_path: Path) -> None:
    pdf = tmp_path / "out" / "report.pdf"
    assert "A paragraph of text." in pdf_text(pdf)
    chapter = tmp_path / "content" / "10-one.yaml"
    chapter.write_text(MINIMAL_CHAPTER.replace("A paragraph of text.", "A changed paragraph."), encoding="utf-8")
    wait_for(lambda: "rebuilt" in watching.out.getvalue())
    assert "after a change to 10-one.yaml" in watching.out.getvalue()
    assert "A changed paragraph." in pdf_text(pdf)


def test_a_content_error_keeps_the_last_good_pdf(watching: Running, tmp_path: Path) -> None:
    pdf = tmp_path / "out" / "report.pdf"
    good = pdf.read_bytes()
    chapter = tmp_path / "content" / "10-one.yaml"
    chapter.write_text(MINIMAL_CHAPTER.replace("title: One", "titel: One"), encoding="utf-8")
    wait_for(lambda: "last good PDF is kept" in watching.err.getvalue())
    assert "10-one.yaml:1:" in watching.err.getvalue()
    assert "unknown key" in watching.err.getvalue()
    assert pdf.read_bytes() == good
    # Mended, it builds again.
    chapter.write_text(MINIMAL_CHAPTER.replace("A paragraph of text.", "Mended."), encoding="utf-8")
    wait_for(lambda: "rebuilt" in watching.out.getvalue())
    assert "Mended." in pdf_text(pdf)


def test_unchanged_chapters_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from folio import validate

    content = write_report(tmp_path / "content")
    calls: list[Path] = []
    real = validate.read_chapter
    monkeypatch.setattr(validate, "read_chapter", lambda path, problems: calls.append(path) or real(path, problems))
    cache: validate.ChapterCache = {}
    first = read_report(content, Problems(), cache)
    second = read_report(content, Problems(), cache)
    assert first == second
    assert len(calls) == 1
    (content / "10-one.yaml").write_text(MINIMAL_CHAPTER.replace("One", "Two"), encoding="utf-8")
    third = read_report(content, Problems(), cache)
    assert len(calls) == 2
    assert third is not None and third.chapters[0].title.value == "Two"


def test_a_cached_chapter_keeps_reporting_its_problems(tmp_path: Path) -> None:
    content = write_report(tmp_path / "content", chapters={"10-one.yaml": "title: One\nsectons: []\n"})
    cache: dict = {}
    for _ in range(2):
        problems = Problems()
        read_report(content, problems, cache)
        assert any("unknown key" in p.message for p in problems.items)


def test_watch_and_check_together_is_a_command_line_error(report_dir: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("--watch", "--check", "--content", report_dir)
    assert exc.value.code == 2


def test_ctrl_c_stops_cleanly(report_dir: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen([sys.executable, str(root / "build.py"), "--watch", "--content", str(report_dir),
                             "-o", str(tmp_path / "r.pdf")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=root)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.startswith("watching"):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped watching" in out
    assert "Traceback" not in err


def test_our_own_output_inside_a_watched_folder_is_not_a_change(tmp_path: Path) -> None:
    from folio.watch import change_filter

    keep = change_filter(tmp_path / "content" / "out.pdf", tmp_path / "content" / "out.html")
    assert not keep(None, str(tmp_path / "content" / "out.pdf"))
    assert not keep(None, str(tmp_path / "content" / "out.html"))
    assert not keep(None, str(tmp_path / "content" / ".out.pdf.abc123.tmp"))
    assert keep(None, str(tmp_path / "content" / "10-one.yaml"))


def test_a_warm_rebuild_starts_from_the_last_mends(tmp_path: Path) -> None:
    """Unchanged blocks keep their mends, so an unchanged report is laid out once, with the same bytes."""
    import shutil

    from .conftest import CONTENT

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    warm = pipeline.Warm()
    first = pipeline.build(content, pipeline.BuildOptions(output=tmp_path / "a.pdf"), warm=warm)
    assert first.preflight is not None and len(first.preflight.passes) > 1  # the Situationer needs mending
    second = pipeline.build(content, pipeline.BuildOptions(output=tmp_path / "b.pdf"), warm=warm)
    assert second.preflight is not None and len(second.preflight.passes) == 1
    assert not second.preflight.remaining
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()

    # a block whose text changed starts afresh; the others keep theirs
    html = pipeline.prepare(content, warm=warm).html
    mended = warm.start_mends(html)
    key = next(iter(mended))
    changed = html.replace(f'data-src="{key}">', f'data-src="{key}">Changed. ', 1)
    assert key not in warm.start_mends(changed)
    assert len(warm.start_mends(changed)) == len(mended) - 1


def start_watching(content: Path, options: pipeline.BuildOptions) -> tuple[Watcher, threading.Event, threading.Thread,
                                                                          io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    watcher = Watcher(content, options, out, err)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    wait_for(lambda: "watching" in out.getvalue() or not thread.is_alive())
    time.sleep(0.5)
    return watcher, stop, thread, out, err


# A chapter with a paragraph and a chart: each rebuild reads the chart cache, and writes to it when the chart changes
WITH_A_CHART = MINIMAL_CHAPTER + """\
      - chart: bar
        labels: ["a", "b"]
        series:
          - name: S
            values: [1, 2]
        alt: Two bars.
"""


@pytest.mark.parametrize("where", ["-o inside", "default output inside"])
def test_output_inside_the_content_folder_rebuilds_once_per_change(tmp_path: Path, where: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Its own PDF, the mends record beside it, their temporary files and the chart cache are no change
    to rebuild for."""
    from folio import chartcache

    content = write_report(tmp_path / "content", chapters={"10-one.yaml": WITH_A_CHART})
    monkeypatch.setattr(chartcache, "ROOT", content / "build")  # the project's cache, where the content is
    if where == "-o inside":
        options = pipeline.BuildOptions(output=content / "report.pdf")
    else:  # build/<slug>.pdf, below the folder the command runs in: the content folder itself
        monkeypatch.chdir(content)
        options = pipeline.BuildOptions()
    _watcher, stop, thread, out, err = start_watching(content, options)
    try:
        assert "wrote" in out.getvalue(), err.getvalue()
        edit = WITH_A_CHART.replace("A paragraph", "One edit").replace("[1, 2]", "[1, 3]")  # a chart drawn anew
        (content / "10-one.yaml").write_text(edit, encoding="utf-8")
        wait_for(lambda: "rebuilt" in out.getvalue())
        time.sleep(4)  # ten rebuilds' time: an output taken for a change would rebuild again by now
        assert out.getvalue().count("rebuilt") == 1, out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert list(content.glob(".*.tmp")) == []
    assert len(list((content / "build" / chartcache.FOLDER).glob("*.entry"))) == 2  # both charts, kept there


def test_the_mends_record_and_temporary_files_are_never_changes(tmp_path: Path) -> None:
    from folio.watch import change_filter

    keep = change_filter(None, None, written={(tmp_path / "content" / "build" / "x.pdf").resolve()})
    assert not keep(None, str(tmp_path / "content" / ".out.pdf.mends.json"))
    assert not keep(None, str(tmp_path / "content" / ".out.pdf.mends.json.abcd1234.tmp"))
    assert not keep(None, str(tmp_path / "content" / "build" / "x.pdf"))
    assert keep(None, str(tmp_path / "content" / "report.yaml"))


def test_the_chart_cache_is_never_a_change(tmp_path: Path) -> None:
    """An entry read or written, its temporary file and matplotlib's folder inside the cache."""
    from folio.watch import change_filter

    keep = change_filter(None, None)
    cache = tmp_path / "content" / "build" / ".chart-cache"
    for path in (cache / f"{'a' * 64}.entry", cache / ".x1y2.tmp", cache / "matplotlib" / "fontlist-v390.json",
                 cache / "matplotlib" / "matplotlibrc"):
        assert not keep(None, str(path)), path
    assert keep(None, str(tmp_path / "content" / "images" / "map.png"))


def test_forget_keeps_the_chapters_for_a_chart_cache_entry_and_drops_the_mends_for_any_font() -> None:
    warm = pipeline.Warm()
    warm.chapters[Path("/c/10-one.yaml")] = object()  # type: ignore[assignment]
    warm.forget([Path("/c/build/.chart-cache") / f"{'a' * 64}.entry"])
    assert warm.chapters, "a drawn chart looks like an image, but is no input"
    warm.forget([Path("/c/images/map.png")])
    assert not warm.chapters
    for font in ("a.ttf", "a.otf", "a.woff", "a.woff2"):
        warm.last = object()  # type: ignore[assignment]
        warm.forget([Path("/c/fonts") / font])
        assert warm.last is None, font


CHART_CHAPTER = """\
title: One
sections:
  - title: First Section
    blocks:
      - chart: bar
        labels: ["{label}", "b"]
        series:
          - name: S
            values: [1, 2]
        alt: Two bars.
"""


def test_the_watcher_outlives_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug of folio's in one rebuild (here a chart's drawing raising, as matplotlib did on "$$") is said,
    and the next save rebuilds."""
    from folio import charts

    real = charts.render_svg

    def render_svg(data: charts.ChartData, home: Path | None = None) -> str:
        if any("$$" in label for label in data.labels):
            raise ValueError("a stand-in for a failure inside the chart library")
        return real(data, home)

    monkeypatch.setattr(charts, "render_svg", render_svg)
    content = write_report(tmp_path / "content", chapters={"10-one.yaml": CHART_CHAPTER.format(label="a")})
    pdf = tmp_path / "out" / "report.pdf"
    _watcher, stop, thread, out, err = start_watching(content, pipeline.BuildOptions(output=pdf))
    try:
        good = pdf.read_bytes()
        chapter = content / "10-one.yaml"
        chapter.write_text(CHART_CHAPTER.format(label="$$"), encoding="utf-8")
        wait_for(lambda: "last good PDF is kept" in err.getvalue() or not thread.is_alive())
        assert thread.is_alive()
        assert "internal error: ValueError: a stand-in for a failure inside the chart library" in err.getvalue()
        assert "Traceback" not in err.getvalue()
        assert pdf.read_bytes() == good
        chapter.write_text(CHART_CHAPTER.format(label="c"), encoding="utf-8")
        wait_for(lambda: "rebuilt" in out.getvalue() or not thread.is_alive())
        assert "rebuilt" in out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


# A watcher whose layout hangs while the chapter says SLOW: the rebuild's time limit ends that
# build, the watcher says so and rebuilds on the next save.
HANGING_LAYOUT = """
import sys, time
import folio.typeset as typeset
real = typeset.layout
def layout(html, *args, **kwargs):
    if "SLOW" in html:
        time.sleep(120)
    return real(html, *args, **kwargs)
typeset.layout = layout
from folio.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_each_rebuild_is_bounded_in_time_and_the_watcher_goes_on(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    content = write_report(tmp_path / "content", chapters={"10-one.yaml": MINIMAL_CHAPTER.replace("A paragraph",
                                                                                                  "SLOW")})
    proc = subprocess.Popen([sys.executable, "-c", HANGING_LAYOUT, "--watch", "--time-limit", "2", "--content",
                             str(content), "-o", str(tmp_path / "r.pdf")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(root)), cwd=root)
    assert proc.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(line.startswith("watching") for line in lines) or proc.poll() is not None)
        deadline = time.monotonic() + 60
        for edit in range(1000):  # saved again until the watcher, still setting up at first, sees it
            (content / "10-one.yaml").write_text(MINIMAL_CHAPTER.replace("A paragraph", f"A quick {edit}"),
                                                 encoding="utf-8")
            time.sleep(2)
            if any(" rebuilt " in line for line in lines) or proc.poll() is not None or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert err.startswith("error: the build took more than 2 seconds, the time a build may take; raise the bound "
                          "with --time-limit SECONDS if this report needs longer\n"
                          "no PDF written; waiting for the next change\n"), err
    assert "Traceback" not in err
    assert "A quick" in pdf_text(tmp_path / "r.pdf")
