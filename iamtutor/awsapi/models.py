"""The key index: one row per access key id a sandbox holds, so a signed request finds its sandbox and the
secret that verifies it in one indexed query (``access_key_id`` is unique).

AWS access key ids are unique across AWS; here too. The rows are kept by ``keys.INDEX`` in the same
transaction that stores or removes the credentials (``iamtutor.sandbox.hooks.KeyIndex``). The secret is
stored encrypted (``keys.seal``): a database dump alone does not hold a usable secret. A session's token is
kept as its SHA-256 only, since it is only ever compared.
"""

from __future__ import annotations

from django.db import models

from iamtutor.sandbox.models import Sandbox


class ApiKey(models.Model):
    LONG_TERM = "long-term"
    SESSION = "session"
    KINDS = [(LONG_TERM, "long-term access key"), (SESSION, "STS session")]

    access_key_id = models.CharField(max_length=128, unique=True)
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=16, choices=KINDS)
    sealed_secret = models.CharField(max_length=256, help_text="The secret access key, encrypted (keys.seal).")
    token_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of a session's token, hex.")
    session_id = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="A session's expiry (sandbox clock).")

    def __str__(self) -> str:
        return self.access_key_id  # never the secret


class S3Object(models.Model):
    """One object of a simulated S3 bucket, stored with the sandbox (small: ``AWSAPI_MAX_OBJECT_BYTES``, and
    at most ``AWSAPI_MAX_OBJECTS`` per sandbox). The bucket itself is a resource of the sandbox's world."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="s3_objects")
    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=1024)
    body = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=255, default="binary/octet-stream")
    etag = models.CharField(max_length=34)
    last_modified = models.DateTimeField()

    class Meta:
        ordering = ["sandbox", "bucket", "key"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "bucket", "key"], name="s3_object_unique")]

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"
