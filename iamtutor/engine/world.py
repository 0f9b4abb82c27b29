"""The simulated AWS world: accounts, principals, policies, resources, organization, sessions and a clock.

Owns the ``World`` object of world-format.md: resolving callers from references (user ARNs, session ids,
access keys, services), the request context of §3 for each kind of caller, gathering every policy that
applies to a request, and calling ``evaluate``. Entities live in ``world_model.py``, IAM changes in
``world_iam.py``, load/save in ``world_io.py``, STS in ``sts.py`` and CloudTrail events in ``audit.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from . import audit
from .conditions import make_context
from .dates import format_iso
from .errors import EngineError, IamError, ParameterError, StsError, WorldError
from .evaluate import Decision, Request, evaluate
from .ids import IdSource
from .matching import match_resource
from .policy import Policy
from .principals import Caller
from .world_iam import IamChanges
from .world_io import WorldLoader, account_from_details, dump_world
from .world_model import (
    MAX_EVENTS,
    MSG_EXPIRED,
    MSG_INVALID_TOKEN,
    PARTITIONS,
    RCP_SERVICES,
    Account,
    Clock,
    Document,
    Group,
    IamEntity,
    Identity,
    ManagedPolicy,
    Organization,
    Resource,
    Role,
    Session,
    User,
    arn_account,
    catalogue_policy,
    claim_keys,
    full_aws_access,
    merge_tags,
    split_iam_arn,
)

__all__ = ["Clock", "Identity", "Session", "World"]

# ---- the world ------------------------------------------------------------------------------------------------------

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


class World(IamChanges):
    """A simulated AWS world. Build it with ``World.from_dict``; save it with ``to_dict``.

    ``accounts`` maps account ids to ``Account``; ``organization`` is an ``Organization`` or None;
    ``sessions`` maps a session's id (a scenario step id or its access key id) to ``Session``;
    ``events`` holds CloudTrail-shaped dicts (``audit.py``); ``clock`` is the world's ``Clock``.
    """

    def __init__(self, *, clock: Clock | None = None, partition: str = "aws", ids: IdSource | None = None) -> None:
        if partition not in PARTITIONS:
            raise WorldError(f"partition must be one of {', '.join(PARTITIONS)}.", json_path="partition")
        self.clock = clock or Clock()
        self.partition = partition
        self.ids = ids or IdSource()
        self.accounts: dict[str, Account] = {}
        self.organization: Organization | None = None
        self.sessions: dict[str, Session] = {}
        self.events: list[dict] = []
        self._session_keys: dict[str, Session] = {}

    # ---- loading and saving (the format lives in _load/_dump below) ----------------------------------------------

    @classmethod
    def from_dict(cls, data: object, *, lazy: bool = False, ids: IdSource | None = None) -> World:
        """Builds a world from world-format.md data; every document is validated unless ``lazy``.

        ``lazy`` defers parsing policy documents to first use (for worlds already validated once, such as
        a saved sandbox). Raises ``WorldError`` or ``PolicyError`` whose ``json_path`` names the fault
        (``accounts.111111111111.RoleDetailList[0].AssumeRolePolicyDocument.Statement[1].Principal``).
        """
        try:
            return WorldLoader(cls, ids, lazy).load(data)
        except RecursionError:
            raise WorldError("The world file is nested too deeply.") from None

    @classmethod
    def from_authorization_details(
        cls, data: object, *, account_id: str | None = None, clock: str | None = None, ids: IdSource | None = None
    ) -> World:
        """Imports the raw output of ``aws iam get-account-authorization-details`` as a one-account world.

        The account id is taken from the entities' ARNs unless ``account_id`` is given. Raises
        ``WorldError``/``PolicyError`` with JSON paths as ``from_dict`` does.
        """
        if not isinstance(data, Mapping):
            raise WorldError("The authorization details must be a JSON object.", json_path="$")
        account = account_id or account_from_details(data)
        world: dict[str, Any] = {"accounts": {account: dict(data)}}
        if clock is not None:
            world["clock"] = clock
        return cls.from_dict(world, ids=ids)

    def to_dict(self) -> dict:
        """The world as world-format.md data, sessions, events and clock included; JSON-ready and lossless."""
        return dump_world(self)

    # ---- look-ups --------------------------------------------------------------------------------------------

    def account(self, account_id: str) -> Account:
        """The account ``account_id``; raises ``IamError`` (NoSuchEntity) if the world has none."""
        found = self.accounts.get(account_id) if isinstance(account_id, str) else None
        if found is None:
            raise IamError(f"The account {account_id} is not part of this world.", code="NoSuchEntity", http_status=404)
        return found

    def find_role(self, arn: object) -> Role | None:
        """The role an ARN names, looked up by path and name case-insensitively (⚠ F3), or None."""
        return self._find_entity(arn, "role")

    def find_user(self, arn: object) -> User | None:
        """The user an ARN names (case-insensitive look-up, ⚠ F3), or None."""
        return self._find_entity(arn, "user")

    def find_group(self, arn: object) -> Group | None:
        """The group an ARN names (case-insensitive look-up), or None."""
        return self._find_entity(arn, "group")

    def _find_entity(self, arn: object, kind: str) -> Any:
        parts = split_iam_arn(arn)
        if parts is None or parts[2] != kind:
            return None
        account = self.accounts.get(parts[1])
        table = {"role": "roles", "user": "users", "group": "groups"}[kind]
        entity = getattr(account, table).get(parts[4].lower()) if account else None
        if entity is None or entity.path.lower() != parts[3].lower():
            return None
        return entity

    def managed_policy(self, arn: object, account_id: str | None = None) -> ManagedPolicy | None:
        """The managed policy ``arn``: a customer managed policy of its account, an AWS managed policy the
        world defines (in ``account_id`` first), or one from the engine's catalogue. None if unknown."""
        parts = split_iam_arn(arn)
        if parts is None or parts[2] != "policy":
            return None
        if parts[1] != "aws":
            account = self.accounts.get(parts[1])
            return account.policies.get(arn) if account else None  # type: ignore[arg-type]
        for acct in self._accounts_first(account_id):
            if arn in acct.policies:
                return acct.policies[arn]  # type: ignore[index]
        return catalogue_policy(arn)  # type: ignore[arg-type]

    def _accounts_first(self, account_id: str | None) -> Iterator[Account]:
        if account_id in self.accounts:
            yield self.accounts[account_id]  # type: ignore[index]
        yield from (a for a in self.accounts.values() if a.id != account_id)

    def find_resource(self, arn: str) -> tuple[Account, Resource] | None:
        """The listed resource with exactly this ARN, or None."""
        for account in self.accounts.values():
            if arn in account.resources:
                return account, account.resources[arn]
        return None

    def _resource_entries(self, arn: str) -> tuple[Resource | None, Resource | None, str | None]:
        """(entry carrying the resource policy, entry carrying the tags, owning account) for a request."""
        exact = self.find_resource(arn)
        bucket = None
        if arn.startswith("arn:") and ":s3:::" in arn and "/" in arn:
            bucket = self.find_resource(arn.split("/", 1)[0])
        pattern = None if exact else self._pattern_resource(arn)
        policy_entry = next((e[1] for e in (exact, bucket, pattern) if e and e[1].policy), None)
        tag_entry = next((e[1] for e in (exact, pattern) if e), None)
        owner = next((e[0].id for e in (exact, bucket, pattern) if e), None)
        return policy_entry, tag_entry, owner

    def _pattern_resource(self, arn: str) -> tuple[Account, Resource] | None:
        for account in self.accounts.values():
            for key, resource in account.resources.items():
                if ("*" in key or "?" in key) and match_resource(key, arn):
                    return account, resource
        return None

    # ---- callers ---------------------------------------------------------------------------------------------

    def caller(self, ref: object) -> Caller:
        """The ``Caller`` behind ``ref``: a user or root ARN, a session id, access key id or session ARN,
        ``service:NAME``, ``web_identity:PROVIDER_ARN`` or ``anonymous``.

        Raises ``StsError`` ``ExpiredToken`` for an expired session and ``InvalidClientTokenId`` for a
        reference that names no credentials in this world (§5.9).
        """
        return self.identify(ref).caller

    def identify(self, ref: object) -> Identity:
        """Like ``caller`` but returns the ``Identity`` (caller plus the user, role and session behind it)."""
        if not isinstance(ref, str) or not ref or len(ref) > 2048:
            raise invalid_token()
        if ref == "anonymous":
            return Identity(Caller("anonymous", "anonymous", None))
        if ref.startswith("service:"):
            return self._service_identity(ref[len("service:") :])
        if ref.startswith("web_identity:"):
            return self._web_identity(ref[len("web_identity:") :])
        session = self.sessions.get(ref) or self._session_keys.get(ref) or self._session_by_arn(ref)
        if session is not None:
            return self._session_identity(session)
        if ref.startswith("AKIA"):
            return self._key_identity(ref)
        return self._arn_identity(ref)

    def _service_identity(self, service: str) -> Identity:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,126}", service, re.ASCII):
            raise invalid_token()
        return Identity(Caller("service", service, None, service=service))

    def _web_identity(self, provider_arn: str) -> Identity:
        parts = split_iam_arn(provider_arn)
        if parts is None or parts[2] not in ("oidc-provider", "saml-provider"):
            raise invalid_token()
        return Identity(Caller("web_identity", provider_arn, parts[1], provider=provider_arn))

    def _session_by_arn(self, ref: str) -> Session | None:
        if not ref.startswith("arn:") or ":assumed-role/" not in ref:
            return None
        live = [s for s in self.sessions.values() if s.arn == ref and s.expires_at > self.clock.now()]
        return max(live, key=lambda s: s.issued_at, default=None)

    def _session_identity(self, session: Session) -> Identity:
        if self.clock.now() >= session.expires_at:
            raise StsError(MSG_EXPIRED, code="ExpiredToken", http_status=403)
        if session.kind == "session_token":
            base = self._arn_identity(session.user_arn or "")
            return Identity(base.caller, user=base.user, session=session, access_key_id=session.access_key_id)
        role = self.find_role(session.role_arn)
        if role is not None and role.id != session.role_id:
            role = None  # a role re-created under the same name is a different role (§1.6, D-PRIN)
        caller = Caller(
            "assumed_role",
            session.arn,
            session.account,
            role_arn=session.role_arn,
            unique_id=f"{session.role_id}:{session.session_name}",
            session_name=session.session_name,
            has_boundary=bool(role and role.boundary),
            provider=session.federated_provider,
            service=session.service,
        )
        return Identity(caller, role=role, session=session, access_key_id=session.access_key_id)

    def _key_identity(self, key_id: str) -> Identity:
        for account in self.accounts.values():
            for user in account.users.values():
                key = next((k for k in user.access_keys if k.id == key_id), None)
                if key is not None:
                    if key.status != "Active":
                        raise invalid_token()
                    return Identity(_user_caller(user), user=user, access_key_id=key_id)
        raise invalid_token()

    def _arn_identity(self, ref: str) -> Identity:
        root = re.fullmatch(r"arn:[a-z-]+:iam::(\d{12}):root", ref)
        if root and root.group(1) in self.accounts:
            return Identity(Caller("root", ref, root.group(1), unique_id=root.group(1)))
        user = self.find_user(ref)
        if user is None:
            raise invalid_token()
        active = next((k.id for k in user.access_keys if k.status == "Active"), None)
        return Identity(_user_caller(user), user=user, access_key_id=active)

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
        parts = split_iam_arn(resource)
        ctx: dict[str, object] = {}
        if parts is not None and parts[1] != "aws":
            owner = parts[1]
            entity = self.find_role(resource) or self.find_user(resource)
            tags = getattr(entity, "tags", [])
        else:
            _, tag_entry, owner = self._resource_entries(resource)
            owner = owner or arn_account(resource)
            tags = tag_entry.tags if tag_entry else []
        if owner is not None:
            ctx["aws:ResourceAccount"] = owner
            ctx.update(self._org_keys(owner, "Resource"))
        ctx.update(_tag_keys("aws:ResourceTag/", tags))
        return ctx, owner

    # ---- policies that apply ----------------------------------------------------------------------------------

    def identity_policies(self, ident: Identity) -> tuple[Policy, ...]:
        """The caller's identity-based policies: a user's own and its groups', or a session's role's (§4.2)."""
        if ident.user is not None and ident.caller.type == "user":
            docs = self._entity_documents(ident.user)
            account = self.accounts[ident.user.account]
            for group_name in ident.user.groups:
                group = account.groups.get(group_name.lower())
                if group is not None:
                    docs.extend(self._entity_documents(group))
            return tuple(d.policy() for d in docs)
        if ident.role is not None:
            return tuple(d.policy() for d in self._entity_documents(ident.role))
        return ()

    def _entity_documents(self, entity: IamEntity) -> list[Document]:
        docs = list(entity.inline.values())
        for arn in entity.attached:
            policy = self.managed_policy(arn, entity.account)
            if policy is not None:
                docs.append(policy.document())
        return docs

    def boundary(self, ident: Identity) -> Policy | None:
        """The permissions boundary of the caller's user or role, if one is set."""
        entity = ident.user if ident.caller.type == "user" else ident.role
        arn = getattr(entity, "boundary", None)
        policy = self.managed_policy(arn, entity.account) if arn and entity else None
        return policy.document().policy() if policy else None

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
            attached = tuple(s.document.policy() for s in org.scps if node in s.targets)
            levels.append(attached or (full_aws_access(),))
        return tuple(levels)

    def rcp_levels(self, account: str | None, action: str) -> tuple[tuple[Policy, ...], ...]:
        """RCPs per level (root → OUs → account) for a resource of ``account`` (§1.8, D-RCP, H).

        Empty without RCPs in the organization, for the management account's resources, for accounts
        outside it and for services RCPs do not govern (⚠ F23). ``RCPFullAWSAccess`` is attached at every
        level and cannot be detached (D-RCP, H), so only the Deny statements of other RCPs bite.
        """
        org = self.organization
        service = action.split(":", 1)[0].lower()
        if (
            org is None
            or not org.rcps
            or service not in RCP_SERVICES
            or not org.is_member(account)
            or account == org.management_account
        ):
            return ()
        levels = []
        for node in [*org.parents(account), account]:  # type: ignore[list-item]
            attached = tuple(r.document.policy() for r in org.rcps if node in r.targets)
            levels.append((*attached, full_aws_access("rcp")))
        return tuple(levels)

    def _principal_scps(self, ident: Identity) -> tuple[tuple[Policy, ...], ...]:
        if ident.caller.type in ("service", "anonymous", "web_identity"):
            return ()
        service_linked = bool(ident.role and ident.role.path.startswith("/aws-service-role/"))
        return self.scp_levels(ident.caller.account, service_linked=service_linked)

    def resource_policy(self, resource: str, action: str) -> tuple[Policy | None, bool]:
        """(the resource-based policy that governs ``action`` on ``resource``, whether it is a trust policy)."""
        if action.lower() in _TRUST_ACTIONS:
            role = self.find_role(resource)
            return (role.trust.policy() if role and role.trust else None), True
        if split_iam_arn(resource) is not None:
            return None, False
        policy_entry, _, _ = self._resource_entries(resource)
        policy = policy_entry.policy.policy() if policy_entry and policy_entry.policy else None
        # KMS key policies, like trust policies, must themselves allow the principal (§4.1 fact 5, D-EVAL, H).
        return policy, policy is not None and action.lower().startswith("kms:")

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
        raw = self.principal_context(ident)
        resource_keys, owner = self.resource_context(resource, action)
        raw.update(resource_keys)
        _merge_request_context(raw, context)
        for key, value in (extra or {}).items():
            put_key(raw, key, value)
        resource_policy, is_trust = self.resource_policy(resource, action)
        session = ident.session
        account = ident.caller.account
        return Request(
            caller=ident.caller,
            action=action,
            resource=resource,
            resource_account=owner if owner != account else None,
            context=make_context(raw),
            identity_policies=self.identity_policies(ident),
            boundary=self.boundary(ident),
            session_policies=tuple(d.policy() for d in session.policies) if session else (),
            scps=self._principal_scps(ident),
            rcps=self.rcp_levels(owner, action),
            resource_policy=resource_policy,
            resource_is_trust=is_trust,
        )

    def request(self, caller_ref: object, action: object, resource: object, context: object = None) -> Decision:
        """Decides one API request by ``caller_ref`` and records its CloudTrail event.

        Returns the ``Decision`` (a deny is a decision, not an error). Raises ``StsError`` ``ExpiredToken`` /
        ``InvalidClientTokenId`` when the credentials are expired or unknown (§5.9), ``ParameterError`` for
        a malformed action, resource or context.
        """
        _check_request_args(action, resource)
        try:
            ident = self.identify(caller_ref)
            self._check_session_token_limits(ident, action)  # type: ignore[arg-type]
            req = self.build_request(ident, action, resource, context)  # type: ignore[arg-type]
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

    # ---- sessions -----------------------------------------------------------------------------------------------

    def add_session(self, session: Session) -> None:
        """Registers issued credentials under their id and access key id (``sts.py`` issues them)."""
        self.sessions[session.id] = session
        self._session_keys[session.access_key_id] = session

    def record_event(self, event: dict) -> None:
        """Appends a CloudTrail-shaped event, keeping at most ``MAX_EVENTS``."""
        self.events.append(event)
        if len(self.events) > MAX_EVENTS:
            del self.events[: len(self.events) - MAX_EVENTS]


def invalid_token() -> StsError:
    return StsError(MSG_INVALID_TOKEN, code="InvalidClientTokenId", http_status=403)


def _user_caller(user: User) -> Caller:
    return Caller("user", user.arn, user.account, unique_id=user.id, has_boundary=user.boundary is not None)


def _tag_keys(prefix: str, tags: list[tuple[str, str]]) -> dict[str, object]:
    return {prefix + key: value for key, value in tags}


def _check_request_args(action: object, resource: object) -> None:
    if not isinstance(action, str) or not 1 <= len(action) <= 256 or action.count(":") != 1:
        raise ParameterError(
            "action must be a service-prefixed action name such as s3:GetObject.", parameter="ActionNames"
        )
    if not isinstance(resource, str) or not 1 <= len(resource) <= 2048:
        raise ParameterError('resource must be an ARN or "*".', parameter="ResourceArns")


def _merge_request_context(raw: dict[str, object], context: object) -> None:
    """Adds the caller-supplied request keys; principal keys stay as the credentials say (§3.1)."""
    if context is None:
        return
    if not isinstance(context, Mapping) or len(context) > _MAX_CONTEXT_KEYS:
        raise ParameterError(
            f"context must be an object of at most {_MAX_CONTEXT_KEYS} condition keys.", parameter="ContextEntries"
        )
    for key, value in context.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 256:
            raise ParameterError(
                "Condition keys in context must be strings of 1 to 256 characters.", parameter="ContextEntries"
            )
        if key.lower() in _PRINCIPAL_KEYS or key.lower().startswith("aws:principaltag/"):
            continue
        _check_context_value(key, value)
        put_key(raw, key, value)


def put_key(raw: dict[str, object], key: str, value: object) -> None:
    """Sets a context key, replacing any key that differs only in case (keys ignore case, §1.7); ``None``
    removes it."""
    for existing in [k for k in raw if k.lower() == key.lower()]:
        del raw[existing]
    if value is not None:
        raw[key] = value


def _check_context_value(key: str, value: object) -> None:
    scalar = (str, bool, int, float)
    ok = (
        value is None
        or isinstance(value, scalar)
        or (isinstance(value, list | tuple) and len(value) <= 1000 and all(isinstance(v, scalar) for v in value))
    )
    if not ok or (isinstance(value, str) and len(value) > 20_000):
        raise ParameterError(
            f"The value of context key {key} must be a string, number, boolean or list of them.",
            parameter="ContextEntries",
        )
