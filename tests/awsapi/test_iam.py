"""IAM through the endpoint with boto3: each call authorized by the engine as the caller, IAM's validation
messages, and the simulator answered by the engine."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from iamtutor.sandbox.models import AuditEvent

from .conftest import ACCOUNT, Key

pytestmark = pytest.mark.django_db(transaction=True)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "sts:AssumeRole"}
        ],
    }
)
READ = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


def error(caught) -> tuple[int, str, str]:
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_low_privilege_user_is_denied_create_role(client_for, bob_key, sandbox):
    with pytest.raises(ClientError) as caught:
        client_for("iam", bob_key).create_role(RoleName="Sneaky", AssumeRolePolicyDocument=TRUST)
    status, code, message = error(caught)
    assert (status, code) == (403, "AccessDenied")
    assert message.startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: iam:CreateRole on resource: "
        f"arn:aws:iam::{ACCOUNT}:role/Sneaky"
    )
    assert AuditEvent.objects.filter(sandbox=sandbox, error_code="AccessDenied").exists()


def test_read_only_user_reads_but_cannot_write(client_for, alice_key):
    iam = client_for("iam", alice_key)
    assert "ReportsReader" in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    with pytest.raises(ClientError) as caught:
        iam.delete_role(RoleName="ReportsReader")
    assert error(caught)[1] == "AccessDenied"


def test_role_lifecycle(client_for, admin_key):
    iam = client_for("iam", admin_key)
    created = iam.create_role(
        RoleName="Builder", AssumeRolePolicyDocument=TRUST, Description="builds", Tags=[{"Key": "team", "Value": "a"}]
    )
    assert created["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/Builder"
    assert created["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    iam.update_role(RoleName="Builder", MaxSessionDuration=7200)
    assert iam.get_role(RoleName="Builder")["Role"]["MaxSessionDuration"] == 7200
    iam.put_role_policy(RoleName="Builder", PolicyName="read", PolicyDocument=READ)
    assert iam.list_role_policies(RoleName="Builder")["PolicyNames"] == ["read"]
    assert (
        iam.get_role_policy(RoleName="Builder", PolicyName="read")["PolicyDocument"]["Statement"][0]["Action"]
        == "s3:GetObject"
    )
    arn = iam.create_policy(PolicyName="Boundary", PolicyDocument=READ)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="Builder", PolicyArn=arn)
    assert iam.list_attached_role_policies(RoleName="Builder")["AttachedPolicies"] == [
        {"PolicyName": "Boundary", "PolicyArn": arn}
    ]
    iam.put_role_permissions_boundary(RoleName="Builder", PermissionsBoundary=arn)
    assert iam.get_role(RoleName="Builder")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    iam.tag_role(RoleName="Builder", Tags=[{"Key": "env", "Value": "dev"}])
    iam.untag_role(RoleName="Builder", TagKeys=["team"])
    assert iam.list_role_tags(RoleName="Builder")["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.update_assume_role_policy(RoleName="Builder", PolicyDocument=TRUST)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=READ, SetAsDefault=True)
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v1", "v2"]
    with pytest.raises(ClientError) as caught:
        iam.delete_role(RoleName="Builder")
    assert error(caught)[:2] == (409, "DeleteConflict")
    iam.delete_role_policy(RoleName="Builder", PolicyName="read")
    iam.detach_role_policy(RoleName="Builder", PolicyArn=arn)
    iam.delete_role_permissions_boundary(RoleName="Builder")  # the engine counts a boundary as a policy to remove
    iam.delete_role(RoleName="Builder")
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName="Builder")
    assert error(caught) == (404, "NoSuchEntity", "The role with name Builder cannot be found.")


def test_create_role_with_a_bad_trust_policy_gets_iams_message(client_for, admin_key):
    bad = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Resource": "*"}],
        }
    )
    with pytest.raises(ClientError) as caught:
        client_for("iam", admin_key).create_role(RoleName="Bad", AssumeRolePolicyDocument=bad)
    status, code, message = error(caught)
    assert (status, code) == (400, "MalformedPolicyDocument")
    assert "Resource" in message


def test_duplicate_role_is_entity_already_exists(client_for, admin_key):
    with pytest.raises(ClientError) as caught:
        client_for("iam", admin_key).create_role(RoleName="reportsreader", AssumeRolePolicyDocument=TRUST)
    assert error(caught)[:2] == (409, "EntityAlreadyExists")


def test_users_and_access_keys(client_for, admin_key, endpoint):
    iam = client_for("iam", admin_key)
    iam.create_user(UserName="dev")
    made = iam.create_access_key(UserName="dev")["AccessKey"]
    listed = iam.list_access_keys(UserName="dev")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [made["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]
    # The new key works at once, and stops working when deleted.
    dev = Key(made["AccessKeyId"], made["SecretAccessKey"])
    assert client_for("sts", dev).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/dev"
    iam.delete_access_key(UserName="dev", AccessKeyId=made["AccessKeyId"])
    with pytest.raises(ClientError) as caught:
        client_for("sts", dev).get_caller_identity()
    assert error(caught)[1] == "InvalidClientTokenId"
    iam.delete_user(UserName="dev")


def test_instance_profiles(client_for, admin_key):
    # The AWS flow: create the profile, add the role, remove it, delete the profile (test_iam_profiles.py has
    # the limits and errors).
    iam = client_for("iam", admin_key)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    profiles = iam.list_instance_profiles_for_role(RoleName="ReportsReader")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in profiles] == ["web"]
    assert (
        iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"][0]["RoleName"]
        == "ReportsReader"
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    iam.delete_instance_profile(InstanceProfileName="web")


def test_simulate_principal_policy_with_evaluation_path(client_for, admin_key):
    iam = client_for("iam", admin_key)
    results = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/bob",
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::reports-111111111111/q1.csv"],
    )["EvaluationResults"]
    assert results[0]["EvalDecision"] == "implicitDeny"
    assert results[0]["EvalDecisionDetails"]["evaluationPath"]
    role = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/ReportsReader",
        ActionNames=["s3:GetObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::reports-111111111111/q1.csv"],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in role] == ["allowed", "implicitDeny"]


def test_simulate_custom_policy(client_for, admin_key):
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})
    results = client_for("iam", admin_key).simulate_custom_policy(
        PolicyInputList=[READ, deny], ActionNames=["s3:GetObject", "iam:ListRoles"]
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["explicitDeny", "implicitDeny"]


def test_low_privilege_user_cannot_simulate(client_for, bob_key):
    with pytest.raises(ClientError) as caught:
        client_for("iam", bob_key).simulate_custom_policy(PolicyInputList=[READ], ActionNames=["s3:GetObject"])
    assert error(caught)[1] == "AccessDenied"
