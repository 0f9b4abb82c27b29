"""Walks a world once to build its whole access graph: the nodes, the principals, then every edge.

Owns the nodes (users, roles, identity providers, services and outside accounts trust policies name,
resources, live sessions), the account clusters and the order of everything. The edges come from
``trust.py`` (assume) and ``reach.py`` (reach); ``near.py`` narrows the work for a focused graph.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import EngineError
from ..world import World
from ..world_model import Identity, Role
from .budget import Meter
from .lifetimes import session_node
from .model import AccessGraph, Cluster, Edge, Node
from .near import Near
from .principals import FEDERATED_ACTIONS, Principal, outside_account, outside_caller, role_identity
from .reach import Reach, ResourceIndex
from .trust import TrustEdges


class Builder:
    """Walks a world once: nodes, principals, then the edges every (principal, role) pair earns."""

    def __init__(self, world: World, parents: Mapping[str, str], meter: Meter | None = None) -> None:
        self.world = world
        self.parents = parents
        self.meter = meter if meter is not None else Meter(None)
        self.now = world.clock.now()
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.clusters: dict[str, Cluster] = {}
        self.principals: list[Principal] = []
        self.index: dict[str, list[int]] = {}
        self.roles: list[tuple[Role, Principal]] = []
        self.resource_allows: dict[str, list] = {}
        self.resource_matches: dict[tuple[str, tuple[str, ...]], bool] = {}  # reach.py: (pattern, probe ARNs) -> match
        self._resource_index: ResourceIndex | None = None
        self.ranks: dict[tuple, dict[str, int]] = {}  # reach.py's probe order, by limiting policies' content
        self.probes: dict[tuple, dict[str, tuple[str, ...]]] = {}  # reach.py's probes, by statements and ranks
        self.trust = TrustEdges(world, self.principals, self.index, self.meter)

    def build(self, near: tuple[str, int] | None = None) -> AccessGraph:
        """The whole graph; with ``near`` = (focus, depth) only the edges of roles within reach of the focus
        in the graph of candidate pairs — a superset of the true neighbourhood, so folding and focusing the
        result give what they would give on the whole graph (``test_reshape.py`` checks it).

        Counts its work on ``meter``, which raises ``OverBudget`` past a limit: the nodes are all made by then
        (``nodes_only`` gives them), the edges not."""
        self.nodes_first()
        resources = self._resources()
        session_edges = self._sessions()
        roles, targets, plans = None, None, {}
        if near is not None:
            finder = Near(self, resources, session_edges)
            roles, targets = finder.roles(*near)
            plans = finder.plans
        for role, _ in self.roles:
            if roles is None or role.arn in roles:
                plan = plans[role.arn] if role.arn in plans else self.trust.plan(role)
                for edge in self.trust.edges(role, plan):
                    self.add_edge(edge)
        for role, principal in self.roles:
            if roles is None or role.arn in roles:
                Reach(self, role, principal, resources).run(targets)
        for edge in session_edges:
            self.add_edge(edge)
        return AccessGraph(self._ordered_nodes(), tuple(self.edges), self._ordered_clusters(), work=self.meter.work())

    def nodes_first(self) -> None:
        """The accounts' entities and the principals trust policies name, as nodes (no evaluation)."""
        for account_id in sorted(self.world.accounts):
            self._account(account_id)
        self._named_principals()

    def nodes_only(self, stopped: str) -> AccessGraph:
        """The graph without its edges, for a build that stopped at limit ``stopped``: every node is made before
        the first counted step, so this is every node but the "any resource" ones reach adds as it goes."""
        nodes = tuple(n for n in self._ordered_nodes() if not n.id.startswith("resource:*:"))
        return AccessGraph(nodes, (), self._ordered_clusters(), work=self.meter.work(stopped))

    def resource_index(self, resources: list[Node]) -> ResourceIndex:
        """The resources looked up by ARN, account and service (made on first use)."""
        if self._resource_index is None:
            self._resource_index = ResourceIndex(self, resources)
        return self._resource_index

    def add_edge(self, edge: Edge) -> None:
        """Adds ``edge``, counted against the budget."""
        self.meter.edged()
        self.edges.append(edge)

    def add_node(self, node: Node) -> Node:
        """Adds (or replaces) ``node``; returns it."""
        self.nodes[node.id] = node
        return node

    def _ordered_nodes(self) -> tuple[Node, ...]:
        """Nodes in the order they were made, the "any resource" nodes (made on demand) last in one order."""
        stars = sorted(n for n in self.nodes if n.startswith("resource:*:"))
        nodes = [n for k, n in self.nodes.items() if not k.startswith("resource:*:")]
        return (*nodes, *(self.nodes[k] for k in stars))

    def _ordered_clusters(self) -> tuple[Cluster, ...]:
        """The world's accounts by id, then the outside accounts by id."""
        return tuple(self.clusters[k] for k in sorted(self.clusters, key=lambda k: (self.clusters[k].external, k)))

    # -- nodes and principals

    def _account(self, account_id: str) -> None:
        account = self.world.accounts[account_id]
        label = f"{account_id} ({account.alias})" if account.alias else account_id
        self.clusters[account_id] = Cluster(account_id, f"account {label}")
        for user in sorted(account.users.values(), key=lambda u: u.name.lower()):
            node = self.add_node(Node(user.arn, "user", user.name, account_id, user.name, user.arn, user.arn))
            ident = self.world.identify(user.arn)
            self._principal(Principal(node, ident, mfa=bool(user.mfa_devices)), user.arn, user.id)
        for role in sorted(account.roles.values(), key=lambda r: r.name.lower()):
            node = self.add_node(Node(role.arn, "role", role.name, account_id, role.name, role.arn, role.arn))
            principal = Principal(node, role_identity(self.world, role), mfa=True)
            self._principal(principal, role.arn, role.id)
            self.roles.append((role, principal))
        for provider in sorted(account.providers.values(), key=lambda p: p.arn):
            self._provider(provider.arn, provider.type, provider.url, tuple(provider.audiences))

    def _provider(self, arn: str, kind: str, url: str, audiences: tuple[str, ...]) -> None:
        node_kind = "oidc_provider" if kind == "oidc" else "saml_provider"
        account = arn.split(":")[4]
        node = self.add_node(Node(arn, node_kind, url, account, url, arn, arn))
        ident = self.world.identify(f"web_identity:{arn}")
        claims_url = url if kind == "oidc" else None
        action = FEDERATED_ACTIONS[node_kind]
        self._principal(Principal(node, ident, action, claims_url=claims_url, audiences=audiences), "fed:" + arn)

    def _principal(self, principal: Principal, *keys: str | None) -> None:
        position = len(self.principals)
        self.principals.append(principal)
        account = principal.node.account
        by_account = principal.node.kind in ("user", "role", "account_root")
        for key in (*keys, f"acct:{account}" if by_account else None):
            if key:
                self.index.setdefault(key, []).append(position)

    def _named_principals(self) -> None:
        """Services and outside accounts that trust policies name become principals too."""
        for role, _ in self.roles:
            trust = role.trust.policy() if role.trust else None
            for statement in trust.statements if trust else ():
                spec = statement.principal
                for service in spec.service if spec else ():
                    self._service(service)
                for entry in spec.aws if spec else ():
                    self._outside(entry)

    def _service(self, name: str) -> None:
        name = name.lower()
        key = "svc:" + name
        if key in self.index:
            return
        try:
            ident = self.world.identify(f"service:{name}")
        except EngineError:
            return
        detail = f"AWS service principal {name}"
        node = self.add_node(Node(f"service:{name}", "service", name, None, name, detail=detail))
        self._principal(Principal(node, ident), key)

    def _outside(self, entry: str) -> None:
        """An account id or root ARN of an account outside the world: its account decides who may come."""
        account = outside_account(entry)
        if account is None or account in self.world.accounts or f"acct:{account}" in self.index:
            return
        self.clusters[account] = Cluster(account, f"account {account} (outside this world)", external=True)
        arn = f"arn:{self.world.partition}:iam::{account}:root"
        detail = f"Principals of account {account}, which is not part of this world"
        node = self.add_node(
            Node(f"account:{account}", "account_root", f"account {account}", account, account, arn, detail)
        )
        caller = outside_caller(arn, account)
        self._principal(Principal(node, Identity(caller), external=True), f"acct:{account}")

    def _outside_role(self, arn: str, account: str) -> None:
        """The role of a session issued in this world by another account (a classmate's): only its ARN,
        in that account's outside box. Nothing else of the account is drawn, as it is not this world's."""
        if account in self.world.accounts:
            return  # a role of the world's own that is gone: its sessions stand alone
        if account not in self.clusters:
            self.clusters[account] = Cluster(account, f"account {account} (outside this world)", external=True)
        name = arn.rsplit("/", 1)[-1]
        detail = f"Role {arn} of account {account}, which is not part of this world"
        self.add_node(Node(arn, "role", name, account, None, arn, detail))

    # -- resources and sessions

    def _resources(self) -> list[Node]:
        found = []
        for account_id in sorted(self.world.accounts):
            for arn in sorted(self.world.accounts[account_id].resources):
                found.append(self.add_node(_resource_node(account_id, arn)))
        return found

    def _sessions(self) -> list[Edge]:
        """Nodes for the live sessions; returns their ``session_of`` and ``chain`` edges."""
        edges = []
        active = {sid: s for sid, s in sorted(self.world.sessions.items()) if s.expires_at > self.now}
        for sid, session in active.items():
            self.add_node(session_node(sid, session, self.now))
            owner = session.role_arn if session.kind == "assumed_role" else session.user_arn
            if owner and owner not in self.nodes and session.kind == "assumed_role":
                self._outside_role(owner, session.account)
            if owner in self.nodes:
                edges.append(Edge(f"session:{sid}", owner, "session_of"))  # type: ignore[arg-type]
        for sid in active:
            parent = self.parents.get(sid)
            if parent in active:
                edges.append(Edge(f"session:{parent}", f"session:{sid}", "chain"))
        return edges


def _resource_node(account_id: str, arn: str) -> Node:
    service = arn.split(":")[2].lower()
    name = arn.split(":", 5)[5] or arn
    return Node(f"resource:{arn}", "resource_group", name, account_id, arn, arn, f"{service} resource {arn}", service)
