"""Loading worlds: world-format.md data and ``aws iam get-account-authorization-details`` output.

Owns reading a world file into the model of ``world_model.py`` with a JSON path on every fault (never a
traceback). Writing it back is ``world_dump.py``'s. Policy documents are validated by ``policy.py``;
principals in trust and resource policies by ``world_iam.py``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from . import names
from .audit import EventLog
from .dates import parse_iso_utc
from .errors import ParameterError, WorldError
from .ids import IdSource
from .world_model import (
    ACCOUNT_ID_RE,
    DEFAULT_QUOTAS,
    INLINE_SIZE_LIMITS,
    MAX_EVENTS,
    MAX_POLICY_VERSIONS,
    MAX_QUOTAS,
    MSG_ALREADY_EXISTS,
    MSG_INLINE_SIZE,
    MSG_PROFILE_EXISTS,
    MSG_QUOTA,
    ORG_ID_RE,
    OU_ID_RE,
    PARTITIONS,
    PROVIDER_QUOTAS,
    ROOT_ID_RE,
    AccessKey,
    Account,
    Clock,
    Document,
    Group,
    IdentityProvider,
    InstanceProfile,
    ManagedPolicy,
    Organization,
    OrganizationalUnit,
    PolicyVersion,
    Resource,
    Role,
    Scp,
    Session,
    User,
    check_max_session_duration,
    check_name,
    check_path,
    check_scp_targets,
    check_tags,
    check_text,
    instance_profile_count,
    make_document,
    split_iam_arn,
)

if TYPE_CHECKING:
    from .world import World
# ---- loading (world-format.md) ------------------------------------------------------------------------------------

_TOP_KEYS: Final = frozenset({"clock", "partition", "organization", "accounts", "sessions", "events"})
_ACCOUNT_KEYS: Final = frozenset(
    {
        "alias",
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
        "resources",
        "identity_providers",
        "quotas",
        "instance_profiles",
        "Marker",
        "IsTruncated",
    }
)
_USER_KEYS: Final = frozenset(
    {
        "UserName",
        "Path",
        "Arn",
        "UserId",
        "CreateDate",
        "UserPolicyList",
        "GroupList",
        "AttachedManagedPolicies",
        "PermissionsBoundary",
        "Tags",
        "MFADevices",
        "AccessKeys",
    }
)
_GROUP_KEYS: Final = frozenset(
    {"GroupName", "Path", "Arn", "GroupId", "CreateDate", "GroupPolicyList", "AttachedManagedPolicies"}
)
_ROLE_KEYS: Final = frozenset(
    {
        "RoleName",
        "Path",
        "Arn",
        "RoleId",
        "CreateDate",
        "AssumeRolePolicyDocument",
        "RolePolicyList",
        "AttachedManagedPolicies",
        "PermissionsBoundary",
        "MaxSessionDuration",
        "Tags",
        "Description",
        "InstanceProfileList",
        "RoleLastUsed",
    }
)
_POLICY_KEYS: Final = frozenset(
    {
        "PolicyName",
        "PolicyId",
        "Arn",
        "Path",
        "DefaultVersionId",
        "AttachmentCount",
        "PermissionsBoundaryUsageCount",
        "IsAttachable",
        "Description",
        "CreateDate",
        "UpdateDate",
        "PolicyVersionList",
    }
)
_SESSION_KEYS: Final = frozenset(
    {
        "id",
        "type",
        "access_key_id",
        "secret_access_key",
        "session_token",
        "account",
        "arn",
        "issued_at",
        "expires_at",
        "role_arn",
        "role_id",
        "user_arn",
        "session_name",
        "session_policies",
        "policy_arns",
        "tags",
        "transitive_tag_keys",
        "source_identity",
        "mfa_authenticated_at",
        "chained",
        "federated_provider",
        "claims",
        "service",
    }
)


def _fail(path: str, message: str) -> WorldError:
    return WorldError(message, json_path=path or "$")


def _obj(value: object, path: str, what: str = "an object") -> Mapping:
    if not isinstance(value, Mapping):
        raise _fail(path, f"Expected {what}.")
    return value


def _list(value: object, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, "Expected a list.")
    return value


def _str(value: object, path: str, *, optional: bool = False, limit: int = 2048) -> str:
    if value is None and optional:
        return None  # type: ignore[return-value]
    if not isinstance(value, str) or not value or len(value) > limit:
        raise _fail(path, f"Expected a non-empty string of at most {limit} characters.")
    return value


def _known_keys(obj: Mapping, allowed: frozenset[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            where = (f"{path}.{key}" if path else key) if isinstance(key, str) and len(key) < 100 else path
            raise _fail(where, f"Unknown key {str(key)[:100]!r}.")


# Deeper than any world file needs (a policy document inside a role inside an account is about 12 levels).
MAX_WORLD_DEPTH: Final = 64
_MAX_INT_BITS: Final = 3300  # about 1,000 decimal digits; far beyond any count, quota or condition number


def check_json_values(data: object) -> None:
    """Refuses what no world file may hold, before anything else is read: NUL and unpaired surrogates in any
    key or string (no IAM pattern admits them, and neither PostgreSQL nor UTF-8 can store them), numbers
    that are not finite or absurdly long, values that are not JSON, and nesting deeper than 64 levels.

    Walks iteratively, so hostile nesting cannot exhaust the stack. Raises ``WorldError`` at the JSON path.
    """
    stack: list[tuple[object, str, int]] = [(data, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            _check_characters(value, None, path)
        elif isinstance(value, Mapping | list | tuple):
            if depth >= MAX_WORLD_DEPTH:
                raise _fail(path, f"The world file is nested more than {MAX_WORLD_DEPTH} levels deep.")
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    bad = names.unstorable_character(key)
                    if bad is not None:
                        raise _fail(path, names.character_message("A key", key, bad))
                    where = f"{path}.{key}" if path != "$" else key
                elif isinstance(value, Mapping):
                    raise _fail(path, "Keys are strings.")
                else:
                    where = f"{path}[{key}]"
                stack.append((item, where, depth + 1))
        elif isinstance(value, float) and not math.isfinite(value):
            raise _fail(path, "Numbers must be finite (JSON has no NaN or Infinity).")
        elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
            raise _fail(path, "The number is too long.")
        elif value is not None and not isinstance(value, bool | int | float):
            raise _fail(path, "Expected a JSON value (object, array, string, number, true, false or null).")


def _check_characters(value: object, rule: str | None, path: str) -> None:
    """Refuses a string holding a character its field's IAM pattern does not admit (``rule``, a ``names.RULES``
    key with a character class), or with ``rule=None`` a NUL or unpaired surrogate; names the character."""
    if not isinstance(value, str):
        return
    spec = names.RULES.get(rule) if rule else None
    allowed = getattr(spec, "allowed", None)
    index = names.first_bad_character(value, allowed) if allowed else names.unstorable_character(value)
    if index is not None:
        field = re.sub(r"(\[\d+\])+$", "", path).rsplit(".", 1)[-1]
        raise _fail(path, names.character_message(field if field not in ("", "$") else "A value", value, index))


def _checked(check: Any, value: object, path: str) -> Any:
    """Runs a ``ParameterError``-raising check and reports its failure as a ``WorldError`` at ``path``."""
    try:
        return check(value)
    except ParameterError as err:
        raise _fail(err.json_path or path, err.message) from None


def _date(value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or parse_iso_utc(value) is None:
        raise _fail(path, "Expected an ISO-8601 date such as 2026-01-01T09:00:00Z.")
    return value


def _instant(value: object, path: str) -> datetime:
    parsed = parse_iso_utc(value) if isinstance(value, str) else None
    if parsed is None:
        raise _fail(path, "Expected an ISO-8601 instant such as 2026-01-01T09:00:00Z.")
    return parsed.astimezone(UTC).replace(microsecond=0)


def account_from_details(data: Mapping) -> str:
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        for entry in data.get(key) or []:
            arn = entry.get("Arn") if isinstance(entry, Mapping) else None
            parts = split_iam_arn(arn)
            if parts and parts[1] != "aws":
                return parts[1]
    raise WorldError("Cannot tell the account id from these authorization details; give account_id.", json_path="$")


class WorldLoader:
    """Reads world-format.md data into a ``World``, naming the JSON path of the first fault."""

    def __init__(self, world_class: type[World], ids: IdSource | None, lazy: bool) -> None:
        self.world_class = world_class
        self.ids = ids or IdSource()
        self.lazy = lazy
        self.world: World = None  # type: ignore[assignment]

    def load(self, data: object) -> World:
        top = _obj(data, "$", "the world to be a JSON object")
        if not self.lazy:  # a lazily loaded world was checked when it was first loaded
            check_json_values(top)
        _known_keys(top, _TOP_KEYS, "")
        clock = Clock(_instant(top["clock"], "clock")) if top.get("clock") is not None else Clock()
        partition = top.get("partition", "aws")
        if partition not in PARTITIONS:
            raise _fail("partition", f"partition must be one of {', '.join(PARTITIONS)}.")
        self.world = self.world_class(clock=clock, partition=partition, ids=self.ids)
        accounts = _obj(top.get("accounts"), "accounts", "accounts: an object keyed by 12-digit account id")
        for account_id, body in accounts.items():
            path = f"accounts.{account_id}"
            if not isinstance(account_id, str) or not ACCOUNT_ID_RE.fullmatch(account_id):
                raise _fail("accounts", f"Account ids are 12 digits, not {str(account_id)[:40]!r}.")
            self.world.accounts[account_id] = self._account(account_id, _obj(body, path), path)
        for account_id, body in accounts.items():
            self._check_references(self.world.accounts[account_id], body, f"accounts.{account_id}")
        if top.get("organization") is not None:
            self.world.organization = self._organization(_obj(top["organization"], "organization"))
        for i, raw in enumerate(_list(top.get("sessions"), "sessions")):
            self.world.add_session(self._session(_obj(raw, f"sessions[{i}]"), f"sessions[{i}]"))
        self.world.events = EventLog(_load_events(top.get("events")))
        return self.world

    def peer_account(self, world: World, account_id: str, body: object, keep: Callable[[Account], None]) -> Account:
        """Reads the account ``account_id`` a peer loader gave ``world`` (world-format ``accounts.<id>``
        data), validated like any account of a world file. ``keep`` registers it before its references are
        checked, since they may name its own managed policies. Raises ``WorldError``/``PolicyError``."""
        self.world = world
        path = f"accounts.{account_id}"
        obj = _obj(body, path)
        if not self.lazy:
            check_json_values(obj)
        account = self._account(account_id, obj, path)
        keep(account)
        self._check_references(account, obj, path)
        return account

    # ---- one account ------------------------------------------------------------------------------------------

    def _account(self, account_id: str, body: Mapping, path: str) -> Account:
        _known_keys(body, _ACCOUNT_KEYS, path)
        account = Account(account_id, self._alias(body.get("alias"), f"{path}.alias"))
        account.quotas = _quotas(body.get("quotas"), f"{path}.quotas")
        for i, raw in enumerate(_list(body.get("Policies"), f"{path}.Policies")):
            policy = self._managed(account_id, _obj(raw, f"{path}.Policies[{i}]"), f"{path}.Policies[{i}]")
            if policy.arn in account.policies:
                raise _fail(f"{path}.Policies[{i}]", f"The policy {policy.arn} is listed twice.")
            account.policies[policy.arn] = policy
        for i, raw in enumerate(_list(body.get("GroupDetailList"), f"{path}.GroupDetailList")):
            where = f"{path}.GroupDetailList[{i}]"
            _add_unique(account.groups, self._group(account_id, _obj(raw, where), where), where, "Group")
        for i, raw in enumerate(_list(body.get("UserDetailList"), f"{path}.UserDetailList")):
            where = f"{path}.UserDetailList[{i}]"
            _add_unique(account.users, self._user(account_id, _obj(raw, where), where), where, "User")
        for i, raw in enumerate(_list(body.get("RoleDetailList"), f"{path}.RoleDetailList")):
            where = f"{path}.RoleDetailList[{i}]"
            _add_unique(account.roles, self._role(account_id, _obj(raw, where), where), where, "Role")
        held = {p.name.lower() for role in account.roles.values() for p in role.instance_profiles}
        where = f"{path}.instance_profiles"
        for i, profile in enumerate(self._profiles(account_id, body.get("instance_profiles"), where)):
            if profile.name.lower() in held:
                raise _fail(f"{where}[{i}]", MSG_PROFILE_EXISTS.format(name=profile.name))
            _add_unique(account.empty_instance_profiles, profile, f"{where}[{i}]", "Instance Profile")
        for i, raw in enumerate(_list(body.get("resources"), f"{path}.resources")):
            resource = self._resource(_obj(raw, f"{path}.resources[{i}]"), f"{path}.resources[{i}]")
            account.resources[resource.arn] = resource
        for i, raw in enumerate(_list(body.get("identity_providers"), f"{path}.identity_providers")):
            provider = check_provider(raw, account_id, f"{path}.identity_providers[{i}]")
            account.providers[provider.arn] = provider
        _check_counts(account, path)
        return account

    def _alias(self, value: object, path: str) -> str | None:
        if value is None:
            return None
        if (
            not isinstance(value, str)
            or not re.fullmatch(r"[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]", value)
            or value.isdigit()
        ):
            raise _fail(path, "An account alias is 3-63 lower-case letters, digits and single hyphens.")
        return value

    def _identity(
        self, body: Mapping, kind: str, account_id: str, path: str, name_key: str, id_key: str
    ) -> tuple[str, str, str, str]:
        name = _checked(lambda v: check_name(kind, v), body.get(name_key), f"{path}.{name_key}")
        ent_path = _checked(check_path, body.get("Path", "/"), f"{path}.Path")
        arn_type = kind.replace("_", "-")
        arn = f"arn:{self.world.partition}:iam::{account_id}:{arn_type}{ent_path}{name}"
        given = body.get("Arn")
        if given is not None and given != arn:
            raise _fail(f"{path}.Arn", f"Expected {arn} (the account, path and name given).")
        unique = body.get(id_key)
        if unique is None:
            unique = self.ids.unique_id(kind)
        elif not isinstance(unique, str) or not re.fullmatch(r"[A-Z0-9]{16,128}", unique):
            raise _fail(f"{path}.{id_key}", "Expected a unique id such as AROAEXAMPLEID1234567.")
        return name, ent_path, arn, unique

    def _document(self, source: object, kind: str, name: str, path: str, **kw: Any) -> Document:
        if source is None:
            raise _fail(path, "Expected a policy document.")
        return make_document(source, kind, name, path, lazy=self.lazy, **kw)

    def _inline(self, entries: object, path: str) -> dict[str, Document]:
        inline: dict[str, Document] = {}
        for i, raw in enumerate(_list(entries, path)):
            entry = _obj(raw, f"{path}[{i}]")
            _known_keys(entry, frozenset({"PolicyName", "PolicyDocument"}), f"{path}[{i}]")
            name = _checked(lambda v: check_name("policy", v), entry.get("PolicyName"), f"{path}[{i}].PolicyName")
            if name in inline:
                raise _fail(f"{path}[{i}].PolicyName", f"The inline policy {name} is listed twice.")
            inline[name] = self._document(
                entry.get("PolicyDocument"), "identity", name, f"{path}[{i}].PolicyDocument", check_size=False
            )
        return inline

    def _attached(self, entries: object, path: str) -> list[str]:
        arns: list[str] = []
        for i, raw in enumerate(_list(entries, path)):
            entry = _obj(raw, f"{path}[{i}]")
            _known_keys(entry, frozenset({"PolicyName", "PolicyArn"}), f"{path}[{i}]")
            arn = entry.get("PolicyArn")
            if split_iam_arn(arn) is None or split_iam_arn(arn)[2] != "policy":  # type: ignore[index]
                raise _fail(f"{path}[{i}].PolicyArn", "Expected a managed policy ARN.")
            if arn not in arns:
                arns.append(arn)  # type: ignore[arg-type]
        return arns

    def _boundary(self, value: object, path: str) -> str | None:
        if value is None:
            return None
        entry = _obj(value, path)
        _known_keys(entry, frozenset({"PermissionsBoundaryType", "PermissionsBoundaryArn"}), path)
        arn = entry.get("PermissionsBoundaryArn")
        if split_iam_arn(arn) is None:
            raise _fail(f"{path}.PermissionsBoundaryArn", "Expected a managed policy ARN.")
        return arn  # type: ignore[return-value]

    def _user(self, account_id: str, body: Mapping, path: str) -> User:
        _known_keys(body, _USER_KEYS, path)
        name, ent_path, arn, unique = self._identity(body, "user", account_id, path, "UserName", "UserId")
        groups = [
            _str(g, f"{path}.GroupList[{i}]", limit=128)
            for i, g in enumerate(_list(body.get("GroupList"), f"{path}.GroupList"))
        ]
        return User(
            name,
            ent_path,
            arn,
            unique,
            account_id,
            _date(body.get("CreateDate"), f"{path}.CreateDate"),
            inline=self._inline(body.get("UserPolicyList"), f"{path}.UserPolicyList"),
            attached=self._attached(body.get("AttachedManagedPolicies"), f"{path}.AttachedManagedPolicies"),
            groups=groups,
            boundary=self._boundary(body.get("PermissionsBoundary"), f"{path}.PermissionsBoundary"),
            tags=_checked(check_tags, body.get("Tags"), f"{path}.Tags"),
            mfa_devices=self._mfa(body.get("MFADevices"), f"{path}.MFADevices"),
            access_keys=self._keys(body.get("AccessKeys"), f"{path}.AccessKeys"),
        )

    def _mfa(self, entries: object, path: str) -> list[str]:
        serials = []
        for i, raw in enumerate(_list(entries, path)):
            entry = _obj(raw, f"{path}[{i}]")
            _known_keys(entry, frozenset({"SerialNumber", "UserName", "EnableDate"}), f"{path}[{i}]")
            serial = _str(entry.get("SerialNumber"), f"{path}[{i}].SerialNumber", limit=256)
            serials.append(_checked(lambda v: check_text("serial_number", v), serial, f"{path}[{i}].SerialNumber"))
        return serials

    def _keys(self, entries: object, path: str) -> list[AccessKey]:
        keys = []
        for i, raw in enumerate(_list(entries, path)):
            entry = _obj(raw, f"{path}[{i}]")
            _known_keys(entry, frozenset({"AccessKeyId", "SecretAccessKey", "Status", "CreateDate"}), f"{path}[{i}]")
            key_id = entry.get("AccessKeyId")
            if not isinstance(key_id, str) or not re.fullmatch(r"AKIA[A-Z0-9]{12,124}", key_id):
                raise _fail(f"{path}[{i}].AccessKeyId", "Expected a long-term access key id (AKIA…).")
            status = entry.get("Status", "Active")
            if status not in ("Active", "Inactive"):
                raise _fail(f"{path}[{i}].Status", "Status is Active or Inactive.")
            secret = entry.get("SecretAccessKey") or self.ids.secret_access_key()
            keys.append(
                AccessKey(
                    key_id,
                    _str(secret, f"{path}[{i}].SecretAccessKey", limit=128),
                    status,
                    _date(entry.get("CreateDate"), f"{path}[{i}].CreateDate"),
                )
            )
        return keys

    def _group(self, account_id: str, body: Mapping, path: str) -> Group:
        _known_keys(body, _GROUP_KEYS, path)
        name, ent_path, arn, unique = self._identity(body, "group", account_id, path, "GroupName", "GroupId")
        return Group(
            name,
            ent_path,
            arn,
            unique,
            account_id,
            _date(body.get("CreateDate"), f"{path}.CreateDate"),
            inline=self._inline(body.get("GroupPolicyList"), f"{path}.GroupPolicyList"),
            attached=self._attached(body.get("AttachedManagedPolicies"), f"{path}.AttachedManagedPolicies"),
        )

    def _role(self, account_id: str, body: Mapping, path: str) -> Role:
        _known_keys(body, _ROLE_KEYS, path)
        name, ent_path, arn, unique = self._identity(body, "role", account_id, path, "RoleName", "RoleId")
        description = body.get("Description")
        if description is not None and (not isinstance(description, str) or len(description) > 1000):
            raise _fail(f"{path}.Description", "A role description is a string of at most 1000 characters.")
        _check_characters(description, "role_description", f"{path}.Description")
        return Role(
            name,
            ent_path,
            arn,
            unique,
            account_id,
            _date(body.get("CreateDate"), f"{path}.CreateDate"),
            inline=self._inline(body.get("RolePolicyList"), f"{path}.RolePolicyList"),
            attached=self._attached(body.get("AttachedManagedPolicies"), f"{path}.AttachedManagedPolicies"),
            trust=self._document(
                body.get("AssumeRolePolicyDocument"),
                "trust",
                f"trust policy of {arn}",
                f"{path}.AssumeRolePolicyDocument",
            ),
            boundary=self._boundary(body.get("PermissionsBoundary"), f"{path}.PermissionsBoundary"),
            max_session_duration=_checked(
                check_max_session_duration, body.get("MaxSessionDuration", 3600), f"{path}.MaxSessionDuration"
            ),
            tags=_checked(check_tags, body.get("Tags"), f"{path}.Tags"),
            description=description,
            instance_profiles=self._profiles(
                account_id, body.get("InstanceProfileList"), f"{path}.InstanceProfileList"
            ),
        )

    def _profiles(self, account_id: str, entries: object, path: str) -> list[InstanceProfile]:
        profiles = []
        allowed = frozenset({"InstanceProfileName", "Arn", "InstanceProfileId", "Path", "CreateDate", "Roles", "Tags"})
        for i, raw in enumerate(_list(entries, path)):
            entry = _obj(raw, f"{path}[{i}]")
            _known_keys(entry, allowed, f"{path}[{i}]")
            name, ent_path, arn, unique = self._identity(
                entry, "instance_profile", account_id, f"{path}[{i}]", "InstanceProfileName", "InstanceProfileId"
            )
            created = _date(entry.get("CreateDate"), f"{path}[{i}].CreateDate")
            tags = _checked(check_tags, entry.get("Tags"), f"{path}[{i}].Tags")
            profiles.append(InstanceProfile(name, ent_path, arn, unique, created, tags=tags))
        return profiles

    def _managed(self, account_id: str, body: Mapping, path: str) -> ManagedPolicy:
        _known_keys(body, _POLICY_KEYS, path)
        name = _checked(lambda v: check_name("policy", v), body.get("PolicyName"), f"{path}.PolicyName")
        ent_path = body.get("Path", "/")
        arn = body.get("Arn") or f"arn:{self.world.partition}:iam::{account_id}:policy{ent_path}{name}"
        parts = split_iam_arn(arn)
        if parts is None or parts[2] != "policy" or parts[1] not in (account_id, "aws") or parts[4] != name:
            raise _fail(f"{path}.Arn", f"Expected a policy ARN of account {account_id} (or aws) named {name}.")
        _checked(check_path, parts[3], f"{path}.Path")
        versions = [
            self._version(arn, _obj(raw, f"{path}.PolicyVersionList[{i}]"), f"{path}.PolicyVersionList[{i}]")
            for i, raw in enumerate(_list(body.get("PolicyVersionList"), f"{path}.PolicyVersionList"))
        ]
        if not versions or len(versions) > MAX_POLICY_VERSIONS:
            raise _fail(f"{path}.PolicyVersionList", f"A managed policy has 1 to {MAX_POLICY_VERSIONS} versions.")
        default = body.get("DefaultVersionId") or next(
            (
                v.version_id
                for v, raw in zip(versions, body["PolicyVersionList"], strict=True)
                if raw.get("IsDefaultVersion")
            ),
            versions[-1].version_id,
        )
        if default not in [v.version_id for v in versions]:
            raise _fail(f"{path}.DefaultVersionId", f"No version {str(default)[:20]} in PolicyVersionList.")
        unique = body.get("PolicyId") or self.ids.unique_id("policy")
        description = body.get("Description")
        return ManagedPolicy(
            name,
            parts[3],
            arn,
            _str(unique, f"{path}.PolicyId", limit=128),
            versions,
            default,
            _str(description, f"{path}.Description", optional=True, limit=1000),
            _date(body.get("CreateDate"), f"{path}.CreateDate"),
            _date(body.get("UpdateDate"), f"{path}.UpdateDate"),
        )

    def _version(self, arn: str, body: Mapping, path: str) -> PolicyVersion:
        _known_keys(body, frozenset({"VersionId", "IsDefaultVersion", "Document", "CreateDate"}), path)
        version_id = body.get("VersionId")
        if not isinstance(version_id, str) or not re.fullmatch(r"v[1-9][0-9]{0,5}", version_id):
            raise _fail(f"{path}.VersionId", "Expected a version id such as v1.")
        # AWS's own managed policies are exempt from the customer quota of 6,144 characters (D-QUOTA, H).
        document = self._document(
            body.get("Document"), "identity", arn, f"{path}.Document", managed=True, check_size=":iam::aws:" not in arn
        )
        return PolicyVersion(version_id, document, _date(body.get("CreateDate"), f"{path}.CreateDate"))

    def _resource(self, body: Mapping, path: str) -> Resource:
        _known_keys(body, frozenset({"arn", "policy", "tags"}), path)
        arn = _str(body.get("arn"), f"{path}.arn")
        if not arn.startswith("arn:") or arn.count(":") < 5:
            raise _fail(f"{path}.arn", "Expected a resource ARN.")
        policy = body.get("policy")
        if policy is None:
            policy = default_key_policy(arn)
        document = (
            None
            if policy is None
            else self._document(policy, "resource", f"resource policy of {arn}", f"{path}.policy")
        )
        return Resource(arn, document, _checked(check_tags, body.get("tags"), f"{path}.tags"))

    # ---- references between entities (second pass) ----------------------------------------------------------------

    def _check_references(self, account: Account, body: Mapping, path: str) -> None:
        lists = (
            ("UserDetailList", account.users),
            ("GroupDetailList", account.groups),
            ("RoleDetailList", account.roles),
        )
        for key, table in lists:
            for i, entity in enumerate(table.values()):
                where = f"{path}.{key}[{i}]"
                for j, arn in enumerate(entity.attached):
                    self._check_policy_ref(arn, account.id, f"{where}.AttachedManagedPolicies[{j}].PolicyArn")
                if getattr(entity, "boundary", None):
                    self._check_policy_ref(entity.boundary, account.id, f"{where}.PermissionsBoundary")
                for group in getattr(entity, "groups", []):
                    if group.lower() not in account.groups:
                        raise _fail(f"{where}.GroupList", f"The group {group} is not in this account.")
                if isinstance(entity, Role) and entity.trust is not None and not self.lazy:
                    self.world.check_principals(entity.trust.policy(), f"{where}.AssumeRolePolicyDocument")
        if not self.lazy:
            for i, resource in enumerate(account.resources.values()):
                if resource.policy is not None:
                    self.world.check_principals(resource.policy.policy(), f"{path}.resources[{i}].policy")

    def _check_policy_ref(self, arn: str, account_id: str, path: str) -> None:
        if self.world.managed_policy(arn, account_id) is None:
            raise _fail(path, f"Unknown managed policy {arn}: neither this world nor the AWS catalogue has it.")

    # ---- organization and sessions --------------------------------------------------------------------------------

    def _organization(self, body: Mapping) -> Organization:
        allowed = frozenset({"id", "management_account", "root_id", "ous", "accounts", "scps", "rcps"})
        _known_keys(body, allowed, "organization")
        org_id = body.get("id")
        if not isinstance(org_id, str) or not ORG_ID_RE.fullmatch(org_id):
            raise _fail("organization.id", "Expected an organization id such as o-exampleorgid.")
        management = body.get("management_account")
        if not isinstance(management, str) or not ACCOUNT_ID_RE.fullmatch(management):
            raise _fail("organization.management_account", "Expected a 12-digit account id.")
        root_id = body.get("root_id", "r-" + org_id[2:6])
        if not isinstance(root_id, str) or not ROOT_ID_RE.fullmatch(root_id):
            raise _fail("organization.root_id", "Expected a root id such as r-ab12.")
        members = body.get("accounts")
        if members is not None:
            members = [
                _checked(_account_id, a, f"organization.accounts[{i}]")
                for i, a in enumerate(_list(members, "organization.accounts"))
            ]
        org = Organization(org_id, management, root_id, self._ous(body.get("ous"), root_id), members=members)
        for kind in ("scps", "rcps"):
            for i, raw in enumerate(_list(body.get(kind), f"organization.{kind}")):
                where = f"organization.{kind}[{i}]"
                getattr(org, kind).append(self._scp(_obj(raw, where), where, kind[:3]))
        return org

    def _ous(self, entries: object, root_id: str) -> list[OrganizationalUnit]:
        ous: list[OrganizationalUnit] = []
        for i, raw in enumerate(_list(entries, "organization.ous")):
            path = f"organization.ous[{i}]"
            entry = _obj(raw, path)
            _known_keys(entry, frozenset({"id", "name", "parent", "accounts"}), path)
            ou_id = entry.get("id")
            if not isinstance(ou_id, str) or not OU_ID_RE.fullmatch(ou_id) or any(o.id == ou_id for o in ous):
                raise _fail(f"{path}.id", "Expected a new OU id such as ou-ab12-11111111.")
            accounts = [
                _checked(_account_id, a, f"{path}.accounts[{j}]")
                for j, a in enumerate(_list(entry.get("accounts"), f"{path}.accounts"))
            ]
            ous.append(
                OrganizationalUnit(
                    ou_id,
                    _str(entry.get("name", ou_id), f"{path}.name", limit=128),
                    _str(entry.get("parent", root_id), f"{path}.parent"),
                    accounts,
                )
            )
        _check_ou_tree(ous, root_id)
        return ous

    def _scp(self, body: Mapping, path: str, kind: str) -> Scp:
        _known_keys(body, frozenset({"name", "targets", "document"}), path)
        name = _checked(lambda v: check_name("policy", v), body.get("name"), f"{path}.name")
        targets = _checked(
            lambda v: check_scp_targets(v, f"{path}.targets"), body.get("targets", []), f"{path}.targets"
        )
        return Scp(name, targets, self._document(body.get("document"), kind, name, f"{path}.document"))

    def _session(self, body: Mapping, path: str) -> Session:
        _known_keys(body, _SESSION_KEYS, path)
        kind = body.get("type")
        if kind not in ("assumed_role", "session_token"):
            raise _fail(f"{path}.type", "type is assumed_role or session_token.")
        text = {
            key: _str(body.get(key), f"{path}.{key}", optional=key in _OPTIONAL_SESSION_TEXT, limit=4096)
            for key in SESSION_TEXT_KEYS
        }
        for key, rule in (("session_name", "role_session_name"), ("source_identity", "source_identity")):
            if text[key] is not None:
                _checked(lambda v, rule=rule: check_text(rule, v), text[key], f"{path}.{key}")
        docs = []
        for i, raw in enumerate(_list(body.get("session_policies"), f"{path}.session_policies")):
            entry = _obj(raw, f"{path}.session_policies[{i}]")
            _known_keys(entry, frozenset({"name", "document"}), f"{path}.session_policies[{i}]")
            docs.append(
                self._document(
                    entry.get("document"),
                    "session",
                    _str(entry.get("name"), f"{path}.session_policies[{i}].name"),
                    f"{path}.session_policies[{i}].document",
                    check_size=False,
                )
            )
        mfa = body.get("mfa_authenticated_at")
        claims = _obj(body.get("claims") or {}, f"{path}.claims")
        return Session(
            kind=kind,
            issued_at=_instant(body.get("issued_at"), f"{path}.issued_at"),
            expires_at=_instant(body.get("expires_at"), f"{path}.expires_at"),
            policies=docs,
            policy_arns=[
                _str(a, f"{path}.policy_arns[{i}]")
                for i, a in enumerate(_list(body.get("policy_arns"), f"{path}.policy_arns"))
            ],
            tags=_checked(check_tags, body.get("tags"), f"{path}.tags"),
            transitive_tag_keys=[
                _str(k, f"{path}.transitive_tag_keys[{i}]", limit=128)
                for i, k in enumerate(_list(body.get("transitive_tag_keys"), f"{path}.transitive_tag_keys"))
            ],
            mfa_auth_time=None if mfa is None else _instant(mfa, f"{path}.mfa_authenticated_at"),
            chained=body.get("chained") is True,
            claims=_load_claims(claims, f"{path}.claims"),
            **text,
        )


SESSION_TEXT_KEYS: Final = (
    "id",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "account",
    "arn",
    "role_arn",
    "role_id",
    "user_arn",
    "session_name",
    "source_identity",
    "federated_provider",
    "service",
)
_OPTIONAL_SESSION_TEXT: Final = frozenset(
    {"role_arn", "role_id", "user_arn", "session_name", "source_identity", "federated_provider", "service"}
)


def default_key_policy(arn: str) -> dict | None:
    """The key policy KMS gives a key created without one, for a KMS key ARN; None for any other ARN.

    A KMS key always has exactly one key policy (AWS KMS DG, "Key policies in AWS KMS", H); CreateKey without
    a policy applies one statement letting the owning account's root use every KMS action on the key, which
    is what lets IAM policies grant access to it (AWS KMS DG, "Default key policy", H).
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith("key/") or not parts[4].isdigit():
        return None
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{parts[1]}:iam::{parts[4]}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _account_id(value: object) -> str:
    if not isinstance(value, str) or not ACCOUNT_ID_RE.fullmatch(value):
        raise ParameterError("Expected a 12-digit account id.")
    return value


def _add_unique(table: dict, entity: Any, path: str, kind: str) -> None:
    if entity.name.lower() in table:  # names are unique case-insensitively (§5.10, D-QUOTA, H)
        raise _fail(path, MSG_ALREADY_EXISTS.format(kind=kind, name=entity.name))
    table[entity.name.lower()] = entity


def _quotas(value: object, path: str) -> dict[str, int]:
    if value is None:
        return {}
    quotas = {}
    for key, number in _obj(value, path).items():
        if key not in DEFAULT_QUOTAS:
            raise _fail(path, f"Unknown quota {str(key)[:60]!r}; known: {', '.join(DEFAULT_QUOTAS)}.")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_QUOTAS[key]:
            raise _fail(f"{path}.{key}", f"{key} can be set from 1 to {MAX_QUOTAS[key]}.")
        quotas[key] = number
    return quotas


def _check_counts(account: Account, path: str) -> None:
    counts = {
        "RolesPerAccount": len(account.roles),
        "UsersPerAccount": len(account.users),
        "GroupsPerAccount": len(account.groups),
        "PoliciesPerAccount": sum(1 for arn in account.policies if ":iam::aws:" not in arn),
        "InstanceProfilesPerAccount": instance_profile_count(account),
    }
    for kind, quota in PROVIDER_QUOTAS.items():
        counts[quota] = sum(1 for p in account.providers.values() if p.type == kind)
    for quota, count in counts.items():
        if count > account.quota(quota):
            raise _fail(path, MSG_QUOTA.format(quota=quota, limit=account.quota(quota)))
    for kind, table in (("Role", account.roles), ("User", account.users), ("Group", account.groups)):
        for entity in table.values():
            if len(entity.attached) > account.quota(f"PoliciesPer{kind}"):
                quota = f"PoliciesPer{kind}"
                raise _fail(path, MSG_QUOTA.format(quota=quota, limit=account.quota(quota)))
            size = sum(d.size() for d in entity.inline.values())
            if size > INLINE_SIZE_LIMITS[kind.lower()]:
                raise _fail(
                    path,
                    MSG_INLINE_SIZE.format(limit=INLINE_SIZE_LIMITS[kind.lower()], kind=kind.lower(), name=entity.name),
                )


def _check_ou_tree(ous: list[OrganizationalUnit], root_id: str) -> None:
    by_id = {ou.id: ou for ou in ous}
    placed: set[str] = set()
    for i, ou in enumerate(ous):
        if ou.parent != root_id and ou.parent not in by_id:
            raise _fail(f"organization.ous[{i}].parent", f"Unknown parent {ou.parent[:60]}.")
        seen, node = set(), ou.id
        while node in by_id:
            if node in seen:
                raise _fail(f"organization.ous[{i}].parent", "OUs form a cycle.")
            seen.add(node)
            node = by_id[node].parent
        for account in ou.accounts:
            if account in placed:
                raise _fail(f"organization.ous[{i}].accounts", f"Account {account} is in two OUs.")
            placed.add(account)


def check_provider(raw: object, account_id: str, path: str) -> IdentityProvider:
    entry = _obj(raw, path)
    _known_keys(entry, frozenset({"type", "arn", "audiences", "thumbprints"}), path)
    kind = entry.get("type")
    if kind not in ("oidc", "saml"):
        raise _fail(f"{path}.type", "type is oidc or saml.")
    parts = split_iam_arn(entry.get("arn"))
    if parts is None or parts[1] != account_id or parts[2] != f"{kind}-provider":
        raise _fail(f"{path}.arn", f"Expected arn:aws:iam::{account_id}:{kind}-provider/….")
    lists = {}
    for key in ("audiences", "thumbprints"):
        values = _list(entry.get(key), f"{path}.{key}")
        lists[key] = [_str(v, f"{path}.{key}[{i}]", limit=255) for i, v in enumerate(values)]
    return IdentityProvider(kind, entry["arn"], lists["audiences"], lists["thumbprints"])


def _load_claims(claims: Mapping, path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = {}
    for key, value in claims.items():
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        if not isinstance(key, str) or not ok:
            raise _fail(path, "Claims are strings or lists of strings.")
        loaded[key] = list(value) if isinstance(value, list) else value
    return loaded


def _load_events(value: object) -> list[dict]:
    events = _list(value, "events")
    if len(events) > MAX_EVENTS:
        raise _fail("events", f"At most {MAX_EVENTS} events are kept.")
    for i, event in enumerate(events):
        _obj(event, f"events[{i}]")
    try:
        return json.loads(json.dumps(events))
    except (TypeError, ValueError, RecursionError):
        raise _fail("events", "Events must be plain JSON objects.") from None
