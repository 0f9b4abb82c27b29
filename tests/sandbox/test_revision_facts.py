"""Sandbox pages read accounts and sessions once per revision (``iamtutor/sandbox/revision.py``): a repeat
visit reads no account document or session row, a change shows at once, one sandbox's facts never show in
another's, and facts read in a transaction that is rolled back are never kept.

The test database wraps each test in a transaction, so facts are stored only inside
``django_capture_on_commit_callbacks(execute=True)`` (``visit`` below), as after a real commit."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import caches
from django.db import transaction
from django.urls import reverse

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox import revision
from iamtutor.sandbox.worlds import changing
from tests.factories import SandboxFactory

pytestmark = pytest.mark.django_db
ME = "111111111111"
ALICE = f"arn:aws:iam::{ME}:user/alice"
READER = f"arn:aws:iam::{ME}:role/ReportsReader"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
    }
)
PAGES = ["overview", "roles", "credentials"]
ROW_TABLES = ("sandbox_sandboxaccount", "sandbox_stssession")


@pytest.fixture
def visit(django_capture_on_commit_callbacks):
    def get(client, name: str, sandbox) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse(f"sandbox:{name}", args=[sandbox.pk]))
        assert response.status_code == 200
        return response.content.decode()

    return get


def _create_role(sandbox, name: str) -> None:
    with changing(sandbox) as loaded:
        loaded.world.create_role(ME, name, TRUST)


def _assume(sandbox, name: str = "reading") -> None:
    with changing(sandbox) as loaded:
        assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, name, duration_seconds=900))


@pytest.mark.parametrize("page", PAGES)
def test_a_repeat_visit_reads_no_account_or_session_row(
    alice_client, alice_sandbox, visit, page, django_assert_max_num_queries
):
    _assume(alice_sandbox)
    visit(alice_client, page, alice_sandbox)
    with django_assert_max_num_queries(5) as queries:
        alice_client.get(reverse(f"sandbox:{page}", args=[alice_sandbox.pk]))
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert not any(table in read for table in ROW_TABLES), read


def test_a_new_role_shows_at_once(alice_client, alice_sandbox, visit):
    assert "FreshRole" not in visit(alice_client, "roles", alice_sandbox)
    _create_role(alice_sandbox, "FreshRole")
    assert "FreshRole" in visit(alice_client, "roles", alice_sandbox)
    assert f"{READER[: -len('ReportsReader')]}FreshRole" in visit(alice_client, "credentials", alice_sandbox)


def test_a_new_session_shows_at_once_and_counts_follow_the_clock(alice_client, alice_sandbox, visit):
    assert "0 active, 0 expired." in visit(alice_client, "overview", alice_sandbox)
    _assume(alice_sandbox, "fresh-session")
    assert "fresh-session" in visit(alice_client, "credentials", alice_sandbox)
    overview = visit(alice_client, "overview", alice_sandbox)
    assert "1 active, 0 expired." in overview and "AssumeRole" in overview
    # The clock moves without a new revision: counts and "expired" are worked out against now every time.
    alice_client.post(reverse("sandbox:clock", args=[alice_sandbox.pk]), {"action": "forward", "minutes": "60"})
    assert "0 active, 1 expired." in visit(alice_client, "overview", alice_sandbox)
    assert "No active sessions." in visit(alice_client, "credentials", alice_sandbox)


def test_one_sandboxs_facts_never_show_in_another(alice_client, alice_sandbox, bob, visit):
    from django.test import Client

    bob_sandbox = SandboxFactory(owner=bob)
    _create_role(alice_sandbox, "OnlyAlices")
    _create_role(bob_sandbox, "OnlyBobs")
    alice_sandbox.refresh_from_db()
    bob_sandbox.refresh_from_db()
    assert alice_sandbox.revision == bob_sandbox.revision  # same revision number, different sandboxes
    bob_client = Client()
    bob_client.force_login(bob)
    for page in PAGES:
        visit(alice_client, page, alice_sandbox)
    bobs = visit(bob_client, "roles", bob_sandbox)
    assert "OnlyBobs" in bobs and "OnlyAlices" not in bobs
    assert "OnlyAlices" not in visit(bob_client, "credentials", bob_sandbox)


def test_facts_read_in_a_rolled_back_change_are_never_kept(
    alice_client, alice_sandbox, visit, django_capture_on_commit_callbacks
):
    class Undo(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Undo), transaction.atomic():
        _create_role(alice_sandbox, "NeverCommitted")
        alice_sandbox.refresh_from_db()
        assert any(row["name"] == "NeverCommitted" for _a, rows in revision.roles(alice_sandbox) for row in rows)
        raise Undo
    alice_sandbox.refresh_from_db()
    _create_role(alice_sandbox, "Committed")  # the same revision number the rolled-back change had
    page = visit(alice_client, "roles", alice_sandbox)
    assert "Committed" in page and "NeverCommitted" not in page


def test_a_classroom_sandboxs_events_are_read_every_time(client, alice, alice_enrolled, visit):
    # A classmate's cross-account call records an event in this account without a new revision.
    from tests.factories import AuditEventFactory

    client.force_login(alice)
    sandbox = alice_enrolled.sandbox
    assert "CalledByAClassmate" not in visit(client, "overview", sandbox)
    AuditEventFactory(sandbox=sandbox, event_name="CalledByAClassmate", event_time=sandbox.created)
    assert "CalledByAClassmate" in visit(client, "overview", sandbox)


def test_facts_are_kept_with_a_lifetime(alice_client, alice_sandbox, visit):
    visit(alice_client, "roles", alice_sandbox)
    renders = caches["renders"]
    keys = [key for key in renders._cache if f"sandbox:{alice_sandbox.pk}:" in key]
    assert keys
    assert all(time.time() < renders._expire_info[key] <= time.time() + revision.FACT_SECONDS for key in keys)


def test_the_overview_takes_a_bounded_number_of_queries_whatever_the_sandbox_holds(
    alice_client, alice_sandbox, django_assert_max_num_queries
):
    # Uncached (the first visit after a change): the same handful of queries for 60 roles and 40 sessions.
    with changing(alice_sandbox) as loaded:
        for n in range(60):
            loaded.world.create_role(ME, f"Many{n:02}", TRUST)
        for n in range(40):
            assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, f"s{n}", duration_seconds=900 + n))
    with django_assert_max_num_queries(7):
        page = alice_client.get(reverse("sandbox:overview", args=[alice_sandbox.pk])).content.decode()
    assert "40 active, 0 expired." in page
