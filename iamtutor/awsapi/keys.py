"""The key index kept in step with the sandbox's credentials, and the sealing of the secrets it holds.

``INDEX`` is registered with ``iamtutor.sandbox.hooks`` when the app starts: the sandbox adapter calls it in
the very transaction that stores or removes access keys and STS sessions, so the index never disagrees with
the sandbox. A key id that another sandbox already holds (an imported world file carrying someone else's key
ids) is not indexed, so it never reaches that other sandbox: the endpoint answers it ``InvalidClientTokenId``.

Secrets are sealed before they are stored: XOR with an HMAC-SHA256 key stream (a fresh 16-byte nonce per
secret), then an HMAC-SHA256 tag over nonce and ciphertext (encrypt-then-MAC), under a key derived from
``AWSAPI_SEAL_KEY`` (default: ``SECRET_KEY``). A database dump without the site's key holds no usable secret.
Changing the key makes every sealed secret unreadable: run ``manage.py awsapi_reindex`` afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets

from django.conf import settings
from django.db import connections
from django.utils.dateparse import parse_datetime

from iamtutor.sandbox.models import Sandbox

from .models import ApiKey, S3Object

_NONCE, _TAG = 16, 16


class SealBroken(Exception):
    """A sealed secret that does not open under the site's key (the key changed, or the row was altered)."""


def _master() -> bytes:
    key = getattr(settings, "AWSAPI_SEAL_KEY", "") or settings.SECRET_KEY
    return hmac.new(key.encode("utf-8"), b"iamtutor.awsapi.seal.v1", hashlib.sha256).digest()


def _stream(master: bytes, nonce: bytes, length: int) -> bytes:
    blocks, counter = [], 0
    while sum(map(len, blocks)) < length:
        blocks.append(hmac.new(master, b"stream" + nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest())
        counter += 1
    return b"".join(blocks)[:length]


def seal(secret: str) -> str:
    """``secret`` encrypted and authenticated under the site's key, as ASCII text."""
    master, nonce, plain = _master(), random_secrets.token_bytes(_NONCE), secret.encode("utf-8")
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(master, nonce, len(plain)), strict=True))
    tag = hmac.new(master, b"tag" + nonce + cipher, hashlib.sha256).digest()[:_TAG]
    return base64.b64encode(nonce + cipher + tag).decode("ascii")


def unseal(sealed: str) -> str:
    """The secret ``seal`` sealed; raises ``SealBroken`` if it was not sealed under this site's key."""
    master = _master()
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise SealBroken from None
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    expected = hmac.new(master, b"tag" + nonce + cipher, hashlib.sha256).digest()[:_TAG]
    if len(raw) < _NONCE + _TAG or not hmac.compare_digest(tag, expected):
        raise SealBroken
    return bytes(a ^ b for a, b in zip(cipher, _stream(master, nonce, len(cipher)), strict=True)).decode("utf-8")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def find(access_key_id: str) -> ApiKey | None:
    """The index row of ``access_key_id`` with its sandbox: one indexed query (a join), never a scan.

    Every signed call starts here, so the query is compiled once per database connection (``_Lookup``) rather
    than by the ORM on each call, which cost about a quarter of a GetCallerIdentity's CPU."""
    if not access_key_id or len(access_key_id) > 128:
        return None
    connection = connections[ApiKey.objects.db]
    lookup = getattr(connection, "_awsapi_key_lookup", None)
    if lookup is None:
        lookup = connection._awsapi_key_lookup = _Lookup(connection.alias)
    return lookup(access_key_id)


class _Lookup:
    """``ApiKey.objects.select_related("sandbox").filter(access_key_id=…)[:1]`` compiled once: its SQL, and the
    converters the database's values need (SQLite's text UUIDs and dates), applied as the ORM applies them."""

    def __init__(self, alias: str) -> None:
        query = ApiKey.objects.using(alias).select_related("sandbox").filter(access_key_id="")[:1].query
        self.compiler = query.get_compiler(alias)
        self.sql, params = self.compiler.as_sql()
        if list(params) != [""]:  # the one parameter is the key id (the limit is written into the SQL)
            raise ValueError(f"Unexpected parameters of the key lookup: {params!r}")
        columns = [column for column, _sql, _alias in self.compiler.select]
        self.converters = self.compiler.get_converters(columns)
        self.alias = alias
        self.key_fields = [f.attname for f in ApiKey._meta.concrete_fields]
        self.sandbox_fields = [f.attname for f in Sandbox._meta.concrete_fields]
        if len(columns) != len(self.key_fields) + len(self.sandbox_fields):
            raise ValueError("The key lookup does not select the key's and the sandbox's columns.")

    def __call__(self, access_key_id: str) -> ApiKey | None:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, [access_key_id])
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        split = len(self.key_fields)
        key = ApiKey.from_db(self.alias, self.key_fields, row[:split])
        key.sandbox = Sandbox.from_db(self.alias, self.sandbox_fields, row[split:])
        return key


def _session_row(sandbox, data: dict) -> ApiKey:
    return ApiKey(
        access_key_id=data["access_key_id"],
        sandbox=sandbox,
        kind=ApiKey.SESSION,
        sealed_secret=seal(data["secret_access_key"]),
        token_hash=token_hash(data["session_token"]),
        session_id=data["id"],
        expires_at=parse_datetime(data["expires_at"]),
    )


class KeyIndex:
    """``iamtutor.sandbox.hooks.KeyIndex`` over ``ApiKey`` rows."""

    def keys_added(self, sandbox, secrets: dict[str, str]) -> None:
        rows = [
            ApiKey(access_key_id=key_id, sandbox=sandbox, kind=ApiKey.LONG_TERM, sealed_secret=seal(secret))
            for key_id, secret in secrets.items()
        ]
        ApiKey.objects.bulk_create(rows, ignore_conflicts=True)

    def keys_removed(self, sandbox, key_ids) -> None:
        ApiKey.objects.filter(sandbox=sandbox, access_key_id__in=list(key_ids)).delete()

    def sessions_saved(self, sandbox, sessions: list[dict]) -> None:
        rows = [_session_row(sandbox, data) for data in sessions if data.get("access_key_id")]
        ApiKey.objects.bulk_create(rows, ignore_conflicts=True)
        for data in sessions:  # a changed session (its expiry) keeps its row in step
            ApiKey.objects.filter(sandbox=sandbox, access_key_id=data.get("access_key_id", "")).update(
                expires_at=parse_datetime(data["expires_at"])
            )

    def cleared(self, sandbox) -> None:
        """Also empties the sandbox's S3 objects: a reset or an import starts the buckets afresh."""
        ApiKey.objects.filter(sandbox=sandbox).delete()
        S3Object.objects.filter(sandbox=sandbox).delete()


INDEX = KeyIndex()


def reindex(sandbox) -> int:
    """Rebuilds ``sandbox``'s index rows from its stored keys and sessions (after a change of the sealing
    key, or for credentials stored before the endpoint existed); returns how many rows it holds now."""
    INDEX.cleared(sandbox)
    INDEX.keys_added(sandbox, dict(sandbox.key_secrets.values_list("access_key_id", "secret")))
    INDEX.sessions_saved(sandbox, [data for data in sandbox.sts_sessions.values_list("data", flat=True)])
    return ApiKey.objects.filter(sandbox=sandbox).count()
