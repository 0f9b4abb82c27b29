"""Live sessions on the access graph: their nodes, labelled with the time they have left, and a graph kept from
an earlier instant brought up to date.

Owns the session node's label and tooltip (name, time left, how it was made) and ``at_time``: what a graph
built at one instant shows at a later one of the same world — sessions relabelled, expired ones gone with
their edges — without evaluating anything. So a site may keep a graph and draw lifetimes when it shows it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..world_model import Session
from .model import AccessGraph, Edge, Node


def session_node(sid: str, session: Session, now: datetime) -> Node:
    """A live session at ``now``, labelled with its name and the time it has left."""
    left = int((session.expires_at - now).total_seconds())
    label = f"{session.session_name or sid}\n{duration(left)} left"
    detail = f"{session.arn}, expires in {duration(left)}" + _extras(session)
    return Node(
        f"session:{sid}",
        "session",
        label,
        session.account,
        sid,
        session.arn,
        detail,
        expires_in=left,
        expires_at=session.expires_at,
    )


def duration(seconds: int) -> str:
    """``42 s``, ``5 min`` or ``1 h 30 min``."""
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _extras(session: Session) -> str:
    via = [
        f"by {session.service}" if session.service else "",
        "with MFA" if session.mfa_authenticated else "",
        "chained" if session.chained else "",
        f"via {session.federated_provider}" if session.federated_provider else "",
    ]
    extras = ", ".join(v for v in via if v)
    return f" ({extras})" if extras else ""


def at_time(graph: AccessGraph, now: datetime) -> AccessGraph:
    """``graph`` (built, unreshaped, at an instant no later than ``now``) as a build at ``now`` would give it:
    each live session relabelled with the time it has left, each expired one gone with its edges (and the
    outside role only it stood for). Nothing is evaluated: sessions change no other edge. While no session of
    it has expired, ``graph`` may also be a view cut from one (its sessions are only relabelled)."""
    sessions = [n for n in graph.nodes if n.kind == "session" and n.expires_at is not None]
    if all(n.expires_at > now and n.expires_in == _left(n, now) for n in sessions):  # type: ignore[operator]
        return graph
    gone = {n.id for n in sessions if n.expires_at <= now}  # type: ignore[operator]
    if not gone:  # only the time left changed: any graph, reshaped or not, keeps its shape
        relabelled = tuple(_relabelled(n, now) if n.kind == "session" and n.expires_at else n for n in graph.nodes)
        return replace(graph, nodes=relabelled)
    edges = tuple(e for e in graph.edges if e.source not in gone and e.target not in gone)
    owners = _outside_owners(graph.edges)
    kept_owners = {e.target for e in edges if e.kind == "session_of" and e.target in owners}
    nodes = _ordered(graph.nodes, now, gone, owners, kept_owners, edges)
    accounts = {n.account for n in nodes}
    clusters = tuple(c for c in graph.clusters if not c.external or c.id in accounts)
    return replace(graph, nodes=nodes, edges=edges, clusters=clusters)


def _left(node: Node, now: datetime) -> int:
    return int((node.expires_at - now).total_seconds())  # type: ignore[operator]


def _relabelled(node: Node, now: datetime) -> Node:
    """A session node with the time it has left at ``now`` (its name and how it was made unchanged)."""
    left, was = _left(node, now), duration(node.expires_in or 0)
    name = node.label[: -len(f"\n{was} left")]
    extras = node.detail[len(f"{node.arn}, expires in {was}") :]
    detail = f"{node.arn}, expires in {duration(left)}{extras}"
    return replace(node, label=f"{name}\n{duration(left)} left", detail=detail, expires_in=left)


def _outside_owners(edges: tuple[Edge, ...]) -> set[str]:
    """Roles drawn only because a session of theirs was live: outside roles, which have no name of ours."""
    return {e.target for e in edges if e.kind == "session_of" and e.target.startswith("arn:") and ":role/" in e.target}


def _ordered(
    nodes: tuple[Node, ...], now: datetime, gone: set[str], owners: set[str], kept: set[str], edges: tuple[Edge, ...]
) -> tuple[Node, ...]:
    """The nodes in build order: an outside role comes right after the first live session of it."""
    outside = {n.id for n in nodes if n.id in owners and n.kind == "role" and n.name is None}
    owner_of = {e.source: e.target for e in edges if e.kind == "session_of"}
    by_id = {n.id: n for n in nodes}
    placed: set[str] = set()
    result = []
    for node in nodes:
        if node.id in gone or node.id in outside:
            continue
        if node.kind == "session" and node.expires_at is not None:
            result.append(_relabelled(node, now))
            owner = owner_of.get(node.id)
            if owner in outside and owner in kept and owner not in placed:
                placed.add(owner)  # type: ignore[arg-type]
                result.append(by_id[owner])  # type: ignore[index]
        else:
            result.append(node)
    return tuple(result)
