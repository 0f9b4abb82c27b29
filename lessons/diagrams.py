"""The lessons' diagrams: the nodes and edges of ``diagrams.yaml`` (stored as ``Diagram`` rows) drawn by the
engine's generic ``diagram_dot`` and ``iamtutor.lib.graphviz``, each with its table. The content says what a
diagram shows; this module only adds the colours and finds the one the home page draws."""

from __future__ import annotations

from dataclasses import dataclass

from iamtutor import engine
from iamtutor.lib import graphviz as renderer

from . import modes
from .models import Diagram

MENTAL_MODEL = "mental-model"  # the diagram the home page draws

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
    """DOT source for ``diagram``, by the engine: every label escaped, every element id unique to the diagram."""
    return engine.diagram_dot(diagram.key, diagram.nodes, diagram.edges, direction=diagram.direction, fills=KIND_FILL)


def stored(key: str) -> Diagram | None:
    """The loaded diagram ``key`` in the current language, or None before ``load_lessons`` has run."""
    return Diagram.objects.filter(language=modes.language(), key=key).first()


@dataclass(frozen=True)
class Drawn:
    """A diagram with its SVG (or the reason there is none) and its edges as rows for the text table."""

    diagram: Diagram
    svg: str | None
    problem: str | None
    rows: list[tuple[str, str, str]]


def draw(diagram: Diagram) -> Drawn:
    rows = engine.diagram_edges(diagram.nodes, diagram.edges)
    try:
        return Drawn(diagram, renderer.render_svg(diagram_dot(diagram)), None, rows)
    except renderer.RenderError as exc:
        return Drawn(diagram, None, exc.reason, rows)
