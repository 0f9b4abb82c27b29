"""Fixtures for the AWS-compatible endpoint: a learner's sandbox with long-term keys (an administrator, the
starting world's alice and bob), and boto3 clients pointed at the live test server's ``/aws/``."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config

from iamtutor.sandbox.worlds import changing, create_sandbox

ACCOUNT = "111111111111"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass
class Key:
    access_key_id: str
    secret: str
    token: str | None = None


def add_key(sandbox, user: str, *, create: bool = False, policy: str | None = None) -> Key:
    """An access key for ``user`` of the learner's account, made through the sandbox adapter (so the key
    index is kept as the pages keep it)."""
    arn = f"arn:aws:iam::{ACCOUNT}:user/{user}"
    with changing(sandbox) as loaded:
        if create:
            loaded.world.create_user(ACCOUNT, user)
        if policy:
            loaded.world.attach_policy(arn, policy)
        key = loaded.world.create_access_key(arn)
    sandbox.refresh_from_db()
    return Key(key.id, key.secret)


@pytest.fixture
def sandbox(alice):
    return create_sandbox(owner=alice)


@pytest.fixture
def admin_key(sandbox) -> Key:
    return add_key(sandbox, "admin", create=True, policy=ADMIN_POLICY)


@pytest.fixture
def alice_key(sandbox) -> Key:
    return add_key(sandbox, "alice")


@pytest.fixture
def bob_key(sandbox) -> Key:
    """bob has no permission at all: the low-privilege user."""
    return add_key(sandbox, "bob")


@pytest.fixture
def endpoint(live_server) -> str:
    return f"{live_server.url}/aws/"


def make_client(service: str, endpoint: str, key: Key, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret,
        aws_session_token=key.token,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}, **config),
    )


@pytest.fixture
def client_for(endpoint):
    """Makes boto3 clients for the test and closes their connections before the live server's database
    connection stops being shared (an idle keep-alive connection would otherwise be closed later, from a
    server thread, against a connection it may no longer use)."""
    made = []

    def make(service, key, **config):
        client = make_client(service, endpoint, key, **config)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
