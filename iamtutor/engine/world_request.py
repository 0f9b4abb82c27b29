"""Requests to a world: the request context of §3 for each kind of caller, gathering every policy that
applies to a request, and deciding it with ``evaluate``.

Owns ``World.build_request`` and ``World.request`` (mixed into ``World``); resolving callers and looking
entities up is ``world.py``'s, the decision itself ``evaluate.py``'s, the CloudTrail event ``audit.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from . import audit
from .conditions import make_context
from .dates import format_iso
from .errors import EngineError, ParameterError
from .evaluate import Decision, Request, evaluate, new_request
from .policy import Policy
from .world_model import (
    FULL_AWS_ACCESS_ARN,
    RCP_FULL_AWS_ACCESS_ARN,
    RCP_SERVICES,
    Account,
    Clock,
    IamEntity,
    Identity,
    ManagedPolicy,
    Organization,
    Scp,
    Session,
    arn_account,
    claim_keys,
    full_aws_access,
    invalid_token,
    merge_tags,
    split_iam_arn,
)

_TRUST_ACTIONS: Final = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
# Keys that describe the caller: only the credentials decide them, never the request's `context` (§3.1).
_PRINCIPAL_KEYS: Final = frozenset(
    {
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "aws:principaltype",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:tokenissuetime",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:sourceidentity",
        "aws:federatedprovider",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principalservicenameslist",
    }
)
# After a web-identity session exists only these claims stay usable as condition keys (§3.3, D-STSKEYS, M).
SESSION_CLAIMS: Final = ("amr", "aud", "id", "sub")
_MAX_CONTEXT_KEYS: Final = 200
_MAX_CONTEXT_VALUE_CHARS: Final = 20_000
_MAX_CACHED_CALLERS: Final = 1024
_MAX_CACHED_RESOURCE_CONTEXTS: Final = 256  # per caller: distinct (owner account, tags) of the resources named


class RequestBuilding:
    """The request context, the policies that apply and the decision of one request. Mixed into ``World``."""

    accounts: dict[str, Account]
    organization: Organization | None
    clock: Clock

    # ---- the request context (§3) ----------------------------------------------------------------------------

    def principal_context(self, ident: Identity) -> dict[str, object]:
        """The context keys the caller's credentials and the clock supply (§3.1, §3.2), un-normalised."""
        now = self.clock.now()
        ctx: dict[str, object] = {
            "aws:CurrentTime": format_iso(now),
            "aws:EpochTime": str(int(now.timestamp())),
            "aws:SecureTransport": "true",
            "aws:RequestedRegion": "us-east-1",
            "aws:ViaAWSService": "false",
        }
        caller = ident.caller
        if caller.type == "anonymous":
            ctx.update(
                {"aws:userid": "anonymous", "aws:PrincipalType": "Anonymous", "aws:PrincipalAccount": "anonymous"}
            )
        elif caller.type == "service":
            ctx.update(
                {
                    "aws:PrincipalIsAWSService": "true",
                    "aws:PrincipalServiceName": caller.service,
                    "aws:PrincipalServiceNamesList": [caller.service],
                }
            )
        elif caller.type == "web_identity":
            ctx["aws:FederatedProvider"] = caller.provider  # the IdP ARN (⚠ F24)
        else:
            ctx.update(self._iam_principal_keys(ident))
        return ctx

    def _iam_principal_keys(self, ident: Identity) -> dict[str, object]:
        caller, session = ident.caller, ident.session
        ctx: dict[str, object] = {"aws:PrincipalIsAWSService": "false", "aws:PrincipalAccount": caller.account}
        ctx.update(self._org_keys(caller.account, "Principal"))
        if caller.type == "root":
            ctx.update({"aws:PrincipalArn": caller.arn, "aws:userid": caller.account, "aws:PrincipalType": "Account"})
        elif caller.type == "user" and ident.user is not None:
            ctx.update(
                {
                    "aws:PrincipalArn": ident.user.arn,
                    "aws:userid": ident.user.id,
                    "aws:username": ident.user.name,
                    "aws:PrincipalType": "User",
                }
            )
            ctx.update(_tag_keys("aws:PrincipalTag/", ident.user.tags))
        elif caller.type == "assumed_role" and session is not None:
            ctx.update(
                {
                    "aws:PrincipalArn": session.role_arn,
                    "aws:userid": caller.unique_id,
                    "aws:PrincipalType": "AssumedRole",
                }
            )
            ctx.update(_tag_keys("aws:PrincipalTag/", self.session_tags(session)))
        if session is not None:
            ctx.update(self._session_keys_for(session))
        return ctx

    def _session_keys_for(self, session: Session) -> dict[str, object]:
        ctx: dict[str, object] = {
            "aws:TokenIssueTime": format_iso(session.issued_at),
            "aws:MultiFactorAuthPresent": "true" if session.mfa_authenticated else "false",
        }
        if session.mfa_auth_time is not None:
            age = int((self.clock.now() - session.mfa_auth_time).total_seconds())
            ctx["aws:MultiFactorAuthAge"] = str(max(age, 0))
        if session.source_identity is not None:
            ctx["aws:SourceIdentity"] = session.source_identity
        if session.federated_provider is not None:
            ctx["aws:FederatedProvider"] = session.federated_provider
            ctx.update(claim_keys(self._provider_url(session.federated_provider), session.claims))
        return ctx

    def _provider_url(self, provider_arn: str) -> str:
        parts = split_iam_arn(provider_arn)
        return parts[3][1:] + parts[4] if parts else provider_arn

    def session_tags(self, session: Session) -> list[tuple[str, str]]:
        """A session's principal tags: the role's tags overridden by session and inherited tags (§5.5)."""
        role = self.find_role(session.role_arn) if session.role_arn else None
        return merge_tags(role.tags if role and role.id == session.role_id else [], session.tags)

    def _org_keys(self, account: str | None, side: str) -> dict[str, object]:
        org = self.organization
        if org is None or account is None or not org.is_member(account):
            return {}
        path = f"{org.id}/" + "".join(f"{node}/" for node in org.parents(account))
        return {f"aws:{side}OrgID": org.id, f"aws:{side}OrgPaths": [path]}

    def resource_context(self, resource: str, action: str) -> tuple[dict[str, object], str | None]:
        """(resource keys of §3.2 — ``aws:ResourceAccount``, org keys, ``aws:ResourceTag/*`` — , owner account)."""
        return self._resource_context(resource, split_iam_arn(resource), None)

    def _resource_context(
        self, resource: str, parts: tuple[str, ...] | None, entries: tuple[Any, Any, str | None] | None
    ) -> tuple[dict[str, object], str | None]:
        owner, tags = self._resource_owner_tags(resource, parts, entries)
        return self._resource_keys(owner, tags), owner

    def _resource_owner_tags(
        self, resource: str, parts: tuple[str, ...] | None, entries: tuple[Any, Any, str | None] | None
    ) -> tuple[str | None, list[tuple[str, str]]]:
        """(the account that owns ``resource``, its tags): an IAM role or user, or a listed resource."""
        if parts is not None and parts[1] != "aws":
            entity = self.find_role(resource) or self.find_user(resource)
            return parts[1], getattr(entity, "tags", [])
        _, tag_entry, owner = entries or self._resource_entries(resource)
        return owner or arn_account(resource), tag_entry.tags if tag_entry else []

    def _resource_keys(self, owner: str | None, tags: list[tuple[str, str]]) -> dict[str, object]:
        ctx: dict[str, object] = {}
        if owner is not None:
            ctx["aws:ResourceAccount"] = owner
            ctx.update(self._org_keys(owner, "Resource"))
        ctx.update(_tag_keys("aws:ResourceTag/", tags))
        return ctx

    # ---- policies that apply ----------------------------------------------------------------------------------

    def identity_policies(self, ident: Identity) -> tuple[Policy, ...]:
        """The caller's identity-based policies: a user's own and its groups', or a session's role's (§4.2)."""
        if ident.user is not None and ident.caller.type == "user":
            policies = self._entity_policies(ident.user)
            account = self.accounts[ident.user.account]
            for group_name in ident.user.groups:
                group = account.groups.get(group_name.lower())
                if group is not None:
                    policies.extend(self._entity_policies(group))
            return tuple(policies)
        if ident.role is not None:
            return tuple(self._entity_policies(ident.role))
        return ()

    def _entity_policies(self, entity: IamEntity) -> list[Policy]:
        """The entity's inline and attached policies, each tagged with its stable id (``refs.PolicyRef``)."""
        policies = [d.policy().tagged("inline", entity.arn, name) for name, d in entity.inline.items()]
        for arn in entity.attached:
            policy = self.managed_policy(arn, entity.account)
            if policy is not None:
                policies.append(_managed_policy(policy))
        return policies

    def boundary(self, ident: Identity) -> Policy | None:
        """The permissions boundary of the caller's user or role, if one is set."""
        entity = ident.user if ident.caller.type == "user" else ident.role
        arn = getattr(entity, "boundary", None)
        policy = self.managed_policy(arn, entity.account) if arn and entity else None
        return _managed_policy(policy) if policy else None

    def scp_levels(self, account: str | None, *, service_linked: bool = False) -> tuple[tuple[Policy, ...], ...]:
        """SCPs per level (root → OUs → account) for a principal of ``account`` (§1.8, D-SCP).

        Empty when no organization applies, for the management account and for service-linked roles. A
        level that no SCP targets carries AWS's default ``FullAWSAccess``.
        """
        org = self.organization
        if org is None or service_linked or not org.is_member(account) or account == org.management_account:
            return ()
        levels = []
        for node in [*org.parents(account), account]:  # type: ignore[list-item]
            attached = tuple(_control_policy(s, "scp") for s in org.scps if node in s.targets)
            levels.append(attached or (_default_control_policy("scp"),))
        return tuple(levels)

    def rcp_levels(self, account: str | None, action: str) -> tuple[tuple[Policy, ...], ...]:
        """RCPs per level (root → OUs → account) for a resource of ``account`` (§1.8, D-RCP, H).

        Empty without RCPs in the organization, for the management account's resources, for accounts
        outside it and for services RCPs do not govern (⚠ F23). ``RCPFullAWSAccess`` is attached at every
        level and cannot be detached (D-RCP, H), so only the Deny statements of other RCPs bite.
        """
        org = self.organization
        if org is None or not org.rcps:
            return ()
        service = action.split(":", 1)[0].lower()
        if service not in RCP_SERVICES or not org.is_member(account) or account == org.management_account:
            return ()
        levels = []
        for node in [*org.parents(account), account]:  # type: ignore[list-item]
            attached = tuple(_control_policy(r, "rcp") for r in org.rcps if node in r.targets)
            levels.append((*attached, _default_control_policy("rcp")))
        return tuple(levels)

    def _principal_scps(self, ident: Identity) -> tuple[tuple[Policy, ...], ...]:
        if ident.caller.type in ("service", "anonymous", "web_identity"):
            return ()
        service_linked = bool(ident.role and ident.role.path.startswith("/aws-service-role/"))
        return self.scp_levels(ident.caller.account, service_linked=service_linked)

    def resource_policy(self, resource: str, action: str) -> tuple[Policy | None, bool]:
        """(the resource-based policy that governs ``action`` on ``resource``, whether it is a trust policy)."""
        return self._resource_policy(resource, action, split_iam_arn(resource), None)

    def _resource_policy(
        self, resource: str, action: str, parts: tuple[str, ...] | None, entries: tuple[Any, Any, Any] | None
    ) -> tuple[Policy | None, bool]:
        action_key = action.lower()
        if action_key in _TRUST_ACTIONS:
            role = self.find_role(resource)
            trust = role.trust.policy().tagged("trust", role.arn) if role and role.trust else None
            return trust, True
        if parts is not None:
            return None, False
        entry, _, _ = entries or self._resource_entries(resource)  # type: ignore[attr-defined]
        if entry is None or not entry.policy:
            return None, False
        # KMS key policies, like trust policies, must themselves allow the principal (§4.1 fact 5, D-EVAL, H).
        return entry.policy.policy().tagged("resource", entry.arn), action_key.startswith("kms:")

    # ---- requests ---------------------------------------------------------------------------------------------

    def build_request(
        self,
        ident: Identity,
        action: str,
        resource: str,
        context: object = None,
        *,
        extra: Mapping[str, object] | None = None,
    ) -> Request:
        """The evaluator's ``Request`` for ``ident`` doing ``action`` on ``resource``.

        ``context`` holds request keys from the caller (``aws:SourceIp``…; a ``None`` value removes a key);
        it cannot change keys that describe the principal (§3.1). ``extra`` holds engine-supplied keys
        (``sts:*``…) that win over both. Raises ``ParameterError`` for a malformed context.
        """
        return self._build_request(
            _CallerFacts(ident, make_context(self.principal_context(ident))), action, resource, context, extra
        )

    def request_builder(self, ident: Identity) -> Callable[..., Request]:
        """``build_request`` for one caller, working out its context keys and policies once for every request
        it builds: ``builder(action, resource, context=None, *, extra=None)``. For callers asked many
        questions while the world stays as it is (the access graph); same results as ``build_request``."""
        facts = _CallerFacts(ident, make_context(self.principal_context(ident)))

        def build(
            action: str, resource: str, context: object = None, *, extra: Mapping[str, object] | None = None
        ) -> Request:
            return self._build_request(facts, action, resource, context, extra)

        return build

    def _build_request(
        self,
        facts: _CallerFacts,
        action: str,
        resource: str,
        context: object,
        extra: Mapping[str, object] | None = None,
    ) -> Request:
        """``build_request`` from the caller's facts, which ``request`` keeps per caller and world state."""
        parts = split_iam_arn(resource)
        entries = self._resource_entries(resource) if parts is None else None  # type: ignore[attr-defined]
        owner, tags = self._resource_owner_tags(resource, parts, entries)
        ctx = dict(self._caller_and_resource_keys(facts, owner, tags))
        _merge_request_context(ctx, context)
        for key, value in (extra or {}).items():
            _put_normalised(ctx, key, value)
        resource_policy, is_trust = self._resource_policy(resource, action, parts, entries)
        ident = facts.ident
        policies = facts.policies
        if policies is None:
            session = ident.session
            policies = facts.policies = (
                self.identity_policies(ident),
                self.boundary(ident),
                tuple(d.policy().tagged("session", session.id, d.name) for d in session.policies) if session else (),
                self._principal_scps(ident),
            )
        account = ident.caller.account
        return new_request(
            ident.caller,
            action,
            resource,
            owner if owner != account else None,
            ctx,
            policies[0],
            policies[1],
            policies[2],
            policies[3],
            self.rcp_levels(owner, action),
            resource_policy,
            is_trust,
        )

    def _caller_and_resource_keys(
        self, facts: _CallerFacts, owner: str | None, tags: list[tuple[str, str]]
    ) -> dict[str, tuple[str, ...]]:
        """The caller's normalised context keys plus those of a resource of ``owner`` with ``tags``, kept in
        ``facts`` per (owner, tags): requests that name many resources of one account share one."""
        key = (owner, *tags)
        try:
            found = facts.resource_contexts.get(key)
        except TypeError:  # tags that are not (str, str) pairs, which loading and IAM calls never store
            key, found = None, None
        if found is None:
            found = dict(facts.context)
            for name, value in self._resource_keys(owner, tags).items():  # strings, or a list (org paths)
                found[name.lower()] = (value,) if type(value) is str else tuple(value)  # type: ignore[arg-type]
            if key is not None:
                if len(facts.resource_contexts) >= _MAX_CACHED_RESOURCE_CONTEXTS:
                    facts.resource_contexts.clear()
                facts.resource_contexts[key] = found
        return found

    def _caller_facts(self, caller_ref: object) -> _CallerFacts:
        """Who ``caller_ref`` is and the context keys its credentials supply, worked out once per caller
        while the world and the clock stay as they are (``World._fresh_caches``)."""
        cache = self._fresh_caches()  # type: ignore[attr-defined]
        facts = cache.get(caller_ref) if isinstance(caller_ref, str) else None
        if facts is None:
            ident = self.identify(caller_ref)  # type: ignore[attr-defined]
            facts = _CallerFacts(ident, make_context(self.principal_context(ident)))
            if isinstance(caller_ref, str):
                if len(cache) >= _MAX_CACHED_CALLERS:
                    cache.clear()
                cache[caller_ref] = facts
        return facts

    def request(self, caller_ref: object, action: object, resource: object, context: object = None) -> Decision:
        """Decides one API request by ``caller_ref`` and records its CloudTrail event.

        Returns the ``Decision`` (a deny is a decision, not an error). Raises ``StsError`` ``ExpiredToken`` /
        ``InvalidClientTokenId`` when the credentials are expired or unknown (§5.9), ``ParameterError`` for
        a malformed action, resource or context.
        """
        _check_request_args(action, resource)
        try:
            facts = self._caller_facts(caller_ref)
            ident = facts.ident
            self._check_session_token_limits(ident, action)  # type: ignore[arg-type]
            req = self._build_request(facts, action, resource, context)  # type: ignore[arg-type]
        except EngineError as err:
            audit.record_request(self, None, action, resource, context, error=err)  # type: ignore[arg-type]
            raise
        decision = evaluate(req)
        audit.record_request(self, ident, action, resource, context, decision=decision)  # type: ignore[arg-type]
        return decision

    def _check_session_token_limits(self, ident: Identity, action: str) -> None:
        """GetSessionToken credentials without MFA cannot call IAM (§5.9, API-STS, H; error text M)."""
        session = ident.session
        if (
            session
            and session.kind == "session_token"
            and not session.mfa_authenticated
            and action.lower().startswith("iam:")
        ):
            raise invalid_token()


def _managed_policy(policy: ManagedPolicy) -> Policy:
    """The default version of a managed policy, tagged with its ARN and version id."""
    return policy.document().policy().tagged("managed", name=policy.arn, version=policy.default_version_id)


def _control_policy(scp: Scp, kind: str) -> Policy:
    return scp.document.policy().tagged(kind, name=scp.name)


def _default_control_policy(kind: str) -> Policy:
    """AWS's ``FullAWSAccess`` SCP or ``RCPFullAWSAccess`` RCP, named by its ARN."""
    arn = RCP_FULL_AWS_ACCESS_ARN if kind == "rcp" else FULL_AWS_ACCESS_ARN
    return full_aws_access(kind).tagged(kind, name=arn)


def _tag_keys(prefix: str, tags: list[tuple[str, str]]) -> dict[str, object]:
    return {prefix + key: value for key, value in tags}


def _check_request_args(action: object, resource: object) -> None:
    if not isinstance(action, str) or not 1 <= len(action) <= 256 or action.count(":") != 1:
        raise ParameterError(
            "action must be a service-prefixed action name such as s3:GetObject.", parameter="ActionNames"
        )
    if not isinstance(resource, str) or not 1 <= len(resource) <= 2048:
        raise ParameterError('resource must be an ARN or "*".', parameter="ResourceArns")


class _CallerFacts:
    """What a request needs from its caller alone: the identity, its normalised context keys and (filled on
    first use) its identity policies, boundary, session policies and SCPs, and those context keys merged
    with each resource owner's and tags' keys (``RequestBuilding._caller_and_resource_keys``)."""

    __slots__ = ("context", "ident", "policies", "resource_contexts")

    def __init__(self, ident: Identity, context: dict[str, tuple[str, ...]]) -> None:
        self.ident, self.context = ident, context
        self.policies: tuple[Any, ...] | None = None
        self.resource_contexts: dict[tuple[Any, ...], dict[str, tuple[str, ...]]] = {}


def _put_normalised(ctx: dict[str, tuple[str, ...]], key: str, value: object) -> None:
    """Sets a key of a normalised context (lower-case keys, tuple values), replacing any key that differs
    only in case (keys ignore case, §1.7); ``None`` removes it."""
    lowered = key.lower()
    ctx.pop(lowered, None)
    if type(value) is str:  # the common case, as make_context normalises it
        ctx[lowered] = (value,)
    elif value is not None:
        ctx.update(make_context({key: value}))


def _merge_request_context(raw: dict[str, Any], context: object) -> None:
    """Adds the caller-supplied request keys to a normalised context; principal keys stay as the
    credentials say (§3.1)."""
    if context is None:
        return
    if not (type(context) is dict or isinstance(context, Mapping)) or len(context) > _MAX_CONTEXT_KEYS:
        raise ParameterError(
            f"context must be an object of at most {_MAX_CONTEXT_KEYS} condition keys.", parameter="ContextEntries"
        )
    for key, value in context.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 256:
            raise ParameterError(
                "Condition keys in context must be strings of 1 to 256 characters.", parameter="ContextEntries"
            )
        lowered = key.lower()
        if lowered in _PRINCIPAL_KEYS or lowered.startswith("aws:principaltag/"):
            continue
        if type(value) is str and len(value) <= _MAX_CONTEXT_VALUE_CHARS:  # the common case, as _put_normalised
            raw.pop(lowered, None)
            raw[lowered] = (value,)
            continue
        _check_context_value(key, value)
        _put_normalised(raw, key, value)


def _check_context_value(key: str, value: object) -> None:
    scalar = (str, bool, int, float)
    ok = (
        value is None
        or isinstance(value, scalar)
        or (isinstance(value, list | tuple) and len(value) <= 1000 and all(isinstance(v, scalar) for v in value))
    )
    if not ok or (isinstance(value, str) and len(value) > _MAX_CONTEXT_VALUE_CHARS):
        raise ParameterError(
            f"The value of context key {key} must be a string, number, boolean or list of them.",
            parameter="ContextEntries",
        )
