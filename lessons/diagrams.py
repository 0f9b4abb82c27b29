"""The visual mode's diagrams: DOT built with the ``graphviz`` package (which quotes every label) from the
nodes and edges of ``diagrams.yaml``, drawn to SVG by ``iamtutor.lib.graphviz``, each with its table."""

from __future__ import annotations

from dataclasses import dataclass

import graphviz as gv

from iamtutor.lib import graphviz as renderer

from .models import Diagram

# Fill colours by node kind: light pastels that keep dark text readable (the SVG sits on a light panel).
KIND_FILL = {
    "principal": "#eef4ff",
    "role": "#e8f5e9",
    "policy": "#fff7e0",
    "session": "#f3e8ff",
    "resource": "#e0f2fe",
    "service": "#fde8e8",
    "log": "#eeeeee",
}


def diagram_dot(diagram: Diagram) -> str:
    """DOT source for ``diagram``; labels go through ``graphviz``'s quoting, so no label can break the graph."""
    graph = gv.Digraph(
        diagram.key,
        graph_attr={"rankdir": diagram.direction, "bgcolor": "transparent", "fontname": "Helvetica", "pad": "0.2"},
    )
    graph.attr("node", shape="box", style="rounded,filled", color="#2f5fb3", fontname="Helvetica")
    graph.attr("edge", color="#555555", fontname="Helvetica", fontsize="11")
    ids = {node["id"]: f"n{index}" for index, node in enumerate(diagram.nodes)}
    for node in diagram.nodes:
        graph.node(
            ids[node["id"]], label=gv.escape(node["label"]), fillcolor=KIND_FILL.get(node.get("kind", ""), "#eef4ff")
        )
    for edge in diagram.edges:
        graph.edge(ids[edge["from"]], ids[edge["to"]], label=gv.escape(edge.get("label", "")))
    return graph.source


@dataclass(frozen=True)
class Drawn:
    """A diagram with its SVG (or the reason there is none) and its edges as rows for the text table."""

    diagram: Diagram
    svg: str | None
    problem: str | None
    rows: list[tuple[str, str, str]]


def draw(diagram: Diagram) -> Drawn:
    labels = {node["id"]: node["label"] for node in diagram.nodes}
    rows = [(labels[e["from"]], labels[e["to"]], e.get("label", "")) for e in diagram.edges]
    try:
        return Drawn(diagram, renderer.render_svg(diagram_dot(diagram)), None, rows)
    except renderer.RenderError as exc:
        return Drawn(diagram, None, exc.reason, rows)
