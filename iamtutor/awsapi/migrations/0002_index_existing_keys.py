"""Indexes the access keys and STS sessions stored before the endpoint existed (the running site keeps the
index in step from now on). Secrets are sealed under the site's key, as ``keys.seal`` does."""

from django.db import migrations
from django.utils.dateparse import parse_datetime


def index_existing(apps, schema_editor):
    from iamtutor.awsapi.keys import seal, token_hash

    ApiKey = apps.get_model("awsapi", "ApiKey")
    AccessKeySecret = apps.get_model("sandbox", "AccessKeySecret")
    StsSession = apps.get_model("sandbox", "StsSession")
    for row in AccessKeySecret.objects.iterator():
        ApiKey.objects.bulk_create(
            [ApiKey(access_key_id=row.access_key_id, sandbox_id=row.sandbox_id, kind="long-term", sealed_secret=seal(row.secret))],
            ignore_conflicts=True,
        )
    for row in StsSession.objects.iterator():
        data = row.data
        if not data.get("secret_access_key") or not data.get("session_token"):
            continue
        ApiKey.objects.bulk_create(
            [
                ApiKey(
                    access_key_id=row.access_key_id,
                    sandbox_id=row.sandbox_id,
                    kind="session",
                    sealed_secret=seal(data["secret_access_key"]),
                    token_hash=token_hash(data["session_token"]),
                    session_id=row.session_id,
                    expires_at=parse_datetime(data["expires_at"]) if data.get("expires_at") else row.expires_at,
                )
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("awsapi", "0001_initial"), ("sandbox", "0004_classroom_sandboxes")]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop)]
