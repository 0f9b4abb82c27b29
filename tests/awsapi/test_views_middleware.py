"""``/aws/`` reaches the endpoint past the site's middleware (``awsapi.middleware``), keeping the security
headers; every other path still runs the whole stack."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings

from iamtutor.awsapi import views

from .signing import call

pytestmark = pytest.mark.django_db


def test_the_endpoint_answers_with_the_security_headers_and_nothing_of_the_site(client, alice_key):
    response = call(client, alice_key, "GetCallerIdentity")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "default-src" in response["Content-Security-Policy"]
    assert int(response["Content-Length"]) == len(response.content)
    assert not response.cookies  # no session, no CSRF token
    assert "Accept-Language" not in response.get("Vary", "")


def test_hsts_on_a_secure_request(client):
    response = client.post(
        "/aws/", data="Action=GetCallerIdentity", content_type="application/x-www-form-urlencoded", secure=True
    )
    assert response.status_code == 403
    assert response["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/aws/", "/aws", "/aws/reports/q1.csv"])
def test_the_endpoint_sees_a_request_without_session_or_user(client, path):
    seen = []
    real = views.endpoint

    def spy(request, rest=""):
        seen.append((hasattr(request, "session"), hasattr(request, "user"), rest))
        return real(request, rest)

    with mock.patch.object(views, "endpoint", spy):
        response = client.get(path)
    assert response["Content-Type"] == "text/xml"
    assert seen == [(False, False, path.removeprefix("/aws").removeprefix("/"))]


def test_a_body_over_the_sites_limit_gets_awss_xml_error_not_the_html_page(client):
    too_big = str(settings.MAX_REQUEST_BYTES + 1)
    form = "application/x-www-form-urlencoded"
    response = client.generic("POST", "/aws/", b"", CONTENT_LENGTH=too_big, CONTENT_TYPE=form)
    assert response.status_code == 413
    assert response["Content-Type"] == "text/xml"
    assert b"<Code>RequestEntityTooLargeException</Code>" in response.content
    s3 = client.generic("PUT", "/aws/reports/big.csv", b"", CONTENT_LENGTH=too_big)
    assert (s3.status_code, s3["Content-Type"]) == (400, "text/xml")
    assert b"<Code>EntityTooLarge</Code>" in s3.content


def test_other_paths_still_run_the_sites_middleware(client):
    response = client.get("/awsome")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
    assert "Cookie" in response.get("Vary", "")  # the session middleware ran


def test_a_host_not_allowed_is_refused_as_on_every_page(client):
    response = client.post(
        "/aws/",
        data="Action=GetCallerIdentity",
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "text/xml" and b"<Code>InvalidHost</Code>" in response.content
    assert response["X-Content-Type-Options"] == "nosniff"
