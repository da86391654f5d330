"""Long footnotes: what is wrong with a note's place, and where to cut a note too long for it.

WeasyPrint cannot break a footnote across pages (see notesplit.py for how a cut note
is written). From the pages as read (pages.py), `note_defects` finds a note away from
its call, one that took its call to the next page, one past the page foot or lost;
`plan_cuts` works out, from the note's own laid-out lines and the room under its call
and on the pages after, after which words to cut it; `split` applies a new plan to the
preflight's state, or gives the note up whole when no cut brings its call back.
"""

from __future__ import annotations

import itertools
import statistics

from . import notesplit
from .defects import Defect
from .pages import TOLERANCE_PX, NotePart, Pages

MIN_PART_LINES = 2  # lines of a note on either side of a cut: a single line is its orphan or widow
# a note's lines fit in a room only when they do: the engine compares the heights with no tolerance,
# and lines planned into a room short by a fraction of a pixel left the call where it was
FIT_EPSILON = 0.01


def note_defects(pages: Pages) -> list[Defect]:
    """A note away from its call, a continuation not at the head of the next page, a note past
    the page foot, and a note that took its call to the next page when a part of it would fit."""
    found = []
    for note, (page, _, key, text) in pages.call_at.items():
        if note not in pages.parts:  # the engine drops a note taller than any page foot
            found.append(Defect("footnote-lost", page, key, text, "its note is on no page", note=note))
    for note, parts in pages.parts.items():
        call = pages.call_at.get(note)
        if call is None:
            continue
        page, _, key, text = call
        first = parts[0]
        if first.part != 1 or first.page != page:
            found.append(Defect("footnote-away", page, key, text, "its note is on page {0}", note=note,
                                 at=(first.page,)))
            continue
        if len(parts) < pages.expected.get(note, 1):
            found.append(Defect("footnote-lost", parts[-1].page, key, text, f"part {len(parts) + 1} of its note "
                                "is on no page", note=note))
            continue
        for before, part in itertools.pairwise(parts):
            if part.page != before.page + 1 or part.part != before.part + 1:
                # on the same page: legal (check_notes lets it be) but needless; elsewhere: away
                kind = "footnote-joined" if part.page == before.page and part.part == before.part + 1 else \
                    "footnote-away"
                found.append(Defect(kind, page, key, text, f"part {part.part} of its note is on page {{0}}, "
                                    f"part {before.part} on page {{1}}", note=note, at=(part.page, before.page)))
                break
        for part in parts:
            frame = pages.frames[part.page]
            if part.bottom > frame.bottom + TOLERANCE_PX or part.bottom - part.top > frame.max_notes + TOLERANCE_PX:
                found.append(Defect("footnote-tall", part.page, key, text, "the note runs past the page foot",
                                    note=note))
                break
        else:
            first_lines, pushed, _ = _room_for_first_part(pages, note)
            if pushed:
                found.append(Defect("footnote-pushed", page, key, text, f"{first_lines} lines of its note would "
                                    "fit on page {0}", note=note, at=(page - 1,)))
    return found


def _fit(heights: list[float], room: float) -> int:
    """How many of these lines, from the first, fit in this height."""
    used, n = 0.0, 0
    for height in heights:
        if used + height > room + FIT_EPSILON:
            break
        used, n = used + height, n + 1
    return n


def _others(pages: Pages, note: str, page: int) -> float:
    """The height of the notes on this page that are not parts of this note."""
    frame = pages.frames.get(page)
    own = sum(p.bottom - p.top for p in pages.parts[note] if p.page == page)
    return max(0.0, frame.notes - own) if frame else 0.0


def _room_for_first_part(pages: Pages, note: str) -> tuple[int, bool, int]:
    """How many of the note's lines fit with its call, whether that is on the page before the
    call's (whose text stopped short of the call's line because the whole note did not fit), and
    the page the first part is expected on."""
    parts = pages.parts[note]
    heights = [h for p in parts for _, h in p.lines]
    page, call_bottom = pages.call_at[note][:2]
    # a call inside a block that may not split (a box, a short table) comes and goes with all of it
    call_bottom = max(call_bottom, pages.keep_bottom.get(note, call_bottom))
    frame = pages.frames[page]
    overhead = max((f.overhead for f in pages.frames.values()), default=0.0)
    max_notes = max((f.max_notes for f in pages.frames.values()), default=0.0)
    before = pages.frames.get(page - 1)
    if before is not None and not frame.forced and before.flow_bottom > 0:
        # the notes called after it in the lines that would come back with its call come too
        others = _others(pages, note, page - 1) + _followers(pages, note, page, call_bottom)
        room = min(before.bottom - others - overhead - before.flow_bottom - (call_bottom - frame.top),
                   max_notes - others)
        n = _fit(heights, room)
        if MIN_PART_LINES <= n < len(heights):
            return n, True, page - 1
    others = _others(pages, note, page) + _followers(pages, note, page)
    n = _fit(heights, min(frame.bottom - others - overhead - call_bottom, max_notes - others))
    if n < MIN_PART_LINES:  # no room under the call: it goes to the next page with the note's first part
        return _fit(heights, max_notes), False, page + 1
    return n, False, page


def _followers(pages: Pages, note: str, page: int, upto: float | None = None) -> float:
    """The height of the notes called on this page after this one (down to the line at `upto`)
    but set on another page: they must find room on the page of its first part too."""
    order, total = pages.order.get(note, 0), 0.0
    for other, (at, bottom, _, _) in pages.call_at.items():
        parts = pages.parts.get(other)
        if (other != note and parts and pages.order.get(other, 0) > order and at == page
                and parts[0].page != page and (upto is None or bottom <= upto + TOLERANCE_PX)):
            total += parts[0].bottom - parts[0].top
    return total


def _called_on(pages: Pages, page: int, note: str) -> float:
    """The height of the notes (first parts) called on this page, other than this one."""
    return sum(parts[0].bottom - parts[0].top for other, parts in pages.parts.items()
               if other != note and pages.call_at.get(other, (0,))[0] == page and parts[0].part == 1)


def plan_cuts(pages: Pages, note: str, shrink: int = 0) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
    """Where to cut the note (in words) so that each part fits: the first at its call, each
    continuation at the head of the next page's notes, at most a page foot's max-height each;
    and after which note each continuation is to be called (notesplit.apply_splits): after the
    last note called on the page of the part before it, so that the notes called there come
    before it, as a printed book sets them ("" when none is: right after the part before).
    `shrink` takes lines off the first part (when the room was overestimated). None: the lines
    laid out could not be matched to the note's words (nothing is cut then)."""
    parts = pages.parts[note]
    heights = [h for p in parts for _, h in p.lines]
    total = len(heights)
    if total < 2 * MIN_PART_LINES:
        return (), ()  # too short to cut into two parts of two lines
    first, _, page = _room_for_first_part(pages, note)
    first = max(MIN_PART_LINES, first - shrink)
    max_notes = max((f.max_notes for f in pages.frames.values()), default=0.0)
    slack = max(heights)  # a part cut anew may break into one line more than the lines it is planned from
    cuts, on = [], []  # the line each continuation starts at, and the page of the part before it
    at = first
    while at < total:
        cuts.append(at)
        on.append(page)
        page += 1  # each continuation heads the notes of the next page, with the notes called there after it
        room = max_notes - slack - _called_on(pages, page, note)
        at += max(MIN_PART_LINES, _fit(heights[at:], room))
    if cuts and total - cuts[-1] < MIN_PART_LINES and cuts[-1] - (cuts[-2] if len(cuts) > 1 else 0) > MIN_PART_LINES:
        cuts[-1] = total - MIN_PART_LINES  # the last part no shorter than two lines: take one from before
    starts = _line_starts(parts)
    if starts is None:
        return None
    words, anchors, after = [], [], pages.order.get(note, 0)
    line = pages.call_at[note][:2]  # the notes called after it in its call's line go where it goes
    for cut, page in zip(cuts, on, strict=True):
        if 0 < starts[cut] < starts[-1] and starts[cut] not in words:
            anchor = _last_called(pages, note, page, after, line if not words else None)
            after = pages.order.get(anchor, after)
            words.append(starts[cut])
            anchors.append(anchor)
    return tuple(words), tuple(anchors)


def _last_called(pages: Pages, note: str, page: int, after: int, line: tuple[int, float] | None) -> str:
    """The last note called on this page after the call numbered `after`, or in the same line as
    the note's own call, wherever that goes ("" when none is)."""
    found = [(order, other) for other, order in pages.order.items()
             if other != note and order > after and (pages.call_at[other][0] == page or (
                 line is not None and pages.call_at[other][0] == line[0]
                 and pages.call_at[other][1] <= line[1] + TOLERANCE_PX))]
    return max(found)[1] if found else ""


def estimate_cuts(pages: Pages, note: str, cuts: tuple[int, ...]) -> tuple[int, ...]:
    """Cuts for a note the engine set on no page (too tall for any page foot), whose lines are
    therefore unknown: a page foot's worth of words each, as the other notes' lines run (the next
    layout shows the real lines, and the note is cut anew from them). A note already cut this way
    and still lost is cut finer."""
    lines = [(len(notesplit.words(text)), height) for parts in pages.parts.values() for p in parts
             for text, height in p.lines if text.strip()]
    per_line = statistics.median(n for n, _ in lines) if lines else 8
    height = statistics.median(h for _, h in lines) if lines else 14.0
    max_notes = max((f.max_notes for f in pages.frames.values()), default=0.0) or 400.0
    step = max(MIN_PART_LINES, int(max_notes / height) - 1) * max(1, int(per_line))
    total = pages.words.get(note, 0)
    if cuts:
        step = min(step, max(1, (cuts[0] * 2) // 3))
    return tuple(range(step, total, step)) if total > step else ()


def _line_starts(parts: list[NotePart]) -> list[int] | None:
    """For each line of the note's parts, the word it starts with (or the word it starts inside,
    when the line before ended with a hyphen), counted through the whole note; then the word count."""
    starts: list[int] = []
    offset = 0
    for part in parts:
        text = part.text
        solid = notesplit.WORD_SPACE.sub("", text)
        word_starts = [len(notesplit.WORD_SPACE.sub("", text[:m.start()])) for m in notesplit.WORD.finditer(text)]
        at = 0
        for line, _ in part.lines:
            index = max(0, _bisect(word_starts, at))
            starts.append(offset + index)
            piece = notesplit.WORD_SPACE.sub("", line)
            if solid.startswith(piece, at):
                at += len(piece)
            elif piece and solid.startswith(piece[:-1], at):  # a hyphen the engine added
                at += len(piece) - 1
            else:
                return None
        offset += len(word_starts)
    starts.append(offset)
    return starts


def _bisect(word_starts: list[int], at: int) -> int:
    """The word that begins at `at`, or else the one `at` falls inside."""
    index = 0
    for i, start in enumerate(word_starts):
        if start <= at:
            index = i
        else:
            break
    return index


MAX_RUNOVER = 4  # pages after the text for the rest of a note called on the last page
MAX_SHRINK = 2  # lines a first part may lose when its cut, as planned, still did not fit


def split(defect: Defect, pages: Pages, splits: dict[str, tuple[int, ...]], shrink: dict[str, int],
           anchors: dict[str, tuple[str, ...]]) -> bool:
    """Cut the defect's note anew from what this layout shows; False when nothing changes."""
    note = defect.note
    if note not in pages.parts or note not in pages.call_at:
        return False
    while shrink.get(note, 0) <= MAX_SHRINK:
        plan = plan_cuts(pages, note, shrink.get(note, 0))
        if plan is None or plan[0] == splits.get(note, ()) == ():
            return False  # not to be cut, or it fits whole: the ladder's steps are for the rest
        if plan != (splits.get(note, ()), anchors.get(note, ())):
            splits[note], anchors[note] = plan
            return True
        shrink[note] = shrink.get(note, 0) + 1  # this very cut was laid out and did not do
    if splits.get(note):  # no cut brought the call back: leave the note whole, its call pushed over
        splits[note], anchors[note] = (), ()
        return True
    return False
