"""Strict JSON decoding that can say where every key and value starts.

Owns turning JSON text into Python values: a fast path on the C decoder (``loads``) and an exact,
non-recursive parser that records source offsets (``parse_json``), used to locate faults and to resolve a
path to a line and column. Both reject duplicate keys, NaN/Infinity, comments, trailing commas and a BOM
(RFC 8259). What the values mean is ``policy.py``'s business.
"""

from __future__ import annotations

import json
import re

# Deep enough for any real policy (a condition value list sits at depth 6), shallow enough that hostile
# input fails fast.
MAX_DEPTH = 64

# One lexeme after optional whitespace: 1 a string, 2 a structural character, 3 a number, 4 a literal, or
# 5 any other character (always an error). Scanning is left to ``re`` so Python runs once per lexeme.
_TOKENS = re.compile(
    r"[ \t\n\r]*(?:"
    r'("[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*")'
    r"|([{}\[\],:])"
    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
    r"|(true|false|null)"
    r"|([^ \t\n\r]))",
)
_STRING, _PUNCT, _NUMBER, _LITERAL, _OTHER = 1, 2, 3, 4, 5
_PLAIN_KEY = re.compile(r"[^.\[\]' \t\n\r\"\\]+")  # keys written bare in a path; others go in ['…']
_LITERALS = {"true": True, "false": False, "null": None}

# What the next lexeme may be, and how to say what was expected instead.
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _COLON, _AFTER_VALUE = range(6)
_EXPECTED = {
    _VALUE: "expected a value",
    _VALUE_OR_CLOSE: "expected a value or ']'",
    _KEY: "expected a string key",
    _KEY_OR_CLOSE: "expected a string key or '}'",
    _COLON: "expected ':'",
    _AFTER_VALUE: "expected ',' or a closing bracket",
}


class JsonNumber:
    """A JSON number kept exactly as written (``12``, ``1.50``, ``1e3``), so nothing is lost to floats."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"JsonNumber({self.text!r})"


class JsonObject(dict):
    """A decoded JSON object; ``positions[key]`` is ``(key_offset, value_offset)`` in the source text."""

    __slots__ = ("offset", "positions")

    def __init__(self, offset: int) -> None:
        super().__init__()
        self.offset = offset
        self.positions: dict[str, tuple[int, int]] = {}


class JsonArray(list):
    """A decoded JSON array; ``positions[i]`` is the source offset of element ``i``."""

    __slots__ = ("offset", "positions")

    def __init__(self, offset: int) -> None:
        super().__init__()
        self.offset = offset
        self.positions: list[int] = []


class JsonSyntaxError(Exception):
    """The text is not JSON or breaks a limit: ``offset`` of the fault, ``path`` of the enclosing value.

    ``reason`` says what went wrong in plain words; callers turn this into their own error type.
    """

    def __init__(self, reason: str, offset: int, path: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.path = path


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset`` in ``text``; columns count characters, lines end at LF."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def path_join(parent: str, key: str | int) -> str:
    """JSON path of ``key`` under ``parent``: ``$.Statement[0]``, ``$.Condition['a.b']``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{parent}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{parent}['{escaped}']"


def parse_json(text: str, *, max_depth: int = MAX_DEPTH) -> object:
    """Parse ``text`` into ``JsonObject``/``JsonArray``/``str``/``JsonNumber``/``bool``/``None`` values.

    Raises ``JsonSyntaxError`` (with the offset of the fault) for anything that is not exactly one JSON
    value surrounded by optional whitespace, for a key repeated in one object, and for nesting deeper than
    ``max_depth``. Runs in time linear in ``len(text)`` and never recurses.
    """
    stack: list = []  # open containers, innermost last
    slots: list = []  # where each open container sits in its parent (key or index)
    state, key, key_offset, document = _VALUE, "", 0, None
    for match in _TOKENS.finditer(text):
        kind = match.lastindex
        start = match.start(kind)
        lexeme = match.group(kind)
        if state in (_AFTER_VALUE, _COLON):
            state = _after_value(lexeme if kind == _PUNCT else "", state, stack, slots, start)
            continue
        if state in (_KEY, _KEY_OR_CLOSE):
            if kind == _PUNCT and lexeme == "}" and state == _KEY_OR_CLOSE:
                stack.pop()
                slots.pop()
                state = _AFTER_VALUE
                continue
            if kind != _STRING:
                _fail(_EXPECTED[state], start, slots)
            key, key_offset, state = _unquote(lexeme, start, slots), start, _COLON
            if key in stack[-1]:
                _fail(f"duplicate key {key!r}", start, slots, key)
            continue
        if kind == _STRING:
            value = _unquote(lexeme, start, slots)
        elif kind == _NUMBER:
            value = JsonNumber(lexeme)
        elif kind == _LITERAL:
            value = _LITERALS[lexeme]
        elif kind == _PUNCT and lexeme == "]" and state == _VALUE_OR_CLOSE:
            stack.pop()
            slots.pop()
            state = _AFTER_VALUE
            continue
        elif kind == _PUNCT and (lexeme == "{" or lexeme == "["):
            if len(stack) >= max_depth:
                _fail(f"nesting deeper than {max_depth} levels", start, slots)
            value = JsonObject(start) if lexeme == "{" else JsonArray(start)
        else:
            _fail(_unexpected(kind, lexeme, state), start, slots)
        if not stack:
            document = value
        elif stack[-1].__class__ is JsonObject:
            stack[-1][key] = value
            stack[-1].positions[key] = (key_offset, start)
        else:
            stack[-1].append(value)
            stack[-1].positions.append(start)
        if kind == _PUNCT:
            slots.append(_slot_in(stack[-1], key) if stack else None)
            stack.append(value)
            state = _KEY_OR_CLOSE if lexeme == "{" else _VALUE_OR_CLOSE
        else:
            state = _AFTER_VALUE
    if state != _AFTER_VALUE or stack:
        _fail("unexpected end of text", len(text), slots)
    return document


def _after_value(punct: str, state: int, stack: list, slots: list, start: int) -> int:
    """The lexeme after a key (``:``) or after a value (``,`` or the open container's closing bracket)."""
    if state == _COLON:
        if punct != ":":
            _fail(_EXPECTED[_COLON], start, slots)
        return _VALUE
    if not stack:
        _fail("extra data after the document", start, slots)
    in_object = stack[-1].__class__ is JsonObject
    if punct == ",":
        return _KEY if in_object else _VALUE
    if punct == ("}" if in_object else "]"):
        stack.pop()
        slots.pop()
        return _AFTER_VALUE
    _fail("expected ',' or '}'" if in_object else "expected ',' or ']'", start, slots)
    raise AssertionError  # unreachable: _fail always raises


def _slot_in(parent: JsonObject | JsonArray, key: str) -> str | int:
    """The key or index under which the value just stored in ``parent`` sits."""
    return key if parent.__class__ is JsonObject else len(parent) - 1


def _unquote(lexeme: str, start: int, slots: list) -> str:
    """The text of a string lexeme (escapes decoded only when there are any)."""
    if "\\" not in lexeme:
        return lexeme[1:-1]
    try:
        return json.loads(lexeme)
    except (ValueError, RecursionError):  # pragma: no cover - the lexeme regex admits only valid escapes
        _fail("invalid string", start, slots)
    raise AssertionError  # unreachable: _fail always raises


def _fail(reason: str, offset: int, slots: list, key: str | None = None) -> None:
    path = "$"
    for slot in slots[1:]:
        path = path_join(path, slot)
    if key is not None:
        path = path_join(path, key)
    raise JsonSyntaxError(reason, offset, path)


def _unexpected(kind: int, lexeme: str, state: int) -> str:
    if kind == _PUNCT:
        return _EXPECTED[state]
    return "unterminated or invalid string" if lexeme == '"' else "unexpected character"


class _DuplicateKey(Exception):
    """Raised inside the fast decoder; the exact parser then reports where."""


def _unique_object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_object,
    parse_float=JsonNumber,
    parse_int=JsonNumber,
    parse_constant=_reject_constant,
    strict=True,
)
_SKIPPER = json.JSONDecoder()  # steps over values already known to be valid, with no Python hooks
_SPACE = re.compile(r"[ \t\n\r]*")


def loads(text: str) -> object:
    """Decode ``text`` with the C decoder into ``dict``/``list``/``str``/``JsonNumber``/``bool``/``None``.

    Same acceptance as ``parse_json`` (strict RFC 8259, unique keys) but without positions and about ten
    times faster. On any fault it re-parses with ``parse_json`` and raises its located ``JsonSyntaxError``;
    when the C decoder only gave up on nesting depth, the exact parser's answer is returned instead.
    """
    try:
        value, end = _DECODER.raw_decode(text, _SPACE.match(text).end())
        if _SPACE.match(text, end).end() == len(text):
            return value
    except (ValueError, RecursionError, _DuplicateKey):
        pass
    return parse_json(text)


def member_offsets(text: str, name: str) -> tuple[int, list[int]] | None:
    """Where the top-level member ``name`` of a JSON object document starts, and its elements if an array.

    Returns ``(value_offset, element_offsets)`` (an empty list when the value is not an array), or ``None``
    when the document is not an object or has no such member. Meant for text ``loads`` already accepted:
    only the top level and that one array are stepped through, each element is skipped by the C scanner.
    """
    try:
        return _member_offsets(text, name)
    except (ValueError, IndexError, RecursionError):
        return None


def _member_offsets(text: str, name: str) -> tuple[int, list[int]] | None:
    pos = _SPACE.match(text).end()
    if text[pos] != "{":
        return None
    pos = _SPACE.match(text, pos + 1).end()
    while text[pos] != "}":
        key, pos = json.decoder.scanstring(text, pos + 1)
        pos = _SPACE.match(text, _SPACE.match(text, pos).end() + 1).end()  # past ':'
        if key == name:
            return pos, _element_offsets(text, pos)
        pos = _SPACE.match(text, _SKIPPER.scan_once(text, pos)[1]).end()
        if text[pos] == ",":
            pos = _SPACE.match(text, pos + 1).end()
    return None


def _element_offsets(text: str, pos: int) -> list[int]:
    offsets: list[int] = []
    if text[pos] != "[":
        return offsets
    pos = _SPACE.match(text, pos + 1).end()
    while text[pos] != "]":
        offsets.append(pos)
        pos = _SPACE.match(text, _SKIPPER.scan_once(text, pos)[1]).end()
        if text[pos] == ",":
            pos = _SPACE.match(text, pos + 1).end()
    return offsets


def locate(tree: object, segments: tuple[str | int, ...], *, at_key: bool = False) -> int:
    """Source offset of the value at ``segments`` in a ``parse_json`` tree (of its key when ``at_key``).

    Follows the path as far as it exists and returns the offset of the deepest value reached, so a
    missing member points at the object that lacks it.
    """
    node, offset = tree, getattr(tree, "offset", 0)
    for depth, segment in enumerate(segments):
        positions = getattr(node, "positions", None)
        if isinstance(node, JsonObject) and segment in node:
            key_offset, offset = positions[segment]
            if at_key and depth == len(segments) - 1:
                return key_offset
        elif isinstance(node, JsonArray) and isinstance(segment, int) and 0 <= segment < len(node):
            offset = positions[segment]
        else:
            break
        node = node[segment]
    return offset
