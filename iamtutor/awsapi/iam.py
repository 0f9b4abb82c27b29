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

from iamtutor.engine import World, evaluate, parse_policy
from iamtutor.engine.checks.calls import _decide, _role_session

from .calls import Caller, denial
from .errors import AwsError
from .protocol import Params, policy_text
from .sts import run_in_sandbox

MAX_ITEMS = 1000


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
    return {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.id,
        "Arn": profile.arn,
        "CreateDate": profile.create_date,
        "Roles": [role_shape(role)],
    }


# ---- roles -----------------------------------------------------------------------------------------------


def create_role(params: Params, caller: Caller) -> dict:
    name, path = params.required("RoleName"), params.get("Path") or "/"
    trust = params.required("AssumeRolePolicyDocument")
    tags = [{"Key": t.get("Key", ""), "Value": t.get("Value", "")} for t in params.members("Tags", ("Key", "Value"))]

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
    prefix = params.get("PathPrefix") or "/"

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListRoles", "*")
        roles = [r for r in world.accounts[account].roles.values() if r.path.startswith(prefix)][:MAX_ITEMS]
        return {"Roles": [role_shape(r) for r in roles], "IsTruncated": False}

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
    return _with_role(
        caller,
        params,
        "iam:ListRolePolicies",
        lambda w, r: {"PolicyNames": sorted(r.inline), "IsTruncated": False},
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


def _attached(world: World, arns) -> list[dict]:
    shaped = []
    for arn in arns:
        policy = world.managed_policy(arn)
        shaped.append({"PolicyName": policy.name if policy else arn.rsplit("/", 1)[-1], "PolicyArn": arn})
    return shaped


def list_attached_role_policies(params, caller):
    return _with_role(
        caller,
        params,
        "iam:ListAttachedRolePolicies",
        lambda w, r: {"AttachedPolicies": _attached(w, r.attached), "IsTruncated": False},
    )


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


def list_role_tags(params, caller):
    return _with_role(caller, params, "iam:ListRoleTags", lambda w, r: {"Tags": _tags(r.tags), "IsTruncated": False})


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
    tags = [{"Key": t.get("Key", ""), "Value": t.get("Value", "")} for t in params.members("Tags", ("Key", "Value"))]

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
    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListUsers", "*")
        users = list(world.accounts[account].users.values())[:MAX_ITEMS]
        return {"Users": [user_shape(u) for u in users], "IsTruncated": False}

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
    def listing(world, user):
        keys = [
            {"UserName": user.name, "AccessKeyId": k.id, "Status": k.status, "CreateDate": k.create_date}
            for k in user.access_keys
        ]
        return {"AccessKeyMetadata": keys, "IsTruncated": False}

    return _with_user(caller, params, "iam:ListAccessKeys", listing, default_self=True)


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
    return _with_user(
        caller, params, "iam:ListUserPolicies", lambda w, u: {"PolicyNames": sorted(u.inline), "IsTruncated": False}
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
    return _with_user(
        caller,
        params,
        "iam:ListAttachedUserPolicies",
        lambda w, u: {"AttachedPolicies": _attached(w, u.attached), "IsTruncated": False},
    )


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
    scope = params.get("Scope") or "All"

    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListPolicies", "*")
        if scope == "AWS":
            return {"Policies": [], "IsTruncated": False}
        policies = list(world.accounts[account].policies.values())[:MAX_ITEMS]
        return {"Policies": [policy_shape(p, _attachments(world, p.arn)) for p in policies], "IsTruncated": False}

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


def create_policy_version(params, caller):
    document = params.required("PolicyDocument")
    if params.boolean("SetAsDefault") is False:
        raise AwsError(
            "ValidationError",
            "This sandbox makes every new policy version the default: send SetAsDefault=true (or leave it out).",
            400,
        )

    def change(world, policy):
        version = world.create_policy_version(policy.arn, document)
        return {"PolicyVersion": _version_shape(policy, version, document=False)}

    return _with_policy(caller, params, "iam:CreatePolicyVersion", change)


def get_policy_version(params, caller):
    version_id = params.required("VersionId")

    def get(world, policy):
        version = next((v for v in policy.versions if v.version_id == version_id), None)
        if version is None:
            raise AwsError(
                "NoSuchEntity", f"Policy {policy.arn} version {version_id} does not exist or is not attachable.", 404
            )
        return {"PolicyVersion": _version_shape(policy, version, document=True)}

    return _with_policy(caller, params, "iam:GetPolicyVersion", get)


def list_policy_versions(params, caller):
    return _with_policy(
        caller,
        params,
        "iam:ListPolicyVersions",
        lambda w, p: {"Versions": [_version_shape(p, v, document=False) for v in p.versions], "IsTruncated": False},
    )


# ---- instance profiles -----------------------------------------------------------------------------------------


def add_role_to_instance_profile(params, caller):
    """In the sandbox an instance profile holds its one role from the start: this call creates the profile
    ``InstanceProfileName`` with the role in it."""
    profile = params.required("InstanceProfileName")
    return _with_role(
        caller, params, "iam:AddRoleToInstanceProfile", lambda w, r: w.add_instance_profile(r.arn, profile) and None
    )


def remove_role_from_instance_profile(params, caller):
    profile = params.required("InstanceProfileName")
    return _with_role(
        caller, params, "iam:RemoveRoleFromInstanceProfile", lambda w, r: w.remove_instance_profile(r.arn, profile)
    )


def list_instance_profiles_for_role(params, caller):
    return _with_role(
        caller,
        params,
        "iam:ListInstanceProfilesForRole",
        lambda w, r: {"InstanceProfiles": [profile_shape(p, r) for p in r.instance_profiles], "IsTruncated": False},
    )


def list_instance_profiles(params, caller):
    def body(world):
        account = _account(world, caller)
        _authorize(world, caller, "iam:ListInstanceProfiles", "*")
        found = [profile_shape(p, r) for r in world.accounts[account].roles.values() for p in r.instance_profiles]
        return {"InstanceProfiles": found[:MAX_ITEMS], "IsTruncated": False}

    return run_in_sandbox(caller, body)


def get_instance_profile(params, caller):
    name = params.required("InstanceProfileName")

    def body(world):
        account = _account(world, caller)
        found = [
            (p, r)
            for r in world.accounts[account].roles.values()
            for p in r.instance_profiles
            if p.name.lower() == name.lower()
        ]
        _authorize(
            world,
            caller,
            "iam:GetInstanceProfile",
            found[0][0].arn if found else _arn(account, "instance-profile", name),
        )
        if not found:
            raise AwsError("NoSuchEntity", f"Instance Profile {name} cannot be found.", 404)
        return {"InstanceProfile": profile_shape(*found[0])}

    return run_in_sandbox(caller, body)


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
    context = _context(params)

    def body(world):
        _authorize(world, caller, "iam:SimulatePrincipalPolicy", source)
        ident = _role_session(world, source) if ":role/" in source else world.identify(source)
        results = [
            _result(world.redact(_decide(world, ident, a, r, context or None)), a, r)
            for a in actions
            for r in resources
        ]
        return {"EvaluationResults": results, "IsTruncated": False}

    return run_in_sandbox(caller, body)


def simulate_custom_policy(params, caller):
    documents = params.members("PolicyInputList")
    if not documents:
        raise AwsError("ValidationError", "PolicyInputList must hold at least one policy document.", 400)
    actions, resources = _simulate_lists(params)
    context = _context(params)

    def body(world):
        _authorize(world, caller, "iam:SimulateCustomPolicy", "*")
        policies = tuple(
            parse_policy(text, "identity", name=f"PolicyInputList.{i}") for i, text in enumerate(documents, 1)
        )
        ident = world.identify(caller.ref)
        results = []
        for action in actions:
            for resource in resources:
                request = world.build_request(ident, action, resource, context or None)
                custom = request.__class__(
                    request.caller,
                    request.action,
                    request.resource,
                    request.resource_account,
                    request.context,
                    identity_policies=policies,
                )
                results.append(_result(evaluate(custom), action, resource))
        return {"EvaluationResults": results, "IsTruncated": False}

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
    "AddRoleToInstanceProfile": add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile": remove_role_from_instance_profile,
    "ListInstanceProfilesForRole": list_instance_profiles_for_role,
    "ListInstanceProfiles": list_instance_profiles,
    "GetInstanceProfile": get_instance_profile,
    "SimulatePrincipalPolicy": simulate_principal_policy,
    "SimulateCustomPolicy": simulate_custom_policy,
}
