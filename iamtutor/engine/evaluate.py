"""The authorization decision for one request: allowed, explicit or implicit deny (§4, iam-reference.md).

Owns the set logic of §4.2 — explicit denies, RCP/SCP guardrails, resource-policy grants by how the
principal matched, identity ∩ boundary ∩ session, same- and cross-account rules and the trust-policy
exception — plus the per-policy index that keeps it fast. Wildcards and principals are ``matching.py``'s,
condition operators ``conditions.py``'s, and every sentence about the decision ``explain.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final

from . import explain
from .conditions import conditions_match, substitute_resource_variables
from .errors import EngineError, ParameterError
from .matching import match_action, match_principal, match_resource, parse_arn
from .policy import Policy, PrincipalSpec, Statement
from .principals import Caller
from .refs import StatementRef

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .conditions import Context

# ---- switches for contested facts (§9); tests flip them with monkeypatch -------------------------

# ⚠ F14 (§5.2, D-UPDTRUST vs D-EVAL, M): the caller's permissions boundary must allow sts:AssumeRole* even
# when the trust policy names the caller directly. False applies the general same-account rule instead.
F14_BOUNDARY_GATES_TRUST: bool = True
# ⚠ F15 (§4.2 notes, D-POL/D-EVAL vs IS, M): a resource-policy grant naming the session ARN is not limited by
# the session policy (AWS docs). False follows iam-simulate, where the session policy still applies.
F15_SESSION_ARN_GRANT_IGNORES_SESSION_POLICY: bool = True
# ⚠ F18 (§1.5, D-NOTACT vs D-EVAL, M): only a literal Resource "*" covers actions authorised against "*"
# (no resource-level permissions). False also lets "arn:aws:s3:::*"-style service-wide ARNs cover them.
F18_ONLY_STAR_COVERS_STAR: bool = True

# ---- the flowchart the diagram draws (§4.1 fact 2, D-EVAL) ---------------------------------------

FLOW_NODES: Final[dict[str, str]] = {
    "no_authorization": "sts:GetCallerIdentity needs no permission and is never denied (D-TEMP)",
    "deny": "Does a Deny statement in any applicable policy match? (explicit deny beats every Allow)",
    "rcp": "Resource control policies: does every level, root to account, allow the action?",
    "scp": "Service control policies: does every level, root to account, allow the action?",
    "resource": "Does the resource-based policy (a role's trust policy) allow this principal?",
    "identity": "Does an identity-based policy of the principal allow the action?",
    "boundary": "Does the permissions boundary (if any) allow the action?",
    "session": "Does the session policy (if any) allow the action?",
    "allow": "Final decision: allowed",
    "explicit_deny": "Final decision: explicit deny",
    "implicit_deny": "Final decision: implicit deny (nothing allowed it)",
}

# The order in which policy types are reported when several deny (§4.1 fact 2: AWS's documented order).
SOURCE_ORDER: Final[tuple[str, ...]] = ("rcp", "scp", "resource", "trust", "identity", "boundary", "session")

_GET_CALLER_IDENTITY: Final = "sts:getcalleridentity"  # §4.1 fact 11, D-TEMP (H)
_ASSUME_ROLE_ACTIONS: Final = frozenset({"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"})
# Callers without an identity side: only resource policies (and RCPs) decide (§4.2 notes, IS, M).
_NO_IDENTITY_SIDE: Final = frozenset({"service", "anonymous", "web_identity"})
# NotPrincipal + Deny exempts a caller only when every identity AWS checks for it is listed (§1.6, D-NOTPRIN:
# "AWS might validate the account first, then the role, and then the assumed-role user") (M).
_NOT_PRINCIPAL_FACETS: Final[dict[str, frozenset[str]]] = {
    "user": frozenset({"direct", "account"}),
    "assumed_role": frozenset({"direct", "role", "account"}),
    "federated_user": frozenset({"direct", "account"}),
}
_INDEX_LIMIT: Final = 4096  # memoised (action, resource) entries per policy before the memo starts afresh


# ---- public types --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One authorization question: may ``caller`` perform ``action`` on ``resource`` with ``context``?

    ``resource_account`` None means the caller's own account. ``session_policies`` () means the session
    is not limited by one; ``scps``/``rcps`` hold one tuple of policies per level (root → OUs → account)
    and are () when none apply (management account, service-linked role, unsupported service). For
    ``sts:AssumeRole*`` ``resource_policy`` is the role's trust policy; ``resource_is_trust`` marks
    resource policies that must themselves allow the principal (trust and KMS key policies, §4.1 fact 5).
    """

    caller: Caller
    action: str
    resource: str
    resource_account: str | None
    context: Context
    identity_policies: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    session_policies: tuple[Policy, ...] = ()
    scps: tuple[tuple[Policy, ...], ...] = ()
    rcps: tuple[tuple[Policy, ...], ...] = ()
    resource_policy: Policy | None = None
    resource_is_trust: bool = False


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    """A statement that applied to the request; ``principal_match`` says how a resource policy named the
    caller (``direct`` / ``role`` / ``account``, §4.1 fact 6) and is None for other policy types.

    ``ref`` is the statement's stable id in the world (``refs.StatementRef``, resolvable with
    ``resolve_statement``); None when the policy was parsed on its own rather than read from a world.
    """

    source: str
    policy: str | None
    sid: str | None
    effect: str
    index: int
    json_path: str
    principal_match: str | None = None
    line: int | None = None
    ref: StatementRef | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome (IAM's ``EvalDecision``), the statements behind it and the flowchart path.

    ``denied_by`` names the policy type responsible for a deny (a ``MatchedStatement.source`` value);
    ``grant`` how an allow came about (``direct``/``role``/``account`` resource-policy grant, ``identity``,
    or ``no_authorization``); ``level`` the 0-based SCP/RCP level that had no Allow; ``request`` the
    ``Request`` that was decided (not part of equality), so a caller can word the decision without
    building the request again.
    """

    outcome: str
    matched: tuple[MatchedStatement, ...]
    missing_context: tuple[str, ...]
    path: tuple[str, ...]
    denied_by: str | None
    reason: str
    grant: str | None = None
    level: int | None = None
    request: Request | None = field(default=None, compare=False, repr=False)

    @property
    def allowed(self) -> bool:
        """True when the request is allowed."""
        return self.outcome == "allowed"


# ---- building Requests and Decisions on the hot path --------------------------------------------
#
# A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (its own
# ``__setattr__`` refuses), which costs about a microsecond for a Request of twelve fields. The request path
# builds one Request and one Decision per step, so these two functions fill the slots directly through
# their descriptors instead. They take every field, in field order; the result is an ordinary instance
# (same equality, hash and repr). ``test_evaluate`` checks they match the dataclass constructors.

_new = object.__new__


def _slot_setters(cls: type) -> tuple[Any, ...]:
    """The ``__set__`` of each field's slot descriptor, in field order."""
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


(_R_CALLER, _R_ACTION, _R_RESOURCE, _R_RESOURCE_ACCOUNT, _R_CONTEXT, _R_IDENTITY, _R_BOUNDARY, _R_SESSION, _R_SCPS,
 _R_RCPS, _R_RESOURCE_POLICY, _R_IS_TRUST) = _slot_setters(Request)  # fmt: skip
_D_OUTCOME, _D_MATCHED, _D_MISSING, _D_PATH, _D_DENIED_BY, _D_REASON, _D_GRANT, _D_LEVEL, _D_REQUEST = _slot_setters(
    Decision
)


def new_request(
    caller: Caller,
    action: str,
    resource: str,
    resource_account: str | None,
    context: Context,
    identity_policies: tuple[Policy, ...],
    boundary: Policy | None,
    session_policies: tuple[Policy, ...],
    scps: tuple[tuple[Policy, ...], ...],
    rcps: tuple[tuple[Policy, ...], ...],
    resource_policy: Policy | None,
    resource_is_trust: bool,
) -> Request:
    """``Request(...)`` with every field given positionally, built without the frozen ``__setattr__``."""
    r = _new(Request)
    _R_CALLER(r, caller)
    _R_ACTION(r, action)
    _R_RESOURCE(r, resource)
    _R_RESOURCE_ACCOUNT(r, resource_account)
    _R_CONTEXT(r, context)
    _R_IDENTITY(r, identity_policies)
    _R_BOUNDARY(r, boundary)
    _R_SESSION(r, session_policies)
    _R_SCPS(r, scps)
    _R_RCPS(r, rcps)
    _R_RESOURCE_POLICY(r, resource_policy)
    _R_IS_TRUST(r, resource_is_trust)
    return r


def _new_decision(
    outcome: str,
    matched: tuple[MatchedStatement, ...],
    missing: tuple[str, ...],
    path: tuple[str, ...],
    denied_by: str | None,
    reason: str,
    grant: str | None,
    level: int | None,
    request: Request,
) -> Decision:
    """``Decision(...)`` with every field given positionally, built without the frozen ``__setattr__``."""
    d = _new(Decision)
    _D_OUTCOME(d, outcome)
    _D_MATCHED(d, matched)
    _D_MISSING(d, missing)
    _D_PATH(d, path)
    _D_DENIED_BY(d, denied_by)
    _D_REASON(d, reason)
    _D_GRANT(d, grant)
    _D_LEVEL(d, level)
    _D_REQUEST(d, request)
    return d


def evaluate(request: Request) -> Decision:
    """Decides ``request`` following §4.2 of iam-reference.md; the result does not depend on check order.

    Returns a ``Decision``; never raises for a well-typed ``Request``. A malformed one (wrong types in
    its fields) raises ``ParameterError`` — no other exception escapes.
    """
    try:
        return _evaluate(request)
    except EngineError:
        raise
    except Exception as err:  # a malformed Request must not leak a Python error (contract ground rule)
        raise ParameterError(
            "The request could not be evaluated: its caller, action, resource, context or policies are malformed."
        ) from err


# ---- the per-policy index ------------------------------------------------------------------------


class _Compiled:
    """A statement prepared once per policy: its tests, flags and the MatchedStatement values it yields."""

    __slots__ = (
        "_matched",
        "allow",
        "any_resource",
        "conditions",
        "dynamic",
        "not_principal_singles",
        "pad_short",
        "patterns",
        "policy_name",
        "policy_ref",
        "resource_negated",
        "statement",
        "variables",
    )

    def __init__(self, statement: Statement, policy: Policy) -> None:
        self.statement = statement
        self.policy_name = policy.name
        self.policy_ref = policy.ref
        self.allow = statement.effect == "Allow"
        self.conditions = statement.conditions
        self.variables = policy.variables_enabled
        self.resource_negated = statement.resources is None and statement.not_resources is not None
        # Short ARNs are padded with "*" in identity-style policies only (⚠ F4, §1.5, IS, M).
        self.pad_short = policy.kind not in ("resource", "trust", "rcp")
        self.patterns = statement.resources if statement.resources is not None else statement.not_resources
        self.dynamic = self.variables and self.patterns is not None and any("${" in p for p in self.patterns)
        # No Resource element, or a literal "*" among the Resource patterns: every resource matches.
        self.any_resource = self.patterns is None or (not self.resource_negated and "*" in self.patterns)
        self.not_principal_singles = _single_entries(statement.not_principal)
        self._matched: dict[tuple[str, str | None], MatchedStatement] = {}

    def matched(self, source: str, kind: str | None) -> MatchedStatement:
        """The (shared, immutable) MatchedStatement for this statement seen through ``source``."""
        key = (source, kind)
        found = self._matched.get(key)
        if found is None:
            s = self.statement
            ref = StatementRef(self.policy_ref, s.index, s.sid) if self.policy_ref is not None else None
            found = MatchedStatement(source, self.policy_name, s.sid, s.effect, s.index, s.json_path, kind, s.line, ref)
            self._matched[key] = found
        return found

    def action_matches(self, action: str) -> bool:
        s = self.statement
        if s.actions is not None:
            return any(match_action(p, action) for p in s.actions)
        return s.not_actions is not None and not any(match_action(p, action) for p in s.not_actions)

    def resource_matches(self, resource: str, context: Context | None) -> bool:
        """Resource / NotResource test; ``context`` None skips patterns with variables (static pass)."""
        if self.patterns is None:  # trust policies have no Resource element
            return True
        hit = any(self._covers(pattern, resource, context) for pattern in self.patterns)
        return not hit if self.resource_negated else hit

    def _covers(self, pattern: str, resource: str, context: Context | None) -> bool:
        escaped = False
        if self.variables and "${" in pattern:
            if context is None:
                return False
            pattern = substitute_resource_variables(pattern, context)  # only after the fifth colon (D-VARS)
            if pattern is None:  # an unresolved variable matches nothing (§2.2, D-VARS)
                return False
            escaped = True
        return pattern == "*" or match_resource(
            pattern,
            resource,
            pad_short=self.pad_short,
            escaped=escaped,
            star_needs_star=F18_ONLY_STAR_COVERS_STAR,
        )


def _single_entries(spec: PrincipalSpec | None) -> tuple[PrincipalSpec, ...]:
    if spec is None or spec.wildcard:
        return ()
    return (
        *(PrincipalSpec(aws=(v,)) for v in spec.aws),
        *(PrincipalSpec(service=(v,)) for v in spec.service),
        *(PrincipalSpec(federated=(v,)) for v in spec.federated),
        *(PrincipalSpec(canonical_user=(v,)) for v in spec.canonical_user),
    )


def _candidates(policy: Policy, key: tuple[str, str, bool]) -> tuple[_Compiled, ...]:
    """Statements whose action matches and whose resource matches or uses variables, for ``key`` =
    (lower-cased action, resource, F18 switch), from the index kept in ``policy.cache``.

    The statements of each action are kept per action. When none of them needs a resource test (each
    covers every resource or uses variables), that list is the answer for every resource and nothing is
    memoised per resource: requests that each name a new resource then cost one dictionary look-up, not a
    scan. Otherwise the answer is memoised per ``key``.
    """
    cache = policy.cache
    by_action = cache.get("by_action")
    if by_action is None:
        cache["compiled"] = tuple(_Compiled(s, policy) for s in policy.statements)
        by_action = cache["by_action"] = {}
        cache["memo"] = {}
    action_key, resource, _ = key
    entry = by_action.get(action_key)
    if entry is None:
        for_action = tuple(c for c in cache["compiled"] if c.action_matches(action_key))
        entry = (for_action, any(not (c.any_resource or c.dynamic) for c in for_action))
        if len(by_action) >= _INDEX_LIMIT:
            by_action.clear()
        by_action[action_key] = entry
    for_action, needs_resource = entry
    if not needs_resource:
        return for_action
    memo = cache["memo"]
    found = memo.get(key)
    if found is None:
        found = tuple(c for c in for_action if c.any_resource or c.dynamic or c.resource_matches(resource, None))
        if len(memo) >= _INDEX_LIMIT:
            memo.clear()
        memo[key] = found
    return found


# ---- collecting what applies ---------------------------------------------------------------------


class _Evidence:
    """Every applicable statement of a request, split into Allow and Deny, and the facts §4.2 needs.

    Sources are scanned in ``SOURCE_ORDER`` so ``denies``/``allows`` come out in the reporting order.
    """

    __slots__ = (
        "allows",
        "boundary_ok",
        "denies",
        "has_boundary",
        "identity_ok",
        "key",
        "missing",
        "rcp_levels",
        "request",
        "resource_kinds",
        "resource_source",
        "scp_levels",
        "session_ok",
    )

    def __init__(self, request: Request, action_key: str) -> None:
        self.request = request
        self.key = (action_key, request.resource, F18_ONLY_STAR_COVERS_STAR)
        self.has_boundary = request.boundary is not None or request.caller.has_boundary
        self.allows: list[MatchedStatement] = []
        self.denies: list[MatchedStatement] = []
        self.missing: list[str] = []
        self.resource_kinds: set[str | None] = set()
        self.resource_source = _resource_source(request, action_key)
        principal_side = request.caller.type not in _NO_IDENTITY_SIDE
        rcps, scps = request.rcps, request.scps
        self.rcp_levels = [self._scan(level, "rcp", principal=True) for level in rcps] if rcps else []
        self.scp_levels = [self._scan(level, "scp") for level in scps] if scps and principal_side else []
        if request.resource_policy is not None:
            self._scan((request.resource_policy,), self.resource_source, principal=True)
        self.identity_ok = principal_side and self._scan(request.identity_policies, "identity")
        boundary = request.boundary
        self.boundary_ok = boundary is None or (principal_side and self._scan((boundary,), "boundary"))
        sessions = request.session_policies
        self.session_ok = not sessions or (principal_side and self._scan(sessions, "session"))

    def _scan(self, policies: Iterable[Policy], source: str, *, principal: bool = False) -> bool:
        """Records the statements of ``policies`` that apply; True when one of them is an Allow."""
        context, resource, key = self.request.context, self.request.resource, self.key
        allowed = False
        for policy in policies:
            for c in _candidates(policy, key):
                if c.dynamic and not c.resource_matches(resource, context):
                    continue
                kind = self._principal_kind(c) if principal else None
                if principal and kind is None:
                    continue
                if c.conditions:
                    ok, absent = conditions_match(c.conditions, context, variables=c.variables)
                    if absent:
                        self.missing.extend(absent)
                    if not ok:
                        continue
                if c.allow:
                    allowed = True
                    self.allows.append(c.matched(source, kind))
                    if principal and source != "rcp":
                        self.resource_kinds.add(kind)
                else:
                    self.denies.append(c.matched(source, kind))
        return allowed

    def _principal_kind(self, c: _Compiled) -> str | None:
        """How a resource-type statement names the caller, or None when it does not apply (§4.1 fact 10)."""
        s = c.statement
        caller = self.request.caller
        if s.principal is not None:
            return match_principal(s.principal, caller)
        if s.not_principal is None:
            return None
        if not c.allow and self.has_boundary:  # §1.6 / §4.1 fact 9, D-PB (H)
            return "direct"
        return None if _exempted(s.not_principal, c.not_principal_singles, caller) else "direct"

    def missing_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.missing)) if self.missing else ()


def _exempted(spec: PrincipalSpec, singles: tuple[PrincipalSpec, ...], caller: Caller) -> bool:
    """True when NotPrincipal lists every identity of ``caller`` that AWS checks (§1.6, D-NOTPRIN)."""
    if spec.wildcard:
        return True
    kinds = {match_principal(single, caller) for single in singles}
    kinds.discard(None)
    required = _NOT_PRINCIPAL_FACETS.get(caller.type)
    return required <= kinds if required is not None else bool(kinds)


def _resource_source(request: Request, action_key: str) -> str:
    policy = request.resource_policy
    if policy is not None:
        return "trust" if policy.kind == "trust" else "resource"
    return "trust" if request.resource_is_trust and action_key in _ASSUME_ROLE_ACTIONS else "resource"


# ---- the decision ----------------------------------------------------------------------------------

_GUARDRAIL_PATHS: Final = {
    "rcp": ("deny", "rcp", "implicit_deny"),
    "scp": ("deny", "rcp", "scp", "implicit_deny"),
}


def _evaluate(request: Request) -> Decision:
    action_key = request.action.lower()
    if action_key == _GET_CALLER_IDENTITY:  # §4.1 fact 11, D-TEMP (H)
        return _decision(request, "allowed", (), (), ("no_authorization", "allow"), None, "no_authorization")
    ev = _Evidence(request, action_key)
    if ev.denies:  # §4.1 fact 1: an applicable Deny anywhere wins
        return _decision(
            request,
            "explicitDeny",
            tuple(ev.denies),
            ev.missing_keys(),
            ("deny", "explicit_deny"),
            ev.denies[0].source,
            None,
        )
    allows = tuple(ev.allows)
    if ev.rcp_levels or ev.scp_levels:
        for source, levels in (("rcp", ev.rcp_levels), ("scp", ev.scp_levels)):
            if not all(levels):  # §4.1 fact 3: every level must have a matching Allow
                level = levels.index(False)
                path = _GUARDRAIL_PATHS[source]
                return _decision(request, "implicitDeny", allows, ev.missing_keys(), path, source, None, level)
    grant, nodes, denied_by = _grant(request, action_key, ev)
    outcome = "allowed" if grant is not None else "implicitDeny"
    path = ("deny", "rcp", "scp", *nodes, "allow" if grant is not None else "implicit_deny")
    return _decision(request, outcome, allows, ev.missing_keys(), path, denied_by, grant)


def _decision(
    request: Request,
    outcome: str,
    matched: tuple[MatchedStatement, ...],
    missing: tuple[str, ...],
    path: tuple[str, ...],
    denied_by: str | None,
    grant: str | None,
    level: int | None = None,
) -> Decision:
    reason = (
        explain.allow_reason(grant, request)
        if outcome == "allowed"
        else explain.denial_message(outcome, denied_by, request)
    )
    return _new_decision(outcome, matched, missing, path, denied_by, reason, grant, level, request)


# Each route returns (grant or None, flowchart nodes after "scp", policy type that denied or None).
_Route = tuple[str | None, tuple[str, ...], str | None]
_PRINCIPAL_NODES: Final = ("identity", "boundary", "session")


def _grant(request: Request, action_key: str, ev: _Evidence) -> _Route:
    """Step 3 of §4.2: resource-policy grants and the principal side, same or cross account."""
    caller = request.caller
    kinds = ev.resource_kinds
    if caller.type in _NO_IDENTITY_SIDE:  # services, anonymous, web identities: the resource policy decides
        kind = _strongest(kinds)
        return (kind, ("resource",), None) if kind else (None, ("resource",), ev.resource_source)
    # §4.1 fact 1: root is allowed in its own account; facts 8 and §5.4: boundary and session only restrict
    principal = (caller.type == "root" or ev.identity_ok, ev.boundary_ok, ev.session_ok)
    same = request.resource_account is None or request.resource_account == caller.account
    if not same:
        return _cross_account(kinds, principal, ev.resource_source)
    if request.resource_is_trust or _on_kms_key(request.resource, action_key):
        gated = action_key in _ASSUME_ROLE_ACTIONS and request.boundary is not None
        return _same_account_trust(kinds, principal, gated, ev.resource_source)
    return _same_account(kinds, principal)


def _on_kms_key(resource: str, action_key: str) -> bool:
    """A KMS action on a KMS key: its key policy must allow, with or without a policy in the request. Every
    key has exactly one key policy, and "without permission from the key policy, IAM policies that allow
    permissions have no effect" (AWS KMS DG, "Key policies in AWS KMS", H)."""
    if not action_key.startswith("kms:"):
        return False
    arn = parse_arn(resource)
    return arn is not None and arn.service == "kms" and arn.resource_type == "key"


def _strongest(kinds: set[str | None]) -> str | None:
    return next((k for k in ("direct", "role", "account") if k in kinds), None)


def _first_failure(checks: tuple[bool, ...], nodes: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The nodes up to and including the first failing check, and that check's node name."""
    failing = next(i for i, ok in enumerate(checks) if not ok)
    return nodes[: failing + 1], nodes[failing]


def _same_account(kinds: set[str | None], principal: tuple[bool, bool, bool]) -> _Route:
    """§4.1 facts 4 and 6: either side suffices; role-ARN grants stay capped by boundary and session."""
    _, pb_ok, sp_ok = principal
    if "direct" in kinds and (sp_ok or F15_SESSION_ARN_GRANT_IGNORES_SESSION_POLICY):
        return "direct", ("resource",), None
    if "role" in kinds and pb_ok and sp_ok:
        return "role", ("resource", "boundary", "session"), None
    if all(principal):
        return "identity", ("resource", *_PRINCIPAL_NODES), None
    if "direct" in kinds:  # only reachable with F15 off: the session policy capped a session-ARN grant
        return None, ("resource", "session"), "session"
    if "role" in kinds:
        nodes, failed = _first_failure((pb_ok, sp_ok), ("boundary", "session"))
        return None, ("resource", *nodes), failed
    nodes, failed = _first_failure(principal, _PRINCIPAL_NODES)
    return None, ("resource", *nodes), failed


def _same_account_trust(
    kinds: set[str | None], principal: tuple[bool, bool, bool], boundary_gate: bool, source: str
) -> _Route:
    """§4.1 fact 5 and §5.2: the trust (or key) policy must itself allow; naming the account delegates."""
    _, pb_ok, sp_ok = principal
    gate = boundary_gate and F14_BOUNDARY_GATES_TRUST
    direct_nodes = ("resource", "boundary") if gate else ("resource",)
    if "direct" in kinds and (pb_ok or not gate) and (sp_ok or F15_SESSION_ARN_GRANT_IGNORES_SESSION_POLICY):
        return "direct", direct_nodes, None
    if "role" in kinds and pb_ok and sp_ok:
        return "role", ("resource", "boundary", "session"), None
    if "account" in kinds and all(principal):
        return "account", ("resource", *_PRINCIPAL_NODES), None
    if not kinds:
        return None, ("resource",), source
    if "direct" in kinds:  # the F14 boundary gate failed, or (F15 off) the session policy did
        if gate and not pb_ok:
            return None, direct_nodes, "boundary"
        return None, (*direct_nodes, "session"), "session"
    if "role" in kinds:
        nodes, failed = _first_failure((pb_ok, sp_ok), ("boundary", "session"))
        return None, ("resource", *nodes), failed
    nodes, failed = _first_failure(principal, _PRINCIPAL_NODES)
    return None, ("resource", *nodes), failed


def _cross_account(kinds: set[str | None], principal: tuple[bool, bool, bool], source: str) -> _Route:
    """§4.1 fact 7, D-XACCT (H): the resource's account and the principal's account must both allow."""
    kind = _strongest(kinds)
    if kind is None:
        return None, ("resource",), source
    if not all(principal):
        nodes, failed = _first_failure(principal, _PRINCIPAL_NODES)
        return None, ("resource", *nodes), failed
    return kind, ("resource", *_PRINCIPAL_NODES), None
