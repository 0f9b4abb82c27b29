"""Instance profiles through the endpoint with boto3, as IAM has them: a profile is created empty, holds at
most one role, keeps existing when its role is removed, and cannot be deleted while it holds one.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, add_key
from .test_iam import TRUST, error

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE_ARN = f"arn:aws:iam::{ACCOUNT}:instance-profile/web"


def test_a_profile_is_created_empty_and_keeps_existing_without_its_role(client_for, admin_key):
    iam = client_for("iam", admin_key)
    made = iam.create_instance_profile(InstanceProfileName="web", Tags=[{"Key": "team", "Value": "ops"}])
    assert made["InstanceProfile"]["Arn"] == PROFILE_ARN and made["InstanceProfile"]["Roles"] == []
    assert made["InstanceProfile"]["InstanceProfileId"].startswith("AIPA")
    got = iam.get_instance_profile(InstanceProfileName="WEB")["InstanceProfile"]  # names ignore case
    assert (got["InstanceProfileName"], got["Roles"], got["Tags"]) == ("web", [], [{"Key": "team", "Value": "ops"}])

    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    listed = iam.list_instance_profiles()["InstanceProfiles"]
    assert [(p["InstanceProfileName"], [r["RoleName"] for r in p["Roles"]]) for p in listed] == [
        ("web", ["ReportsReader"]),
        ("web-server", ["WebServerRole"]),  # the starting world's
    ]
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"] == []
    assert iam.list_instance_profiles_for_role(RoleName="ReportsReader")["InstanceProfiles"] == []
    iam.delete_instance_profile(InstanceProfileName="web")
    with pytest.raises(ClientError) as caught:
        iam.get_instance_profile(InstanceProfileName="web")
    assert error(caught) == (404, "NoSuchEntity", "Instance Profile web cannot be found.")


def test_a_profile_holds_one_role_at_most(client_for, admin_key):
    # AWS: "An instance profile can contain only one role, and this quota cannot be increased." Its error,
    # seen on AWS: LimitExceeded "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    # (https://github.com/getmoto/moto/issues/6404, https://github.com/hashicorp/terraform/issues/3851).
    iam = client_for("iam", admin_key)
    iam.create_role(RoleName="Second", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    for role in ("Second", "ReportsReader"):
        with pytest.raises(ClientError) as caught:
            iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName=role)
        assert error(caught) == (409, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
    # One role may sit in several profiles.
    iam.create_instance_profile(InstanceProfileName="batch")
    iam.add_role_to_instance_profile(InstanceProfileName="batch", RoleName="ReportsReader")
    names = [
        p["InstanceProfileName"]
        for p in iam.list_instance_profiles_for_role(RoleName="ReportsReader")["InstanceProfiles"]
    ]
    assert names == ["batch", "web"]


def test_delete_conflicts_and_missing_entities_get_iams_errors(client_for, admin_key):
    iam = client_for("iam", admin_key)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    with pytest.raises(ClientError) as caught:  # https://github.com/99designs/iamy/issues/47 (the text)
        iam.delete_instance_profile(InstanceProfileName="web")
    assert error(caught) == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
    )
    with pytest.raises(ClientError) as caught:
        iam.delete_role(RoleName="ReportsReader")
    assert error(caught)[:2] == (409, "DeleteConflict")
    with pytest.raises(ClientError) as caught:
        iam.create_instance_profile(InstanceProfileName="WEB")
    assert error(caught) == (409, "EntityAlreadyExists", "Instance Profile WEB already exists.")
    with pytest.raises(ClientError) as caught:
        iam.add_role_to_instance_profile(InstanceProfileName="nope", RoleName="ReportsReader")
    assert error(caught) == (404, "NoSuchEntity", "Instance Profile nope cannot be found.")
    with pytest.raises(ClientError) as caught:
        iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="Ghost")
    assert error(caught) == (404, "NoSuchEntity", "The role with name Ghost cannot be found.")
    iam.create_role(RoleName="Other", AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as caught:
        iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="Other")
    assert error(caught)[:2] == (404, "NoSuchEntity")
    with pytest.raises(ClientError) as caught:
        iam.create_instance_profile(InstanceProfileName="bad name!")
    assert error(caught)[:2] == (400, "ValidationError")


def test_each_call_is_authorized_on_the_profile_and_adding_a_role_needs_pass_role(client_for, sandbox, admin_key):
    # AddRoleToInstanceProfile: "The caller of this operation must be granted the PassRole permission on the
    # IAM role by a permissions policy." (API_AddRoleToInstanceProfile.html)
    client_for("iam", admin_key).create_instance_profile(InstanceProfileName="web")
    no_pass = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "iam:*InstanceProfile*", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"},
            ],
        }
    )
    iam_admin = client_for("iam", admin_key)
    iam_admin.create_user(UserName="ops")
    iam_admin.put_user_policy(UserName="ops", PolicyName="profiles", PolicyDocument=no_pass)
    sandbox.refresh_from_db()
    ops = add_key(sandbox, "ops")
    with pytest.raises(ClientError) as caught:
        client_for("iam", ops).add_role_to_instance_profile(InstanceProfileName="web", RoleName="ReportsReader")
    status, code, message = error(caught)
    assert (status, code) == (403, "AccessDenied") and "iam:PassRole" in message

    bob = add_key(sandbox, "bob")
    for call in (
        lambda iam: iam.create_instance_profile(InstanceProfileName="mine"),
        lambda iam: iam.get_instance_profile(InstanceProfileName="web"),
        lambda iam: iam.delete_instance_profile(InstanceProfileName="web"),
        lambda iam: iam.list_instance_profiles(),
    ):
        with pytest.raises(ClientError) as caught:
            call(client_for("iam", bob))
        assert error(caught)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as caught:
        client_for("iam", bob).delete_instance_profile(InstanceProfileName="web")
    assert f"iam:DeleteInstanceProfile on resource: {PROFILE_ARN}" in error(caught)[2]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"InstanceProfileName": "p" * 129},  # 1-128 characters
        {"InstanceProfileName": "web\u0007"},  # (NUL is refused earlier: test_bad_requests.py)
        {"InstanceProfileName": "<script>"},
        {"InstanceProfileName": "web", "Path": "no-slashes"},
        {"InstanceProfileName": "web", "Tags": [{"Key": "k", "Value": "v"}, {"Key": "K", "Value": "w"}]},
        {"InstanceProfileName": "web", "Tags": [{"Key": "x" * 129, "Value": "v"}]},
    ],
    ids=["long", "control", "markup", "path", "duplicate-tags", "long-tag"],
)
def test_hostile_create_instance_profile_values_get_a_clear_validation_error(client_for, admin_key, kwargs):
    iam = client_for("iam", admin_key)
    with pytest.raises(ClientError) as caught:
        iam.create_instance_profile(**kwargs)
    status, code, message = error(caught)
    assert status == 400 and code in ("ValidationError", "InvalidInput") and message
    assert "Traceback" not in message
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]] == ["web-server"]
