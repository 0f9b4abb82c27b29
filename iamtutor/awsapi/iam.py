"""IAM over the Query protocol: roles, users and access keys, customer managed policies and versions,
instance profiles, and the policy simulator — each call first authorized by the engine as the caller
(``iam:CreateRole`` on the role's ARN…), then applied by the engine's typed ``World`` method, which carries
IAM's validation and messages. Shapes follow the IAM API reference
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html); policy documents travel
URL-encoded, as IAM returns them.

IAM acts in the caller's own account. The simulator calls are answered by the engine, which also evaluates
what AWS's own simulator leaves out (trust policies, session policies, SCPs), with each decision's
evaluation path in the response (``EvalDecisionDetails`` carries it under the key ``evaluationPath``).
"""

from __future__ import annotations

from iamtutor.engine import EngineError, World, parse_policy
from iamtutor.engine import simulate_custom_policy as simulate_custom_policy_decision
from iamtutor.engine import simulate_principal_policy as simulate_principal_policy_decision

from .calls import Caller, denial
from .errors import AwsError
from .paging import Paging, listing
from .protocol import Params, policy_text
from .sts import run_in_sandbox


def _account(world: World, caller: Caller) -> str:
    return world.caller(caller.ref).account or ""


def _authorize(world: World, caller: Caller, action: str, resource: str) -> None:
    decision = world.request(caller.ref, action, resource)
    if not decision.allowed:
        raise denial(decision, caller.sandbox, world=world)


def _no_such(kind: str, name: str) -> AwsError:
    return AwsError("NoSuchEntity", f"The {kind} with name {name} cannot be found.", 404)


def _role(world: World, account: str, name: str):
    return world.accounts[account].roles.get(name.lower()) if account in world.accounts else None


def _user(world: World, account: str, name: str):
    return world.accounts[account].users.get(name.lower()) if account in world.accounts else None


def _arn(account: str, kind: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:{kind}{path}{name}"


def _given_tags(params) -> list[dict]:
    """The request's ``Tags.member.N.Key`` / ``.Value`` pairs as IAM's tag list."""
    return [{"Key": t.get("Key", ""), "Value": t.get("Value", "")} for t in params.members("Tags", ("Key", "Value"))]


def _tags(pairs) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in pairs]


def role_shape(role) -> dict:
    shape = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": policy_text(role.trust.source()) if role.trust else None,
        "Description": role.description,
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.boundary:
        shape["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": role.boundary}
    if role.tags:
        shape["Tags"] = _tags(role.tags)
    return shape


def user_shape(user) -> dict:
    shape = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.create_date,
    }
    if user.boundary:
        shape["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": user.boundary}
    if user.tags:
        shape["Tags"] = _tags(user.tags)
    return shape


def policy_shape(policy, attachments: int = 0) -> dict:
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": policy.description,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    }


def profile_shape(profile, role) -> dict:
    """An instance profile with the role it holds (``Roles`` is empty for an empty profile)."""
    shape = {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.id,
        "Arn": profile.arn,
        "CreateDate": profile.create_date,
        "Roles": [role_shape(role)] if role is not None else [],
    }
    if profile.tags:
        shape["Tags"] = _tags(profile.tags)
    return shape


# ---- roles -----------------------------------------------------------------------------------------------


def create_role(params: Params, caller: Caller) -> dict:
    name, path = params.required("RoleName"), params.get("Path") or "/"
    trust = params.required("AssumeRolePolicyDocument")
    tags = _given_tags(params)

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:CreateRole", _arn(account, "role", name, path))
        role = world.create_role(
            account,
            name,
            trust,
            path=path,
            description=params.get("Description"),
            max_session_duration=params.integer("MaxSessionDuration") or 3600,
            tags=tags or None,
            boundary=params.get("PermissionsBoundary"),
        )
        return {"Role": role_shape(role)}

    return run_in_sandbox(caller, body)


def _by_name(entity) -> str:
    return entity.name.lower()  # IAM names are unique whatever their case


def _with_role(caller: Caller, params: Params, action: str, change):
    name = params.required("RoleName")

    def body(world):
        account = _account(world, caller)
        role = _role(world, account, name)
        _authorize(world, caller, action, role.arn if role else _arn(account, "role", name))
        if role is None:
            raise _no_such("role", name)
        return change(world, role)

    return run_in_sandbox(caller, body)


def get_role(params, caller):
    return _with_role(caller, params, "iam:GetRole", lambda world, role: {"Role": role_shape(role)})


def list_roles(params, caller):
    prefix, paging = params.get("PathPrefix") or "/", Paging(params, caller, "ListRoles")

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListRoles", "*")
        roles = [r for r in world.accounts[account].roles.values() if r.path.startswith(prefix)]
        return listing(paging, "Roles", roles, _by_name, role_shape)

    return run_in_sandbox(caller, body)


def update_role(params, caller):
    def change(world, role):
        world.update_role(
            role.arn, description=params.get("Description"), max_session_duration=params.integer("MaxSessionDuration")
        )
        return {}

    return _with_role(caller, params, "iam:UpdateRole", change)


def delete_role(params, caller):
    return _with_role(caller, params, "iam:DeleteRole", lambda world, role: world.delete_role(role.arn))


def update_assume_role_policy(params, caller):
    document = params.required("PolicyDocument")
    return _with_role(
        caller, params, "iam:UpdateAssumeRolePolicy", lambda w, r: w.update_assume_role_policy(r.arn, document)
    )


def put_role_policy(params, caller):
    name, document = params.required("PolicyName"), params.required("PolicyDocument")
    return _with_role(caller, params, "iam:PutRolePolicy", lambda w, r: w.put_inline_policy(r.arn, name, document))


def _inline(entity, name: str, kind: str):
    found = next((d for n, d in entity.inline.items() if n.lower() == name.lower()), None)
    if found is None:
        raise AwsError("NoSuchEntity", f"The {kind} policy with name {name} cannot be found.", 404)
    return found


def get_role_policy(params, caller):
    name = params.required("PolicyName")

    def get(world, role):
        document = _inline(role, name, "role")
        return {"RoleName": role.name, "PolicyName": name, "PolicyDocument": policy_text(document.source())}

    return _with_role(caller, params, "iam:GetRolePolicy", get)


def list_role_policies(params, caller):
    paging = Paging(params, caller, "ListRolePolicies")
    return _with_role(
        caller, params, "iam:ListRolePolicies", lambda w, r: listing(paging, "PolicyNames", r.inline, str, str)
    )


def delete_role_policy(params, caller):
    name = params.required("PolicyName")
    return _with_role(caller, params, "iam:DeleteRolePolicy", lambda w, r: w.delete_inline_policy(r.arn, name))


def attach_role_policy(params, caller):
    arn = params.required("PolicyArn")
    return _with_role(caller, params, "iam:AttachRolePolicy", lambda w, r: w.attach_policy(r.arn, arn))


def detach_role_policy(params, caller):
    arn = params.required("PolicyArn")
    return _with_role(caller, params, "iam:DetachRolePolicy", lambda w, r: w.detach_policy(r.arn, arn))


def _attached(world: World, paging: Paging, arns) -> dict:
    def shape(arn: str) -> dict:
        policy = world.managed_policy(arn)
        return {"PolicyName": policy.name if policy else arn.rsplit("/", 1)[-1], "PolicyArn": arn}

    return listing(paging, "AttachedPolicies", arns, str, shape)


def list_attached_role_policies(params, caller):
    paging = Paging(params, caller, "ListAttachedRolePolicies")
    return _with_role(caller, params, "iam:ListAttachedRolePolicies", lambda w, r: _attached(w, paging, r.attached))


def put_role_permissions_boundary(params, caller):
    arn = params.required("PermissionsBoundary")
    return _with_role(
        caller, params, "iam:PutRolePermissionsBoundary", lambda w, r: w.put_permissions_boundary(r.arn, arn)
    )


def delete_role_permissions_boundary(params, caller):
    return _with_role(
        caller, params, "iam:DeleteRolePermissionsBoundary", lambda w, r: w.delete_permissions_boundary(r.arn)
    )


def tag_role(params, caller):
    new = {t.get("Key", ""): t.get("Value", "") for t in params.members("Tags", ("Key", "Value"))}

    def change(world, role):
        tags = dict(role.tags)
        tags.update(new)
        world.update_role(role.arn, tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    return _with_role(caller, params, "iam:TagRole", change)


def untag_role(params, caller):
    gone = set(params.members("TagKeys"))

    def change(world, role):
        world.update_role(role.arn, tags=[{"Key": k, "Value": v} for k, v in role.tags if k not in gone])

    return _with_role(caller, params, "iam:UntagRole", change)


def _tag_listing(paging: Paging, pairs) -> dict:
    return listing(paging, "Tags", pairs, lambda pair: pair[0].lower(), lambda pair: {"Key": pair[0], "Value": pair[1]})


def list_role_tags(params, caller):
    paging = Paging(params, caller, "ListRoleTags")
    return _with_role(caller, params, "iam:ListRoleTags", lambda w, r: _tag_listing(paging, r.tags))


# ---- users and access keys ---------------------------------------------------------------------------------


def _with_user(caller: Caller, params: Params, action: str, change, *, default_self: bool = False):
    given = params.get("UserName")

    def body(world):
        account = _account(world, caller)
        me = world.caller(caller.ref)
        name = given or (me.arn.rsplit("/", 1)[-1] if default_self and me.type == "user" else None)
        if name is None:
            raise AwsError("ValidationError", "The request must name a user (UserName).", 400)
        user = _user(world, account, name)
        _authorize(world, caller, action, user.arn if user else _arn(account, "user", name))
        if user is None:
            raise _no_such("user", name)
        return change(world, user)

    return run_in_sandbox(caller, body)


def create_user(params, caller):
    name, path = params.required("UserName"), params.get("Path") or "/"
    tags = _given_tags(params)

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:CreateUser", _arn(account, "user", name, path))
        user = world.create_user(
            account, name, path=path, tags=tags or None, boundary=params.get("PermissionsBoundary")
        )
        return {"User": user_shape(user)}

    return run_in_sandbox(caller, body)


def get_user(params, caller):
    return _with_user(caller, params, "iam:GetUser", lambda w, u: {"User": user_shape(u)}, default_self=True)


def list_users(params, caller):
    prefix, paging = params.get("PathPrefix") or "/", Paging(params, caller, "ListUsers")

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListUsers", "*")
        users = [u for u in world.accounts[account].users.values() if u.path.startswith(prefix)]
        return listing(paging, "Users", users, _by_name, user_shape)

    return run_in_sandbox(caller, body)


def delete_user(params, caller):
    return _with_user(caller, params, "iam:DeleteUser", lambda w, u: w.delete_user(u.arn))


def create_access_key(params, caller):
    def change(world, user):
        key = world.create_access_key(user.arn)
        return {
            "AccessKey": {
                "UserName": user.name,
                "AccessKeyId": key.id,
                "Status": key.status,
                "SecretAccessKey": key.secret,
                "CreateDate": key.create_date,
            }
        }

    return _with_user(caller, params, "iam:CreateAccessKey", change, default_self=True)


def delete_access_key(params, caller):
    key_id = params.required("AccessKeyId")

    def change(world, user):
        if not any(k.id == key_id for k in user.access_keys):
            raise AwsError("NoSuchEntity", f"The Access Key with id {key_id} cannot be found.", 404)
        world.delete_access_key(key_id)

    return _with_user(caller, params, "iam:DeleteAccessKey", change, default_self=True)


def list_access_keys(params, caller):
    paging = Paging(params, caller, "ListAccessKeys")

    def keys(world, user):
        return listing(
            paging,
            "AccessKeyMetadata",
            user.access_keys,
            lambda k: k.id,
            lambda k: {"UserName": user.name, "AccessKeyId": k.id, "Status": k.status, "CreateDate": k.create_date},
        )

    return _with_user(caller, params, "iam:ListAccessKeys", keys, default_self=True)


def put_user_policy(params, caller):
    name, document = params.required("PolicyName"), params.required("PolicyDocument")
    return _with_user(caller, params, "iam:PutUserPolicy", lambda w, u: w.put_inline_policy(u.arn, name, document))


def get_user_policy(params, caller):
    name = params.required("PolicyName")

    def get(world, user):
        document = _inline(user, name, "user")
        return {"UserName": user.name, "PolicyName": name, "PolicyDocument": policy_text(document.source())}

    return _with_user(caller, params, "iam:GetUserPolicy", get)


def list_user_policies(params, caller):
    paging = Paging(params, caller, "ListUserPolicies")
    return _with_user(
        caller, params, "iam:ListUserPolicies", lambda w, u: listing(paging, "PolicyNames", u.inline, str, str)
    )


def delete_user_policy(params, caller):
    name = params.required("PolicyName")
    return _with_user(caller, params, "iam:DeleteUserPolicy", lambda w, u: w.delete_inline_policy(u.arn, name))


def attach_user_policy(params, caller):
    arn = params.required("PolicyArn")
    return _with_user(caller, params, "iam:AttachUserPolicy", lambda w, u: w.attach_policy(u.arn, arn))


def detach_user_policy(params, caller):
    arn = params.required("PolicyArn")
    return _with_user(caller, params, "iam:DetachUserPolicy", lambda w, u: w.detach_policy(u.arn, arn))


def list_attached_user_policies(params, caller):
    paging = Paging(params, caller, "ListAttachedUserPolicies")
    return _with_user(caller, params, "iam:ListAttachedUserPolicies", lambda w, u: _attached(w, paging, u.attached))


# ---- customer managed policies -------------------------------------------------------------------------------


def _attachments(world: World, arn: str) -> int:
    return sum(
        arn in entity.attached
        for account in world.accounts.values()
        for entity in (*account.users.values(), *account.groups.values(), *account.roles.values())
    )


def create_policy(params, caller):
    name, path, document = params.required("PolicyName"), params.get("Path") or "/", params.required("PolicyDocument")

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:CreatePolicy", _arn(account, "policy", name, path))
        policy = world.create_policy(account, name, document, path=path, description=params.get("Description"))
        return {"Policy": policy_shape(policy)}

    return run_in_sandbox(caller, body)


def _with_policy(caller: Caller, params: Params, action: str, change):
    arn = params.required("PolicyArn")

    def body(world):
        _authorize(world, caller, action, arn)
        return change(world, world.customer_policy(arn))

    return run_in_sandbox(caller, body)


def get_policy(params, caller):
    return _with_policy(
        caller, params, "iam:GetPolicy", lambda w, p: {"Policy": policy_shape(p, _attachments(w, p.arn))}
    )


def list_policies(params, caller):
    scope, prefix = params.get("Scope") or "All", params.get("PathPrefix") or "/"
    attached_only, paging = bool(params.boolean("OnlyAttached")), Paging(params, caller, "ListPolicies")

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListPolicies", "*")
        policies = [] if scope == "AWS" else world.accounts[account].policies.values()
        policies = [p for p in policies if p.path.startswith(prefix)]
        if attached_only:
            policies = [p for p in policies if _attachments(world, p.arn)]
        return listing(paging, "Policies", policies, _by_name, lambda p: policy_shape(p, _attachments(world, p.arn)))

    return run_in_sandbox(caller, body)


def delete_policy(params, caller):
    return _with_policy(caller, params, "iam:DeletePolicy", lambda w, p: w.delete_managed_policy(p.arn))


def _version_shape(policy, version, *, document: bool) -> dict:
    shape = {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == policy.default_version_id,
        "CreateDate": version.create_date,
    }
    if document:
        shape = {"Document": policy_text(version.document.source()), **shape}
    return shape


def _version_number(version) -> int:
    digits = version.version_id[1:]
    return int(digits) if digits.isdigit() else 0


def create_policy_version(params, caller):
    """CreatePolicyVersion: the new version is the default only with ``SetAsDefault=true`` (the API's
    default is false: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html)."""
    document = params.required("PolicyDocument")
    default = bool(params.boolean("SetAsDefault"))

    def change(world, policy):
        version = world.create_policy_version(policy.arn, document, set_as_default=default)
        return {"PolicyVersion": _version_shape(policy, version, document=False)}

    return _with_policy(caller, params, "iam:CreatePolicyVersion", change)


def get_policy_version(params, caller):
    version_id = params.required("VersionId")

    def get(world, policy):
        return {"PolicyVersion": _version_shape(policy, world.policy_version(policy, version_id), document=True)}

    return _with_policy(caller, params, "iam:GetPolicyVersion", get)


def set_default_policy_version(params, caller):
    version_id = params.required("VersionId")
    return _with_policy(
        caller, params, "iam:SetDefaultPolicyVersion", lambda w, p: w.set_default_policy_version(p.arn, version_id)
    )


def delete_policy_version(params, caller):
    version_id = params.required("VersionId")
    return _with_policy(
        caller, params, "iam:DeletePolicyVersion", lambda w, p: w.delete_policy_version(p.arn, version_id)
    )


def list_policy_versions(params, caller):
    paging = Paging(params, caller, "ListPolicyVersions")
    return _with_policy(
        caller,
        params,
        "iam:ListPolicyVersions",
        lambda w, p: listing(
            paging, "Versions", p.versions, _version_number, lambda v: _version_shape(p, v, document=False)
        ),
    )


# ---- instance profiles -----------------------------------------------------------------------------------------
# A profile holds at most one role; removing the role leaves the profile, empty, until DeleteInstanceProfile
# (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html). Each call is
# authorized on the profile's ARN; adding a role also needs iam:PassRole on the role, as AWS documents.


def _with_profile(caller: Caller, params: Params, action: str, change):
    name = params.required("InstanceProfileName")

    def body(world):
        account = _account(world, caller)
        try:
            profile, role = world.instance_profile_named(account, name)
        except EngineError:
            profile = role = None
        _authorize(world, caller, action, profile.arn if profile else _arn(account, "instance-profile", name))
        if profile is None:
            world.instance_profile_named(account, name)  # raises NoSuchEntity, worded as IAM words it
        return change(world, account, profile, role)

    return run_in_sandbox(caller, body)


def create_instance_profile(params, caller):
    name, path = params.required("InstanceProfileName"), params.get("Path") or "/"
    tags = _given_tags(params)

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:CreateInstanceProfile", _arn(account, "instance-profile", name, path))
        profile = world.create_instance_profile(account, name, path=path, tags=tags or None)
        return {"InstanceProfile": profile_shape(profile, None)}

    return run_in_sandbox(caller, body)


def add_role_to_instance_profile(params, caller):
    role_name = params.required("RoleName")

    def change(world, account, profile, role):
        found = _role(world, account, role_name)
        _authorize(world, caller, "iam:PassRole", found.arn if found else _arn(account, "role", role_name))
        if found is None:
            raise _no_such("role", role_name)
        world.add_role_to_instance_profile(profile.name, found.arn)

    return _with_profile(caller, params, "iam:AddRoleToInstanceProfile", change)


def remove_role_from_instance_profile(params, caller):
    role_name = params.required("RoleName")

    def change(world, account, profile, role):
        found = _role(world, account, role_name)
        if found is None:
            raise _no_such("role", role_name)
        world.remove_role_from_instance_profile(profile.name, found.arn)

    return _with_profile(caller, params, "iam:RemoveRoleFromInstanceProfile", change)


def get_instance_profile(params, caller):
    return _with_profile(
        caller, params, "iam:GetInstanceProfile", lambda w, a, p, r: {"InstanceProfile": profile_shape(p, r)}
    )


def delete_instance_profile(params, caller):
    return _with_profile(
        caller, params, "iam:DeleteInstanceProfile", lambda w, a, p, r: w.delete_instance_profile(a, p.name)
    )


def list_instance_profiles(params, caller):
    prefix, paging = params.get("PathPrefix") or "/", Paging(params, caller, "ListInstanceProfiles")

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListInstanceProfiles", "*")
        found = [pair for pair in world.account_instance_profiles(account) if pair[0].path.startswith(prefix)]
        return listing(paging, "InstanceProfiles", found, lambda pair: pair[0].name.lower(), _profile_pair)

    return run_in_sandbox(caller, body)


def list_instance_profiles_for_role(params, caller):
    paging = Paging(params, caller, "ListInstanceProfilesForRole")
    return _with_role(
        caller,
        params,
        "iam:ListInstanceProfilesForRole",
        lambda w, r: listing(paging, "InstanceProfiles", r.instance_profiles, _by_name, lambda p: profile_shape(p, r)),
    )


def _profile_pair(pair) -> dict:
    return profile_shape(*pair)


# ---- the policy simulator --------------------------------------------------------------------------------------

_DECISIONS = {"allowed": "allowed", "explicitDeny": "explicitDeny", "implicitDeny": "implicitDeny"}


def _context(params: Params) -> dict:
    context: dict = {}
    for entry in params.members("ContextEntries", ("ContextKeyName", "ContextKeyType", "ContextKeyValues")):
        context[entry.get("ContextKeyName", "")] = entry.get("ContextKeyValues", "")
    for key, value in params.values.items():  # ContextEntries.member.N.ContextKeyValues.member.M
        if key.startswith("ContextEntries.member.") and ".ContextKeyValues.member." in key:
            index = key.split(".")[2]
            name = params.get(f"ContextEntries.member.{index}.ContextKeyName") or ""
            context.setdefault(name, [])
            if isinstance(context[name], list):
                context[name].append(value)
    return {k: v for k, v in context.items() if k}


def _result(decision, action: str, resource: str) -> dict:
    statements = [
        {
            "SourcePolicyId": m.policy or m.source,
            "SourcePolicyType": m.source,
            "StartPosition": {"Line": m.line or 1, "Column": 1},
        }
        for m in decision.matched
    ]
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": _DECISIONS.get(decision.outcome, decision.outcome),
        "MatchedStatements": statements,
        "MissingContextValues": list(decision.missing_context),
        "EvalDecisionDetails": {"entry": {"key": "evaluationPath", "value": " > ".join(decision.path)}},
    }


def _simulate_lists(params: Params) -> tuple[list[str], list[str]]:
    actions = params.members("ActionNames")
    resources = params.members("ResourceArns") or ["*"]
    if not actions:
        raise AwsError("ValidationError", "ActionNames must name at least one action.", 400)
    if len(actions) * len(resources) > 1000:
        raise AwsError("ValidationError", "At most 1,000 action and resource pairs can be simulated at once.", 400)
    return actions, resources


def simulate_principal_policy(params, caller):
    source = params.required("PolicySourceArn")
    actions, resources = _simulate_lists(params)
    context, paging = _context(params), Paging(params, caller, "SimulatePrincipalPolicy")

    def body(world):
        _authorize(world, caller, "iam:SimulatePrincipalPolicy", source)
        pairs, more = paging.page([(a, r) for a in actions for r in resources])
        results = [
            _result(world.redact(simulate_principal_policy_decision(world, source, a, r, context or None)), a, r)
            for a, r in pairs
        ]
        return {"EvaluationResults": results, **more}

    return run_in_sandbox(caller, body)


def simulate_custom_policy(params, caller):
    documents = params.members("PolicyInputList")
    if not documents:
        raise AwsError("ValidationError", "PolicyInputList must hold at least one policy document.", 400)
    actions, resources = _simulate_lists(params)
    context, paging = _context(params), Paging(params, caller, "SimulateCustomPolicy")

    def body(world):
        _authorize(world, caller, "iam:SimulateCustomPolicy", "*")
        policies = tuple(
            parse_policy(text, "identity", name=f"PolicyInputList.{i}") for i, text in enumerate(documents, 1)
        )
        pairs, more = paging.page([(a, r) for a in actions for r in resources])
        results = [
            _result(simulate_custom_policy_decision(world, caller.ref, policies, a, r, context or None), a, r)
            for a, r in pairs
        ]
        return {"EvaluationResults": results, **more}

    return run_in_sandbox(caller, body)


ACTIONS = {
    "CreateRole": create_role,
    "GetRole": get_role,
    "ListRoles": list_roles,
    "UpdateRole": update_role,
    "DeleteRole": delete_role,
    "UpdateAssumeRolePolicy": update_assume_role_policy,
    "PutRolePolicy": put_role_policy,
    "GetRolePolicy": get_role_policy,
    "ListRolePolicies": list_role_policies,
    "DeleteRolePolicy": delete_role_policy,
    "AttachRolePolicy": attach_role_policy,
    "DetachRolePolicy": detach_role_policy,
    "ListAttachedRolePolicies": list_attached_role_policies,
    "PutRolePermissionsBoundary": put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary": delete_role_permissions_boundary,
    "TagRole": tag_role,
    "UntagRole": untag_role,
    "ListRoleTags": list_role_tags,
    "CreateUser": create_user,
    "GetUser": get_user,
    "ListUsers": list_users,
    "DeleteUser": delete_user,
    "CreateAccessKey": create_access_key,
    "DeleteAccessKey": delete_access_key,
    "ListAccessKeys": list_access_keys,
    "PutUserPolicy": put_user_policy,
    "GetUserPolicy": get_user_policy,
    "ListUserPolicies": list_user_policies,
    "DeleteUserPolicy": delete_user_policy,
    "AttachUserPolicy": attach_user_policy,
    "DetachUserPolicy": detach_user_policy,
    "ListAttachedUserPolicies": list_attached_user_policies,
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "ListPolicies": list_policies,
    "DeletePolicy": delete_policy,
    "CreatePolicyVersion": create_policy_version,
    "GetPolicyVersion": get_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "SetDefaultPolicyVersion": set_default_policy_version,
    "DeletePolicyVersion": delete_policy_version,
    "CreateInstanceProfile": create_instance_profile,
    "DeleteInstanceProfile": delete_instance_profile,
    "AddRoleToInstanceProfile": add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile": remove_role_from_instance_profile,
    "ListInstanceProfilesForRole": list_instance_profiles_for_role,
    "ListInstanceProfiles": list_instance_profiles,
    "GetInstanceProfile": get_instance_profile,
    "SimulatePrincipalPolicy": simulate_principal_policy,
    "SimulateCustomPolicy": simulate_custom_policy,
}
