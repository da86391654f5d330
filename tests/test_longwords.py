"""A word too long to lay out in reasonable time is refused where it is written, by --check too
(issue 18: one 100,000-character word took over 300 s; the time grows with its length squared)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from folio.longwords import MAX_WORD, longest_word

from .conftest import run_cli, write_report

KHMER = "ព្រះរាជាណាចក្រកម្ពុជា"  # "Kingdom of Cambodia": ICU's dictionary knows its words


def test_a_word_at_the_limit_passes_and_one_more_character_does_not() -> None:
    assert longest_word("x " + "a" * MAX_WORD + " y") is None
    assert longest_word("x " + "a" * (MAX_WORD + 1) + " y") == (2, MAX_WORD + 1)
    assert longest_word("a\u00a0" * 600) == (0, 1199)  # a no-break space joins words into one


@pytest.mark.parametrize("text", [
    KHMER * 500,  # no spaces: folio breaks Khmer between its words (segment.py)
    "日本語の文章です" * 1000,  # a line may break between any two ideographs
    "https://example.org/" + "a-path-segment/" * 400,  # long, but a line breaks after / and -
    "See [the data](https://example.org/" + "x" * 5000 + ") here.",  # a link's target is not printed
    "word " * 20000,
])
def test_long_text_that_can_break_is_not_a_long_word(text: str) -> None:
    assert longest_word(text) is None


def test_check_refuses_a_huge_word_quickly_and_says_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content", chapters={"10-one.yaml": (
        "title: One\nblocks:\n  - Fine text.\n  - Before *" + "a" * 100_000 + "* after.\n"
        "  - table: Data\n    columns: [A]\n    rows:\n      - [\"" + "b" * 2000 + "\"]\n")})
    started = time.perf_counter()
    run = run_cli("--content", "content", "--check")
    assert time.perf_counter() - started < 10  # the layout alone took over 300 s
    assert run.code == 1
    lines = run.err.splitlines()
    assert lines[0] == ("content/10-one.yaml:4:12: error: blocks[1]: a word of 100,002 characters with no place "
                        "to break the line; a word may have at most 1,000")
    assert lines[2] == "    |" + " " * 12 + "^" * 30
    assert lines[3] == ("  hint: break it with spaces or hyphens; for a web address, link words to it instead, "
                        "[the report](https://...): a link's address is not printed")
    assert lines[4].startswith("content/10-one.yaml:8:11: error: blocks[2].rows[0][0]: a word of 2,000 characters")
