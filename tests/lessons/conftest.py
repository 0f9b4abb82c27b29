"""Lesson fixtures: the shipped content read once per run and stored for each test that needs it, and a
client per member of the cast."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def shipped_content():
    from lessons.loader import read_content

    return read_content()


@pytest.fixture
def loaded(db, shipped_content):
    from lessons.store import store

    store(shipped_content)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(alice, bob):
    from django.test import Client

    other = Client()
    other.force_login(bob)
    return other
