"""Labs fixtures: the lab files read once per test process (reading checks every solution with the engine),
stored for tests that need the database, and clients for alice and for bob, a classmate."""

from __future__ import annotations

import pytest
from django.test import Client

from iamtutor.labs.loader import read_labs
from iamtutor.labs.store import store


@pytest.fixture(scope="session")
def lab_sources():
    return {lab.key: lab for lab in read_labs()}


@pytest.fixture
def labs(db, lab_sources):
    store(list(lab_sources.values()))


@pytest.fixture
def alice_client(alice):
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob):
    client = Client()
    client.force_login(bob)
    return client
