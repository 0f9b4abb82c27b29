"""Decisions name the statements they matched by stable ids, and the ids resolve to the stored documents."""

from __future__ import annotations

import json

import pytest

from iamtutor.engine import (
    AssumeRoleRequest,
    PolicyRef,
    Request,
    StatementRef,
    assume_role,
    evaluate,
    parse_policy,
    resolve_statement,
)
from iamtutor.engine.principals import Caller

from .world_builders import ALICE, DEPLOY, A, B, account, allow, deny, doc, make_world, role, trust, user

BEA = f"arn:aws:iam::{B}:user/bea"
READ_ONLY = f"arn:aws:iam::{A}:policy/ReadOnly"
BOUNDARY = f"arn:aws:iam::{A}:policy/Boundary"
BUCKET = "arn:aws:s3:::reports"
FULL_AWS_ACCESS = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"


def _world():
    alice = user(
        "alice",
        doc({"Sid": "ListAll", **allow("s3:List*")}),
        AttachedManagedPolicies=[{"PolicyName": "ReadOnly", "PolicyArn": READ_ONLY}],
        GroupList=["devs"],
        PermissionsBoundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": BOUNDARY},
    )
    managed = [
        {
            "PolicyName": "ReadOnly",
            "DefaultVersionId": "v2",
            "PolicyVersionList": [
                {"VersionId": "v1", "IsDefaultVersion": False, "Document": doc(allow("s3:Get*"))},
                {"VersionId": "v2", "IsDefaultVersion": True, "Document": doc({"Sid": "Everything", **allow("s3:*")})},
            ],
        },
        {
            "PolicyName": "Boundary",
            "PolicyVersionList": [
                {"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow(["s3:*", "sts:*", "ec2:*"]))}
            ],
        },
    ]
    groups = [{"GroupName": "devs", "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": doc(allow("ec2:*"))}]}]
    bucket_policy = doc({"Sid": "Bea", "Effect": "Allow", "Principal": {"AWS": BEA}, "Action": "s3:*", "Resource": "*"})
    organization = {
        "id": "o-exampleorgid",
        "management_account": A,
        "root_id": "r-ab12",
        "ous": [{"id": "ou-ab12-11111111", "parent": "r-ab12", "accounts": [B]}],
        "scps": [{"name": "NoLeave", "targets": ["ou-ab12-11111111"], "document": doc(deny("ec2:*"), allow("*"))}],
    }
    return make_world(
        {
            A: account(
                users=[alice],
                roles=[role("Deploy", trust({"AWS": ALICE}), doc(allow("s3:*")))],
                GroupDetailList=groups,
                Policies=managed,
                resources=[{"arn": BUCKET, "policy": bucket_policy}],
            ),
            B: account(users=[user("bea", doc(allow("*")))]),
        },
        organization=organization,
    )


def _refs(decision) -> list[tuple[str, PolicyRef, int, str | None]]:
    return [(m.source, m.ref.policy, m.ref.index, m.ref.sid) for m in decision.matched]


def test_identity_boundary_and_group_statements_carry_their_policy_ids():
    world = _world()
    decision = world.request(ALICE, "s3:ListBucket", BUCKET)
    assert decision.allowed
    refs = _refs(decision)
    assert ("identity", PolicyRef("inline", ALICE, "p0"), 0, "ListAll") in refs
    assert ("identity", PolicyRef("managed", name=READ_ONLY, version="v2"), 0, "Everything") in refs
    assert ("boundary", PolicyRef("managed", name=BOUNDARY, version="v1"), 0, None) in refs
    group = world.request(ALICE, "ec2:DescribeInstances", "*")
    assert ("identity", PolicyRef("inline", f"arn:aws:iam::{A}:group/devs", "g"), 0, None) in _refs(group)


def test_trust_resource_and_scp_statements_carry_their_policy_ids():
    world = _world()
    assumed = world.build_request(world.identify(ALICE), "sts:AssumeRole", DEPLOY)
    assert _refs(evaluate(assumed))[0][:2] == ("trust", PolicyRef("trust", DEPLOY))
    bucket = world.request(BEA, "s3:GetObject", BUCKET)
    assert ("resource", PolicyRef("resource", BUCKET), 0, "Bea") in _refs(bucket)
    denied = world.request(BEA, "ec2:RunInstances", "*")
    assert _refs(denied) == [("scp", PolicyRef("scp", name="NoLeave"), 0, None)]
    allowed = _refs(world.request(BEA, "s3:ListAllMyBuckets", "*"))
    assert ("scp", PolicyRef("scp", name=FULL_AWS_ACCESS), 0, None) in allowed


def test_session_policy_statements_name_the_session():
    world = _world()
    session_policy = json.dumps(doc({"Sid": "OnlyList", **allow("s3:List*")}))
    result = assume_role(world, ALICE, AssumeRoleRequest(DEPLOY, "work", policy=session_policy))
    key = result["credentials"]["AccessKeyId"]
    decision = world.request(key, "s3:ListBucket", BUCKET)
    [session_ref] = [m.ref for m in decision.matched if m.source == "session"]
    assert session_ref.policy.kind == "session" and session_ref.sid == "OnlyList"
    resolved = resolve_statement(world, session_ref)
    assert resolved is not None and resolved.statement["Sid"] == "OnlyList"


def test_every_reference_resolves_to_the_stored_document_and_statement():
    world = _world()
    decisions = [
        world.request(ALICE, "s3:ListBucket", BUCKET),
        world.request(ALICE, "ec2:DescribeInstances", "*"),
        world.request(BEA, "s3:GetObject", BUCKET),
        world.request(BEA, "ec2:RunInstances", "*"),
        world.request(BEA, "s3:ListAllMyBuckets", "*"),
        evaluate(world.build_request(world.identify(ALICE), "sts:AssumeRole", DEPLOY)),
    ]
    for matched in (m for d in decisions for m in d.matched):
        resolved = resolve_statement(world, matched.ref)
        assert resolved is not None, matched
        assert resolved.json_path == matched.json_path
        assert resolved.statement["Effect"] == matched.effect
        assert resolved.statement.get("Sid") == matched.sid
        assert resolved.document["Statement"][matched.index] == resolved.statement
    managed = next(m.ref for m in decisions[0].matched if m.ref.policy.kind == "managed" and m.source == "identity")
    resolved = resolve_statement(world, managed)
    assert resolved.name == READ_ONLY and resolved.statement["Action"] == "s3:*"  # v2, the version that matched


def test_a_reference_to_a_policy_the_world_no_longer_holds_resolves_to_none():
    world = _world()
    [inline] = [m.ref for m in world.request(ALICE, "s3:ListBucket", BUCKET).matched if m.ref.policy.kind == "inline"]
    assert resolve_statement(world, StatementRef(inline.policy, 5, None)) is None
    assert resolve_statement(world, StatementRef(inline.policy, 0, "OtherSid")) is None
    world.delete_inline_policy(ALICE, "p0")
    assert resolve_statement(world, inline) is None
    assert resolve_statement(world, StatementRef(PolicyRef("unknown"), 0)) is None


def test_a_policy_parsed_on_its_own_has_no_reference_and_the_decision_keeps_its_request():
    policy = parse_policy(doc(allow("s3:*")), "identity")
    caller = Caller(type="user", arn=ALICE, account=A)
    request = Request(caller, "s3:GetObject", BUCKET, None, {}, identity_policies=(policy,))
    decision = evaluate(request)
    assert decision.allowed and decision.matched[0].ref is None
    assert decision.request is request


def test_tagging_a_policy_is_done_once_per_document():
    policy = parse_policy(doc(allow("s3:*")), "identity")
    ref = PolicyRef("inline", ALICE, "p0")
    tagged = policy.tagged("inline", ALICE, "p0")
    assert tagged is policy.tagged("inline", ALICE, "p0") and tagged.tagged("inline", ALICE, "p0") is tagged
    assert tagged == policy and tagged.ref == ref and policy.ref is None


@pytest.mark.parametrize("kind", ["inline", "managed", "trust", "resource", "scp", "rcp", "session"])
def test_an_unknown_owner_of_any_kind_resolves_to_none(kind):
    ref = StatementRef(PolicyRef(kind, "arn:aws:iam::111111111111:user/nobody", "nothing"), 0)
    assert resolve_statement(_world(), ref) is None
