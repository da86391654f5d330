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

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Position, Problems

MAX_BYTES = 4 * 1024 * 1024  # a long chapter is ~100 KB; anything this big is a mistake
MAX_DEPTH = 64

# Characters that have no place in report text: C0 controls but tab, LF and CR;
# DEL; the bidi embedding, override and isolate controls that can disguise text.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


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
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.add(Position(path), f"cannot read the file: {exc.strerror}")
        return None
    if size > MAX_BYTES:
        problems.add(Position(path), f"the file is {size / 1048576:.1f} MB, more than the "
                     f"{MAX_BYTES // 1048576} MB a content file may have",
                     hint="split it into several section files")
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(Position(path), f"cannot read the file: {exc.strerror}")
        return None
    text = decode(path, raw, problems)
    if text is None:
        return None
    return load_text(path, text, problems)


def decode(path: Path, raw: bytes, problems: Problems) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.add(Position(path, line, column),
                     f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                     hint="save the file as UTF-8 (most editors offer it under 'Save as' or 'Encoding')")
        return None
    bad = False
    for match in _FORBIDDEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.add(Position(path, line, column),
                     f"character U+{ord(match.group()):04X} is not allowed in content",
                     hint="delete it; it is invisible in most editors (a control or text-direction character)")
        bad = True
    return None if bad else text.replace("\r\n", "\n")


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
        problems.add(Position(path, 1, 1) if text.strip() else Position(path),
                     "the file has no content", hint="it needs at least a 'title:' line")
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
        _yaml_problem(path, exc, problems)
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
        _yaml_problem(path, exc, problems)
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
            problems.add(_pos(path, e.start_mark), f"tag '{tag}' is not allowed",
                         hint="remove the tag; content is plain text, lists and mappings")
            ok = False
    return ok


def _yaml_problem(path: Path, exc: yaml.YAMLError, problems: Problems) -> None:
    mark = getattr(exc, "problem_mark", None)
    message = str(getattr(exc, "problem", None) or exc).strip()
    context = getattr(exc, "context", None)
    hint = ""
    if "\t" in message or "'\\t'" in message:
        message = "a tab character cannot indent YAML"
        hint = "indent with spaces"
    elif "mapping values are not allowed" in message:
        message = "a colon followed by a space is not allowed here"
        hint = "quote the value: put the whole text in double quotes"
    elif "could not find expected ':'" in message:
        hint = "a line may be missing its 'key:'; or quote a value that spans lines"
    elif "expected <block end>" in message and context:
        hint = "check the indentation of this line against the lines above it"
    elif "did not find expected key" in message:
        hint = "check the indentation: items of one list or mapping line up exactly"
    elif "found unexpected end of stream" in message:
        hint = "a quote or bracket is not closed"
    if context and "while" not in message:
        message = f"{message} ({context})"
    position = _pos(path, mark) if mark is not None else Position(path)
    problems.add(position, message, hint=hint)


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
    stack: list[tuple[yaml.Node, Node]] = [(root, top)]
    while stack:
        yn, ours = stack.pop()
        if isinstance(yn, yaml.SequenceNode) and isinstance(ours, Sequence):
            for child in yn.value:
                node = make(child)
                ours.items.append(node)
                stack.append((child, node))
        elif isinstance(yn, yaml.MappingNode) and isinstance(ours, Mapping):
            for key_node, value_node in yn.value:
                key = make(key_node)
                if not isinstance(key, Scalar):
                    problems.add(key.pos, "a key must be plain text")
                    continue
                if key.value == "<<":
                    problems.add(key.end_pos, "merge keys ('<<') are not allowed",
                                 hint="write the keys out in full")
                    continue
                if key.value in ours.entries:
                    first = ours.entries[key.value][0]
                    problems.add(key.end_pos, f"duplicate key '{key.value}' (first on line {first.pos.line})",
                                 also=(first.pos,), hint="keep one of the two")
                    continue
                value = make(value_node)
                ours.entries[key.value] = (key, value)
                stack.append((value_node, value))
    return top
