"""The access graph as data: nodes, edges and account clusters, frozen and in a stable order.

Owns the vocabulary every other module of the package speaks (node and edge kinds, access levels). Building
the graph is ``builder.py``'s; drawing it is ``dot.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Final

from .budget import Work

LEVELS: Final = ("list", "read", "write", "tagging", "permissions-management")  # catalogue access levels


@dataclass(frozen=True, slots=True)
class Node:
    """One box of the diagram.

    ``kind`` is user, role, service, oidc_provider, saml_provider, account_root (an account as a whole:
    one outside the world, or a collapsed one), session or resource_group. ``account`` and ``name`` let
    the site link the node (an entity name, service, provider or resource ARN, session id); ``detail``
    is the tooltip; ``expires_in`` the seconds a session has left when the graph was built and ``expires_at``
    the instant it ends (not part of equality), so a graph kept for later can be brought up to date
    (``lifetimes.at_time``); ``members`` the ids a collapsed node holds.
    """

    id: str
    kind: str
    label: str
    account: str | None = None
    name: str | None = None
    arn: str | None = None
    detail: str = ""
    service: str | None = None
    expires_in: int | None = None
    members: tuple[str, ...] = ()
    expires_at: datetime | None = field(default=None, compare=False)

    def __reduce__(self) -> tuple:
        """Pickled by position: a kept graph reads back a third faster than with dataclasses' default."""
        return (Node, tuple(getattr(self, name) for name in _NODE_FIELDS))


@dataclass(frozen=True, slots=True)
class Edge:
    """One arrow. ``kind`` is ``assume`` (principal → role), ``reach`` (role → resources), ``chain``
    (parent session → session it assumed) or ``session_of`` (session → its role or user).

    An ``assume`` edge is ``allowed`` when STS would issue credentials, given the request keys in
    ``supplied`` (``conditional`` when it needs them: MFA, ExternalId…); otherwise it is dashed, "trusted
    but not permitted", and ``missing`` names the piece that said no. ``conditions`` label the conditions
    of the trust statement that named the principal; ``trusted_as`` says how it named it (``direct``,
    ``role``, ``account``, or ``any`` for ``"*"``); ``external`` marks a caller from outside the world, whose
    own account's policies are unknown; ``access`` holds (service, levels) for ``reach`` — levels from
    ``LEVELS``, or ``admin`` (service ``*``: every action; ``admin except denies`` when a Deny carves some
    out); ``count`` how many edges a folded or collapsed edge stands for.
    """

    source: str
    target: str
    kind: str
    allowed: bool = True
    action: str | None = None
    conditions: tuple[str, ...] = ()
    conditional: bool = False
    supplied: tuple[tuple[str, str], ...] = ()
    missing: str | None = None
    access: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trusted_as: str | None = None
    external: bool = False
    count: int = 1

    @property
    def dashed(self) -> bool:
        """True for "trusted but not permitted" edges."""
        return not self.allowed

    def __reduce__(self) -> tuple:
        """Pickled by position, as ``Node`` is."""
        return (Edge, tuple(getattr(self, name) for name in _EDGE_FIELDS))


_NODE_FIELDS: Final = tuple(f.name for f in fields(Node))
_EDGE_FIELDS: Final = tuple(f.name for f in fields(Edge))


@dataclass(frozen=True, slots=True)
class Cluster:
    """An account drawn as a cluster; ``external`` for accounts a trust policy names outside the world."""

    id: str
    label: str
    external: bool = False


@dataclass(frozen=True, slots=True)
class AccessGraph:
    """Nodes, edges and account clusters, in a stable order (same world, same graph, same DOT).

    ``work`` is what building it took (not part of equality). A graph whose build passed its budget
    (``complete`` False) holds every node but no edge: too large to compute here, let alone draw.
    """

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    focus: str | None = None
    depth: int | None = None
    collapsed: tuple[str, ...] = ()
    work: Work = field(default_factory=Work, compare=False)

    @property
    def complete(self) -> bool:
        """False when the build stopped at its budget (``work.stopped`` says which limit)."""
        return self.work.complete

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        return next((n for n in self.nodes if n.id == node_id), None)
