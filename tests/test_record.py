"""The mends record: a build starts from the mends the last build of the same PDF left beside it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from folio import pipeline, record

from .conftest import ONE_CHAPTER as CHAPTER
from .conftest import run_cli


def build(content: Path, out: Path, **options: object) -> pipeline.Result:
    return pipeline.build(content, pipeline.BuildOptions(output=out, **options))  # type: ignore[arg-type]


def test_an_unchanged_report_is_laid_out_once_with_the_same_bytes(one_chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "r.pdf"
    first = build(one_chapter, out)
    assert first.preflight is not None and len(first.preflight.passes) > 1, "the chapter no longer needs mending"
    assert record.path_for(out).is_file()
    cold = out.read_bytes()

    second = build(one_chapter, out)
    assert second.preflight is not None and len(second.preflight.passes) == 1
    assert second.preflight.reused == len(first.preflight.final_mends) > 0
    assert out.read_bytes() == cold


def test_an_edited_block_starts_afresh_and_the_others_from_their_mends(one_chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    first = build(one_chapter, out)
    assert first.preflight is not None
    mended = first.preflight.final_mends
    chapter = one_chapter / CHAPTER
    line = int(next(iter(mended)).rsplit(":", 1)[1])  # the first mended block: a paragraph on that line
    lines = chapter.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = re.sub(r"(- )(\S)", r"\1Indeed, \2", lines[line - 1], count=1)
    chapter.write_text("".join(lines), encoding="utf-8")

    second = build(one_chapter, out)
    assert second.preflight is not None
    assert second.preflight.reused == len(mended) - 1
    assert not second.preflight.remaining


def test_fresh_and_no_mend_ignore_the_record_and_leave_it_as_it_was(one_chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    first = build(one_chapter, out)
    assert first.preflight is not None
    kept = record.path_for(out).read_bytes()

    fresh = run_cli("--content", one_chapter, "-o", out, "--fresh", "--preflight")
    assert fresh.code == 0, fresh.err
    assert "started from" not in fresh.out
    assert f"in {len(first.preflight.passes)} layout(s)" in fresh.out
    assert record.path_for(out).read_bytes() == kept  # the same mends, written again

    untouched = run_cli("--content", one_chapter, "-o", out, "--no-mend", "--preflight")
    assert untouched.code == 0, untouched.err
    assert record.path_for(out).read_bytes() == kept

    again = run_cli("--content", one_chapter, "-o", out, "--preflight")
    assert "started from the last build's mends" in again.out and "in 1 layout(s)" in again.out


@pytest.mark.parametrize("damage", ["not json", "wrong design", "wrong shape"])
def test_a_record_that_does_not_fit_is_ignored(one_chapter: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "r.pdf"
    first = build(one_chapter, out)
    assert first.preflight is not None
    path = record.path_for(out)
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "not json":
        path.write_text("{ this is not", encoding="utf-8")
    elif damage == "wrong design":
        data["design"] = "0" * 64
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        data["mends"] = {text: {"no_such_field": 1} for text in data["mends"]}
        path.write_text(json.dumps(data), encoding="utf-8")

    again = build(one_chapter, out)
    assert again.preflight is not None and again.preflight.reused == 0
    assert len(again.preflight.passes) == len(first.preflight.passes)


def test_a_failed_build_leaves_the_record_alone(one_chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    build(one_chapter, out)
    kept = record.path_for(out).read_bytes()
    (one_chapter / CHAPTER).write_text("title: [unclosed\n", encoding="utf-8")
    failed = run_cli("--content", one_chapter, "-o", out)
    assert failed.code == 1
    assert record.path_for(out).read_bytes() == kept


def test_the_design_digest_follows_the_stylesheets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "a.css").write_text("p { color: red }", encoding="utf-8")
    monkeypatch.setattr(record, "PROJECT_ROOT", tmp_path)
    before = record.design_digest("70.0")
    assert record.design_digest("70.0") == before
    assert record.design_digest("71.0") != before
    (styles / "a.css").write_text("p { color: blue }", encoding="utf-8")
    assert record.design_digest("70.0") != before


def test_a_cut_note_is_cut_again_from_the_record(tmp_path: Path) -> None:
    """The record keeps the long notes' cuts too: a repeat build lays the pages out once."""
    import random

    from .conftest import write_report
    from .test_blocks_pdf import REPORT, WORDS

    rng = random.Random(7)

    def body(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    chapter = ("title: One\nsections:\n  - title: Notes\n    blocks:\n"
               + f"      - Start {body(30)} first call.[^a] {body(300)} long call.[^long] {body(40)}\n"
               + "".join(f"      - {body(120)}\n" for _ in range(2))
               + "notes:\n  a: The first note.\n  long: " + " ".join(f"l{i}x" for i in range(420)) + "\n")
    content = write_report(tmp_path / "c", REPORT, {"10-one.yaml": chapter})
    out = tmp_path / "notes.pdf"
    first = build(content, out)
    assert first.preflight is not None and first.preflight.final_splits, "the note is no longer cut"
    cold = out.read_bytes()
    second = build(content, out)
    assert second.preflight is not None and len(second.preflight.passes) == 1
    assert second.preflight.final_splits == first.preflight.final_splits
    assert out.read_bytes() == cold
