"""Every kind of content mistake gets one exact, located message; all of a run's problems
are reported together with a count, exit status 1 and no traceback (unless --debug)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from folio.cli import main
from folio.errors import ContentError
from folio.pipeline import load, prepare

from .conftest import MINIMAL_CHAPTER, MINIMAL_REPORT, ROOT, Run, run_cli, write_report

CHECKED = "nothing written (--check)."


def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chapter: str | bytes | None = None,
          report: str = MINIMAL_REPORT, **more: str) -> Run:
    """`--check` on a report whose chapter 10-one.yaml is `chapter`, run from tmp_path."""
    monkeypatch.chdir(tmp_path)
    folder = write_report(tmp_path / "content", report, {"10-one.yaml": MINIMAL_CHAPTER, **more})
    if isinstance(chapter, bytes):
        (folder / "10-one.yaml").write_bytes(chapter)
    elif chapter is not None:
        (folder / "10-one.yaml").write_text(textwrap.dedent(chapter), encoding="utf-8")
    return run_cli("--content", "content", "--check")


def expect(run: Run, text: str) -> None:
    assert run.out == ""
    assert run.err == textwrap.dedent(text).lstrip("\n")
    assert run.code == 1
    assert "Traceback" not in run.err


# ---------------------------------------------------------------- YAML syntax


def test_unquoted_colon(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: Freedom: of the Press\nblocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:1:15: error: title: a colon followed by a space cannot stand in unquoted text
          1 | title: Freedom: of the Press
            |               ^
          hint: quote the value: title: "Freedom: of the Press"
        1 error; {CHECKED}
        """)


def test_paragraph_with_a_colon_reads_as_a_mapping(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - Note: this is text\n")
    expect(run, f"""
        content/10-one.yaml:3:5: error: blocks[0]: unknown block type 'Note'
          3 |   - Note: this is text
            |     ^^^^
          hint: a paragraph with ': ' in it must be quoted: - "Note: this is text"
        1 error; {CHECKED}
        """)


def test_bad_indentation_of_a_key(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        title: One
        sections:
          - title: A
             blocks:
              - x
        """)
    expect(run, f"""
        content/10-one.yaml:4:6: error: sections[0]: 'blocks:' is not lined up with the keys above it
          4 |      blocks:
            |      ^^^^^^^
          hint: the keys of one mapping start in the same column; check the spaces before it
        1 error; {CHECKED}
        """)


def test_bad_indentation_of_a_list_item(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        title: One
        sections:
          - title: A
            blocks:
              - x
           - title: B
        """)
    expect(run, f"""
        content/10-one.yaml:6:4: error: sections[0]: this line does not fit the structure above it
          6 |    - title: B
            |    ^
          hint: check its indentation: the items of one list, and the keys of one mapping, start in the same \
column (the block that starts on line 3 uses column 3)
        1 error; {CHECKED}
        """)


def test_tab(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nsections:\n\t- title: A\n")
    expect(run, f"""
        content/10-one.yaml:3:1: error: sections: a tab character; YAML is indented with spaces only
          3 |  - title: A
            | ^
          hint: replace the tab with spaces
        1 error; {CHECKED}
        """)


def test_unclosed_quote_points_at_the_opening_quote(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, 'title: "One\nblocks: [x]\n')
    expect(run, f"""
        content/10-one.yaml:1:8: error: title: this quote is never closed
          1 | title: "One
            |        ^
          hint: end the text with the same quote mark it starts with
        1 error; {CHECKED}
        """)


def test_unclosed_bracket(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks: [x, y\n")
    expect(run, f"""
        content/10-one.yaml:2:9: error: blocks: this '[' is never closed
          2 | blocks: [x, y
            |         ^
          hint: close it with ']', or quote the value if the '[' is part of the text
        1 error; {CHECKED}
        """)


def test_text_after_a_closing_quote(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, 'title: "One" and two\nblocks: [x]\n')
    expect(run, f"""
        content/10-one.yaml:1:14: error: title: more text after a quoted value
          1 | title: "One" and two
            |              ^
          hint: put the whole value inside the quotes
        1 error; {CHECKED}
        """)


def test_line_without_a_key(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - x\nfoo\n")
    expect(run, f"""
        content/10-one.yaml:4:1: error: expected 'key: value' or '- item' here
          4 | foo
            | ^
          hint: a line may be missing its colon; text that continues a value must be indented further
        1 error; {CHECKED}
        """)


def test_empty_file(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "")
    expect(run, f"""
        content/10-one.yaml: error: the file has no content (nothing in it)
          hint: it needs at least a 'title:' line
        1 error; {CHECKED}
        """)


def test_comments_only(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "# to be written\n# by Monday\n")
    expect(run, f"""
        content/10-one.yaml: error: the file has no content (only comments)
          hint: it needs at least a 'title:' line
        1 error; {CHECKED}
        """)


@pytest.mark.parametrize(("top", "found"), [("- a\n- b\n", "a list"), ("just text\n", "text 'just text'")])
def test_top_level_not_a_mapping(tmp_path, monkeypatch, top: str, found: str) -> None:
    run = check(tmp_path, monkeypatch, top)
    first = top.splitlines()[0]
    caret = "^" if found == "a list" else "^" * len(first)
    expect(run, f"""
        content/10-one.yaml:1:1: error: expected a mapping (a chapter: title, blocks, sections), found {found}
          1 | {first}
            | {caret}
          hint: write it as 'key: value' lines, with keys such as 'title'
        1 error; {CHECKED}
        """)


# ---------------------------------------------------------------- the model


def test_list_where_text_is_expected(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: [One, Two]\nblocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:1:8: error: title: expected text, found a list
          1 | title: [One, Two]
            |        ^
        1 error; {CHECKED}
        """)


def test_mapping_where_text_is_expected(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title:\n  text: One\nblocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:2:3: error: title: expected text, found a mapping
          2 |   text: One
            |   ^
          hint: quote the value if it should be text
        1 error; {CHECKED}
        """)


def test_number_where_a_list_is_expected(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, report=MINIMAL_REPORT.replace("chapters:\n  - 10-one.yaml", "chapters: 5"))
    expect(run, f"""
        content/report.yaml:5:11: error: chapters: expected a list, found text '5'
          5 | chapters: 5
            |           ^
          hint: start each item on its own line with '- '
        1 error; {CHECKED}
        """)


def test_number_where_a_boolean_is_expected(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nnumbered: 3\nblocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:2:11: error: numbered: expected true or false, found '3'
          2 | numbered: 3
            |           ^
          hint: write true or false
        1 error; {CHECKED}
        """)


def test_missing_required_key(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "sections:\n  - title: A\n    blocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:1:1: error: missing required key 'title'
          1 | sections:
            | ^
          hint: add a line 'title: ...' to this mapping
        1 error; {CHECKED}
        """)


def test_unknown_keys_top_level_and_nested(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        titel: One
        sections:
          - title: A
            blcks:
              - x
        """)
    expect(run, f"""
        content/10-one.yaml:1:1: error: titel: unknown key
          1 | titel: One
            | ^^^^^
          hint: did you mean 'title'?
        content/10-one.yaml:4:5: error: sections[0].blcks: unknown key
          4 |     blcks:
            |     ^^^^^
          hint: did you mean 'blocks'?
        2 errors; {CHECKED}
        """)


def test_unknown_key_without_a_close_match_lists_the_known_ones(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks: [x]\nsections:\n  - title: A\n    colour: red\n"
                "    blocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:5:5: error: sections[0].colour: unknown key
          5 |     colour: red
            |     ^^^^^^
          hint: known keys here: title, blocks, id, subsections
        1 error; {CHECKED}
        """)


def test_duplicate_key_names_both_lines(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        title: One
        sections:
          - title: A
            blocks: [x]
            title: B
        """)
    expect(run, f"""
        content/10-one.yaml:5:5: error: sections[0].title: duplicate key 'title'
          5 |     title: B
            |     ^^^^^
          note: first at content/10-one.yaml:3:5
          hint: keep one of the two
        1 error; {CHECKED}
        """)


def test_yaml_1_1_values_stay_the_text_written(tmp_path) -> None:
    folder = write_report(tmp_path / "content", chapters={"10-one.yaml": """\
        title: no
        numbered: no
        sections:
          - title: 1.10
            id: on
            blocks:
              - on
              - 2021-02-09
              - yes
              - 0x1F
              - ~
              - 1e3
        """})
    report = load(folder)
    chapter = report.chapters[0]
    assert chapter.title.value == "no"
    assert chapter.numbered is False  # a yes/no field takes yes and no, as its help says
    section = chapter.sections[0]
    assert (section.title.value, section.id) == ("1.10", "on")
    assert [b.text.value for b in section.blocks] == ["on", "2021-02-09", "yes", "0x1F", "~", "1e3"]


def test_yaml_1_1_date_where_text_is_expected_is_kept_as_written(tmp_path) -> None:
    report = write_report(tmp_path / "content", report=MINIMAL_REPORT + "period: 2020-09-01\nedition: 2.0\n")
    loaded = load(report)
    assert (loaded.period.value, loaded.edition.value) == ("2020-09-01", "2.0")


def test_anchors_and_aliases_are_refused(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: &t One\nsections:\n  - title: *t\n    blocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:1:8: error: anchor '&t' is not allowed
          1 | title: &t One
            |        ^
          hint: write the value out in full; anchors and aliases are not supported
        content/10-one.yaml:3:12: error: alias '*t' is not allowed
          3 |   - title: *t
            |            ^
          hint: write the value out in full; anchors and aliases are not supported
        2 errors; {CHECKED}
        """)


def test_billion_laughs_is_refused_quickly(tmp_path, monkeypatch) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    run = check(tmp_path, monkeypatch, "\n".join(lines) + "\n")
    assert run.code == 1
    assert run.err.endswith(f"81 errors; {CHECKED}\n")  # 9 anchors and 72 aliases, nothing expanded


def test_deep_nesting_is_a_yaml_error_not_a_recursion_error(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: " + "[" * 1000 + "]" * 1000 + "\n")
    expect(run, f"""
        content/10-one.yaml:1:71: error: nested more than 64 levels deep
          1 | ...{"[" * 100}...
            |                                                      ^
        1 error; {CHECKED}
        """)


def test_huge_file_is_refused_by_size_before_parsing(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content")
    with (tmp_path / "content" / "10-one.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    run = run_cli("--content", "content", "--check")
    expect(run, f"""
        content/10-one.yaml: error: the file is 50.0 MB, more than the 4 MB a content file may have
          hint: split it into several section files
        1 error; {CHECKED}
        """)


def test_bytes_that_are_not_utf8(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, b"title: One\nblocks:\n  - caf\xe9 au lait\n")
    expect(run, f"""
        content/10-one.yaml:3:8: error: byte 0xe9 is not UTF-8
          3 |   - caf\ufffd au lait
            |        ^
          hint: save the file as UTF-8 (most editors offer it under 'Save as' or 'Encoding')
        1 error; {CHECKED}
        """)


def test_bom_and_crlf_are_accepted_with_the_same_result(tmp_path) -> None:
    plain = write_report(tmp_path / "plain")
    windows = write_report(tmp_path / "windows")
    for name in ("report.yaml", "10-one.yaml"):
        text = (plain / name).read_bytes()
        (windows / name).write_bytes(b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
    assert prepare(windows).html == prepare(plain).html


def test_nul_and_bidi_override_are_refused(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - a\x00b\n  - Pay \u202e0001\u202c USD\n".encode())
    expect(run, f"""
        content/10-one.yaml:3:6: error: character U+0000 is not allowed in content
          3 |   - a\ufffdb
            |      ^
          hint: delete it; it is invisible in most editors (a control or text-direction character)
        content/10-one.yaml:4:9: error: character U+202E is not allowed in content
          4 |   - Pay \ufffd0001\ufffd USD
            |         ^
          hint: delete it; it is invisible in most editors (a control or text-direction character)
        content/10-one.yaml:4:14: error: character U+202C is not allowed in content
          4 |   - Pay \ufffd0001\ufffd USD
            |              ^
          hint: delete it; it is invisible in most editors (a control or text-direction character)
        3 errors; {CHECKED}
        """)


def test_a_bad_byte_after_accented_letters_is_located_by_character(tmp_path, monkeypatch) -> None:
    # the column was counted in bytes: three columns too far after "café été"
    chapter = "title: One\nblocks:\n  - café été \udce9 x\n".encode("utf-8", "surrogateescape")
    run = check(tmp_path, monkeypatch, chapter)
    expect(run, f"""
        content/10-one.yaml:3:14: error: byte 0xe9 is not UTF-8
          3 |   - café été \ufffd x
            |              ^
          hint: save the file as UTF-8 (most editors offer it under 'Save as' or 'Encoding')
        1 error; {CHECKED}
        """)


def test_line_and_paragraph_separators_are_refused_on_the_editors_line(tmp_path, monkeypatch) -> None:
    # YAML reads U+0085, U+2028 and U+2029 as line breaks, editors do not: every line number after
    # one drifted, and the quoted line was cut at it
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - a\x85b\n  - c\u2028d\u2029\n  - e: f: g\n".encode())
    hint = "replace it with a line break or a space: YAML would read it as a line break that editors do not show"
    expect(run, f"""
        content/10-one.yaml:3:6: error: character U+0085 is not allowed in content
          3 |   - a\ufffdb
            |      ^
          hint: {hint}
        content/10-one.yaml:4:6: error: character U+2028 is not allowed in content
          4 |   - c\ufffdd\ufffd
            |      ^
          hint: {hint}
        content/10-one.yaml:4:8: error: character U+2029 is not allowed in content
          4 |   - c\ufffdd\ufffd
            |        ^
          hint: {hint}
        3 errors; {CHECKED}
        """)


def test_c1_controls_and_noncharacters_are_located(tmp_path, monkeypatch) -> None:
    # PyYAML's own "<unicode string>, position N" wording came out instead of file:line:col
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - a\x90b\n  - \uffff \ufdd0 \U0010ffff\n".encode())
    noncharacter = "delete it: a noncharacter is never text (it may come from a damaged file or a conversion)"
    expect(run, f"""
        content/10-one.yaml:3:6: error: character U+0090 is not allowed in content
          3 |   - a\ufffdb
            |      ^
          hint: delete it; it is invisible in most editors (a control or text-direction character)
        content/10-one.yaml:4:5: error: character U+FFFF is not allowed in content
          4 |   - \ufffd \ufffd \ufffd
            |     ^
          hint: {noncharacter}
        content/10-one.yaml:4:7: error: character U+FDD0 is not allowed in content
          4 |   - \ufffd \ufffd \ufffd
            |       ^
          hint: {noncharacter}
        content/10-one.yaml:4:9: error: character U+10FFFF is not allowed in content
          4 |   - \ufffd \ufffd \ufffd
            |         ^
          hint: {noncharacter}
        4 errors; {CHECKED}
        """)


def test_the_caret_stands_under_the_character_after_wide_and_combining_ones(tmp_path, monkeypatch) -> None:
    # a CJK character takes two cells of the terminal, a combining accent none
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - 日本 e\u0301\x90\n".encode())
    assert run.err.splitlines()[:3] == [
        "content/10-one.yaml:3:10: error: character U+0090 is not allowed in content",
        "  3 |   - 日本 e\u0301\ufffd",
        "    | " + " " * 10 + "^"]


def test_a_file_with_lone_cr_line_ends_is_counted_as_an_editor_counts_it(tmp_path, monkeypatch) -> None:
    chapter = "title: One\nblocks:\n  - a\x90\n  - b: c: d\n"
    with_lf = check(tmp_path, monkeypatch, chapter.encode())
    with_cr = check(tmp_path, monkeypatch, chapter.replace("\n", "\r").encode())
    assert with_cr.err == with_lf.err
    assert with_cr.err.startswith("content/10-one.yaml:3:6: error: character U+0090")


def test_a_character_the_parser_refuses_is_located_even_past_the_decoder() -> None:
    from folio.errors import Problems
    from folio.source import load_text

    problems = Problems()
    assert load_text(Path("x.yaml"), "title: One\nblocks:\n  - a\x90b\n", problems) is None
    assert [(str(p.position), p.message) for p in problems.items] == [
        ("x.yaml:3:6", "character U+0090 is not allowed in content")]


def test_lines_and_columns_are_an_editors() -> None:
    from folio.errors import line_and_column, split_lines

    assert split_lines("a\r\nb\rc\nd\x85e\u2028f\n") == ["a", "b", "c", "d\x85e\u2028f"]
    text = "é\r\nab\rc"
    assert [line_and_column(text, i) for i in range(len(text))] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2),
                                                                     (2, 3), (3, 1)]


def test_several_documents_in_one_file(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks: [x]\n---\ntitle: Two\n")
    expect(run, f"""
        content/10-one.yaml:3:1: error: a file holds one YAML document; a second one starts here
          3 | ---
            | ^
          hint: remove the '---' line, or move the second part to a file of its own
        1 error; {CHECKED}
        """)


def test_python_tags_are_refused(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: !!python/object/apply:os.system [echo hi]\nblocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:1:8: error: tag '!!python/object/apply:os.system' is not allowed
          1 | title: !!python/object/apply:os.system [echo hi]
            |        ^
          hint: remove the tag; content is plain text, lists and mappings
        1 error; {CHECKED}
        """)


# ---------------------------------------------------------------- files and references


def test_listed_chapter_file_missing(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, report=MINIMAL_REPORT + "  - 20-tow.yaml\n", **{"20-two.yaml": MINIMAL_CHAPTER})
    expect(run, f"""
        content/report.yaml:5:1: error: chapters: 20-two.yaml is in the content folder but not listed under \
'chapters'
          5 | chapters:
            | ^
          hint: add '- 20-two.yaml' where it belongs, or move the file out of the folder
        content/report.yaml:7:5: error: chapters[1]: no file '20-tow.yaml' beside report.yaml
          7 |   - 20-tow.yaml
            |     ^^^^^^^^^^^
          hint: did you mean '20-two.yaml'?
        2 errors; {CHECKED}
        """)


def test_chapter_name_that_leaves_the_folder(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, report=MINIMAL_REPORT + "  - ../../etc/passwd.yaml\n")
    expect(run, f"""
        content/report.yaml:7:5: error: chapters[1]: '../../etc/passwd.yaml' is not a file name in the content folder
          7 |   - ../../etc/passwd.yaml
            |     ^
          hint: name a .yaml file beside report.yaml, e.g. 20-introduction.yaml
        1 error; {CHECKED}
        """)


def test_two_sections_with_the_same_id(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        title: One
        sections:
          - title: Press
            id: press
            blocks: [x]
          - title: Press again
            id: press
            blocks: [y]
        """)
    expect(run, f"""
        content/10-one.yaml:7:5: error: sections[1].id: id 'press' is used twice
          7 |     id: press
            |     ^^^^^^^^^
          note: first at content/10-one.yaml:4:5
          hint: give each chapter, section, table, figure and box an id of its own
        1 error; {CHECKED}
        """)


def test_cross_reference_to_an_unknown_id(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        title: One
        sections:
          - title: Press
            id: press-freedom
            blocks:
              - >-
                As set out in a long paragraph folded over lines,
                see [](#pres-freedom) and [](#nowhere).
        """)
    expect(run, f"""
        content/10-one.yaml:8:16: error: sections[0].blocks[0]: cross-reference to unknown id 'pres-freedom'
          8 |         see [](#pres-freedom) and [](#nowhere).
            |                ^^^^^^^^^^^^^
          hint: did you mean 'press-freedom'?
        content/10-one.yaml:8:38: error: sections[0].blocks[0]: cross-reference to unknown id 'nowhere'
          8 |         see [](#pres-freedom) and [](#nowhere).
            |                                      ^^^^^^^^
          hint: ids are set with 'id:' on a chapter or section
        2 errors; {CHECKED}
        """)


def test_javascript_link_is_refused(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: One\nblocks:\n  - Click [here](javascript:alert(1)).\n")
    expect(run, f"""
        content/10-one.yaml:3:18: error: blocks[0]: link to 'javascript:alert(1)' is not allowed
          3 |   - Click [here](javascript:alert(1)).
            |                  ^^^^^^^^^^^^^^^^^^^
          hint: links may use https://, http:// or mailto: only; for a place in the report use [](#id)
        1 error; {CHECKED}
        """)


@pytest.mark.parametrize("href", ["file:///etc/passwd", "data:text/html,x", "//evil.example", "JavaScript:x", "ftp://x"])
def test_other_link_schemes_are_refused(tmp_path, monkeypatch, href: str) -> None:
    run = check(tmp_path, monkeypatch, f"title: One\nblocks:\n  - See [this]({href}).\n")
    assert run.code == 1
    assert f"error: blocks[0]: link to '{href}' is not allowed" in run.err


def test_http_https_and_mailto_links_are_legal(tmp_path) -> None:
    # a link is an annotation in the PDF, never fetched: a plain http site is as legal as https
    folder = write_report(tmp_path / "content", MINIMAL_REPORT, {"10-one.yaml": (
        "title: One\nblocks:\n  - See [the site](http://example.org/a), [this](HTTPS://example.org)"
        " and [us](mailto:a@example.org).\n")})
    html = prepare(folder).html
    assert '<a href="http://example.org/a">the site</a>' in html
    assert '<a href="HTTPS://example.org">this</a>' in html
    assert '<a href="mailto:a@example.org">us</a>' in html


def test_escaped_markup_characters_are_printed_as_written(tmp_path) -> None:
    folder = write_report(tmp_path / "content", MINIMAL_REPORT, {"10-one.yaml": (
        "title: One\nblocks:\n  - province\\* and \\*not emphasis\\* \\[not a link\\](https://e.org)\n"
        "  - 'snake\\_case, \\[^n1] and (c) 2024...'\n")})
    html = prepare(folder).html
    assert "province* and *not emphasis* [not a link](https://e.org)" in html
    assert "snake_case, [^n1] and (c) 2024\u2026" in html


# ---------------------------------------------------------------- the run as a whole


MANY_MISTAKES = {
    "10-one.yaml": "titel: One\nblocks:\n  - See [](#nowhere).\n",
    "20-two.yaml": "title: Two\ntitle: Again\nblocks: [x]\n",
}


def test_all_problems_of_all_files_reported_together(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content", MINIMAL_REPORT.replace("date: 2021-02-09", "date: 9 Feb 2021")
                 + "  - 20-two.yaml\n", MANY_MISTAKES)
    run = run_cli("--content", "content", "--check")
    assert run.code == 1
    heads = [line for line in run.err.splitlines() if ": error: " in line]
    assert heads == [
        "content/10-one.yaml:1:1: error: titel: unknown key",
        "content/20-two.yaml:2:1: error: title: duplicate key 'title'",
        "content/report.yaml:3:7: error: date: '9 Feb 2021' is not a date",
    ]
    assert run.err.endswith(f"3 errors; {CHECKED}\n")


def test_a_build_reports_errors_and_keeps_the_last_pdf(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content", chapters={"10-one.yaml": "title: One\nblocks: [See [](#nowhere).]\n"})
    target = tmp_path / "out.pdf"
    target.write_bytes(b"%PDF-1.7 the last good one")
    run = run_cli("--content", "content", "-o", target)
    assert run.code == 1
    assert run.err.endswith("1 error; no PDF written (the last one is unchanged).\n")
    assert target.read_bytes() == b"%PDF-1.7 the last good one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "out.pdf"]


def test_debug_shows_the_traceback(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content", chapters={"10-one.yaml": "titel: One\nblocks: [x]\n"})
    with pytest.raises(ContentError) as caught:
        main(["--content", "content", "--check", "--debug"])
    assert [p.message for p in caught.value.problems] == ["unknown key"]


def test_no_report_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_cli("--content", "nowhere", "--check")
    expect(run, f"""
        nowhere/report.yaml: error: no report.yaml in the content folder
          hint: pass the folder that holds report.yaml with --content
        1 error; {CHECKED}
        """)


def test_wrong_command_line_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--no-such-option"])
    assert caught.value.code == 2


def test_a_bug_is_reported_without_a_traceback(tmp_path, monkeypatch) -> None:
    from folio import pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("something folio did not expect")

    monkeypatch.setattr(pipeline, "prepare", broken)
    run = run_cli("--content", write_report(tmp_path / "content"), "--check")
    assert run.code == 1
    assert run.err == ("internal error: RuntimeError: something folio did not expect\n"
                       "this is a bug in folio; run again with --debug for the traceback, and report it\n"
                       f"{CHECKED}\n")
    with pytest.raises(RuntimeError):
        main(["--content", str(tmp_path / "content"), "--check", "--debug"])


def test_debug_traceback_reaches_the_terminal(tmp_path) -> None:
    import subprocess
    import sys


    write_report(tmp_path / "content", chapters={"10-one.yaml": "titel: One\nblocks: [x]\n"})
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(tmp_path / "content"),
                           "--check", "--debug"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "folio.errors.ContentError" in done.stderr
    quiet = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(tmp_path / "content"),
                            "--check"], capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr


def test_load_and_reference_problems_come_in_one_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content", MINIMAL_REPORT + "  - 20-two.yaml\n", {
        "10-one.yaml": "title: One\nsections:\n  - title: A\n    id: a\n    blocks:\n      - x\n      - 12: [y]\n"
                       "  - title: B\n    id: a\n    blocks: ['[mail](javascript:x) and [](#gone)']\n",
        "20-two.yaml": "title: Two\nblocks: [x]\nblocks: [y]\n",
    })
    run = run_cli("--content", "content", "--check")
    heads = [line for line in run.err.splitlines() if ": error: " in line]
    assert heads == [  # the unknown id 'gone' may be in what failed to load: not reported this time
        "content/10-one.yaml:7:9: error: sections[0].blocks[1]: unknown block type '12'",
        "content/10-one.yaml:9:5: error: sections[1].id: id 'a' is used twice",
        "content/10-one.yaml:10:22: error: sections[1].blocks[0]: link to 'javascript:x' is not allowed",
        "content/20-two.yaml:3:1: error: blocks: duplicate key 'blocks'",
    ]
    assert run.err.endswith(f"4 errors; {CHECKED}\n")


def test_paths_are_relative_below_the_working_folder_and_absolute_elsewhere(tmp_path, monkeypatch) -> None:
    folder = write_report(tmp_path / "content", chapters={"10-one.yaml": "titel: One\nblocks: [x]\n"})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert run_cli("--content", folder, "--check").err.startswith(f"{folder}/10-one.yaml:1:1: error: titel:")
    monkeypatch.chdir(tmp_path)
    assert run_cli("--content", folder, "--check").err.startswith("content/10-one.yaml:1:1: error: titel:")


def test_required_text_cannot_be_empty_even_quoted(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, "title: ''\nblocks: [x]\n")
    expect(run, f"""
        content/10-one.yaml:1:8: error: title: expected text, found nothing
          1 | title: ''
            |        ^^
          hint: write the text after the colon, or remove the line
        1 error; {CHECKED}
        """)


# ---------------------------------------------------------------- ids the templates use (issue 17)


def test_an_id_the_templates_use_is_refused(tmp_path, monkeypatch) -> None:
    run = check(tmp_path, monkeypatch, """\
        title: One
        id: contents-title
        sections:
          - title: Figures
            id: list-of-figures
            blocks:
              - table: Counts
                id: list-of-tables
                columns: [a]
                rows: [["1"]]
          - title: Contents Title
            blocks: [x]
        """)
    used = "is one the templates use for their own (templates/contents.html:"
    heads = [line for line in run.err.splitlines() if ": error: " in line]
    lists_line = next(i for i, line in enumerate((ROOT / "templates" / "contents.html").read_text().splitlines(), 1)
                      if 'id="list-of-{{ kind }}"' in line)
    assert heads == [  # an id made from a title ("Contents Title") is the build's: it takes a free one
        f"content/10-one.yaml:2:1: error: id: id 'contents-title' {used}4)",
        f"content/10-one.yaml:5:5: error: sections[0].id: id 'list-of-figures' {used}{lists_line})",
        f"content/10-one.yaml:7:9: error: id 'list-of-tables' {used}{lists_line})",
    ]
    assert run.err.count("  hint: choose another id: those the templates write are theirs alone\n") == 3
    assert "  2 | id: contents-title\n    | ^^^^^^^^^^^^^^^^^^\n" in run.err
    assert run.err.endswith(f"3 errors; {CHECKED}\n")


def test_reserved_ids_are_read_from_the_templates(tmp_path) -> None:
    from folio.resolve import template_ids

    folder = tmp_path / "templates"
    (folder / "blocks").mkdir(parents=True)
    (folder / "cover.html").write_text('<section class="cover" id="cover">\n<h1 id=\'cover-title\'>{{ t }}</h1>\n'
                                       '<p id="{{ doc.id }}"></p><p id="part-{{ n }}-x"></p>'
                                       '<b data-id="not-an-id"></b></section>\n')
    (folder / "blocks" / "note.html").write_text('<aside id="fn-{{ block.n }}"></aside>\n')
    reserved = template_ids(folder)
    assert reserved.exact == {"cover": "templates/cover.html:1", "cover-title": "templates/cover.html:2"}
    assert reserved.prefixes == {"part-": "templates/cover.html:3", "fn-": "templates/blocks/note.html:1"}
    assert reserved.clash("fn-12") == "templates/blocks/note.html:1"
    assert reserved.clash("covers") == reserved.clash("my-cover") == ""


def test_every_id_in_the_html_is_unique(tmp_path) -> None:
    """Generated ids (numbered blocks' anchors, notes and their calls) never meet an author's or a template's."""
    import re
    from collections import Counter

    report = MINIMAL_REPORT.replace("chapters:\n", "lists: [figures, tables]\nchapters:\n")
    chapter = """\
        title: Note
        sections:
          - title: Figure 1
            blocks:
              - A call.[^one]
              - table: Counts
                columns: [a]
                rows: [["1"]]
          - title: Table 1
            id: call-one
            blocks:
              - figure: dot.svg
                alt: A dot.
                caption: A dot
          - title: Note one
            blocks: [x]
        notes:
          one: The note.
        """
    content = write_report(tmp_path / "content", report, {"10-one.yaml": chapter})
    (content / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><circle r="1"/></svg>')
    html = prepare(content).html
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [ident for ident, count in ids.items() if count > 1] == []
    assert {"figure-1", "table-1", "call-one", "note-one"} <= set(ids)
