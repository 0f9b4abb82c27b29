"""The SVG element ids of an access graph's drawing: stable across views, and checkable after rendering.

Owns the id scheme (``n-`` + hash for nodes, ``e-<n>`` for edges) that ``dot.py`` writes, ``table.py``
names in its rows and the site checks in the SVG it gets back.
"""

from __future__ import annotations

import hashlib

from .model import AccessGraph


def node_svg_id(node_id: str) -> str:
    """The SVG element id of a node: ``n-`` and 16 hex digits of its id's SHA-256 (stable across views)."""
    return "n-" + hashlib.sha256(node_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def edge_svg_id(index: int) -> str:
    """The SVG element id of the graph's ``index``-th edge."""
    return f"e-{index}"


def edge_ids(graph: AccessGraph) -> tuple[str, ...]:
    """The SVG ids of the graph's edges, ``e-0`` … in edge order."""
    return tuple(edge_svg_id(i) for i in range(len(graph.edges)))


def expected_svg_ids(graph: AccessGraph) -> frozenset[str]:
    """Every node and edge id a complete rendering of ``to_dot(graph)`` must contain, so the site can tell a
    renderer that silently dropped edges from one that drew them all. Compare with the SVG's ``id`` values
    XML-unescaped: dot writes ``e-3`` as ``e&#45;3``."""
    return frozenset(node_svg_id(n.id) for n in graph.nodes) | frozenset(edge_ids(graph))
