"""The lessons' diagrams drawn for a page: the hand-drawn mental model (nodes and edges of ``diagrams.yaml``,
through the engine's generic ``diagram_dot``), and each build-up step's diagram, computed from its scenario
by the engine (``step_diagrams.py``) — each with its text alternative.

Graphviz renders the DOT (``iamtutor.lib.graphviz``, which checks the SVG holds no script and every expected
node and edge); every SVG id is then given the diagram's key as a prefix, so several diagrams share a page.
A drawing is kept in the disposable ``renders`` cache, keyed by a digest of everything it is drawn from (the
row, the renderer and the drawing code), so it is worked out once per content version and lives at most
``rendered.FRAGMENT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from pathlib import Path

from django.core.cache import caches

from iamtutor import engine
from iamtutor.lib import graphviz as renderer

from . import modes, rendered, step_diagrams
from .models import Diagram

MENTAL_MODEL = "mental-model"  # the diagram the home page draws
# The code a drawing depends on: a release that changes any of it draws anew instead of serving old drawings.
DRAWING_CODE = (
    Path(__file__).with_name("diagrams.py"),
    Path(__file__).with_name("step_diagrams.py"),
    Path(__file__).with_name("sequence_svg.py"),
    *sorted(Path(engine.__file__).with_name("graph").glob("*.py")),
)
MAX_SVG_BYTES = 200 * 1024  # a larger drawing is not sent; the text alternative says the same

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
_SVG_ID = re.compile(r'(\sid=")([^"]*)(")')


def diagram_dot(diagram: Diagram) -> str:
    """DOT source for a hand-drawn ``diagram``, by the engine: every label escaped, every id unique to it."""
    return engine.diagram_dot(diagram.key, diagram.nodes, diagram.edges, direction=diagram.direction, fills=KIND_FILL)


def stored(key: str) -> Diagram | None:
    """The loaded diagram ``key`` in the current language, or None before ``load_lessons`` has run."""
    return Diagram.objects.filter(language=modes.language(), key=key).first()


@dataclass(frozen=True)
class Drawn:
    """A diagram with its SVG (or the reason there is none) and its text alternative: ``boxes`` (every box in
    words) and ``rows`` (every arrow as from, to, what); ``ordered`` when the rows are steps in time."""

    diagram: Diagram
    svg: str | None
    problem: str | None
    rows: list[tuple[str, str, str]]
    boxes: list[str] = field(default_factory=list)
    ordered: bool = False


def draw(diagram: Diagram) -> Drawn:
    """``diagram`` drawn, from the render cache when it was drawn before from the same content."""
    key = _cache_key(diagram)
    kept = caches["renders"].get(key)
    if not isinstance(kept, dict):
        kept = _drawing(diagram)
        caches["renders"].set(key, kept, timeout=rendered.FRAGMENT_SECONDS)
    return Drawn(diagram, **kept)


def draw_all(diagrams: list[Diagram]) -> list[Drawn]:
    return [draw(diagram) for diagram in diagrams]


def _drawing(diagram: Diagram) -> dict:
    """What ``Drawn`` holds besides the row: the SVG or the problem, and the text alternative."""
    if not diagram.kind:
        nodes = [f"{node['label']}" for node in diagram.nodes]
        rows = [tuple(row) for row in engine.diagram_edges(diagram.nodes, diagram.edges)]
        expected = engine.diagram_svg_ids(diagram.key, diagram.nodes, diagram.edges)
        return _rendered(diagram.key, diagram_dot(diagram), expected) | {"rows": rows, "boxes": nodes}
    try:
        picture = step_diagrams.picture(diagram.key, diagram.title, diagram.kind, diagram.scenario or {}, diagram.spec)
    except step_diagrams.DiagramProblem as problem:  # load_lessons refuses these; a stale row must not break a page
        return {"svg": None, "problem": problem.message, "rows": [], "boxes": []}
    text = {"rows": picture.rows, "boxes": picture.boxes, "ordered": picture.ordered}
    if picture.svg:
        return {"svg": picture.svg, "problem": None} | text
    return _rendered(diagram.key, picture.dot, picture.expected) | text


def _rendered(key: str, dot: str, expected: frozenset[str]) -> dict:
    try:
        svg = renderer.render_checked(dot, expected)
    except renderer.RenderError as err:
        return {"svg": None, "problem": err.reason}
    if len(svg) > MAX_SVG_BYTES:
        return {"svg": None, "problem": "The drawing is too large to show here; its text version says the same."}
    return {"svg": scoped(svg, key), "problem": None}


def scoped(svg: str, key: str) -> str:
    """``svg`` with every element id prefixed by ``<key>-`` (unless it already is), so that two drawings of the
    engine — which name their parts alike, such as ``e-0`` — can share a page."""
    prefix = f"{key}-"
    return _SVG_ID.sub(lambda m: m[0] if unescape(m[2]).startswith(prefix) else f"{m[1]}{prefix}{m[2]}{m[3]}", svg)


@cache
def code_digest() -> str:
    """The digest of ``DRAWING_CODE``, read once per process."""
    digest = hashlib.sha256()
    for path in DRAWING_CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_key(diagram: Diagram) -> str:
    """A key that changes with anything the drawing depends on: the row's content, the renderer, this code."""
    content = [diagram.language, diagram.key, diagram.title, diagram.direction, diagram.nodes, diagram.edges]
    content += [diagram.kind, diagram.scenario, diagram.spec, renderer.renderer().name, code_digest()]
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"lessons:diagram:{digest}"


def for_page() -> list[Diagram]:
    """The current language's diagrams with their lessons (one query): the mental model, then by step."""
    rows = Diagram.objects.filter(language=modes.language()).select_related("lesson")
    return sorted(rows, key=lambda d: (d.lesson.step if d.lesson and d.lesson.step else 0, d.order))


@dataclass(frozen=True)
class Section:
    """The diagrams of one build-up step (``lesson`` None: those of no step, such as the mental model)."""

    lesson: object
    drawn: list[Drawn]

    @property
    def anchor(self) -> str:
        """The section's id on the page: ``visual-step-<n>``, or ``visual-overview``."""
        step = getattr(self.lesson, "step", None)
        return f"visual-step-{step}" if step else f"visual-{getattr(self.lesson, 'slug', 'overview')}"


def sections(drawn: list[Drawn]) -> list[Section]:
    """``drawn`` grouped by lesson, in order."""
    found: dict[int | None, Section] = {}
    for item in drawn:
        lesson = item.diagram.lesson if item.diagram.lesson_id else None
        found.setdefault(lesson.pk if lesson else None, Section(lesson, [])).drawn.append(item)
    return list(found.values())
