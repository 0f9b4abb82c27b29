"""The small S3 data plane with boto3: allowed or denied exactly as the engine decides, objects stored with
the sandbox, AWS's REST errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from iamtutor.awsapi.models import S3Object
from iamtutor.sandbox.models import AuditEvent

from .conftest import ACCOUNT, Key

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = f"reports-{ACCOUNT}"
READER = f"arn:aws:iam::{ACCOUNT}:role/ReportsReader"


def error(caught) -> tuple[int, str]:
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_admin_writes_lists_reads_and_deletes(client_for, admin_key, sandbox):
    s3 = client_for("s3", admin_key)
    assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.put_object(Bucket=BUCKET, Key="notes/a b+c.txt", Body=b"hello")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="notes/")
    assert [(o["Key"], o["Size"]) for o in listed["Contents"]] == [("notes/a b+c.txt", 5)]
    assert s3.get_object(Bucket=BUCKET, Key="notes/a b+c.txt")["Body"].read() == b"hello"
    s3.delete_object(Bucket=BUCKET, Key="notes/a b+c.txt")
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="notes/a b+c.txt")
    assert error(caught) == (404, "NoSuchKey")
    assert AuditEvent.objects.filter(sandbox=sandbox, event_source="s3.amazonaws.com").exists()


def test_assumed_role_reads_but_may_not_write(client_for, alice_key, admin_key):
    client_for("s3", admin_key).put_object(Bucket=BUCKET, Key="q3.csv", Body=b"1,2,3")
    creds = client_for("sts", alice_key).assume_role(RoleArn=READER, RoleSessionName="reader")["Credentials"]
    reader = client_for("s3", Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
    assert reader.get_object(Bucket=BUCKET, Key="q3.csv")["Body"].read() == b"1,2,3"
    with pytest.raises(ClientError) as caught:
        reader.put_object(Bucket=BUCKET, Key="q3.csv", Body=b"changed")
    assert error(caught) == (403, "AccessDenied")
    assert "s3:PutObject" in caught.value.response["Error"]["Message"]


def test_low_privilege_user_is_denied(client_for, bob_key):
    with pytest.raises(ClientError) as caught:
        client_for("s3", bob_key).list_objects_v2(Bucket=BUCKET)
    assert error(caught) == (403, "AccessDenied")


def test_unknown_bucket(client_for, admin_key):
    with pytest.raises(ClientError) as caught:
        client_for("s3", admin_key).put_object(Bucket="no-such-bucket-here", Key="k", Body=b"x")
    assert error(caught) == (404, "NoSuchBucket")


def test_object_over_the_limit_is_entity_too_large(client_for, admin_key, settings):
    settings.AWSAPI_MAX_OBJECT_BYTES = 1024
    with pytest.raises(ClientError) as caught:
        client_for("s3", admin_key).put_object(Bucket=BUCKET, Key="big", Body=b"x" * 2048)
    assert error(caught) == (400, "EntityTooLarge")
    assert not S3Object.objects.filter(key="big").exists()


def test_object_count_limit(client_for, admin_key, settings):
    settings.AWSAPI_MAX_OBJECTS = 2
    s3 = client_for("s3", admin_key)
    s3.put_object(Bucket=BUCKET, Key="one", Body=b"1")
    s3.put_object(Bucket=BUCKET, Key="two", Body=b"2")
    s3.put_object(Bucket=BUCKET, Key="two", Body=b"2 again")  # replacing is not adding
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="three", Body=b"3")
    assert error(caught) == (400, "InvalidRequest")


def test_presigned_get_url(client_for, admin_key):
    import urllib.request

    s3 = client_for("s3", admin_key, signature_version="s3v4")
    s3.put_object(Bucket=BUCKET, Key="shared.txt", Body=b"shared")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "shared.txt"}, ExpiresIn=60)
    with urllib.request.urlopen(url) as response:  # noqa: S310 (the live test server)
        assert response.read() == b"shared"


def test_signature_version_2_is_refused_as_s3_does(client_for, admin_key):
    import urllib.error
    import urllib.request

    url = client_for("s3", admin_key).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "q1.csv"}, ExpiresIn=60
    )
    assert "AWSAccessKeyId=" in url  # botocore presigns S3 with SigV2 unless told otherwise
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url)  # noqa: S310 (the live test server)
    with caught.value as error:  # closed, so no connection outlives the test
        assert error.code == 400
        assert b"<Code>InvalidRequest</Code>" in error.read()


def test_expired_session_is_s3s_expired_token(client_for, alice_key, sandbox):
    creds = client_for("sts", alice_key).assume_role(RoleArn=READER, RoleSessionName="late", DurationSeconds=900)[
        "Credentials"
    ]
    type(sandbox).objects.filter(pk=sandbox.pk).update(clock_offset=901)
    reader = client_for("s3", Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
    with pytest.raises(ClientError) as caught:
        reader.get_object(Bucket=BUCKET, Key="q1.csv")
    assert error(caught) == (400, "ExpiredToken")
