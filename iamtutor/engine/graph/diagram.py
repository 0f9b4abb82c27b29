"""Hand-drawn diagrams (the lessons' own): given nodes and labelled edges, DOT and the rows of its table.

Owns nothing but the drawing: what the boxes and arrows say is the caller's data (the lesson content, or
facts a scenario gave), passed as ``{id, label, kind, group?, style?}`` nodes, ``{from, to, label, style?}``
edges and ``{id, label, style?}`` groups (boxes drawn around nodes). The access graph is ``dot.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import graphviz

from ..errors import ParameterError
from .text import FONT, dot_text, wrap

DIRECTIONS: Final = ("TB", "LR", "BT", "RL")
_FILL: Final = "#eef4ff"  # boxes whose kind ``fills`` does not name
_NODE_WIDTH, _EDGE_WIDTH = 30, 28  # characters per label line
# ``style`` of a node, edge or group: "lit" (the part the diagram is about), "dashed" (refused, or not there).
_LIT_NODE: Final = {"penwidth": "3", "color": "#b35900", "class": "lit"}
_LIT_EDGE: Final = {"penwidth": "3", "color": "#b35900", "class": "lit"}
_DASHED_EDGE: Final = {"style": "dashed", "color": "#b3261e"}
_GROUP_STYLE: Final = {
    "": {"style": "rounded", "color": "#999999"},
    "lit": {"style": "rounded,bold", "color": "#b35900", "penwidth": "2"},
    "dashed": {"style": "rounded,dashed", "color": "#999999"},
}

type Item = Mapping[str, str]


def diagram_dot(
    name: str,
    nodes: Sequence[Item],
    edges: Sequence[Item],
    *,
    direction: str = "TB",
    fills: Mapping[str, str] | None = None,
    groups: Sequence[Item] = (),
) -> str:
    """DOT of the diagram ``name``: a rounded box per node (filled by ``fills[kind]``), an arrow per edge, in
    ``direction`` (TB, LR, BT or RL), every label escaped and wrapped. A node naming a ``group`` is drawn
    inside that group's box (a cluster); a node, edge or group whose ``style`` is ``lit`` is drawn bold and
    coloured, an edge whose ``style`` is ``dashed`` dashed and red. SVG ids are ``<name>-graph``,
    ``<name>-n<i>`` per node, ``<name>-e<i>`` per edge (``diagram_svg_ids``) and ``<name>-g<i>`` per group,
    unique on a page of several diagrams. Raises ``ParameterError`` for an edge naming an unknown node, a
    node naming an unknown group, or an unknown direction."""
    if direction not in DIRECTIONS:
        raise ParameterError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}.")
    ids = {node["id"]: f"n{index}" for index, node in enumerate(nodes)}
    places = {group["id"]: index for index, group in enumerate(groups)}
    dot = _digraph(name, direction)
    clusters = [_cluster(name, index, group) for index, group in enumerate(groups)]
    for index, node in enumerate(nodes):
        fill = (fills or {}).get(node.get("kind") or "", _FILL)
        label = dot_text(*wrap(node["label"], _NODE_WIDTH))
        extra = _LIT_NODE if node.get("style") == "lit" else {}
        target = dot if not node.get("group") else clusters[_group_index(places, node)]
        target.node(ids[node["id"]], label, fillcolor=fill, id=f"{name}-n{index}", **extra)
    for cluster in clusters:
        dot.subgraph(cluster)
    for index, edge in enumerate(edges):
        source, target = (_node_id(ids, edge, end) for end in ("from", "to"))
        label = dot_text(*wrap(edge.get("label") or "", _EDGE_WIDTH))
        extra = {"lit": _LIT_EDGE, "dashed": _DASHED_EDGE}.get(edge.get("style") or "", {})
        dot.edge(source, target, label=label, id=f"{name}-e{index}", **extra)
    return dot.source


def diagram_edges(nodes: Sequence[Item], edges: Sequence[Item]) -> list[tuple[str, str, str]]:
    """The text alternative of a diagram: per edge, (label of its start, label of its end, its label).

    Raises ``ParameterError`` for an edge naming an unknown node."""
    labels = {node["id"]: node["label"] for node in nodes}
    return [(_node_id(labels, e, "from"), _node_id(labels, e, "to"), e.get("label") or "") for e in edges]


def diagram_svg_ids(name: str, nodes: Sequence[Item], edges: Sequence[Item]) -> frozenset[str]:
    """Every node and edge id a complete rendering of ``diagram_dot(name, nodes, edges)`` contains."""
    return frozenset({*(f"{name}-n{i}" for i in range(len(nodes))), *(f"{name}-e{i}" for i in range(len(edges)))})


def _digraph(name: str, direction: str) -> graphviz.Digraph:
    return graphviz.Digraph(
        name,
        graph_attr={
            "rankdir": direction,
            "bgcolor": "transparent",
            "fontname": FONT,
            "pad": "0.2",
            "id": f"{name}-graph",
        },
        node_attr={"shape": "box", "style": "rounded,filled", "color": "#2f5fb3", "fontname": FONT, "fontsize": "11"},
        edge_attr={"color": "#555555", "fontname": FONT, "fontsize": "10"},
    )


def _cluster(name: str, index: int, group: Item) -> graphviz.Digraph:
    style = _GROUP_STYLE.get(group.get("style") or "", _GROUP_STYLE[""])
    label = dot_text(*wrap(group.get("label") or "", _NODE_WIDTH + 10))
    return graphviz.Digraph(
        f"cluster_{index}",
        graph_attr={"label": label, "id": f"{name}-g{index}", "fontname": FONT, "fontsize": "11", **style},
    )


def _group_index(places: Mapping[str, int], node: Item) -> int:
    found = places.get(node.get("group") or "")
    if found is None:
        raise ParameterError(f"The node {node.get('id')!r} names no group {node.get('group')!r}.")
    return found


def _node_id(known: Mapping[str, str], edge: Item, end: str) -> str:
    """What ``known`` holds for the node at the ``end`` ("from" or "to") of ``edge``; ParameterError if none."""
    found = known.get(edge.get(end, ""))
    if found is None:
        raise ParameterError(f"The edge {edge.get('from')!r} → {edge.get('to')!r} names no node {edge.get(end)!r}.")
    return found
