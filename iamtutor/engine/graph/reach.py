"""The reach edges: what a session of each role can do to the world's resources, summarised by access level.

Owns which (resource, action) pairs are worth probing — narrowed by cheap necessary conditions — and the
summary per service (list, read, write…, or admin). Whether each probe is allowed is always ``evaluate``'s
answer for a request built by ``World.build_request``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Final

from ..data import access_level, expand_action_pattern
from ..evaluate import Request
from ..matching import match_resource
from ..policy import Statement
from ..world_model import Role
from .model import LEVELS, Edge, Node
from .principals import Principal
from .trust import has_action

if TYPE_CHECKING:
    from .builder import Builder

_PROBES_PER_LEVEL: Final = 3  # actions tried per service and access level


class ResourceIndex:
    """The world's resource nodes looked up by probe ARN, by account and by (account, service), and those with a
    resource policy that names someone — built once per graph."""

    def __init__(self, builder: Builder, resources: list[Node]) -> None:
        self.position = {n.id: i for i, n in enumerate(resources)}
        self.by_arn: dict[str, list[Node]] = {}
        self.by_account: dict[str | None, list[Node]] = {}
        self.by_service: dict[tuple[str | None, str | None], list[Node]] = {}
        self.with_policy: list[Node] = []
        for node in resources:
            for arn in _probe_arns(node.arn):  # type: ignore[arg-type]
                self.by_arn.setdefault(arn, []).append(node)
            self.by_account.setdefault(node.account, []).append(node)
            self.by_service.setdefault((node.account, node.service), []).append(node)
            if _policy_allows(builder, node.arn):  # type: ignore[arg-type]
                self.with_policy.append(node)


class Reach:
    """The reach edges of one role: probes a small action set per service and access level through ``evaluate``.

    Which (resource, action) pairs to probe is narrowed by cheap necessary conditions (an Allow statement
    naming the service, a resource pattern that can match, a resource policy naming the role); whether each
    probe is allowed is always the evaluator's answer for a request built by ``World.build_request``.
    """

    def __init__(self, builder: Builder, role: Role, principal: Principal, resources: list[Node]) -> None:
        self.builder, self.role, self.principal, self.resources = builder, role, principal, resources
        self.ident = principal.ident
        self.meter = builder.meter
        self.policies = builder.world.identity_policies(self.ident)
        self.allows = [s for p in self.policies for s in p.statements if s.effect == "Allow"]
        self.by_service: dict[str, list[Statement]] = {}
        self._ranks: dict[str, int] | None = None
        self.limits: tuple[list[Statement], list[list[Statement]]] | None = None
        self.allowed_by: dict[str, list[Statement]] = {}  # ``_resource_allows`` by resource ARN

    def run(self, targets: set[str] | None = None) -> None:
        """Adds the role's reach edges (to resources in ``targets`` only, when given)."""
        everything = self._everywhere()
        for resource in self.candidates():
            if (everything and resource.account == self.role.account) or (
                targets is not None and resource.id not in targets
            ):
                continue  # implied by the "admin on *" edge, or outside the neighbourhood
            statements = self.granting(resource)
            levels = self._levels(resource.service or "", _probe_arns(resource.arn), statements) if statements else ()
            if levels:
                self._edge(resource.id, ((resource.service or "", levels),))

    def candidates(self) -> list[Node]:
        """The resources ``granting`` could say yes to, in graph order (counted as pairs): those of the role's
        account that a statement naming their service could match — found by ARN when its Resource patterns
        are plain ARNs, which match nothing but themselves — and those whose own policy names the role."""
        index = self.builder.resource_index(self.resources)
        own = self.role.account
        chosen: dict[str, Node] = {}
        for statement in self.allows:
            services = _named_services(statement)
            patterns = statement.resources
            if patterns is not None and all(_plain(p) for p in patterns):
                found = [n for p in patterns for n in index.by_arn.get(p, ()) if n.account == own]
                found = [n for n in found if services is None or n.service in services]
            elif services is None:
                found = index.by_account.get(own, [])
            else:
                found = [n for service in sorted(services) for n in index.by_service.get((own, service), ())]
            for node in found:
                chosen[node.id] = node
        for node in index.with_policy:
            if node.id not in chosen and self._resource_allows(node.arn):  # type: ignore[arg-type]
                chosen[node.id] = node
        self.meter.paired(len(chosen) + len(index.with_policy))
        return sorted(chosen.values(), key=lambda n: index.position[n.id])

    def granting(self, resource: Node) -> list[Statement]:
        """The Allow statements that could grant on ``resource`` — a resource-policy statement naming the role,
        or an identity statement naming the service whose Resource can match (both across accounts) — which
        is a grant's necessary condition; the actions worth probing come from them."""
        granted_there = self._resource_allows(resource.arn)  # type: ignore[arg-type]
        if resource.account != self.role.account and not granted_there:
            return []  # cross-account needs the resource's own policy too (§4.1 fact 7)
        arns = _probe_arns(resource.arn)  # type: ignore[arg-type]
        memo = self.builder.resource_matches
        found = []
        for s in self._naming(resource.service or ""):
            if s.resources is None:
                found.append(s)
                continue
            for p in s.resources:
                hit = memo.get((p, arns))
                if hit is None:
                    hit = memo[(p, arns)] = "${" in p or any(match_resource(p, arn) for arn in arns)
                if hit:
                    found.append(s)
                    break
        return found + granted_there if found or granted_there else []

    def _naming(self, service: str) -> list[Statement]:
        """The Allow statements of the role's identity policies that could name an action of ``service``."""
        found = self.by_service.get(service)
        if found is None:
            found = self.by_service[service] = [s for s in self.allows if _names_service(s, service)]
        return found

    def reaches_anything(self) -> bool:
        """Whether an Allow statement names every resource (``Resource: "*"`` or a NotResource)."""
        return any(_on_any_resource(s) for s in self.allows)

    def _rank(self, action: str) -> int:
        """0 for an action every limiting policy (boundary, each SCP level) allows and no Deny names, else 1 or
        2: probes that can succeed come first, so a few probes find an allowed action when there is one."""
        found = self._ranks.get(action) if self._ranks is not None else None
        if found is None:
            denies, layers = self._limits()
            if any(has_action(s, action) for s in denies):
                found = 2
            else:
                found = 0 if all(any(has_action(s, action) for s in layer) for layer in layers) else 1
            self.ranks[action] = found
        return found

    @property
    def ranks(self) -> dict[str, int]:
        """``_rank``'s answers by action, shared by the roles whose limiting policies have the same content."""
        if self._ranks is None:
            self._limits()
        return self._ranks  # type: ignore[return-value]

    def _limits(self) -> tuple[list[Statement], list[list[Statement]]]:
        """(every Deny statement that applies to the role's sessions, the Allow statements of each limiting layer)."""
        if self.limits is None:
            # a request's boundary and SCPs are the caller's, whatever it asks: a kept trust request will do
            kept = self.principal.requests
            request = next(iter(kept.values())) if kept else self._request("sts:GetCallerIdentity", "*")
            layers = [[*([request.boundary] if request.boundary else [])], *[list(level) for level in request.scps]]
            policies = [*self.policies, *(p for layer in layers for p in layer)]
            denies = [s for p in policies for s in p.statements if s.effect == "Deny"]
            allows = [[s for p in layer for s in p.statements if s.effect == "Allow"] for layer in layers if layer]
            self.limits = (denies, allows)
            numbers = self.builder.trust.sharing.numbers
            # ranks read only the Deny statements and the limiting layers: roles whose identity policies hold
            # no Deny (most) share one set of ranks per set of limiting policies
            denying = [p for p in self.policies if any(s.effect == "Deny" for s in p.statements)]
            key = (numbers(denying), tuple(numbers(layer) for layer in layers))
            self._ranks = self.builder.ranks.setdefault(key, {})
        return self.limits

    def _everywhere(self) -> bool:
        """The edge to "any resource (*)": services granted on ``Resource: "*"``; True for admin on everything."""
        star = [s for s in self.allows if _on_any_resource(s)]
        if not star:
            return False
        services = {p.split(":", 1)[0].lower() for s in star for p in (s.actions or ()) if ":" in p}
        if any(s.not_actions is not None or "*" in (s.actions or ()) for s in star):
            if self._admin_everywhere():
                return True
            services |= self._limited_services()  # "*" capped by a boundary or SCP: the services they name
        access = []
        for service in sorted(services):
            if "*" not in service and "?" not in service:
                levels = self._levels(service, ("*",), star)
                if levels:
                    access.append((service, levels))
        if access:
            self._edge(self._star_node(), tuple(access))
        return False

    def _admin_everywhere(self) -> bool:
        """Adds the "admin on any resource" edge when ``evaluate`` allows every action on everything."""
        if not self.meter.decide(self._request("*", "*")).allowed:
            return False
        denies = self._limits()[0]
        self._edge(self._star_node(), (("*", ("admin except denies" if denies else "admin",)),))
        return True

    def _limited_services(self) -> set[str]:
        """The services the limiting layers (boundary, SCPs) name: the ones worth asking about."""
        return {
            p.split(":", 1)[0].lower()
            for layer in self._limits()[1]
            for s in layer
            for p in (s.actions or ())
            if ":" in p
        }

    def _star_node(self) -> str:
        node_id = f"resource:*:{self.role.account}"
        if node_id not in self.builder.nodes:
            self.builder.add_node(
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
        found = self.allowed_by.get(arn)
        if found is None:
            caller, match = self.ident.caller, self.builder.trust.match
            found = self.allowed_by[arn] = [s for s in _policy_allows(self.builder, arn) if match(s.principal, caller)]  # type: ignore[arg-type]
        return found

    def _levels(self, service: str, arns: tuple[str, ...], statements: list[Statement]) -> tuple[str, ...]:
        """Access levels of ``service`` that ``evaluate`` allows on any of ``arns``; "admin" when all are, the
        service's wildcard action is too and no Deny statement names the service."""
        probes = self._probes(service, statements)
        if not probes:
            return ()
        first = next(iter(probes.values()))[0]
        requests = [self._request(first, arn) for arn in arns]
        allowed = tuple(
            level for level, actions in probes.items() if any(self._allowed(r, a) for a in actions for r in requests)
        )
        every = set(_catalogue_levels(service))
        if (
            every
            and every <= set(allowed)
            and not any(_names_service(s, service) for s in self._limits()[0])
            and any(self._allowed(r, f"{service}:*") for r in requests)
        ):
            return ("admin",)  # every level, the wildcard action itself, and no Deny carving anything out
        return allowed

    def _probes(self, service: str, statements: list[Statement]) -> dict[str, tuple[str, ...]]:
        """``_probe_actions``, worked out once per build for the same statements and limiting policies."""
        key = (service, tuple([s.actions for s in statements]), id(self.ranks))  # all _probe_actions reads of them
        memo = self.builder.probes
        found = memo.get(key)
        if found is None:
            found = memo[key] = _probe_actions(service, statements, self._rank)
        return found

    def _request(self, action: str, resource: str) -> Request:
        return self.principal.request(self.builder.world, action, resource)

    def _allowed(self, r: Request, action: str) -> bool:
        """``evaluate`` of ``r`` for another action of the same service (same policies, keys and RCPs apply)."""
        return self.meter.decide(_for_action(r, action)).allowed

    def _edge(self, target: str, access: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.builder.add_edge(Edge(self.role.arn, target, "reach", access=access))


def _policy_allows(builder: Builder, arn: str) -> list[Statement]:
    """The Allow statements with a Principal of the resource's own policy (kept per build)."""
    cache = builder.resource_allows
    if arn not in cache:
        policy, _ = builder.world.resource_policy(arn, arn.split(":")[2] + ":probe")
        cache[arn] = [s for s in policy.statements if s.effect == "Allow" and s.principal] if policy else []
    return cache[arn]


def _named_services(statement: Statement) -> set[str] | None:
    """The service prefixes a statement's actions name (as ``_names_service`` reads them); None for all."""
    if statement.actions is None:
        return None
    prefixes = {p.split(":", 1)[0].lower() for p in statement.actions}
    return None if "*" in prefixes else prefixes


def _plain(pattern: str) -> bool:
    """A Resource pattern with no wildcard and no variable: it matches that ARN and nothing else."""
    return not any(ch in pattern for ch in "*?$")


def _on_any_resource(statement: Statement) -> bool:
    return statement.not_resources is not None or "*" in (statement.resources or ())


def _for_action(r: Request, action: str) -> Request:
    """``r`` for another action of the same service."""
    return Request(
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
    named, wild = _named_actions(service, statements)
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


def _named_actions(service: str, statements: list[Statement]) -> tuple[dict[str, list[str]], bool]:
    """(the actions of ``service`` the statements name, by access level; whether one names every service)."""
    named: dict[str, list[str]] = {}
    wild = False
    for statement in statements:
        levels, every = _actions_by_level(service, statement.actions)
        wild = wild or every
        for level, actions in levels:
            named.setdefault(level, []).extend(actions)
    return named, wild


@lru_cache(maxsize=4096)
def _actions_by_level(
    service: str, patterns: tuple[str, ...] | None
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], bool]:
    """``_named_actions`` of one statement's Action patterns (None: a NotAction, which could allow anything)."""
    named: dict[str, list[str]] = {}
    wild = False
    for pattern in patterns if patterns is not None else ("*",):
        prefix = pattern.split(":", 1)[0].lower()
        if pattern == "*" or prefix == "*":
            wild = True
        elif prefix == service:
            for action in _expand(pattern):
                named.setdefault(access_level(action) or "", []).append(action)
    return tuple((level, tuple(actions)) for level, actions in named.items()), wild


@cache
def _expand(pattern: str) -> tuple[str, ...]:
    return tuple(expand_action_pattern(pattern))


@cache
def _catalogue_levels(service: str) -> dict[str, tuple[str, ...]]:
    levels: dict[str, list[str]] = {}
    for action in expand_action_pattern(f"{service}:*"):
        levels.setdefault(access_level(action) or "", []).append(action)
    return {level: tuple(actions) for level, actions in levels.items() if level in LEVELS}
