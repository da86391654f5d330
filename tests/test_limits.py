"""A whole build is bounded in wall time and memory (--time-limit, --memory-limit): past a bound it
ends with a sentence, exit 1, the last PDF intact, in one process or laid out in parts; and
SOURCE_DATE_EPOCH is a whole number of seconds or a clean error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .conftest import MINIMAL_CHAPTER, ROOT, run_cli, write_report

OLD = b"%PDF-1.7\n% the last good build\n"

# A build whose layout misbehaves as the test says (the engine's layout, in whichever process it
# runs: forked layout processes inherit the patch); argv[1] is a folder for the pids it ran in.
MISBEHAVING_BUILD = """
import os, sys, time
from pathlib import Path
import folio.typeset as typeset
real = typeset.layout
def layout(*args, **kwargs):
    Path(sys.argv[1], str(os.getpid())).write_text("")
    {misbehave}
    return real(*args, **kwargs)
typeset.layout = layout
from folio.cli import main
raise SystemExit(main(sys.argv[2:]))
"""
SLOW = "time.sleep(120)"
GREEDY = "hoard = bytearray(3 * 1024 ** 3)  # address space only: the pages are never touched"

REPORT_OF_TWO = """\
title: Test Report
issuer: Test Mission
date: 2021-02-09
chapters:
  - 10-one.yaml
  - 20-two.yaml
"""


def misbehaving_build(tmp_path: Path, misbehave: str, *options: str) -> tuple[subprocess.CompletedProcess, Path]:
    content = write_report(tmp_path / "content", REPORT_OF_TWO,
                           {"10-one.yaml": MINIMAL_CHAPTER, "20-two.yaml": MINIMAL_CHAPTER.replace("One", "Two")
                            .replace("id: first", "id: second")})
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    target.write_bytes(OLD)
    pids = tmp_path / "pids"
    pids.mkdir()
    script = textwrap.dedent(MISBEHAVING_BUILD).replace("{misbehave}", misbehave)
    done = subprocess.run([sys.executable, "-c", script, str(pids), "--content", str(content), "-o", str(target),
                           *options], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=90)
    return done, pids


def assert_intact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (out / "report.pdf").read_bytes() == OLD
    assert sorted(p.name for p in out.iterdir()) == ["report.pdf"]


def assert_all_ended(pids: Path) -> None:
    """No layout process outlives the build."""
    deadline = time.monotonic() + 10
    for name in os.listdir(pids):
        while True:
            try:
                os.kill(int(name), 0)
            except ProcessLookupError:
                break
            assert time.monotonic() < deadline, f"layout process {name} still runs"
            time.sleep(0.1)


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one process", "in parts"])
def test_a_build_past_its_time_limit_ends_with_a_sentence(tmp_path: Path, jobs: str) -> None:
    started = time.monotonic()
    done, pids = misbehaving_build(tmp_path, SLOW, "--time-limit", "3", "--jobs", jobs)
    assert time.monotonic() - started < 60
    assert (done.returncode, done.stderr) == (1, (
        "error: the build took more than 3 seconds, the time a build may take; raise the bound with --time-limit "
        "SECONDS if this report needs longer\n"
        "no PDF written (the last one is unchanged).\n"))
    assert_intact(tmp_path)
    assert_all_ended(pids)


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one process", "in parts"])
def test_a_build_past_its_memory_limit_ends_with_a_sentence(tmp_path: Path, jobs: str) -> None:
    done, pids = misbehaving_build(tmp_path, GREEDY, "--memory-limit", "1024", "--jobs", jobs)
    assert (done.returncode, done.stderr) == (1, (
        "error: the build ran out of memory (the 1024 MiB a build process may use); raise the bound with "
        "--memory-limit MiB, or build a long report in parts (--jobs)\n"
        "no PDF written (the last one is unchanged).\n"))
    assert_intact(tmp_path)
    assert_all_ended(pids)


def test_the_bounds_are_lifted_after_the_build(report_dir: Path, tmp_path: Path) -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    assert run_cli("--content", report_dir, "-o", tmp_path / "r.pdf", "-q", "--memory-limit", "3000").code == 0
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize(("option", "value"), [("--time-limit", "-1"), ("--time-limit", "lots"),
                                             ("--time-limit", "1e12"), ("--memory-limit", "1.5"),
                                             ("--memory-limit", "-5"), ("--memory-limit", "4GiB")])
def test_limits_on_the_command_line_are_numbers(report_dir: Path, option: str, value: str, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("--content", report_dir, "--check", option, value)
    assert caught.value.code == 2
    assert f"argument {option}: {value!r} is not a" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["yesterday", "1.5e9", "-86400", "99999999999999999999", "0x10", "1e3"])
def test_source_date_epoch_must_be_whole_seconds(report_dir: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    for mode in (("--check",), ("-o", str(report_dir.parent / "r.pdf"))):
        run = run_cli("--content", report_dir, *mode)
        assert run.code == 1
        assert run.err.startswith(f"error: SOURCE_DATE_EPOCH is {value!r}: expected a whole number of seconds since "
                                  "1970-01-01 00:00 UTC, from 0 to 253402300799 (for example 1612828800 for "
                                  "2021-02-09); set it so, or unset it\n"), run.err
        assert "internal error" not in run.err
    assert not (report_dir.parent / "r.pdf").exists()
