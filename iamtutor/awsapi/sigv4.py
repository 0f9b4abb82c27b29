"""Signature Version 4 as AWS checks it, in its two forms: the ``Authorization`` header, and the query
string of a presigned URL.

The expected signature is computed by botocore's own signer (``SigV4Auth``, ``S3SigV4Auth``,
``SigV4QueryAuth``, ``S3SigV4QueryAuth``) over the request as received — the signed headers the client
listed, the raw query string, the path, the body's SHA-256 — and compared with the client's in constant
time (``hmac.compare_digest``). Before that: the credential scope (date, region, service, ``aws4_request``)
and the request time, within five minutes of real time (the presigned form: not past ``X-Amz-Expires``).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from .errors import MSG_SIGNATURE, AwsError

ALGORITHM = "AWS4-HMAC-SHA256"
SKEW = timedelta(minutes=5)  # "within five minutes of the time stamp" (SigV4 docs, above)
MAX_PRESIGN_EXPIRES = 604_800  # seven days
SERVICES = ("sts", "iam", "s3")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass
class Signed:
    """What a request says about its signature, before anything is checked against a secret."""

    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    presigned: bool
    expires: int | None = None
    token: str | None = None


def _header(request, name: str) -> str | None:
    return request.headers.get(name)


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """The raw query string as decoded (name, value) pairs, in order."""
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _sep, value = part.partition("=")
        pairs.append((unquote(name.replace("+", "%20")), unquote(value.replace("+", "%20"))))
    return pairs


def parse(request, raw_query: str, service_hint: str) -> Signed | None:
    """The signature a request carries (header or presigned form), or ``None`` when it carries none.
    Raises ``AwsError`` IncompleteSignature when it is there but malformed."""
    authorization = _header(request, "Authorization")
    query = dict(query_pairs(raw_query))
    if authorization is not None:
        return _parse_header(request, authorization, service_hint)
    if "X-Amz-Algorithm" in query or "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        return _parse_query(query, service_hint)
    if "AWSAccessKeyId" in query and "Signature" in query:
        raise _version_2(service_hint)
    return None


def _version_2(service: str) -> AwsError:
    """Signature Version 2, which S3 answers so in every region opened since 2014."""
    message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    return AwsError("InvalidRequest", message, 400) if service == "s3" else _incomplete(message, service)


def _incomplete(message: str, service: str) -> AwsError:
    if service == "s3":
        return AwsError("AuthorizationHeaderMalformed", message, 400)
    return AwsError("IncompleteSignature", message, 403)


def _parse_header(request, authorization: str, service: str) -> Signed:
    algorithm, _sep, rest = authorization.strip().partition(" ")
    if algorithm == "AWS":
        raise _version_2(service)
    if algorithm != ALGORITHM:
        raise _incomplete(
            f"Unsupported authorization type: {algorithm[:40]!r}; this endpoint accepts {ALGORITHM} only.", service
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, value = part.strip().partition("=")
        if eq:
            fields[name.strip()] = value.strip()
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        text = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        raise _incomplete(text, service)
    amz_date = _header(request, "X-Amz-Date")
    if amz_date is None and (http_date := _header(request, "Date")):
        try:
            amz_date = parsedate_to_datetime(http_date).astimezone(UTC).strftime(_AMZ_DATE)
        except (TypeError, ValueError, IndexError, OverflowError):
            amz_date = None
    if not amz_date:
        raise _incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", service
        )
    return _signed(fields["Credential"], fields["SignedHeaders"], fields["Signature"], amz_date, service, False)


def _parse_query(query: dict[str, str], service: str) -> Signed:
    missing = [
        name
        for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
        if not query.get(name)
    ]
    if missing:
        raise _incomplete(f"The query string is missing {', '.join(missing)} of a presigned request.", service)
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(f"X-Amz-Algorithm must be {ALGORITHM}.", service)
    expires_text = query.get("X-Amz-Expires", "")
    if not expires_text.isdigit() or not 1 <= int(expires_text) <= MAX_PRESIGN_EXPIRES:
        raise AwsError(
            "AuthorizationQueryParametersError",
            f"X-Amz-Expires must be a whole number of seconds from 1 to {MAX_PRESIGN_EXPIRES}.",
            400,
        )
    signed = _signed(
        query["X-Amz-Credential"],
        query["X-Amz-SignedHeaders"],
        query["X-Amz-Signature"],
        query["X-Amz-Date"],
        service,
        True,
    )
    signed.expires = int(expires_text)
    signed.token = query.get("X-Amz-Security-Token")
    return signed


def _signed(credential: str, signed_headers: str, signature: str, amz_date: str, service: str, presigned: bool):
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{credential[:200]}'",
            service,
        )
    if not re.fullmatch(r"[0-9a-f]{64}", signature):
        raise _incomplete("The Signature is 64 lowercase hexadecimal digits.", service)
    headers = signed_headers.split(";")
    if any(not re.fullmatch(r"[a-z0-9!#$%&'*+.^_`|~-]+", h) for h in headers) or len(headers) > 64:
        raise _incomplete("SignedHeaders is a list of lowercase header names separated by semicolons.", service)
    if "host" not in headers:
        raise _incomplete("'Host' must be a signed header.", service)
    return Signed(parts[0], parts[1], parts[2], parts[3], parts[4], headers, signature, amz_date, presigned)


def check_scope(signed: Signed, service: str) -> None:
    """The credential scope as AWS checks it; raises ``AwsError`` SignatureDoesNotMatch (S3:
    AuthorizationHeaderMalformed) naming what is wrong."""
    code, status = ("AuthorizationHeaderMalformed", 400) if service == "s3" else ("SignatureDoesNotMatch", 403)
    if not re.fullmatch(r"\d{8}T\d{6}Z", signed.amz_date):
        raise _incomplete(
            f"X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z', not '{signed.amz_date[:40]}'.",
            service,
        )
    if signed.date != signed.amz_date[:8]:
        raise AwsError(
            code,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{signed.date[:20]}' != '{signed.amz_date[:8]}', from '{signed.amz_date}'.",
            status,
        )
    if signed.terminator != "aws4_request":
        raise AwsError(
            code,
            f"Credential should be scoped with a valid terminator: 'aws4_request', not '{signed.terminator[:40]}'.",
            status,
        )
    if signed.service != service:
        raise AwsError(code, f"Credential should be scoped to correct service: '{service}'. ", status)
    if not _REGION.fullmatch(signed.region) or (service == "iam" and signed.region != "us-east-1"):
        raise AwsError(code, f"Credential should be scoped to a valid region, not '{signed.region[:40]}'. ", status)


def check_time(signed: Signed, service: str, now: datetime) -> None:
    """The 5-minute rule on real time (header form), or the presigned URL's own window."""
    try:
        stamp = datetime.strptime(signed.amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise _incomplete(f"X-Amz-Date '{signed.amz_date[:40]}' is not a date.", service) from None
    shown = now.strftime(_AMZ_DATE)
    if signed.presigned:
        if now > stamp + timedelta(seconds=signed.expires or 0):
            if service == "s3":
                raise AwsError("AccessDenied", "Request has expired", 403, Expires=signed.amz_date, ServerTime=shown)
            raise AwsError(
                "RequestExpired",
                f"Request has expired. The presigned request expired at "
                f"{(stamp + timedelta(seconds=signed.expires or 0)).strftime(_AMZ_DATE)}, now {shown}.",
                400,
            )
        if stamp > now + SKEW:
            raise AwsError(
                "RequestExpired" if service != "s3" else "AccessDenied",
                "Request is not valid yet: its X-Amz-Date is more than 5 minutes in the future.",
                400 if service != "s3" else 403,
            )
        return
    if abs(now - stamp) > SKEW:
        if service == "s3":
            raise AwsError(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                403,
                RequestTime=signed.amz_date,
                ServerTime=shown,
                MaxAllowedSkewMilliseconds="300000",
            )
        if stamp < now:
            limit = (now - SKEW).strftime(_AMZ_DATE)
            message = f"Signature expired: {signed.amz_date} is now earlier than {limit} ({shown} - 5 min.)"
        else:
            limit = (now + SKEW).strftime(_AMZ_DATE)
            message = f"Signature not yet current: {signed.amz_date} is still later than {limit} ({shown} + 5 min.)"
        raise AwsError("RequestExpired", message, 400)


class _Verifying:
    """Mixed into botocore's signers: the headers to sign are exactly those the client listed."""

    signed_names: list[str]
    received: dict[str, str]

    def headers_to_sign(self, request):  # botocore's hook
        headers = HTTPHeaders()
        for name in self.signed_names:
            headers[name] = self.received.get(name, "")
        return headers


def _signer(service: str, presigned: bool, credentials: Credentials, region: str, names, received):
    base = {
        (False, False): SigV4Auth,
        (False, True): S3SigV4Auth,
        (True, False): SigV4QueryAuth,
        (True, True): S3SigV4QueryAuth,
    }[(presigned, service == "s3")]
    cls = type(f"Verifying{base.__name__}", (_Verifying, base), {})
    signer = cls(credentials, service, region)
    signer.signed_names, signer.received = names, received
    return signer


def expected_signature(request, signed: Signed, secret: str, raw_query: str, body: bytes, service: str) -> str:
    """The signature botocore computes for this request with ``secret``."""
    received = {name: request.headers.get(name, "") for name in signed.signed_headers}
    received["host"] = request.META.get("HTTP_HOST", "")
    path = quote(request.path, safe="/~")
    if signed.presigned:
        raw_query = "&".join(p for p in raw_query.split("&") if not p.startswith("X-Amz-Signature="))
    url = f"http://{received['host'] or 'localhost'}{path}" + (f"?{raw_query}" if raw_query else "")
    headers = {}
    # Only S3 signs a payload hash it sends in a header (checked against the body in ``verify``); for the
    # other services the body's own hash is signed, whatever header a client adds.
    if service == "s3" and not signed.presigned and (content_hash := request.headers.get("X-Amz-Content-SHA256")):
        headers["X-Amz-Content-SHA256"] = content_hash
    aws_request = AWSRequest(method=request.method, url=url, headers=headers, data=body)
    aws_request.context["timestamp"] = signed.amz_date
    credentials = Credentials(signed.access_key_id, secret, signed.token)
    signer = _signer(service, signed.presigned, credentials, signed.region, signed.signed_headers, received)
    canonical = signer.canonical_request(aws_request)
    return signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)


def verify(request, signed: Signed, secret: str, raw_query: str, body: bytes, service: str) -> None:
    """Raises ``AwsError`` SignatureDoesNotMatch unless the request was signed with ``secret``; for S3 also
    checks that a signed payload hash is the body's."""
    if service == "s3" and not signed.presigned:
        claimed = request.headers.get("X-Amz-Content-SHA256")
        if claimed is None:
            raise AwsError("InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400)
        if claimed != UNSIGNED_PAYLOAD:
            if claimed.startswith("STREAMING-"):
                raise AwsError(
                    "NotImplemented",
                    "Chunked (aws-chunked) uploads are not supported by this endpoint; send the object in one body.",
                    501,
                )
            if not hmac.compare_digest(claimed, hashlib.sha256(body).hexdigest()):
                raise AwsError(
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    400,
                )
    expected = expected_signature(request, signed, secret, raw_query, body, service)
    if not hmac.compare_digest(expected.encode("ascii"), signed.signature.encode("ascii")):
        code, status = "SignatureDoesNotMatch", 403
        raise AwsError(code, MSG_SIGNATURE, status)
