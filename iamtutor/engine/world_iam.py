"""IAM changes to a world: policies, attachments, boundaries, users, groups, roles, keys, profiles.

Owns the world-format.md operations ``put_policy``/``delete_policy`` and the creation helpers the sandbox
needs, each with IAM's checks in IAM's order, its quotas (§1.9) and its error codes and texts
(``NoSuchEntity``, ``EntityAlreadyExists``, ``LimitExceeded``, ``DeleteConflict``, ``MalformedPolicyDocument``).
Mixed into ``World``; parsing documents is ``policy.py``'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .data import managed_policy_info
from .dates import format_iso
from .errors import IamError, ParameterError, PolicyError
from .ids import IdSource
from .policy import Policy
from .world_io import check_provider
from .world_model import (
    ACCOUNT_ID_RE,
    INLINE_SIZE_LIMITS,
    MAX_POLICY_VERSIONS,
    MSG_ALREADY_EXISTS,
    MSG_DELETE_POLICIES_FIRST,
    MSG_DETACH_FIRST,
    MSG_INLINE_SIZE,
    MSG_INVALID_PRINCIPAL,
    MSG_NO_SUCH_ENTITY,
    MSG_NO_SUCH_INLINE,
    MSG_NOT_ATTACHABLE,
    MSG_NOT_ATTACHED,
    MSG_POLICY_ATTACHED,
    MSG_POLICY_EXISTS,
    MSG_PROFILE_FIRST,
    MSG_QUOTA,
    MSG_VERSIONS,
    AccessKey,
    Account,
    Clock,
    Document,
    Group,
    IamEntity,
    IdentityProvider,
    InstanceProfile,
    ManagedPolicy,
    Organization,
    PolicyVersion,
    Resource,
    Role,
    Scp,
    User,
    arn_account,
    check_max_session_duration,
    check_name,
    check_path,
    check_scp_targets,
    check_tags,
    check_text,
    make_document,
    split_iam_arn,
)

# The AWS API parameters errors name (``EngineError.parameter``).
_TRUST = "AssumeRolePolicyDocument"
_DOCUMENT = "PolicyDocument"
_BOUNDARY = "PermissionsBoundary"
_ENTITY_PARAMETER = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
_STEP_PARAMETER = {"document": _DOCUMENT, "policy_arn": "PolicyArn"}

# ---- IAM changes ------------------------------------------------------------------------------------------------


class IamChanges:
    """IAM mutations of the world with IAM's checks, quotas and error codes (world-format.md operations).

    Every method validates everything before it changes anything, so a refused change leaves the world
    as it was. Mixed into ``World``.
    """

    accounts: dict[str, Account]
    organization: Organization | None
    partition: str
    ids: IdSource
    clock: Clock

    # ---- the world-format.md operations ---------------------------------------------------------------------

    def put_policy(
        self,
        kind: object,
        target: object = None,
        *,
        document: object = None,
        name: object = None,
        policy_arn: object = None,
        targets: object = None,
        account: object = None,
    ) -> None:
        """Creates or replaces a policy: ``kind`` is ``trust``, ``inline``, ``managed``, ``attach``,
        ``detach``, ``boundary``, ``resource`` or ``scp`` (world-format.md).

        Raises ``PolicyError`` for a document IAM would refuse, ``IamError`` (NoSuchEntity,
        EntityAlreadyExists, LimitExceeded, DeleteConflict…) for the entity-level checks, and
        ``ParameterError`` for missing or malformed arguments.
        """
        if kind == "trust":
            self._put_trust(target, _required(document, "document"))
        elif kind == "inline":
            self.put_inline_policy(target, name, _required(document, "document"))
        elif kind == "managed":
            self._put_managed(target, _required(document, "document"))
        elif kind == "attach":
            self.attach_policy(target, _required(policy_arn, "policy_arn"))
        elif kind == "detach":
            self.detach_policy(target, _required(policy_arn, "policy_arn"))
        elif kind == "boundary":
            self.set_boundary(target, _required(policy_arn, "policy_arn"))
        elif kind == "resource":
            self._put_resource(target, _required(document, "document"), account)
        elif kind in ("scp", "rcp"):
            self._put_control_policy(kind, name, targets, _required(document, "document"))
        else:
            raise ParameterError(
                "kind must be one of trust, inline, managed, attach, detach, boundary, resource, scp, rcp."
            )

    def delete_policy(
        self, kind: object, target: object = None, *, name: object = None, policy_arn: object = None
    ) -> None:
        """Removes a policy: ``inline`` (by ``name``), ``managed`` (the policy ``target``), ``detach``,
        ``boundary``, ``resource`` or ``scp`` (by ``name``). Raises ``IamError``/``ParameterError``."""
        if kind == "inline":
            self.delete_inline_policy(target, name)
        elif kind == "managed":
            self.delete_managed_policy(target)
        elif kind == "detach":
            self.detach_policy(target, _required(policy_arn, "policy_arn"))
        elif kind == "boundary":
            self.set_boundary(target, None)
        elif kind == "resource":
            self._resource_for_change(target, None).policy = None
        elif kind in ("scp", "rcp"):
            self._delete_control_policy(kind, name)
        elif kind == "trust":
            raise ParameterError("A role always has a trust policy; replace it with put_policy instead.")
        else:
            raise ParameterError("kind must be one of inline, managed, detach, boundary, resource, scp, rcp.")

    # ---- documents --------------------------------------------------------------------------------------------

    def trust_document(self, document: object, account: str, *, where: str = "$") -> Document:
        """A validated role trust policy whose principals exist (§1.6; ⚠ F3 look-ups ignore case)."""
        doc = make_document(document, "trust", "trust policy", where, parameter=_TRUST)
        self.check_principals(doc.policy(), where, parameter=_TRUST)
        return doc

    def check_principals(self, policy: Policy, where: str = "$", *, parameter: str | None = None) -> None:
        """Raises ``MalformedPolicyDocument: Invalid principal in policy: "AWS":"arn"`` for a user, role or
        identity provider of a world account that does not exist (§1.6, OBS, H)."""
        for statement in policy.statements:
            for spec in (statement.principal, statement.not_principal):
                if spec is None:
                    continue
                for kind, values in (("AWS", spec.aws), ("Federated", spec.federated)):
                    missing = next((v for v in values if not self._principal_exists(v)), None)
                    if missing is not None:
                        raise PolicyError(
                            MSG_INVALID_PRINCIPAL.format(type=kind, value=missing),
                            json_path=_join_path(where, statement.json_path) + ".Principal",
                            line=statement.line,
                            parameter=parameter,
                        )

    def _principal_exists(self, value: str) -> bool:
        parts = split_iam_arn(value)
        if parts is None or parts[1] not in self.accounts:
            return True  # account ids, :root, session ARNs, unique ids, other accounts, service names
        account = self.accounts[parts[1]]
        if parts[2] in ("user", "role"):
            table = account.users if parts[2] == "user" else account.roles
            entity = table.get(parts[4].lower())
            return entity is not None and entity.path.lower() == parts[3].lower()
        if parts[2] in ("oidc-provider", "saml-provider"):
            return value in account.providers
        return True

    # ---- trust, inline, managed -------------------------------------------------------------------------------

    def _put_trust(self, target: object, document: object) -> None:
        role = self.role(target)
        role.trust = self.trust_document(document, role.account)

    def put_inline_policy(self, target: object, name: object, document: object) -> None:
        """PutUserPolicy / PutGroupPolicy / PutRolePolicy: adds or replaces inline policy ``name``.

        Enforces the aggregate inline size per entity (§1.9, D-QUOTA, H). Raises ``PolicyError``,
        ``IamError`` (NoSuchEntity, LimitExceeded) or ``ParameterError``.
        """
        entity, kind = self.principal_entity(target)
        name = check_name("policy", name)
        doc = make_document(document, "identity", name, "$", check_size=False, parameter=_DOCUMENT)
        limit = INLINE_SIZE_LIMITS[kind]
        total = doc.size() + sum(d.size() for n, d in entity.inline.items() if n != name)
        if total > limit:
            raise IamError(
                MSG_INLINE_SIZE.format(limit=limit, kind=kind, name=entity.name),
                code="LimitExceeded",
                http_status=409,
                parameter=_DOCUMENT,
            )
        entity.inline[name] = doc

    def delete_inline_policy(self, target: object, name: object) -> None:
        """DeleteUserPolicy / DeleteGroupPolicy / DeleteRolePolicy. Raises ``IamError`` NoSuchEntity."""
        entity, kind = self.principal_entity(target)
        if not isinstance(name, str) or name not in entity.inline:
            raise IamError(
                MSG_NO_SUCH_INLINE.format(kind=kind, name=name),
                code="NoSuchEntity",
                http_status=404,
                parameter="PolicyName",
            )
        del entity.inline[name]

    def _put_managed(self, target: object, document: object) -> None:
        parts = split_iam_arn(target)
        if parts is None or parts[2] != "policy":
            raise ParameterError(f"{target} is not a managed policy ARN.", parameter="PolicyArn")
        existing = self.managed_policy(target)  # type: ignore[attr-defined]
        if existing is not None and parts[1] != "aws":
            self.create_policy_version(existing, document)
        else:
            self.create_policy(parts[1], parts[4], document, path=parts[3])

    def create_policy(
        self, account_id: object, name: object, document: object, *, path: object = "/", description: str | None = None
    ) -> ManagedPolicy:
        """CreatePolicy: a customer managed policy with version ``v1``. Raises ``PolicyError`` or ``IamError``
        (EntityAlreadyExists, LimitExceeded) or ``ParameterError``."""
        account = self._customer_account(account_id)
        name, path = check_name("policy", name), check_path(path)
        if any(p.name.lower() == name.lower() for p in account.policies.values()):
            raise IamError(
                MSG_POLICY_EXISTS.format(name=name), code="EntityAlreadyExists", http_status=409, parameter="PolicyName"
            )
        self._check_count(account, "PoliciesPerAccount", len(account.policies))
        arn = f"arn:{self.partition}:iam::{account.id}:policy{path}{name}"
        doc = make_document(document, "identity", arn, "$", managed=True, parameter=_DOCUMENT)
        now = format_iso(self.clock.now())
        policy = ManagedPolicy(
            name, path, arn, self.ids.unique_id("policy"), [PolicyVersion("v1", doc, now)], "v1", description, now, now
        )
        account.policies[arn] = policy
        return policy

    def create_policy_version(self, policy: ManagedPolicy, document: object) -> PolicyVersion:
        """CreatePolicyVersion with SetAsDefault: the new version becomes the default (5 versions at most)."""
        doc = make_document(document, "identity", policy.arn, "$", managed=True, parameter=_DOCUMENT)
        if len(policy.versions) >= MAX_POLICY_VERSIONS:
            raise IamError(MSG_VERSIONS, code="LimitExceeded", http_status=409)
        number = 1 + max(int(v.version_id[1:]) for v in policy.versions if v.version_id[1:].isdigit())
        version = PolicyVersion(f"v{number}", doc, format_iso(self.clock.now()))
        policy.versions.append(version)
        policy.default_version_id = version.version_id
        policy.update_date = version.create_date
        return version

    def delete_managed_policy(self, arn: object) -> None:
        """DeletePolicy. Raises ``IamError`` NoSuchEntity, or DeleteConflict while anything uses it."""
        parts = split_iam_arn(arn)
        account = self.accounts.get(parts[1]) if parts else None
        if account is None or arn not in account.policies:
            raise IamError(
                MSG_NOT_ATTACHED.format(arn=arn), code="NoSuchEntity", http_status=404, parameter="PolicyArn"
            )
        if any(arn in e.attached or getattr(e, "boundary", None) == arn for e in self.all_principals()):
            raise IamError(MSG_POLICY_ATTACHED, code="DeleteConflict", http_status=409)
        del account.policies[arn]  # type: ignore[arg-type]

    # ---- attachments and boundaries -----------------------------------------------------------------------------

    def attach_policy(self, target: object, policy_arn: object) -> None:
        """AttachUserPolicy / AttachGroupPolicy / AttachRolePolicy (no-op if already attached).

        Raises ``IamError`` NoSuchEntity for an unknown policy, LimitExceeded past the attached-policy
        quota (``Cannot exceed quota for PoliciesPerRole: 10``, §1.9, OBS, H).
        """
        entity, kind = self.principal_entity(target)
        self._attachable(policy_arn, entity.account)
        if policy_arn in entity.attached:
            return
        account = self.accounts[entity.account]
        self._check_count(account, f"PoliciesPer{kind.capitalize()}", len(entity.attached))
        entity.attached.append(policy_arn)  # type: ignore[arg-type]

    def detach_policy(self, target: object, policy_arn: object) -> None:
        """DetachUserPolicy / DetachGroupPolicy / DetachRolePolicy. Raises ``IamError`` NoSuchEntity."""
        entity, _ = self.principal_entity(target)
        if policy_arn not in entity.attached:
            raise IamError(
                MSG_NOT_ATTACHED.format(arn=policy_arn), code="NoSuchEntity", http_status=404, parameter="PolicyArn"
            )
        entity.attached.remove(policy_arn)  # type: ignore[arg-type]

    def set_boundary(self, target: object, policy_arn: object) -> None:
        """Put/DeleteRolePermissionsBoundary and the user equivalents; ``policy_arn`` None removes it."""
        entity, kind = self.principal_entity(target)
        if kind == "group":
            raise ParameterError("Groups cannot have a permissions boundary.", parameter=_BOUNDARY)
        if policy_arn is not None:
            self._attachable(policy_arn, entity.account, _BOUNDARY)
        entity.boundary = policy_arn  # type: ignore[attr-defined]

    def _attachable(self, policy_arn: object, account: str, parameter: str = "PolicyArn") -> ManagedPolicy:
        policy = self.managed_policy(policy_arn, account)  # type: ignore[attr-defined]
        info = managed_policy_info(policy_arn) if policy is not None and ":iam::aws:" in policy.arn else None
        if policy is None or (info is not None and info.type != "iam"):
            raise IamError(
                MSG_NOT_ATTACHABLE.format(arn=policy_arn), code="NoSuchEntity", http_status=404, parameter=parameter
            )
        return policy

    # ---- resources and SCPs ---------------------------------------------------------------------------------------

    def _put_resource(self, target: object, document: object, account: object) -> None:
        resource = self._resource_for_change(target, account)
        doc = make_document(document, "resource", f"resource policy of {target}", "$", parameter="Policy")
        self.check_principals(doc.policy(), parameter="Policy")
        resource.policy = doc

    def _resource_for_change(self, target: object, account: object) -> Resource:
        if not isinstance(target, str) or not target.startswith("arn:") or len(target) > 2048:
            raise ParameterError("target must be the ARN of a resource.", parameter="ResourceArn")
        found = self.find_resource(target)  # type: ignore[attr-defined]
        if found is not None:
            return found[1]
        owner = account or arn_account(target) or (next(iter(self.accounts)) if len(self.accounts) == 1 else None)
        if owner not in self.accounts:
            raise ParameterError(f"Say which account owns {target} (account).", parameter="ResourceArn")
        resource = Resource(target)
        self.accounts[owner].resources[target] = resource  # type: ignore[index]
        return resource

    def _put_control_policy(self, kind: str, name: object, targets: object, document: object) -> None:
        """Creates or replaces the SCP/RCP ``name`` with its targets (D-SCP, D-RCP)."""
        org = self._organization()
        name = check_name("policy", name)
        target_ids = check_scp_targets(targets, "targets")
        doc = make_document(document, kind, name, "$", parameter="Content")
        policies: list[Scp] = getattr(org, f"{kind}s")
        existing = next((s for s in policies if s.name == name), None)
        if existing is None:
            policies.append(Scp(name, target_ids, doc))
        else:
            existing.targets, existing.document = target_ids, doc

    def _delete_control_policy(self, kind: str, name: object) -> None:
        policies: list[Scp] = getattr(self._organization(), f"{kind}s")
        found = next((s for s in policies if s.name == name), None)
        if found is None:  # AWS Organizations' text (M)
            raise IamError(
                "We can't find a policy with the PolicyId that you specified.",
                code="PolicyNotFoundException",
                http_status=400,
                parameter="PolicyId",
            )
        policies.remove(found)

    def _organization(self) -> Organization:
        if self.organization is None:
            raise IamError(
                "Your account is not a member of an organization.",
                code="AWSOrganizationsNotInUseException",
                http_status=400,
            )
        return self.organization

    # ---- entities ----------------------------------------------------------------------------------------------------

    def role(self, arn: object) -> Role:
        """The role ``arn`` names; raises ``IamError`` NoSuchEntity (``The role with name X cannot be found.``)."""
        found = self.find_role(arn)  # type: ignore[attr-defined]
        if found is None:
            raise IamError(
                MSG_NO_SUCH_ENTITY.format(kind="role", name=_name_of(arn)),
                code="NoSuchEntity",
                http_status=404,
                parameter="RoleName",
            )
        return found

    def principal_entity(self, arn: object) -> tuple[Any, str]:
        """(user, group or role named by ``arn``, its kind); raises ``IamError`` NoSuchEntity."""
        parts = split_iam_arn(arn)
        kind = parts[2] if parts else ""
        if kind not in ("user", "group", "role"):
            raise ParameterError(f"{arn} is not the ARN of an IAM user, group or role.")
        entity = getattr(self, f"find_{kind}")(arn)
        if entity is None:
            raise IamError(
                MSG_NO_SUCH_ENTITY.format(kind=kind, name=parts[4]),  # type: ignore[index]
                code="NoSuchEntity",
                http_status=404,
                parameter=_ENTITY_PARAMETER[kind],
            )
        return entity, kind

    def all_principals(self) -> Iterator[Any]:
        for account in self.accounts.values():
            yield from account.users.values()
            yield from account.groups.values()
            yield from account.roles.values()

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
        name, path = check_name("instance_profile", name), check_path(path)
        account = self.accounts[role.account]
        if any(p.name.lower() == name.lower() for r in account.roles.values() for p in r.instance_profiles):
            raise IamError(
                MSG_ALREADY_EXISTS.format(kind="Instance Profile", name=name),
                code="EntityAlreadyExists",
                http_status=409,
                parameter="InstanceProfileName",
            )
        profile = InstanceProfile(
            name,
            path,
            f"arn:{self.partition}:iam::{role.account}:instance-profile{path}{name}",
            self.ids.unique_id("instance_profile"),
            format_iso(self.clock.now()),
        )
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

    def instance_profile(self, ref: object) -> tuple[Role, InstanceProfile]:
        """(role, profile) for an instance-profile ARN or name; raises ``IamError`` NoSuchEntity."""
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
        account.providers[provider.arn] = provider
        return provider

    # ---- helpers ---------------------------------------------------------------------------------------------------

    def _customer_account(self, account_id: object) -> Account:
        if account_id == "aws":
            raise IamError(
                "AWS managed policies cannot be changed.", code="AccessDenied", http_status=403, parameter="PolicyArn"
            )
        return self.account(account_id)  # type: ignore[attr-defined]

    def _check_count(self, account: Account, quota: str, current: int) -> None:
        limit = account.quota(quota)
        if current >= limit:
            raise IamError(MSG_QUOTA.format(quota=quota, limit=limit), code="LimitExceeded", http_status=409)

    def _orphan_principal(self, arn: str, unique_id: str) -> None:
        """Rewrites every stored trust and resource policy naming ``arn`` to name ``unique_id`` instead."""
        for account in self.accounts.values():
            for role in account.roles.values():
                if role.trust is not None:
                    role.trust = _replace_principal(role.trust, arn, unique_id)
            for resource in account.resources.values():
                if resource.policy is not None:
                    resource.policy = _replace_principal(resource.policy, arn, unique_id)


def _required(value: object, name: str) -> object:
    if value is None:
        raise ParameterError(f"This operation needs {name}.", parameter=_STEP_PARAMETER.get(name))
    return value


def _name_of(arn: object) -> str:
    return str(arn).rsplit("/", 1)[-1] if isinstance(arn, str) else str(arn)


def _join_path(where: str, inner: str) -> str:
    return where + inner[1:] if inner.startswith("$") else f"{where}.{inner}"


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
