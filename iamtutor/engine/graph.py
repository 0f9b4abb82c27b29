"""Access diagrams: who can assume which role, what each role can reach, and why one request was decided.

Owns the access graph of a world — every edge decided by ``evaluate`` on requests built by
``World.build_request`` as STS builds them, never by reading policy JSON for the answer — its DOT text (built
with the ``graphviz`` package, every label escaped), the evaluation flowchart of one decision, the lesson
diagrams, and the text alternative of each. Rendering DOT to SVG, caching and pages are the site's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Final

import graphviz

from .conditions import make_context
from .data import access_level, expand_action_pattern
from .errors import EngineError, ParameterError
from .evaluate import FLOW_NODES, Decision, MatchedStatement, Request, evaluate
from .matching import match_action, match_principal, match_resource
from .policy import Condition, Policy, Statement
from .principals import Caller
from .world import World
from .world_model import Identity, Role, Session, claim_keys

__all__ = [
    "AccessGraph",
    "Cluster",
    "Edge",
    "Node",
    "access_graph",
    "decision_dot",
    "edge_ids",
    "edge_label",
    "edge_table",
    "expected_svg_ids",
    "lesson_dot",
    "lesson_edges",
    "node_svg_id",
    "to_dot",
]

SESSION_NAME: Final = "diagram"  # the RoleSessionName of every trust request the graph evaluates
LEVELS: Final = ("list", "read", "write", "tagging", "permissions-management")  # catalogue access levels
MAX_DEPTH: Final = 6
# The piece a "trusted but not permitted" edge lacks, by ``Decision.denied_by`` (§4.3 wording, shortened).
MISSING: Final[dict[str, str]] = {
    "identity": "identity policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "SCP",
    "rcp": "RCP",
    "trust": "trust policy",
    "resource": "trust policy",
}
_PROBES_PER_LEVEL: Final = 3  # actions tried per service and access level
_MFA_KEYS: Final = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})
# Request keys a caller may set when calling STS (§3.2); principal keys are the credentials' and never faked.
_REQUEST_KEYS: Final = frozenset(
    {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:requestedregion",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
    }
)
_ACTIONS: Final = {"oidc_provider": "sts:AssumeRoleWithWebIdentity", "saml_provider": "sts:AssumeRoleWithSAML"}
_ROOT_ARN: Final = re.compile(r"arn:[a-z-]+:iam::(\d{12}):root")
_ACCOUNT_ID: Final = re.compile(r"\d{12}")
_SERVICE_PREFIX: Final = re.compile(r"[a-z0-9-]{1,64}")


# ---- the graph ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """One box of the diagram.

    ``kind`` is user, role, service, oidc_provider, saml_provider, account_root (an account as a whole:
    one outside the world, or a collapsed one), session or resource_group. ``account`` and ``name`` let
    the site link the node (an entity name, service, provider or resource ARN, session id); ``detail``
    is the tooltip; ``expires_in`` the seconds a session has left; ``members`` the ids a collapsed node holds.
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


@dataclass(frozen=True, slots=True)
class Cluster:
    """An account drawn as a cluster; ``external`` for accounts a trust policy names outside the world."""

    id: str
    label: str
    external: bool = False


@dataclass(frozen=True, slots=True)
class AccessGraph:
    """Nodes, edges and account clusters, in a stable order (same world, same graph, same DOT)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    focus: str | None = None
    depth: int | None = None
    collapsed: tuple[str, ...] = ()

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        return next((n for n in self.nodes if n.id == node_id), None)


def access_graph(
    world: World,
    *,
    focus: str | None = None,
    depth: int = 1,
    collapse: Iterable[str] = (),
    parents: Mapping[str, str] | None = None,
    fold: int | None = 5,
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
    """
    targets = _check_arguments(focus, depth, collapse)
    if fold is not None and (isinstance(fold, bool) or not isinstance(fold, int) or fold < 0):
        raise ParameterError("fold must be a whole number of 0 or more, or None.")
    near = (focus, depth) if focus is not None and not targets else None
    graph = _Builder(world, parents or {}).build(near)
    if fold is not None:
        graph = _fold(graph, fold, focus)
    if targets:
        graph = _collapse(graph, targets)
    if focus is not None:
        graph = _neighbourhood(graph, focus, depth)
    return graph


def _check_arguments(focus: object, depth: object, collapse: object) -> tuple[str, ...]:
    if focus is not None and not isinstance(focus, str):
        raise ParameterError("focus must be a node id.")
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH:
        raise ParameterError(f"depth must be a whole number from 0 to {MAX_DEPTH}.")
    items = (collapse,) if isinstance(collapse, str) else tuple(collapse)  # type: ignore[arg-type]
    for item in items:
        if not isinstance(item, str) or not (_ACCOUNT_ID.fullmatch(item) or _SERVICE_PREFIX.fullmatch(item)):
            raise ParameterError("collapse takes account ids (111111111111) and service prefixes (s3).")
    return tuple(dict.fromkeys(items))


# ---- principals ---------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Principal:
    """A caller the graph tries against every role that trusts it, and how STS would hear from it."""

    node: Node
    ident: Identity
    action: str = "sts:AssumeRole"
    mfa: bool = False  # can present MFA (a user with a device, a role session)
    claims_url: str | None = None  # an OIDC provider's URL: its claims are condition keys
    audiences: tuple[str, ...] = ()
    external: bool = False  # outside the world: only the trust side is known
    requests: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Supply:
    """Request keys that would satisfy a trust statement's conditions, and the conditions nobody can supply."""

    context: dict[str, object]
    extra: dict[str, object]
    pairs: tuple[tuple[str, str], ...]
    unmet: tuple[str, ...]


class _Builder:
    """Walks a world once: nodes, principals, then the edges every (principal, role) pair earns."""

    def __init__(self, world: World, parents: Mapping[str, str]) -> None:
        self.world = world
        self.parents = parents
        self.now = world.clock.now()
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.clusters: dict[str, Cluster] = {}
        self.principals: list[_Principal] = []
        self.index: dict[str, list[int]] = {}
        self.roles: list[tuple[Role, _Principal]] = []
        self.resource_allows: dict[str, list[Statement]] = {}
        self.overlays: dict[tuple[tuple[str, str], ...], dict[str, tuple[str, ...]]] = {}

    def build(self, near: tuple[str, int] | None = None) -> AccessGraph:
        """The whole graph; with ``near`` = (focus, depth) only the edges of roles within reach of the focus
        in the graph of candidate pairs — a superset of the true neighbourhood, so folding and focusing the
        result give what they would give on the whole graph (``test_graph`` checks it)."""
        for account_id in sorted(self.world.accounts):
            self._account(account_id)
        self._named_principals()
        resources = self._resources()
        session_edges = self._sessions()
        plans = {role.arn: self._plan(role) for role, _ in self.roles}
        roles, targets = (None, None) if near is None else _Near(self, plans, resources, session_edges).roles(*near)
        for role, _ in self.roles:
            if roles is None or role.arn in roles:
                self._assume_edges(role, plans[role.arn])
        for role, principal in self.roles:
            if roles is None or role.arn in roles:
                _Reach(self, role, principal.ident, resources).run(targets)
        self.edges.extend(session_edges)
        clusters = tuple(self.clusters[k] for k in sorted(self.clusters, key=lambda k: (self.clusters[k].external, k)))
        stars = sorted(n for n in self.nodes if n.startswith("resource:*:"))  # made on demand: give them one order
        nodes = [n for k, n in self.nodes.items() if not k.startswith("resource:*:")] + [self.nodes[k] for k in stars]
        return AccessGraph(tuple(nodes), tuple(self.edges), clusters)

    # -- nodes and principals

    def _account(self, account_id: str) -> None:
        account = self.world.accounts[account_id]
        label = f"{account_id} ({account.alias})" if account.alias else account_id
        self.clusters[account_id] = Cluster(account_id, f"account {label}")
        for user in sorted(account.users.values(), key=lambda u: u.name.lower()):
            node = self._node(Node(user.arn, "user", user.name, account_id, user.name, user.arn, user.arn))
            ident = self.world.identify(user.arn)
            self._principal(_Principal(node, ident, mfa=bool(user.mfa_devices)), user.arn, user.id)
        for role in sorted(account.roles.values(), key=lambda r: r.name.lower()):
            node = self._node(Node(role.arn, "role", role.name, account_id, role.name, role.arn, role.arn))
            principal = _Principal(node, _role_identity(self.world, role), mfa=True)
            self._principal(principal, role.arn, role.id)
            self.roles.append((role, principal))
        for provider in sorted(account.providers.values(), key=lambda p: p.arn):
            self._provider(provider.arn, provider.type, provider.url, tuple(provider.audiences))

    def _provider(self, arn: str, kind: str, url: str, audiences: tuple[str, ...]) -> None:
        node_kind = "oidc_provider" if kind == "oidc" else "saml_provider"
        account = arn.split(":")[4]
        node = self._node(Node(arn, node_kind, url, account, url, arn, arn))
        ident = self.world.identify(f"web_identity:{arn}")
        self._principal(
            _Principal(
                node, ident, _ACTIONS[node_kind], claims_url=url if kind == "oidc" else None, audiences=audiences
            ),
            "fed:" + arn,
        )

    def _node(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def _principal(self, principal: _Principal, *keys: str | None) -> None:
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
        key = "svc:" + name.lower()
        if key in self.index:
            return
        try:
            ident = self.world.identify(f"service:{name.lower()}")
        except EngineError:
            return
        node = self._node(
            Node(
                f"service:{name.lower()}",
                "service",
                name.lower(),
                None,
                name.lower(),
                detail=f"AWS service principal {name.lower()}",
            )
        )
        self._principal(_Principal(node, ident), key)

    def _outside(self, entry: str) -> None:
        """An account id or root ARN of an account outside the world: its account decides who may come."""
        found = _ROOT_ARN.fullmatch(entry)
        account = found.group(1) if found else entry if _ACCOUNT_ID.fullmatch(entry) else None
        if account is None or account in self.world.accounts or f"acct:{account}" in self.index:
            return
        self.clusters[account] = Cluster(account, f"account {account} (outside this world)", external=True)
        arn = f"arn:{self.world.partition}:iam::{account}:root"
        node = self._node(
            Node(
                f"account:{account}",
                "account_root",
                f"account {account}",
                account,
                account,
                arn,
                f"Principals of account {account}, which is not part of this world",
            )
        )
        caller = _outside_caller(arn, account)
        self._principal(_Principal(node, Identity(caller), external=True), f"acct:{account}")

    # -- assume edges

    def _plan(self, role: Role) -> list[tuple[int, list[tuple[Statement, str]]]]:
        """The principals the role's trust names (by position), with the statements and how each names them."""
        trust = role.trust.policy() if role.trust else None
        statements = [s for s in trust.statements if s.effect == "Allow" and s.principal] if trust else []
        plan = []
        for position in self._candidates(statements):
            principal = self.principals[position]
            named = [
                (s, match_principal(s.principal, principal.ident.caller))
                for s in statements  # type: ignore[arg-type]
                if _has_action(s, principal.action)
            ]
            named = [(s, kind) for s, kind in named if kind is not None]
            if named and self._reachable_provider(principal, role):
                plan.append((position, named))
        return plan  # type: ignore[return-value]

    def _assume_edges(self, role: Role, plan: list[tuple[int, list[tuple[Statement, str]]]]) -> None:
        for position, named in plan:
            edge = self._assume_edge(self.principals[position], role, named)
            if edge is not None:
                self.edges.append(edge)

    def _candidates(self, statements: list[Statement]) -> list[int]:
        """Principals a statement could name (a superset; ``match_principal`` decides), in graph order."""
        found: set[int] = set()
        for statement in statements:
            spec = statement.principal
            if spec is None or spec.wildcard or "*" in spec.aws:
                return list(range(len(self.principals)))
            keys = [_aws_key(e) for e in spec.aws] + ["svc:" + s.lower() for s in spec.service]
            keys += ["fed:" + f for f in spec.federated]
            for key in keys:
                found.update(self.index.get(key, ()))
        return sorted(found)

    def _reachable_provider(self, principal: _Principal, role: Role) -> bool:
        """STS looks for the identity provider in the role's account, and an OIDC token needs an audience."""
        if principal.node.kind not in _ACTIONS:
            return True
        return principal.node.account == role.account and (principal.claims_url is None or bool(principal.audiences))

    def _assume_edge(self, principal: _Principal, role: Role, named: list[tuple[Statement, str]]) -> Edge | None:
        """The edge for one pair: evaluated plainly, then with the keys that satisfy the trust's conditions."""
        statements = [s for s, _ in named]
        decision = evaluate(self._trust_request(principal, role))
        trust_said_no = decision.denied_by in ("trust", "resource")
        supply = _supply(principal, statements) if trust_said_no and not _allows(decision, principal) else None
        if supply is not None and supply.pairs:
            decision = evaluate(self._trust_request(principal, role, supply))
        allowed = _allows(decision, principal)
        trusted_as = _trusted_as(named)
        missing = None if allowed else _missing(decision, principal, supply, trusted_as)
        if not allowed and missing is None:
            return None
        if allowed:
            labels = _trust_labels(role.trust.policy(), decision, principal)  # type: ignore[union-attr]
        else:
            labels = tuple(dict.fromkeys(_condition_label(c, principal) for s in statements for c in s.conditions))
        return Edge(
            principal.node.id,
            role.arn,
            "assume",
            allowed,
            principal.action,
            labels,
            allowed and supply is not None,
            supply.pairs if supply else (),
            missing,
            trusted_as=trusted_as,
            external=principal.external,
        )

    def _trust_request(self, principal: _Principal, role: Role, supply: _Supply | None = None) -> Request:
        """The request STS evaluates for this caller and role (``sts._assume_role``). Besides the role's ARN and
        trust policy only its account and tags enter it, so one request per (account, tags) is built and
        reused with those replaced, and supplied keys are laid over its context as ``build_request`` lays
        ``context`` and ``extra`` over the rest (``test_graph`` checks both against a fresh build)."""
        key = (role.account, tuple(role.tags))
        request = principal.requests.get(key)
        if request is None:
            request = self.world.build_request(
                principal.ident, principal.action, role.arn, extra=_baseline_keys(principal)
            )
            if principal.external:
                request = replace(request, scps=())  # an outside account's SCPs are not part of the world
            principal.requests[key] = request
        context = request.context
        if supply is not None:
            overlay = self.overlays.get(supply.pairs)
            if overlay is None:
                overlay = self.overlays[supply.pairs] = {**make_context(supply.context), **make_context(supply.extra)}
            context = {**context, **overlay}
        r = request  # rebuilt field by field: dataclasses.replace would cost as much as the evaluation
        return Request(
            r.caller,
            r.action,
            role.arn,
            r.resource_account,
            context,
            r.identity_policies,
            r.boundary,
            r.session_policies,
            r.scps,
            r.rcps,
            role.trust.policy(),
            r.resource_is_trust,
        )  # type: ignore[union-attr]

    # -- resources and sessions

    def _resources(self) -> list[Node]:
        found = []
        for account_id in sorted(self.world.accounts):
            for arn in sorted(self.world.accounts[account_id].resources):
                service = arn.split(":")[2].lower()
                name = arn.split(":", 5)[5] or arn
                found.append(
                    self._node(
                        Node(
                            f"resource:{arn}",
                            "resource_group",
                            name,
                            account_id,
                            arn,
                            arn,
                            f"{service} resource {arn}",
                            service=service,
                        )
                    )
                )
        return found

    def _sessions(self) -> list[Edge]:
        """Nodes for the live sessions; returns their ``session_of`` and ``chain`` edges."""
        edges = []
        active = {sid: s for sid, s in sorted(self.world.sessions.items()) if s.expires_at > self.now}
        for sid, session in active.items():
            left = int((session.expires_at - self.now).total_seconds())
            owner = session.role_arn if session.kind == "assumed_role" else session.user_arn
            label = f"{session.session_name or sid}\n{_duration(left)} left"
            self._node(
                Node(
                    f"session:{sid}",
                    "session",
                    label,
                    session.account,
                    sid,
                    session.arn,
                    _session_detail(session, left),
                    expires_in=left,
                )
            )
            if owner in self.nodes:
                edges.append(Edge(f"session:{sid}", owner, "session_of"))  # type: ignore[arg-type]
        for sid in active:
            parent = self.parents.get(sid)
            if parent in active:
                edges.append(Edge(f"session:{parent}", f"session:{sid}", "chain"))
        return edges


class _Near:
    """Breadth-first search from the focus over candidate pairs (a trust naming a principal, an Allow that could
    reach a resource, a session): cheap to find, and a superset of the edges the evaluator will grant."""

    def __init__(
        self, builder: _Builder, plans: dict[str, list], resources: list[Node], session_edges: list[Edge]
    ) -> None:
        self.builder, self.resources = builder, resources
        self.role_of = {role.arn: (role, principal) for role, principal in builder.roles}
        self.links: dict[str, set[str]] = {}
        for arn, plan in plans.items():
            for position, _ in plan:
                self._link(arn, builder.principals[position].node.id)
        for edge in session_edges:
            self._link(edge.source, edge.target)
        self.reach: dict[str, set[str]] = {}

    def _link(self, a: str, b: str) -> None:
        self.links.setdefault(a, set()).add(b)
        self.links.setdefault(b, set()).add(a)

    def roles(self, focus: str, depth: int) -> tuple[set[str] | None, set[str] | None]:
        """(roles whose edges to compute, node ids near enough), or (None, None) to compute everything."""
        if focus not in self.builder.nodes:
            return None, None  # e.g. a folded account: known only once the whole graph is built
        seen, frontier = {focus}, {focus}
        for _ in range(depth):
            frontier = {n for f in frontier for n in self._neighbours(f)} - seen
            seen |= frontier
        return {n for n in seen if n in self.role_of}, seen

    def _neighbours(self, node_id: str) -> set[str]:
        found = set(self.links.get(node_id, ()))
        if node_id in self.role_of:
            found |= self._targets(node_id)
        elif node_id.startswith("resource:"):
            found |= {arn for arn in self.role_of if node_id in self._targets(arn)}
        return found

    def _targets(self, arn: str) -> set[str]:
        """The resources a role's statements could reach (and its "any resource" node)."""
        if arn not in self.reach:
            role, principal = self.role_of[arn]
            reach = _Reach(self.builder, role, principal.ident, self.resources)
            found = {r.id for r in self.resources if reach._granting(r)}
            if any(s.not_resources is not None or "*" in (s.resources or ()) for s in reach.allows):
                found.add(f"resource:*:{role.account}")
            self.reach[arn] = found
        return self.reach[arn]


def _role_identity(world: World, role: Role) -> Identity:
    """The identity of a fresh session of ``role`` (no session policy, no MFA), never registered in the world."""
    now = world.clock.now()
    session = Session(
        id=f"{SESSION_NAME}:{role.arn}",
        kind="assumed_role",
        access_key_id="ASIA" + "DIAGRAM".ljust(16, "X"),
        secret_access_key="",
        session_token="",
        account=role.account,
        arn=f"arn:{world.partition}:sts::{role.account}:assumed-role/{role.name}/{SESSION_NAME}",
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        role_arn=role.arn,
        role_id=role.id,
        session_name=SESSION_NAME,
    )
    return world._session_identity(session)  # the same Caller a real session of the role would get


def _outside_caller(arn: str, account: str) -> Caller:
    """An outside account stands for all its principals; its root caller lets only the trust side decide."""
    return Caller("root", arn, account, unique_id=account)


def _aws_key(entry: str) -> str:
    found = _ROOT_ARN.fullmatch(entry)
    if found:
        return "acct:" + found.group(1)
    return "acct:" + entry if _ACCOUNT_ID.fullmatch(entry) else entry


def _has_action(statement: Statement, action: str) -> bool:
    if statement.actions is not None:
        return any(match_action(p, action) for p in statement.actions)
    return statement.not_actions is not None and not any(match_action(p, action) for p in statement.not_actions)


def _baseline_keys(principal: _Principal) -> dict[str, object]:
    """The STS keys of a plain call: a session name and, for OIDC, a token with an accepted audience (§3.3)."""
    keys: dict[str, object] = {}
    if principal.node.kind != "saml_provider":
        keys["sts:RoleSessionName"] = SESSION_NAME
    if principal.node.kind in _ACTIONS:
        keys["aws:FederatedProvider"] = principal.node.arn
    if principal.claims_url is not None and principal.audiences:
        keys.update(claim_keys(principal.claims_url, {"aud": principal.audiences[0]}))
    return keys


def _allows(decision: Decision, principal: _Principal) -> bool:
    """Allowed; for an outside account, allowed as far as this world can tell (its own policies unknown)."""
    if decision.allowed:
        return True
    return principal.external and decision.denied_by in ("identity", "boundary", "session")


def _trusted_as(named: list[tuple[Statement, str]]) -> str:
    """How the trust names the principal at best: ``direct``, ``role`` or ``account``; ``any`` for ``"*"``."""
    kinds = {kind for s, kind in named if not (s.principal and (s.principal.wildcard or "*" in s.principal.aws))}
    return next((k for k in ("direct", "role", "account") if k in kinds), "any")


def _missing(decision: Decision, principal: _Principal, supply: _Supply | None, trusted_as: str) -> str | None:
    """The piece a dashed edge lacks, or None when the trust itself does not let this principal in: a
    wildcard principal whose conditions exclude it, or conditions no call could satisfy."""
    source = decision.denied_by or "trust"
    trust_said_no = source in ("trust", "resource")
    if trust_said_no and trusted_as == "any":
        return None
    if decision.outcome == "explicitDeny":
        return f"explicit deny in {MISSING.get(source, source)}"
    if not trust_said_no:
        return MISSING.get(source, source)
    unmet = supply.unmet if supply else ()
    if not unmet:
        return None
    return "MFA device" if "MFA" in unmet and not principal.mfa else "trust policy condition"


def _trust_labels(trust: Policy, decision: Decision, principal: _Principal) -> tuple[str, ...]:
    """Condition labels of the trust statements that allowed the request."""
    indexes = [m.index for m in decision.matched if m.source == "trust" and m.effect == "Allow"]
    statements = [trust.statements[i] for i in indexes if i < len(trust.statements)]
    return tuple(dict.fromkeys(_condition_label(c, principal) for s in statements for c in s.conditions))


# ---- conditions: labels and the keys that satisfy them ------------------------------------------------------------

_OPERATOR_WORDS: Final[dict[str, str]] = {
    "StringEquals": "=",
    "StringNotEquals": "≠",
    "StringEqualsIgnoreCase": "=",
    "StringNotEqualsIgnoreCase": "≠",
    "StringLike": "like",
    "StringNotLike": "not like",
    "NumericEquals": "=",
    "NumericNotEquals": "≠",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "≤",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": "≥",
    "DateEquals": "=",
    "DateNotEquals": "≠",
    "DateLessThan": "before",
    "DateLessThanEquals": "until",
    "DateGreaterThan": "after",
    "DateGreaterThanEquals": "from",
    "Bool": "=",
    "BinaryEquals": "=",
    "IpAddress": "in",
    "NotIpAddress": "not in",
    "ArnEquals": "=",
    "ArnLike": "like",
    "ArnNotEquals": "≠",
    "ArnNotLike": "not like",
    "Null": "null =",
}
_KEY_WORDS: Final[dict[str, str]] = {
    "sts:externalid": "ExternalId",
    "aws:sourceip": "source IP",
    "aws:multifactorauthage": "MFA age (s)",
    "aws:principalarn": "principal ARN",
    "aws:principalorgid": "organization",
    "aws:sourcearn": "source ARN",
    "aws:sourceaccount": "source account",
    "sts:rolesessionname": "session name",
    "aws:sourcevpc": "source VPC",
    "aws:sourcevpce": "VPC endpoint",
    "sts:sourceidentity": "source identity",
    "aws:principalaccount": "account",
}
_TAG_WORDS: Final = (
    ("aws:principaltag/", "principal tag "),
    ("aws:resourcetag/", "role tag "),
    ("aws:requesttag/", "session tag "),
)


def _condition_label(condition: Condition, principal: _Principal) -> str:
    """A short label such as ``MFA``, ``ExternalId = 12345`` or ``OIDC sub like repo:org/app:*``."""
    key, base = condition.key.lower(), condition.base
    values = [_short(v) for v in condition.values[:3]] + (["…"] if len(condition.values) > 3 else [])
    if key == "aws:multifactorauthpresent" and base == "Bool" and len(values) == 1:
        return "MFA" if values[0].lower() == "true" else "no MFA"
    subject = _KEY_WORDS.get(key)
    if subject is None:
        subject = next(
            (word + condition.key[len(prefix) :] for prefix, word in _TAG_WORDS if key.startswith(prefix)), None
        )
    if subject is None and ":" in key and "." in key.split(":", 1)[0]:
        subject = "OIDC " + condition.key.split(":", 1)[1]
    if subject is None and key.startswith("saml:"):
        subject = "SAML " + condition.key[5:]
    words = f"{subject or condition.key} {_OPERATOR_WORDS.get(base, base)} {' or '.join(values)}"
    return words + (" (if present)" if condition.if_exists else "")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _supply(principal: _Principal, statements: list[Statement]) -> _Supply:
    """The request keys a caller could send that satisfy the conditions of ``statements`` (§3.2, §3.3, §5.6–5.8).

    Only keys the caller controls at call time are supplied: ExternalId, MFA (with a device), the session
    name, request keys such as the source IP, a token's claims. Keys that describe the principal (tags,
    ARN, organization) are never faked: their conditions are ``unmet``.
    """
    context: dict[str, object] = {}
    extra: dict[str, object] = {}
    pairs: dict[str, str] = {}
    unmet: list[str] = []
    for condition in (c for s in statements for c in s.conditions):
        value = _satisfying_value(condition)
        if value is None:
            continue
        target = _supply_target(condition.key.lower(), value, principal)
        if target is None:
            unmet.append(_condition_label(condition, principal))
        elif target == "mfa":
            extra.update({"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"})
            pairs["aws:MultiFactorAuthPresent"] = "true"
        else:
            (context if target == "context" else extra)[condition.key] = value
            pairs[condition.key] = value
    return _Supply(context, extra, tuple(sorted(pairs.items())), tuple(dict.fromkeys(unmet)))


def _supply_target(key: str, value: str, principal: _Principal) -> str | None:
    """Where a satisfying value goes (``extra`` keys STS sets, ``context`` request keys, ``mfa``), or None."""
    kind = principal.node.kind
    if key in _MFA_KEYS:
        return "mfa" if principal.mfa and value.lower() != "false" else None
    if key == "sts:externalid" and principal.action == "sts:AssumeRole":
        return "extra"
    if key == "sts:rolesessionname" and re.fullmatch(r"[\w+=,.@-]{2,64}", value) and kind != "saml_provider":
        return "extra"
    if key in _REQUEST_KEYS:
        return "context"
    url = principal.claims_url
    if url is not None and key.startswith(url.lower() + ":"):
        claim = key[len(url) + 1 :]
        return "extra" if claim != "aud" or value in principal.audiences else None
    if kind == "saml_provider" and key.startswith("saml:"):
        return "extra"
    return None


def _satisfying_value(condition: Condition) -> str | None:
    """A value that makes ``condition`` true, or None when leaving the key out already does (negated
    operators, IfExists, ``Null: true``) or no honest value exists (dates, policy variables)."""
    base, values = condition.base, condition.values
    if not values or condition.if_exists or base.startswith("Date") or "Not" in base:
        return None
    first = values[0]
    if "${" in first:
        return None
    if base == "Null":
        return "true" if first.lower() == "false" else None
    if base.startswith("Numeric"):
        return _numeric_value(base, first)
    if base == "IpAddress":
        try:
            return str(ipaddress.ip_network(first, strict=False).network_address)
        except ValueError:
            return None
    if base in ("StringLike", "ArnLike", "ArnEquals"):
        return first.replace("*", "").replace("?", "x")
    return first


def _numeric_value(base: str, text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    shift = {"NumericLessThan": -1, "NumericGreaterThan": 1}.get(base, 0)
    return str(number + shift)


# ---- reach: what a session of each role can do to the world's resources ------------------------------------------


class _Reach:
    """The reach edges of one role: probes a small action set per service and access level through ``evaluate``.

    Which (resource, action) pairs to probe is narrowed by cheap necessary conditions (an Allow statement
    naming the service, a resource pattern that can match, a resource policy naming the role); whether each
    probe is allowed is always the evaluator's answer for a request built by ``World.build_request``.
    """

    def __init__(self, builder: _Builder, role: Role, ident: Identity, resources: list[Node]) -> None:
        self.builder, self.role, self.ident, self.resources = builder, role, ident, resources
        self.policies = builder.world.identity_policies(ident)
        self.allows = [s for p in self.policies for s in p.statements if s.effect == "Allow"]
        self.ranks: dict[str, int] = {}
        self.limits: tuple[list[Statement], list[list[Statement]]] | None = None

    def _rank(self, action: str) -> int:
        """0 for an action every limiting policy (boundary, each SCP level) allows and no Deny names, else 1 or
        2: probes that can succeed come first, so a few probes find an allowed action when there is one."""
        found = self.ranks.get(action)
        if found is None:
            denies, layers = self._limits()
            if any(_has_action(s, action) for s in denies):
                found = 2
            else:
                found = 0 if all(any(_has_action(s, action) for s in layer) for layer in layers) else 1
            self.ranks[action] = found
        return found

    def _limits(self) -> tuple[list[Statement], list[list[Statement]]]:
        """(every Deny statement that applies to the role's sessions, the Allow statements of each limiting layer)."""
        if self.limits is None:
            request = self.builder.world.build_request(self.ident, "sts:GetCallerIdentity", "*")
            layers = [[*([request.boundary] if request.boundary else [])], *[list(level) for level in request.scps]]
            policies = [*self.policies, *(p for layer in layers for p in layer)]
            denies = [s for p in policies for s in p.statements if s.effect == "Deny"]
            allows = [[s for p in layer for s in p.statements if s.effect == "Allow"] for layer in layers if layer]
            self.limits = (denies, allows)
        return self.limits

    def run(self, targets: set[str] | None = None) -> None:
        """Adds the role's reach edges (to resources in ``targets`` only, when given)."""
        everything = self._everywhere()
        for resource in self.resources:
            if (everything and resource.account == self.role.account) or (
                targets is not None and resource.id not in targets
            ):
                continue  # implied by the "admin on *" edge, or outside the neighbourhood
            statements = self._granting(resource)
            levels = self._levels(resource.service or "", _probe_arns(resource.arn), statements) if statements else ()
            if levels:
                self._edge(resource.id, ((resource.service or "", levels),))

    def _everywhere(self) -> bool:
        """The edge to "any resource (*)": services granted on ``Resource: "*"``; True for admin on everything."""
        star = [s for s in self.allows if s.not_resources is not None or "*" in (s.resources or ())]
        if not star:
            return False
        services = {p.split(":", 1)[0].lower() for s in star for p in (s.actions or ()) if ":" in p}
        if any(s.not_actions is not None or "*" in (s.actions or ()) for s in star):
            if evaluate(self.builder.world.build_request(self.ident, "*", "*")).allowed:
                denies = self._limits()[0]
                self._edge(self._star_node(), (("*", ("admin except denies" if denies else "admin",)),))
                return True
            # "*" capped by a boundary or SCP: the services those limits name are the ones worth asking about
            services |= {
                p.split(":", 1)[0].lower()
                for layer in self._limits()[1]
                for s in layer
                for p in (s.actions or ())
                if ":" in p
            }
        access = []
        for service in sorted(services):
            if "*" not in service and "?" not in service:
                levels = self._levels(service, ("*",), star)
                if levels:
                    access.append((service, levels))
        if access:
            self._edge(self._star_node(), tuple(access))
        return False

    def _star_node(self) -> str:
        node_id = f"resource:*:{self.role.account}"
        if node_id not in self.builder.nodes:
            self.builder._node(
                Node(
                    node_id,
                    "resource_group",
                    "any resource (*)",
                    self.role.account,
                    "*",
                    None,
                    'Grants on "Resource": "*" in this account',
                )
            )
        return node_id

    def _resource_allows(self, arn: str) -> list[Statement]:
        """Allow statements of the resource's policy that name this role's sessions (a grant's precondition)."""
        cache = self.builder.resource_allows
        if arn not in cache:
            policy, _ = self.builder.world.resource_policy(arn, arn.split(":")[2] + ":probe")
            cache[arn] = [s for s in policy.statements if s.effect == "Allow" and s.principal] if policy else []
        caller = self.ident.caller
        return [s for s in cache[arn] if match_principal(s.principal, caller)]  # type: ignore[arg-type]

    def _granting(self, resource: Node) -> list[Statement]:
        """The Allow statements that could grant on ``resource`` — a resource-policy statement naming the role,
        or an identity statement naming the service whose Resource can match (both across accounts) — which
        is a grant's necessary condition; the actions worth probing come from them."""
        granted_there = self._resource_allows(resource.arn)  # type: ignore[arg-type]
        if resource.account != self.role.account and not granted_there:
            return []  # cross-account needs the resource's own policy too (§4.1 fact 7)
        arns = _probe_arns(resource.arn)  # type: ignore[arg-type]
        found = [
            s
            for s in self.allows
            if _names_service(s, resource.service or "")
            and (s.resources is None or any("${" in p or match_resource(p, arn) for p in s.resources for arn in arns))
        ]
        return found + granted_there if found or granted_there else []

    def _levels(self, service: str, arns: tuple[str, ...], statements: list[Statement]) -> tuple[str, ...]:
        """Access levels of ``service`` that ``evaluate`` allows on any of ``arns``; "admin" when all are, the
        service's wildcard action is too and no Deny statement names the service."""
        probes = _probe_actions(service, statements, self._rank)
        if not probes:
            return ()
        first = next(iter(probes.values()))[0]
        requests = [self.builder.world.build_request(self.ident, first, arn) for arn in arns]
        allowed = tuple(
            level for level, actions in probes.items() if any(_allowed(r, a) for a in actions for r in requests)
        )
        every = set(_catalogue_levels(service))
        if (
            every
            and every <= set(allowed)
            and not any(_names_service(s, service) for s in self._limits()[0])
            and any(_allowed(r, f"{service}:*") for r in requests)
        ):
            return ("admin",)  # every level, the wildcard action itself, and no Deny carving anything out
        return allowed

    def _edge(self, target: str, access: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.builder.edges.append(Edge(self.role.arn, target, "reach", access=access))


def _allowed(r: Request, action: str) -> bool:
    """``evaluate`` of ``r`` for another action of the same service (same policies, keys and RCPs apply)."""
    return evaluate(
        Request(
            r.caller,
            action,
            r.resource,
            r.resource_account,
            r.context,
            r.identity_policies,
            r.boundary,
            r.session_policies,
            r.scps,
            r.rcps,
            r.resource_policy,
            r.resource_is_trust,
        )
    ).allowed


def _probe_arns(arn: str) -> tuple[str, ...]:
    """A resource and, for an S3 bucket, its objects (``bucket/*``), which most S3 grants name."""
    parts = arn.split(":", 5)
    bucket = len(parts) == 6 and parts[2] == "s3" and parts[5] and "/" not in parts[5]
    return (arn, arn + "/*") if bucket else (arn,)


def _names_service(statement: Statement, service: str) -> bool:
    if statement.actions is None:
        return True  # NotAction: could allow anything
    return any(p == "*" or p.split(":", 1)[0].lower() in (service, "*") for p in statement.actions)


def _probe_actions(service: str, statements: list[Statement], rank: Callable[[str], int]) -> dict[str, tuple[str, ...]]:
    """Per access level, the few actions worth asking about: those the statements name (every action of the
    level for ``*`` and NotAction grants), the ones ``rank`` puts first when there are more than a few."""
    named: dict[str, list[str]] = {}
    wild = False
    for statement in statements:
        for pattern in statement.actions if statement.actions is not None else ("*",):
            prefix = pattern.split(":", 1)[0].lower()
            if pattern == "*" or prefix == "*":
                wild = True
            elif prefix == service:
                for action in _expand(pattern):
                    named.setdefault(access_level(action) or "", []).append(action)
    probes = {}
    for level in LEVELS:
        pool = list(dict.fromkeys(named.get(level, ())))
        if wild:
            pool = list(dict.fromkeys(pool + list(_catalogue_levels(service).get(level, ()))))
        if len(pool) > _PROBES_PER_LEVEL:
            pool.sort(key=rank)  # stable: policy order among equals
        if pool:
            probes[level] = tuple(pool[:_PROBES_PER_LEVEL])
    return probes


@cache
def _expand(pattern: str) -> tuple[str, ...]:
    return tuple(expand_action_pattern(pattern))


@cache
def _catalogue_levels(service: str) -> dict[str, tuple[str, ...]]:
    levels: dict[str, list[str]] = {}
    for action in expand_action_pattern(f"{service}:*"):
        levels.setdefault(access_level(action) or "", []).append(action)
    return {level: tuple(actions) for level, actions in levels.items() if level in LEVELS}


# ---- sessions ---------------------------------------------------------------------------------------------------


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _session_detail(session: Session, left: int) -> str:
    via = [
        f"by {session.service}" if session.service else "",
        "with MFA" if session.mfa_authenticated else "",
        "chained" if session.chained else "",
        f"via {session.federated_provider}" if session.federated_provider else "",
    ]
    extras = ", ".join(v for v in via if v)
    return f"{session.arn}, expires in {_duration(left)}" + (f" ({extras})" if extras else "")


# ---- fold, collapse and focus --------------------------------------------------------------------------------


def _fold(graph: AccessGraph, limit: int, keep: str | None) -> AccessGraph:
    """Dashed edges of principals a role trusts only through their account, past ``limit`` per (role, account,
    missing piece), become one edge from the account's node (edges touching ``keep`` stay)."""
    accounts = {n.id: n.account for n in graph.nodes}
    groups: dict[tuple[str, str | None, str | None], list[int]] = {}
    for i, edge in enumerate(graph.edges):
        if (
            edge.kind == "assume"
            and edge.dashed
            and edge.trusted_as == "account"
            and keep not in (edge.source, edge.target)
        ):
            groups.setdefault((edge.target, accounts.get(edge.source), edge.missing), []).append(i)
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
            nodes.setdefault(f"account:{key[1]}", _account_node(key[1] or "", graph))
            edges.setdefault(key, []).append(edge)  # type: ignore[union-attr]
    merged = [
        e if isinstance(e, Edge) else _combine(e, source=f"account:{k[1]}")  # type: ignore[index]
        for k, e in edges.items()
    ]
    return replace(graph, nodes=tuple(nodes.values()), edges=tuple(merged))


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


def _collapse(graph: AccessGraph, targets: tuple[str, ...]) -> AccessGraph:
    """Folds each account in ``targets`` into one node, and each service's resources (per account) into one."""
    group: dict[str, str] = {}
    members: dict[str, list[Node]] = {}
    for node in graph.nodes:
        if node.account in targets:
            key = f"account:{node.account}"
        elif node.kind == "resource_group" and node.service in targets:
            key = f"resources:{node.account}:{node.service}"
        else:
            continue
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


def _neighbourhood(graph: AccessGraph, focus: str, depth: int) -> AccessGraph:
    """The nodes within ``depth`` edges of ``focus`` (either direction) and the edges between them."""
    start = focus if graph.node(focus) else next((n.id for n in graph.nodes if focus in n.members), None)
    if start is None:
        raise ParameterError(f"There is no node {_short(focus, 200)} in this diagram.")
    neighbours: dict[str, set[str]] = {}
    for edge in graph.edges:
        neighbours.setdefault(edge.source, set()).add(edge.target)
        neighbours.setdefault(edge.target, set()).add(edge.source)
    seen, frontier = {start}, {start}
    for _ in range(depth):
        frontier = {n for f in frontier for n in neighbours.get(f, ())} - seen
        seen |= frontier
    nodes = tuple(n for n in graph.nodes if n.id in seen)
    edges = tuple(e for e in graph.edges if e.source in seen and e.target in seen)
    accounts = {n.account for n in nodes}
    clusters = tuple(c for c in graph.clusters if c.id in accounts)
    return replace(graph, nodes=nodes, edges=edges, clusters=clusters, focus=start, depth=depth)


# ---- text alternative ---------------------------------------------------------------------------------------------


def edge_label(edge: Edge) -> str:
    """The words drawn on an edge: conditions, the missing piece, or the access summary."""
    if edge.kind == "reach":
        return "; ".join(f"{'all services' if s == '*' else s}: {', '.join(levels)}" for s, levels in edge.access)
    if edge.kind == "session_of":
        return "session of"
    if edge.kind == "chain":
        return "assumed"
    parts = [f"when {', '.join(edge.conditions)}" if edge.allowed and edge.conditions else ", ".join(edge.conditions)]
    if not edge.allowed:
        parts.append(f"needs {edge.missing}")
    if edge.count > 1:
        parts.append(f"×{edge.count}")
    return "; ".join(p for p in parts if p)


def _edge_what(edge: Edge) -> str:
    if edge.kind == "reach":
        return "can reach " + edge_label(edge)
    if edge.kind == "session_of":
        return "is a session of"
    if edge.kind == "chain":
        return "assumed"
    if edge.external and edge.allowed:
        return "is trusted to assume (its own account's policies decide who)"
    if edge.allowed:
        return "can assume, when the conditions are met" if edge.conditional else "can assume"
    return "is trusted but not permitted to assume"


def edge_table(graph: AccessGraph) -> list[dict[str, object]]:
    """The text alternative of the diagram: one row per edge, in the diagram's order.

    Each row has ``id`` (the SVG id ``e-<n>``), ``from``/``to`` (labels) and ``from_id``/``to_id``, ``kind``,
    ``what`` (a phrase such as "can assume"), ``conditions``, ``missing`` (the piece a dashed edge lacks,
    "" otherwise), ``allowed`` and ``count``. Never raises.
    """
    labels = {n.id: n.label.replace("\n", " — ") for n in graph.nodes}
    return [
        {
            "id": f"e-{i}",
            "from": labels.get(e.source, e.source),
            "to": labels.get(e.target, e.target),
            "from_id": e.source,
            "to_id": e.target,
            "kind": e.kind,
            "what": _edge_what(e),
            "conditions": ", ".join(e.conditions),
            "missing": e.missing or "",
            "allowed": e.allowed,
            "count": e.count,
        }
        for i, e in enumerate(graph.edges)
    ]


# ---- DOT ------------------------------------------------------------------------------------------------------


_NODE_STYLE: Final[dict[str, dict[str, str]]] = {
    "user": {"shape": "ellipse", "fillcolor": "#e8f0fe"},
    "role": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff1d6"},
    "service": {"shape": "hexagon", "fillcolor": "#e6f4ea"},
    "oidc_provider": {"shape": "component", "fillcolor": "#f3e8fd"},
    "saml_provider": {"shape": "component", "fillcolor": "#f3e8fd"},
    "account_root": {"shape": "house", "fillcolor": "#eeeeee"},
    "session": {"shape": "note", "fillcolor": "#fffbe6"},
    "resource_group": {"shape": "cylinder", "fillcolor": "#e0f2f1"},
}
_KIND_WORDS: Final = {
    "user": "user",
    "role": "role",
    "service": "service",
    "oidc_provider": "OIDC provider",
    "saml_provider": "SAML provider",
    "account_root": "account",
    "session": "session",
    "resource_group": "resources",
}
_EDGE_STYLE: Final[dict[str, dict[str, str]]] = {
    "assume": {"color": "#1a5fb4"},
    "reach": {"color": "#2e7d32"},
    "session_of": {"color": "#777777", "style": "dotted"},
    "chain": {"color": "#8e24aa", "penwidth": "2"},
}
_FONT: Final = "Helvetica,Arial,sans-serif"


def _text(*lines: str) -> graphviz.quoting.NoHtml:
    """Plain label text, safe in DOT: control characters become spaces, ``&`` is shown as typed, backslashes lose
    their escape meaning, and the text is never an HTML-like label (quotes are escaped by the package's quoting)."""
    cleaned = [_clean(line) for line in lines]
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in cleaned))


def _clean(text: str) -> str:
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") else ch for ch in str(text))
    return text.replace("&", "&amp;")


def node_svg_id(node_id: str) -> str:
    """The SVG element id of a node: ``n-`` and 16 hex digits of its id's SHA-256 (stable across views)."""
    return "n-" + hashlib.sha256(node_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def edge_ids(graph: AccessGraph) -> tuple[str, ...]:
    """The SVG ids of the graph's edges, ``e-0`` … in edge order."""
    return tuple(f"e-{i}" for i in range(len(graph.edges)))


def expected_svg_ids(graph: AccessGraph) -> frozenset[str]:
    """Every node and edge id a complete rendering of ``to_dot(graph)`` must contain, so the site can tell a
    renderer that silently dropped edges from one that drew them all. Compare with the SVG's ``id`` values
    XML-unescaped: dot writes ``e-3`` as ``e&#45;3``."""
    return frozenset(node_svg_id(n.id) for n in graph.nodes) | frozenset(edge_ids(graph))


def to_dot(
    graph: AccessGraph,
    *,
    clusters: bool = True,
    title: str = "Who can assume what",
    link: Callable[[Node], str | None] | None = None,
) -> str:
    """DOT source of ``graph``: accounts as clusters (``clusters=False`` draws them as label lines, the layout
    to fall back on when dot fails with "trouble in init_rank"), solid edges for allowed, dashed for "trusted
    but not permitted", every label plain escaped text, ``newrank=true``. ``link(node)`` may return a URL
    (``/…`` or ``http(s)://…``; anything else is dropped) for the node; ids are ``n-…`` for nodes and ``e-<n>``
    for edges. Never raises for a well-formed graph.
    """
    dot = graphviz.Digraph(
        "access",
        graph_attr={
            "label": _text(title),
            "labelloc": "t",
            "rankdir": "LR",
            "newrank": "true",
            "fontname": _FONT,
            "id": "access-graph",
            "tooltip": _text(title),
            "nodesep": "0.3",
            "ranksep": "0.9",
        },
        node_attr={"fontname": _FONT, "fontsize": "11", "style": "filled"},
        edge_attr={"fontname": _FONT, "fontsize": "9"},
    )
    by_account: dict[str | None, list[Node]] = {}
    for node in graph.nodes:
        by_account.setdefault(node.account if clusters else None, []).append(node)
    labels = {c.id: c.label for c in graph.clusters}
    for index, cluster in enumerate(graph.clusters if clusters else ()):
        with dot.subgraph(name=f"cluster_{index}") as sub:
            sub.attr(
                label=_text(cluster.label),
                id=f"c-{index}",
                style="rounded,dashed" if cluster.external else "rounded",
                color="#999999",
                fontname=_FONT,
                fontsize="12",
            )
            for node in by_account.pop(cluster.id, []):
                _dot_node(sub, node, link, None)
    for nodes in by_account.values():
        for node in nodes:
            _dot_node(dot, node, link, None if clusters else labels.get(node.account or ""))
    names = {n.id: n.label.replace("\n", " ") for n in graph.nodes}
    for index, edge in enumerate(graph.edges):
        _dot_edge(dot, index, edge, names)
    return dot.source


def _dot_node(
    dot: graphviz.Digraph, node: Node, link: Callable[[Node], str | None] | None, account_label: str | None
) -> None:
    kind = f"{node.service} resources" if node.kind == "resource_group" and node.service else node.kind
    lines = [*node.label.split("\n"), _KIND_WORDS.get(kind, kind)]
    if account_label:
        lines.append(account_label)
    attrs = dict(_NODE_STYLE.get(node.kind, {}))
    url = link(node) if link else None
    if isinstance(url, str) and _safe_url(url):
        attrs.update({"URL": _text(url), "target": "_top"})
    dot.node(
        node_svg_id(node.id), _text(*lines), id=node_svg_id(node.id), tooltip=_text(node.detail or node.label), **attrs
    )


def _safe_url(url: str) -> bool:
    """A site path (``/…``, not ``//host``) or an http(s) URL: never ``javascript:`` or ``data:``."""
    return len(url) <= 2048 and (
        (url.startswith("/") and not url.startswith("//")) or url.startswith(("https://", "http://"))
    )


def _dot_edge(dot: graphviz.Digraph, index: int, edge: Edge, names: dict[str, str]) -> None:
    attrs = dict(_EDGE_STYLE.get(edge.kind, {}))
    if edge.dashed:
        attrs.update({"style": "dashed", "color": "#b3261e"})
    label = edge_label(edge)
    if label:
        attrs["label"] = _text(label)
    words = f"{names.get(edge.source, edge.source)} {_edge_what(edge)} {names.get(edge.target, edge.target)}"
    dot.edge(
        node_svg_id(edge.source),
        node_svg_id(edge.target),
        id=f"e-{index}",
        tooltip=_text(words + (f" ({label})" if label else "")),
        **attrs,
    )


# ---- the decision diagram ------------------------------------------------------------------------------------

# The flowchart's arrows (AWS's evaluation logic, §4.1–§4.2); a path step not listed is drawn anyway.
_FLOW_EDGES: Final = (
    ("request", "no_authorization", "sts:GetCallerIdentity"),
    ("request", "deny", ""),
    ("no_authorization", "allow", ""),
    ("deny", "explicit_deny", "yes"),
    ("deny", "rcp", "no"),
    ("rcp", "implicit_deny", "no Allow"),
    ("rcp", "scp", "allowed"),
    ("scp", "implicit_deny", "no Allow"),
    ("scp", "resource", "allowed"),
    ("resource", "allow", "names the caller"),
    ("resource", "identity", "no, or names the account"),
    ("resource", "boundary", "names the role"),
    ("resource", "implicit_deny", "no (trust, cross-account)"),
    ("identity", "boundary", "allows"),
    ("identity", "implicit_deny", "no"),
    ("boundary", "session", "allows"),
    ("boundary", "allow", "allows"),
    ("boundary", "implicit_deny", "no"),
    ("session", "allow", "allows"),
    ("session", "implicit_deny", "no"),
)
_TERMINALS: Final = frozenset({"allow", "explicit_deny", "implicit_deny", "no_authorization"})
_SOURCE_WORDS: Final = {
    "identity": "identity-based policy",
    "resource": "resource-based policy",
    "trust": "role trust policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "service control policy",
    "rcp": "resource control policy",
}


def decision_dot(decision: Decision, request: Request) -> str:
    """DOT of AWS's policy-evaluation flowchart (``evaluate.FLOW_NODES`` in order) with ``decision.path``
    lit up (bold, filled, SVG class ``lit``) and the deciding statement named in a note. Never raises."""
    dot = graphviz.Digraph(
        "decision",
        graph_attr={
            "label": _text(f"{request.caller.arn} → {request.action} on {request.resource}"),
            "labelloc": "t",
            "fontname": _FONT,
            "id": "decision-graph",
            "newrank": "true",
        },
        node_attr={"fontname": _FONT, "fontsize": "10"},
        edge_attr={"fontname": _FONT, "fontsize": "9"},
    )
    path = ("request", *decision.path)
    lit_nodes, lit_edges = set(path), set(itertools.pairwise(path))
    _flow_node(dot, "request", "Request", "box", "request" in lit_nodes)
    for key, text in FLOW_NODES.items():
        shape = "box" if key in _TERMINALS else "diamond"
        _flow_node(dot, key, text, shape, key in lit_nodes)
    drawn = set()
    for source, target, label in _FLOW_EDGES:
        drawn.add((source, target))
        _flow_edge(dot, source, target, label, (source, target) in lit_edges)
    for source, target in sorted(lit_edges - drawn):
        _flow_edge(dot, source, target, "", True)
    dot.node(
        "statement",
        _text(*_deciding_lines(decision)),
        shape="note",
        id="flow-statement",
        style="filled",
        fillcolor="#fffbe6",
    )
    dot.edge("statement", f"f_{path[-1]}", style="dotted", arrowhead="none", id="flow-note")
    return dot.source


def _flow_node(dot: graphviz.Digraph, key: str, text: str, shape: str, lit: bool) -> None:
    attrs = (
        {"style": "filled,bold", "fillcolor": "#ffe08a", "penwidth": "3", "class": "lit"}
        if lit
        else {"style": "filled", "fillcolor": "#f5f5f5", "color": "#999999", "fontcolor": "#555555"}
    )
    dot.node(f"f_{key}", _text(*_wrap(text, 28)), shape=shape, id=f"flow-{key}", **attrs)


def _flow_edge(dot: graphviz.Digraph, source: str, target: str, label: str, lit: bool) -> None:
    attrs = {"penwidth": "3", "color": "#b35900", "class": "lit"} if lit else {"color": "#aaaaaa"}
    dot.edge(f"f_{source}", f"f_{target}", label=_text(label) if label else None, id=f"flow-{source}-{target}", **attrs)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _deciding_lines(decision: Decision) -> list[str]:
    """Who decided: the statement (policy, Sid or number, type) behind the outcome, and the reason."""
    statement = _deciding_statement(decision)
    if statement is None and decision.outcome == "allowed":
        head = "No policy is needed"
    elif statement is None:
        head = f"No {_SOURCE_WORDS.get(decision.denied_by or '', 'policy')} statement allowed it"
    else:
        sid = f'Sid "{statement.sid}"' if statement.sid else f"statement {statement.index + 1}"
        head = (
            f"Decided by {statement.effect} {sid} of {statement.policy or 'a policy'} "
            f"({_SOURCE_WORDS.get(statement.source, statement.source)})"
        )
    return [*_wrap(head, 40), *_wrap(decision.reason, 40)]


def _deciding_statement(decision: Decision) -> MatchedStatement | None:
    if decision.outcome == "explicitDeny":
        return next((m for m in decision.matched if m.effect == "Deny"), None)
    if decision.outcome != "allowed":
        return None
    wanted = ("identity",) if decision.grant == "identity" else ("trust", "resource")
    found = next((m for m in decision.matched if m.effect == "Allow" and m.source in wanted), None)
    return found or next((m for m in decision.matched if m.effect == "Allow"), None)


# ---- lesson diagrams ------------------------------------------------------------------------------------------

_LESSONS: Final[dict[str, tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str, str], ...]]]] = {
    "mental_model": (
        (
            ("user", "IAM user or federated person", "ellipse"),
            ("service", "AWS service (EC2, Lambda…)", "hexagon"),
            ("role", "IAM role (trust policy + permissions)", "box"),
            ("creds", "Temporary credentials (the role's permissions, for a while)", "note"),
            ("resources", "Resources (S3 buckets, DynamoDB tables…)", "cylinder"),
        ),
        (
            ("user", "role", "assumes (sts:AssumeRole) if the trust policy lets it"),
            ("service", "role", "assumes on your behalf if the trust policy names it"),
            ("role", "creds", "STS issues"),
            ("creds", "resources", "signed requests, checked against the role's permissions"),
        ),
    ),
    "sts_flow": (
        (
            ("role", "IAM role", "box"),
            ("sts", "AWS STS (AssumeRole: trust policy + caller's permissions)", "box"),
            ("creds", "Temporary credentials: AccessKeyId ASIA…, SecretAccessKey, SessionToken, Expiration", "note"),
            (
                "check",
                "Access check on every request (deny wins; identity ∩ boundary ∩ session policy ∩ SCPs)",
                "diamond",
            ),
            ("resource", "Resource", "cylinder"),
        ),
        (
            ("role", "sts", "AssumeRole by a caller its trust policy lets in"),
            ("sts", "creds", "issues temporary credentials"),
            ("creds", "check", "request signed with the credentials"),
            ("check", "resource", "allowed: the request reaches the resource"),
        ),
    ),
}


def lesson_edges(name: str) -> list[tuple[str, str, str]]:
    """The lesson diagram ``name``'s edges as (from, to, label) with node labels, for its text alternative.

    Raises ``ParameterError`` naming the valid names for an unknown ``name``.
    """
    nodes, edges = _lesson(name)
    labels = {key: label for key, label, _ in nodes}
    return [(labels[a], labels[b], label) for a, b, label in edges]


def lesson_dot(name: str) -> str:
    """DOT of the lesson diagram ``name`` (``mental_model`` or ``sts_flow``). Raises ``ParameterError``."""
    nodes, edges = _lesson(name)
    dot = graphviz.Digraph(
        name,
        graph_attr={"rankdir": "LR", "fontname": _FONT, "id": f"lesson-{name}"},
        node_attr={"fontname": _FONT, "fontsize": "11", "style": "filled", "fillcolor": "#f5f9ff"},
        edge_attr={"fontname": _FONT, "fontsize": "9"},
    )
    for key, label, shape in nodes:
        dot.node(key, _text(*_wrap(label, 26)), shape=shape, id=f"lesson-{key}")
    for index, (a, b, label) in enumerate(edges):
        dot.edge(a, b, label=_text(*_wrap(label, 24)), id=f"e-{index}")
    return dot.source


def _lesson(name: str) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str, str], ...]]:
    if name not in _LESSONS:
        raise ParameterError(f"Unknown lesson diagram {name!r}; choose one of {', '.join(sorted(_LESSONS))}.")
    return _LESSONS[name]
