"""Requests signed by botocore's signer and sent through Django's test client (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock
from urllib.parse import urlencode

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def sign(
    method: str,
    path: str,
    key,
    *,
    service: str = "sts",
    region: str = "us-east-1",
    body: bytes = b"",
    query: str = "",
    headers: dict | None = None,
    when: datetime | None = None,
    presign_expires: int | None = None,
) -> AWSRequest:
    url = f"http://testserver{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={"Host": "testserver", **(headers or {})})
    credentials = Credentials(key.access_key_id, key.secret, getattr(key, "token", None))
    signer = (
        SigV4QueryAuth(credentials, service, region, expires=presign_expires)
        if presign_expires is not None
        else SigV4Auth(credentials, service, region)
    )
    moment = when or datetime.now(UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        signer.add_auth(request)
    return request


def send(client, request: AWSRequest, *, body: bytes | None = None, headers: dict | None = None):
    """Sends a signed ``AWSRequest`` (optionally with its body or headers altered after signing)."""
    path, _sep, query = request.url.removeprefix("http://testserver").partition("?")
    sent = {k: v for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length")}
    sent.update(headers or {})
    data = request.body if body is None else body
    if isinstance(data, str):
        data = data.encode()
    return client.generic(
        request.method,
        path + (f"?{query}" if query else ""),
        data=data or b"",
        content_type=request.headers.get("Content-Type", FORM),
        headers=sent,
    )


def query_body(action: str, **params) -> bytes:
    return urlencode({"Action": action, "Version": "2011-06-15", **params}).encode()


def call(client, key, action: str, *, service: str = "sts", version: str | None = None, **params):
    body = urlencode(
        {"Action": action, "Version": version or ("2010-05-08" if service == "iam" else "2011-06-15"), **params}
    )
    request = sign("POST", "/aws/", key, service=service, body=body.encode(), headers={"Content-Type": FORM})
    return send(client, request)
