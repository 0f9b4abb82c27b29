"""The assume edges: for each role, every principal its trust policy names, and what STS decides for each.

Owns the trust request as STS builds it (built once per caller and role account, then reused), its
evaluation plainly and again with the keys that satisfy the trust's conditions, and the piece a dashed
"trusted but not permitted" edge lacks. The decision itself is always ``evaluate``'s; principals of one role
whose requests differ only in what no policy of the request reads share one evaluation (``sharing.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Final

from ..conditions import make_context
from ..evaluate import Decision, Request
from ..matching import match_principal
from ..policy import Policy, PrincipalSpec, Statement
from ..principals import Caller
from ..world import World
from ..world_model import Role
from .budget import Meter
from .model import Edge
from .principals import FEDERATED_ACTIONS, Principal, baseline_keys, outside_account
from .sharing import Sharing, has_action
from .trust_conditions import Supply, condition_label, supply

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
_UNDECIDED: Final = object()  # a shared decision not made yet

type Plan = list[tuple[int, list[tuple[Statement, str]]]]  # (principal position, [(statement, how it names it)])


class TrustEdges:
    """The assume edges of one world's principals (``principals``, found by ``index`` keys such as
    ``acct:<id>``, ``svc:<name>``, ``fed:<arn>`` or an ARN) against its roles."""

    def __init__(
        self, world: World, principals: Sequence[Principal], index: Mapping[str, list[int]], meter: Meter
    ) -> None:
        self.world, self.principals, self.index, self.meter = world, principals, index, meter
        self.overlays: dict[tuple[tuple[str, str], ...], dict[str, object]] = {}
        self.sharing = Sharing()
        org = world.organization
        roles = [r for a in world.accounts.values() for r in a.roles.values()]
        self.sharing.allow_twins((r.trust.policy() for r in roles if r.trust), bool(org is not None and org.rcps))
        self.shared: dict[tuple, Edge | None] = {}
        self.elsewhere: dict[tuple, Edge | None] = {}  # by ``Sharing.across``: an edge decided for another role
        self.covers: dict[tuple[int, str], bool] = {}  # (id of a trust statement, action) -> has_action
        self.spec_number: dict[int, int] = {}  # id of a trust statement's Principal -> a number per content
        self.spec_numbers: dict[PrincipalSpec, int] = {}
        self.matches: dict[tuple[int, int], str | None] = {}  # (spec number, id of a caller) -> match_principal
        self.kept: list[object] = []  # what the id()-keyed memos name stays alive for the whole build

    def plan(self, role: Role) -> Plan:
        """The principals the role's trust names (by position), with the statements and how each names them."""
        statements = trust_statements(role)
        candidates = self._candidates(statements)
        self.meter.paired(len(candidates))
        plan = []
        principals, matches = self.principals, self.matches
        covering: dict[str, list[tuple[Statement, int]]] = {}  # ``named``'s statements by action, with spec numbers
        for position in candidates:
            principal = principals[position]
            action = principal.action
            found = covering.get(action)
            if found is None:
                found = covering[action] = [(s, self._spec(s)) for s in statements if self._covers(s, action)]
            if not found:
                continue
            caller = principal.ident.caller
            named = []
            for s, number in found:  # as ``named``, its memos looked up here
                kind = matches.get((number, id(caller)), _UNDECIDED)
                if kind is _UNDECIDED:
                    kind = self.match(s.principal, caller)  # type: ignore[arg-type]
                if kind is not None:
                    named.append((s, kind))
            if named and _reachable_provider(principal, role):
                plan.append((position, named))
        return plan

    def _covers(self, statement: Statement, action: str) -> bool:
        """``has_action(statement, action)``, kept per statement and action."""
        covered = self.covers.get((id(statement), action))
        if covered is None:
            covered = self.covers[(id(statement), action)] = has_action(statement, action)
        return covered

    def _spec(self, statement: Statement) -> int:
        """The number of the statement's Principal element (``_number``)."""
        number = self.spec_number.get(id(statement.principal))
        return number if number is not None else self._number(statement.principal)  # type: ignore[arg-type]

    def named(self, statements: list[Statement], principal: Principal, role: Role) -> list[tuple[Statement, str]]:
        """The trust statements that name ``principal`` for its action, and how; [] when none does (or STS
        would not find its identity provider)."""
        caller = principal.ident.caller
        action = principal.action
        covers, matches = self.covers, self.matches
        named = []
        for s in statements:
            covered = covers.get((id(s), action))
            if covered is None:
                covered = covers[(id(s), action)] = has_action(s, action)
            if covered:
                spec = s.principal
                number = self.spec_number.get(id(spec))
                if number is None:
                    number = self._number(spec)  # type: ignore[arg-type]
                kind = matches.get((number, id(caller)), _UNDECIDED)
                if kind is _UNDECIDED:
                    kind = self.match(spec, caller)  # type: ignore[arg-type]
                if kind is not None:
                    named.append((s, kind))
        return named if named and _reachable_provider(principal, role) else []

    def match(self, spec: PrincipalSpec, caller: Caller) -> str | None:
        """``match_principal(spec, caller)``, worked out once per Principal content and caller in a build."""
        number = self.spec_number.get(id(spec))
        if number is None:
            number = self._number(spec)
        key = (number, id(caller))
        kind = self.matches.get(key, _UNDECIDED)
        if kind is _UNDECIDED:
            self.kept.append(caller)
            kind = self.matches[key] = match_principal(spec, caller)
        return kind  # type: ignore[return-value]

    def _number(self, spec: PrincipalSpec) -> int:
        """A number per Principal element, equal for equal content: equal elements match a caller alike."""
        self.kept.append(spec)
        number = self.spec_number[id(spec)] = self.spec_numbers.setdefault(spec, len(self.spec_numbers))
        return number

    def edges(self, role: Role, plan: Plan) -> Iterator[Edge]:
        """The assume edges into ``role`` of the principals in ``plan``. A principal of the same class
        (``Sharing.principal_class``) as an earlier one that the trust names alike gets that one's edge, drawn
        from itself, without a request of its own; the others go by ``_shared_edge``."""
        principals, sharing = self.principals, self.sharing
        others = sharing.role_twins(role)
        classes = sharing.classes
        twins: dict[tuple, Edge | None] = {}  # the edge of each class's first pair, by twin key
        for position, named in plan:
            principal = principals[position]
            twin = None
            if others is not None:
                number = classes.get(id(principal), _UNDECIDED)
                if number is _UNDECIDED:
                    number = sharing.principal_class(principal, self._any_request(principal, role))
                if number is not None:
                    caller = principal.ident.caller
                    twin = (
                        number,
                        tuple([(s.index, kind) for s, kind in named]),
                        tuple([match_principal(s.principal, caller) for s in others]) if others else (),  # type: ignore[arg-type]
                    )
                    found = twins.get(twin, _UNDECIDED)
                    if found is not _UNDECIDED:
                        if found is not None:
                            yield _from(found, principal.node.id)  # type: ignore[arg-type]
                        continue
            edge = self._shared_edge(principal, role, named)
            if twin is not None:
                twins[twin] = edge
            if edge is not None:
                yield edge

    def _candidates(self, statements: list[Statement]) -> list[int]:
        """Principals a statement could name (a superset; ``match_principal`` decides), in graph order."""
        keys = candidate_keys(statements)
        if keys is None:
            return list(range(len(self.principals)))
        found: set[int] = set()
        for key in keys:
            found.update(self.index.get(key, ()))
        return sorted(found)

    def _shared_edge(self, principal: Principal, role: Role, named: list[tuple[Statement, str]]) -> Edge | None:
        """The pair's edge by its sharing key (``Sharing.key``), decided when no earlier pair had that key."""
        request = principal.requests.get((role.account, tuple(role.tags)))
        if request is None:
            request = self._base_request(principal, role)
        key = self.sharing.key(principal, role, named, request)
        if key is None:
            return self._decided_edge(principal, role, named)
        found = self.shared.get(key, _UNDECIDED)
        if found is _UNDECIDED:
            across = self.sharing.across(role, key, request)
            other = self.elsewhere.get(across, _UNDECIDED) if across is not None else _UNDECIDED
            if other is not _UNDECIDED:  # decided for another role of the same account, tags and trust
                found = self.shared[key] = _to(other, principal.node.id, role.arn) if other is not None else None  # type: ignore[arg-type]
                return found  # type: ignore[return-value]
            found = self.shared[key] = self._decided_edge(principal, role, named)
            if across is not None:
                self.elsewhere[across] = found  # type: ignore[assignment]
            return found  # type: ignore[return-value]  # drawn from this very principal
        return _from(found, principal.node.id) if found is not None else None  # type: ignore[arg-type]

    def _any_request(self, principal: Principal, role: Role) -> Request:
        """One of the caller's trust requests: a kept one, else the one for ``role``."""
        for request in principal.requests.values():
            return request
        return self._base_request(principal, role)

    def _decided_edge(self, principal: Principal, role: Role, named: list[tuple[Statement, str]]) -> Edge | None:
        """The edge for one pair as ``evaluate`` decides it."""
        statements = [s for s, _ in named]
        decision, keys = self._decide(principal, role, statements)
        allowed = _allows(decision, principal)
        trusted_as = _trusted_as(named)
        missing = None if allowed else _missing(decision, principal, keys, trusted_as)
        if not allowed and missing is None:
            return None
        if allowed:
            labels = _trust_labels(role.trust.policy(), decision, principal)  # type: ignore[union-attr]
        else:
            labels = tuple(dict.fromkeys(condition_label(c, principal) for s in statements for c in s.conditions))
        return Edge(
            principal.node.id,
            role.arn,
            "assume",
            allowed,
            principal.action,
            labels,
            allowed and keys is not None,
            keys.pairs if keys else (),
            missing,
            trusted_as=trusted_as,
            external=principal.external,
        )

    def _decide(self, principal: Principal, role: Role, statements: list[Statement]) -> tuple[Decision, Supply | None]:
        """``evaluate``'s decision for the pair: plainly, then — when the trust said no — again with the keys that
        satisfy its conditions (returned too, None when not tried)."""
        decision = self.meter.decide(self.request(principal, role))
        trust_said_no = decision.denied_by in ("trust", "resource")
        keys = supply(principal, statements) if trust_said_no and not _allows(decision, principal) else None
        if keys is not None and keys.pairs:
            decision = self.meter.decide(self.request(principal, role, keys))
        return decision, keys

    def request(self, principal: Principal, role: Role, keys: Supply | None = None) -> Request:
        """The request STS evaluates for this caller and role (``sts.assume``). Besides the role's ARN and
        trust policy only its account and tags enter it, so one request per (account, tags) is built and
        reused with those replaced, and supplied keys are laid over its context as ``build_request`` lays
        ``context`` and ``extra`` over the rest (``tests/engine/graph/test_trust.py`` checks both against a
        fresh build)."""
        request = self._base_request(principal, role)
        context = request.context
        if keys is not None:
            overlay = self.overlays.get(keys.pairs)
            if overlay is None:
                overlay = self.overlays[keys.pairs] = {**make_context(keys.context), **make_context(keys.extra)}
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
            role.trust.policy(),  # type: ignore[union-attr]
            r.resource_is_trust,
        )

    def _base_request(self, principal: Principal, role: Role) -> Request:
        """The caller's request for a role of this account and tags, built once and kept on the principal."""
        key = (role.account, tuple(role.tags))
        request = principal.requests.get(key)
        if request is None:
            request = principal.request(self.world, principal.action, role.arn, baseline_keys(principal))
            if principal.external:
                request = replace(request, scps=())  # an outside account's SCPs are not part of the world
            principal.requests[key] = request
        return request


def trust_statements(role: Role) -> list[Statement]:
    """The Allow statements of the role's trust policy that have a Principal: the ones that can let anyone in."""
    trust = role.trust.policy() if role.trust else None
    return [s for s in trust.statements if s.effect == "Allow" and s.principal] if trust else []


def candidate_keys(statements: list[Statement]) -> list[str] | None:
    """The principal index keys (``acct:<id>``, ``svc:<name>``, ``fed:<arn>``, an ARN) the statements name, or
    None when one names everyone (``"*"``)."""
    keys: list[str] = []
    for statement in statements:
        spec = statement.principal
        if spec is None or spec.wildcard or "*" in spec.aws:
            return None
        keys += [_aws_key(e) for e in spec.aws] + ["svc:" + s.lower() for s in spec.service]
        keys += ["fed:" + f for f in spec.federated]
    return keys


def _from(edge: Edge, source: str) -> Edge:
    """``edge`` drawn from ``source`` instead (``dataclasses.replace`` costs as much as a small evaluation)."""
    return _to(edge, source, edge.target)


def _to(edge: Edge, source: str, target: str) -> Edge:
    """``edge`` drawn from ``source`` to ``target`` instead."""
    e = edge
    return Edge(
        source,
        target,
        e.kind,
        e.allowed,
        e.action,
        e.conditions,
        e.conditional,
        e.supplied,
        e.missing,
        e.access,
        e.trusted_as,
        e.external,
        e.count,
    )


def _aws_key(entry: str) -> str:
    account = outside_account(entry)
    return "acct:" + account if account else entry


def _reachable_provider(principal: Principal, role: Role) -> bool:
    """STS looks for the identity provider in the role's account, and an OIDC token needs an audience."""
    if principal.node.kind not in FEDERATED_ACTIONS:
        return True
    return principal.node.account == role.account and (principal.claims_url is None or bool(principal.audiences))


def _allows(decision: Decision, principal: Principal) -> bool:
    """Allowed; for an outside account, allowed as far as this world can tell (its own policies unknown)."""
    if decision.allowed:
        return True
    return principal.external and decision.denied_by in ("identity", "boundary", "session")


def _trusted_as(named: list[tuple[Statement, str]]) -> str:
    """How the trust names the principal at best: ``direct``, ``role`` or ``account``; ``any`` for ``"*"``."""
    kinds = {kind for s, kind in named if not (s.principal and (s.principal.wildcard or "*" in s.principal.aws))}
    return next((k for k in ("direct", "role", "account") if k in kinds), "any")


def _missing(decision: Decision, principal: Principal, keys: Supply | None, trusted_as: str) -> str | None:
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
    unmet = keys.unmet if keys else ()
    if not unmet:
        return None
    return "MFA device" if "MFA" in unmet and not principal.mfa else "trust policy condition"


def _trust_labels(trust: Policy, decision: Decision, principal: Principal) -> tuple[str, ...]:
    """Condition labels of the trust statements that allowed the request."""
    indexes = [m.index for m in decision.matched if m.source == "trust" and m.effect == "Allow"]
    statements = [trust.statements[i] for i in indexes if i < len(trust.statements)]
    return tuple(dict.fromkeys(condition_label(c, principal) for s in statements for c in s.conditions))
