"""Total-fit line breaking (folio/knuthplass.py) on paragraphs whose best breaks are known."""

from __future__ import annotations

import random

from folio.knuthplass import INFINITY, Box, Glue, Item, Params, Penalty, breaks


def paragraph(widths: list[float], space: tuple[float, float, float] = (1, 1, 1)) -> list[Item]:
    items: list[Item] = []
    for n, width in enumerate(widths):
        if n:
            items.append(Glue(*space))
        items.append(Box(width))
    return [*items, Glue(0, 0, 0), Penalty(0, -INFINITY)]


def words_per_line(items: list[Item], lines) -> list[int]:
    return [sum(isinstance(items[i], Box) for i in range(line.start, line.end)) for line in lines]


def first_fit(items: list[Item], width: float) -> list[float]:
    """What a browser does: as many words as fit at their natural width; each line's ratio."""
    ratios, line, stretch, count = [], 0.0, 0.0, 0
    words = [i.width for i in items if isinstance(i, Box)]
    for word in words:
        if count and line + 1 + word > width:
            ratios.append((width - line) / stretch if stretch else float("inf"))
            line, stretch, count = 0.0, 0.0, 0
        line += (1 if count else 0) + word
        stretch += 1 if count else 0
        count += 1
    return ratios  # the full lines only: the last is set at its natural width


def test_the_hand_worked_example_shrinks_the_first_line_rather_than_strand_a_loose_second() -> None:
    # measure 10, spaces 1 (stretch 1, shrink 1): first fit sets "4 4" (ratio 1) then "2 4" (ratio 3);
    # total fit sets "4 4 2" shrunk to ratio -1 (badness 100) and "4 4" as the last line
    items = paragraph([4, 4, 2, 4, 4])
    assert first_fit(items, 10) == [1.0, 3.0]
    lines = breaks(items, [10], Params(tolerance=2))
    assert lines is not None
    assert words_per_line(items, lines) == [3, 2]
    assert [round(line.ratio, 6) for line in lines] == [-1.0, 0.0]


def test_no_feasible_breaks_is_said_not_guessed() -> None:
    assert breaks(paragraph([4, 12, 4]), [10], Params(tolerance=2)) is None  # a word wider than the measure


def test_a_paragraph_first_fit_sets_with_a_line_over_2x_total_fit_does_not() -> None:
    rng = random.Random(9)
    widths = [rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 11, 13]) for _ in range(120)]
    space = (1.0, 0.5, 1 / 3)  # stretch half a space: a ratio of 2 is a space of 2x
    items = paragraph(widths, space)
    greedy = [1 + 0.5 * r for r in first_fit(items, 60)]
    assert max(greedy) > 2, "the example no longer makes first fit loose: change the seed"
    lines = breaks(items, [60], Params(tolerance=2))
    assert lines is not None
    spaces = [1 + (0.5 if line.ratio > 0 else 1 / 3) * line.ratio for line in lines[:-1]]
    assert max(spaces) < 1.75
    assert sum(s > 1.5 for s in spaces) < sum(g > 1.5 for g in greedy)


def test_looseness_sets_the_paragraph_a_line_longer_when_it_can() -> None:
    rng = random.Random(3)
    items = paragraph([rng.choice([3, 4, 5, 6]) for _ in range(60)])
    best = breaks(items, [40], Params(tolerance=3))
    longer = breaks(items, [40], Params(tolerance=3, looseness=1))
    assert best is not None and longer is not None
    assert len(longer) == len(best) + 1


def hyphenated(widths: list[float]) -> list[Item]:
    """Words of two halves each, a hyphen (width 1) possible between them."""
    items: list[Item] = []
    for n, width in enumerate(widths):
        if n:
            items.append(Glue(1, 1, 1))
        items += [Box(width / 2), Penalty(1, 50, True), Box(width / 2)]
    return [*items, Glue(0, 0, 0), Penalty(0, -INFINITY)]


def test_never_three_hyphens_in_a_row() -> None:
    rng = random.Random(11)
    for _ in range(30):
        items = hyphenated([rng.choice([6, 8, 10, 12, 14]) for _ in range(40)])
        lines = breaks(items, [23], Params(tolerance=3, double_hyphen=0))
        if lines is None:
            continue
        run = longest = 0
        for line in lines:
            run = run + 1 if line.hyphenated else 0
            longest = max(longest, run)
        assert longest <= 2


def test_a_hyphen_in_the_last_full_line_costs_its_demerits() -> None:
    # measure 16: "10 4-" at its natural width, then "4 6"; or "10 8" shrunk to ratio -1, then "6":
    # the hyphenated setting is cheaper until the hyphen in the last full line costs its demerits
    items: list[Item] = [Box(10), Glue(1, 1, 3), Box(4), Penalty(1, 0, True), Box(4), Glue(1, 1, 3), Box(6),
                         Glue(0, 0, 0), Penalty(0, -INFINITY)]
    cheap = breaks(items, [16], Params(tolerance=3, final_hyphen=0, short_last=0))
    dear = breaks(items, [16], Params(tolerance=3, final_hyphen=10 ** 9, short_last=0))
    assert cheap is not None and dear is not None
    assert cheap[0].hyphenated
    assert not dear[0].hyphenated
