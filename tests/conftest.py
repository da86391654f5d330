"""Shared fixtures: small reports written into tmp_path, the command line, built PDFs."""

from __future__ import annotations

import io
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from folio import chartcache
from folio.cli import main
from folio.pipeline import BuildOptions, Result, build

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

MINIMAL_REPORT = """\
title: Test Report
issuer: Test Mission
date: 2021-02-09
language: en
chapters:
  - 10-one.yaml
"""

MINIMAL_CHAPTER = """\
title: One
sections:
  - title: First Section
    id: first
    blocks:
      - A paragraph of text.
"""


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*argv: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def write_report(folder: Path, report: str = MINIMAL_REPORT, chapters: dict[str, str] | None = None) -> Path:
    """A report folder with report.yaml and chapter files; text is dedented."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.yaml").write_text(textwrap.dedent(report), encoding="utf-8")
    for name, text in (chapters if chapters is not None else {"10-one.yaml": MINIMAL_CHAPTER}).items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


PROJECT_CHART_ROOT = chartcache.ROOT  # the folder folio keeps its chart cache in, before any test moves it


@pytest.fixture(autouse=True)
def own_chart_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test a chart cache of its own: a test that replaces the drawing must find no chart drawn before."""
    monkeypatch.setattr(chartcache, "ROOT", tmp_path_factory.mktemp("project") / "build")


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return write_report(tmp_path / "content")


@pytest.fixture(scope="session")
def situationer_pdf(situationer_build: Result) -> Path:
    """The Situationer, built once for the whole session."""
    return situationer_build.path


@pytest.fixture(scope="session")
def situationer_build(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The Situationer's build, --strict: a layout defect left fails it (see test_preflight.py)."""
    out = tmp_path_factory.mktemp("situationer") / "situationer.pdf"
    return build(CONTENT, BuildOptions(output=out, strict=True))


ONE_CHAPTER = "30-engagements.yaml"  # a chapter whose first layout has loose lines to mend


@pytest.fixture
def one_chapter(tmp_path: Path) -> Path:
    """The Situationer's report.yaml with one chapter of it: a few pages that need mending."""
    content = tmp_path / "content"
    content.mkdir()
    text = (CONTENT / "report.yaml").read_text(encoding="utf-8")
    (content / "report.yaml").write_text(re.sub(r"chapters:\n(  - .*\n)+", f"chapters:\n  - {ONE_CHAPTER}\n", text),
                                         encoding="utf-8")
    shutil.copy(CONTENT / ONE_CHAPTER, content / ONE_CHAPTER)
    return content
