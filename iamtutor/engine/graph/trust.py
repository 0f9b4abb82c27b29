"""The assume edges: for each role, every principal its trust policy names, and what STS decides for each.

Owns the trust request as STS builds it (built once per caller and role account, then reused), its
evaluation plainly and again with the keys that satisfy the trust's conditions, and the piece a dashed
"trusted but not permitted" edge lacks. The decision itself is always ``evaluate``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Final

from ..conditions import make_context
from ..evaluate import Decision, Request, evaluate
from ..matching import match_action, match_principal
from ..policy import Policy, Statement
from ..world import World
from ..world_model import Role
from .model import Edge
from .principals import FEDERATED_ACTIONS, Principal, baseline_keys, outside_account
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

type Plan = list[tuple[int, list[tuple[Statement, str]]]]  # (principal position, [(statement, how it names it)])


class TrustEdges:
    """The assume edges of one world's principals (``principals``, found by ``index`` keys such as
    ``acct:<id>``, ``svc:<name>``, ``fed:<arn>`` or an ARN) against its roles."""

    def __init__(self, world: World, principals: Sequence[Principal], index: Mapping[str, list[int]]) -> None:
        self.world, self.principals, self.index = world, principals, index
        self.overlays: dict[tuple[tuple[str, str], ...], dict[str, object]] = {}

    def plan(self, role: Role) -> Plan:
        """The principals the role's trust names (by position), with the statements and how each names them."""
        trust = role.trust.policy() if role.trust else None
        statements = [s for s in trust.statements if s.effect == "Allow" and s.principal] if trust else []
        plan = []
        for position in self._candidates(statements):
            principal = self.principals[position]
            named = [
                (s, match_principal(s.principal, principal.ident.caller))
                for s in statements  # type: ignore[arg-type]
                if has_action(s, principal.action)
            ]
            named = [(s, kind) for s, kind in named if kind is not None]
            if named and _reachable_provider(principal, role):
                plan.append((position, named))
        return plan  # type: ignore[return-value]

    def edges(self, role: Role, plan: Plan) -> Iterator[Edge]:
        """The assume edges into ``role`` of the principals in ``plan``."""
        for position, named in plan:
            edge = self._edge(self.principals[position], role, named)
            if edge is not None:
                yield edge

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

    def _edge(self, principal: Principal, role: Role, named: list[tuple[Statement, str]]) -> Edge | None:
        """The edge for one pair, or None when the trust does not let this principal in at all."""
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
        decision = evaluate(self.request(principal, role))
        trust_said_no = decision.denied_by in ("trust", "resource")
        keys = supply(principal, statements) if trust_said_no and not _allows(decision, principal) else None
        if keys is not None and keys.pairs:
            decision = evaluate(self.request(principal, role, keys))
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
            request = self.world.build_request(
                principal.ident, principal.action, role.arn, extra=baseline_keys(principal)
            )
            if principal.external:
                request = replace(request, scps=())  # an outside account's SCPs are not part of the world
            principal.requests[key] = request
        return request


def has_action(statement: Statement, action: str) -> bool:
    """Whether ``statement``'s Action (or NotAction) covers ``action``."""
    if statement.actions is not None:
        return any(match_action(p, action) for p in statement.actions)
    return statement.not_actions is not None and not any(match_action(p, action) for p in statement.not_actions)


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
