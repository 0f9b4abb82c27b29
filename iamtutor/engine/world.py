"""The simulated AWS world: accounts, principals, policies, resources, organization, sessions and a clock.

Owns the ``World`` object of world-format.md: loading and saving it, looking entities up, and resolving
callers from references (user ARNs, session ids, access keys, services). Every look-up by account goes
through ``World._account_for``, which may borrow a peer's account (a classmate's) from a loader: borrowed
accounts answer look-ups but are never saved, listed or changed, and ``World.redact`` hides their policies
from a decision. ``World`` gathers its other concerns from mixins: requests in ``world_request.py``, policy
changes in ``world_iam.py``, entity changes in ``world_entities.py``. Entities live in ``world_model.py``,
load/save in ``world_io.py``, STS in the ``sts`` package and CloudTrail events in ``audit.py``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, Final

from . import names
from .audit import EventLog
from .errors import EngineError, IamError, StsError, WorldError
from .evaluate import Decision
from .ids import IdSource
from .matching import match_resource
from .principals import Caller
from .refs import PolicyRef, ref_account
from .world_dump import dump_world
from .world_entities import EntityChanges
from .world_io import WorldLoader, account_from_details
from .world_model import (
    ACCOUNT_ID_RE,
    MAX_EVENTS,
    MSG_EXPIRED,
    PARTITIONS,
    Account,
    Clock,
    Group,
    Identity,
    IdentityProvider,
    ManagedPolicy,
    Organization,
    Resource,
    Role,
    Session,
    User,
    arn_account,
    catalogue_policy,
    invalid_token,
    split_iam_arn,
)
from .world_request import RequestBuilding

__all__ = ["MAX_BORROWED", "Clock", "Identity", "PeerLoader", "Session", "World"]

# Gives the world-format data of a peer's account (``accounts.<id>`` of world-format.md), or None when the
# account is not one the world may reach.
type PeerLoader = Callable[[str], Mapping[str, Any] | None]
MAX_BORROWED: Final = 32  # peer accounts one world borrows at most: a request's work stays bounded (ours)
_TABLES: Final = {"role": "roles", "user": "users", "group": "groups"}  # an entity kind -> its table in Account

# ---- the world ------------------------------------------------------------------------------------------------------


class World(EntityChanges, RequestBuilding):
    """A simulated AWS world. Build it with ``World.from_dict``; save it with ``to_dict``.

    ``accounts`` maps account ids to ``Account``; ``organization`` is an ``Organization`` or None;
    ``sessions`` maps a session's id (a scenario step id or its access key id) to ``Session``;
    ``events`` holds CloudTrail-shaped dicts (``audit.py``); ``clock`` is the world's ``Clock``.

    A world given a ``PeerLoader`` (``peers``) borrows the accounts of peers its look-ups name and it does
    not hold: a classmate's role a student assumes, the policies of that role. ``accounts`` holds only the
    world's own accounts, so what is borrowed is never saved (``to_dict``), drawn or changed.
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
        self._events = EventLog()
        self.revision = 0  # bumped by every change (see _bumps_revision); caches are kept per revision
        self._cache_stamp: tuple[int, object] | None = None
        self._callers: dict[str, Any] = {}
        self._patterns: list[tuple[str, Account, Resource]] | None = None
        self._session_keys: dict[str, Session] = {}
        self._peers: PeerLoader | None = None
        self._peers_lazy = False
        self._borrowed: dict[str, Account | None] = {}  # account id -> borrowed account, or None for a miss

    # ---- loading and saving (the format lives in _load/_dump below) ----------------------------------------------

    @classmethod
    def from_dict(
        cls, data: object, *, lazy: bool = False, ids: IdSource | None = None, peers: PeerLoader | None = None
    ) -> World:
        """Builds a world from world-format.md data; every document is validated unless ``lazy``.

        ``lazy`` defers parsing policy documents to first use (for worlds already validated once, such as
        a saved sandbox). ``peers`` is the world's peer-account loader (``set_peers``). Raises ``WorldError``
        or ``PolicyError`` whose ``json_path`` names the fault
        (``accounts.111111111111.RoleDetailList[0].AssumeRolePolicyDocument.Statement[1].Principal``).
        """
        try:
            world = WorldLoader(cls, ids, lazy).load(data)
        except RecursionError:
            raise WorldError("The world file is nested too deeply.") from None
        world.set_peers(peers, lazy=lazy)
        return world

    def set_peers(self, loader: PeerLoader | None, *, lazy: bool = False) -> None:
        """Gives the world a loader of peers' accounts (None: none). A look-up by ARN or account id that the
        world's own accounts miss asks the loader once per account id (misses are remembered too); the
        account it returns is validated like any account (``lazy`` parses its documents on first use) and
        kept as borrowed: it answers look-ups (roles, users, groups, managed policies, resources, identity
        providers) but is never saved, listed as the world's own, or changed. At most ``MAX_BORROWED``
        account ids are asked about; past that a peer's account is treated as unknown."""
        self._peers, self._peers_lazy, self._borrowed = loader, lazy, {}

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
        """The world's own account ``account_id`` (a borrowed one is never changed through it); raises
        ``IamError`` (NoSuchEntity) if the world has none."""
        found = self.accounts.get(account_id) if isinstance(account_id, str) else None
        if found is None:
            shown = names.as_text(account_id)[:100]
            raise IamError(f"The account {shown} is not part of this world.", code="NoSuchEntity", http_status=404)
        return found

    def _account_for(self, account_id: object) -> Account | None:
        """The one look-up of an account by id: the world's own, else a borrowed peer's (``set_peers``), else
        None. Raises ``WorldError``/``PolicyError`` when the loader gives an account that is not valid."""
        if not isinstance(account_id, str):
            return None
        own = self.accounts.get(account_id)
        if own is not None or self._peers is None:
            return own
        if account_id in self._borrowed:
            return self._borrowed[account_id]
        return self._borrow(account_id)

    def _borrow(self, account_id: str) -> Account | None:
        if not ACCOUNT_ID_RE.fullmatch(account_id) or len(self._borrowed) >= MAX_BORROWED:
            return None
        self._borrowed[account_id] = None  # asked once: a miss stays a miss, and a faulty account too
        body = self._peers(account_id)  # type: ignore[misc]
        if body is None:
            return None

        def keep(account: Account) -> None:
            self._borrowed[account_id] = account

        try:
            return WorldLoader(type(self), self.ids, self._peers_lazy).peer_account(self, account_id, body, keep)
        except (EngineError, RecursionError):
            self._borrowed[account_id] = None
            raise

    def is_borrowed(self, account_id: object) -> bool:
        """True when ``account_id`` names an account this world borrowed from its peer loader."""
        return (
            isinstance(account_id, str)
            and account_id not in self.accounts
            and self._borrowed.get(account_id) is not None
        )

    @property
    def borrowed(self) -> dict[str, Account]:
        """The accounts borrowed so far, by id (a copy; empty without a peer loader)."""
        return {k: v for k, v in self._borrowed.items() if v is not None and k not in self.accounts}

    def find_role(self, arn: object) -> Role | None:
        """The role an ARN names, looked up by path and name case-insensitively (⚠ F3), or None."""
        return self._find_entity(arn, "role")

    def find_user(self, arn: object) -> User | None:
        """The user an ARN names (case-insensitive look-up, ⚠ F3), or None."""
        return self._find_entity(arn, "user")

    def find_group(self, arn: object) -> Group | None:
        """The group an ARN names (case-insensitive look-up), or None."""
        return self._find_entity(arn, "group")

    def _find_entity(self, arn: object, kind: str, *, own: bool = False) -> Any:
        """The user, group or role ``arn`` names, in the world's own accounts only when ``own``."""
        parts = split_iam_arn(arn)
        if parts is None or parts[2] != kind:
            return None
        account = self.accounts.get(parts[1]) if own else self._account_for(parts[1])
        table = _TABLES[kind]
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
            account = self._account_for(parts[1])
            return account.policies.get(arn) if account else None  # type: ignore[arg-type]
        for acct in self._accounts_first(account_id):
            if arn in acct.policies:
                return acct.policies[arn]  # type: ignore[index]
        return catalogue_policy(arn)  # type: ignore[arg-type]

    def _accounts_first(self, account_id: str | None) -> Iterator[Account]:
        first = self._account_for(account_id)
        if first is not None:
            yield first
        yield from (a for a in self.accounts.values() if a.id != account_id)

    def find_resource(self, arn: str) -> tuple[Account, Resource] | None:
        """The listed resource with exactly this ARN: in the world's own accounts, else in the borrowed
        account its ARN names (S3 ARNs name none, so only the world's own buckets are found). Or None."""
        for account in self.accounts.values():
            if arn in account.resources:
                return account, account.resources[arn]
        owner = self._peer_owner(arn)
        if owner is not None and arn in owner.resources:
            return owner, owner.resources[arn]
        return None

    def _peer_owner(self, arn: str) -> Account | None:
        """The borrowed account an ARN of another account names (never one of the world's own)."""
        account_id = arn_account(arn) if self._peers is not None and isinstance(arn, str) else None
        return None if account_id is None or account_id in self.accounts else self._account_for(account_id)

    def find_provider(self, arn: object) -> IdentityProvider | None:
        """The OIDC or SAML identity provider ``arn`` names (in a borrowed account too), or None."""
        parts = split_iam_arn(arn)
        if parts is None or parts[2] not in ("oidc-provider", "saml-provider"):
            return None
        account = self._account_for(parts[1])
        return account.providers.get(arn) if account else None  # type: ignore[arg-type]

    def _resource_entries(self, arn: str) -> tuple[Resource | None, Resource | None, str | None]:
        """(entry carrying the resource policy, entry carrying the tags, owning account) for a request."""
        exact = self.find_resource(arn)
        bucket = None
        if ":s3:::" in arn and "/" in arn and arn.startswith("arn:"):
            bucket = self.find_resource(arn.split("/", 1)[0])
        pattern = None if exact else self._pattern_resource(arn)
        policy_entry = tag_entry = owner = None
        for entry in (exact, bucket, pattern):
            if entry is not None:
                if owner is None:
                    owner = entry[0].id
                if policy_entry is None and entry[1].policy:
                    policy_entry = entry[1]
                if tag_entry is None and entry is not bucket:
                    tag_entry = entry[1]
        return policy_entry, tag_entry, owner

    def _pattern_resource(self, arn: str) -> tuple[Account, Resource] | None:
        for key, account, resource in self._pattern_resources():
            if match_resource(key, arn):
                return account, resource
        owner = self._peer_owner(arn)
        for key, resource in owner.resources.items() if owner is not None else ():
            if ("*" in key or "?" in key) and match_resource(key, arn):
                return owner, resource  # type: ignore[return-value]
        return None

    def _pattern_resources(self) -> list[tuple[str, Account, Resource]]:
        """Resources listed under a wildcard ARN, in account order; kept while the world stays the same."""
        self._fresh_caches()
        if self._patterns is None:
            self._patterns = [
                (key, account, resource)
                for account in self.accounts.values()
                for key, resource in account.resources.items()
                if "*" in key or "?" in key
            ]
        return self._patterns

    def _fresh_caches(self) -> dict[str, Any]:
        """The per-caller cache of ``world_request.py``, emptied (with the resource index) whenever the world
        changed (``revision``) or the clock moved since it was filled."""
        stamp = (self.revision, self.clock.now())
        if stamp != self._cache_stamp:
            self._cache_stamp, self._callers, self._patterns = stamp, {}, None
        return self._callers

    # ---- privacy: what a decision shows of borrowed accounts --------------------------------------------------

    def redact(self, decision: Decision) -> Decision:
        """``decision`` as this world's learner may see it. A peer's policies are the peer's alone (AWS shows
        nobody another account's policies): a matched statement of a policy kept in a borrowed account
        keeps its type and effect but loses its policy's name, Sid, place and reference, and the request
        loses a borrowed trust or resource policy. On a deny, the Allow statements of such a policy are left
        out, so a refusal reads the same whether the peer's role is missing or does not trust the caller.
        Returns ``decision`` itself when it touched no borrowed account."""
        if not self.borrowed:
            return decision
        denied = not decision.allowed
        matched = []
        for m in decision.matched:
            if not self._borrowed_policy(m.ref.policy if m.ref is not None else None):
                matched.append(m)
            elif not (denied and m.effect == "Allow" and m.source in ("trust", "resource")):
                matched.append(replace(m, policy=None, sid=None, index=0, json_path="", line=None, ref=None))
        request = decision.request
        if (
            request is not None
            and request.resource_policy is not None
            and self._borrowed_policy(request.resource_policy.ref)
        ):
            request = replace(request, resource_policy=None)
        return replace(decision, matched=tuple(matched), request=request)

    def _borrowed_policy(self, ref: PolicyRef | None) -> bool:
        return ref is not None and self.is_borrowed(ref_account(ref))

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
        # Credentials are the world's own: a borrowed account's users and root never call (only its roles'
        # sessions, issued in this world, do).
        root = re.fullmatch(r"arn:[a-z-]+:iam::(\d{12}):root", ref)
        if root and root.group(1) in self.accounts:
            return Identity(Caller("root", ref, root.group(1), unique_id=root.group(1)))
        user = self._find_entity(ref, "user", own=True)
        if user is None:
            raise invalid_token()
        active = next((k.id for k in user.access_keys if k.status == "Active"), None)
        return Identity(_user_caller(user), user=user, access_key_id=active)

    # ---- sessions -----------------------------------------------------------------------------------------------

    def add_session(self, session: Session) -> None:
        """Registers issued credentials under their id and access key id (the ``sts`` package issues them)."""
        self.sessions[session.id] = session
        self._session_keys[session.access_key_id] = session

    @property
    def events(self) -> EventLog:
        """The world's CloudTrail-shaped events, oldest first (a read-only sequence of dicts; ``audit.py``)."""
        return self._events

    @events.setter
    def events(self, events: Iterable[dict]) -> None:
        self._events = events if isinstance(events, EventLog) else EventLog(events)

    def record_event(self, event: dict) -> None:
        """Appends a CloudTrail-shaped event, keeping at most ``MAX_EVENTS``."""
        self.events.append(event)
        self.events.trim(MAX_EVENTS)


# Methods whose names start so change the world: each bumps ``World.revision`` when it returns or raises.
_CHANGES: Final = ("create_", "update_", "delete_", "put_", "attach_", "detach_", "add_", "remove_", "set_default_")


def _bumps_revision(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def change(self: World, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            self.revision += 1

    return change


for _name in [n for n in dir(World) if n.startswith(_CHANGES) and callable(getattr(World, n))]:
    setattr(World, _name, _bumps_revision(getattr(World, _name)))


def _user_caller(user: User) -> Caller:
    return Caller("user", user.arn, user.account, unique_id=user.id, has_boundary=user.boundary is not None)
