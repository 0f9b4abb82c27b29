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


# ---- summaries, for graphs too large to draw or list ------------------------------------------------------------

_KIND_PLURALS = {
    "user": "users",
    "role": "roles",
    "service": "services",
    "oidc_provider": "OIDC providers",
    "saml_provider": "SAML providers",
    "account_root": "outside accounts",
    "session": "sessions",
    "resource_group": "resources",
}


def node_summary(graph: AccessGraph) -> list[dict[str, object]]:
    """How many boxes of each kind each account holds, in the graph's account order: rows of ``account`` (the
    cluster's label, or "no account" for services), ``kind`` (plural words) and ``count``. Never raises."""
    labels = {c.id: c.label for c in graph.clusters}
    order = {c.id: i for i, c in enumerate(graph.clusters)}
    counts: dict[tuple[str | None, str], int] = {}
    for node in graph.nodes:
        key = (node.account, node.kind)
        counts[key] = counts.get(key, 0) + max(len(node.members), 1)
    kinds = list(_KIND_PLURALS)
    ranked = sorted(counts, key=lambda k: (order.get(k[0] or "", len(order)), _rank(kinds, k[1])))
    return [
        {
            "account": labels.get(account or "", "no account"),
            "kind": _KIND_PLURALS.get(kind, kind),
            "count": counts[(account, kind)],
        }
        for account, kind in ranked
    ]


def edge_summary(graph: AccessGraph) -> list[dict[str, object]]:
    """The arrows counted by what they join and say: rows of ``from`` and ``to`` ("users in account …"),
    ``what`` (a phrase such as "can assume"), ``allowed`` and ``count`` (a folded arrow counts for the arrows
    it stands for), the largest groups first. Never raises."""
    nodes = {n.id: n for n in graph.nodes}
    labels = {c.id: c.label for c in graph.clusters}
    counts: dict[tuple[str, str, str, bool], int] = {}
    for edge in graph.edges:
        key = (
            _group(nodes.get(edge.source), labels),
            _summary_what(edge),
            _group(nodes.get(edge.target), labels),
            edge.allowed,
        )
        counts[key] = counts.get(key, 0) + edge.count
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"from": f, "what": w, "to": t, "allowed": a, "count": n} for (f, w, t, a), n in ranked]


def _group(node, labels: dict[str, str]) -> str:
    if node is None:
        return "unknown"
    kind = _KIND_PLURALS.get(node.kind, node.kind)
    return f"{kind} in {labels[node.account]}" if node.account in labels else kind


def _summary_what(edge: Edge) -> str:
    if edge.kind == "reach":
        return "can reach"
    return edge_what(edge)


def _rank(kinds: list[str], kind: str) -> int:
    return kinds.index(kind) if kind in kinds else len(kinds)
