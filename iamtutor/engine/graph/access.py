"""``access_graph``: the one entry point that builds a world's access graph and cuts it to what was asked.

Owns the arguments (checked, each error a ``ParameterError``), the order of the steps — build (only near
the focus when there is one), fold, collapse, focus — and what a build past its budget answers: every node,
no edge, and the limit it reached. The steps are ``builder.py`` and ``reshape.py``; the budget ``budget.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Final

from ..errors import ParameterError
from ..world import World
from .budget import Budget, Meter, OverBudget
from .builder import Builder
from .model import AccessGraph
from .principals import ACCOUNT_ID
from .reshape import collapse as collapse_graph
from .reshape import fold as fold_graph
from .reshape import neighbourhood
from .text import short

MAX_DEPTH: Final = 6
DEFAULT_BUDGET: Final = Budget()
_SERVICE_PREFIX: Final = re.compile(r"[a-z0-9-]{1,64}")


def access_graph(
    world: World,
    *,
    focus: str | None = None,
    depth: int = 1,
    collapse: Iterable[str] = (),
    parents: Mapping[str, str] | None = None,
    fold: int | None = 5,
    budget: Budget | None = DEFAULT_BUDGET,
) -> AccessGraph:
    """The access graph of ``world`` at its clock's current instant, with no side effect on the world.

    For each principal (users, sessions of each role, services, identity providers and outside accounts
    that trust policies name) and each role, the trust request is built as STS builds it and evaluated;
    conditions are decided by evaluating again with the keys their labels name. Roles reach resources
    through the access levels ``evaluate`` allows a session of the role. Active sessions hang off their role
    (or user); ``parents`` maps a session id to the session that assumed it. Account root users are left
    out: AWS refuses AssumeRole with root credentials ("Roles may not be assumed by root accounts").

    A role that trusts a whole account would draw a dashed edge from everyone there who lacks permission:
    past ``fold`` such edges for one role, account and missing piece they become one edge from the account
    (never those touching ``focus``; ``fold=None`` keeps them all). ``collapse`` (account ids or service
    prefixes) folds an account or a service's resources into one node; ``focus`` (a node id) keeps the
    nodes within ``depth`` edges of it. Raises ``ParameterError`` for an unknown focus or bad arguments.

    The work is bounded by ``budget`` (None: unbounded): past one of its limits the build stops and the
    result holds every node but no edge, ``complete`` False and ``work.stopped`` naming the limit — never
    partly drawn arrows, which would say less than they seem to.
    """
    targets = _check_arguments(focus, depth, collapse, fold)
    near = (focus, depth) if focus is not None and not targets else None
    builder = Builder(world, parents or {}, Meter(budget))
    try:
        graph = builder.build(near)
    except OverBudget as stop:
        return _stopped(builder.nodes_only(stop.limit), focus, depth, targets)
    return _cut(graph, focus, depth, targets, fold)


def cut_graph(
    graph: AccessGraph,
    *,
    focus: str | None = None,
    depth: int = 1,
    collapse: Iterable[str] = (),
    fold: int | None = 5,
) -> AccessGraph:
    """The view ``access_graph(world, focus=…, depth=…, collapse=…, fold=…)`` gives, cut from ``graph``, the
    whole graph of the same world built with ``fold=None`` (and neither focus nor collapse): equal to it
    (``test_access.py`` checks it), and nothing evaluated. So one whole graph, kept, serves every view.

    A ``graph`` whose build stopped at its budget stays nodes-only, as ``access_graph`` would answer.
    Raises ``ParameterError`` for an unknown focus or bad arguments.
    """
    targets = _check_arguments(focus, depth, collapse, fold)
    if not graph.complete:
        return _stopped(graph, focus, depth, targets)
    return _cut(graph, focus, depth, targets, fold)


def _cut(graph: AccessGraph, focus: str | None, depth: int, targets: tuple[str, ...], fold: int | None) -> AccessGraph:
    if fold is not None:
        graph = fold_graph(graph, fold, focus)
    if targets:
        graph = collapse_graph(graph, targets)
    if focus is not None:
        graph = neighbourhood(graph, focus, depth)
    return graph


def _stopped(graph: AccessGraph, focus: str | None, depth: int, targets: tuple[str, ...]) -> AccessGraph:
    """The nodes-only graph of a stopped build, saying what was asked; an unknown focus is still an error."""
    if focus is not None and graph.node(focus) is None:
        raise ParameterError(f"There is no node {short(focus, 200)} in this diagram.")
    return replace(graph, focus=focus, depth=depth if focus is not None else None, collapsed=targets)


def _check_arguments(focus: object, depth: object, collapse: object, fold: object) -> tuple[str, ...]:
    """The collapse targets, without repeats; raises ``ParameterError`` naming the first bad argument."""
    if focus is not None and not isinstance(focus, str):
        raise ParameterError("focus must be a node id.")
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH:
        raise ParameterError(f"depth must be a whole number from 0 to {MAX_DEPTH}.")
    items = (collapse,) if isinstance(collapse, str) else tuple(collapse)  # type: ignore[arg-type]
    for item in items:
        if not isinstance(item, str) or not (ACCOUNT_ID.fullmatch(item) or _SERVICE_PREFIX.fullmatch(item)):
            raise ParameterError("collapse takes account ids (111111111111) and service prefixes (s3).")
    if fold is not None and (isinstance(fold, bool) or not isinstance(fold, int) or fold < 0):
        raise ParameterError("fold must be a whole number of 0 or more, or None.")
    return tuple(dict.fromkeys(items))
