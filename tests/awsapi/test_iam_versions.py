"""Customer managed policy versions through the endpoint with boto3, as IAM keeps them: a new version is the
default only when asked (SetAsDefault, false by default), SetDefaultPolicyVersion switches what every
attachment uses, the default version cannot be deleted, and five versions at most.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT
from .test_iam import READ, error

pytestmark = pytest.mark.django_db(transaction=True)

WRITE = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
)
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
OBJECT = "arn:aws:s3:::reports-111111111111/q1.csv"


def _decision(iam, action: str) -> str:
    result = iam.simulate_principal_policy(PolicySourceArn=BOB, ActionNames=[action], ResourceArns=[OBJECT])
    return result["EvaluationResults"][0]["EvalDecision"]


def _versions(iam, arn: str) -> list[tuple[str, bool]]:
    return [(v["VersionId"], v["IsDefaultVersion"]) for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]]


def test_set_as_default_false_keeps_the_default_and_set_default_switches_it(client_for, admin_key):
    iam = client_for("iam", admin_key)
    arn = iam.create_policy(PolicyName="Reports", PolicyDocument=READ)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE, SetAsDefault=False)["PolicyVersion"]
    assert (made["VersionId"], made["IsDefaultVersion"]) == ("v2", False)
    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE)["PolicyVersion"]  # the API's default
    assert (made["VersionId"], made["IsDefaultVersion"]) == ("v3", False)
    assert _versions(iam, arn) == [("v1", True), ("v2", False), ("v3", False)]
    assert (_decision(iam, "s3:GetObject"), _decision(iam, "s3:PutObject")) == ("allowed", "implicitDeny")

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert _versions(iam, arn) == [("v1", False), ("v2", True), ("v3", False)]
    assert (_decision(iam, "s3:GetObject"), _decision(iam, "s3:PutObject")) == ("implicitDeny", "allowed")

    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=READ, SetAsDefault=True)["PolicyVersion"]
    assert (made["VersionId"], made["IsDefaultVersion"]) == ("v4", True)
    assert _decision(iam, "s3:GetObject") == "allowed"


def test_the_default_version_cannot_be_deleted_and_others_can(client_for, admin_key):
    # DeleteConflict "Cannot delete the default version of a policy." (seen on AWS:
    # https://github.com/byu-oit/handel/issues/140)
    iam = client_for("iam", admin_key)
    arn = iam.create_policy(PolicyName="Reports", PolicyDocument=READ)["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE)
    with pytest.raises(ClientError) as caught:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    assert error(caught) == (409, "DeleteConflict", "Cannot delete the default version of a policy.")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert _versions(iam, arn) == [("v1", True)]
    for call in (iam.delete_policy_version, iam.set_default_policy_version, iam.get_policy_version):
        with pytest.raises(ClientError) as caught:
            call(PolicyArn=arn, VersionId="v2")
        assert error(caught) == (404, "NoSuchEntity", f"Policy {arn} version v2 does not exist or is not attachable.")


def test_five_versions_at_most(client_for, admin_key):
    iam = client_for("iam", admin_key)
    arn = iam.create_policy(PolicyName="Reports", PolicyDocument=READ)["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE)
    with pytest.raises(ClientError) as caught:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE, SetAsDefault=True)
    assert error(caught) == (
        409,
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing "
        "version.",
    )
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE)["PolicyVersion"]["VersionId"] == "v6"


def test_a_low_privilege_user_cannot_change_versions(client_for, admin_key, bob_key):
    arn = client_for("iam", admin_key).create_policy(PolicyName="Reports", PolicyDocument=READ)["Policy"]["Arn"]
    client_for("iam", admin_key).create_policy_version(PolicyArn=arn, PolicyDocument=WRITE)
    bob = client_for("iam", bob_key)
    for call, action in (
        (lambda: bob.create_policy_version(PolicyArn=arn, PolicyDocument=WRITE), "CreatePolicyVersion"),
        (lambda: bob.set_default_policy_version(PolicyArn=arn, VersionId="v2"), "SetDefaultPolicyVersion"),
        (lambda: bob.delete_policy_version(PolicyArn=arn, VersionId="v2"), "DeletePolicyVersion"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        status, code, message = error(caught)
        assert (status, code) == (403, "AccessDenied") and f"iam:{action} on resource: {arn}" in message
