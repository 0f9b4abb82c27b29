"""The one adapter between the engine's diagrams and the site's renderer (STYLE convention 7).

Builds the engine's access graph of a sandbox (or a decision's flowchart, or a lesson diagram), turns it into
DOT, draws it with ``iamtutor.lib.graphviz`` (cached by the DOT's hash, checked for script and for every
expected node and edge), falls back to a layout without account clusters when Graphviz fails or drops edges,
and always returns the text alternative: one row per edge. No view logic here.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from iamtutor import engine
from iamtutor.engine import Decision, Request, World
from iamtutor.lib import graphviz as renderer
from lessons.diagrams import diagram_dot as lesson_dot
from lessons.models import Diagram

from .models import Sandbox, StsSession
from .worlds import SandboxWorld

# The engine's diagram module is not re-exported by ``iamtutor.engine`` yet: this is the one place it is imported.

LARGE_WORLD = 150  # nodes past which the access graph starts collapsed
# Past these Graphviz takes seconds (issue 5: 1,000 nodes / 1,500 edges in 2–3 s), so only the table is shown.
MAX_DRAWN_NODES, MAX_DRAWN_EDGES = 600, 1000
DEPTHS = (1, 2, 3)
SVG_PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'


@dataclass(frozen=True)
class Drawing:
    """A diagram ready for ``partials/diagram.html``: the SVG (or ``problem``, why there is none), whether the
    simpler layout was used, and the text alternative ``rows`` (``detailed`` rows carry conditions and the
    missing piece). ``dot`` is the source that was drawn, for downloads."""

    key: str
    caption: str
    svg: str | None
    problem: str
    rows: list[dict]
    dot: str
    simplified: bool = False
    detailed: bool = False
    renderer: str = ""
    nodes: int = 0
    collapsed: tuple[str, ...] = field(default_factory=tuple)

    @property
    def data_url(self) -> str | None:
        """The SVG as a ``data:`` URL, for a download link on pages without a download view."""
        if self.svg is None:
            return None
        return "data:image/svg+xml;base64," + base64.b64encode((SVG_PROLOG + self.svg).encode()).decode("ascii")


# ---- the access graph of a sandbox --------------------------------------------------------------------------


def parents_of(sessions: Iterable[StsSession]) -> dict[str, str]:
    """Session id → the session that assumed it (role chaining), from the stored rows without a query."""
    rows = list(sessions)
    by_pk = {row.pk: row.session_id for row in rows}
    return {row.session_id: by_pk[row.parent_id] for row in rows if row.parent_id in by_pk}


def estimated_nodes(world: World) -> int:
    """About how many boxes the access graph of ``world`` draws, counted without building it."""
    now = world.clock.now()
    entities = sum(len(a.users) + len(a.roles) + len(a.providers) + len(a.resources) for a in world.accounts.values())
    return entities + sum(1 for s in world.sessions.values() if s.expires_at > now)


def services(world: World) -> list[str]:
    """The services whose resources the world holds (``s3``, ``dynamodb``…), sorted."""
    return sorted({arn.split(":")[2].lower() for a in world.accounts.values() for arn in a.resources})


def default_collapse(world: World) -> tuple[str, ...]:
    """Nothing for a small world; for a large one every service, and every account when that is not enough."""
    size = estimated_nodes(world)
    if size <= LARGE_WORLD:
        return ()
    resources = sum(len(a.resources) for a in world.accounts.values())
    kinds = tuple(services(world))
    if size - resources + len(kinds) * len(world.accounts) <= LARGE_WORLD:
        return kinds
    return (*sorted(world.accounts), *kinds)


def node_links(sandbox: Sandbox, collapse: Sequence[str] = ()) -> Callable[[object], str | None]:
    """A ``link(node)`` for ``to_dot``: a role or user opens its page, a collapsed node expands, any other
    node becomes the focus of the diagrams page."""
    here = reverse("sandbox:diagrams", args=[sandbox.pk])

    def link(node) -> str | None:
        if node.kind in ("role", "user") and node.account and node.name:
            return reverse(f"sandbox:{node.kind}", args=[sandbox.pk, node.account, node.name])
        if node.members:
            kept = [c for c in collapse if c not in (node.account, node.service)]
            return f"{here}?{urlencode({'collapse': kept, 'depth': 1}, doseq=True)}"
        return f"{here}?{urlencode({'focus': node.id})}"

    return link


def access_drawing(
    loaded: SandboxWorld,
    *,
    focus: str | None = None,
    depth: int = 1,
    collapse: Sequence[str] = (),
    clusters: bool = True,
    link: Callable[[object], str | None] | None = None,
) -> Drawing:
    """The sandbox's access graph drawn: allowed, "trusted but not permitted", reach and sessions.

    Raises the engine's ``ParameterError`` for an unknown focus or bad arguments; rendering never raises.
    """
    found = engine.access_graph(
        loaded.world, focus=focus, depth=depth, collapse=tuple(collapse), parents=parents_of(loaded.sessions)
    )
    title = _("Who can assume what, and what each role can reach")
    dots = [engine.to_dot(found, clusters=clusters, title=title, link=link)]
    if clusters:
        dots.append(engine.to_dot(found, clusters=False, title=title, link=link))
    rows = [_linked(row, found, link) for row in engine.edge_table(found)]
    caption = _access_caption(found, focus)
    if len(found.nodes) > MAX_DRAWN_NODES or len(found.edges) > MAX_DRAWN_EDGES:
        problem = _(
            "This graph has %(nodes)s boxes and %(edges)s arrows, too many to draw in good time. Focus on "
            "one identity, or collapse accounts or services; the table below lists every arrow."
        ) % {"nodes": len(found.nodes), "edges": len(found.edges)}
        return Drawing(
            "access",
            caption,
            None,
            problem,
            rows,
            dots[0],
            detailed=True,
            nodes=len(found.nodes),
            collapsed=found.collapsed,
            renderer=renderer.renderer().name,
        )
    return _draw(
        "access",
        caption,
        dots,
        engine.expected_svg_ids(found),
        rows,
        detailed=True,
        nodes=len(found.nodes),
        collapsed=found.collapsed,
    )


def _linked(row: dict, found, link: Callable[[object], str | None] | None) -> dict:
    """An edge-table row with the URLs its two ends link to (the same as the drawing's)."""
    ends = {key: found.node(row[f"{key}_id"]) for key in ("from", "to")}
    urls = {f"{key}_url": (link(node) if link and node else None) for key, node in ends.items()}
    return {**row, **urls}


def _access_caption(found, focus: str | None) -> str:
    counts = {"nodes": len(found.nodes), "edges": len(found.edges)}
    if focus:
        node = found.node(found.focus or "")
        counts.update(name=node.label.replace("\n", " ") if node else focus, depth=found.depth)
        return (
            _(
                "Access around %(name)s, %(depth)s step(s) deep: %(nodes)s boxes, %(edges)s arrows. Solid arrows "
                "are allowed; dashed arrows are trusted but not permitted."
            )
            % counts
        )
    return (
        _(
            "Access in this sandbox: %(nodes)s boxes, %(edges)s arrows. Solid arrows are allowed; dashed arrows "
            "are trusted but not permitted, and say what is missing."
        )
        % counts
    )


def role_drawing(sandbox: Sandbox, role_arn: str) -> Drawing:
    """One role's neighbourhood (depth 1): who can assume it, what it reaches, its sessions."""
    return access_drawing(SandboxWorld.load(sandbox), focus=role_arn, depth=1, link=node_links(sandbox))


# ---- the decision flowchart and the lesson diagrams ----------------------------------------------------------


def decision_drawing(decision: Decision, request: Request) -> Drawing:
    """AWS's evaluation flowchart with this request's path lit and the deciding statement named."""
    path = ("request", *decision.path)
    words = {"request": _("Request"), **engine.FLOW_NODES}
    rows = [{"from": words.get(a, a), "what": _("then"), "to": words.get(b, b)} for a, b in itertools.pairwise(path)]
    expected = {f"flow-{key}" for key in path} | {f"flow-{a}-{b}" for a, b in itertools.pairwise(path)}
    caption = _(
        "AWS's policy evaluation flowchart: the path this request took is highlighted, and the note names "
        "the statement that decided it."
    )
    return _draw("decision", caption, [engine.decision_dot(decision, request)], expected | {"flow-statement"}, rows)


def lesson_drawing(diagram: Diagram) -> Drawing:
    """A diagram of the lesson content (such as the home page's mental model) drawn by the engine, with its table."""
    expected = engine.diagram_svg_ids(diagram.key, diagram.nodes, diagram.edges)
    rows = [{"from": a, "what": label, "to": b} for a, b, label in engine.diagram_edges(diagram.nodes, diagram.edges)]
    return _draw(diagram.key, diagram.caption or diagram.title, [lesson_dot(diagram)], expected, rows)


# ---- drawing: check, fall back, never fail --------------------------------------------------------------------


def _draw(key: str, caption: str, dots: list[str], expected: Iterable[str], rows: list[dict], **extra) -> Drawing:
    """Draws ``dots[0]``; when Graphviz fails or drops part of it, ``dots[1]`` (the simpler layout) if given."""
    active = renderer.renderer()
    base = {"key": key, "caption": caption, "rows": rows, "renderer": active.name, **extra}
    if not active.available:
        return Drawing(svg=None, problem=active.detail, dot=dots[0], **base)
    expected = frozenset(expected)
    problem = ""
    for position, dot in enumerate(dots):
        try:
            return Drawing(
                svg=renderer.render_checked(dot, expected), problem="", dot=dot, simplified=position > 0, **base
            )
        except renderer.RenderError as err:
            problem = err.reason
            if not _worth_retrying(err):
                break
    return Drawing(svg=None, problem=problem, dot=dots[0], **base)


def _worth_retrying(err: renderer.RenderError) -> bool:
    """Layout trouble ("trouble in init_rank", dropped edges, a crash) may pass without clusters; a timeout or
    script in the output would not."""
    return isinstance(err, renderer.IncompleteDrawing) or "failed" in err.reason


def download(drawing: Drawing, fmt: str) -> bytes:
    """The drawing as a file: the checked SVG, or a PNG from the system's Graphviz. Raises ``RenderError``."""
    if drawing.svg is None:
        raise renderer.RenderError(drawing.problem)
    if fmt == "svg":
        return (SVG_PROLOG + drawing.svg).encode("utf-8")
    return renderer.render(drawing.dot, "png")


def png_available() -> bool:
    """Whether PNG downloads work here (they need the system's Graphviz)."""
    return "png" in renderer.renderer().formats
