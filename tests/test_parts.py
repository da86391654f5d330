"""The report's HTML cut into parts that lay out alone (folio/parts.py)."""

from __future__ import annotations

import re
from pathlib import Path

from folio import parts
from folio.pipeline import prepare

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = ROOT / "examples" / "briefing"


def _html(content: Path) -> str:
    return prepare(content).html


def test_cut_gives_back_the_whole_html() -> None:
    html = _html(BRIEFING)
    c = parts.cut(html)
    assert c is not None
    assert c.head + c.front + '<main class="body">' + "".join(c.chapters) + c.tail == html
    assert [parts.chapter_id(ch) for ch in c.chapters] == ["summary", "access", "next-steps"]


def test_cut_refuses_html_of_another_shape() -> None:
    assert parts.cut("<html><body><p>no chapters</p></body></html>") is None
    assert parts.cut('<html><body><main class="body"><p>loose text</p>'
                     '<section class="chapter" id="a"></section></main></body></html>') is None


def test_groups_are_consecutive_whole_and_balanced() -> None:
    pieces = tuple("x" * n for n in (10, 10, 10, 10, 40, 10, 10))
    found = parts.groups(pieces, 2)
    assert [i for r in found for i in r] == list(range(7))
    assert len(found) == 2
    sizes = [sum(len(pieces[i]) for i in r) for r in found]
    assert max(sizes) <= 60
    assert parts.groups(pieces, 10) == [range(i, i + 1) for i in range(7)]  # never more groups than pieces
    assert parts.groups(pieces, 1) == [range(0, 7)]


def test_a_body_part_links_out_through_the_join_and_knows_its_start() -> None:
    c = parts.cut(_html(BRIEFING))
    assert c is not None
    html = parts.body_part(c, range(0, 1), 0, {"access": "2"})
    # the summary links to chapter I, in another part: a join link with its folio written in
    assert 'href="folio-join:access" data-folio="2"' in html
    assert '<span class="xref-page" data-id="access" data-folio="2"></span>' in html
    whole = parts.body_part(c, range(0, 3), 0, {})
    assert "folio-join:" not in whole and 'href="#access"' in whole  # its own anchors stay internal links
    assert parts.folios_used(html)["access"] == "2"
    assert parts.folios_used(parts.with_folios(html, {"access": "7"}))["access"] == "7"
    left = parts.with_first_folio(html, 4)
    assert "html { break-before: left; }" in left and "counter-reset: page 4;" in left
    assert "html { break-before: right; }" in parts.with_first_folio(html, 5)
    later = parts.body_part(c, range(1, 3), 3, {})
    assert "counter-reset: footnote 3;" in later  # notes go on numbering from the parts before
    # the running head's title comes with each chapter's heading, not from the cover
    assert 'data-report-title="Water in Three Provinces II"' in later


def test_the_front_part_writes_its_entries_folios() -> None:
    c = parts.cut(_html(BRIEFING))
    assert c is not None
    targets = parts.front_targets(c)
    assert {"summary", "access", "next-steps"} <= targets
    html = parts.front_part(c, {name: "9" for name in targets})
    assert not re.search(r'href="#(summary|access)"', html)
    assert html.count('data-folio="9"') == len(re.findall(r'href="folio-join:', html))
    assert html.rstrip().endswith("</html>") and '<main class="body"></main>' in html.replace("\n", "")


def test_notes_are_counted_without_continuations() -> None:
    html = ('<span class="footnote" id="note-a">A</span>'
            '<span class="footnote footnote-cont" id="note-a~2">more</span><span class="footnote" id="note-b">B</span>')
    assert parts.notes_in(html) == 2


def test_joined_pieces_stay_in_one_group() -> None:
    pieces = tuple("x" * 10 for _ in range(6))
    assert parts.groups(pieces, 3) == [range(0, 2), range(2, 4), range(4, 6)]
    found = parts.groups(pieces, 3, frozenset({1, 3}))  # 1 stays with 2, 3 with 4
    assert all(not (1 in r and 2 not in r) and not (3 in r and 4 not in r) for r in found)
    assert [i for r in found for i in r] == list(range(6))
    assert parts.groups(pieces, 3, frozenset(range(6))) == [range(0, 6)]
