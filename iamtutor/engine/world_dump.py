"""Saving a world: ``World.to_dict`` as world-format.md data, sessions, events and clock included, so that
``World.from_dict(w.to_dict()).to_dict() == w.to_dict()``.

Owns the JSON shape each entity is written in (the shape ``aws iam get-account-authorization-details``
prints, plus the world-format additions). Reading it back is ``world_io.py``'s.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .dates import format_iso
from .world_io import SESSION_TEXT_KEYS
from .world_model import (
    AccessKey,
    Account,
    Document,
    Group,
    IamEntity,
    InstanceProfile,
    ManagedPolicy,
    Organization,
    PolicyVersion,
    Resource,
    Role,
    Scp,
    Session,
    User,
)

if TYPE_CHECKING:
    from .world import World


# ---- saving ----------------------------------------------------------------------------------------------------


def dump_world(world: World) -> dict:
    data: dict[str, Any] = {"clock": format_iso(world.clock.now()), "partition": world.partition}
    if world.organization is not None:
        data["organization"] = _dump_organization(world.organization)
    data["accounts"] = {a.id: _dump_account(world, a) for a in world.accounts.values()}
    data["sessions"] = [_dump_session(s) for s in world.sessions.values()]
    data["events"] = json.loads(json.dumps(list(world.events)))
    return data


def _dump_account(world: World, account: Account) -> dict:
    data: dict[str, Any] = {}
    if account.alias:
        data["alias"] = account.alias
    if account.quotas:
        data["quotas"] = dict(account.quotas)
    data["UserDetailList"] = [_dump_user(u) for u in account.users.values()]
    data["GroupDetailList"] = [_dump_group(g) for g in account.groups.values()]
    data["RoleDetailList"] = [_dump_role(r) for r in account.roles.values()]
    if account.empty_instance_profiles:
        data["instance_profiles"] = [_dump_profile(p) for p in account.empty_instance_profiles.values()]
    data["Policies"] = [_dump_managed(world, p) for p in account.policies.values()]
    data["resources"] = [_dump_resource(r) for r in account.resources.values()]
    data["identity_providers"] = [
        {"type": p.type, "arn": p.arn, "audiences": list(p.audiences), "thumbprints": list(p.thumbprints)}
        for p in account.providers.values()
    ]
    return data


def _dump_common(entity: IamEntity, name_key: str, id_key: str) -> dict:
    data = {name_key: entity.name, "Path": entity.path, "Arn": entity.arn, id_key: entity.id}
    if entity.create_date:
        data["CreateDate"] = entity.create_date
    return data


def _dump_inline(inline: dict[str, Document]) -> list[dict]:
    return [{"PolicyName": name, "PolicyDocument": doc.source()} for name, doc in inline.items()]


def _dump_attached(arns: list[str]) -> list[dict]:
    return [{"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in arns]


def _dump_boundary(arn: str | None) -> dict | None:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn} if arn else None


def _dump_tags(tags: list[tuple[str, str]]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags]


def _dump_user(user: User) -> dict:
    data = _dump_common(user, "UserName", "UserId")
    data.update(
        {
            "UserPolicyList": _dump_inline(user.inline),
            "GroupList": list(user.groups),
            "AttachedManagedPolicies": _dump_attached(user.attached),
            "Tags": _dump_tags(user.tags),
            "MFADevices": [{"SerialNumber": s} for s in user.mfa_devices],
            "AccessKeys": [_dump_key(k) for k in user.access_keys],
        }
    )
    if user.boundary:
        data["PermissionsBoundary"] = _dump_boundary(user.boundary)
    return data


def _dump_key(key: AccessKey) -> dict:
    # Never the secret: like IAM, a secret access key leaves only in CreateAccessKey's response. Whoever keeps
    # worlds keeps secrets apart (the loader still reads SecretAccessKey, and invents one when it is absent).
    data = {"AccessKeyId": key.id, "Status": key.status}
    if key.create_date:
        data["CreateDate"] = key.create_date
    return data


def _dump_version(version: PolicyVersion, default: str) -> dict:
    data = {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == default,
        "Document": version.document.source(),
    }
    if version.create_date:
        data["CreateDate"] = version.create_date
    return data


def _dump_group(group: Group) -> dict:
    data = _dump_common(group, "GroupName", "GroupId")
    data.update(
        {"GroupPolicyList": _dump_inline(group.inline), "AttachedManagedPolicies": _dump_attached(group.attached)}
    )
    return data


def _dump_profile(profile: InstanceProfile) -> dict:
    data = {
        "InstanceProfileName": profile.name,
        "Path": profile.path,
        "Arn": profile.arn,
        "InstanceProfileId": profile.id,
    }
    if profile.create_date:
        data["CreateDate"] = profile.create_date
    if profile.tags:
        data["Tags"] = _dump_tags(profile.tags)
    return data


def _dump_role(role: Role) -> dict:
    data = _dump_common(role, "RoleName", "RoleId")
    data.update(
        {
            "AssumeRolePolicyDocument": role.trust.source() if role.trust else None,
            "RolePolicyList": _dump_inline(role.inline),
            "AttachedManagedPolicies": _dump_attached(role.attached),
            "PermissionsBoundary": _dump_boundary(role.boundary),
            "MaxSessionDuration": role.max_session_duration,
            "Tags": _dump_tags(role.tags),
            "InstanceProfileList": [_dump_profile(p) for p in role.instance_profiles],
        }
    )
    if role.description is not None:
        data["Description"] = role.description
    return data


def _dump_managed(world: World, policy: ManagedPolicy) -> dict:
    attached = [e for e in world.all_principals() if policy.arn in e.attached]
    boundaries = [e for e in world.all_principals() if getattr(e, "boundary", None) == policy.arn]
    data: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": len(attached),
        "PermissionsBoundaryUsageCount": len(boundaries),
        "IsAttachable": True,
    }
    for key, value in (
        ("Description", policy.description),
        ("CreateDate", policy.create_date),
        ("UpdateDate", policy.update_date),
    ):
        if value is not None:
            data[key] = value
    data["PolicyVersionList"] = [_dump_version(v, policy.default_version_id) for v in policy.versions]
    return data


def _dump_resource(resource: Resource) -> dict:
    data: dict[str, Any] = {"arn": resource.arn}
    if resource.policy is not None:
        data["policy"] = resource.policy.source()
    if resource.tags:
        data["tags"] = dict(resource.tags)
    return data


def _dump_organization(org: Organization) -> dict:
    data: dict[str, Any] = {
        "id": org.id,
        "management_account": org.management_account,
        "root_id": org.root_id,
        "ous": [{"id": o.id, "name": o.name, "parent": o.parent, "accounts": list(o.accounts)} for o in org.ous],
        "scps": [_dump_control_policy(s) for s in org.scps],
        "rcps": [_dump_control_policy(r) for r in org.rcps],
    }
    if org.members is not None:
        data["accounts"] = list(org.members)
    return data


def _dump_control_policy(policy: Scp) -> dict:
    return {"name": policy.name, "targets": list(policy.targets), "document": policy.document.source()}


def _dump_session(session: Session) -> dict:
    data: dict[str, Any] = {"id": session.id, "type": session.kind}
    for key in SESSION_TEXT_KEYS[1:]:
        value = getattr(session, key)
        if value is not None:
            data[key] = value
    data.update(
        {
            "issued_at": format_iso(session.issued_at),
            "expires_at": format_iso(session.expires_at),
            "session_policies": [{"name": d.name, "document": d.source()} for d in session.policies],
            "policy_arns": list(session.policy_arns),
            "tags": _dump_tags(session.tags),
            "transitive_tag_keys": list(session.transitive_tag_keys),
            "chained": session.chained,
            "claims": json.loads(json.dumps(session.claims)),
        }
    )
    if session.mfa_auth_time is not None:
        data["mfa_authenticated_at"] = format_iso(session.mfa_auth_time)
    return data
