"""STS through the endpoint with real boto3 clients against the live test server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from iamtutor.awsapi.models import ApiKey
from iamtutor.sandbox.models import AuditEvent, StsSession

from .conftest import ACCOUNT, Key

pytestmark = pytest.mark.django_db(transaction=True)

READER = f"arn:aws:iam::{ACCOUNT}:role/ReportsReader"


def test_get_caller_identity_names_the_user(client_for, alice_key):
    identity = client_for("sts", alice_key).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert identity["Account"] == ACCOUNT


def test_assume_role_gives_working_session_credentials(client_for, alice_key, sandbox):
    result = client_for("sts", alice_key).assume_role(RoleArn=READER, RoleSessionName="cli", DurationSeconds=900)
    creds = result["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/ReportsReader/cli"
    session = Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert client_for("sts", session).get_caller_identity()["Arn"] == result["AssumedRoleUser"]["Arn"]
    # The session is the sandbox's: stored, indexed, audited.
    assert StsSession.objects.filter(sandbox=sandbox, access_key_id=creds["AccessKeyId"]).exists()
    assert ApiKey.objects.get(access_key_id=creds["AccessKeyId"]).sandbox_id == sandbox.pk
    assert AuditEvent.objects.filter(sandbox=sandbox, event_name="AssumeRole").exists()


def test_assume_role_refused_by_trust_is_access_denied_with_aws_message(client_for, bob_key):
    with pytest.raises(ClientError) as caught:
        client_for("sts", bob_key).assume_role(RoleArn=READER, RoleSessionName="xx")
    error = caught.value.response
    assert error["Error"]["Code"] == "AccessDenied"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "is not authorized to perform: sts:AssumeRole on resource" in error["Error"]["Message"]
    assert "Encoded authorization failure message: " in error["Error"]["Message"]


def test_assume_role_validation_error_names_the_parameter(client_for, alice_key):
    with pytest.raises(ClientError) as caught:
        client_for("sts", alice_key).assume_role(RoleArn=READER, RoleSessionName="xx", DurationSeconds=7200)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "DurationSeconds" in caught.value.response["Error"]["Message"]


def test_session_token_wrong_is_invalid_client_token(client_for, alice_key):
    creds = client_for("sts", alice_key).assume_role(RoleArn=READER, RoleSessionName="cli")["Credentials"]
    forged = Key(creds["AccessKeyId"], creds["SecretAccessKey"], "not-the-token")
    with pytest.raises(ClientError) as caught:
        client_for("sts", forged).get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_expired_session_on_the_sandbox_clock(client_for, alice_key, sandbox):
    creds = client_for("sts", alice_key).assume_role(RoleArn=READER, RoleSessionName="cli", DurationSeconds=900)[
        "Credentials"
    ]
    session = Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    sandbox.refresh_from_db()
    type(sandbox).objects.filter(pk=sandbox.pk).update(clock_offset=901)
    with pytest.raises(ClientError) as caught:
        client_for("sts", session).get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "ExpiredToken"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_get_session_token_for_a_user(client_for, alice_key):
    creds = client_for("sts", alice_key).get_session_token(DurationSeconds=900)["Credentials"]
    session = Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert client_for("sts", session).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_decode_authorization_message_needs_the_permission_and_decodes(client_for, bob_key, admin_key):
    with pytest.raises(ClientError) as caught:
        client_for("sts", bob_key).assume_role(RoleArn=READER, RoleSessionName="xx")
    encoded = caught.value.response["Error"]["Message"].rsplit(" ", 1)[-1]
    with pytest.raises(ClientError) as denied:
        client_for("sts", bob_key).decode_authorization_message(EncodedMessage=encoded)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    decoded = client_for("sts", admin_key).decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"]
    import json

    message = json.loads(decoded)
    assert message["allowed"] is False
    assert message["context"]["action"] == "sts:AssumeRole"
    assert message["evaluationPath"]
    with pytest.raises(ClientError) as bad:
        client_for("sts", admin_key).decode_authorization_message(EncodedMessage=encoded[:-3] + "abc")
    assert bad.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"


def test_assume_role_parameters_reach_the_engine(client_for, alice_key, admin_key):
    sts = client_for("sts", alice_key)
    with pytest.raises(ClientError) as caught:  # the trust policy does not allow sts:TagSession
        sts.assume_role(RoleArn=READER, RoleSessionName="tags", Tags=[{"Key": "team", "Value": "a"}])
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert "sts:TagSession" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as caught:  # no MFA device with that serial
        sts.assume_role(
            RoleArn=READER, RoleSessionName="mfa", SerialNumber="arn:aws:iam::111111111111:mfa/none", TokenCode="123456"
        )
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    deny_all = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'
    creds = sts.assume_role(
        RoleArn=READER,
        RoleSessionName="narrow",
        Policy=deny_all,
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        ExternalId="unused-by-this-trust",
    )["Credentials"]
    client_for("s3", admin_key).put_object(Bucket=f"reports-{ACCOUNT}", Key="k.txt", Body=b"x")
    narrow = client_for("s3", Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
    with pytest.raises(ClientError) as denied:  # the session policy denies what the role allows
        narrow.get_object(Bucket=f"reports-{ACCOUNT}", Key="k.txt")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_assume_role_with_web_identity_unsigned(client_for, endpoint, sandbox):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    from iamtutor.awsapi.webidentity import issue_token
    from iamtutor.sandbox.identities import github_claims

    claims = github_claims("example-org/app", "branch", "main", "sts.amazonaws.com")
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    role = f"arn:aws:iam::{ACCOUNT}:role/GitHubDeploy"
    result = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="deploy", WebIdentityToken=issue_token(sandbox, claims)
    )
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/GitHubDeploy/deploy"
    assert result["SubjectFromWebIdentityToken"] == "repo:example-org/app:ref:refs/heads/main"
    other = github_claims("example-org/app", "branch", "feature", "sts.amazonaws.com")
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="d2", WebIdentityToken=issue_token(sandbox, other)
        )
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    forged = issue_token(sandbox, claims)[:-4] + "AAAA"
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="d3", WebIdentityToken=forged)
    assert caught.value.response["Error"]["Code"] == "InvalidIdentityToken"
