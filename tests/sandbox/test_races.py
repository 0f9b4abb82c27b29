"""Races against real PostgreSQL: concurrent resets, confirmations of one import, creations of one personal
sandbox, and pages loaded during a reset. Each thread has its own client and its own database connection.
No request may answer 500, no row may be duplicated, and the final state must be one of the consistent ones.

Run with ``DATABASE_URL=postgres://…`` (CI does); on SQLite the module is skipped, since SQLite serializes
writers by itself and an in-memory test database is not shared between threads.
"""

from __future__ import annotations

import json
from collections import Counter

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from iamtutor.sandbox.models import Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import SandboxWorld, create_sandbox, export_data
from tests.races import POSTGRES_ONLY, together

pytestmark = POSTGRES_ONLY
THREADS = 5
READER = "arn:aws:iam::111111111111:role/ReportsReader"


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _changed_sandbox(owner) -> Sandbox:
    sandbox = create_sandbox(owner=owner)
    loaded = SandboxWorld.load(sandbox)
    loaded.world.delete_inline_policy(READER, "ReadReports")
    loaded.world.delete_role(READER)
    loaded.save()
    return sandbox


def _accounts(sandbox) -> Counter:
    return Counter(SandboxAccount.objects.filter(sandbox=sandbox).values_list("account_id", flat=True))


def _role_names(sandbox) -> set[str]:
    return {r["RoleName"] for r in sandbox.accounts.get(is_learners=True).document["RoleDetailList"]}


def test_five_concurrent_resets_serialize_into_the_starting_world(alice):
    sandbox = _changed_sandbox(alice)
    revision = Sandbox.objects.get(pk=sandbox.pk).revision
    clients = [_client(alice) for _ in range(THREADS)]
    url = reverse("sandbox:reset", args=[sandbox.pk])
    statuses = together(lambda i: clients[i].post(url, {"confirm": "reset"}).status_code)
    assert statuses == [302] * THREADS
    assert _accounts(sandbox) == Counter({"111111111111": 1, "222222222222": 1})
    assert "ReportsReader" in _role_names(sandbox)
    assert Sandbox.objects.get(pk=sandbox.pk).revision == revision + THREADS  # each reset happened, in turn


def test_concurrent_confirmations_of_one_import_import_it_once(alice):
    sandbox = _changed_sandbox(alice)
    data = export_data(sandbox)
    data["world"]["accounts"]["111111111111"]["RoleDetailList"][0]["Description"] = "imported"
    client = _client(alice)
    upload = SimpleUploadedFile("w.json", json.dumps(data).encode(), content_type="application/json")
    token = client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": upload}).context["token"]
    revision = Sandbox.objects.get(pk=sandbox.pk).revision
    clients = [_client(alice) for _ in range(THREADS)]
    url = reverse("sandbox:import", args=[sandbox.pk])
    responses = together(lambda i: clients[i].post(url, {"token": token}))
    assert [r.status_code for r in responses] == [302] * THREADS
    imported = [r for r in responses if r.url == sandbox.get_absolute_url()]
    assert len(imported) == 1  # the others were told the upload was used already
    assert _accounts(sandbox) == Counter({"111111111111": 1, "222222222222": 1})
    role = sandbox.accounts.get(is_learners=True).document["RoleDetailList"][0]
    assert role["Description"] == "imported"
    assert Sandbox.objects.get(pk=sandbox.pk).revision == revision + 1


def test_pages_loaded_during_resets_never_fail(alice):
    sandbox = _changed_sandbox(alice)
    pages = ["overview", "roles", "users", "assume", "credentials", "audit", "policies"]
    clients = [_client(alice) for _ in range(THREADS * 2)]

    def work(i: int) -> list[int]:
        if i % 2 == 0:
            url = reverse("sandbox:reset", args=[sandbox.pk])
            return [clients[i].post(url, {"confirm": "reset"}).status_code for _ in range(3)]
        return [clients[i].get(reverse(f"sandbox:{name}", args=[sandbox.pk])).status_code for name in pages]

    results = together(work, THREADS * 2)
    for i, statuses in enumerate(results):
        assert not isinstance(statuses, Exception), statuses
        assert set(statuses) == ({302} if i % 2 == 0 else {200}), (i, statuses)
    assert _accounts(sandbox) == Counter({"111111111111": 1, "222222222222": 1})


def test_concurrent_creates_by_one_new_user_make_one_sandbox(alice):
    clients = [_client(alice) for _ in range(THREADS)]
    responses = together(lambda i: clients[i].post(reverse("sandbox:create")))
    sandbox = Sandbox.objects.get(owner=alice)
    assert [(r.status_code, r.url) for r in responses] == [(302, sandbox.get_absolute_url())] * THREADS
    assert _accounts(sandbox) == Counter({"111111111111": 1, "222222222222": 1})


def test_concurrent_create_sandbox_calls_return_the_one_sandbox(alice):
    results = together(lambda i: create_sandbox(owner=alice).pk)
    assert len(set(results)) == 1 and Sandbox.objects.filter(owner=alice).count() == 1
