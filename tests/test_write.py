"""A failed or interrupted build leaves the previous PDF byte for byte and no temporary file;
two builds at once never mix their bytes."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from folio import write
from folio.errors import BuildError
from folio.write import write_atomic

from .conftest import ROOT, run_cli, write_report

OLD = b"%PDF-1.7\n% the last good build\n"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    out.write_bytes(OLD)
    return out


def assert_untouched(target: Path) -> None:
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary file left


def test_write_replaces_whole(target: Path) -> None:
    write_atomic(target, b"%PDF new")
    assert target.read_bytes() == b"%PDF new"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_full_disk_keeps_the_old_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(BuildError) as caught:
        write_atomic(target, b"%PDF new" * 1000)
    assert str(caught.value) == f"{target}: cannot write: No space left on device; the previous file is unchanged"
    assert_untouched(target)


def test_full_disk_during_write(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    class FillsUp:
        """A file that takes the first kilobyte, then reports a full disk."""

        def __init__(self, fd: int, mode: str) -> None:
            self.file = real_fdopen(fd, mode)

        def __enter__(self) -> FillsUp:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def write(self, data: bytes) -> int:
            self.file.write(data[:1024])
            self.file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(write.os, "fdopen", FillsUp)
    with pytest.raises(BuildError, match="No space left on device"):
        write_atomic(target, b"%PDF new" * 100_000)
    assert_untouched(target)


def test_read_only_folder(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root may write anywhere, so the refusal a read-only folder gives is simulated where it happens.
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(BuildError) as caught:
        write_atomic(target, b"%PDF new")
    assert str(caught.value) == f"{target}: cannot write: Read-only file system"
    assert_untouched(target)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_by_permissions(target: Path) -> None:
    target.parent.chmod(0o555)
    try:
        with pytest.raises(BuildError) as caught:
            write_atomic(target, b"%PDF new")
        assert "read-only" in str(caught.value)
        assert_untouched(target)
    finally:
        target.parent.chmod(0o755)


def test_interrupt_while_writing(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"%PDF new")
    assert_untouched(target)


# ---------------------------------------------------------------- a stop during the write step


@pytest.fixture
def two_pdfs(tmp_path: Path, report_dir: Path) -> tuple[Path, Path]:
    """The screen and print PDFs of a last good `--profile all` build, as they were."""
    out = tmp_path / "out"
    out.mkdir()
    pdfs = (out / "report.pdf", out / "report-print.pdf")
    for pdf in pdfs:
        pdf.write_bytes(OLD)
    return pdfs


def _all_profiles(report_dir: Path, pdfs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
                  between: object) -> tuple[object, list[Path]]:
    """Build --profile all, calling `between()` after the first PDF is written and before the second."""
    real, done = write.write_atomic, []

    def writing(target: Path, data: bytes) -> None:
        if target.suffix == ".pdf" and done:
            between()
        real(target, data)
        if target.suffix == ".pdf":
            done.append(target)

    monkeypatch.setattr(write, "write_atomic", writing)
    return run_cli("--content", report_dir, "--profile", "all", "-o", pdfs[0], "-q"), done


def test_ctrl_c_between_two_profiles_writes_is_acted_on_after_the_last(report_dir: Path, two_pdfs,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    run, done = _all_profiles(report_dir, two_pdfs, monkeypatch, lambda: os.kill(os.getpid(), signal.SIGINT))
    assert run.code == 130
    assert done == list(two_pdfs) and all(p.read_bytes().startswith(b"%PDF-") and p.read_bytes() != OLD
                                          for p in two_pdfs)
    assert run.err == f"interrupted; every file was written before it stopped: {two_pdfs[0]}, {two_pdfs[1]}.\n"


def test_a_failure_between_two_profiles_writes_says_which_was_written(report_dir: Path, two_pdfs,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def full() -> None:
        raise BuildError(f"{two_pdfs[1]}: cannot write: No space left on device; the previous file is unchanged")

    run, _ = _all_profiles(report_dir, two_pdfs, monkeypatch, full)
    assert run.code == 1
    assert two_pdfs[0].read_bytes() != OLD and two_pdfs[1].read_bytes() == OLD
    assert run.err.endswith(f"written before it stopped: {two_pdfs[0]}; left as they were: {two_pdfs[1]}.\n"), run.err


def test_the_time_limit_is_off_while_the_pdfs_are_written(report_dir: Path, two_pdfs,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    timers = []
    run, _ = _all_profiles(report_dir, two_pdfs, monkeypatch,
                           lambda: timers.append(signal.getitimer(signal.ITIMER_REAL)))
    assert run.code == 0, run.err
    assert timers == [(0.0, 0.0)]  # no alarm can land between the two PDFs


def test_output_path_that_is_a_folder(tmp_path: Path, report_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    run = run_cli("--content", report_dir, "-o", "out")
    assert run.code == 1
    assert run.err == ("error: out: the output path is a folder; give a file name such as out/report.pdf\n"
                       "no PDF written (the last one is unchanged).\n")


def test_output_in_a_read_only_folder_fails_before_any_work(tmp_path: Path, report_dir: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(write.os, "access", lambda path, mode: False)
    run = run_cli("--content", report_dir, "-o", "out/report.pdf")
    assert run.code == 1
    assert run.err == ("error: out: the folder is read-only; choose another output path with -o\n"
                       "no PDF written (the last one is unchanged).\n")
    assert list((tmp_path / "out").iterdir()) == []


def test_two_writers_never_mix(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    bodies = [bytes([65 + i]) * 2_000_000 for i in range(2)]
    target.write_bytes(bodies[0])
    seen: set[bytes] = set()
    done = threading.Event()

    def writer(body: bytes) -> None:
        for _ in range(15):
            write_atomic(target, body)

    def reader() -> None:
        while not done.is_set():
            data = target.read_bytes()
            seen.add(data[:1] if data in bodies else b"mixed")

    threads = [threading.Thread(target=writer, args=(b,)) for b in bodies]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watcher.join()
    assert b"mixed" not in seen
    assert target.read_bytes() in bodies
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


# A build that stops in the middle of the layout until it is killed: the parent waits for
# the "ready" file, sends SIGTERM, and checks what is left.
SLOW_BUILD = """
import sys, time
from pathlib import Path
import folio.typeset as typeset
real = typeset.layout
def slow(*args, **kwargs):
    laid = real(*args, **kwargs)
    Path(sys.argv[1]).write_text("ready")
    time.sleep(60)
    return laid
typeset.layout = slow
from folio.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_signal_during_layout_keeps_the_old_pdf(tmp_path: Path, target: Path, signum: int) -> None:
    content = write_report(tmp_path / "content")
    code, err = _signal_when_ready(SLOW_BUILD, tmp_path, content, target, signum)
    assert code == 130
    assert err == "interrupted; no PDF written (the last one is unchanged).\n"
    assert_untouched(target)


def _signal_when_ready(script: str, tmp_path: Path, content: Path, target: Path, signum: int) -> tuple[int, str]:
    """Build `content` with `script` (which writes its first argument's file when the moment
    has come), send `signum` then, and return the exit status and stderr."""
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), str(ready),
                             "--content", str(content), "-o", str(target)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # up to a minute on a slow machine; it is ready in about two seconds
            if ready.exists() or proc.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert ready.exists(), proc.communicate()[1]
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err


# The engine draws an SVG inside `except BaseException` (weasyprint/images.py), which swallows the
# KeyboardInterrupt a signal handler raises there: the build used to end as "Failed to render SVG
# image" (exit 1). The SVG below has many elements; the patched draw says when drawing starts and
# then draws slowly, so that the signal lands inside the engine's own try block.
SLOW_SVG_BUILD = """
import sys, time
from pathlib import Path
import folio.typeset  # noqa: F401  (imports WeasyPrint)
from weasyprint.svg import SVG
real = SVG.draw
def slow(self, *args, **kwargs):
    Path(sys.argv[1]).write_text("drawing")
    for _ in range(600):
        time.sleep(0.1)
    return real(self, *args, **kwargs)
SVG.draw = slow
from folio.cli import main
raise SystemExit(main(sys.argv[2:]))
"""

MANY_RECTS = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
              + "".join(f'<rect x="{i % 100}" y="{i // 100}" width="1" height="1" fill="#345"/>' for i in range(5000))
              + "</svg>")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_signal_while_the_engine_draws_an_svg_is_an_interruption(tmp_path: Path, target: Path, signum: int) -> None:
    chapter = ("title: One\nsections:\n  - title: A\n    blocks:\n"
               "      - figure: slow.svg\n        alt: Many small squares.\n")
    content = write_report(tmp_path / "content", chapters={"10-one.yaml": chapter})
    (content / "slow.svg").write_text(MANY_RECTS)
    assert _signal_when_ready(SLOW_SVG_BUILD, tmp_path, content, target, signum) == (
        130, "interrupted; no PDF written (the last one is unchanged).\n")
    assert_untouched(target)


# A build killed (SIGKILL: no cleanup can run) at the moment its PDF is renamed into place.
KILLED_AT_RENAME = """
import os, sys, time
from pathlib import Path
real = os.replace
def replace(src, dst, *args, **kwargs):
    if str(dst).endswith(".pdf"):
        Path(sys.argv[1]).write_text("renaming")
        time.sleep(60)
    return real(src, dst, *args, **kwargs)
os.replace = replace
from folio.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def test_the_next_build_cleans_what_a_killed_build_left(tmp_path: Path, target: Path) -> None:
    content = write_report(tmp_path / "content")
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_AT_RENAME), str(ready),
                             "--content", str(content), "-o", str(target), "-q"],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if ready.exists() or proc.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert ready.exists(), proc.communicate()[1]
        proc.kill()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    left = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert len(left) == 1 and re.fullmatch(r"\.report\.pdf\.[a-z0-9_]{8}\.tmp", left[0]), left
    assert target.read_bytes() == OLD
    run = run_cli("--content", content, "-o", target, "-q")
    assert run.code == 0, run.err
    assert sorted(p.name for p in target.parent.iterdir()) == [".report.pdf.mends.json", "report.pdf"]


HOLD_LOCKED = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def test_only_orphans_of_the_same_output_are_cleaned(target: Path) -> None:
    folder = target.parent
    orphan = folder / ".report.pdf.k1ll3d_x.tmp"
    writing = folder / ".report.pdf.wr1t1ng_.tmp"  # a build writing this very moment: locked
    others = [folder / ".other.pdf.abcdefgh.tmp", folder / ".report.pdf.mends.json.abcdefgh.tmp",
              folder / ".report.pdf.toolongname.tmp", folder / "report.pdf.abcdefgh.tmp"]
    for path in [orphan, writing, *others]:
        path.write_bytes(b"%PDF half")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCKED, str(writing)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        write_atomic(target, b"%PDF new")
    finally:
        holder.kill()
        holder.communicate(timeout=30)
    assert not orphan.exists()
    assert writing.exists() and all(path.exists() for path in others)
    assert target.read_bytes() == b"%PDF new"


PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(("option", "name", "what"), [
    ("-o", "content/10-one.yaml", "one of the report's own files"),
    ("-o", "content/report.yaml", "one of the report's own files"),
    ("-o", "content/20-new.yaml", "one of the report's own files"),  # would become an unlisted chapter
    ("-o", "content/images/dot.png", "one of the report's own files"),
    ("-o", "content/images/picture", "one of the report's own files"),  # an image by its bytes, not its name
    ("-o", "link/10-one.yaml", "one of the report's own files"),  # through a link to the content folder
    ("--html", "content/10-one.yaml", "one of the report's own files"),
    ("-o", str(ROOT / "styles" / "page.css"), "would be written into styles/"),
    ("-o", str(ROOT / "styles" / "fonts" / "new.pdf"), "would be written into styles/"),
    ("-o", str(ROOT / "templates" / "report.pdf"), "would be written into templates/"),
    ("-o", str(ROOT / "folio" / "report.pdf"), "would be written into folio/, the program itself"),
])
def test_an_output_that_is_an_input_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               option: str, name: str, what: str) -> None:
    monkeypatch.chdir(tmp_path)
    # a content error too: the output is refused first, before the content is even read
    content = write_report(tmp_path / "content", chapters={"10-one.yaml": "title: One\nsectons: []\n"})
    (content / "images").mkdir()
    (content / "images" / "dot.png").write_bytes(PNG_HEAD)
    (content / "images" / "picture").write_bytes(PNG_HEAD)
    (tmp_path / "link").symlink_to(content)
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    existed = Path(name).exists()
    args = ["--content", "content", "-o", "out.pdf", option, name] if option == "--html" else [
        "--content", "content", option, name]
    run = run_cli(*args)
    assert run.code == 1
    first = run.err.splitlines()[0]
    assert first.startswith(f"error: {name}: the output ({option}) ") and what in first, run.err
    assert run.err.endswith("no PDF written (the last one is unchanged).\n")
    assert {p: p.read_bytes() for p in content.rglob("*") if p.is_file()} == before
    assert Path(name).exists() == existed
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize(("option", "name", "what"), [
    ("-o", "content/MyFont.ttf", "one of the report's own files"),  # by its name (write.py), before any work
    ("-o", "content/fonts/Other", "one of the report's own files"),  # a font by its first bytes
    ("-o", "content/fonts/OFL.txt", "is the licence of a font the report brings"),  # named in report.yaml
    ("--html", "content/fonts/OFL.txt", "is the licence of a font the report brings"),
])
def test_an_output_that_is_a_font_of_the_report_or_its_licence_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, name: str, what: str) -> None:
    from .conftest import MINIMAL_REPORT

    monkeypatch.chdir(tmp_path)
    content = write_report(tmp_path / "content", MINIMAL_REPORT + "fonts:\n  - file: MyFont.ttf\n"
                           "    licence: fonts/OFL.txt\n")
    sans = ROOT / "styles" / "fonts" / "source-sans-3" / "SourceSans3-Regular.ttf"
    licence = sans.with_name("LICENSE.md")
    (content / "MyFont.ttf").write_bytes(sans.read_bytes())
    (content / "fonts").mkdir()
    (content / "fonts" / "Other").write_bytes(sans.read_bytes())
    (content / "fonts" / "OFL.txt").write_bytes(licence.read_bytes())
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    args = ["-o", "out.pdf", option, name] if option == "--html" else [option, name]
    run = run_cli("--content", "content", "-q", *args)
    assert run.code == 1, run.err
    first = run.err.splitlines()[0]
    assert first.startswith(f"error: {name}: the output ({option}) ") and what in first, run.err
    assert run.err.endswith("no PDF written (the last one is unchanged).\n")
    assert {p: p.read_bytes() for p in content.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "out.pdf").exists()


def test_every_file_the_report_names_is_known_to_the_output_check(tmp_path: Path) -> None:
    # a figure however deep (in a sub-section), a font and its licence: none may be an output
    from folio import pipeline

    from .conftest import MINIMAL_REPORT

    chapter = ("title: One\nsections:\n  - title: A\n    blocks: [Text.]\n    subsections:\n"
               "      - title: B\n        blocks:\n          - figure: deep.png\n            alt: A picture.\n")
    content = write_report(tmp_path / "c", MINIMAL_REPORT + "fonts:\n  - file: MyFont.ttf\n    licence: OFL.txt\n",
                           {"10-one.yaml": chapter})
    sans = ROOT / "styles" / "fonts" / "source-sans-3" / "SourceSans3-Regular.ttf"
    (content / "MyFont.ttf").write_bytes(sans.read_bytes())
    (content / "OFL.txt").write_bytes(sans.with_name("LICENSE.md").read_bytes())
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (4, 4)).save(picture, "PNG")
    (content / "deep.png").write_bytes(picture.getvalue())
    named = pipeline._named_files(pipeline.load(content))
    real = content.resolve()
    assert {real / n for n in ("deep.png", "MyFont.ttf", "OFL.txt", "report.yaml", "10-one.yaml")} <= set(named)


def test_the_pdf_and_the_html_in_one_file_are_refused(tmp_path: Path, report_dir: Path) -> None:
    run = run_cli("--content", report_dir, "-o", tmp_path / "same", "--html", tmp_path / "same")
    assert (run.code, run.err) == (1, f"error: {tmp_path / 'same'}: -o and --html would write the same file; "
                                      "give each its own path\nno PDF written (the last one is unchanged).\n")
    assert not (tmp_path / "same").exists()


def test_an_output_inside_the_content_folder_that_is_no_input_is_fine(tmp_path: Path, report_dir: Path) -> None:
    run = run_cli("--content", report_dir, "-o", report_dir / "report.pdf", "--html", report_dir / "report.html",
                  "-q")
    assert run.code == 0, run.err
    assert (report_dir / "report.pdf").read_bytes().startswith(b"%PDF")
