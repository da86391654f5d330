"""A failed or interrupted build leaves the previous PDF byte for byte and no temporary file;
two builds at once never mix their bytes."""

from __future__ import annotations

import errno
import os
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
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SLOW_BUILD), str(ready),
                             "--content", str(content), "-o", str(target)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # up to a minute on a slow machine; it is ready in about two seconds
            if ready.exists() or proc.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert ready.exists(), proc.communicate()[1]
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err == "interrupted; no PDF written (the last one is unchanged).\n"
    assert_untouched(target)
