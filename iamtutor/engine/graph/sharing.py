"""Which principals may share one trust decision for a role: those whose requests differ only in what no
policy of the request reads.

Owns the sharing key of a (principal, role) pair. Two pairs of one role with equal keys give ``evaluate``
requests that are the same in everything it looks at: the caller's type, account and boundary flag, the
policies (by content), how each statement with a Principal names the caller, and the values of every
context key a condition or policy variable reads. So the edge of the first pair, drawn from the second
principal, is the edge ``evaluate`` would give the second (``tests/engine/graph/test_sharing.py`` checks
it against a build without sharing). Anything the key cannot vouch for (NotPrincipal, a variable it cannot
read) gets no key, and that pair is evaluated on its own.

Two cheaper keys stand on the same ground: a principal's class (``principal_class``), worked out once per
principal from any of its requests, so that a principal of an earlier one's class that a role's trust names
alike takes that one's edge without a request of its own (``role_twins``); and ``across``, which lets roles of
one account, tags and trust content share a decision when nothing the caller holds could tell their ARNs apart.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Final

from ..evaluate import Request, _candidates
from ..matching import match_action, match_principal
from ..policy import Policy, Statement
from ..world_model import Role
from .principals import Principal

_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")
_LITERALS: Final = frozenset({"*", "?", "$"})  # ${*}, ${?}, ${$}: fixed text, not keys (D-VARS)

_UNKNOWN: Final = object()

type Reads = tuple[str, ...]  # context keys (lower-case) a policy may read


class Sharing:
    """Sharing keys for one build; remembers what it worked out per policy, request and trust policy."""

    def __init__(self) -> None:
        self.reads: dict[int, Reads | None] = {}
        self.number_of: dict[int, int] = {}
        self.contents: dict[tuple, int] = {}
        self.callers: dict[int, tuple[int, bool, int | None] | None] = {}
        self.holdings: dict[tuple, int] = {}
        self.trust_number: dict[int, int | None] = {}  # ``across``: a trust's content number, None: not across
        self.dynamic: dict[int, bool] = {}  # ``across``: by holding, whether a Resource pattern has a variable
        self.per_resource: dict[int, bool] = {}  # by holding: whether a statement that applies names resources
        self.signatures: dict[tuple, int] = {}
        self.trusts: dict[int, tuple[Reads, list[Statement]] | None] = {}
        self.covering: dict[tuple[int, str, str | None], tuple[Statement, ...]] = {}
        self.part_of: dict[tuple[int, str, str | None], int] = {}
        self.part_reads: dict[tuple, Reads | None] = {}
        self.by_number: dict[int, tuple[Statement, ...]] = {}
        self.layers: dict[tuple[int, str | None], tuple[int, Reads | None]] = {}
        self.layer_numbers: dict[tuple, int] = {}  # a request's layers (``_layers``) -> a number per content
        self.kept: list[object] = []  # what the id()-keyed memos name stays alive for the whole build
        # twins (``role_twins``): None until ``allow_twins`` says which keys any trust policy of the world reads
        self.trust_reads: frozenset[str] | None = None
        self.classes: dict[int, int | None] = {}  # id of a principal -> its class, None: no twins
        self.class_of: dict[tuple, int] = {}

    def key(
        self, principal: Principal, role: Role, named: list[tuple[Statement, str]], request: Request
    ) -> tuple | None:
        """The pair's sharing key, or None when it must be evaluated on its own. ``request`` is the caller's
        trust request for a role of this account and tags (``TrustEdges._base_request``)."""
        found = self._role_trust(role)
        if found is None:
            return None
        caller = self.callers.get(id(request), _UNKNOWN)
        if caller is _UNKNOWN:
            caller = self._caller(principal, request)
        if found is None or caller is None:
            return None
        number, per_resource, held = caller
        policies = self._policies(request, role.arn, held) if per_resource else None
        if per_resource and policies is None:
            return None
        reads, others = found  # type: ignore[misc]
        context = request.context
        return (
            role.arn,
            number,
            policies,
            tuple([(s.index, kind) for s, kind in named]),
            tuple([match_principal(s.principal, principal.ident.caller) for s in others]) if others else (),  # type: ignore[arg-type]
            tuple([context.get(k) for k in reads]) if reads else (),
        )

    def allow_twins(self, trusts: Iterable[Policy], rcps: bool) -> None:
        """Lets ``role_twins`` work, given every trust policy of the world and whether its organization has RCPs
        (whose Principal elements and per-account levels a principal's class does not follow: then none)."""
        keys: set[str] = set()
        for trust in trusts:
            reads = policy_reads(trust)
            if reads is None:
                return
            keys.update(reads)
        if not rcps:
            self.trust_reads = frozenset(keys)

    def role_twins(self, role: Role) -> tuple[Statement, ...] | None:
        """Whether principals of one class (``principal_class``) that the role's trust names alike may share the
        role's edge: None when not, else the trust's other statements with a Principal (a Deny naming one of
        them), whose matches go with the class and how the trust names each caller into the twin key. Equal
        twin keys, equal sharing keys (``key``), so the first pair's edge serves the others."""
        if self.trust_reads is None:
            return None
        found = self._role_trust(role)
        return None if found is None else tuple(found[1])

    def principal_class(self, principal: Principal, request: Request) -> int | None:
        """``_class`` of the principal given any one of its trust requests, worked out once per build."""
        self.kept.append(principal)
        number = self.classes[id(principal)] = self._class(principal, request)
        return number

    def _class(self, principal: Principal, r: Request) -> int | None:
        """A number per class of principals whose trust requests, for any one role, differ only in what no policy
        of the request reads: the caller's side of ``key``'s signature, the statements of their policies that
        cover the action, by content (``_parts``: the only ones ``evaluate`` looks at), and the values of every
        context key those statements or any trust policy read. ``r`` is any of the caller's
        trust requests: the keys compared are the caller's own (``build_request`` lays the resource's
        ``aws:Resource*`` keys over them, the same for every caller of one role), so any one will do."""
        caller, action = r.caller, r.action
        if r.rcps:
            return None
        # per policy, the statements ``evaluate`` looks at for the action at all (by content, as ``_parts``)
        identity = self._parts(r.identity_policies, action, None)
        boundary = self._parts((r.boundary,), action, None) if r.boundary is not None else None
        sessions = self._parts(r.session_policies, action, None)
        scps = tuple([self._parts(level, action, None) for level in r.scps])
        numbers = {*identity, *(boundary or ()), *sessions, *(n for level in scps for n in level)}
        reads = statement_reads(s for n in numbers for s in self.by_number[n])
        if reads is None:
            return None
        keys = sorted(self.trust_reads.union(reads))  # type: ignore[union-attr]
        if any(k.startswith("aws:resource") for k in keys):
            return None  # a resource key: which value the request holds depends on the role
        context = r.context
        signature = (
            *_seen_by_sts(caller, principal),
            action,
            r.resource_is_trust,
            identity,
            boundary,
            sessions,
            scps,
            tuple([(k, context.get(k)) for k in keys]),
        )
        return self.class_of.setdefault(signature, len(self.class_of))

    def across(self, role: Role, key: tuple, request: Request) -> tuple | None:
        """``key`` (the pair's sharing key, ``request`` the caller's trust request it was worked out from) for
        every role of the same account and tags whose trust has the same content, or None when the answer may
        depend on the role's ARN itself. Past the account and tags (the resource keys and RCPs) ``evaluate``
        reads the resource only to pick the statements that apply, which ``key`` holds by content, and to
        resolve policy variables in Resource patterns: callers holding one get None, as do trusts with a
        Resource element."""
        trust = role.trust.policy()  # type: ignore[union-attr]
        number = self.trust_number.get(id(trust), _UNKNOWN)
        if number is _UNKNOWN:
            self.kept.append(trust)
            bound = any(s.resources is not None or s.not_resources is not None for s in trust.statements)
            number = self.trust_number[id(trust)] = None if bound else self.numbers((trust,))[0]
        held = self.callers[id(request)][2]  # type: ignore[index]
        dynamic = self.dynamic.get(held)
        if dynamic is None:
            r = request
            every = (*r.identity_policies, *((r.boundary,) if r.boundary else ()), *r.session_policies)
            every += tuple(p for level in (*r.scps, *r.rcps) for p in level)
            dynamic = self.dynamic[held] = any(
                "${" in pattern
                for p in every
                for s in p.statements
                for pattern in (*(s.resources or ()), *(s.not_resources or ()))
            )
        if number is None or dynamic:
            return None
        return (role.account, tuple(role.tags), number, *key[1:])

    def numbers(self, policies: Iterable[Policy]) -> tuple[int, ...]:
        """A number per policy, equal for policies of equal content (kind, version, statements)."""
        found = []
        for policy in policies:
            number = self.number_of.get(id(policy))
            if number is None:
                self.kept.append(policy)
                content = (policy.kind, policy.version, policy.statements)
                number = self.number_of[id(policy)] = self.contents.setdefault(content, len(self.contents))
            found.append(number)
        return tuple(found)

    def _role_trust(self, role: Role) -> tuple[Reads, list[Statement]] | None:
        """``_trust`` of the role's trust policy (kept per policy), or None: no trust policy, or no sharing."""
        trust = role.trust.policy() if role.trust else None
        if trust is None:
            return None
        found = self.trusts.get(id(trust), _UNKNOWN)
        return self._trust(trust) if found is _UNKNOWN else found  # type: ignore[return-value]

    def _trust(self, trust: Policy) -> tuple[Reads, list[Statement]] | None:
        """(keys the trust policy reads, its other statements with a Principal), or None: no sharing."""
        key = id(trust)
        if key not in self.trusts:
            self.kept.append(trust)
            reads = policy_reads(trust)
            if reads is None or any(s.not_principal is not None for s in trust.statements):
                self.trusts[key] = None
            else:
                others = [s for s in trust.statements if s.principal is not None and s.effect != "Allow"]
                self.trusts[key] = (reads, others)
        return self.trusts[key]

    def _caller(self, principal: Principal, request: Request) -> tuple[int, bool, int | None] | None:
        """(a number standing for the caller's side of the request, whether its policies must be looked at
        per role, a number for the very policy objects it holds then), or None: no sharing. Equal numbers,
        equal requests as ``evaluate`` sees them (with, per role, the policies' part of ``key``)."""
        key = id(request)
        if key not in self.callers:
            self.kept.append(request)
            self.callers[key] = self._caller_number(principal, request)
        return self.callers[key]

    def _caller_number(self, principal: Principal, r: Request) -> tuple[int, bool, int | None] | None:
        action = r.action
        rcp_statements = [s for level in r.rcps for p in level for s in self._statements(p, action, None)]
        if any(s.not_principal is not None for s in rcp_statements):
            return None
        caller = r.caller
        signature: tuple = (
            *_seen_by_sts(caller, principal),
            r.resource_account,
            r.resource_is_trust,
            tuple(match_principal(s.principal, caller) for s in rcp_statements if s.principal is not None),
        )
        layers = (*r.identity_policies, *((r.boundary,) if r.boundary else ()), *r.session_policies)
        every = (*layers, *(p for level in (*r.scps, *r.rcps) for p in level))
        # callers holding the very same policy objects (a group's, the SCPs) for the same action share the work
        shape = (tuple([id(p) for p in every]), len(layers), tuple([len(level) for level in (*r.scps, *r.rcps)]))
        held = self.holdings.setdefault((shape, action), len(self.holdings))
        per_resource = self.per_resource.get(held)
        if per_resource is None:
            statements = [s for p in every for s in self._statements(p, action, None)]
            per_resource = self.per_resource[held] = not all(_any_resource(s) for s in statements)
        if not per_resource:
            policies = self._policies(r, None, held)
            if policies is None:
                return None
            signature += (policies,)
        return self.signatures.setdefault(signature, len(self.signatures)), per_resource, held

    def _policies(self, r: Request, resource: str | None, held: int | None) -> tuple | None:
        """The request's policies as ``evaluate`` sees them for ``resource`` (None: any resource): each layer's
        statements that could apply, by content, and the values of the context keys they read. Worked out
        once per ``held`` (the very policy objects, see ``_caller``) and resource."""
        memo = (held, resource) if held is not None else None
        found = self.layers.get(memo) if memo is not None else None
        if found is None:
            layers, reads = self._layers(r, resource)
            # the layers by one number per content: hashing the key then costs no walk through nested tuples
            found = (self.layer_numbers.setdefault(layers, len(self.layer_numbers)), reads)
            if memo is not None:
                self.layers[memo] = found
        number, reads = found
        if reads is None:
            return None
        if not reads:
            return (number, ())
        context = r.context
        return (number, tuple([context.get(k) for k in reads]))

    def _layers(self, r: Request, resource: str | None) -> tuple[tuple, Reads | None]:
        action = r.action
        identity = self._parts(r.identity_policies, action, resource)
        boundary = self._parts((r.boundary,), action, resource) if r.boundary is not None else None
        sessions = self._parts(r.session_policies, action, resource) if r.session_policies else None
        scps = tuple([self._parts(level, action, resource) for level in r.scps])
        rcps = tuple([self._parts(level, action, resource) for level in r.rcps])
        layers = (identity, boundary, sessions, scps, rcps)
        reads = self.part_reads.get(layers, _UNKNOWN)
        if reads is _UNKNOWN:
            numbers = [*identity, *(boundary or ()), *(sessions or ()), *(n for level in (*scps, *rcps) for n in level)]
            reads = self.part_reads[layers] = statement_reads(s for n in set(numbers) for s in self.by_number[n])
        return layers, reads

    def _parts(self, policies: Iterable[Policy], action: str, resource: str | None) -> tuple[int, ...]:
        """A number per policy with statements that could apply (``_statements``), equal for equal statements."""
        found = []
        for policy in policies:
            key = (id(policy), action, resource)
            number = self.part_of.get(key)
            if number is None:
                statements = self._statements(policy, action, resource)
                content = (policy.kind, policy.version, statements)
                number = self.contents.setdefault(content, len(self.contents)) if statements else -1
                if statements:
                    self.by_number[number] = statements
                self.part_of[key] = number
            if number >= 0:
                found.append(number)
        return tuple(found)

    def _statements(self, policy: Policy, action: str, resource: str | None) -> tuple[Statement, ...]:
        """The statements of ``policy`` that ``evaluate`` would look at for ``action`` (on ``resource``: its own
        pre-filter, so exactly those), or on any resource (None)."""
        key = (id(policy), action, resource)
        found = self.covering.get(key)
        if found is None:
            self.kept.append(policy)
            if resource is None:
                found = tuple(s for s in policy.statements if has_action(s, action))
            else:
                # the evaluator's own pre-filter (private to it, used here on purpose): the key sees what it sees
                flag = sys.modules[_candidates.__module__].F18_ONLY_STAR_COVERS_STAR  # read now: tests switch it
                found = tuple(c.statement for c in _candidates(policy, (action.lower(), resource, flag)))
            self.covering[key] = found
        return found


def _any_resource(statement: Statement) -> bool:
    """No Resource element, or ``"*"`` among its patterns: the statement applies to every resource."""
    patterns = statement.resources if statement.resources is not None else statement.not_resources
    return patterns is None or (statement.resources is not None and "*" in patterns)


def policy_reads(policy: Policy) -> Reads | None:
    """The context keys (lower-case) the conditions and policy variables of ``policy`` read, sorted; None when
    one cannot be told (a variable in a condition key, or text with ``${`` that is not a whole variable)."""
    return statement_reads(policy.statements)


def statement_reads(statements: Iterable[Statement]) -> Reads | None:
    """``policy_reads`` for some statements."""
    keys: set[str] = set()
    for statement in statements:
        texts = [*(statement.resources or ()), *(statement.not_resources or ())]
        for condition in statement.conditions:
            if "${" in condition.key:
                return None
            keys.add(condition.key.lower())
            texts.extend(condition.values)
        for text in texts:
            if "${" in text:
                names = _variables(text)
                if names is None:
                    return None
                keys.update(names)
    return tuple(sorted(keys))


def has_action(statement: Statement, action: str) -> bool:
    """Whether ``statement``'s Action (or NotAction) covers ``action``: the test ``evaluate`` applies before
    it looks at a statement at all."""
    if statement.actions is not None:
        return any(match_action(p, action) for p in statement.actions)
    return statement.not_actions is not None and not any(match_action(p, action) for p in statement.not_actions)


def _variables(text: str) -> list[str] | None:
    """The keys the policy variables of ``text`` name (``${aws:username}``, ``${aws:username, 'x'}``), or None
    when ``text`` holds a ``${`` this cannot read as a variable."""
    found = _VARIABLE.findall(text)
    if len(found) != text.count("${"):
        return None
    names = []
    for inner in found:
        name = inner.split(",", 1)[0].strip().lower()
        if not name:
            return None
        if name not in _LITERALS:
            names.append(name)
    return names


def _seen_by_sts(caller, principal: Principal) -> tuple:
    """What tells two callers apart before any policy is read: who they are to STS and how they ask."""
    return (
        caller.type,
        caller.account,
        caller.has_boundary,
        principal.action,
        principal.mfa,
        principal.external,
        principal.claims_url,
        principal.audiences,
        principal.node.kind,
    )
