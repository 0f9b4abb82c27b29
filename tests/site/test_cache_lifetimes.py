"""Caches that end: every cache write in the site's code names a lifetime, and none is "forever".

A cache entry without a lifetime stays until Redis runs out of memory; with sessions in the same Redis that
means log-outs. So each ``cache.set`` / ``add`` / ``set_many`` / ``get_or_set`` / ``touch`` must pass a
timeout, and never ``None``. (The bounded back ends also cut ``None`` to their alias's timeout, but the
default cache is Django's own.)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = [ROOT / "iamtutor", ROOT / "lessons"]
# Position of the timeout argument (after the key and value, or the data for set_many).
TIMEOUT_POSITION = {"set": 2, "add": 2, "get_or_set": 2, "set_many": 1, "touch": 1}


def _is_cache(node: ast.expr) -> bool:
    """``cache``, ``django_cache``, ``self.cache``, ``caches["renders"]``, ``renders`` …: a name that says so."""
    if isinstance(node, ast.Subscript):
        node = node.value
    text = ast.unparse(node).lower()
    return "cache" in text or text.endswith("renders")


def _writes_without_lifetime(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in TIMEOUT_POSITION or not _is_cache(node.func.value):
            continue
        keyword = next((k.value for k in node.keywords if k.arg == "timeout"), None)
        position = TIMEOUT_POSITION[method]
        given = keyword if keyword is not None else (node.args[position] if len(node.args) > position else None)
        if given is None or (isinstance(given, ast.Constant) and given.value is None):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_every_cache_write_names_a_lifetime():
    offenders = []
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, call in _writes_without_lifetime(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {call}")
    assert not offenders, "cache writes without a lifetime:\n" + "\n".join(offenders)


def test_the_guard_sees_a_write_without_a_lifetime():
    tree = ast.parse(
        "cache.set('k', v)\ncaches['renders'].set('k', v, timeout=None)\nself.cache.add('k', 1, 60)\n"
        "cache.set_many({'k': v}, 30)\nrenders.get_or_set('k', v)\n"
    )
    assert [line for line, _ in _writes_without_lifetime(tree)] == [1, 2, 5]
