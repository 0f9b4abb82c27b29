"""The rules of the sandbox's web identity tokens (iamtutor/awsapi/webidentity.py), each on the AWS fact it
rests on:

- STS AssumeRoleWithWebIdentity, Errors: ExpiredTokenException (HTTP 400) "The web identity token that was
  passed is expired or is not valid. Get a new identity token from the identity provider and then retry the
  request."; InvalidIdentityToken (HTTP 400) for a token that "could not be validated"; WebIdentityToken's
  length is 4 to 20,000 characters. https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
- JWT claims exp / nbf / iat (RFC 7519 §4.1.4-4.1.6, https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4): a
  token must not be accepted on or after exp, nor before nbf.
- GitHub's OIDC tokens carry exp, iat, nbf and jti; its example token lives 300 s after iat.
  https://docs.github.com/en/actions/reference/security/oidc
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from iamtutor.awsapi.errors import AwsError
from iamtutor.awsapi.webidentity import (
    DEFAULT_LIFETIME,
    MAX_TOKEN,
    MSG_EXPIRED,
    SANDBOX_CLAIM,
    issue_token,
    read_token,
    sign,
)
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import sandbox_now

pytestmark = pytest.mark.django_db

CLAIMS = {
    "iss": "https://token.actions.githubusercontent.com",
    "sub": "repo:example-org/app:ref:refs/heads/main",
    "aud": "sts.amazonaws.com",
}


def _refused(token: str, code: str = "InvalidIdentityToken", **kwargs) -> AwsError:
    with pytest.raises(AwsError) as caught:
        read_token(token, **kwargs)
    assert caught.value.code == code and caught.value.status == 400
    return caught.value


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_a_token_carries_iat_nbf_exp_and_jti_on_the_sandbox_clock(sandbox):
    Sandbox.objects.filter(pk=sandbox.pk).update(clock_offset=7200)  # two hours fast-forwarded
    sandbox.refresh_from_db()
    token = issue_token(sandbox, CLAIMS)
    payload = _payload(token)
    now = sandbox_now(sandbox).timestamp()
    assert abs(payload["iat"] - now) < 5 and payload["nbf"] == payload["iat"]
    assert payload["exp"] - payload["iat"] == DEFAULT_LIFETIME == 300  # GitHub's example token: 5 minutes
    assert payload["jti"] and payload[SANDBOX_CLAIM] == str(sandbox.pk)
    found, claims = read_token(token)
    assert found == sandbox
    assert claims == {**CLAIMS, "jti": payload["jti"]}  # the times and the sandbox are not claims for the engine


def test_claims_cannot_override_the_times_or_the_sandbox(sandbox, alice):
    token = issue_token(sandbox, {**CLAIMS, "exp": 9_999_999_999, SANDBOX_CLAIM: "someone-else"})
    payload = _payload(token)
    assert payload["exp"] - payload["iat"] == DEFAULT_LIFETIME and payload[SANDBOX_CLAIM] == str(sandbox.pk)


def test_an_expired_token_gets_expired_token_exception_with_aws_message(sandbox):
    token = issue_token(sandbox, CLAIMS, lifetime=600)
    exp = _payload(token)["exp"]
    at_exp = datetime.fromtimestamp(exp, UTC)
    error = _refused(token, "ExpiredTokenException", now=at_exp)  # on exp itself: expired (RFC 7519 4.1.4)
    assert error.message == MSG_EXPIRED
    read_token(token, now=at_exp - timedelta(seconds=1))  # a second before: still good


def test_moving_the_sandbox_clock_expires_the_token(sandbox):
    token = issue_token(sandbox, CLAIMS)
    read_token(token)
    Sandbox.objects.filter(pk=sandbox.pk).update(clock_offset=DEFAULT_LIFETIME + 1)
    _refused(token, "ExpiredTokenException")


def test_a_token_not_yet_valid_is_refused_like_an_expired_one(sandbox):
    future = sandbox_now(sandbox) + timedelta(minutes=30)
    token = issue_token(sandbox, CLAIMS, now=future)  # nbf and iat 30 minutes ahead of the sandbox clock
    error = _refused(token, "ExpiredTokenException")
    assert error.message == MSG_EXPIRED
    read_token(token, now=future)


def test_a_token_without_exp_is_refused(sandbox):
    token = sign(str(sandbox.pk), {**CLAIMS, SANDBOX_CLAIM: str(sandbox.pk)})  # signed by us, but no exp
    assert "no expiry" in _refused(token).message


@pytest.mark.parametrize("exp", ["tomorrow", True, None, [1], 1e300])
def test_a_token_whose_exp_is_not_a_time_is_refused(sandbox, exp):
    payload = {**CLAIMS, SANDBOX_CLAIM: str(sandbox.pk)}
    if exp is not None:
        payload["exp"] = exp
    _refused(sign(str(sandbox.pk), payload))


def test_a_tampered_token_is_refused(sandbox):
    token = issue_token(sandbox, CLAIMS)
    header, payload, signature = token.split(".")
    claims = _payload(token)
    for changed in ({**claims, "sub": "repo:evil/app:ref:refs/heads/main"}, {**claims, "exp": claims["exp"] + 86400}):
        assert "signature" in _refused(f"{header}.{_b64(changed)}.{signature}").message
    assert "signature" in _refused(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")).message
    none = _b64({"alg": "none", "typ": "JWT"})
    assert "HS256" in _refused(f"{none}.{payload}.").message


def test_a_token_moved_to_another_sandbox_is_refused(sandbox, mallory):
    from iamtutor.sandbox.worlds import create_sandbox

    other = create_sandbox(owner=mallory)
    token = issue_token(sandbox, CLAIMS)
    header, _payload_part, signature = token.split(".")
    moved = {**_payload(token), SANDBOX_CLAIM: str(other.pk)}  # the signature was made with the first key
    _refused(f"{header}.{_b64(moved)}.{signature}")


def test_a_token_of_a_deleted_sandbox_is_refused(sandbox):
    token = issue_token(sandbox, CLAIMS)
    sandbox.delete()
    assert "no sandbox" in _refused(token).message


def test_an_oversized_token_gets_aws_length_validation_error():
    error = _refused("a." * (MAX_TOKEN // 2) + "a", "ValidationError")
    assert "less than or equal to 20000" in error.message


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        "a.b",
        "a.b.c.d",
        "%%%.%%%.%%%",
        "é.é.é",
        f"{_b64({'alg': 'HS256'})}.{_b64([1, 2])}.x",
        f"{_b64({'alg': 'HS256'})}.{_b64('text')}.x",
        f"{_b64({'alg': 'HS256'})}.{base64.urlsafe_b64encode(b'[' * 14000).decode()}.x",  # nested too deep
        f"{_b64({'alg': 'HS256'})}.{base64.urlsafe_b64encode(bytes([0xFF, 0xFE])).decode()}.x",  # not UTF-8
        f"{_b64({'alg': 'HS256'})}.{_b64({SANDBOX_CLAIM: 'not-a-uuid'})}.x",
        f"{_b64({'alg': 'HS256'})}.{_b64({SANDBOX_CLAIM: 7})}.x",
    ],
)
def test_hostile_tokens_get_invalid_identity_token(token):
    _refused(token)


def test_the_lifetime_is_bounded(sandbox):
    for lifetime in (0, -5, 3601):
        with pytest.raises(ValueError, match="seconds"):
            issue_token(sandbox, CLAIMS, lifetime=lifetime)
    assert _payload(issue_token(sandbox, CLAIMS, lifetime=3600))["exp"] - _payload(issue_token(sandbox, CLAIMS))[
        "iat"
    ] in (3600, 3599, 3601)
