"""Making a big access graph readable: folding, collapsing and focusing a built graph.

Owns the three cuts ``access_graph`` applies after building: many dashed edges from one account folded
into one, an account or a service's resources collapsed into one node, and the neighbourhood of a focus.
Each returns a new ``AccessGraph``; none evaluates anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..errors import ParameterError
from .model import LEVELS, AccessGraph, Edge, Node
from .text import short

type _FoldKey = tuple[str, str | None, str | None]  # (role, account of the principals, missing piece)


# ---- fold ---------------------------------------------------------------------------------------------------


def fold(graph: AccessGraph, limit: int, keep: str | None) -> AccessGraph:
    """Dashed edges of principals a role trusts only through their account, past ``limit`` per (role, account,
    missing piece), become one edge from the account's node (edges touching ``keep`` stay)."""
    groups = _fold_groups(graph, keep)
    folded = {i: key for key, members in groups.items() if len(members) > limit for i in members}
    if not folded:
        return graph
    nodes = {n.id: n for n in graph.nodes}
    edges: dict[object, Edge | list[Edge]] = {}
    for i, edge in enumerate(graph.edges):
        key = folded.get(i)
        if key is None:
            edges[i] = edge
        else:
            if f"account:{key[1]}" not in nodes:
                nodes[f"account:{key[1]}"] = _account_node(key[1] or "", graph)
            edges.setdefault(key, []).append(edge)  # type: ignore[union-attr]
    merged = [
        e if isinstance(e, Edge) else _combine(e, source=f"account:{k[1]}")  # type: ignore[index]
        for k, e in edges.items()
    ]
    return replace(graph, nodes=tuple(nodes.values()), edges=tuple(merged))


def _fold_groups(graph: AccessGraph, keep: str | None) -> dict[_FoldKey, list[int]]:
    """The positions of the foldable edges (dashed, trusted through the account, not touching ``keep``)."""
    accounts = {n.id: n.account for n in graph.nodes}
    groups: dict[_FoldKey, list[int]] = {}
    for i, edge in enumerate(graph.edges):
        if (
            edge.kind == "assume"
            and edge.dashed
            and edge.trusted_as == "account"
            and keep not in (edge.source, edge.target)
        ):
            groups.setdefault((edge.target, accounts.get(edge.source), edge.missing), []).append(i)
    return groups


def _account_node(account: str, graph: AccessGraph) -> Node:
    cluster = next((c for c in graph.clusters if c.id == account), None)
    return Node(
        f"account:{account}",
        "account_root",
        cluster.label if cluster else f"account {account}",
        account,
        account,
        None,
        f"Principals of account {account} that a trust policy names through the account",
    )


# ---- collapse -----------------------------------------------------------------------------------------------


def collapse(graph: AccessGraph, targets: tuple[str, ...]) -> AccessGraph:
    """Folds each account in ``targets`` into one node, and each service's resources (per account) into one."""
    group: dict[str, str] = {}
    members: dict[str, list[Node]] = {}
    for node in graph.nodes:
        key = _group_key(node, targets)
        if key is not None:
            group[node.id] = key
            members.setdefault(key, []).append(node)
    nodes: dict[str, Node] = {}
    for node in graph.nodes:
        key = group.get(node.id)
        if key is None:
            nodes[node.id] = node
        elif key not in nodes:
            nodes[key] = _group_node(key, members[key], graph)
    return replace(graph, nodes=tuple(nodes.values()), edges=_merge_edges(graph.edges, group), collapsed=targets)


def _group_key(node: Node, targets: tuple[str, ...]) -> str | None:
    """The collapsed node ``node`` goes into, or None when it stays as it is."""
    if node.account in targets:
        return f"account:{node.account}"
    if node.kind == "resource_group" and node.service in targets:
        return f"resources:{node.account}:{node.service}"
    return None


def _group_node(key: str, members: list[Node], graph: AccessGraph) -> Node:
    account = members[0].account
    ids = tuple(m.id for m in members)
    if key.startswith("resources:"):
        service = members[0].service
        return Node(
            key,
            "resource_group",
            f"{service}: {len(members)} resources",
            account,
            service,
            None,
            f"{len(members)} {service} resources (collapsed)",
            service=service,
            members=ids,
        )
    counts: dict[str, int] = {}
    for member in members:
        counts[member.kind] = counts.get(member.kind, 0) + 1
    summary = ", ".join(f"{n} {kind.replace('_', ' ')}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items()))
    return replace(_account_node(account or "", graph), detail=f"{summary} (collapsed)", members=ids)


def _merge_edges(edges: tuple[Edge, ...], group: dict[str, str]) -> tuple[Edge, ...]:
    merged: dict[tuple[str, str, str, bool], list[Edge]] = {}
    for edge in edges:
        source, target = group.get(edge.source, edge.source), group.get(edge.target, edge.target)
        if source != target:  # an edge inside a collapsed node disappears with it
            merged.setdefault((source, target, edge.kind, edge.allowed), []).append(edge)
    return tuple(_combine(members, source=key[0], target=key[1]) for key, members in merged.items())


def _combine(edges: list[Edge], *, source: str, target: str | None = None) -> Edge:
    """One edge standing for ``edges`` (same kind and outcome) between ``source`` and ``target``."""
    first = edges[0]
    if len(edges) == 1:
        return replace(first, source=source, target=target or first.target)
    access: dict[str, list[str]] = {}
    for service, levels in (a for e in edges for a in e.access):
        access.setdefault(service, []).extend(levels)
    missing = "; ".join(dict.fromkeys(e.missing for e in edges if e.missing)) or None
    return replace(
        first,
        source=source,
        target=target or first.target,
        supplied=(),
        action=None,
        conditions=tuple(dict.fromkeys(c for e in edges for c in e.conditions)),
        conditional=all(e.conditional for e in edges),
        missing=missing,
        count=sum(e.count for e in edges),
        access=tuple((s, _ordered_levels(v)) for s, v in access.items()),
    )


def _ordered_levels(levels: Iterable[str]) -> tuple[str, ...]:
    found = set(levels)
    if "admin" in found:
        return ("admin",)
    return tuple(level for level in (*LEVELS, "admin except denies") if level in found)


# ---- focus --------------------------------------------------------------------------------------------------


def neighbourhood(graph: AccessGraph, focus: str, depth: int) -> AccessGraph:
    """The nodes within ``depth`` edges of ``focus`` (either direction) and the edges between them."""
    start = focus if graph.node(focus) else next((n.id for n in graph.nodes if focus in n.members), None)
    if start is None:
        raise ParameterError(f"There is no node {short(focus, 200)} in this diagram.")
    seen = _within(graph, start, depth)
    nodes = tuple(n for n in graph.nodes if n.id in seen)
    edges = tuple(e for e in graph.edges if e.source in seen and e.target in seen)
    accounts = {n.account for n in nodes}
    clusters = tuple(c for c in graph.clusters if c.id in accounts)
    return replace(graph, nodes=nodes, edges=edges, clusters=clusters, focus=start, depth=depth)


def _within(graph: AccessGraph, start: str, depth: int) -> set[str]:
    """The ids of the nodes at most ``depth`` edges from ``start``, either direction."""
    neighbours: dict[str, set[str]] = {}
    for edge in graph.edges:
        neighbours.setdefault(edge.source, set()).add(edge.target)
        neighbours.setdefault(edge.target, set()).add(edge.source)
    seen, frontier = {start}, {start}
    for _ in range(depth):
        frontier = {n for f in frontier for n in neighbours.get(f, ())} - seen
        seen |= frontier
    return seen
