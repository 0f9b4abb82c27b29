"""A learner's journey with a real boto3 client: a token from the "Web identity tokens" page assumes
GitHubDeploy at the endpoint, and after the sandbox clock moves past the token's exp the same call fails with
STS's ExpiredTokenException (HTTP 400, AWS's message).
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
"""

from __future__ import annotations

import re

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from django.test import Client
from django.urls import reverse

from iamtutor.awsapi.webidentity import MSG_EXPIRED
from iamtutor.sandbox.models import Sandbox, StsSession

from .conftest import ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/GitHubDeploy"


def _token_from_the_page(sandbox, user, **fields) -> str:
    client = Client()
    client.force_login(user)
    form = {
        "provider": "token.actions.githubusercontent.com",
        "repository": "example-org/app",
        "ref": "refs/heads/main",
        "lifetime": "5",
        "role": DEPLOY,
        "session_name": "deploy",
        **fields,
    }
    page = client.post(reverse("sandbox:webid", args=[sandbox.pk]), form).content.decode()
    return re.search(r'<code id="webid-token" class="token">([^<]+)</code>', page).group(1)


@pytest.fixture
def sts(endpoint):
    client = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1, "mode": "standard"}),
    )
    yield client
    client.close()


def test_a_token_from_the_page_assumes_the_role_until_the_sandbox_clock_passes_its_expiry(sts, sandbox, alice):
    token = _token_from_the_page(sandbox, alice)
    result = sts.assume_role_with_web_identity(RoleArn=DEPLOY, RoleSessionName="deploy", WebIdentityToken=token)
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/GitHubDeploy/deploy"
    assert result["SubjectFromWebIdentityToken"] == "repo:example-org/app:ref:refs/heads/main"
    assert result["Audience"] == "sts.amazonaws.com"
    assert StsSession.objects.filter(sandbox=sandbox).count() == 1

    Sandbox.objects.filter(pk=sandbox.pk).update(clock_offset=5 * 60 + 1)  # the learner fast-forwards 5 min
    with pytest.raises(sts.exceptions.ExpiredTokenException) as caught:
        sts.assume_role_with_web_identity(RoleArn=DEPLOY, RoleSessionName="again", WebIdentityToken=token)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "ExpiredTokenException" and error["Error"]["Message"] == MSG_EXPIRED
    assert StsSession.objects.filter(sandbox=sandbox).count() == 1  # no new session


def test_a_token_for_another_branch_is_denied_by_the_trust_policy(sts, sandbox, alice):
    token = _token_from_the_page(sandbox, alice, ref="refs/heads/feature")
    with pytest.raises(sts.exceptions.ClientError) as caught:
        sts.assume_role_with_web_identity(RoleArn=DEPLOY, RoleSessionName="deploy", WebIdentityToken=token)
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
