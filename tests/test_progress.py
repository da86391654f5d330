"""The progress line: on a terminal after a second, never in a pipe, in CI or with --quiet."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from folio import cli, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def build(report_dir: Path, tmp_path: Path, err: io.StringIO, *extra: str) -> int:
    return cli.main(["--content", str(report_dir), "-o", str(tmp_path / "r.pdf"), *extra],
                    stdout=io.StringIO(), stderr=err)


@pytest.fixture
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "TICK", 0.01)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)


@pytest.mark.usefixtures("no_delay")
def test_a_terminal_sees_the_steps_and_the_line_is_wiped(report_dir: Path, tmp_path: Path) -> None:
    err = Terminal()
    assert build(report_dir, tmp_path, err) == 0
    shown = err.getvalue()
    assert "folio: laying out pages" in shown
    assert shown.endswith("\r\033[K")  # nothing of it is left on the screen


@pytest.mark.usefixtures("no_delay")
def test_mending_is_a_step_of_its_own(one_chapter: Path, tmp_path: Path) -> None:
    err = Terminal()
    assert build(one_chapter, tmp_path, err, "--fresh") == 0
    assert "folio: mending the pages" in err.getvalue()


def test_pages_laid_out_are_counted_from_the_engine_log() -> None:
    with progress.Progress(Terminal()) as shown:
        shown.step_started("layout")
        logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout - Page %d", 7)
        assert shown.pages == 7
        assert "laying out pages: page 7" in shown.line()
    assert not logging.getLogger("weasyprint.progress").handlers


@pytest.mark.usefixtures("no_delay")
@pytest.mark.parametrize("case", ["pipe", "ci", "quiet"])
def test_quiet_outside_a_terminal_in_ci_and_with_quiet(case: str, report_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO() if case == "pipe" else Terminal()
    if case == "ci":
        monkeypatch.setenv("CI", "true")
    assert build(report_dir, tmp_path, err, *(["-q"] if case == "quiet" else [])) == 0
    assert "folio:" not in err.getvalue()


def test_a_short_build_shows_nothing(report_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress, "DELAY", 3600.0)
    err = Terminal()
    assert build(report_dir, tmp_path, err) == 0
    assert err.getvalue() == ""
