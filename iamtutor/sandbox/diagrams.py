"""The one adapter between the engine's diagrams and the site's renderer (STYLE convention 7).

Builds the engine's access graph of a sandbox (or a decision's flowchart, or a lesson diagram), turns it into
DOT, draws it with ``iamtutor.lib.graphviz`` (cached by the DOT's hash, checked for script and for every
expected node and edge), falls back to a layout without account clusters when Graphviz fails or drops edges,
and always returns the text alternative: one row per edge. No view logic here.

Every request's work is bounded: the graph is built within ``BUDGET`` and kept in the cache per sandbox and
revision (``graph_cache.py``), so an unchanged sandbox costs no graph work and lifetimes are brought up to
date when it is drawn. A graph past its budget, or too large to draw or list, is answered with counts — of
what the sandbox holds, or of its arrows by account and kind — and the way to a smaller view: one role.
DOT and SVG past a size are not drawn either.
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
from iamtutor.engine import AccessGraph, Decision, Request, Work, World
from iamtutor.lib import graphviz as renderer
from lessons.diagrams import diagram_dot as lesson_dot
from lessons.models import Diagram

from . import graph_cache
from .models import Sandbox, StsSession
from .worlds import SandboxWorld

LARGE_WORLD = 150  # nodes past which the access graph starts collapsed
# Past these Graphviz takes seconds (issue 5: 1,000 nodes / 1,500 edges in 2–3 s), so only the table is shown.
MAX_DRAWN_NODES, MAX_DRAWN_EDGES = 600, 1000
MAX_TABLE_ROWS = 1000  # past this the arrows are counted by account and kind instead of listed
MAX_DOT_BYTES = 512 * 1024  # a DOT source this long is not sent to Graphviz
MAX_SVG_BYTES = 2 * 1024 * 1024  # nor is a drawing this large sent to the browser
# The work one request's access graph may take (``iamtutor.engine.graph.budget``): the engine's counts, and a
# wall-clock cap behind them for a machine too loaded for the counts alone to bound the time.
BUDGET = engine.Budget(seconds=1.5)
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
    work: Work = field(default_factory=Work)  # the graph work this request did (none when it came from the cache)
    summary: list[dict] = field(default_factory=list)  # counts shown instead of rows when there are too many
    summary_kind: str = ""  # "nodes" (the graph is past its budget) or "edges" (too many arrows to list)
    edges: int = 0

    @property
    def too_large(self) -> bool:
        """True when the page shows counts and asks for a smaller view instead of the arrows."""
        return bool(self.summary_kind)

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

    Within ``BUDGET`` and from the cache when it can; past the budget, or too large to draw or list, the
    counts instead (``Drawing.summary``). Raises the engine's ``ParameterError`` for an unknown focus or bad
    arguments; rendering never raises.
    """
    parents = parents_of(loaded.sessions)
    found, work = graph_cache.view(loaded, parents, focus=focus, depth=depth, collapse=tuple(collapse), budget=BUDGET)
    title = _("Who can assume what, and what each role can reach")
    caption = _access_caption(found, focus)
    base = {"nodes": len(found.nodes), "edges": len(found.edges), "collapsed": found.collapsed, "work": work}
    if not found.complete:
        return _too_large(found, caption, _too_much_work(found), "nodes", base)
    drawable = len(found.nodes) <= MAX_DRAWN_NODES and len(found.edges) <= MAX_DRAWN_EDGES
    if not drawable and len(found.edges) > MAX_TABLE_ROWS:
        return _too_large(found, caption, _too_many(found), "edges", base)
    rows = _rows(found, link)
    dots = [engine.to_dot(found, clusters=clusters, title=title, link=link)] if drawable else []
    if dots and clusters:
        dots.append(engine.to_dot(found, clusters=False, title=title, link=link))
    if not drawable or len(dots[0]) > MAX_DOT_BYTES:
        dot = dots[0] if dots else ""
        problem = _too_many(found)
        return Drawing(
            "access", caption, None, problem, rows, dot, detailed=True, renderer=renderer.renderer().name, **base
        )
    return _draw("access", caption, dots, engine.expected_svg_ids(found), rows, detailed=True, **base)


def _too_large(found: AccessGraph, caption: str, problem: str, kind: str, base: dict) -> Drawing:
    """Counts instead of arrows: of what the sandbox holds (``nodes``), or of the arrows (``edges``)."""
    summary = engine.node_summary(found) if kind == "nodes" else engine.edge_summary(found)
    active = renderer.renderer().name
    return Drawing(
        "access",
        caption,
        None,
        problem,
        [],
        "",
        detailed=True,
        renderer=active,
        summary=summary,
        summary_kind=kind,
        **base,
    )


def _too_much_work(found: AccessGraph) -> str:
    """Why the arrows were not worked out: the limit of the budget the graph reached, in words."""
    reached = {
        "evaluations": _("more than %(n)s policy evaluations") % {"n": f"{BUDGET.evaluations:,}"},
        "pairs": _("more than %(n)s pairs to check") % {"n": f"{BUDGET.pairs:,}"},
        "edges": _("more than %(n)s arrows") % {"n": f"{BUDGET.edges:,}"},
    }.get(found.work.stopped or "", _("more than %(n)s seconds of work") % {"n": BUDGET.seconds})
    if found.focus:
        return _(
            "There is too much around this one to work out here (%(reached)s), so its arrows are not drawn and "
            "the table counts what the sandbox holds instead. A depth of 1, or another role, may be small enough."
        ) % {"reached": reached}
    return _(
        "This sandbox is too large to work out every arrow here (%(reached)s), so the table below counts what it "
        "holds instead. Too large to draw: focus on one role to see its arrows."
    ) % {"reached": reached}


def _too_many(found: AccessGraph) -> str:
    return _(
        "This graph has %(nodes)s boxes and %(edges)s arrows, too many to draw in good time. Focus on one identity, "
        "or collapse accounts or services."
    ) % {"nodes": f"{len(found.nodes):,}", "edges": f"{len(found.edges):,}"}


def _rows(found: AccessGraph, link: Callable[[object], str | None] | None) -> list[dict]:
    """The edge table with the URLs each row's two ends link to (the same as the drawing's)."""
    nodes = {n.id: n for n in found.nodes}
    return [_linked(row, nodes, link) for row in engine.edge_table(found)]


def _linked(row: dict, nodes: dict, link: Callable[[object], str | None] | None) -> dict:
    """An edge-table row with the URLs its two ends link to (the same as the drawing's)."""
    ends = {key: nodes.get(row[f"{key}_id"]) for key in ("from", "to")}
    urls = {f"{key}_url": (link(node) if link and node else None) for key, node in ends.items()}
    return {**row, **urls}


def _access_caption(found: AccessGraph, focus: str | None) -> str:
    counts = {"nodes": len(found.nodes), "edges": len(found.edges)}
    if not found.complete:
        return _("What this sandbox holds: %(nodes)s boxes; the arrows between them were not worked out.") % counts
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
    """One role's neighbourhood (depth 1): who can assume it, what it reaches, its sessions; bounded and cached
    as the whole page's graph is."""
    return access_drawing(SandboxWorld.load(sandbox), focus=role_arn, depth=1, link=node_links(sandbox))


def role_choices(world: World) -> list:
    """The roles to focus on when a graph is too large, grouped by account (a ``<select>``'s choices)."""
    groups = []
    for account in world.accounts.values():
        roles = sorted(account.roles.values(), key=lambda r: r.name.lower())
        if roles:
            label = f"{_('account')} {account.id} {account.alias or ''}".strip()
            groups.append((label, [(r.arn, r.name) for r in roles]))
    return groups


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
            svg = renderer.render_checked(dot, expected)
        except renderer.RenderError as err:
            problem = err.reason
            if not _worth_retrying(err):
                break
        else:
            if len(svg) > MAX_SVG_BYTES:  # never send a page a drawing this large; the table says the same
                problem = _("The drawing would be %(size)s MB, too large to show; the table below says the same.") % {
                    "size": f"{len(svg) / 1_000_000:.1f}"
                }
                break
            return Drawing(svg=svg, problem="", dot=dot, simplified=position > 0, **base)
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
