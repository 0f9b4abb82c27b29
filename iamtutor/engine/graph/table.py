"""The words of an access graph: each edge's label and the text alternative, one row per edge.

Owns what an arrow says (conditions, the missing piece, the access summary) and the table a screen
reader gets instead of the picture, in the diagram's edge order. Drawing is ``dot.py``'s.
"""

from __future__ import annotations

from .ids import edge_svg_id
from .model import AccessGraph, Edge


def edge_label(edge: Edge) -> str:
    """The words drawn on an edge: conditions, the missing piece, or the access summary."""
    if edge.kind == "reach":
        return "; ".join(f"{'all services' if s == '*' else s}: {', '.join(levels)}" for s, levels in edge.access)
    if edge.kind == "session_of":
        return "session of"
    if edge.kind == "chain":
        return "assumed"
    parts = [f"when {', '.join(edge.conditions)}" if edge.allowed and edge.conditions else ", ".join(edge.conditions)]
    if not edge.allowed:
        parts.append(f"needs {edge.missing}")
    if edge.count > 1:
        parts.append(f"×{edge.count}")
    return "; ".join(p for p in parts if p)


def edge_what(edge: Edge) -> str:
    """The phrase between the two ends of an edge, such as "can assume"."""
    if edge.kind == "reach":
        return "can reach " + edge_label(edge)
    if edge.kind == "session_of":
        return "is a session of"
    if edge.kind == "chain":
        return "assumed"
    if edge.external and edge.allowed:
        return "is trusted to assume (its own account's policies decide who)"
    if edge.allowed:
        return "can assume, when the conditions are met" if edge.conditional else "can assume"
    return "is trusted but not permitted to assume"


def edge_table(graph: AccessGraph) -> list[dict[str, object]]:
    """The text alternative of the diagram: one row per edge, in the diagram's order.

    Each row has ``id`` (the SVG id ``e-<n>``), ``from``/``to`` (labels) and ``from_id``/``to_id``, ``kind``,
    ``what`` (a phrase such as "can assume"), ``conditions``, ``missing`` (the piece a dashed edge lacks,
    "" otherwise), ``allowed`` and ``count``. Never raises.
    """
    labels = {n.id: n.label.replace("\n", " — ") for n in graph.nodes}
    return [
        {
            "id": edge_svg_id(i),
            "from": labels.get(e.source, e.source),
            "to": labels.get(e.target, e.target),
            "from_id": e.source,
            "to_id": e.target,
            "kind": e.kind,
            "what": edge_what(e),
            "conditions": ", ".join(e.conditions),
            "missing": e.missing or "",
            "allowed": e.allowed,
            "count": e.count,
        }
        for i, e in enumerate(graph.edges)
    ]
