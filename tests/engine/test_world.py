"""The world: loading and saving (world-format.md), the request context of §3, policies that apply, SCPs,
IAM changes with IAM's quotas and errors, the clock, hostile world files and load performance."""

from __future__ import annotations

import contextlib
import copy
import json
import tracemalloc
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtutor.engine import sts
from iamtutor.engine.errors import EngineError, IamError, ParameterError, PolicyError, StsError, WorldError
from iamtutor.engine.ids import IdSource
from iamtutor.engine.scenario import run_steps
from iamtutor.engine.world import World
from tests.engine.world_builders import (
    ALICE,
    BOB,
    CLOCK,
    DEPLOY,
    A,
    B,
    account,
    allow,
    deny,
    doc,
    make_world,
    role,
    trust,
    user,
)

GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


def rich_data() -> dict:
    """A world using every part of the format."""
    boundary = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/Boundary"}
    return {
        "clock": CLOCK,
        "partition": "aws",
        "organization": {
            "id": "o-exampleorgid",
            "management_account": A,
            "root_id": "r-ab12",
            "ous": [{"id": "ou-ab12-11111111", "name": "Prod", "parent": "r-ab12", "accounts": [B]}],
            "scps": [
                {
                    "name": "DenyLeave",
                    "targets": ["ou-ab12-11111111"],
                    "document": doc(deny("organizations:LeaveOrganization"), allow("*")),
                }
            ],
        },
        "accounts": {
            A: {
                "alias": "dev",
                "UserDetailList": [
                    {
                        "UserName": "alice",
                        "Path": "/",
                        "Arn": ALICE,
                        "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(allow("s3:List*"))}],
                        "AttachedManagedPolicies": [
                            {"PolicyName": "ReadOnly", "PolicyArn": f"arn:aws:iam::{A}:policy/ReadOnly"}
                        ],
                        "GroupList": ["devs"],
                        "PermissionsBoundary": boundary,
                        "Tags": [{"Key": "team", "Value": "blue"}],
                        "MFADevices": [{"SerialNumber": f"arn:aws:iam::{A}:mfa/alice"}],
                        "AccessKeys": [{"AccessKeyId": "AKIAEXAMPLEKEY000001", "SecretAccessKey": "s" * 40}],
                    },
                    {"UserName": "bob"},
                ],
                "GroupDetailList": [
                    {
                        "GroupName": "devs",
                        "GroupPolicyList": [
                            {"PolicyName": "g", "PolicyDocument": json.dumps(doc(allow("ec2:Describe*")))}
                        ],
                        "AttachedManagedPolicies": [
                            {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
                        ],
                    }
                ],
                "RoleDetailList": [
                    {
                        "RoleName": "Deploy",
                        "Path": "/",
                        "Arn": DEPLOY,
                        "RoleId": "AROAEXAMPLEROLEID0001",
                        "AssumeRolePolicyDocument": quote(json.dumps(trust({"AWS": ALICE}))),
                        "RolePolicyList": [],
                        "AttachedManagedPolicies": [],
                        "PermissionsBoundary": None,
                        "MaxSessionDuration": 7200,
                        "Tags": [{"Key": "env", "Value": "prod"}],
                        "Description": "deploys things",
                        "InstanceProfileList": [
                            {"InstanceProfileName": "web", "Arn": f"arn:aws:iam::{A}:instance-profile/web"}
                        ],
                    }
                ],
                "Policies": [
                    {
                        "PolicyName": "ReadOnly",
                        "Arn": f"arn:aws:iam::{A}:policy/ReadOnly",
                        "DefaultVersionId": "v2",
                        "PolicyVersionList": [
                            {"VersionId": "v1", "IsDefaultVersion": False, "Document": doc(allow("s3:Get*"))},
                            {"VersionId": "v2", "IsDefaultVersion": True, "Document": doc(allow("s3:*"))},
                        ],
                    },
                    {
                        "PolicyName": "Boundary",
                        "PolicyVersionList": [
                            {
                                "VersionId": "v1",
                                "IsDefaultVersion": True,
                                "Document": doc(allow(["s3:*", "sts:*", "ec2:*", "iam:List*"])),
                            }
                        ],
                    },
                ],
                "resources": [
                    {
                        "arn": "arn:aws:s3:::reports",
                        "tags": {"env": "prod"},
                        "policy": doc(
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": BOB},
                                "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::reports/*",
                            }
                        ),
                    },
                    {"arn": "arn:aws:s3:::reports/*"},
                ],
                "identity_providers": [{"type": "oidc", "arn": GITHUB, "audiences": ["sts.amazonaws.com"]}],
                "quotas": {"PoliciesPerRole": 20},
            },
            B: account(users=[user("bea")]),
        },
    }


def rich_world() -> World:
    world = World.from_dict(rich_data(), ids=IdSource(3))
    sts.assume_role(
        world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1", tags=None, duration_seconds=900), session_id="s1"
    )
    world.request("s1", "s3:GetObject", "arn:aws:s3:::reports/q1.csv")
    return world


# ---- load and save -----------------------------------------------------------------------------------------------


def test_round_trip_is_lossless_on_a_rich_world():
    # world-format.md: a sandbox export loads again with nothing lost (sessions, events and clock included).
    world = rich_world()
    saved = world.to_dict()
    assert World.from_dict(saved).to_dict() == saved
    assert json.loads(json.dumps(saved)) == saved
    assert saved["sessions"][0]["id"] == "s1" and saved["clock"] == CLOCK and saved["events"]


def test_round_trip_keeps_changes_made_after_loading():
    world = rich_world()
    world.create_role(A, "New", trust({"AWS": ALICE}), tags=[{"Key": "k", "Value": "v"}])
    world.create_policy_version(f"arn:aws:iam::{A}:policy/ReadOnly", doc(allow("s3:GetObject")))
    world.create_access_key(BOB)
    world.clock.advance(10)
    saved = world.to_dict()
    assert World.from_dict(saved).to_dict() == saved


def test_saved_documents_keep_their_form():
    # world-format.md: documents may be objects or (URL-encoded) strings; a string stays a (decoded) string.
    saved = rich_world().to_dict()
    deploy = saved["accounts"][A]["RoleDetailList"][0]
    assert isinstance(deploy["AssumeRolePolicyDocument"], str)
    assert json.loads(deploy["AssumeRolePolicyDocument"]) == trust({"AWS": ALICE})


def test_the_saved_world_has_no_secret_in_its_events():
    # §6.3 D-CT (H): responseElements never carry the secret access key.
    world = rich_world()
    secret = world.sessions["s1"].secret_access_key
    assert secret not in json.dumps(list(world.events))


def test_aws_managed_policies_come_from_the_catalogue():
    # world-format.md: AWS managed policies the world references but does not define come from the catalogue.
    world = rich_world()
    assert world.request(ALICE, "iam:ListRoles", "*").allowed  # only ReadOnlyAccess (via the group) grants it


def test_unknown_aws_managed_policy_is_an_error_naming_it():
    data = rich_data()
    data["accounts"][A]["GroupDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"] = (
        "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"
    )
    with pytest.raises(WorldError) as excinfo:
        World.from_dict(data)
    assert "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere" in excinfo.value.message
    assert excinfo.value.json_path == f"accounts.{A}.GroupDetailList[0].AttachedManagedPolicies[0].PolicyArn"


def test_import_of_get_account_authorization_details():
    # world-format.md: the raw output of `aws iam get-account-authorization-details` loads as one account.
    raw = {
        "UserDetailList": [
            {
                "Path": "/",
                "UserName": "alice",
                "UserId": "AIDAEXAMPLEUSERID0001",
                "Arn": ALICE,
                "CreateDate": "2024-03-01T10:00:00+00:00",
                "GroupList": [],
                "AttachedManagedPolicies": [],
                "Tags": [],
            }
        ],
        "GroupDetailList": [],
        "RoleDetailList": [
            {
                "Path": "/",
                "RoleName": "Deploy",
                "RoleId": "AROAEXAMPLEROLEID0001",
                "Arn": DEPLOY,
                "CreateDate": "2024-03-01T10:00:00+00:00",
                "AssumeRolePolicyDocument": quote(json.dumps(trust({"AWS": ALICE}))),
                "InstanceProfileList": [],
                "RolePolicyList": [],
                "AttachedManagedPolicies": [
                    {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
                ],
                "Tags": [],
                "RoleLastUsed": {},
            }
        ],
        "Policies": [
            {
                "PolicyName": "ReadOnlyAccess",
                "PolicyId": "ANPAEXAMPLEPOLICYID01",
                "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True,
                "PolicyVersionList": [{"Document": doc(allow("s3:Get*")), "VersionId": "v1", "IsDefaultVersion": True}],
            }
        ],
        "IsTruncated": False,
    }
    world = World.from_authorization_details(raw, clock=CLOCK)
    assert world.find_role(DEPLOY).id == "AROAEXAMPLEROLEID0001"
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "imported"), session_id="s1")
    # The world's own copy of an AWS managed policy wins over the catalogue (here: only s3:Get*).
    assert world.request("s1", "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert not world.request("s1", "ec2:DescribeInstances", "*").allowed
    assert World.from_dict(world.to_dict()).to_dict() == world.to_dict()


# ---- load errors name the JSON path (never a traceback) ----------------------------------------------------------


def test_malformed_trust_policy_error_names_the_world_path():
    # §1.8 (H): Resource is prohibited in a trust policy; the error path is placed inside the world file.
    data = {
        "accounts": {
            A: account(
                roles=[
                    role(
                        "R",
                        doc(
                            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Resource": "*"},
                        ),
                    )
                ]
            )
        }
    }
    with pytest.raises(PolicyError) as excinfo:
        World.from_dict(data)
    assert excinfo.value.code == "MalformedPolicyDocument"
    assert excinfo.value.json_path.startswith(f"accounts.{A}.RoleDetailList[0].AssumeRolePolicyDocument.Statement[1]")


def test_s50_trust_principal_that_does_not_exist():
    # S50, §1.6 OBS (H): Invalid principal in policy: "AWS":"arn:…" — path of the world file included.
    ghost = f"arn:aws:iam::{A}:role/Ghost"
    data = {
        "accounts": {
            A: account(
                roles=[
                    role(
                        "R",
                        doc(
                            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                            {"Effect": "Allow", "Principal": {"AWS": ghost}, "Action": "sts:AssumeRole"},
                        ),
                    )
                ]
            )
        }
    }
    with pytest.raises(PolicyError) as excinfo:
        World.from_dict(data)
    assert excinfo.value.message == f'Invalid principal in policy: "AWS":"{ghost}"'
    assert excinfo.value.json_path == f"accounts.{A}.RoleDetailList[0].AssumeRolePolicyDocument.Statement[1].Principal"


def test_principals_of_accounts_outside_the_world_are_accepted():
    # §1.6 (H): only entities of the world can be checked; other accounts are "elsewhere in AWS".
    world = make_world({A: account(roles=[role("R", trust({"AWS": "arn:aws:iam::999999999999:role/Partner"}))])})
    assert world.find_role(f"arn:aws:iam::{A}:role/R")


def test_names_are_unique_ignoring_case_at_load():
    # §5.10 D-QUOTA (H): ADMINS and admins cannot both exist.
    with pytest.raises(WorldError, match="already exists"):
        make_world({A: account(users=[user("ADMINS"), user("admins")])})


HOSTILE = [
    ([], "$"),
    ({"accounts": []}, "accounts"),
    ({"accounts": {"12": {}}}, "accounts"),
    ({"accounts": {A: []}}, f"accounts.{A}"),
    ({"accounts": {A: {"RoleDetailList": {}}}}, f"accounts.{A}.RoleDetailList"),
    ({"accounts": {A: {"RoleDetailList": [5]}}}, f"accounts.{A}.RoleDetailList[0]"),
    (
        {"accounts": {A: {"RoleDetailList": [{"RoleName": 5, "AssumeRolePolicyDocument": {}}]}}},
        f"accounts.{A}.RoleDetailList[0].RoleName",
    ),
    (
        {"accounts": {A: {"RoleDetailList": [{"RoleName": "R"}]}}},
        f"accounts.{A}.RoleDetailList[0].AssumeRolePolicyDocument",
    ),
    (
        {"accounts": {A: {"RoleDetailList": [{"RoleName": "R", "AssumeRolePolicyDocument": 5}]}}},
        f"accounts.{A}.RoleDetailList[0].AssumeRolePolicyDocument",
    ),
    (
        {
            "accounts": {
                A: {
                    "RoleDetailList": [
                        {
                            "RoleName": "R",
                            "AssumeRolePolicyDocument": trust({"AWS": ALICE}),
                            "MaxSessionDuration": "long",
                        }
                    ]
                }
            }
        },
        f"accounts.{A}.RoleDetailList[0].MaxSessionDuration",
    ),
    ({"accounts": {A: {"UserDetailList": [{"UserName": "u", "Tags": "x"}]}}}, f"accounts.{A}.UserDetailList[0].Tags"),
    (
        {"accounts": {A: {"UserDetailList": [{"UserName": "u", "GroupList": ["nope"]}]}}},
        f"accounts.{A}.UserDetailList[0].GroupList",
    ),
    ({"accounts": {A: {"UserDetailList": [{"UserName": "u", "Bogus": 1}]}}}, f"accounts.{A}.UserDetailList[0].Bogus"),
    (
        {"accounts": {A: {"Policies": [{"PolicyName": "p", "PolicyVersionList": []}]}}},
        f"accounts.{A}.Policies[0].PolicyVersionList",
    ),
    ({"accounts": {A: {"resources": [{"arn": "bucket"}]}}}, f"accounts.{A}.resources[0].arn"),
    (
        {"accounts": {A: {"identity_providers": [{"type": "ldap", "arn": GITHUB}]}}},
        f"accounts.{A}.identity_providers[0].type",
    ),
    ({"accounts": {A: {"quotas": {"RolesPerAccount": 10**9}}}}, f"accounts.{A}.quotas.RolesPerAccount"),
    ({"clock": "yesterday", "accounts": {}}, "clock"),
    ({"partition": "mars", "accounts": {}}, "partition"),
    ({"accounts": {}, "organization": {"id": "org"}}, "organization.id"),
    (
        {
            "accounts": {},
            "organization": {
                "id": "o-exampleorgid",
                "management_account": A,
                "scps": [{"name": "x", "targets": ["nowhere"], "document": {}}],
            },
        },
        "organization.scps[0].targets[0]",
    ),
    (
        {
            "accounts": {},
            "organization": {
                "id": "o-exampleorgid",
                "management_account": A,
                "ous": [
                    {"id": "ou-ab12-11111111", "parent": "ou-ab12-22222222"},
                    {"id": "ou-ab12-22222222", "parent": "ou-ab12-11111111"},
                ],
            },
        },
        "organization.ous[0].parent",
    ),
    ({"accounts": {}, "sessions": [{"id": "s"}]}, "sessions[0].type"),
    ({"accounts": {}, "events": [1]}, "events[0]"),
    ({"accounts": {}, "extra": 1}, "extra"),
]


@pytest.mark.parametrize(("data", "path"), HOSTILE)
def test_wrong_types_give_world_errors_with_a_path(data, path):
    # world-format.md: a world that breaks a rule gets an error naming the JSON path, never a traceback.
    with pytest.raises(EngineError) as excinfo:
        World.from_dict(data)
    assert excinfo.value.json_path == path


def test_deeply_nested_and_huge_input_is_refused_cleanly():
    nested: object = "x"
    for _ in range(100_000):
        nested = [nested]
    bad_doc = {"Version": "2012-10-17", "Statement": nested}
    for data in (
        {"accounts": {A: account(roles=[role("R", bad_doc)])}},
        {"accounts": {A: account(roles=[role("R" * 100_000, trust({"AWS": "*"}))])}},
        {"accounts": {A: account(users=[user("ü-ñ")])}},
        {"accounts": {}, "events": [{"a": nested}]},
    ):
        with pytest.raises(EngineError):
            World.from_dict(data)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


RICH_PATHS = list(_paths(rich_data()))[1:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(RICH_PATHS) - 1), junk=JSON)
def test_any_value_replaced_by_junk_loads_or_fails_with_an_engine_error(index, junk):
    # Contract ground rule: whatever is at any place of a world file, only EngineError escapes.
    data = copy.deepcopy(rich_data())
    *parents, last = RICH_PATHS[index]
    target = data
    for key in parents:
        target = target[key]
    target[last] = junk
    with contextlib.suppress(EngineError):
        World.from_dict(data)


# ---- callers and the request context of §3 -----------------------------------------------------------------------


def context_world():
    return make_world(
        {
            A: account(
                users=[
                    user(
                        "alice",
                        doc(allow("*")),
                        Tags=[{"Key": "team", "Value": "blue"}],
                        AccessKeys=[{"AccessKeyId": "AKIAEXAMPLEKEY000001", "SecretAccessKey": "s" * 40}],
                    )
                ],
                roles=[role("Deploy", trust({"AWS": ALICE}), doc(allow("*")), Tags=[{"Key": "team", "Value": "red"}])],
            )
        },
        organization={"id": "o-exampleorgid", "management_account": A, "root_id": "r-ab12"},
    )


def test_user_context_keys():
    # §3.1 D-VARS/D-GKEYS (H): aws:username, aws:userid AIDA…, PrincipalType User, PrincipalArn, tags, org keys;
    # no aws:TokenIssueTime and no aws:MultiFactorAuthPresent with long-term keys.
    world = context_world()
    ctx = world.principal_context(world.identify(ALICE))
    assert ctx["aws:username"] == "alice" and ctx["aws:userid"].startswith("AIDA")
    assert (ctx["aws:PrincipalType"], ctx["aws:PrincipalArn"], ctx["aws:PrincipalAccount"]) == ("User", ALICE, A)
    assert ctx["aws:PrincipalTag/team"] == "blue"
    assert ctx["aws:PrincipalOrgID"] == "o-exampleorgid"
    assert ctx["aws:PrincipalOrgPaths"] == ["o-exampleorgid/r-ab12/"]
    assert ctx["aws:PrincipalIsAWSService"] == "false"
    assert "aws:TokenIssueTime" not in ctx and "aws:MultiFactorAuthPresent" not in ctx
    assert (ctx["aws:CurrentTime"], ctx["aws:EpochTime"]) == ("2026-01-01T09:00:00Z", "1767258000")


def test_access_key_resolves_to_its_user():
    world = context_world()
    assert world.caller("AKIAEXAMPLEKEY000001").arn == ALICE


def test_session_context_keys():
    # §3.1 (H): sessions have no aws:username, aws:userid AROA…:name, PrincipalArn = the ROLE ARN, role tags
    # overridden by session tags, aws:TokenIssueTime and aws:MultiFactorAuthPresent false.
    world = context_world()
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1"), session_id="s1")
    world.clock.advance(60)
    ctx = world.principal_context(world.identify("s1"))
    assert "aws:username" not in ctx
    assert ctx["aws:userid"] == f"{world.find_role(DEPLOY).id}:deploy-1"
    assert (ctx["aws:PrincipalType"], ctx["aws:PrincipalArn"]) == ("AssumedRole", DEPLOY)
    assert ctx["aws:PrincipalTag/team"] == "red"
    assert ctx["aws:TokenIssueTime"] == "2026-01-01T09:00:00Z"
    assert ctx["aws:MultiFactorAuthPresent"] == "false" and "aws:MultiFactorAuthAge" not in ctx
    assert world.caller("s1").arn == f"arn:aws:sts::{A}:assumed-role/Deploy/deploy-1"


def test_root_service_and_anonymous_context_keys():
    # §3.1 (H): root → userid = account, PrincipalType Account; services → aws:PrincipalIsAWSService true;
    # anonymous → aws:userid/aws:PrincipalAccount "anonymous".
    world = context_world()
    root = world.principal_context(world.identify(f"arn:aws:iam::{A}:root"))
    assert (root["aws:userid"], root["aws:PrincipalType"]) == (A, "Account")
    service = world.principal_context(world.identify("service:ec2.amazonaws.com"))
    assert (service["aws:PrincipalIsAWSService"], service["aws:PrincipalServiceName"]) == ("true", "ec2.amazonaws.com")
    anonymous = world.principal_context(world.identify("anonymous"))
    assert (anonymous["aws:userid"], anonymous["aws:PrincipalType"]) == ("anonymous", "Anonymous")


def test_resource_keys_come_from_the_listed_resource():
    # §3.2 D-GKEYS (H): aws:ResourceTag/* from the resource's tags, aws:ResourceAccount its owner.
    world = rich_world()
    ctx, owner = world.resource_context("arn:aws:s3:::reports", "s3:ListBucket")
    assert (owner, ctx["aws:ResourceTag/env"], ctx["aws:ResourceAccount"]) == (A, "prod", A)
    role_ctx, _ = world.resource_context(DEPLOY, "sts:AssumeRole")
    assert role_ctx["aws:ResourceTag/env"] == "prod"


def test_request_context_cannot_change_principal_keys():
    # §3.1 (H): keys describing the principal come from the credentials, never from the request.
    world = context_world()
    req = world.build_request(
        world.identify(ALICE), "s3:GetObject", "*", {"aws:username": "mallory", "AWS:SourceIp": "203.0.113.7"}
    )
    assert req.context["aws:username"] == ("alice",)
    assert req.context["aws:sourceip"] == ("203.0.113.7",)


def test_s37_null_token_issue_time_tells_keys_from_sessions():
    # S37, §2.3 D-OPS Null example (H): users with access keys have no aws:TokenIssueTime; sessions do.
    policy = doc(allow("ec2:*", Condition={"Null": {"aws:TokenIssueTime": "true"}}))
    world = make_world(
        {A: account(users=[user("alice", policy)], roles=[role("Deploy", trust({"AWS": ALICE}), policy)])}
    )
    assert world.request(ALICE, "ec2:RunInstances", "*").allowed
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1"), session_id="s1")
    assert world.request("s1", "ec2:RunInstances", "*").outcome == "implicitDeny"


@pytest.mark.parametrize(("operator", "outcome"), [("Bool", "allowed"), ("BoolIfExists", "explicitDeny")])
def test_s45_mfa_deny_done_wrong_and_right(operator, outcome):
    # S45, §3.1 D-GKEYS (H): long-term keys carry no aws:MultiFactorAuthPresent, so only BoolIfExists denies.
    policy = doc(allow("*"), deny("*", Condition={operator: {"aws:MultiFactorAuthPresent": "false"}}))
    world = make_world({A: account(users=[user("alice", policy)])})
    assert world.request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k").outcome == outcome


def test_s03_same_account_bucket_policy_alone_allows():
    # S03, §4.1 fact 4 D-EVAL (H): a resource policy naming the user is enough in the same account.
    world = rich_world()
    assert world.request(BOB, "s3:GetObject", "arn:aws:s3:::reports/q1.csv").allowed


def test_group_policies_apply_to_members():
    # §4.2 (H): a user's identity policies include its groups' inline and managed policies.
    world = rich_world()
    assert world.request(ALICE, "ec2:DescribeInstances", "*").allowed


def test_expired_and_unknown_credentials_are_errors_not_decisions():
    # §4.2 / §5.9 (H): ExpiredToken and InvalidClientTokenId are errors, not denies.
    world = context_world()
    with pytest.raises(StsError) as excinfo:
        world.request("ASIANOSUCHKEY0000000", "s3:GetObject", "*")
    assert (excinfo.value.code, excinfo.value.message) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )


def test_malformed_requests_are_parameter_errors():
    world = context_world()
    for action, resource, context in (
        ("GetObject", "*", None),
        ("s3:GetObject", 5, None),
        ("s3:GetObject", "*", {"k": {"x": 1}}),
        ("s3:GetObject", "*", [1]),
    ):
        with pytest.raises(ParameterError):
            world.request(ALICE, action, resource, context)


# ---- organizations and SCPs (§1.8, §4.1 fact 3) ------------------------------------------------------------------


def scp_world(scps: list, *, ous: list | None = None, members: list | None = None):
    accounts = {A: account(users=[user("admin", doc(allow("*")))]), B: account(users=[user("bea", doc(allow("*")))])}
    organization = {
        "id": "o-exampleorgid",
        "management_account": A,
        "root_id": "r-ab12",
        "scps": scps,
        "ous": ous or [{"id": "ou-ab12-11111111", "parent": "r-ab12", "accounts": [B]}],
    }
    if members is not None:
        organization["accounts"] = members
    return make_world(accounts, organization=organization)


BEA = f"arn:aws:iam::{B}:user/bea"


def test_s14_scp_explicit_deny():
    # S14, §4.1 fact 3 D-EVAL (H): an OU-level Deny applies to member accounts under it.
    world = scp_world([{"name": "NoEc2", "targets": ["ou-ab12-11111111"], "document": doc(deny("ec2:*"), allow("*"))}])
    decision = world.request(BEA, "ec2:RunInstances", "*")
    assert (decision.outcome, decision.denied_by) == ("explicitDeny", "scp")


def test_s16_scp_needs_an_allow_at_every_level():
    # S16 Organizations UG (M): the OU allows only s3; the account level (default FullAWSAccess) cannot help.
    world = scp_world([{"name": "OnlyS3", "targets": ["ou-ab12-11111111"], "document": doc(allow("s3:*"))}])
    assert not world.request(BEA, "ec2:DescribeInstances", "*").allowed
    assert world.request(BEA, "s3:ListAllMyBuckets", "*").allowed


def test_s17_management_account_is_exempt():
    # S17 Organizations UG (M): SCPs never restrict the management account.
    world = scp_world([{"name": "NoEc2", "targets": ["r-ab12"], "document": doc(deny("ec2:*"))}])
    assert world.request(f"arn:aws:iam::{A}:user/admin", "ec2:RunInstances", "*").allowed


def test_untargeted_levels_get_full_aws_access_and_non_members_no_scps():
    # world-format.md, D-SCP (H): levels that no SCP targets carry FullAWSAccess; outsiders have no SCPs.
    world = scp_world([])
    levels = world.scp_levels(B)
    assert len(levels) == 3 and all(len(level) == 1 for level in levels)
    assert world.request(BEA, "ec2:RunInstances", "*").allowed
    assert scp_world([], members=[]).scp_levels(B) == ()


def test_service_linked_roles_are_not_limited_by_scps():
    # §1.8 (M): SCPs do not restrict service-linked roles.
    world = scp_world([{"name": "NoEc2", "targets": [B], "document": doc(deny("*"))}])
    assert world.scp_levels(B, service_linked=True) == ()


# ---- IAM changes (world-format.md operations, §1.6, §1.9) --------------------------------------------------------


def iam_world():
    return make_world({A: account(users=[user("alice"), user("bob")], roles=[role("Deploy", trust({"AWS": ALICE}))])})


def test_put_trust_policy_with_a_missing_principal_is_refused_and_changes_nothing():
    # S50, §1.6 OBS (H); world-format.md: a rejected document leaves the world unchanged.
    world = iam_world()
    before = world.to_dict()
    with pytest.raises(PolicyError) as excinfo:
        world.update_assume_role_policy(DEPLOY, trust({"AWS": f"arn:aws:iam::{A}:role/Ghost"}))
    assert excinfo.value.message == f'Invalid principal in policy: "AWS":"arn:aws:iam::{A}:role/Ghost"'
    assert world.to_dict() == before


def test_f3_principal_lookup_at_save_ignores_case():
    # ⚠ F3 (§5.10, M): entity look-ups when saving a trust policy are case-insensitive.
    world = iam_world()
    world.update_assume_role_policy(DEPLOY, trust({"AWS": f"arn:aws:iam::{A}:user/ALICE"}))


def test_inline_policies_and_their_aggregate_quota():
    # S59, §1.9 D-QUOTA/OBS (H): role inline policies may total 10,240 non-whitespace characters.
    world = iam_world()
    world.put_inline_policy(DEPLOY, "small", doc(allow("s3:GetObject")))
    big = doc(*[allow(f"s3:GetObject{i:04d}", f"arn:aws:s3:::bucket-number-{i:04d}/*") for i in range(140)])
    with pytest.raises(IamError) as excinfo:
        world.put_inline_policy(DEPLOY, "big", big)
    assert (excinfo.value.code, excinfo.value.message) == (
        "LimitExceeded",
        "Maximum policy size of 10240 bytes exceeded for role Deploy",
    )
    assert list(world.find_role(DEPLOY).inline) == ["small"]
    with pytest.raises(IamError, match="Maximum policy size of 2048 bytes exceeded for user alice"):
        world.put_inline_policy(ALICE, "big", big)


def test_delete_inline_policy_that_does_not_exist():
    # IAM (OBS, H): "The role policy with name X cannot be found."
    world = iam_world()
    with pytest.raises(IamError) as excinfo:
        world.delete_inline_policy(DEPLOY, "nope")
    assert (excinfo.value.code, excinfo.value.message) == (
        "NoSuchEntity",
        "The role policy with name nope cannot be found.",
    )


def test_managed_policies_versions_and_attachment():
    # §1.9 D-QUOTA (H): five versions at most; attaching an unknown policy is NoSuchEntity (OBS, H).
    world = iam_world()
    arn = f"arn:aws:iam::{A}:policy/Ops"
    world.create_policy(A, "Ops", doc(allow("s3:GetObject")))
    for _ in range(4):
        world.create_policy_version(arn, doc(allow("s3:*")))
    with pytest.raises(IamError, match="up to 5 versions"):
        world.create_policy_version(arn, doc(allow("ec2:*")))
    world.attach_policy(ALICE, arn)
    assert world.request(ALICE, "s3:PutObject", "arn:aws:s3:::b/k").allowed
    with pytest.raises(IamError) as excinfo:
        world.attach_policy(ALICE, f"arn:aws:iam::{A}:policy/Ghost")
    assert excinfo.value.message == f"Policy arn:aws:iam::{A}:policy/Ghost does not exist or is not attachable."
    with pytest.raises(IamError, match=r"Cannot delete a policy attached to entities\."):
        world.delete_managed_policy(arn)
    world.detach_policy(ALICE, arn)
    with pytest.raises(IamError, match="was not found"):
        world.detach_policy(ALICE, arn)
    # DeletePolicy needs the non-default versions deleted first; the default goes with the policy
    # (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html; AWS's DeleteConflict text as
    # reported in https://github.com/rebuy-de/aws-nuke/issues/1).
    with pytest.raises(IamError) as excinfo:
        world.delete_managed_policy(arn)
    assert (excinfo.value.code, excinfo.value.http_status) == ("DeleteConflict", 409)
    assert excinfo.value.message.startswith("This policy has more than one version. Before you delete a policy")
    for version in ("v1", "v2", "v3", "v4"):
        world.delete_policy_version(arn, version)
    world.delete_managed_policy(arn)
    assert world.managed_policy(arn) is None


def test_s60_managed_policy_size_and_version():
    # S51, S60 §1.2/§1.9 (H): managed policies need Version 2012-10-17 and at most 6,144 characters.
    world = iam_world()
    with pytest.raises(PolicyError, match="version 2012-10-17 or greater"):
        world.create_policy(A, "Old", doc(allow("s3:*"), version="2008-10-17"))
    big = doc(*[allow(f"s3:GetObject{i:04d}", f"arn:aws:s3:::bucket-number-{i:04d}/*") for i in range(90)])
    with pytest.raises(PolicyError, match="Cannot exceed quota for PolicySize: 6144"):
        world.create_policy(A, "Big", big)


def test_attached_policy_quota():
    # §1.9 D-QUOTA/OBS (H, ⚠ F26 default 10): "Cannot exceed quota for PoliciesPerRole: 10".
    world = iam_world()
    for i in range(10):
        world.create_policy(A, f"P{i}", doc(allow("s3:GetObject")))
        world.attach_policy(DEPLOY, f"arn:aws:iam::{A}:policy/P{i}")
    world.create_policy(A, "P10", doc(allow("s3:GetObject")))
    with pytest.raises(IamError) as excinfo:
        world.attach_policy(DEPLOY, f"arn:aws:iam::{A}:policy/P10")
    assert (excinfo.value.code, excinfo.value.message) == (
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    )


def test_roles_per_account_quota():
    # §1.9 D-QUOTA (H): 1,000 roles by default (adjustable); quotas can be raised in the world file.
    world = make_world({A: account(quotas={"RolesPerAccount": 2})})
    world.create_role(A, "One", trust({"AWS": A}))
    world.create_role(A, "Two", trust({"AWS": A}))
    with pytest.raises(IamError, match="Cannot exceed quota for RolesPerAccount: 2"):
        world.create_role(A, "Three", trust({"AWS": A}))


def test_entity_names_are_unique_ignoring_case():
    # §5.10 D-QUOTA (H) and IAM's text (OBS, H): "Role with name X already exists."
    world = iam_world()
    with pytest.raises(IamError) as excinfo:
        world.create_role(A, "DEPLOY", trust({"AWS": ALICE}))
    assert (excinfo.value.code, excinfo.value.message) == (
        "EntityAlreadyExists",
        "Role with name DEPLOY already exists.",
    )
    with pytest.raises(IamError, match="A policy called"):
        world.create_policy(A, "x", doc(allow("s3:*")))
        world.create_policy(A, "X", doc(allow("s3:*")))


def test_create_role_validates_like_iam():
    # §1.9 API-IAM (H): names, paths, MaxSessionDuration 3,600–43,200, tags.
    world = iam_world()
    for kwargs in (
        {"name": "bad name"},
        {"name": "R", "path": "no-slash"},
        {"name": "R", "max_session_duration": 60},
        {"name": "R", "tags": [{"Key": "", "Value": "v"}]},
    ):
        name = kwargs.pop("name")
        with pytest.raises(ParameterError, match="validation error"):
            world.create_role(A, name, trust({"AWS": ALICE}), **kwargs)


def test_deleting_a_principal_leaves_its_unique_id_in_trust_policies():
    # §1.6 D-PRIN (H): a deleted entity shows as its unique id and no longer matches a re-created namesake.
    world = iam_world()
    bob_id = world.find_user(BOB).id
    world.update_assume_role_policy(DEPLOY, trust({"AWS": BOB}))
    world.delete_user(BOB)
    trust_doc = world.find_role(DEPLOY).trust.source()
    assert trust_doc["Statement"][0]["Principal"]["AWS"] == bob_id
    world.create_user(A, "bob")
    with pytest.raises(StsError):
        sts.assume_role(world, BOB, sts.AssumeRoleRequest(DEPLOY, "back"))


def test_delete_conflicts():
    # IAM (OBS, H): DeleteConflict until policies are removed.
    world = iam_world()
    world.put_inline_policy(DEPLOY, "p", doc(allow("s3:*")))
    with pytest.raises(IamError, match=r"Cannot delete entity, must delete policies first\."):
        world.delete_role(DEPLOY)
    world.delete_inline_policy(DEPLOY, "p")
    world.delete_role(DEPLOY)
    assert world.find_role(DEPLOY) is None


def test_resource_policy_and_boundary_operations():
    # world-format.md operations; S04/S05 rely on them.
    world = iam_world()
    bucket_policy = doc(
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::rep/*"}
    )
    world.put_resource_policy("arn:aws:s3:::rep", bucket_policy)
    assert world.request(ALICE, "s3:GetObject", "arn:aws:s3:::rep/q1.csv").allowed
    world.create_policy(A, "OnlyEc2", doc(allow("ec2:*")))
    world.put_permissions_boundary(ALICE, f"arn:aws:iam::{A}:policy/OnlyEc2")
    assert world.request(ALICE, "s3:GetObject", "arn:aws:s3:::rep/q1.csv").allowed  # S04: user-ARN grant
    world.delete_resource_policy("arn:aws:s3:::rep")
    assert not world.request(ALICE, "s3:GetObject", "arn:aws:s3:::rep/q1.csv").allowed


def test_scp_operations():
    world = scp_world([])
    world.put_control_policy("scp", "NoS3", [B], doc(deny("s3:*"), allow("*")))
    assert world.request(BEA, "s3:GetObject", "arn:aws:s3:::b/k").outcome == "explicitDeny"
    world.delete_control_policy("scp", "NoS3")
    assert world.request(BEA, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    with pytest.raises(IamError):
        iam_world().put_control_policy("scp", "X", [B], doc(allow("*")))


def test_bad_put_policy_steps_are_refused():
    # The scenario step put_policy maps each kind onto one typed World method (scenario.py).
    steps = [
        {"op": "put_policy", "kind": "bogus"},
        {"op": "put_policy", "kind": "trust", "target": DEPLOY},
        {
            "op": "put_policy",
            "kind": "inline",
            "target": f"arn:aws:iam::{A}:user/ghost",
            "name": "p",
            "document": doc(allow("*")),
        },
        {"op": "put_policy", "kind": "attach", "target": "not-an-arn", "policy_arn": "x"},
        {"op": "delete_policy", "kind": "trust", "target": DEPLOY},
    ]
    results = [outcome.result for outcome in run_steps(iam_world(), steps)]
    assert [r["ok"] for r in results] == [False] * 5
    assert results[1]["error"]["parameter"] == "PolicyDocument"


def test_users_groups_keys_and_profiles():
    world = iam_world()
    group = world.create_group(A, "devs")
    world.put_inline_policy(group.arn, "g", doc(allow("ec2:*")))
    world.add_user_to_group(ALICE, "devs")
    assert world.request(ALICE, "ec2:RunInstances", "*").allowed
    key = world.create_access_key(ALICE)
    assert key.id.startswith("AKIA") and world.caller(key.id).arn == ALICE
    world.create_access_key(ALICE)
    with pytest.raises(IamError, match="AccessKeysPerUser: 2"):
        world.create_access_key(ALICE)
    profile = world.add_instance_profile(DEPLOY, "web")
    assert profile.arn == f"arn:aws:iam::{A}:instance-profile/web" and profile.id.startswith("AIPA")
    with pytest.raises(IamError, match="must remove roles from instance profile first"):
        world.delete_role(DEPLOY)


# ---- the clock ---------------------------------------------------------------------------------------------------


def test_clock_advances_and_sets():
    world = iam_world()
    assert world.clock.advance(90).isoformat() == "2026-01-01T09:01:30+00:00"
    world.clock.set("2026-06-01T00:00:00Z")
    assert world.clock.now().month == 6
    for bad in (-1, "soon", True, float("nan")):
        with pytest.raises(ParameterError):
            world.clock.advance(bad)
    with pytest.raises(ParameterError):
        world.clock.set("not a date")


def test_s44_current_time_follows_the_clock():
    # S44, §3.2 D-GKEYS (H): aws:CurrentTime is the world's clock.
    policy = doc(allow("s3:*", Condition={"DateLessThan": {"aws:CurrentTime": "2026-06-30T23:59:59Z"}}))
    world = make_world({A: account(users=[user("alice", policy)])})
    world.clock.set("2026-06-01T00:00:00Z")
    assert world.request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    world.clock.set("2026-07-01T00:00:00Z")
    assert not world.request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k").allowed


# ---- performance -------------------------------------------------------------------------------------------------


def big_world_data() -> dict:
    roles = [
        role(
            f"role-{i}",
            trust({"AWS": f"arn:aws:iam::{A}:root"}),
            *[doc(allow(f"s3:Get{j}", f"arn:aws:s3:::bucket-{i}-{j}/*")) for j in range(5)],
        )
        for i in range(1000)
    ]
    return {"clock": CLOCK, "accounts": {A: account(roles=roles, quotas={"RolesPerAccount": 1000})}}


def test_loading_1000_roles_and_5000_policies_stays_small():
    # Brief: 1,000 roles and 5,000 policies load in under 1 s and 200 MB. Memory traced by tracemalloc is
    # deterministic, so it is checked here; the load time is `python -m iamtutor.engine bench`'s load row.
    data = big_world_data()
    world = World.from_dict(data)
    tracemalloc.start()
    World.from_dict(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(world.accounts[A].roles) == 1000
    assert peak < 200 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"


# ---- RCPs and KMS key policies (§1.8 D-RCP, §4.1 fact 5) ---------------------------------------------------------


def rcp_world():
    outsiders = doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorgid"}},
        }
    )
    bucket = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
    accounts = {
        A: account(users=[user("admin")], resources=[{"arn": "arn:aws:s3:::mgmt", "policy": bucket}]),
        B: account(
            users=[user("bea", doc(allow("s3:*")))], resources=[{"arn": "arn:aws:s3:::member", "policy": bucket}]
        ),
        "333333333333": account(users=[user("mallory", doc(allow("s3:*")))]),
    }
    organization = {
        "id": "o-exampleorgid",
        "management_account": A,
        "accounts": [A, B],
        "rcps": [{"name": "DenyOutsiders", "targets": [A, B], "document": outsiders}],
    }
    return make_world(accounts, organization=organization)


def test_rcps_deny_outsiders_on_member_resources_only():
    # §1.8 D-RCP (H): RCPs bind member accounts' resources, never the management account's.
    world = rcp_world()
    mallory = "arn:aws:iam::333333333333:user/mallory"
    decision = world.request(mallory, "s3:GetObject", "arn:aws:s3:::member/x")
    assert (decision.outcome, decision.denied_by) == ("explicitDeny", "rcp")
    assert world.request(BEA, "s3:GetObject", "arn:aws:s3:::member/x").allowed
    assert world.request(mallory, "s3:GetObject", "arn:aws:s3:::mgmt/x").allowed


def test_rcp_levels_default_to_rcp_full_aws_access():
    # §1.8 D-RCP (H): RCPFullAWSAccess is attached at every level; only supported services are governed (⚠ F23).
    world = rcp_world()
    assert len(world.rcp_levels(B, "s3:GetObject")) == 2
    assert world.rcp_levels(B, "ec2:RunInstances") == ()
    assert world.rcp_levels(A, "s3:GetObject") == ()
    saved = world.to_dict()
    assert saved["organization"]["rcps"][0]["name"] == "DenyOutsiders"
    assert World.from_dict(saved).to_dict() == saved


def test_kms_key_policy_must_itself_allow():
    # §4.1 fact 5 D-EVAL (H): like trust policies, KMS key policies must allow the principal or its account.
    key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    other = "arn:aws:kms:us-east-1:111111111111:key/0000abcd-12ab-34cd-56ef-1234567890ab"
    resources = [
        {
            "arn": key,
            "policy": doc(
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*", "Resource": "*"}
            ),
        },
        {
            "arn": other,
            "policy": doc({"Effect": "Allow", "Principal": {"AWS": DEPLOY}, "Action": "kms:*", "Resource": "*"}),
        },
    ]
    world = make_world(
        {
            A: account(
                users=[user("alice", doc(allow("kms:Decrypt")))],
                roles=[role("Deploy", trust({"AWS": ALICE}))],
                resources=resources,
            )
        }
    )
    assert world.request(ALICE, "kms:Decrypt", key).allowed
    assert world.request(ALICE, "kms:Decrypt", other).outcome == "implicitDeny"


def test_lazy_load_defers_parsing_to_first_use():
    # Brief: a saved (already validated) world may load lazily; a bad document then fails when first used,
    # still as an EngineError.
    data = {"clock": CLOCK, "accounts": {A: account(users=[user("alice", {"Statement": "nonsense"})])}}
    world = World.from_dict(data, lazy=True)
    with pytest.raises(PolicyError):
        world.request(ALICE, "s3:GetObject", "*")
    good = rich_world().to_dict()
    assert World.from_dict(good, lazy=True).to_dict() == good


def test_update_role_changes_description_duration_and_tags_or_nothing():
    # §1.9 API-IAM (H): MaxSessionDuration 3,600–43,200; tags ≤ 50, key 1–128; description ≤ 1,000.
    from iamtutor.engine.errors import ParameterError

    world = make_world({A: account(roles=[role("Deploy", trust({"AWS": A}))])})
    arn = f"arn:aws:iam::{A}:role/Deploy"
    world.update_role(arn, description="Deploys", max_session_duration=7200, tags=[{"Key": "team", "Value": "ops"}])
    updated = world.find_role(arn)
    assert (updated.description, updated.max_session_duration, updated.tags) == ("Deploys", 7200, [("team", "ops")])
    with pytest.raises(ParameterError):
        world.update_role(arn, description="Other", max_session_duration=43201)
    assert (updated.description, updated.max_session_duration) == ("Deploys", 7200)


# ---- what a request works out once per caller (World.revision, World._fresh_caches) --------------------------------


def test_every_change_bumps_the_revision_and_a_cached_caller_sees_it():
    # Ours: the request path keeps per-caller work while the world and the clock stay the same.
    world = iam_world()
    assert not world.request(ALICE, "ec2:RunInstances", "*").allowed
    before = world.revision
    world.put_inline_policy(ALICE, "ec2", doc(allow("ec2:RunInstances")))
    assert world.revision > before
    assert world.request(ALICE, "ec2:RunInstances", "*").allowed
    world.delete_inline_policy(ALICE, "ec2")
    assert not world.request(ALICE, "ec2:RunInstances", "*").allowed


def test_resource_keys_follow_each_resource_and_its_changes():
    # §3.2 (H): aws:ResourceAccount and aws:ResourceTag/* describe the resource named, so a caller's requests
    # for resources of one account share the account's keys but never another resource's tags.
    tagged = {"StringEquals": {"aws:ResourceTag/team": "ops"}}
    world = make_world(
        {
            A: account(
                users=[user("alice", doc(allow("iam:GetRole", Condition=tagged)))],
                roles=[
                    role("Deploy", trust({"AWS": ALICE}), Tags=[{"Key": "team", "Value": "ops"}]),
                    role("Build", trust({"AWS": ALICE})),
                ],
            )
        }
    )
    build = f"arn:aws:iam::{A}:role/Build"
    assert world.request(ALICE, "iam:GetRole", DEPLOY).allowed
    assert not world.request(ALICE, "iam:GetRole", build).allowed
    assert world.request(ALICE, "iam:GetRole", DEPLOY).allowed
    world.update_role(build, tags=[{"Key": "team", "Value": "ops"}])
    world.update_role(DEPLOY, tags=[{"Key": "team", "Value": "dev"}])
    assert world.request(ALICE, "iam:GetRole", build).allowed
    assert not world.request(ALICE, "iam:GetRole", DEPLOY).allowed


def test_the_per_caller_resource_keys_are_bounded(monkeypatch):
    # Ours: no unbounded work or memory per request (common brief); the keys kept per caller start afresh.
    from iamtutor.engine import world_request

    monkeypatch.setattr(world_request, "_MAX_CACHED_RESOURCE_CONTEXTS", 2)
    only_a = {"StringEquals": {"aws:ResourceAccount": A}}
    world = make_world({A: account(users=[user("alice", doc(allow("sqs:SendMessage", Condition=only_a)))])})
    for owner in (B, "333333333333", A, B, A):  # aws:ResourceAccount comes from the queue ARN
        allowed = world.request(ALICE, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{owner}:jobs").allowed
        assert allowed == (owner == A)
    assert len(world._caller_facts(ALICE).resource_contexts) <= 2


def test_a_refused_change_still_bumps_the_revision():
    world = iam_world()
    before = world.revision
    with pytest.raises(IamError):
        world.delete_inline_policy(DEPLOY, "nope")
    assert world.revision == before + 1


def test_a_cached_session_expires_when_the_clock_moves():
    # §5.9 (H): expired credentials answer ExpiredToken, whatever was worked out before.
    world = iam_world()
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "s-1", duration_seconds=900), session_id="s1")
    world.request("s1", "s3:GetObject", "*")
    world.clock.advance(901)
    with pytest.raises(StsError) as excinfo:
        world.request("s1", "s3:GetObject", "*")
    assert excinfo.value.code == "ExpiredToken"


def test_request_events_are_rendered_when_read_and_read_the_same_every_time():
    world = iam_world()
    world.request(ALICE, "s3:GetObject", "arn:aws:s3:::reports/q1.csv", {"aws:SourceIp": "203.0.113.7"})
    event = world.events[-1]
    assert event is world.events[-1]  # rendered once
    assert (event["eventName"], event["sourceIPAddress"], event["errorCode"]) == (
        "GetObject",
        "203.0.113.7",
        "AccessDenied",
    )
    assert list(world.events) == world.events[:] and len(world.events) == 1
