"""The sandbox's own pages under abuse: the clock's ``next`` never leaves the site, a double click on
"create" makes one sandbox, and rows stored before the text checks (lone surrogates, NUL, secrets inside
documents, a sandbox emptied by a failed import) are repaired by migration 0003."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse

from iamtutor.sandbox import access
from iamtutor.sandbox.models import AccessKeySecret, Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import create_sandbox

pytestmark = pytest.mark.django_db
ME = "111111111111"
repair = importlib.import_module("iamtutor.sandbox.migrations.0003_secrets_apart_and_text_repaired")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http:evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "javascript://%0Aalert(1)",
        " https://evil.example/",
        "https:/evil.example",
        "ftp://evil.example/",
    ],
)
def test_the_clock_never_redirects_off_the_site(alice_client, alice_sandbox, target):
    response = alice_client.post(
        reverse("sandbox:clock", args=[alice_sandbox.pk]), {"action": "forward", "minutes": 5, "next": target}
    )
    assert response.status_code == 302 and response.url == alice_sandbox.get_absolute_url()


def test_the_clock_follows_a_path_of_this_site(alice_client, alice_sandbox):
    here = reverse("sandbox:roles", args=[alice_sandbox.pk]) + "?tab=trust"
    url = reverse("sandbox:clock", args=[alice_sandbox.pk])
    response = alice_client.post(url, {"action": "forward", "minutes": 15, "next": here})
    assert response.url == here
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.clock_offset == 15 * 60


def test_a_second_create_racing_the_first_returns_the_sandbox_it_made(alice_client, alice, monkeypatch):
    """A double click: the second request looked before the first had committed, so it saw no sandbox."""
    made = create_sandbox(owner=alice)
    monkeypatch.setattr("iamtutor.sandbox.views.home.current_sandbox", lambda request: None)
    response = alice_client.post(reverse("sandbox:create"))
    assert response.status_code == 302 and response.url == made.get_absolute_url()
    assert Sandbox.objects.filter(owner=alice).count() == 1


def test_create_sandbox_survives_losing_the_insert_race(alice, monkeypatch):
    made = create_sandbox(owner=alice)
    real_filter = Sandbox.objects.filter
    calls = []

    def first_sees_nothing(*args, **kwargs):
        calls.append(kwargs)
        found = real_filter(*args, **kwargs)
        return found.none() if len(calls) == 1 else found

    monkeypatch.setattr(Sandbox.objects, "filter", first_sees_nothing)
    assert create_sandbox(owner=alice).pk == made.pk
    assert real_filter(owner=alice).count() == 1 and SandboxAccount.objects.filter(sandbox=made).count() == 2


def test_the_access_helper_finds_the_one_personal_sandbox(rf, alice):
    made = create_sandbox(owner=alice)
    request = rf.get("/")
    request.user = alice
    assert access.current_sandbox(request) == made


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite only")
def test_a_lone_surrogate_stored_before_the_checks_is_repaired_and_roles_answers(alice_client, alice_sandbox):
    account = SandboxAccount.objects.get(sandbox=alice_sandbox, account_id=ME)
    document = account.document
    document["RoleDetailList"][0]["Description"] = "broken \ud800 text"
    document["RoleDetailList"][0]["Tags"] = [{"Key": "note", "Value": "nul \x00 here"}]
    SandboxAccount.objects.filter(pk=account.pk).update(document=document)
    url = reverse("sandbox:roles", args=[alice_sandbox.pk])
    alice_client.raise_request_exception = False
    assert alice_client.get(url).status_code == 500  # what the stored row did before the repair
    repair.forward(apps, connection.schema_editor())
    alice_client.raise_request_exception = True
    assert alice_client.get(url).status_code == 200
    role = SandboxAccount.objects.get(pk=account.pk).document["RoleDetailList"][0]
    assert role["Description"] == "broken \ufffd text" and role["Tags"][0]["Value"] == "nul \ufffd here"


def test_the_repair_moves_stored_secrets_out_of_documents(alice_sandbox):
    account = SandboxAccount.objects.get(sandbox=alice_sandbox, account_id=ME)
    document = account.document
    bob = next(u for u in document["UserDetailList"] if u["UserName"] == "bob")
    bob["AccessKeys"] = [{"AccessKeyId": "AKIAOLDSTOREDKEY0001", "SecretAccessKey": "o" * 40, "Status": "Active"}]
    SandboxAccount.objects.filter(pk=account.pk).update(document=document)
    repair.forward(apps, None)
    stored = SandboxAccount.objects.get(pk=account.pk).document
    assert "SecretAccessKey" not in str(stored) and "AKIAOLDSTOREDKEY0001" in str(stored)
    assert AccessKeySecret.objects.get(sandbox=alice_sandbox, access_key_id="AKIAOLDSTOREDKEY0001").secret == "o" * 40


def test_the_repair_gives_a_sandbox_emptied_by_a_failed_import_its_starting_world(alice_client, alice_sandbox):
    SandboxAccount.objects.filter(sandbox=alice_sandbox).delete()  # what the non-atomic import left behind
    assert "No accounts" in alice_client.get(alice_sandbox.get_absolute_url()).content.decode()
    repair.forward(apps, None)
    assert SandboxAccount.objects.filter(sandbox=alice_sandbox).count() == 2
    for name in ("roles", "policies", "assume"):
        assert alice_client.get(reverse(f"sandbox:{name}", args=[alice_sandbox.pk])).status_code == 200
