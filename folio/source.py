"""Load a YAML file into nodes that remember where they came from.

Every value comes back as a `Scalar` (always text), `Sequence` or `Mapping`,
each with its `Position`, so that a later step can point at the exact spot of a
mistake. The YAML is read strictly and safely: UTF-8 only; no tags, anchors or
aliases; no duplicate keys; one document per file; bounded size and nesting.
Scalars are never turned into booleans, numbers or dates here: `no`, `1.10` and
`2021-02-09` stay the text the author wrote, and the model decides what a field
means (so a title can never silently become `False`).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import NONCHARACTERS, Position, Problems, line_and_column

MAX_BYTES = 4 * 1024 * 1024  # a long chapter is ~100 KB; anything this big is a mistake
MAX_DEPTH = 64

# Characters that have no place in report text, each with why: C0 controls but tab, LF and
# CR, DEL and the C1 controls; the bidi embedding, override and isolate controls that can
# disguise text; NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, which YAML reads as line
# breaks where editors and terminals show none (so every line number after one would
# disagree with the editor's); and the noncharacters, which are never text.
_FORBIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        f"{NONCHARACTERS}]")
_LINE_BREAKS = "\x85\u2028\u2029"


def _forbidden_hint(char: str) -> str:
    if char in _LINE_BREAKS:
        return ("replace it with a line break or a space: YAML would read it as a line break that "
                "editors do not show")
    if unicodedata.category(char) == "Cn":
        return "delete it: a noncharacter is never text (it may come from a damaged file or a conversion)"
    return "delete it; it is invisible in most editors (a control or text-direction character)"


@dataclass
class Node:
    pos: Position


@dataclass
class Scalar(Node):
    value: str
    quoted: bool = False

    @property
    def end_pos(self) -> Position:
        """The position with its span, for underlining the whole value on its line."""
        width = len(self.value) + (2 if self.quoted else 0)
        if "\n" in self.value:
            width = 1
        return Position(self.pos.path, self.pos.line, self.pos.column, self.pos.column + width)


@dataclass
class Sequence(Node):
    items: list[Node] = field(default_factory=list)


@dataclass
class Mapping(Node):
    # key text -> (key node, value node), in the order written
    entries: dict[str, tuple[Scalar, Node]] = field(default_factory=dict)


def kind_name(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    return "text"


def load_file(path: Path, problems: Problems) -> Node | None:
    """The root node of a YAML file, or None after adding its problems."""
    raw = _read_regular(path, problems)
    if raw is None:
        return None
    text = decode(path, raw, problems)
    if text is None:
        return None
    return load_text(path, text, problems)


def _read_regular(path: Path, problems: Problems) -> bytes | None:
    """The bytes of a regular file of at most MAX_BYTES; None, with a problem, for anything else.

    Opened without blocking and checked on the open file itself: a named pipe or a device
    put in a file's place is refused, never waited on, even one swapped in after a check.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        problems.add(Position(path), f"cannot read the file: {exc.strerror}")
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            problems.add(Position(path), "not a regular file (a folder, a named pipe or a device?)")
            return None
        if info.st_size > MAX_BYTES:
            problems.add(Position(path), f"the file is {info.st_size / 1048576:.1f} MB, more than the "
                         f"{MAX_BYTES // 1048576} MB a content file may have",
                         hint="split it into several section files")
            return None
        try:
            return handle.read(MAX_BYTES + 1)
        except OSError as exc:
            problems.add(Position(path), f"cannot read the file: {exc.strerror}")
            return None


def decode(path: Path, raw: bytes, problems: Problems) -> str | None:
    """The file's text, with LF line ends; None after adding its problems.

    Positions are counted as an editor counts them: lines end at LF, CR LF or CR, columns
    are characters (not bytes), so the caret stands under the character named.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8")  # valid up to the first bad byte
        line, column = line_and_column(before, len(before))
        problems.add(Position(path, line, column),
                     f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                     hint="save the file as UTF-8 (most editors offer it under 'Save as' or 'Encoding')")
        return None
    bad = False
    for match in _FORBIDDEN.finditer(text):
        line, column = line_and_column(text, match.start())
        problems.add(Position(path, line, column),
                     f"character U+{ord(match.group()):04X} is not allowed in content",
                     hint=_forbidden_hint(match.group()))
        bad = True
    # A lone CR (old Mac line ends) is a line break to YAML and editors alike: make it LF
    # so that every later count agrees.
    return None if bad else text.replace("\r\n", "\n").replace("\r", "\n")


# libyaml (C) parses YAML about ten times faster than PyYAML's Python parser, with the
# same lines and columns. Its error messages differ, though, so a file it finds fault
# with is read again by the Python parser, whose messages the hints below are written for.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_text(path: Path, text: str, problems: Problems) -> Node | None:
    if FAST_LOADER is not yaml.SafeLoader:
        found = Problems()
        node = _load_text(path, text, found, FAST_LOADER)
        if not found:
            return node
    return _load_text(path, text, problems, yaml.SafeLoader)


def _load_text(path: Path, text: str, problems: Problems, loader: type) -> Node | None:
    events = _events(path, text, problems, loader)
    if events is None:
        return None
    starts = [e for e in events if isinstance(e, yaml.DocumentStartEvent)]
    if not starts or _is_empty(events):
        what = "only comments" if text.strip() else "nothing in it"
        problems.add(Position(path), f"the file has no content ({what})",
                     hint="it needs at least a 'title:' line")
        return None
    if len(starts) > 1:
        second = starts[1].start_mark
        problems.add(_pos(path, second), "a file holds one YAML document; a second one starts here",
                     hint="remove the '---' line, or move the second part to a file of its own")
        return None
    if not _check_events(path, events, problems):
        return None
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:  # the event pass already saw the same text; belt and braces
        _yaml_problem(path, exc, problems, text)
        return None
    if root is None:
        problems.add(Position(path), "the file has no content")
        return None
    return _convert(path, root, problems)


def _events(path: Path, text: str, problems: Problems, loader: type = yaml.SafeLoader) -> list[yaml.Event] | None:
    """All parse events; the parser is iterative, so deep nesting cannot overflow the stack."""
    events: list[yaml.Event] = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    problems.add(_pos(path, event.start_mark),
                                 f"nested more than {MAX_DEPTH} levels deep")
                    return None
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            events.append(event)
    except yaml.YAMLError as exc:
        _yaml_problem(path, exc, problems, text, events)
        return None
    return events


def _is_empty(events: list[yaml.Event]) -> bool:
    for e in events:
        if isinstance(e, (yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)):
            return False
        if isinstance(e, yaml.ScalarEvent) and (e.value or e.style):
            return False
    return True


def _check_events(path: Path, events: list[yaml.Event], problems: Problems) -> bool:
    ok = True
    for e in events:
        if isinstance(e, yaml.AliasEvent):
            problems.add(_pos(path, e.start_mark), f"alias '*{e.anchor}' is not allowed",
                         hint="write the value out in full; anchors and aliases are not supported")
            ok = False
            continue
        anchor = getattr(e, "anchor", None)
        if anchor:
            problems.add(_pos(path, e.start_mark), f"anchor '&{anchor}' is not allowed",
                         hint="write the value out in full; anchors and aliases are not supported")
            ok = False
        tag = getattr(e, "tag", None)
        if tag and tag != "!" and not isinstance(e, (yaml.DocumentStartEvent,)):
            shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
            problems.add(_pos(path, e.start_mark), f"tag '{shown}' is not allowed",
                         hint="remove the tag; content is plain text, lists and mappings")
            ok = False
    return ok


def _where(events: list[yaml.Event], in_last_value: bool = False) -> str:
    """The field path (`sections[2].title`) the parser had reached, from the events before an error.

    With `in_last_value`, a mapping value just read counts as still open: the error is in it.
    """
    # One frame per open collection: [key or None, expecting a key?] for mappings, [index] for lists.
    frames: list[list] = []

    def in_mapping() -> bool:
        return bool(frames) and len(frames[-1]) == 2

    for event in events:
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            if in_mapping():
                if frames[-1][1] and isinstance(event, yaml.ScalarEvent):
                    frames[-1][0], frames[-1][1] = event.value, False  # a key: its value comes next
                elif not (in_last_value and event is events[-1]):
                    frames[-1][1] = True  # a value: the next scalar is a key
            elif frames:
                frames[-1][0] += 1
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if frames and not in_mapping():
                frames[-1][0] += 1
            frames.append([None, True] if isinstance(event, yaml.MappingStartEvent) else [-1])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)) and frames:
            frames.pop()
            if in_mapping():
                frames[-1][1] = True
    where = ""
    for frame in frames:
        if len(frame) == 1 and frame[0] >= 0:
            where += f"[{frame[0]}]"
        elif len(frame) == 2 and frame[0] is not None and not frame[1]:
            where += f".{frame[0]}" if where else str(frame[0])
    return where


def _yaml_problem(path: Path, exc: yaml.YAMLError, problems: Problems, text: str = "",
                  events: list[yaml.Event] | None = None) -> None:
    """A PyYAML error told in the author's terms, pointing where the fix goes."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = str(getattr(exc, "context", None) or "")
    context_mark = getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int) and text:
        # a character the parser refuses that decode() let through: located, in folio's words
        line, column = line_and_column(text, exc.position)
        problems.add(Position(path, line, column), f"character U+{exc.character:04X} is not allowed in content",
                     hint=_forbidden_hint(chr(exc.character)))
        return
    if mark is None:
        problems.add(Position(path), problem)
        return
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    position = _pos(path, mark)
    hint = ""
    found = re.search(r"found character '(.*)' that cannot start any token", problem)
    if found and found.group(1) == "\\t":
        message = "a tab character; YAML is indented with spaces only"
        hint = "replace the tab with spaces"
    elif found:
        message = f"a value cannot start with '{found.group(1)}'"
        hint = _quote_hint(line)
    elif "mapping values are not allowed" in problem:
        before = line[: mark.column]
        if mark.line and re.fullmatch(r"\s*[\w-]+", before):
            # `key:` alone on a line that YAML read as the end of the text above: an indentation slip
            key = before.strip()
            column = len(before) - len(key) + 1
            position = Position(path, mark.line + 1, column, column + len(key) + 1)
            message = f"'{key}:' is not lined up with the keys above it"
            hint = "the keys of one mapping start in the same column; check the spaces before it"
        else:
            message = "a colon followed by a space cannot stand in unquoted text"
            hint = _quote_hint(line)
    elif "found unexpected end of stream" in problem and "quoted scalar" in context and context_mark:
        position = _pos(path, context_mark)
        message = "this quote is never closed"
        hint = "end the text with the same quote mark it starts with"
    elif "<stream end>" in problem and "flow" in context and context_mark:
        position = _pos(path, context_mark)
        opening = text[context_mark.index] if context_mark.index < len(text) else "["
        closing = {"[": "]", "{": "}"}.get(opening, "]")
        message = f"this '{opening}' is never closed"
        hint = f"close it with '{closing}', or quote the value if the '{opening}' is part of the text"
    elif "could not find expected ':'" in problem and context_mark:
        position = _pos(path, context_mark)
        message = "expected 'key: value' or '- item' here"
        hint = "a line may be missing its colon; text that continues a value must be indented further"
    elif ("expected <block end>" in problem or "did not find expected" in problem) and context_mark:
        stripped = line[: mark.column].rstrip()
        value = re.match(r"^\s*(?:- )?(?:[\w-]+: )?(.)", line)
        if value and value.group(1) in "[{" and stripped.endswith(("]", "}")):
            position = Position(path, mark.line + 1, value.start(1) + 1)
            message = f"text that starts with '{value.group(1)}' must be quoted (YAML reads it as a list)"
            hint = _quote_hint(line)
        elif mark.line == context_mark.line or stripped.endswith(('"', "'")):
            message = "more text after a quoted value"
            hint = "put the whole value inside the quotes"
        else:
            message = "this line does not fit the structure above it"
            hint = (f"check its indentation: the items of one list, and the keys of one mapping, start in "
                    f"the same column (the block that starts on line {context_mark.line + 1} "
                    f"uses column {context_mark.column + 1})")
    else:
        message = problem if not context else f"{problem} ({context})"
    events = events or []
    if position != _pos(path, mark) and context_mark is not None:
        # the message points back at an opening (a quote, a bracket, a key): the path is the one it had there
        events = [e for e in events if e.start_mark.index < context_mark.index]
    in_value = message.startswith(("a colon", "more text", "a value cannot"))  # the error is in the value just read
    where = "" if message.startswith("expected 'key: value'") else _where(events, in_last_value=in_value)
    problems.add(position, message, where=where, hint=hint)


def _quote_hint(line: str) -> str:
    """'quote the value: title: "One: two"', from the offending line when it is simple enough."""
    match = re.match(r"^\s*(- )?(?:([\w-]+): )?(.+)$", line)
    if not match or match.group(3).startswith(("'", '"')) or len(match.group(3)) > 80:
        return "quote the value: put the whole text in double quotes"
    item, key, value = match.group(1), match.group(2), match.group(3).strip()
    quoted = f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'"
    lead = f"{key}: " if key else "- " if item else ""
    return f"quote the value: {lead}{quoted}"


def _pos(path: Path, mark: yaml.Mark) -> Position:
    return Position(path, mark.line + 1, mark.column + 1)


def _convert(path: Path, root: yaml.Node, problems: Problems) -> Node:
    """Turn composed nodes into ours, checking keys; iterative so depth is harmless."""

    def make(n: yaml.Node) -> Node:
        pos = _pos(path, n.start_mark)
        if isinstance(n, yaml.ScalarNode):
            return Scalar(pos, n.value, quoted=n.style in ("'", '"'))
        if isinstance(n, yaml.SequenceNode):
            return Sequence(pos)
        return Mapping(pos)

    top = make(root)
    # (YAML node, our node, its field path such as sections[2].blocks) for the messages
    stack: list[tuple[yaml.Node, Node, str]] = [(root, top, "")]
    while stack:
        yn, ours, where = stack.pop()
        if isinstance(yn, yaml.SequenceNode) and isinstance(ours, Sequence):
            for i, child in enumerate(yn.value):
                node = make(child)
                ours.items.append(node)
                stack.append((child, node, f"{where}[{i}]"))
        elif isinstance(yn, yaml.MappingNode) and isinstance(ours, Mapping):
            for key_node, value_node in yn.value:
                key = make(key_node)
                if not isinstance(key, Scalar):
                    problems.add(key.pos, "a key must be plain text", where=where,
                                 hint="a key is a word followed by a colon, e.g. 'title:'")
                    continue
                field_path = f"{where}.{key.value}" if where else key.value
                if key.value == "<<":
                    problems.add(key.end_pos, "merge keys ('<<') are not allowed", where=where,
                                 hint="write the keys out in full")
                    continue
                if key.value in ours.entries:
                    first = ours.entries[key.value][0]
                    problems.add(key.end_pos, f"duplicate key '{key.value}'",
                                 where=field_path, also=(first.pos,), hint="keep one of the two")
                    continue
                value = make(value_node)
                ours.entries[key.value] = (key, value)
                stack.append((value_node, value, field_path))
    return top
