"""Total-fit line breaking (Knuth and Plass, "Breaking Paragraphs into Lines", 1981).

Pure: a paragraph is a list of boxes (words), glue (spaces that stretch and shrink)
and penalties (places to break at a cost: a hyphen, the paragraph's end). `breaks`
chooses the breaks that minimise the paragraph's total demerits over every feasible
set, not line by line as a browser does. Knows nothing of HTML, fonts or the engine.

Demerits, as in TeX: (linepenalty + badness)^2 + penalty^2 per line, plus a cost for
two hyphenated lines in a row, a hyphen in the last full line, adjacent lines of very
different tightness (fitness classes), and a last line shorter than `short_last`.
`looseness` asks for that many lines more (or fewer) than the best, when feasible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

INFINITY = 10000  # a penalty this high forbids a break; minus it forces one


@dataclass(frozen=True)
class Box:
    width: float
    text: str = ""


@dataclass(frozen=True)
class Glue:
    width: float
    stretch: float
    shrink: float


@dataclass(frozen=True)
class Penalty:
    width: float  # what the line gains when it breaks here (a hyphen's width)
    cost: float
    flagged: bool = False  # a hyphen: two flagged breaks in a row cost `double_hyphen`


Item = Box | Glue | Penalty


@dataclass(frozen=True)
class Params:
    tolerance: float = 2.0  # the loosest adjustment ratio a line may have
    line_penalty: float = 10.0
    double_hyphen: float = 10000.0  # two hyphenated lines in a row
    final_hyphen: float = 50000.0  # a hyphen in the paragraph's last full line
    fitness_jump: float = 10000.0  # adjacent lines two fitness classes apart or more
    short_last: float = 0.0  # a last line narrower than this (absolute width)...
    short_last_demerits: float = 20000.0  # ...costs this much
    max_hyphens_in_a_row: int = 2  # never three
    looseness: int = 0


@dataclass(frozen=True)
class Line:
    start: int  # index of the first item of the line (after the discarded glue)
    end: int  # index of the break item (a glue or penalty); the line holds items[start:end]
    ratio: float  # adjustment ratio: <0 shrunk, >0 stretched
    hyphenated: bool


@dataclass
class _Node:
    position: int
    line: int
    fitness: int
    hyphens: int  # hyphenated lines in a row ending here
    total_width: float
    total_stretch: float
    total_shrink: float
    demerits: float
    ratio: float
    previous: _Node | None


def _fitness(ratio: float) -> int:
    if ratio < -0.5:
        return 0  # tight
    if ratio <= 0.5:
        return 1  # decent
    if ratio <= 1.0:
        return 2  # loose
    return 3  # very loose


def breaks(items: Sequence[Item], widths: Sequence[float], params: Params = Params()) -> list[Line] | None:
    """The optimal lines for `items`, line i set to widths[min(i, len(widths) - 1)];
    None when no set of breaks keeps every line within the tolerance.

    The paragraph must end with a forced break (a Penalty of cost -INFINITY).
    """
    if not items or not isinstance(items[-1], Penalty) or items[-1].cost > -INFINITY:
        raise ValueError("a paragraph ends with a forced break")
    sum_w = sum_y = sum_z = 0.0
    active: list[_Node] = [_Node(0, 0, 1, 0, 0.0, 0.0, 0.0, 0.0, 0.0, None)]
    done: list[_Node] = []  # nodes at the final break

    def width_of(line: int) -> float:
        return widths[min(line, len(widths) - 1)]

    for b, item in enumerate(items):
        if isinstance(item, Box):
            sum_w += item.width
            continue
        # a glue is a place to break only after a box; a penalty, unless it forbids it
        legal = b > 0 and isinstance(items[b - 1], Box) if isinstance(item, Glue) else item.cost < INFINITY
        if legal:
            active = _try_break(items, b, active, params, width_of, (sum_w, sum_y, sum_z), done)
            if not active and not done:
                return None
        if isinstance(item, Glue):
            sum_w += item.width
            sum_y += item.stretch
            sum_z += item.shrink
    if not done:
        return None
    best = min(done, key=lambda n: n.demerits)
    if params.looseness:
        goal = best.line + params.looseness
        best = min(done, key=lambda n: (abs(n.line - goal), n.demerits))
    lines: list[Line] = []
    node: _Node | None = best
    while node is not None and node.previous is not None:
        start = _after_break(items, node.previous.position) if node.previous.position else 0
        item = items[node.position]
        lines.append(Line(start, node.position, node.ratio, isinstance(item, Penalty) and item.flagged))
        node = node.previous
    return lines[::-1]


def _after_break(items: Sequence[Item], position: int) -> int:
    """Where the next line starts: at the first box after the break (glue and penalties there
    are discarded)."""
    i = position + 1
    while i < len(items) and not isinstance(items[i], Box):
        i += 1
    return i


def _try_break(items: Sequence[Item], b: int, active: list[_Node], params: Params, width_of,
               totals: tuple[float, float, float], done: list[_Node]) -> list[_Node]:
    item = items[b]
    penalty = item.cost if isinstance(item, Penalty) else 0.0
    flagged = isinstance(item, Penalty) and item.flagged
    extra = item.width if isinstance(item, Penalty) else 0.0
    final = isinstance(item, Penalty) and item.cost <= -INFINITY
    sum_w, sum_y, sum_z = totals
    kept: list[_Node] = []
    # best candidate per (fitness, line) so that looseness can pick another line count
    best: dict[tuple[int, int], _Node] = {}
    for node in active:
        width = sum_w - node.total_width + extra
        target = width_of(node.line)
        if width < target:
            stretch = sum_y - node.total_stretch
            ratio = (target - width) / stretch if stretch > 0 else math.inf
        elif width > target:
            shrink = sum_z - node.total_shrink
            ratio = (target - width) / shrink if shrink > 0 else -math.inf
        else:
            ratio = 0.0
        if final and ratio > 0:
            ratio = 0.0  # the last line is set at its natural width (parfillskip)
        if ratio < -1 or (final and width > target):
            continue  # overfull for good: deactivate this node
        kept.append(node)
        if ratio > params.tolerance:
            continue
        hyphens = node.hyphens + 1 if flagged else 0
        if hyphens > params.max_hyphens_in_a_row:
            continue
        badness = 100 * abs(ratio) ** 3
        demerits = (params.line_penalty + badness) ** 2
        if penalty >= 0:
            demerits += penalty ** 2
        elif not final:
            demerits -= penalty ** 2
        if flagged and node.hyphens:
            demerits += params.double_hyphen
        fitness = _fitness(ratio)
        if abs(fitness - node.fitness) > 1 and node.previous is not None:
            demerits += params.fitness_jump
        if final:
            previous_item = items[node.position]
            if isinstance(previous_item, Penalty) and previous_item.flagged and node.position:
                demerits += params.final_hyphen
            if params.short_last and width < params.short_last and node.position:
                demerits += params.short_last_demerits
        total = node.demerits + demerits
        key = (fitness, node.line + 1 if params.looseness else 0)
        if key not in best or total < best[key].demerits:
            best[key] = _Node(b, node.line + 1, fitness, hyphens, 0, 0, 0, total, ratio, node)
    if best:
        # the totals after the break: the glue and penalties that follow it are discarded
        after_w, after_y, after_z = sum_w, sum_y, sum_z
        i = b
        while i < len(items) and not isinstance(items[i], Box):
            it = items[i]
            if isinstance(it, Glue):
                after_w += it.width
                after_y += it.stretch
                after_z += it.shrink
            elif isinstance(it, Penalty) and it.cost <= -INFINITY and i > b:
                break
            i += 1
        for node in best.values():
            node.total_width, node.total_stretch, node.total_shrink = after_w, after_y, after_z
            (done if final else kept).append(node)
    return kept
