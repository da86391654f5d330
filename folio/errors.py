"""Content errors: where they are, what is wrong, and how to show them to a person.

Every mistake the build finds in content is a `Problem` with a `Position`. The
loaders and the validator collect them in a `Problems` list instead of raising
at the first one, so that one run reports everything; `ContentError` carries
the whole list out to the command line, which prints it with `format_problem`.
"""

from __future__ import annotations

import os
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
    """A failure that is not in the content: a template, the engine, the disk."""


def _order(p: Problem) -> tuple[str, int, int]:
    return (str(p.position.path), p.position.line, p.position.column)


def display_path(path: Path) -> str:
    """The path relative to where the command ran, when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


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
        shown = line_text.rstrip("\r\n").expandtabs(1)
        out.append(f"  {number} | {shown}")
        width = max(1, (pos.end_column or pos.column + 1) - pos.column)
        out.append(f"  {gutter} | {' ' * (pos.column - 1)}{'^' * width}")
    for other in problem.also:
        out.append(f"  note: see also {other}")
    if problem.hint:
        out.append(f"  hint: {problem.hint}")
    return "\n".join(out)


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
        lines = raw.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
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
