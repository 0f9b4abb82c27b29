"""IAM changes to a world's entities: accounts, roles, users, groups, access keys, MFA devices, instance profiles
and identity providers.

Owns CreateRole/UpdateRole/DeleteRole and the user, group, key and profile operations, each with IAM's checks
in IAM's order, its quotas (§1.9) and its error codes (``EntityAlreadyExists``, ``DeleteConflict``…). Policy
changes are ``world_iam.py``'s (this mixin builds on them); the entities themselves are ``world_model.py``'s.
"""

from __future__ import annotations

import json

from .dates import format_iso
from .errors import IamError, ParameterError
from .world_iam import _BOUNDARY, IamChanges, _name_of
from .world_io import check_provider
from .world_model import (
    ACCOUNT_ID_RE,
    MSG_ALREADY_EXISTS,
    MSG_DELETE_POLICIES_FIRST,
    MSG_DETACH_FIRST,
    MSG_NO_SUCH_ENTITY,
    MSG_NO_SUCH_PROFILE,
    MSG_PROFILE_EXISTS,
    MSG_PROFILE_FIRST,
    MSG_QUOTA,
    PROVIDER_QUOTAS,
    AccessKey,
    Account,
    Document,
    Group,
    IamEntity,
    IdentityProvider,
    InstanceProfile,
    Role,
    User,
    check_max_session_duration,
    check_name,
    check_path,
    check_tags,
    check_text,
    instance_profile_count,
)


class EntityChanges(IamChanges):
    """Creating, changing and deleting accounts, roles, users, groups, keys, MFA devices, instance profiles
    and identity providers. Every method validates everything before it changes anything. Mixed into
    ``World``."""

    def add_account(self, account_id: object, alias: str | None = None) -> Account:
        """Adds an empty account. Raises ``ParameterError`` for a malformed id, ``IamError`` if it exists."""
        if not isinstance(account_id, str) or not ACCOUNT_ID_RE.fullmatch(account_id):
            raise ParameterError("An account id is 12 digits.", parameter="AccountId")
        if account_id in self.accounts:
            raise IamError(
                f"The account {account_id} already exists.",
                code="EntityAlreadyExists",
                http_status=409,
                parameter="AccountId",
            )
        account = Account(account_id, alias)
        self.accounts[account_id] = account
        return account

    def create_role(
        self,
        account_id: object,
        name: object,
        trust_policy: object,
        *,
        path: object = "/",
        description: str | None = None,
        max_session_duration: object = 3600,
        tags: object = None,
        boundary: object = None,
    ) -> Role:
        """CreateRole. Raises ``PolicyError`` (trust policy), ``IamError`` (EntityAlreadyExists,
        LimitExceeded ``RolesPerAccount``, NoSuchEntity boundary) or ``ParameterError``."""
        account = self._customer_account(account_id)
        name, path = check_name("role", name), check_path(path)
        duration = check_max_session_duration(max_session_duration)
        pairs = check_tags(tags)
        if description is not None:
            check_text("role_description", description)
        if name.lower() in account.roles:
            raise IamError(
                MSG_ALREADY_EXISTS.format(kind="Role", name=name),
                code="EntityAlreadyExists",
                http_status=409,
                parameter="RoleName",
            )
        self._check_count(account, "RolesPerAccount", len(account.roles))
        trust = self.trust_document(trust_policy, account.id)
        if boundary is not None:
            self._attachable(boundary, account.id, _BOUNDARY)
        role = Role(
            name,
            path,
            f"arn:{self.partition}:iam::{account.id}:role{path}{name}",
            self.ids.unique_id("role"),
            account.id,
            format_iso(self.clock.now()),
            trust=trust,
            boundary=boundary,
            max_session_duration=duration,
            tags=pairs,  # type: ignore[arg-type]
            description=description,
        )
        account.roles[name.lower()] = role
        return role

    def update_role(
        self, arn: object, *, description: object = None, max_session_duration: object = None, tags: object = None
    ) -> Role:
        """UpdateRole (description, MaxSessionDuration) and TagRole/UntagRole in one call: every value is
        checked before anything changes, so a refused update leaves the role as it was (§1.9, API-IAM, H).

        ``None`` leaves a value alone; ``tags`` replaces the role's tags. Raises ``IamError`` NoSuchEntity or
        ``ParameterError`` with IAM's wording.
        """
        role = self.role(arn)
        duration = (
            role.max_session_duration
            if max_session_duration is None
            else check_max_session_duration(max_session_duration)
        )
        pairs = role.tags if tags is None else check_tags(tags)
        if description is not None:
            check_text("role_description", description)
        role.description = role.description if description is None else (description or None)
        role.max_session_duration, role.tags = duration, pairs
        return role

    def delete_role(self, arn: object) -> None:
        """DeleteRole; afterwards policies naming the role show its unique id instead (§1.6, D-PRIN, H).

        Raises ``IamError`` NoSuchEntity, or DeleteConflict while it has policies or instance profiles.
        """
        role = self.role(arn)
        _check_no_policies(role)
        if role.instance_profiles:
            raise IamError(MSG_PROFILE_FIRST, code="DeleteConflict", http_status=409)
        del self.accounts[role.account].roles[role.name.lower()]
        self._orphan_principal(role.arn, role.id)

    def create_user(
        self, account_id: object, name: object, *, path: object = "/", tags: object = None, boundary: object = None
    ) -> User:
        """CreateUser. Raises ``IamError`` (EntityAlreadyExists, LimitExceeded, NoSuchEntity) or
        ``ParameterError``."""
        account = self._customer_account(account_id)
        name, path = check_name("user", name), check_path(path)
        pairs = check_tags(tags)
        if name.lower() in account.users:
            raise IamError(
                MSG_ALREADY_EXISTS.format(kind="User", name=name),
                code="EntityAlreadyExists",
                http_status=409,
                parameter="UserName",
            )
        self._check_count(account, "UsersPerAccount", len(account.users))
        if boundary is not None:
            self._attachable(boundary, account.id, _BOUNDARY)
        user = User(
            name,
            path,
            f"arn:{self.partition}:iam::{account.id}:user{path}{name}",
            self.ids.unique_id("user"),
            account.id,
            format_iso(self.clock.now()),
            boundary=boundary,  # type: ignore[arg-type]
            tags=pairs,
        )
        account.users[name.lower()] = user
        return user

    def delete_user(self, arn: object) -> None:
        """DeleteUser; raises ``IamError`` NoSuchEntity or DeleteConflict (policies, groups, keys, MFA)."""
        user, _ = self.principal_entity(arn)
        if not isinstance(user, User):
            raise ParameterError(f"{arn} is not a user ARN.", parameter="UserName")
        _check_no_policies(user)
        for attribute, message in (
            ("groups", "Cannot delete entity, must remove users from group first."),
            ("access_keys", "Cannot delete entity, must delete access keys first."),
            ("mfa_devices", "Cannot delete entity, must delete MFA device first."),
        ):
            if getattr(user, attribute):
                raise IamError(message, code="DeleteConflict", http_status=409)
        del self.accounts[user.account].users[user.name.lower()]
        self._orphan_principal(user.arn, user.id)

    def create_group(self, account_id: object, name: object, *, path: object = "/") -> Group:
        """CreateGroup. Raises ``IamError`` (EntityAlreadyExists, LimitExceeded) or ``ParameterError``."""
        account = self._customer_account(account_id)
        name, path = check_name("group", name), check_path(path)
        if name.lower() in account.groups:
            raise IamError(
                MSG_ALREADY_EXISTS.format(kind="Group", name=name),
                code="EntityAlreadyExists",
                http_status=409,
                parameter="GroupName",
            )
        self._check_count(account, "GroupsPerAccount", len(account.groups))
        group = Group(
            name,
            path,
            f"arn:{self.partition}:iam::{account.id}:group{path}{name}",
            self.ids.unique_id("group"),
            account.id,
            format_iso(self.clock.now()),
        )
        account.groups[name.lower()] = group
        return group

    def delete_group(self, arn: object) -> None:
        """DeleteGroup; raises ``IamError`` NoSuchEntity or DeleteConflict (members or policies)."""
        group, kind = self.principal_entity(arn)
        if kind != "group":
            raise ParameterError(f"{arn} is not a group ARN.", parameter="GroupName")
        account = self.accounts[group.account]
        if any(group.name.lower() == g.lower() for u in account.users.values() for g in u.groups):
            raise IamError(
                "Cannot delete entity, must remove users from group first.", code="DeleteConflict", http_status=409
            )
        _check_no_policies(group)
        del account.groups[group.name.lower()]

    def add_user_to_group(self, user_arn: object, group_name: object) -> None:
        """AddUserToGroup (no-op if already a member). Raises ``IamError`` NoSuchEntity or LimitExceeded."""
        user, kind = self.principal_entity(user_arn)
        if kind != "user":
            raise ParameterError(f"{user_arn} is not a user ARN.", parameter="UserName")
        account = self.accounts[user.account]
        group = account.groups.get(group_name.lower()) if isinstance(group_name, str) else None
        if group is None:
            raise IamError(
                MSG_NO_SUCH_ENTITY.format(kind="group", name=group_name),
                code="NoSuchEntity",
                http_status=404,
                parameter="GroupName",
            )
        if any(g.lower() == group.name.lower() for g in user.groups):
            return
        self._check_count(account, "GroupsPerUser", len(user.groups))
        user.groups.append(group.name)

    def remove_user_from_group(self, user_arn: object, group_name: object) -> None:
        """RemoveUserFromGroup. Raises ``IamError`` NoSuchEntity if the user is not in the group."""
        user, _ = self.principal_entity(user_arn)
        match = next(
            (g for g in getattr(user, "groups", []) if isinstance(group_name, str) and g.lower() == group_name.lower()),
            None,
        )
        if match is None:
            raise IamError(
                MSG_NO_SUCH_ENTITY.format(kind="group", name=group_name),
                code="NoSuchEntity",
                http_status=404,
                parameter="GroupName",
            )
        user.groups.remove(match)

    def create_access_key(self, user_arn: object) -> AccessKey:
        """CreateAccessKey: a new ``AKIA…`` key (two per user at most, D-QUOTA, H)."""
        user, kind = self.principal_entity(user_arn)
        if kind != "user":
            raise ParameterError(f"{user_arn} is not a user ARN.", parameter="UserName")
        if len(user.access_keys) >= 2:
            raise IamError(MSG_QUOTA.format(quota="AccessKeysPerUser", limit=2), code="LimitExceeded", http_status=409)
        key = AccessKey(
            self.ids.access_key_id(temporary=False),
            self.ids.secret_access_key(),
            create_date=format_iso(self.clock.now()),
        )
        user.access_keys.append(key)
        return key

    def delete_access_key(self, key_id: object) -> None:
        """DeleteAccessKey; raises ``IamError`` NoSuchEntity for an unknown key."""
        for user in (u for a in self.accounts.values() for u in a.users.values()):
            key = next((k for k in user.access_keys if k.id == key_id), None)
            if key is not None:
                user.access_keys.remove(key)
                return
        raise IamError(
            f"The Access Key with id {key_id} cannot be found.",
            code="NoSuchEntity",
            http_status=404,
            parameter="AccessKeyId",
        )

    def add_mfa_device(self, user_arn: object, serial: object = None) -> str:
        """Registers a virtual MFA device for a user; returns its serial (``arn:…:mfa/NAME``)."""
        user, kind = self.principal_entity(user_arn)
        if kind != "user":
            raise ParameterError(f"{user_arn} is not a user ARN.", parameter="UserName")
        serial = serial or f"arn:{self.partition}:iam::{user.account}:mfa/{user.name}"
        check_text("serial_number", serial)
        if serial not in user.mfa_devices:
            user.mfa_devices.append(serial)
        return serial

    def add_instance_profile(self, role_arn: object, name: object, *, path: object = "/") -> InstanceProfile:
        """CreateInstanceProfile + AddRoleToInstanceProfile: a profile holding ``role_arn`` (one role each)."""
        role = self.role(role_arn)
        account = self.accounts[role.account]
        profile = self._new_instance_profile(account, name, path, None)
        role.instance_profiles.append(profile)
        return profile

    def remove_instance_profile(self, role_arn: object, name: object) -> None:
        """Removes the role from instance profile ``name`` and deletes the profile."""
        role = self.role(role_arn)
        profile = next((p for p in role.instance_profiles if p.name == name), None)
        if profile is None:
            raise IamError(
                MSG_NO_SUCH_ENTITY.format(kind="instance profile", name=name),
                code="NoSuchEntity",
                http_status=404,
                parameter="InstanceProfileName",
            )
        role.instance_profiles.remove(profile)

    def create_instance_profile(
        self, account_id: object, name: object, *, path: object = "/", tags: object = None
    ) -> InstanceProfile:
        """CreateInstanceProfile: an empty profile (no role yet). Raises ``IamError`` EntityAlreadyExists (names
        are unique in the account whatever their case), LimitExceeded ``InstanceProfilesPerAccount``, or
        ``ParameterError`` for a bad name, path or tags."""
        account = self._customer_account(account_id)
        profile = self._new_instance_profile(account, name, path, tags)
        account.empty_instance_profiles[profile.name.lower()] = profile
        return profile

    def add_role_to_instance_profile(self, profile_name: object, role_arn: object) -> InstanceProfile:
        """AddRoleToInstanceProfile: puts the role into the empty profile ``profile_name`` of the role's account.

        A profile holds at most one role, a quota that cannot be raised: a profile that holds one already (this
        role or another) is ``LimitExceeded: Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1``.
        Raises ``IamError`` NoSuchEntity for an unknown role or profile.
        """
        role = self.role(role_arn)
        account = self.accounts[role.account]
        profile, holder = self._profile_in(account, profile_name)
        if holder is not None:
            raise IamError(
                MSG_QUOTA.format(quota="InstanceSessionsPerInstanceProfile", limit=1),
                code="LimitExceeded",
                http_status=409,
                parameter="InstanceProfileName",
            )
        del account.empty_instance_profiles[profile.name.lower()]
        role.instance_profiles.append(profile)
        return profile

    def remove_role_from_instance_profile(self, profile_name: object, role_arn: object) -> None:
        """RemoveRoleFromInstanceProfile: the profile stays, empty, until DeleteInstanceProfile. Raises
        ``IamError`` NoSuchEntity for an unknown role or profile, or a profile that does not hold this role."""
        role = self.role(role_arn)
        account = self.accounts[role.account]
        profile, holder = self._profile_in(account, profile_name)
        if holder is not role:
            raise IamError(
                f"The role with name {role.name} is not in instance profile {profile.name}.",
                code="NoSuchEntity",
                http_status=404,
                parameter="RoleName",
            )
        role.instance_profiles.remove(profile)
        account.empty_instance_profiles[profile.name.lower()] = profile

    def delete_instance_profile(self, account_id: object, name: object) -> None:
        """DeleteInstanceProfile. Raises ``IamError`` NoSuchEntity, or DeleteConflict while it holds a role."""
        account = self._customer_account(account_id)
        profile, holder = self._profile_in(account, name)
        if holder is not None:
            raise IamError(MSG_PROFILE_FIRST, code="DeleteConflict", http_status=409)
        del account.empty_instance_profiles[profile.name.lower()]

    def instance_profile_named(self, account_id: object, name: object) -> tuple[InstanceProfile, Role | None]:
        """(profile, the role it holds or ``None``) for the profile ``name`` of ``account_id``, whatever the case
        of the name; raises ``IamError`` NoSuchEntity (``Instance Profile NAME cannot be found.``)."""
        return self._profile_in(self._customer_account(account_id), name)

    def account_instance_profiles(self, account_id: object) -> list[tuple[InstanceProfile, Role | None]]:
        """Every instance profile of ``account_id`` with the role it holds (``None`` when empty), by name."""
        account = self._customer_account(account_id)
        found = [(p, r) for r in account.roles.values() for p in r.instance_profiles]
        found += [(p, None) for p in account.empty_instance_profiles.values()]
        return sorted(found, key=lambda pair: pair[0].name.lower())

    def instance_profile(self, ref: object) -> tuple[Role, InstanceProfile]:
        """(role, profile) for the ARN or name of an instance profile holding a role (what EC2 launches an
        instance with); raises ``IamError`` NoSuchEntity."""
        for account in self.accounts.values():
            for role in account.roles.values():
                for profile in role.instance_profiles:
                    if ref in (profile.arn, profile.name):
                        return role, profile
        raise IamError(
            MSG_NO_SUCH_ENTITY.format(kind="instance profile", name=_name_of(ref)),
            code="NoSuchEntity",
            http_status=404,
            parameter="InstanceProfileName",
        )

    def _new_instance_profile(self, account: Account, name: object, path: object, tags: object) -> InstanceProfile:
        name, path = check_name("instance_profile", name), check_path(path)
        pairs = check_tags(tags)
        if any(p.name.lower() == name.lower() for p, _ in self.account_instance_profiles(account.id)):
            raise IamError(
                MSG_PROFILE_EXISTS.format(name=name),
                code="EntityAlreadyExists",
                http_status=409,
                parameter="InstanceProfileName",
            )
        self._check_count(account, "InstanceProfilesPerAccount", instance_profile_count(account))
        return InstanceProfile(
            name,
            path,
            f"arn:{self.partition}:iam::{account.id}:instance-profile{path}{name}",
            self.ids.unique_id("instance_profile"),
            format_iso(self.clock.now()),
            tags=pairs,  # type: ignore[arg-type]
        )

    def _profile_in(self, account: Account, name: object) -> tuple[InstanceProfile, Role | None]:
        key = name.lower() if isinstance(name, str) else ""
        for role in account.roles.values():
            for profile in role.instance_profiles:
                if profile.name.lower() == key:
                    return profile, role
        if key in account.empty_instance_profiles:
            return account.empty_instance_profiles[key], None
        raise IamError(
            MSG_NO_SUCH_PROFILE.format(name=name),
            code="NoSuchEntity",
            http_status=404,
            parameter="InstanceProfileName",
        )

    def add_identity_provider(
        self, account_id: object, provider_type: str, arn: object, audiences: object = (), thumbprints: object = ()
    ) -> IdentityProvider:
        """CreateOpenIDConnectProvider / CreateSAMLProvider for an existing account."""
        account = self._customer_account(account_id)
        provider = check_provider(
            {
                "type": provider_type,
                "arn": arn,
                "audiences": list(audiences),  # type: ignore[call-overload]
                "thumbprints": list(thumbprints),
            },
            account.id,
            "$",
        )  # type: ignore[call-overload]
        if provider.arn in account.providers:
            raise IamError(
                f"Provider with url {provider.url} already exists.",
                code="EntityAlreadyExists",
                http_status=409,
                parameter="Url",
            )
        quota = PROVIDER_QUOTAS[provider.type]
        self._check_count(account, quota, sum(1 for p in account.providers.values() if p.type == provider.type))
        account.providers[provider.arn] = provider
        return provider

    def _orphan_principal(self, arn: str, unique_id: str) -> None:
        """Rewrites every stored trust and resource policy naming ``arn`` to name ``unique_id`` instead."""
        for account in self.accounts.values():
            for role in account.roles.values():
                if role.trust is not None:
                    role.trust = _replace_principal(role.trust, arn, unique_id)
            for resource in account.resources.values():
                if resource.policy is not None:
                    resource.policy = _replace_principal(resource.policy, arn, unique_id)


def _check_no_policies(entity: IamEntity) -> None:
    if entity.inline:
        raise IamError(MSG_DELETE_POLICIES_FIRST, code="DeleteConflict", http_status=409)
    if entity.attached or getattr(entity, "boundary", None):
        raise IamError(MSG_DETACH_FIRST, code="DeleteConflict", http_status=409)


def _replace_principal(doc: Document, arn: str, unique_id: str) -> Document:
    """The document with ``"AWS": arn`` principal entries replaced by ``unique_id`` (§1.6, D-PRIN, H)."""
    source = doc.source()
    data = json.loads(source) if isinstance(source, str) else source
    statements = data.get("Statement") if isinstance(data, dict) else None
    changed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element) if isinstance(statement, dict) else None
            if isinstance(principal, dict) and "AWS" in principal:
                values = principal["AWS"]
                new = [unique_id if v == arn else v for v in (values if isinstance(values, list) else [values])]
                if new != (values if isinstance(values, list) else [values]):
                    principal["AWS"] = new if isinstance(values, list) else new[0]
                    changed = True
    if not changed:
        return doc
    return Document(data, doc.kind, doc.name, managed=doc.managed, check_size=doc.check_size)
