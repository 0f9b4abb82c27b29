"""Reading the YAML and JSON content files with the line of every mapping kept, so that a problem found
after parsing (a missing field, an unknown id) is still reported at its line; and the field readers that
report those problems."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .content import ContentError


class Located(dict):
    """A mapping from a content file that remembers the 1-based line it starts on."""

    line: int = 1


class _LineLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (no arbitrary objects) whose mappings are ``Located``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    mapping = Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, 1, f"cannot be read as UTF-8 text ({exc})") from None


def load_yaml(path: Path) -> object:
    """The file's data (safe YAML only); raises ``ContentError`` with the line of a syntax error."""
    try:
        return yaml.load(read_text(path), Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, mark.line + 1 if mark else 1, f"is not valid YAML ({problem})") from None


def load_json(path: Path) -> object:
    """The file's data; raises ``ContentError`` with the line of a syntax error."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ContentError(path, exc.lineno, f"is not valid JSON ({exc.msg})") from None


def line_of(item: object, default: int = 1) -> int:
    return getattr(item, "line", default)


def text(path: Path, item: Located, name: str, *, required: bool = True, aliases: tuple[str, ...] = ()) -> str:
    """The string field ``name`` (or one of its ``aliases``) of ``item``, stripped."""
    for candidate in (name, *aliases):
        value = item.get(candidate)
        if value is not None:
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise ContentError(path, line_of(item), f"the field {candidate!r} must be text, not {value!r}")
            return str(value).strip()
    if required:
        raise ContentError(path, line_of(item), f"the item is missing the field {name!r}")
    return ""


def read_options(path: Path, item: Located, *, answer: object = None) -> list[dict]:
    """The item's ``options`` as rows {key, text, correct, explanation}; right ones by ``correct`` or ``answer``."""
    options = item.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise ContentError(path, line_of(item), "the item needs at least two options, each {id, text}")
    named = set(answer) if isinstance(answer, list) else {answer} if answer is not None else set()
    rows = []
    for option in options:
        if not isinstance(option, dict):
            raise ContentError(path, line_of(item), f"an option must be {{id, text}}, not {option!r}")
        key = text(path, option, "id")
        rows.append(
            {
                "key": key,
                "text": text(path, option, "text"),
                "correct": bool(option.get("correct")) or key in {str(name) for name in named},
                "explanation": text(path, option, "explanation", required=False, aliases=("why",)),
            }
        )
    unknown = {str(name) for name in named} - {row["key"] for row in rows}
    if unknown:
        raise ContentError(path, line_of(item), f"the answer names no option: {', '.join(sorted(unknown))}")
    return rows
