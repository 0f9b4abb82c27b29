"""Engine errors name the AWS API parameter they are about (``err.parameter``), so an interface can put each
error next to its field without reading the message; ``to_dict`` carries it as ``parameter``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from iamtutor.engine import sts
from iamtutor.engine.errors import EngineError, ParameterError, PolicyError
from iamtutor.engine.world import World
from tests.engine.world_builders import ALICE, DEPLOY, A, account, allow, doc, make_world, role, trust, user

POLICY = f"arn:aws:iam::{A}:policy/ReadOnly"
GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


def world() -> World:
    managed = {
        "PolicyName": "ReadOnly",
        "Arn": POLICY,
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow("s3:Get*"))}],
    }
    return make_world(
        {
            A: account(
                [user("alice", doc(allow("*")), MFADevices=[{"SerialNumber": f"arn:aws:iam::{A}:mfa/alice"}])],
                [role("Deploy", trust({"AWS": ALICE}), MaxSessionDuration=3600)],
                Policies=[managed],
                identity_providers=[{"type": "oidc", "arn": GITHUB, "audiences": ["sts.amazonaws.com"]}],
            )
        }
    )


def test_to_dict_carries_the_parameter_only_when_set() -> None:
    assert ParameterError("bad", parameter="RoleName").to_dict() == {
        "code": "ValidationError",
        "message": "bad",
        "parameter": "RoleName",
    }
    assert "parameter" not in ParameterError("bad").to_dict()
    assert EngineError("x").parameter is None


# Each case: an IAM change that fails, and the AWS API parameter the failure is about (API-IAM names).
IAM_CASES: dict[str, tuple[Callable[[World], object], str]] = {
    "CreateRole bad name": (lambda w: w.create_role(A, "bad name!", trust({"AWS": ALICE})), "RoleName"),
    "CreateRole duplicate": (lambda w: w.create_role(A, "deploy", trust({"AWS": ALICE})), "RoleName"),
    "CreateRole bad path": (lambda w: w.create_role(A, "R", trust({"AWS": ALICE}), path="no-slash"), "Path"),
    "CreateRole long description": (
        lambda w: w.create_role(A, "R", trust({"AWS": ALICE}), description="d" * 1001),
        "Description",
    ),
    "CreateRole duration": (
        lambda w: w.create_role(A, "R", trust({"AWS": ALICE}), max_session_duration=60),
        "MaxSessionDuration",
    ),
    "CreateRole tags": (
        lambda w: w.create_role(A, "R", trust({"AWS": ALICE}), tags=[{"Key": "", "Value": "x"}]),
        "Tags",
    ),
    "CreateRole duplicate tags": (
        lambda w: w.create_role(A, "R", trust({"AWS": ALICE}), tags={"team": "a", "TEAM": "b"}),
        "Tags",
    ),
    "CreateRole malformed trust": (lambda w: w.create_role(A, "R", {"Statement": 3}), "AssumeRolePolicyDocument"),
    "CreateRole unknown principal": (
        lambda w: w.create_role(A, "R", trust({"AWS": f"arn:aws:iam::{A}:user/ghost"})),
        "AssumeRolePolicyDocument",
    ),
    "CreateRole boundary": (
        lambda w: w.create_role(A, "R", trust({"AWS": ALICE}), boundary=f"arn:aws:iam::{A}:policy/Ghost"),
        "PermissionsBoundary",
    ),
    "UpdateRole unknown role": (lambda w: w.update_role(f"arn:aws:iam::{A}:role/Ghost", description="x"), "RoleName"),
    "UpdateRole duration": (lambda w: w.update_role(DEPLOY, max_session_duration=50_000), "MaxSessionDuration"),
    "UpdateAssumeRolePolicy malformed": (
        lambda w: w.update_assume_role_policy(DEPLOY, "{"),
        "AssumeRolePolicyDocument",
    ),
    "PutRolePolicy bad name": (
        lambda w: w.put_inline_policy(DEPLOY, "no spaces allowed", doc(allow("*"))),
        "PolicyName",
    ),
    "PutRolePolicy malformed": (lambda w: w.put_inline_policy(DEPLOY, "p", {"Version": 1}), "PolicyDocument"),
    "PutRolePolicy too big": (
        lambda w: w.put_inline_policy(DEPLOY, "p", doc(*[allow(f"s3:Get{i:05}") for i in range(600)])),
        "PolicyDocument",
    ),
    "DeleteRolePolicy unknown": (lambda w: w.delete_inline_policy(DEPLOY, "nope"), "PolicyName"),
    "CreatePolicy duplicate": (lambda w: w.create_policy(A, "readonly", doc(allow("*"))), "PolicyName"),
    "CreatePolicy malformed": (lambda w: w.create_policy(A, "New", {"Statement": []}), "PolicyDocument"),
    "DeletePolicy unknown": (lambda w: w.delete_managed_policy(f"arn:aws:iam::{A}:policy/Ghost"), "PolicyArn"),
    "AttachRolePolicy unknown policy": (
        lambda w: w.attach_policy(DEPLOY, f"arn:aws:iam::{A}:policy/Ghost"),
        "PolicyArn",
    ),
    "AttachRolePolicy unknown role": (
        lambda w: w.attach_policy(f"arn:aws:iam::{A}:role/Ghost", POLICY),
        "RoleName",
    ),
    "DetachRolePolicy not attached": (lambda w: w.detach_policy(DEPLOY, POLICY), "PolicyArn"),
    "PutRolePermissionsBoundary unknown": (
        lambda w: w.put_permissions_boundary(DEPLOY, f"arn:aws:iam::{A}:policy/Ghost"),
        "PermissionsBoundary",
    ),
    "CreateUser duplicate": (lambda w: w.create_user(A, "ALICE"), "UserName"),
    "CreateGroup bad name": (lambda w: w.create_group(A, "a b"), "GroupName"),
    "AddUserToGroup unknown group": (lambda w: w.add_user_to_group(ALICE, "ghosts"), "GroupName"),
    "DeleteAccessKey unknown": (lambda w: w.delete_access_key("AKIAUNKNOWN000000000"), "AccessKeyId"),
    "CreateInstanceProfile bad name": (lambda w: w.add_instance_profile(DEPLOY, "a b"), "InstanceProfileName"),
    "RemoveRoleFromInstanceProfile unknown": (
        lambda w: w.remove_instance_profile(DEPLOY, "ghost"),
        "InstanceProfileName",
    ),
}


@pytest.mark.parametrize("case", IAM_CASES)
def test_iam_change_errors_name_their_parameter(case: str) -> None:
    change, parameter = IAM_CASES[case]
    with pytest.raises(EngineError) as caught:
        change(world())
    assert caught.value.parameter == parameter
    assert caught.value.to_dict()["parameter"] == parameter


# AssumeRole's parameters (API-STS names) and a value of each that fails.
ASSUME_CASES: dict[str, tuple[dict, str]] = {
    "RoleArn too short": ({"role_arn": "arn:aws:iam::1"}, "RoleArn"),
    "RoleArn not a role": ({"role_arn": f"arn:aws:iam::{A}:user/alice"}, "RoleArn"),
    "RoleSessionName pattern": ({"session_name": "has space"}, "RoleSessionName"),
    "DurationSeconds range": ({"duration_seconds": 60}, "DurationSeconds"),
    "DurationSeconds over MaxSessionDuration": ({"duration_seconds": 7200}, "DurationSeconds"),
    "ExternalId length": ({"external_id": "x"}, "ExternalId"),
    "SourceIdentity prefix": ({"source_identity": "aws:me"}, "SourceIdentity"),
    "Policy too long": ({"policy": doc(allow("s3:" + "G" * 3000))}, "Policy"),
    "Policy malformed": ({"policy": {"Version": "2012-10-17", "Statement": 3}}, "Policy"),
    "PolicyArns too many": ({"policy_arns": [POLICY] * 11}, "PolicyArns"),
    "PolicyArns unknown": ({"policy_arns": [f"arn:aws:iam::{A}:policy/Ghost"]}, "PolicyArns"),
    "Tags key": ({"tags": [{"Key": "", "Value": "v"}]}, "Tags"),
    "TransitiveTagKeys not passed": ({"tags": {"a": "1"}, "transitive_tag_keys": ["b"]}, "TransitiveTagKeys"),
    "SerialNumber short": ({"mfa": {"serial": "x", "token_code": "123456"}}, "SerialNumber"),
    "SerialNumber unknown device": (
        {"mfa": {"serial": f"arn:aws:iam::{A}:mfa/bob", "token_code": "123456"}},
        "SerialNumber",
    ),
    "TokenCode digits": ({"mfa": {"serial": f"arn:aws:iam::{A}:mfa/alice", "token_code": "12ab56"}}, "TokenCode"),
}


@pytest.mark.parametrize("case", ASSUME_CASES)
def test_assume_role_errors_name_their_parameter(case: str) -> None:
    overrides, parameter = ASSUME_CASES[case]
    arguments = {"role_arn": DEPLOY, "session_name": "s1", **overrides}
    role_arn, session_name = arguments.pop("role_arn"), arguments.pop("session_name")
    with pytest.raises(EngineError) as caught:
        sts.assume_role(world(), ALICE, sts.AssumeRoleRequest(role_arn, session_name, **arguments))
    assert caught.value.parameter == parameter


def test_web_identity_token_errors_name_the_token() -> None:
    with pytest.raises(EngineError) as caught:
        sts.assume_role_with_web_identity(
            world(), sts.WebIdentityRequest(GITHUB, DEPLOY, "s1", {"aud": "someone-else"})
        )
    assert caught.value.parameter == "WebIdentityToken"


def test_get_session_token_duration_names_duration_seconds() -> None:
    with pytest.raises(ParameterError) as caught:
        sts.get_session_token(world(), ALICE, duration_seconds=10)
    assert caught.value.parameter == "DurationSeconds"


@pytest.mark.parametrize(
    ("action", "resource", "context", "parameter"),
    [
        ("GetObject", "*", None, "ActionNames"),
        ("s3:GetObject", "", None, "ResourceArns"),
        ("s3:GetObject", "*", {"aws:SourceIp": {"nested": 1}}, "ContextEntries"),
    ],
)
def test_request_errors_name_simulate_principal_policy_parameters(action, resource, context, parameter) -> None:
    with pytest.raises(ParameterError) as caught:
        world().request(ALICE, action, resource, context)
    assert caught.value.parameter == parameter


def test_a_document_error_keeps_its_location_and_gains_its_parameter() -> None:
    with pytest.raises(PolicyError) as caught:
        world().put_inline_policy(DEPLOY, "p", '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}')
    assert caught.value.parameter == "PolicyDocument"
    assert caught.value.json_path.startswith("$.Statement[0]")


def test_errors_that_share_a_parameter_name_their_rule() -> None:
    """One parameter can fail by several rules; ``err.rule`` says which, so no interface reads the message.
    DurationSeconds past the role's MaxSessionDuration and past role chaining's 1-hour cap are both
    ValidationError on DurationSeconds (API-STS AssumeRole, "DurationSeconds"; IAM User Guide, "Role chaining")."""
    w = world()
    with pytest.raises(ParameterError) as over_max:
        sts.assume_role(w, ALICE, sts.AssumeRoleRequest(DEPLOY, "s1", duration_seconds=7200))
    assert (over_max.value.parameter, over_max.value.rule) == ("DurationSeconds", "max_session_duration")
    w.create_role(A, "Next", trust({"AWS": DEPLOY}), max_session_duration=43200)
    first = sts.assume_role(w, ALICE, sts.AssumeRoleRequest(DEPLOY, "s1"))
    with pytest.raises(ParameterError) as chained:
        sts.assume_role(
            w, first["session_id"], sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/Next", "s2", duration_seconds=7200)
        )
    assert (chained.value.parameter, chained.value.rule) == ("DurationSeconds", "role_chaining_cap")
    with pytest.raises(EngineError) as audience:
        sts.assume_role_with_web_identity(w, sts.WebIdentityRequest(GITHUB, DEPLOY, "s1", {"aud": "someone-else"}))
    assert (audience.value.code, audience.value.rule) == ("InvalidIdentityToken", "token_audience")
    assert "rule" not in chained.value.to_dict()  # the engine's own id, not part of AWS's wire error


def test_an_unknown_rule_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown error rule"):
        ParameterError("x", rule="no_such_rule")
