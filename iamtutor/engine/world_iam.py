"""IAM policy changes to a world: trust, inline and managed policies, attachments, boundaries, resource policies, SCPs.

Owns one typed method per IAM policy operation (UpdateAssumeRolePolicy, Put/DeleteRolePolicy, CreatePolicy,
CreatePolicyVersion, DeletePolicy, Attach/Detach, Put/DeletePermissionsBoundary, resource policies, SCPs and
RCPs), each with IAM's checks in IAM's order, its quotas (§1.9) and its error codes and texts (``NoSuchEntity``,
``LimitExceeded``, ``DeleteConflict``, ``MalformedPolicyDocument``). Mixed into ``World``; the scenario
steps ``put_policy``/``delete_policy`` map onto these methods in ``scenario.py``; parsing is ``policy.py``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from . import names
from .data import managed_policy_info
from .dates import format_iso
from .errors import IamError, ParameterError, PolicyError
from .ids import IdSource
from .policy import Policy
from .world_model import (
    INLINE_SIZE_LIMITS,
    MAX_POLICY_VERSIONS,
    MSG_DEFAULT_VERSION,
    MSG_INLINE_SIZE,
    MSG_INVALID_PRINCIPAL,
    MSG_NO_SUCH_ENTITY,
    MSG_NO_SUCH_INLINE,
    MSG_NO_SUCH_VERSION,
    MSG_NOT_ATTACHABLE,
    MSG_NOT_ATTACHED,
    MSG_POLICY_ATTACHED,
    MSG_POLICY_EXISTS,
    MSG_POLICY_HAS_VERSIONS,
    MSG_QUOTA,
    MSG_VERSIONS,
    Account,
    Clock,
    Document,
    ManagedPolicy,
    Organization,
    PolicyVersion,
    Resource,
    Role,
    Scp,
    arn_account,
    check_name,
    check_path,
    check_scp_targets,
    check_text,
    make_document,
    split_iam_arn,
)

# The AWS API parameters errors name (``EngineError.parameter``).
_TRUST = "AssumeRolePolicyDocument"
_DOCUMENT = "PolicyDocument"
_BOUNDARY = "PermissionsBoundary"
_ENTITY_PARAMETER = {"user": "UserName", "group": "GroupName", "role": "RoleName"}

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
        account = self._account_for(parts[1]) if parts is not None else None  # type: ignore[attr-defined]
        if account is None:
            return True  # account ids, :root, session ARNs, unique ids, unknown accounts, service names
        if parts[2] in ("user", "role"):  # type: ignore[index]
            return self._find_entity(value, parts[2]) is not None  # type: ignore[attr-defined, index]
        if parts[2] in ("oidc-provider", "saml-provider"):  # type: ignore[index]
            return self.find_provider(value) is not None  # type: ignore[attr-defined]
        return True

    # ---- trust, inline, managed -------------------------------------------------------------------------------

    def update_assume_role_policy(self, role_arn: str, document: str | Mapping) -> None:
        """UpdateAssumeRolePolicy: replaces the role's trust policy. Raises ``PolicyError`` (parameter
        ``AssumeRolePolicyDocument``) or ``IamError`` NoSuchEntity (``RoleName``)."""
        role = self.role(role_arn)  # type: ignore[attr-defined]
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

    def create_policy(
        self, account_id: object, name: object, document: object, *, path: object = "/", description: str | None = None
    ) -> ManagedPolicy:
        """CreatePolicy: a customer managed policy with version ``v1``. Raises ``PolicyError`` or ``IamError``
        (EntityAlreadyExists, LimitExceeded) or ``ParameterError``."""
        account = self._customer_account(account_id)
        name, path = check_name("policy", name), check_path(path)
        if description is not None:
            check_text("policy_description", description)
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

    def create_policy_version(
        self, policy_arn: str, document: str | Mapping, *, set_as_default: bool = True
    ) -> PolicyVersion:
        """CreatePolicyVersion: a new version, numbered one past the highest yet, made the default when
        ``set_as_default`` (as the console does; the API's default is False). Five versions at most.

        Raises ``IamError`` NoSuchEntity (``PolicyArn``) for a policy that is not a customer managed policy
        of the world, LimitExceeded past five versions, or ``PolicyError`` (``PolicyDocument``).
        """
        policy = self.customer_policy(policy_arn)
        doc = make_document(document, "identity", policy.arn, "$", managed=True, parameter=_DOCUMENT)
        if len(policy.versions) >= MAX_POLICY_VERSIONS:
            raise IamError(MSG_VERSIONS, code="LimitExceeded", http_status=409)
        number = 1 + max(int(v.version_id[1:]) for v in policy.versions if v.version_id[1:].isdigit())
        version = PolicyVersion(f"v{number}", doc, format_iso(self.clock.now()))
        policy.versions.append(version)
        if set_as_default:
            policy.default_version_id = version.version_id
        policy.update_date = version.create_date
        return version

    def set_default_policy_version(self, policy_arn: str, version_id: object) -> None:
        """SetDefaultPolicyVersion: the version every attachment uses from now on. Raises ``IamError``
        NoSuchEntity for an unknown policy or version."""
        policy = self.customer_policy(policy_arn)
        policy.default_version_id = self.policy_version(policy, version_id).version_id
        policy.update_date = format_iso(self.clock.now())

    def delete_policy_version(self, policy_arn: str, version_id: object) -> None:
        """DeletePolicyVersion. Raises ``IamError`` NoSuchEntity, or DeleteConflict for the default version
        (``Cannot delete the default version of a policy.``: make another version the default first)."""
        policy = self.customer_policy(policy_arn)
        version = self.policy_version(policy, version_id)
        if version.version_id == policy.default_version_id:
            raise IamError(MSG_DEFAULT_VERSION, code="DeleteConflict", http_status=409, parameter="VersionId")
        policy.versions.remove(version)

    def policy_version(self, policy: ManagedPolicy, version_id: object) -> PolicyVersion:
        """The version ``version_id`` (``v2``) of ``policy``; raises ``IamError`` NoSuchEntity (``VersionId``)."""
        found = next((v for v in policy.versions if v.version_id == version_id), None)
        if found is None:
            raise IamError(
                MSG_NO_SUCH_VERSION.format(arn=policy.arn, version=names.as_text(version_id)[:40]),
                code="NoSuchEntity",
                http_status=404,
                parameter="VersionId",
            )
        return found

    def customer_policy(self, arn: object) -> ManagedPolicy:
        """The customer managed policy ``arn``; raises ``IamError`` NoSuchEntity (``PolicyArn``) otherwise."""
        parts = split_iam_arn(arn)
        account = self.accounts.get(parts[1]) if parts else None
        if account is None or arn not in account.policies:
            raise IamError(
                MSG_NOT_ATTACHED.format(arn=arn), code="NoSuchEntity", http_status=404, parameter="PolicyArn"
            )
        return account.policies[arn]  # type: ignore[index]

    def delete_managed_policy(self, arn: str) -> None:
        """DeletePolicy. Raises ``IamError`` NoSuchEntity, or DeleteConflict while anything uses it or while
        it holds a version besides the default (DeletePolicyVersion first; the default goes with the policy)."""
        policy = self.customer_policy(arn)
        account = self.accounts[split_iam_arn(arn)[1]]  # type: ignore[index]
        if any(arn in e.attached or getattr(e, "boundary", None) == arn for e in self.all_principals()):
            raise IamError(MSG_POLICY_ATTACHED, code="DeleteConflict", http_status=409)
        if len(policy.versions) > 1:
            raise IamError(MSG_POLICY_HAS_VERSIONS, code="DeleteConflict", http_status=409)
        del account.policies[policy.arn]

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

    def put_permissions_boundary(self, target: str, policy_arn: str) -> None:
        """PutRolePermissionsBoundary / PutUserPermissionsBoundary for the role or user ``target``."""
        self._set_boundary(target, policy_arn)

    def delete_permissions_boundary(self, target: str) -> None:
        """DeleteRolePermissionsBoundary / DeleteUserPermissionsBoundary (no-op without a boundary)."""
        self._set_boundary(target, None)

    def _set_boundary(self, target: object, policy_arn: object) -> None:
        entity, kind = self.principal_entity(target)
        if kind == "group":
            raise ParameterError("Groups cannot have a permissions boundary.", parameter=_BOUNDARY)
        if policy_arn is not None:
            self._attachable(policy_arn, entity.account, _BOUNDARY)
        entity.boundary = policy_arn  # type: ignore[attr-defined]

    def _attachable(self, policy_arn: object, account: str, parameter: str = "PolicyArn") -> ManagedPolicy:
        policy = self.managed_policy(policy_arn, account)  # type: ignore[attr-defined]
        info = managed_policy_info(policy_arn) if policy is not None and ":iam::aws:" in policy.arn else None
        peer = policy is not None and self.is_borrowed(arn_account(policy.arn))  # type: ignore[attr-defined]
        if policy is None or peer or (info is not None and info.type != "iam"):
            raise IamError(
                MSG_NOT_ATTACHABLE.format(arn=policy_arn), code="NoSuchEntity", http_status=404, parameter=parameter
            )
        return policy

    # ---- resources and SCPs ---------------------------------------------------------------------------------------

    def put_resource_policy(self, resource_arn: str, document: str | Mapping, *, account: str | None = None) -> None:
        """Sets the resource-based policy of ``resource_arn`` (PutBucketPolicy, SetQueueAttributes…),
        listing the resource in ``account`` (default: the ARN's account, or the world's only account) if the
        world does not list it yet. Raises ``PolicyError`` (``Policy``) or ``ParameterError``."""
        target = resource_arn
        resource = self._resource_for_change(target, account)
        doc = make_document(document, "resource", f"resource policy of {target}", "$", parameter="Policy")
        self.check_principals(doc.policy(), parameter="Policy")
        resource.policy = doc

    def delete_resource_policy(self, resource_arn: str) -> None:
        """Removes the resource-based policy of ``resource_arn`` (DeleteBucketPolicy…)."""
        self._resource_for_change(resource_arn, None).policy = None

    def _resource_for_change(self, target: object, account: object) -> Resource:
        if not isinstance(target, str) or not target.startswith("arn:") or len(target) > 2048:
            raise ParameterError("target must be the ARN of a resource.", parameter="ResourceArn")
        found = self.find_resource(target)  # type: ignore[attr-defined]
        if found is not None and found[0].id in self.accounts:  # a borrowed account's resources never change
            return found[1]
        owner = account or arn_account(target) or (next(iter(self.accounts)) if len(self.accounts) == 1 else None)
        if owner not in self.accounts:
            raise ParameterError(f"Say which account owns {target} (account).", parameter="ResourceArn")
        resource = Resource(target)
        self.accounts[owner].resources[target] = resource  # type: ignore[index]
        return resource

    def put_control_policy(
        self, kind: Literal["scp", "rcp"], name: str, targets: list[str], document: str | Mapping
    ) -> None:
        """Creates or replaces the SCP (``kind="scp"``) or RCP ``name`` with its root, OU or account
        ``targets`` (D-SCP, D-RCP). Raises ``IamError`` without an organization, ``ParameterError``
        (``PolicyName``, ``TargetId``) or ``PolicyError`` (``Content``)."""
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

    def delete_control_policy(self, kind: Literal["scp", "rcp"], name: str) -> None:
        """Deletes the SCP or RCP ``name``; raises ``IamError`` PolicyNotFoundException."""
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

    # ---- look-ups for changes ---------------------------------------------------------------------------------

    def role(self, arn: object) -> Role:
        """The role ``arn`` names in the world's own accounts (the role a change or a service works on);
        raises ``IamError`` NoSuchEntity (``The role with name X cannot be found.``)."""
        found = self._find_entity(arn, "role", own=True)  # type: ignore[attr-defined]
        if found is None:
            raise IamError(
                MSG_NO_SUCH_ENTITY.format(kind="role", name=_name_of(arn)),
                code="NoSuchEntity",
                http_status=404,
                parameter="RoleName",
            )
        return found

    def principal_entity(self, arn: object) -> tuple[Any, str]:
        """(user, group or role named by ``arn`` in the world's own accounts, its kind); raises ``IamError``
        NoSuchEntity."""
        parts = split_iam_arn(arn)
        kind = parts[2] if parts else ""
        if kind not in ("user", "group", "role"):
            raise ParameterError(f"{arn} is not the ARN of an IAM user, group or role.")
        entity = self._find_entity(arn, kind, own=True)  # type: ignore[attr-defined]
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


def _name_of(arn: object) -> str:
    return str(arn).rsplit("/", 1)[-1] if isinstance(arn, str) else str(arn)


def _join_path(where: str, inner: str) -> str:
    return where + inner[1:] if inner.startswith("$") else f"{where}.{inner}"
