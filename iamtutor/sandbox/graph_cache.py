"""Sandboxes' access graphs kept in the cache, so an unchanged sandbox costs no graph work.

Owns the entries. The whole graph of a sandbox (built unfolded, within the budget) is kept per sandbox,
revision and organization (a classroom's SCPs change without the sandbox's revision), with the sandbox-clock
instant it was built at. It serves later instants too: live sessions are brought up to date and expired ones
dropped as it is cut into the view asked for (the engine's ``at_time`` and ``cut_graph``, which evaluate
nothing) — unless a policy it evaluated reads the clock, when it serves only ``CLOCK_WINDOW``. Each view cut
from it is kept as well, so a repeated view reads a small entry: it is only relabelled while none of its
sessions has expired, and cut afresh from the whole graph once one has. A whole graph
past its budget is kept as well (nodes only), so a large sandbox does not spend its budget on every view; a
focused view of it is then built on its own and kept per view and clock minute. Every entry lives at most
``GRAPH_SECONDS`` and none larger than ``MAX_ENTRY_BYTES`` once compressed is kept.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.core.cache import cache

from iamtutor import engine
from iamtutor.engine import AccessGraph, Budget, Work, World

from .worlds import SandboxWorld

GRAPH_SECONDS = 600  # an entry's lifetime in the cache
STOPPED_ON_TIME_SECONDS = 60  # a build stopped by the time cap may finish on a quieter machine: retried sooner
CLOCK_WINDOW = timedelta(seconds=60)  # how long a graph whose answers read the clock stays good
MAX_ENTRY_BYTES = 512 * 1024  # compressed; larger graphs are built again rather than kept
VERSION = 1  # bump when the engine's graph classes change shape, so old entries are never read

logger = logging.getLogger(__name__)


def view(
    loaded: SandboxWorld,
    parents: Mapping[str, str],
    *,
    focus: str | None,
    depth: int,
    collapse: tuple[str, ...],
    budget: Budget,
) -> tuple[AccessGraph, Work]:
    """(the view of the sandbox's access graph asked for, the graph work this call did — none on a cache hit).

    The call's work stays within ``budget`` in all: a focused view of a sandbox whose whole graph is not kept
    yet tries the whole graph with half of it, then (if that stops) its own neighbourhood with the rest.
    Raises the engine's ``ParameterError`` for an unknown focus or bad arguments.
    """
    started = time.monotonic()
    now = loaded.world.clock.now()
    asked = (focus, depth, collapse)
    view_key = _key(loaded, "view:" + hashlib.sha256(repr(asked).encode()).hexdigest())
    entry = _get(view_key)
    if entry is not None and _holds(entry, now) and _all_live(entry["graph"], now):
        return engine.at_time(entry["graph"], now), Work()
    share = budget if focus is None else _half(budget)
    whole, work, built_at = _whole(loaded, parents, now, share, full=budget)
    whole = engine.at_time(whole, now)
    if whole.complete or focus is None:
        cut = engine.cut_graph(whole, focus=focus, depth=depth, collapse=collapse)
        if cut.complete:
            _put(view_key, {"graph": cut, "built_at": built_at})
        return cut, work
    rest = _rest(budget, work, time.monotonic() - started)
    near, more = _focused(loaded, parents, now, rest, (focus, depth, collapse), full=budget)
    return near, _plus(work, more)


def _whole(
    loaded: SandboxWorld, parents: Mapping[str, str], now: datetime, budget: Budget, *, full: Budget
) -> tuple[AccessGraph, Work, datetime]:
    """The whole graph, kept or built within ``budget``. A kept graph that stopped at a smaller budget than
    ``full`` (tried by a focused view) is built again when the whole is asked for with the full budget."""
    key = _key(loaded, "whole")
    entry = _get(key)
    if entry is not None and _holds(entry, now):
        graph = entry["graph"]
        if graph.complete or budget != full or entry.get("budget") == full:
            return graph, Work(), entry["built_at"]
    graph = engine.access_graph(loaded.world, fold=None, parents=parents, budget=budget)
    _put(key, {"graph": graph, "built_at": now, "budget": budget})
    return graph, graph.work, now


def _focused(
    loaded: SandboxWorld, parents: Mapping[str, str], now: datetime, budget: Budget, asked: tuple, *, full: Budget
) -> tuple[AccessGraph, Work]:
    """A focused view of a sandbox too large for its whole graph, built on its own (only what is near the
    focus is worked out) and kept per view and clock minute, since its lifetimes are not brought up to date.
    A view stopped by a budget smaller than the whole one is not kept: the next request has it all."""
    minute = int(now.timestamp() // 60)
    key = _key(loaded, "near:" + hashlib.sha256(repr((*asked, minute)).encode()).hexdigest())
    entry = _get(key)
    if entry is not None:
        return entry["graph"], Work()
    focus, depth, collapse = asked
    graph = engine.access_graph(
        loaded.world, focus=focus, depth=depth, collapse=collapse, parents=parents, budget=budget
    )
    if graph.complete or budget == full:
        _put(key, {"graph": graph, "built_at": now, "budget": budget})
    return graph, graph.work


def _all_live(graph: AccessGraph, now: datetime) -> bool:
    """Whether every session a kept view shows is still live: then bringing it to ``now`` is a relabelling."""
    return all(n.expires_at > now for n in graph.nodes if n.kind == "session" and n.expires_at is not None)


def _half(budget: Budget) -> Budget:
    seconds = budget.seconds / 2 if budget.seconds is not None else None
    return Budget(budget.evaluations // 2, budget.pairs // 2, budget.edges // 2, seconds)


def _rest(budget: Budget, spent: Work, seconds: float) -> Budget:
    """What is left of ``budget`` after ``spent`` (and ``seconds``)."""
    return Budget(
        max(budget.evaluations - spent.evaluations, 0),
        max(budget.pairs - spent.pairs, 0),
        max(budget.edges - spent.edges, 0),
        max(budget.seconds - seconds, 0.0) if budget.seconds is not None else None,
    )


def _holds(entry: dict, now: datetime) -> bool:
    """Whether a kept whole graph still describes the world at ``now`` (the revision is in the key)."""
    built = entry["built_at"]
    if now < built:  # the clock went back (a reset fast-forward): sessions gone since may be live again
        return False
    return not entry["graph"].work.clock or now - built < CLOCK_WINDOW


def _key(loaded: SandboxWorld, what: str) -> str:
    sandbox = loaded.sandbox
    return f"graph:v{VERSION}:{sandbox.pk}:{sandbox.revision}:{_organization(loaded.world)}:{what}"


def _organization(world: World) -> str:
    """A digest of the world's organization (a classroom's, changed by its instructor), or ``-``."""
    org = world.organization
    if org is None:
        return "-"
    policies = [(p.name, tuple(p.targets), repr(p.document.source())) for p in (*org.scps, *org.rcps)]
    units = [(u.id, u.name, u.parent, tuple(u.accounts)) for u in org.ous]
    members = tuple(org.members) if org.members is not None else None
    parts = (org.id, org.management_account, org.root_id, units, policies, len(org.scps), members)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _get(key: str) -> dict | None:
    data = cache.get(key)
    if not isinstance(data, bytes):
        return None
    try:
        entry = pickle.loads(zlib.decompress(data))  # noqa: S301 — our own cache entries, written by _put
    except Exception:  # an entry from an older release or a damaged one: build again
        logger.warning("Dropping an unreadable access-graph cache entry %s", key)
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("graph"), AccessGraph) else None


def _put(key: str, entry: dict) -> None:
    data = zlib.compress(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), 1)
    if len(data) > MAX_ENTRY_BYTES:
        return
    stopped_on_time = entry["graph"].work.stopped == "time"
    cache.set(key, data, timeout=STOPPED_ON_TIME_SECONDS if stopped_on_time else GRAPH_SECONDS)


def _plus(a: Work, b: Work) -> Work:
    return Work(a.evaluations + b.evaluations, a.pairs + b.pairs, a.edges + b.edges, b.stopped, a.clock or b.clock)
