"""Sandbox fixtures: alice's sandbox (signed in), and clients for alice and for the outsider mallory."""

from __future__ import annotations

import pytest

from tests.factories import SandboxFactory


@pytest.fixture
def alice_sandbox(alice):
    return SandboxFactory(owner=alice)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def mallory_client(client, mallory):
    client.force_login(mallory)
    return client
