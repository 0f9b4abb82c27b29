"""The world's building blocks: entities, stored policy documents, the clock, and IAM's name rules.

Owns the data model behind ``World`` (accounts, users, groups, roles, managed policies, resources, identity
providers, organization, sessions), IAM's quotas and name/path/tag validators with AWS's wording, and the
shared catalogue of AWS managed policies. Behaviour lives in ``world.py`` (requests), ``world_iam.py``
(changes) and ``world_io.py`` (load/save).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Final
from urllib.parse import unquote

from . import names
from .data import managed_policy_document, managed_policy_info
from .dates import parse_iso_utc
from .errors import EngineError, ParameterError, PolicyError, StsError, WorldError
from .policy import Policy, parse_policy, policy_size
from .principals import Caller

# ---- quotas (§1.9, D-QUOTA, H unless marked) -------------------------------------------------------------------

DEFAULT_QUOTAS: Final[dict[str, int]] = {
    "RolesPerAccount": 1000,  # adjustable to 5,000
    "UsersPerAccount": 5000,
    "GroupsPerAccount": 300,
    "PoliciesPerAccount": 1500,  # customer managed policies
    "PoliciesPerRole": 10,  # attached managed policies; adjustable to 20 (⚠ F26)
    "PoliciesPerUser": 10,
    "PoliciesPerGroup": 10,  # not adjustable
    "GroupsPerUser": 10,
    "InstanceProfilesPerAccount": 1000,  # adjustable to 5,000; quota name in IAM's message (OBS, H)
    "OpenIdConnectProvidersPerAccount": 100,  # not adjustable; quota name in IAM's message (OBS, H)
    "SamlProvidersPerAccount": 100,  # not adjustable; quota name unverified (by analogy, M)
}
MAX_QUOTAS: Final[dict[str, int]] = {
    "RolesPerAccount": 5000,
    "UsersPerAccount": 5000,
    "GroupsPerAccount": 500,
    "PoliciesPerAccount": 5000,
    "PoliciesPerRole": 20,
    "PoliciesPerUser": 20,
    "PoliciesPerGroup": 10,
    "GroupsPerUser": 10,
    "InstanceProfilesPerAccount": 5000,
    "OpenIdConnectProvidersPerAccount": 100,
    "SamlProvidersPerAccount": 100,
}
# The quota that counts each kind of identity provider.
PROVIDER_QUOTAS: Final[dict[str, str]] = {"oidc": "OpenIdConnectProvidersPerAccount", "saml": "SamlProvidersPerAccount"}
# Aggregate size of an entity's inline policies, whitespace not counted (§1.9, D-QUOTA, H).
INLINE_SIZE_LIMITS: Final[dict[str, int]] = {"user": 2048, "group": 5120, "role": 10240}
MAX_POLICY_VERSIONS: Final = 5  # §1.9, D-QUOTA (H)
MAX_EVENTS: Final = 5000  # audit events kept per world (ours, not AWS's)

# The role inline policy AWS's "Revoke active sessions" writes (§5.9, D-REVOKE, H).
REVOKE_POLICY_NAME: Final = "AWSRevokeOlderSessions"
# The SCP every organization level carries unless another SCP targets it (world-format.md; D-SCP, H).
FULL_AWS_ACCESS_ARN: Final = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
# The RCP attached everywhere and never detachable (§1.8, D-RCP, H).
RCP_FULL_AWS_ACCESS_ARN: Final = "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess"
# Services whose resources RCPs govern (§1.8, D-RCP, H for the launch list; it has grown since, ⚠ F23).
RCP_SERVICES: Final = frozenset({"s3", "sts", "kms", "sqs", "secretsmanager"})

# ---- names (§1.9, API-IAM, H; the rules themselves are ``names.py``'s) ------------------------------------------

_NAME_RULES: Final[dict[str, str]] = {
    "role": "role_name",
    "user": "user_name",
    "group": "group_name",
    "policy": "policy_name",
    "instance_profile": "instance_profile_name",
}
_IAM_ARN_RE: Final = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}|aws):([a-z-]+)/(.+)", re.ASCII)
PARTITIONS: Final = ("aws", "aws-cn", "aws-us-gov")
ACCOUNT_ID_RE: Final = re.compile(r"\d{12}", re.ASCII)
ORG_ID_RE: Final = re.compile(r"o-[a-z0-9]{10,32}", re.ASCII)
ROOT_ID_RE: Final = re.compile(r"r-[0-9a-z]{4,32}", re.ASCII)
OU_ID_RE: Final = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}", re.ASCII)

# IAM's exact texts (OBS, H: many public logs; see the tests for the sources).
MSG_NO_SUCH_ENTITY: Final = "The {kind} with name {name} cannot be found."
MSG_NO_SUCH_INLINE: Final = "The {kind} policy with name {name} cannot be found."
MSG_NOT_ATTACHABLE: Final = "Policy {arn} does not exist or is not attachable."
MSG_NOT_ATTACHED: Final = "Policy {arn} was not found."
MSG_ALREADY_EXISTS: Final = "{kind} with name {name} already exists."
MSG_POLICY_EXISTS: Final = "A policy called {name} already exists. Duplicate names are not allowed."
MSG_QUOTA: Final = "Cannot exceed quota for {quota}: {limit}"
MSG_INLINE_SIZE: Final = "Maximum policy size of {limit} bytes exceeded for {kind} {name}"
MSG_VERSIONS: Final = (
    "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."
)
MSG_DETACH_FIRST: Final = "Cannot delete entity, must detach all policies first."
MSG_DELETE_POLICIES_FIRST: Final = "Cannot delete entity, must delete policies first."
MSG_PROFILE_FIRST: Final = "Cannot delete entity, must remove roles from instance profile first."
MSG_NO_SUCH_PROFILE: Final = "Instance Profile {name} cannot be found."
MSG_PROFILE_EXISTS: Final = "Instance Profile {name} already exists."
MSG_DEFAULT_VERSION: Final = "Cannot delete the default version of a policy."
MSG_NO_SUCH_VERSION: Final = "Policy {arn} version {version} does not exist or is not attachable."
MSG_POLICY_ATTACHED: Final = "Cannot delete a policy attached to entities."
MSG_POLICY_HAS_VERSIONS: Final = (
    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. "
    "The default version is deleted with the policy."
)
MSG_INVALID_PRINCIPAL: Final = 'Invalid principal in policy: "{type}":"{value}"'
MSG_EXPIRED: Final = "The security token included in the request is expired"  # §5.9 (H)
MSG_INVALID_TOKEN: Final = "The security token included in the request is invalid."  # noqa: S105 §5.9 (H)
# Tag keys repeat case-insensitively (D-TAGS, H; IAM's TagRole text, OBS M).
MSG_DUPLICATE_TAGS: Final = "Duplicate tag keys found. Please note that Tag keys are case insensitive."


def check_text(rule: str, value: object, member: str | None = None) -> str:
    """Returns ``value`` if it is a string obeying ``names.RULES[rule]``; raises ``ParameterError`` in AWS's
    ``1 validation error detected: …`` form otherwise."""
    if not isinstance(value, str):
        raise names.validation_error(
            [
                names.constraint_failure(
                    member or _rule_member(rule),
                    "Member must be a string",
                    None if value is None else names.as_text(value)[:100],
                )
            ]
        )
    names.validate(rule, value, member=member)
    return value


def _rule_member(rule: str) -> str:
    spec = names.RULES.get(rule)
    return spec.member if spec is not None else rule


def check_name(kind: str, value: object) -> str:
    """Returns ``value`` if it is a valid IAM name of ``kind`` (role, user, group, policy, instance_profile)."""
    return check_text(_NAME_RULES[kind], value)


def check_path(value: object) -> str:
    """Returns ``value`` if it is a valid IAM path (``/`` or ``/a/b/``); raises ``ParameterError``."""
    return check_text("path", value)


def check_tags(tags: object, member: str = "tags") -> list[tuple[str, str]]:
    """Validates IAM/STS tags given as ``[{"Key", "Value"}]`` or ``{key: value}``; returns (key, value) pairs.

    At most 50 tags, keys 1–128 and values 0–256 characters of ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``
    (§1.9, API-IAM, H); keys unique case-insensitively (§5.5, D-TAGS, H). Raises ``ParameterError``.
    """
    pairs = _tag_pairs(tags, member)
    failures = names.tag_problems(pairs, member=member)
    if failures:
        raise names.validation_error(failures)
    seen: set[str] = set()
    for key, _ in pairs:
        if key.lower() in seen:
            raise ParameterError(MSG_DUPLICATE_TAGS, code="InvalidInput", parameter=names.parameter_name(member))
        seen.add(key.lower())
    return pairs


def split_iam_arn(arn: object) -> tuple[str, str, str, str, str] | None:
    """``(partition, account, type, path, name)`` of an IAM ARN such as ``arn:aws:iam::1:role/a/b/Name``.

    ``account`` is ``aws`` for AWS managed policies; ``path`` is ``/`` or ``/a/b/``. None if not an IAM ARN.
    """
    if not isinstance(arn, str) or len(arn) > 2048:
        return None
    return _split_kept(arn) if len(arn) <= 512 else _split_iam_arn(arn)


def _split_iam_arn(arn: str) -> tuple[str, str, str, str, str] | None:
    match = _IAM_ARN_RE.fullmatch(arn)
    if match is None:
        return None
    partition, account, kind, rest = match.groups()
    head, _, name = rest.rpartition("/")
    return partition, account, kind, "/" + head + "/" if head else "/", name


# ``_split_iam_arn`` of ARNs of ordinary length, kept (a pure function of the string: the access graph asks it
# thousands of times about the same few hundred ARNs)
_split_kept: Final = lru_cache(maxsize=4096)(_split_iam_arn)


def _tag_pairs(tags: object, member: str) -> list[tuple[str, str]]:
    if tags is None:
        return []
    if isinstance(tags, Mapping):
        items = list(tags.items())
    elif isinstance(tags, list | tuple):
        items = []
        for tag in tags:
            if not isinstance(tag, Mapping) or set(tag) - {"Key", "Value"} or "Key" not in tag:
                raise ParameterError(
                    f"Each entry of {member} must be an object with Key and Value.",
                    parameter=names.parameter_name(member),
                )
            items.append((tag["Key"], tag.get("Value", "")))
    else:
        raise ParameterError(
            f"{member} must be a list of {{Key, Value}} objects.", parameter=names.parameter_name(member)
        )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in items):
        raise ParameterError(
            f"Tag keys and values in {member} must be strings.", parameter=names.parameter_name(member)
        )
    return items


# ---- the clock ----------------------------------------------------------------------------------------------------


class Clock:
    """The world's time: fixed until told to move, so simulations are repeatable (world-format.md)."""

    def __init__(self, start: datetime | None = None) -> None:
        moment = start or datetime.now(UTC)
        self._now = moment.astimezone(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        """The current instant (aware, UTC, whole seconds)."""
        return self._now

    def advance(self, seconds: object) -> datetime:
        """Moves the clock forward by ``seconds`` (a number ≥ 0); returns the new instant.

        Raises ``ParameterError`` for a negative, non-numeric or absurdly large value.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 10**10:
            raise ParameterError("seconds must be a number between 0 and 10000000000.")
        try:
            self._now = self._now + timedelta(seconds=int(seconds))
        except OverflowError as err:
            raise ParameterError("The clock cannot move past the year 9999.") from err
        return self._now

    def set(self, moment: object) -> datetime:
        """Sets the clock to ``moment`` (an aware ``datetime`` or an ISO-8601 string); returns it.

        Raises ``ParameterError`` when ``moment`` is not a valid instant.
        """
        if isinstance(moment, str):
            parsed = parse_iso_utc(moment)
        elif isinstance(moment, datetime):
            parsed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        else:
            parsed = None
        if parsed is None:
            shown = names.as_text(moment)[:100]
            raise ParameterError(f"'{shown}' is not an ISO-8601 instant such as 2026-01-01T09:00:00Z.")
        self._now = parsed.astimezone(UTC).replace(microsecond=0)
        return self._now


# ---- stored policy documents -------------------------------------------------------------------------------------


class Document:
    """A policy document as stored in the world: its source (text or JSON object) and its parsed ``Policy``.

    The source is kept as given (URL-encoded text is decoded) so a saved world reads like the loaded one;
    the ``Policy`` is parsed once, on load or on first use, and shared by every principal that uses it.
    """

    __slots__ = ("_is_text", "_policy", "_text", "check_size", "kind", "managed", "name")

    def __init__(
        self,
        source: str | Mapping,
        kind: str,
        name: str,
        *,
        managed: bool = False,
        lazy: bool = False,
        check_size: bool = True,
    ) -> None:
        self.kind, self.name, self.managed, self.check_size = kind, name, managed, check_size
        self._is_text = isinstance(source, str)
        self._policy: Policy | None = None
        if self._is_text:
            self._text = _decode_document_text(source)
        if not lazy:
            self._policy = parse_policy(
                self._text if self._is_text else source, kind, name=name, managed=managed, check_size=check_size
            )
        if not self._is_text:
            self._text = _dump_json(source)

    def policy(self) -> Policy:
        """The parsed policy (parsed now if the world was loaded lazily). Raises ``PolicyError``."""
        if self._policy is None:
            source = self._text if self._is_text else json.loads(self._text)
            self._policy = parse_policy(
                source, self.kind, name=self.name, managed=self.managed, check_size=self.check_size
            )
        return self._policy

    def source(self) -> str | dict:
        """A fresh copy of the document as given: text, or a JSON object."""
        return self._text if self._is_text else json.loads(self._text)

    def size(self) -> int:
        """Characters counted against IAM's size quotas (whitespace outside strings not counted, §1.9)."""
        return policy_size(self._text)


def _decode_document_text(text: str) -> str:
    """Decodes a URL-encoded document as the raw IAM API returns it (``%7B%22Version%22…``)."""
    stripped = text.lstrip()
    return unquote(text) if stripped.startswith("%") else text


def _dump_json(value: object) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as err:
        raise PolicyError("Syntax errors in policy.") from err


def make_document(
    source: object,
    kind: str,
    name: str,
    where: str,
    *,
    managed: bool = False,
    lazy: bool = False,
    check_size: bool = True,
    parameter: str | None = None,
) -> Document:
    """Builds a ``Document`` from a JSON object or (URL-encoded) JSON text found at JSON path ``where``.

    Raises ``PolicyError`` whose ``json_path`` is ``where`` joined with the path inside the document and
    whose ``parameter`` is ``parameter`` (the API parameter that carried the document).
    """
    if not isinstance(source, str | Mapping):
        raise PolicyError("Syntax errors in policy.", json_path=where, parameter=parameter)
    try:
        return Document(source, kind, name, managed=managed, lazy=lazy, check_size=check_size)
    except PolicyError as err:
        raise _relocate(err, where, parameter) from None
    except RecursionError:
        raise PolicyError("Syntax errors in policy.", json_path=where, parameter=parameter) from None


def _relocate(err: EngineError, where: str, parameter: str | None = None) -> EngineError:
    """The same error with its document-relative JSON path (``$.Statement[0]``) placed under ``where``."""
    inner = err.json_path or "$"
    path = where + inner[1:] if inner.startswith("$") else f"{where}.{inner}"
    return type(err)(
        err.message,
        code=err.code,
        json_path=path,
        line=err.line,
        column=err.column,
        http_status=err.http_status,
        parameter=parameter or err.parameter,
    )


# ---- entities -----------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class AccessKey:
    """A long-term access key of an IAM user (``AKIA…``)."""

    id: str
    secret: str
    status: str = "Active"
    create_date: str | None = None


@dataclass(eq=False)
class InstanceProfile:
    """An instance profile: a container for one role that EC2 hands to instances (§5.11, D-EC2)."""

    name: str
    path: str
    arn: str
    id: str
    create_date: str | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)


@dataclass(eq=False)
class IamEntity:
    """What users, groups and roles share: identity, inline and attached managed policies."""

    name: str
    path: str
    arn: str
    id: str
    account: str
    create_date: str | None = None
    inline: dict[str, Document] = field(default_factory=dict)
    attached: list[str] = field(default_factory=list)


@dataclass(eq=False)
class User(IamEntity):
    """An IAM user with its groups, boundary, tags, MFA devices and access keys."""

    groups: list[str] = field(default_factory=list)
    boundary: str | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    mfa_devices: list[str] = field(default_factory=list)
    access_keys: list[AccessKey] = field(default_factory=list)


@dataclass(eq=False)
class Group(IamEntity):
    """An IAM group: a set of users sharing policies. Never a principal itself (§1.6)."""


@dataclass(eq=False)
class Role(IamEntity):
    """An IAM role: trust policy, permissions, boundary, session limit, tags and instance profiles."""

    trust: Document | None = None
    boundary: str | None = None
    max_session_duration: int = 3600
    tags: list[tuple[str, str]] = field(default_factory=list)
    description: str | None = None
    instance_profiles: list[InstanceProfile] = field(default_factory=list)


@dataclass(eq=False)
class PolicyVersion:
    """One version of a managed policy."""

    version_id: str
    document: Document
    create_date: str | None = None


@dataclass(eq=False)
class ManagedPolicy:
    """A managed policy (customer managed, or an AWS managed one the world defines) and its versions."""

    name: str
    path: str
    arn: str
    id: str
    versions: list[PolicyVersion]
    default_version_id: str
    description: str | None = None
    create_date: str | None = None
    update_date: str | None = None

    def document(self) -> Document:
        """The default version's document."""
        return next(v.document for v in self.versions if v.version_id == self.default_version_id)


@dataclass(eq=False)
class Resource:
    """A resource an account owns, with its resource-based policy and tags (world-format.md)."""

    arn: str
    policy: Document | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)


@dataclass(eq=False)
class IdentityProvider:
    """An IAM OIDC or SAML identity provider; ``audiences`` are an OIDC provider's client ids (§5.8)."""

    type: str
    arn: str
    audiences: list[str] = field(default_factory=list)
    thumbprints: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The provider host and path as condition keys name it (``token.actions.githubusercontent.com``)."""
        return self.arn.split(":oidc-provider/", 1)[-1] if self.type == "oidc" else self.arn


@dataclass(eq=False)
class Account:
    """One AWS account of the world and everything IAM holds in it."""

    id: str
    alias: str | None = None
    users: dict[str, User] = field(default_factory=dict)  # lower-cased name -> user
    groups: dict[str, Group] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)  # ARN -> policy
    resources: dict[str, Resource] = field(default_factory=dict)  # ARN -> resource
    providers: dict[str, IdentityProvider] = field(default_factory=dict)
    quotas: dict[str, int] = field(default_factory=dict)  # overrides of DEFAULT_QUOTAS
    # Instance profiles holding no role, lower-cased name -> profile. A profile holding its role is kept on
    # the role, as GetAccountAuthorizationDetails lists it (RoleDetailList[].InstanceProfileList).
    empty_instance_profiles: dict[str, InstanceProfile] = field(default_factory=dict)

    def quota(self, name: str) -> int:
        """The quota in force for ``name`` (a key of ``DEFAULT_QUOTAS``)."""
        return self.quotas.get(name, DEFAULT_QUOTAS[name])


def instance_profile_count(account: Account) -> int:
    """The account's instance profiles: those holding their one role (kept on the role) and the empty ones."""
    return len(account.empty_instance_profiles) + sum(len(role.instance_profiles) for role in account.roles.values())


@dataclass(eq=False)
class Scp:
    """A service or resource control policy and the root, OU or account ids it is attached to."""

    name: str
    targets: list[str]
    document: Document


@dataclass(eq=False)
class OrganizationalUnit:
    """An OU: its parent (the root or another OU) and the accounts directly in it."""

    id: str
    name: str
    parent: str
    accounts: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Organization:
    """An AWS Organization: id, management account, root, OUs, members and SCPs (§1.8, D-SCP)."""

    id: str
    management_account: str
    root_id: str
    ous: list[OrganizationalUnit] = field(default_factory=list)
    scps: list[Scp] = field(default_factory=list)
    rcps: list[Scp] = field(default_factory=list)
    members: list[str] | None = None  # None: every account of the world is a member

    def is_member(self, account: str | None) -> bool:
        """True when ``account`` belongs to the organization."""
        if account is None:
            return False
        if self.members is None:
            return True
        return account == self.management_account or account in self.members

    def parents(self, account: str) -> list[str]:
        """The ids from the root down to the account's own OU: ``[r-…, ou-…, ou-…]``."""
        by_id = {ou.id: ou for ou in self.ous}
        chain: list[str] = []
        node = next((ou.id for ou in self.ous if account in ou.accounts), self.root_id)
        while node in by_id:
            chain.append(node)
            node = by_id[node].parent
        chain.append(self.root_id)
        return chain[::-1]


@dataclass(eq=False)
class Session:
    """Temporary credentials STS issued, with everything that travels with them (§5.4–§5.9).

    ``kind`` is ``assumed_role`` (AssumeRole*, service and instance credentials) or ``session_token``
    (GetSessionToken). Session tags and transitive keys are a snapshot; the role's own tags are read live.
    """

    id: str
    kind: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    account: str
    arn: str
    issued_at: datetime
    expires_at: datetime
    role_arn: str | None = None
    role_id: str | None = None
    user_arn: str | None = None
    session_name: str | None = None
    policies: list[Document] = field(default_factory=list)
    policy_arns: list[str] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)
    transitive_tag_keys: list[str] = field(default_factory=list)
    source_identity: str | None = None
    mfa_auth_time: datetime | None = None
    chained: bool = False
    federated_provider: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    service: str | None = None

    @property
    def mfa_authenticated(self) -> bool:
        """True when the credentials were issued with MFA."""
        return self.mfa_auth_time is not None


@dataclass(frozen=True, eq=False)
class Identity:
    """A resolved caller: the ``Caller`` the evaluator sees plus the world objects behind it."""

    caller: Caller
    user: User | None = None
    role: Role | None = None
    session: Session | None = None
    access_key_id: str | None = None

    @property
    def temporary(self) -> bool:
        """True for callers using temporary (STS) credentials."""
        return self.session is not None


def invalid_token() -> StsError:
    """``InvalidClientTokenId``: credentials this world does not know, or may not use for the call (§5.9)."""
    return StsError(MSG_INVALID_TOKEN, code="InvalidClientTokenId", http_status=403)


def merge_tags(base: list[tuple[str, str]], overrides: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``base`` tags with ``overrides`` replacing keys that match case-insensitively (§5.5, D-TAGS, H)."""
    replaced = {key.lower() for key, _ in overrides}
    return [(k, v) for k, v in base if k.lower() not in replaced] + list(overrides)


def claim_keys(provider_url: str, claims: Mapping[str, Any]) -> dict[str, object]:
    """Web-identity claims as condition keys ``<provider-url>:<claim>`` (§3.3, D-STSKEYS, H)."""
    keys: dict[str, object] = {}
    for claim, value in claims.items():
        if isinstance(value, str):
            keys[f"{provider_url}:{claim}"] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            keys[f"{provider_url}:{claim}"] = list(value)
    return keys


def arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and ACCOUNT_ID_RE.fullmatch(parts[4]) else None


def check_max_session_duration(value: object) -> int:
    """Returns a role's ``MaxSessionDuration`` if it is an integer of 3,600–43,200 s (§1.9, API-IAM, H)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise names.validation_error(
            [names.constraint_failure("maxSessionDuration", names.NOT_A_NUMBER, str(value)[:100])]
        )
    names.validate("max_session_duration", value)
    return value


def check_scp_targets(targets: object, where: str) -> list[str]:
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise ParameterError(
            "targets must be a list of root, OU or account ids.", json_path=where, parameter="TargetId"
        )
    for i, target in enumerate(targets):
        if not (ACCOUNT_ID_RE.fullmatch(target) or ROOT_ID_RE.fullmatch(target) or OU_ID_RE.fullmatch(target)):
            raise ParameterError(
                f"{target} is not a root (r-…), OU (ou-…) or account id.",
                json_path=f"{where}[{i}]",
                parameter="TargetId",
            )
    return list(targets)


# ---- shared catalogue policies ---------------------------------------------------------------------------------

_CATALOGUE: dict[str, ManagedPolicy | None] = {}


def catalogue_policy(arn: str) -> ManagedPolicy | None:
    """An AWS managed policy from the engine's catalogue, parsed once and shared by every world."""
    if arn not in _CATALOGUE:
        info = managed_policy_info(arn)
        document = managed_policy_document(arn)
        if info is None or document is None:
            _CATALOGUE[arn] = None
        else:
            kind = info.type if info.type in ("scp", "rcp") else "identity"
            # AWS's own policies are exempt from the customer quota of 6,144 characters (D-QUOTA, H).
            doc = Document(
                document,
                kind,
                arn if kind == "identity" else info.name,
                managed=kind == "identity",
                lazy=True,
                check_size=False,
            )
            _CATALOGUE[arn] = ManagedPolicy(
                info.name,
                info.path,
                arn,
                _catalogue_policy_id(arn),
                [PolicyVersion(info.version_id or "v1", doc)],
                info.version_id or "v1",
                info.description,
                info.created,
                info.updated,
            )
    return _CATALOGUE[arn]


def full_aws_access(kind: str = "scp") -> Policy:
    """AWS's default ``FullAWSAccess`` SCP (or ``RCPFullAWSAccess`` for ``kind="rcp"``), parsed once."""
    arn = RCP_FULL_AWS_ACCESS_ARN if kind == "rcp" else FULL_AWS_ACCESS_ARN
    policy = catalogue_policy(arn)
    if policy is None:
        raise WorldError(f"The catalogue lacks {arn}.", code="CatalogueUnavailable")
    return policy.document().policy()


def _catalogue_policy_id(arn: str) -> str:
    """A stable ``ANPA…`` id for a catalogue policy (the catalogue does not carry AWS's own ids)."""
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return "ANPA" + digest[:17]
