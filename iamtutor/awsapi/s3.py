"""A small S3 data plane in S3's REST protocol, path-style below the endpoint (``/aws/<bucket>/<key>``):
ListBuckets, ListObjectsV2, GetObject (and HeadObject), PutObject, DeleteObject on the buckets of the
sandbox's world. Each call is decided by the engine as the caller (``s3:GetObject`` on
``arn:aws:s3:::bucket/key``…), bucket policies, SCPs and session policies included, and recorded in the
audit trail; objects are stored with the sandbox (``models.S3Object``), small and few.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from iamtutor.engine import EngineError

from .calls import Caller, denial
from .errors import AwsError, xml_response, xml_text
from .models import S3Object
from .sigv4 import query_pairs
from .sts import run_in_sandbox

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_KEYS = 1000


def _max_objects() -> int:
    return int(getattr(settings, "AWSAPI_MAX_OBJECTS", 200))


def _run(caller: Caller, body):
    return run_in_sandbox(caller, body, errors=_s3_error)


def _s3_error(err: EngineError, _caller: Caller, _world) -> AwsError:
    """S3's own wording and status for an engine error (its key and token errors differ from STS's)."""
    if err.code == "ExpiredToken":
        return AwsError("ExpiredToken", "The provided token has expired.", 400)
    if err.code == "InvalidClientTokenId":
        return AwsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403)
    return AwsError(err.code, err.message, err.http_status)


def _authorize(world, caller: Caller, action: str, resource: str) -> None:
    decision = world.request(caller.ref, action, resource)
    if not decision.allowed:
        raise denial(decision, caller.sandbox, world=world)


def _bucket_owner(world, bucket: str) -> str | None:
    arn = f"arn:aws:s3:::{bucket}"
    for account in world.accounts.values():
        if arn in account.resources:
            return account.id
    return None


def _no_bucket(bucket: str) -> AwsError:
    return AwsError("NoSuchBucket", "The specified bucket does not exist", 404, BucketName=bucket)


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def handle(request, rest: str, raw_query: str, body: bytes, rid: str, authenticate) -> HttpResponse:
    caller = authenticate(request, raw_query, body, "s3")
    bucket, _slash, key = rest.partition("/")
    query = dict(query_pairs(raw_query))
    method = request.method
    if not bucket:
        if method == "GET":
            return _list_buckets(caller, rid)
    elif not key:
        if method == "GET":
            return _list_objects(caller, bucket, query, rid)
    elif method in ("GET", "HEAD"):
        return _get_object(caller, bucket, key, rid, head=method == "HEAD")
    elif method == "PUT":
        return _put_object(caller, bucket, key, body, request.content_type or "binary/octet-stream", rid)
    elif method == "DELETE":
        return _delete_object(caller, bucket, key, rid)
    raise AwsError(
        "NotImplemented",
        "A header or method you provided implies functionality that is not implemented: this endpoint's S3 offers "
        "ListBuckets, ListObjectsV2, GetObject, HeadObject, PutObject and DeleteObject.",
        501,
    )


def _list_buckets(caller: Caller, rid: str) -> HttpResponse:
    def body(world):
        _authorize(world, caller, "s3:ListAllMyBuckets", "*")
        account = world.caller(caller.ref).account
        own = world.accounts.get(account)
        names = sorted(arn.split(":::", 1)[1] for arn in (own.resources if own else {}) if _is_bucket(arn))
        return account, names

    account, names = _run(caller, body)
    buckets = "".join(
        f"<Bucket><Name>{xml_text(name)}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>"
        for name in names
    )
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="{S3_NAMESPACE}">'
        f"<Owner><ID>{account}</ID><DisplayName>{account}</DisplayName></Owner><Buckets>{buckets}</Buckets>"
        "</ListAllMyBucketsResult>"
    )
    return xml_response(text, 200, rid, s3=True)


def _is_bucket(arn: str) -> bool:
    return arn.startswith("arn:aws:s3:::") and "/" not in arn and "*" not in arn and "?" not in arn


def _list_objects(caller: Caller, bucket: str, query: dict, rid: str) -> HttpResponse:
    if query.get("list-type") != "2":
        raise AwsError("NotImplemented", "This endpoint lists objects with ListObjectsV2 (list-type=2) only.", 501)
    prefix = query.get("prefix", "")
    max_text = query.get("max-keys", str(MAX_KEYS))
    if not max_text.isdigit():
        raise AwsError("InvalidArgument", "Provided max-keys not an integer or within integer range", 400)
    max_keys = min(int(max_text), MAX_KEYS)
    after = query.get("continuation-token") or query.get("start-after") or ""

    def body(world):
        if _bucket_owner(world, bucket) is None:
            raise _no_bucket(bucket)
        _authorize(world, caller, "s3:ListBucket", f"arn:aws:s3:::{bucket}")
        rows = S3Object.objects.filter(sandbox=caller.sandbox, bucket=bucket, key__startswith=prefix, key__gt=after)
        return list(rows.order_by("key").defer("body")[: max_keys + 1])

    rows = _run(caller, body)
    truncated = len(rows) > max_keys
    rows = rows[:max_keys]
    contents = "".join(
        f"<Contents><Key>{xml_text(r.key)}</Key><LastModified>{_iso(r.last_modified)}</LastModified>"
        f"<ETag>&quot;{r.etag}&quot;</ETag><Size>{r.size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
        for r in rows
    )
    token = f"<NextContinuationToken>{xml_text(rows[-1].key)}</NextContinuationToken>" if truncated and rows else ""
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{S3_NAMESPACE}">'
        f"<Name>{xml_text(bucket)}</Name><Prefix>{xml_text(prefix)}</Prefix><KeyCount>{len(rows)}</KeyCount>"
        f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{token}{contents}"
        "</ListBucketResult>"
    )
    return xml_response(text, 200, rid, s3=True)


def _get_object(caller: Caller, bucket: str, key: str, rid: str, *, head: bool) -> HttpResponse:
    def body(world):
        if _bucket_owner(world, bucket) is None:
            raise _no_bucket(bucket)
        _authorize(world, caller, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")
        return S3Object.objects.filter(sandbox=caller.sandbox, bucket=bucket, key=key).first()

    row = _run(caller, body)
    if row is None:
        raise AwsError("NoSuchKey", "The specified key does not exist.", 404, Key=key)
    data = bytes(row.body)
    response = HttpResponse(b"" if head else data, status=200, content_type=row.content_type)
    response["Content-Length"] = str(len(data))
    response["ETag"] = f'"{row.etag}"'
    response["Last-Modified"] = row.last_modified.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["x-amz-request-id"] = rid
    return response


def _put_object(caller: Caller, bucket: str, key: str, data: bytes, content_type: str, rid: str) -> HttpResponse:
    if len(key.encode("utf-8")) > 1024:
        raise AwsError("KeyTooLongError", "Your key is too long", 400)
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()

    def body(world):
        if _bucket_owner(world, bucket) is None:
            raise _no_bucket(bucket)
        _authorize(world, caller, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")
        existing = S3Object.objects.filter(sandbox=caller.sandbox, bucket=bucket, key=key)
        if not existing.exists() and S3Object.objects.filter(sandbox=caller.sandbox).count() >= _max_objects():
            raise AwsError(
                "InvalidRequest",
                f"This sandbox holds at most {_max_objects()} objects; delete some before adding more.",
                400,
            )
        S3Object.objects.update_or_create(
            sandbox=caller.sandbox,
            bucket=bucket,
            key=key,
            defaults={
                "body": data,
                "size": len(data),
                "content_type": content_type[:255],
                "etag": etag,
                "last_modified": timezone.now(),
            },
        )

    _run(caller, body)
    response = HttpResponse(b"", status=200)
    response["ETag"] = f'"{etag}"'
    response["x-amz-request-id"] = rid
    return response


def _delete_object(caller: Caller, bucket: str, key: str, rid: str) -> HttpResponse:
    def body(world):
        if _bucket_owner(world, bucket) is None:
            raise _no_bucket(bucket)
        _authorize(world, caller, "s3:DeleteObject", f"arn:aws:s3:::{bucket}/{key}")
        S3Object.objects.filter(sandbox=caller.sandbox, bucket=bucket, key=key).delete()

    _run(caller, body)
    response = HttpResponse(b"", status=204)
    response["x-amz-request-id"] = rid
    return response
