"""The access graph as DOT text, built with the ``graphviz`` package: every label escaped, every id stable.

Owns the look (a shape per node kind, solid allowed and dashed "trusted but not permitted" arrows),
accounts as clusters or — the fallback layout — as label lines, and safe links. Rendering to SVG is the site's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import graphviz

from .ids import edge_svg_id, node_svg_id
from .model import AccessGraph, Edge, Node
from .table import edge_label, edge_what
from .text import FONT, dot_text

type Link = Callable[[Node], str | None]

_NODE_STYLE: Final[dict[str, dict[str, str]]] = {
    "user": {"shape": "ellipse", "fillcolor": "#e8f0fe"},
    "role": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff1d6"},
    "service": {"shape": "hexagon", "fillcolor": "#e6f4ea"},
    "oidc_provider": {"shape": "component", "fillcolor": "#f3e8fd"},
    "saml_provider": {"shape": "component", "fillcolor": "#f3e8fd"},
    "account_root": {"shape": "house", "fillcolor": "#eeeeee"},
    "session": {"shape": "note", "fillcolor": "#fffbe6"},
    "resource_group": {"shape": "cylinder", "fillcolor": "#e0f2f1"},
}
_KIND_WORDS: Final = {
    "user": "user",
    "role": "role",
    "service": "service",
    "oidc_provider": "OIDC provider",
    "saml_provider": "SAML provider",
    "account_root": "account",
    "session": "session",
    "resource_group": "resources",
}
_EDGE_STYLE: Final[dict[str, dict[str, str]]] = {
    "assume": {"color": "#1a5fb4"},
    "reach": {"color": "#2e7d32"},
    "session_of": {"color": "#777777", "style": "dotted"},
    "chain": {"color": "#8e24aa", "penwidth": "2"},
}


def to_dot(
    graph: AccessGraph, *, clusters: bool = True, title: str = "Who can assume what", link: Link | None = None
) -> str:
    """DOT source of ``graph``: accounts as clusters (``clusters=False`` draws them as label lines, the layout
    to fall back on when dot fails with "trouble in init_rank"), solid edges for allowed, dashed for "trusted
    but not permitted", every label plain escaped text, ``newrank=true``. ``link(node)`` may return a URL
    (``/…`` or ``http(s)://…``; anything else is dropped) for the node; ids are ``n-…`` for nodes and ``e-<n>``
    for edges. Never raises for a well-formed graph.
    """
    dot = _digraph(title)
    if clusters:
        _clustered_nodes(dot, graph, link)
    else:
        labels = {c.id: c.label for c in graph.clusters}
        for node in graph.nodes:
            _dot_node(dot, node, link, labels.get(node.account or ""))
    names = {n.id: n.label.replace("\n", " ") for n in graph.nodes}
    for index, edge in enumerate(graph.edges):
        _dot_edge(dot, index, edge, names)
    return dot.source


def _digraph(title: str) -> graphviz.Digraph:
    return graphviz.Digraph(
        "access",
        graph_attr={
            "label": dot_text(title),
            "labelloc": "t",
            "rankdir": "LR",
            "newrank": "true",
            "fontname": FONT,
            "id": "access-graph",
            "tooltip": dot_text(title),
            "nodesep": "0.3",
            "ranksep": "0.9",
        },
        node_attr={"fontname": FONT, "fontsize": "11", "style": "filled"},
        edge_attr={"fontname": FONT, "fontsize": "9"},
    )


def _clustered_nodes(dot: graphviz.Digraph, graph: AccessGraph, link: Link | None) -> None:
    """Each account's nodes inside its cluster (``c-<n>``); nodes of no account outside any."""
    by_account: dict[str | None, list[Node]] = {}
    for node in graph.nodes:
        by_account.setdefault(node.account, []).append(node)
    for index, cluster in enumerate(graph.clusters):
        with dot.subgraph(name=f"cluster_{index}") as sub:
            sub.attr(
                label=dot_text(cluster.label),
                id=f"c-{index}",
                style="rounded,dashed" if cluster.external else "rounded",
                color="#999999",
                fontname=FONT,
                fontsize="12",
            )
            for node in by_account.pop(cluster.id, []):
                _dot_node(sub, node, link, None)
    for nodes in by_account.values():
        for node in nodes:
            _dot_node(dot, node, link, None)


def _dot_node(dot: graphviz.Digraph, node: Node, link: Link | None, account_label: str | None) -> None:
    kind = f"{node.service} resources" if node.kind == "resource_group" and node.service else node.kind
    lines = [*node.label.split("\n"), _KIND_WORDS.get(kind, kind)]
    if account_label:
        lines.append(account_label)
    attrs = dict(_NODE_STYLE.get(node.kind, {}))
    url = link(node) if link else None
    if isinstance(url, str) and _safe_url(url):
        attrs.update({"URL": dot_text(url), "target": "_top"})
    svg_id = node_svg_id(node.id)
    dot.node(svg_id, dot_text(*lines), id=svg_id, tooltip=dot_text(node.detail or node.label), **attrs)


def _safe_url(url: str) -> bool:
    """A site path (``/…``, not ``//host``) or an http(s) URL: never ``javascript:`` or ``data:``."""
    return len(url) <= 2048 and (
        (url.startswith("/") and not url.startswith("//")) or url.startswith(("https://", "http://"))
    )


def _dot_edge(dot: graphviz.Digraph, index: int, edge: Edge, names: dict[str, str]) -> None:
    attrs = dict(_EDGE_STYLE.get(edge.kind, {}))
    if edge.dashed:
        attrs.update({"style": "dashed", "color": "#b3261e"})
    label = edge_label(edge)
    if label:
        attrs["label"] = dot_text(label)
    words = f"{names.get(edge.source, edge.source)} {edge_what(edge)} {names.get(edge.target, edge.target)}"
    tooltip = dot_text(words + (f" ({label})" if label else ""))
    dot.edge(node_svg_id(edge.source), node_svg_id(edge.target), id=edge_svg_id(index), tooltip=tooltip, **attrs)
