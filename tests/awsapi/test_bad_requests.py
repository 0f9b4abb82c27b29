"""A corpus of bad requests: each gets AWS's error code with AWS's HTTP status, as XML — never a 500, never
an HTML page. Codes and statuses: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
SigV4: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html (5-minute rule)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from .conftest import Key
from .signing import FORM, call, query_body, send, sign

pytestmark = pytest.mark.django_db(transaction=True)


def error_of(response) -> tuple[int, str, str]:
    assert response["Content-Type"].startswith("text/xml"), response.content[:200]
    assert b"<html" not in response.content.lower()
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    code = root.find(".//{*}Code")
    message = root.find(".//{*}Message")
    return response.status_code, code.text if code is not None else "", message.text if message is not None else ""


def signed_post(key, body: bytes, **options):
    return sign("POST", "/aws/", key, body=body, headers={"Content-Type": FORM}, **options)


def test_a_good_request_passes(client, alice_key):
    response = call(client, alice_key, "GetCallerIdentity")
    assert response.status_code == 200
    assert b"<Arn>arn:aws:iam::111111111111:user/alice</Arn>" in response.content


def test_unsigned_is_missing_authentication_token(client):
    response = client.post("/aws/", query_body("GetCallerIdentity"), content_type=FORM)
    assert error_of(response)[:2] == (403, "MissingAuthenticationToken")


def test_authorization_without_signature_is_incomplete(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"))
    broken = re.sub(r", Signature=[0-9a-f]+", "", request.headers["Authorization"])
    status, code, message = error_of(send(client, request, headers={"Authorization": broken}))
    assert (status, code) == (403, "IncompleteSignature")
    assert "'Signature'" in message


def test_another_algorithm_is_incomplete(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"))
    response = send(client, request, headers={"Authorization": f"AWS {alice_key.access_key_id}:abc"})
    assert error_of(response)[:2] == (403, "IncompleteSignature")


def test_credential_with_four_parts_is_incomplete(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"))
    broken = request.headers["Authorization"].replace("/us-east-1/", "/")
    assert error_of(send(client, request, headers={"Authorization": broken}))[:2] == (403, "IncompleteSignature")


def test_scope_for_another_service(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"), service="s3")
    status, code, message = error_of(send(client, request))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert "correct service: 'sts'" in message


def test_iam_scope_outside_us_east_1(client, alice_key):
    body = query_body("ListRoles", Version="2010-05-08")
    request = signed_post(alice_key, body, service="iam", region="eu-west-1")
    status, code, message = error_of(send(client, request))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert "valid region" in message


def test_bad_terminator(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"))
    broken = request.headers["Authorization"].replace("aws4_request", "aws5_request")
    status, code, message = error_of(send(client, request, headers={"Authorization": broken}))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert "terminator" in message


def test_scope_date_not_the_request_date(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"))
    other_day = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    status, code, message = error_of(send(client, request, headers={"X-Amz-Date": other_day}))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert "Date in Credential scope does not match" in message


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24])
def test_outside_the_five_minute_window_is_request_expired(client, alice_key, minutes):
    when = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(tzinfo=None)
    status, code, message = error_of(send(client, signed_post(alice_key, query_body("GetCallerIdentity"), when=when)))
    assert (status, code) == (400, "RequestExpired")
    assert "5 min." in message


def test_replay_within_the_window_is_accepted_and_after_it_refused(client, alice_key):
    when = (datetime.now(UTC) - timedelta(minutes=4)).replace(tzinfo=None)
    request = signed_post(alice_key, query_body("GetCallerIdentity"), when=when)
    assert send(client, request).status_code == 200
    late = (datetime.now(UTC) - timedelta(minutes=5, seconds=30)).replace(tzinfo=None)
    assert error_of(send(client, signed_post(alice_key, query_body("GetCallerIdentity"), when=late)))[1] == (
        "RequestExpired"
    )


def test_wrong_secret_is_signature_does_not_match(client, alice_key):
    wrong = Key(alice_key.access_key_id, alice_key.secret[:-1] + ("A" if alice_key.secret[-1] != "A" else "B"))
    status, code, message = error_of(call(client, wrong, "GetCallerIdentity"))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert "Secret Access Key" in message


def test_body_changed_after_signing(client, alice_key):
    request = signed_post(
        alice_key, query_body("AssumeRole", RoleArn="arn:aws:iam::111111111111:role/A", RoleSessionName="aa")
    )
    tampered = query_body("AssumeRole", RoleArn="arn:aws:iam::111111111111:role/B", RoleSessionName="aa")
    assert error_of(send(client, request, body=tampered))[:2] == (403, "SignatureDoesNotMatch")


def test_a_payload_hash_header_cannot_vouch_for_a_changed_body(client, alice_key):
    import hashlib

    original = query_body("GetCallerIdentity")
    request = signed_post(alice_key, original)
    tampered = query_body("GetSessionToken")
    headers = {"X-Amz-Content-SHA256": hashlib.sha256(original).hexdigest()}
    assert error_of(send(client, request, body=tampered, headers=headers))[:2] == (403, "SignatureDoesNotMatch")


def test_unknown_key_is_invalid_client_token_id(client, sandbox):
    status, code, message = error_of(call(client, Key("AKIAUNKNOWN000000000", "x" * 40), "GetCallerIdentity"))
    assert (status, code) == (403, "InvalidClientTokenId")
    assert message == "The security token included in the request is invalid."


def test_long_term_key_with_a_session_token_is_refused(client, alice_key):
    request = signed_post(Key(alice_key.access_key_id, alice_key.secret, "some-token"), query_body("GetCallerIdentity"))
    assert error_of(send(client, request))[:2] == (403, "InvalidClientTokenId")


def test_oversized_body_is_refused_unread(client, alice_key, settings):
    settings.AWSAPI_MAX_QUERY_BYTES = 1000
    body = query_body("GetCallerIdentity", Padding="x" * 2000)
    assert error_of(send(client, signed_post(alice_key, body)))[:2] == (413, "RequestEntityTooLargeException")


def test_body_not_utf8_is_malformed(client, alice_key):
    body = b"Action=GetCallerIdentity&Version=2011-06-15&X=\xff\xfe"
    assert error_of(send(client, signed_post(alice_key, body)))[:2] == (404, "MalformedQueryString")


def test_percent_encoding_of_bad_utf8_is_malformed(client, alice_key):
    body = b"Action=GetCallerIdentity&Version=2011-06-15&X=%C3%28"
    assert error_of(send(client, signed_post(alice_key, body)))[:2] == (404, "MalformedQueryString")


def test_nul_in_a_parameter_is_malformed(client, alice_key):
    body = b"Action=GetCallerIdentity&Version=2011-06-15&X=a%00b"
    assert error_of(send(client, signed_post(alice_key, body)))[:2] == (404, "MalformedQueryString")


def test_too_many_parameters(client, alice_key):
    body = "&".join(["Action=GetCallerIdentity"] + [f"P{i}=v" for i in range(600)]).encode()
    assert error_of(send(client, signed_post(alice_key, body)))[:2] == (404, "MalformedQueryString")


def test_repeated_parameter(client, alice_key):
    body = b"Action=GetCallerIdentity&Action=GetSessionToken"
    assert error_of(send(client, signed_post(alice_key, body)))[:2] == (404, "MalformedQueryString")


def test_unknown_action(client, alice_key):
    status, code, message = error_of(call(client, alice_key, "GetFederationTokenPlease"))
    assert (status, code) == (400, "InvalidAction")
    assert "GetFederationTokenPlease" in message


def test_missing_action(client, alice_key):
    assert error_of(send(client, signed_post(alice_key, b"Version=2011-06-15")))[:2] == (400, "MissingAction")


def test_hostile_text_comes_back_escaped(client, alice_key):
    response = call(
        client,
        alice_key,
        "AssumeRole",
        RoleArn="arn:aws:iam::111111111111:role/ReportsReader",
        RoleSessionName="<script>alert(1)</script>",
    )
    status, code, _message = error_of(response)
    assert (status, code) == (400, "ValidationError")
    assert b"<script>" not in response.content


def test_presigned_get_caller_identity(client, alice_key):
    request = sign("GET", "/aws/", alice_key, query="Action=GetCallerIdentity&Version=2011-06-15", presign_expires=60)
    assert "X-Amz-Signature=" in request.url
    response = send(client, request)
    assert response.status_code == 200, response.content


def test_presigned_url_past_its_expiry(client, alice_key):
    when = (datetime.now(UTC) - timedelta(minutes=3)).replace(tzinfo=None)
    request = sign(
        "GET", "/aws/", alice_key, query="Action=GetCallerIdentity&Version=2011-06-15", presign_expires=60, when=when
    )
    assert error_of(send(client, request))[:2] == (400, "RequestExpired")


def test_presigned_url_with_a_changed_parameter(client, alice_key):
    request = sign("GET", "/aws/", alice_key, query="Action=GetCallerIdentity&Version=2011-06-15", presign_expires=60)
    request.url = request.url.replace("Version=2011-06-15", "Version=2011-06-16")
    assert error_of(send(client, request))[:2] == (403, "SignatureDoesNotMatch")


def test_throttling_per_key(client, alice_key, bob_key, settings):
    settings.AWSAPI_RATE_PER_SECOND = 2
    responses = [call(client, alice_key, "GetCallerIdentity") for _ in range(10)]
    refused = [r for r in responses if r.status_code != 200]
    assert refused, "ten calls in a few seconds pass a limit of two a second"
    assert {error_of(r)[:2] for r in refused} == {(400, "Throttling")}
    assert call(client, bob_key, "GetCallerIdentity").status_code == 200  # another key is not slowed


def test_s3_unsigned_and_unknown_key(client, sandbox):
    response = client.get("/aws/reports-111111111111/q1.csv")
    assert error_of(response)[:2] == (403, "AccessDenied")


def test_endpoint_without_the_final_slash(client, alice_key):
    from .signing import sign as signer

    request = signer("POST", "/aws", alice_key, body=query_body("GetCallerIdentity"), headers={"Content-Type": FORM})
    response = send(client, request)
    assert response.status_code == 200, response.content


def test_unknown_s3_method_is_not_implemented(client, admin_key):
    request = sign(
        "PATCH",
        "/aws/reports-111111111111/k",
        admin_key,
        service="s3",
        headers={"X-Amz-Content-SHA256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    )
    assert error_of(send(client, request))[:2] == (501, "NotImplemented")


def test_hostile_iam_names_are_refused_and_escaped(client, admin_key):
    trust = '{"Version":"2012-10-17","Statement":[]}'
    response = call(
        client, admin_key, "CreateRole", service="iam", RoleName="<script>x</script>", AssumeRolePolicyDocument=trust
    )
    status, code, _message = error_of(response)
    assert status == 400 and code in ("ValidationError", "MalformedPolicyDocument")
    assert b"<script>" not in response.content
    huge = "{" * 5000 + "}" * 5000
    response = call(client, admin_key, "CreateRole", service="iam", RoleName="Deep", AssumeRolePolicyDocument=huge)
    status, code, _message = error_of(response)
    assert (status, code) == (400, "MalformedPolicyDocument")


def test_sts_scope_with_a_region_that_is_not_one(client, alice_key):
    request = signed_post(alice_key, query_body("GetCallerIdentity"), region="mars")
    assert error_of(send(client, request))[:2] == (403, "SignatureDoesNotMatch")
