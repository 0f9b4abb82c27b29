"""The one endpoint, ``/aws/``: STS and IAM in the Query protocol (``Action=…``, POSTed form or GET query),
and S3 in its REST protocol, path-style below it (``/aws/<bucket>/<key>``).

The view stays thin: read the body within its limit, read the signature, find the sandbox from the access
key id (``keys.find``: one indexed query), check scope, time, token and signature (``sigv4``), throttle per
key, then hand the call to the service module, which lets the engine decide. Every failure is AWS's XML
error with AWS's HTTP status; nothing here ever answers HTML or lets an exception escape.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import iam, keys, ratelimit, s3, sigv4, sts, webidentity
from .calls import Caller
from .errors import (
    MSG_INVALID_ACTION,
    MSG_INVALID_TOKEN,
    MSG_MISSING_AUTH,
    NAMESPACES,
    AwsError,
    query_error,
    request_id,
    s3_error,
    xml_response,
)
from .models import ApiKey
from .protocol import Params, result_document

logger = logging.getLogger(__name__)

VERSIONS = {"sts": "2011-06-15", "iam": "2010-05-08"}
SERVICE_ACTIONS = {"sts": sts.ACTIONS, "iam": iam.ACTIONS}


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@csrf_exempt
def endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    rid = request_id()
    raw_query = request.META.get("QUERY_STRING", "")
    service = _service_hint(request, rest, raw_query)
    try:
        return _handle(request, rest, raw_query, service, rid)
    except AwsError as error:
        if error.service_override:
            service = error.service_override
        return s3_error(error, rid) if service == "s3" else query_error(error, service, rid)
    except Exception:  # the endpoint never answers a traceback or an HTML page
        logger.exception("The AWS endpoint failed on %s %s", request.method, request.path)
        error = AwsError(
            "InternalFailure", "The request processing has failed because of an unknown error.", 500, sender=False
        )
        return s3_error(error, rid) if service == "s3" else query_error(error, service, rid)


def _service_hint(request: HttpRequest, rest: str, raw_query: str) -> str:
    """The service a request is for, before its signature is read: S3 below ``/aws/`` or without an
    ``Action``; else STS or IAM as the credential scope says (STS until then)."""
    if rest:
        return "s3"
    form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
    if not form and "Action=" not in raw_query:
        return "s3"
    credential = request.headers.get("Authorization", "") + "&" + raw_query
    if "/iam/aws4_request" in credential or "%2Fiam%2Faws4_request" in credential:
        return "iam"
    return "sts"


def _handle(request: HttpRequest, rest: str, raw_query: str, service: str, rid: str) -> HttpResponse:
    body = _read_body(request, service)
    if service == "s3":
        return s3.handle(request, rest, raw_query, body, rid, _authenticate)
    params = _query_params(request, raw_query, body)
    action = params.get("Action")
    if not action:
        raise AwsError("MissingAction", "Missing Action", 400)
    if service == "sts" and action == "AssumeRoleWithWebIdentity" and request.headers.get("Authorization") is None:
        return _answer(action, service, webidentity.assume_role_with_web_identity_action(params), rid)
    caller = _authenticate(request, raw_query, body, service)
    handler = SERVICE_ACTIONS[service].get(action)
    if handler is None:
        raise AwsError("InvalidAction", MSG_INVALID_ACTION.format(action=action[:100], version=VERSIONS[service]), 400)
    return _answer(action, service, handler(params, caller), rid)


def _answer(action: str, service: str, result: dict | None, rid: str) -> HttpResponse:
    return xml_response(result_document(action, NAMESPACES[service], result, rid), 200, rid)


def _read_body(request: HttpRequest, service: str) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise AwsError("MalformedHttpRequestException", "Content-Length is not a number.", 400) from None
    limit = _limit("AWSAPI_MAX_OBJECT_BYTES", 262_144) if service == "s3" else _limit("AWSAPI_MAX_QUERY_BYTES", 131_072)
    if declared > limit:
        if service == "s3":
            raise AwsError(
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                400,
                ProposedSize=str(declared),
                MaxSizeAllowed=str(limit),
            )
        raise AwsError(
            "RequestEntityTooLargeException",
            f"The request body is larger than {limit} bytes, this endpoint's limit.",
            413,
        )
    return request.body if declared else b""


def _query_params(request: HttpRequest, raw_query: str, body: bytes) -> Params:
    """The Query protocol's parameters from the query string and a form-encoded body; text that is not
    well-formed, percent-encoded UTF-8 is ``MalformedQueryString`` (HTTP 404, as AWS answers)."""
    texts = [raw_query]
    if request.method == "POST" and body:
        if request.content_type != "application/x-www-form-urlencoded":
            raise AwsError("MalformedQueryString", "The body of a Query request is form-encoded parameters.", 404)
        try:
            texts.append(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise AwsError("MalformedQueryString", "The request body is not UTF-8 text.", 404) from None
    pairs: list[tuple[str, str]] = []
    for text in texts:
        if not text:
            continue
        try:
            pairs += parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
        except (ValueError, UnicodeDecodeError):
            raise AwsError(
                "MalformedQueryString", "The query string is not well-formed, percent-encoded UTF-8.", 404
            ) from None
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        raise AwsError("MalformedQueryString", "The query string holds a NUL character.", 404)
    pairs = [(n, v) for n, v in pairs if not n.startswith("X-Amz-")]
    return Params(pairs)


def _authenticate(request: HttpRequest, raw_query: str, body: bytes, service: str) -> Caller:
    """The caller behind a signed request; raises ``AwsError`` as AWS would for each way it can fail."""
    signed = sigv4.parse(request, raw_query, service)
    if signed is None:
        if service == "s3":
            raise AwsError("AccessDenied", "Access Denied: this endpoint answers signed requests only.", 403)
        raise AwsError("MissingAuthenticationToken", MSG_MISSING_AUTH, 403)
    sigv4.check_scope(signed, service)
    row = keys.find(signed.access_key_id)
    if row is None:
        raise _invalid_key(service)
    token = signed.token if signed.presigned else request.headers.get("X-Amz-Security-Token")
    if row.kind == ApiKey.SESSION:
        if not token or not _same(keys.token_hash(token), row.token_hash):
            raise _invalid_token(service)
    elif token:
        raise _invalid_token(service)
    try:
        secret = keys.unseal(row.sealed_secret)
    except keys.SealBroken:
        logger.warning("The sealed secret of %s does not open: run manage.py awsapi_reindex", row.access_key_id)
        raise _invalid_key(service) from None
    sigv4.check_time(signed, service, timezone.now())
    sigv4.verify(request, signed, secret, raw_query, body, service)
    ratelimit.check(row.access_key_id, service)
    return Caller(row.sandbox, row.access_key_id, row.session_id or None, service, row.expires_at)


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def _invalid_key(service: str) -> AwsError:
    if service == "s3":
        return AwsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403)
    return AwsError("InvalidClientTokenId", MSG_INVALID_TOKEN, 403)


def _invalid_token(service: str) -> AwsError:
    if service == "s3":
        return AwsError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
    return AwsError("InvalidClientTokenId", MSG_INVALID_TOKEN, 403)
