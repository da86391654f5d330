"""Content errors: where they are, what is wrong, and how to show them to a person.

Every mistake the build finds in content is a `Problem` with a `Position`. The
loaders and the validator collect them in a `Problems` list instead of raising
at the first one, so that one run reports everything; `ContentError` carries
the whole list out to the command line, which prints it with `format_problem`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Position:
    """A place in a source file; line and column count from 1."""

    path: Path
    line: int = 0
    column: int = 0
    end_column: int = 0  # one past the last column to underline; 0: one caret

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line:
            return f"{where}:{self.line}:{self.column}"
        return where


@dataclass(frozen=True)
class Problem:
    position: Position
    message: str
    where: str = ""  # the field's path in the content, e.g. sections[2].blocks[4]
    hint: str = ""
    also: tuple[Position, ...] = ()  # other places involved (the first of two duplicate keys)
    severity: str = "error"


@dataclass
class Problems:
    """A collector of problems, in the order found."""

    items: list[Problem] = field(default_factory=list)

    def add(self, position: Position, message: str, *, where: str = "", hint: str = "",
            also: tuple[Position, ...] = ()) -> None:
        self.items.append(Problem(position, message, where, hint, also))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ContentError(self.items)


class ContentError(Exception):
    """One or more content problems; the build stops and writes nothing."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_order)
        super().__init__("\n".join(f"{p.position}: {p.message}" for p in self.problems))


class BuildError(Exception):
    """A failure that is not in the content: a template, the engine, the disk.

    When the failure has a place (a template's line), it comes as `problems`,
    printed like content problems; otherwise the message says it all.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


# The 66 noncharacters, as a regular-expression class body: U+FDD0-U+FDEF and the last two
# code points of each of the 17 planes. They are never text.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF)
                                         for plane in range(0, 0x110000, 0x10000))

# A line ends at LF, CR LF or a lone CR, as in an editor and in YAML; Python's `splitlines`
# also ends one at U+0085, U+2028, U+2029 and some controls, which editors show inside a
# line (folio refuses those characters; the lines it quotes must still be the editor's).
_LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of a file's text as an editor numbers them, without their line ends."""
    lines = _LINE_END.split(text)
    return lines[:-1] if lines and lines[-1] == "" and len(lines) > 1 else lines


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of `text[index]`, as an editor counts them."""
    before = text[:index]
    starts = [m.end() for m in _LINE_END.finditer(before)]
    if starts and before.endswith("\r") and text[index : index + 1] == "\n":
        starts.pop()  # index is the LF of a CR LF: still on the CR's line
    start = starts[-1] if starts else 0
    return len(starts) + 1, index - start + 1


def line_position(path: Path, line: int) -> Position:
    """A whole source line as a position (its text underlined), for errors without a column."""
    try:
        text = split_lines(path.read_text(encoding="utf-8"))[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return Position(path, line)
    start = len(text) - len(text.lstrip()) + 1
    return Position(path, line, start, max(start + 1, len(text.rstrip()) + 1))


def _order(p: Problem) -> tuple[str, int, int]:
    return (str(p.position.path), p.position.line, p.position.column)


def display_path(path: Path) -> str:
    """The path relative to where the command ran, when it is below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") and path.is_absolute() else relative


def format_problem(problem: Problem, source_lines: dict[Path, list[str]] | None = None) -> str:
    """`path:line:col: error: where: message`, the source line, a caret, a hint."""
    pos = problem.position
    head = f"{pos}: {problem.severity}: "
    if problem.where:
        head += f"{problem.where}: "
    out = [head + problem.message]
    line_text = _source_line(pos, source_lines)
    if line_text is not None:
        number = str(pos.line)
        gutter = " " * len(number)
        width = max(1, (pos.end_column or pos.column + 1) - pos.column)
        shown, column = _shown(line_text, pos.column)
        width = min(width, max(1, len(shown) - column + 1))
        out.append(f"  {number} | {shown}")
        lead, under = _cells(shown[: column - 1]), _cells(shown[column - 1 : column - 1 + width])
        out.append(f"  {gutter} | {' ' * lead}{'^' * max(1, under)}")
    for other in problem.also:
        out.append(f"  note: first at {other}")
    if problem.hint:
        out.append(f"  hint: {problem.hint}")
    return "\n".join(out)


# Shown as U+FFFD in a quoted source line: controls, line separators and text-direction
# overrides would garble the terminal (or reverse the line) instead of showing the mistake.
_INVISIBLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{NONCHARACTERS}]")
MAX_SHOWN = 100  # characters of a source line printed; a longer one is cut around the spot


def _shown(line: str, column: int) -> tuple[str, int]:
    """The source line as printed, and the caret's column in it."""
    text = _INVISIBLE.sub("\ufffd", line.rstrip("\r\n").expandtabs(1))
    if len(text) <= MAX_SHOWN:
        return text, column
    start = max(0, min(column - 1 - MAX_SHOWN // 2, len(text) - MAX_SHOWN))
    cut = text[start : start + MAX_SHOWN]
    if start:
        cut, column = "..." + cut, column - start + 3
    if start + MAX_SHOWN < len(text):
        cut += "..."
    return cut, column


def _cells(text: str) -> int:
    """How many terminal cells `text` takes: two for a wide (CJK) character, none for a mark
    that sits on the one before (an accent, a Khmer vowel sign) or an invisible format character."""
    cells = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def _source_line(pos: Position, cache: dict[Path, list[str]] | None) -> str | None:
    if not pos.line or not pos.column:
        return None
    if cache is None:
        cache = {}
    lines = cache.get(pos.path)
    if lines is None:
        try:
            raw = pos.path.read_bytes()
        except OSError:
            return None
        lines = split_lines(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
        cache[pos.path] = lines
    if pos.line > len(lines):
        return None
    return lines[pos.line - 1]


def format_problems(problems: list[Problem]) -> str:
    cache: dict[Path, list[str]] = {}
    return "\n".join(format_problem(p, cache) for p in problems)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A hint naming the closest known word, or nothing."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def locate(pos: Position, needle: str, lines_after: int = 200, *, skip: int = 0,
           column: int = 0, whole: bool = True) -> Position:
    """The position of `needle` at or after `pos` in its file, underlined; `pos` if not found.

    Inline markup errors know only where their string starts; this finds the link or
    note call itself, also in a string folded over several lines. The first `skip`
    characters of the needle are context, not underlined; `column`, if given, is
    the column the needle must start in (a key of a known mapping). With `whole` false the
    needle may be the start of a longer word.
    """
    if not pos.line or not needle:
        return pos
    try:
        lines = split_lines(pos.path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return pos
    for number in range(pos.line, min(len(lines), pos.line + lines_after) + 1):
        start = pos.column - 1 if number == pos.line else 0
        line = lines[number - 1]
        found = line.find(needle, start)
        after = line[found + len(needle) : found + len(needle) + 1]
        word_goes_on = whole and bool(after) and (after.isalnum() or after in "-_")  # 'id: a' is not in 'id: ab'
        if found >= 0 and (not column or found + 1 == column) and not word_goes_on:
            return Position(pos.path, number, found + 1 + skip, found + 1 + len(needle))
    return pos
