"""AWS's errors as the endpoint sends them: code, message and HTTP status, in the Query protocol's
``ErrorResponse`` (STS, IAM) or S3's ``Error`` document. Nothing else leaves the endpoint on failure: never a
traceback, never an HTML page.

Codes, statuses and messages follow AWS's references: the common errors of the Query APIs
(https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html) and S3's error responses
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
"""

from __future__ import annotations

import re
import uuid
from xml.sax.saxutils import escape

from django.http import HttpResponse

NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}

MSG_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
MSG_INVALID_TOKEN = "The security token included in the request is invalid."  # noqa: S105 (a message)
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"  # noqa: S105 (a message)
MSG_MISSING_AUTH = "Request is missing Authentication Token"
MSG_INVALID_ACTION = "Could not find operation {action} for version {version}"


class AwsError(Exception):
    """One AWS error: ``code``, ``message``, HTTP ``status``; ``sender`` False for a fault of ours."""

    def __init__(self, code: str, message: str, status: int = 400, *, sender: bool = True, **extra: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status, self.sender, self.extra = code, message, status, sender, extra
        self.service_override: str | None = None


def request_id() -> str:
    return str(uuid.uuid4())


# What XML 1.0 cannot hold: control characters but tab, newline and return; lone surrogates.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\U0010ffff]")


def xml_text(value: object) -> str:
    """Text made safe for an XML element: escaped, and without the characters XML 1.0 cannot hold."""
    return escape(_NOT_XML.sub("", str(value)))


def query_error(error: AwsError, service: str, rid: str) -> HttpResponse:
    """The Query protocol's ``ErrorResponse`` (STS and IAM)."""
    namespace = NAMESPACES.get(service, NAMESPACES["sts"])
    kind = "Sender" if error.sender else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}">\n  <Error>\n    <Type>{kind}</Type>\n'
        f"    <Code>{xml_text(error.code)}</Code>\n    <Message>{xml_text(error.message)}</Message>\n"
        f"  </Error>\n  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n"
    )
    return xml_response(body, error.status, rid)


def s3_error(error: AwsError, rid: str) -> HttpResponse:
    """S3's ``Error`` document, with the extra elements an error carries (``Key``, ``BucketName``…)."""
    extra = "".join(f"<{name}>{xml_text(value)}</{name}>" for name, value in error.extra.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{xml_text(error.code)}</Code><Message>{xml_text(error.message)}</Message>{extra}"
        f"<RequestId>{rid}</RequestId><HostId>{rid}</HostId></Error>"
    )
    return xml_response(body, error.status, rid, s3=True)


def xml_response(body: str, status: int, rid: str, *, s3: bool = False) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), status=status, content_type="text/xml")
    response["x-amzn-RequestId" if not s3 else "x-amz-request-id"] = rid
    return response
