"""Creating, owning, clocking, exporting, importing, resetting and purging sandboxes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import AuditEvent, Sandbox, StsSession
from iamtutor.sandbox.worlds import SandboxWorld, sandbox_now
from tests.factories import SandboxFactory

pytestmark = pytest.mark.django_db
ALICE = "arn:aws:iam::111111111111:user/alice"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
Q1 = "arn:aws:s3:::reports-111111111111/q1.csv"


def _role_names(sandbox) -> set[str]:
    return {role["RoleName"] for role in sandbox.accounts.get(is_learners=True).document["RoleDetailList"]}


def test_visiting_the_sandbox_creates_nothing_until_asked(client):
    response = client.get(reverse("sandbox:start"))
    assert response.status_code == 200 and "Create my sandbox" in response.content.decode()
    assert not Sandbox.objects.exists()


def test_an_anonymous_learner_creates_a_sandbox_kept_with_their_session(client):
    response = client.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get()
    assert response.url == sandbox.get_absolute_url() and sandbox.owner is None
    assert client.get(reverse("sandbox:start")).url == sandbox.get_absolute_url()
    page = client.get(sandbox.get_absolute_url()).content.decode()
    assert "my-account" in page and "partner" in page


def test_a_second_create_returns_the_same_sandbox(alice_client, alice):
    alice_client.post(reverse("sandbox:create"))
    alice_client.post(reverse("sandbox:create"))
    assert Sandbox.objects.filter(owner=alice).count() == 1


def test_signing_up_moves_the_anonymous_sandbox_to_the_new_account(client, django_user_model):
    client.post(reverse("sandbox:create"))
    client.post(
        reverse("signup"),
        {
            "username": "dana",
            "email": "dana@example.com",
            "password1": "a long passphrase here",
            "password2": "a long passphrase here",
        },
    )
    sandbox = Sandbox.objects.get()
    assert sandbox.owner == django_user_model.objects.get(username="dana")
    assert client.get(sandbox.get_absolute_url()).status_code == 200


def test_a_stranger_gets_404_and_learns_nothing(mallory_client, alice_sandbox):
    for name in ("sandbox:overview", "sandbox:export", "sandbox:import"):
        assert mallory_client.get(reverse(name, args=[alice_sandbox.pk])).status_code == 404
    for name in ("sandbox:clock", "sandbox:reset"):
        assert mallory_client.post(reverse(name, args=[alice_sandbox.pk])).status_code == 404


def test_fast_forward_and_back_to_real_time(alice_client, alice_sandbox):
    url = reverse("sandbox:clock", args=[alice_sandbox.pk])
    alice_client.post(url, {"action": "forward", "minutes": "15"})
    alice_client.post(url, {"action": "forward", "minutes": "60"})
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.clock_offset == 75 * 60
    response = alice_client.post(url, {"action": "reset"}, headers={"HX-Request": "true"})
    assert 'id="sandbox-clock"' in response.content.decode() and "<html" not in response.content.decode()
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.clock_offset == 0


def test_a_clock_change_that_is_not_offered_is_refused(alice_client, alice_sandbox):
    alice_client.post(reverse("sandbox:clock", args=[alice_sandbox.pk]), {"action": "forward", "minutes": "9999"})
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.clock_offset == 0


def test_engine_changes_are_saved_with_the_session_and_its_audit_event(alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    result = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "reading", duration_seconds=900))
    loaded.save()
    session = StsSession.objects.get(sandbox=alice_sandbox)
    assert session.arn == result["assumed_role_user"]["Arn"]
    assert session.expires_at - session.issued_at == timedelta(seconds=900)
    assert AuditEvent.objects.get(sandbox=alice_sandbox).event_name == "AssumeRole"


def test_sessions_expire_on_the_sandbox_clock(alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    result = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "reading", duration_seconds=900))
    loaded.save()
    alice_sandbox.clock_offset = 901
    alice_sandbox.save()
    later = SandboxWorld.load(alice_sandbox)
    from iamtutor.engine import StsError

    with pytest.raises(StsError) as error:
        later.world.request(result["credentials"]["AccessKeyId"], "s3:GetObject", Q1)
    assert error.value.code == "ExpiredToken"
    assert sandbox_now(alice_sandbox) > timezone.now() + timedelta(seconds=900)


def test_a_lost_update_is_refused(alice_sandbox):
    first, second = SandboxWorld.load(alice_sandbox), SandboxWorld.load(Sandbox.objects.get(pk=alice_sandbox.pk))
    first.save()
    from iamtutor.sandbox.worlds import ConcurrentChange

    with pytest.raises(ConcurrentChange):
        second.save()


def test_export_then_import_is_lossless(alice_client, alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    loaded.world.create_role(
        "111111111111",
        "Extra",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111111111111:user/bob"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )
    loaded.save()
    exported = alice_client.get(reverse("sandbox:export", args=[alice_sandbox.pk]))
    assert exported["Content-Disposition"].startswith("attachment;")
    before = json.loads(exported.content)
    upload = SimpleUploadedFile("world.json", exported.content, content_type="application/json")
    preview = alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"file": upload})
    token = preview.context["token"]
    alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"token": token})
    after = json.loads(alice_client.get(reverse("sandbox:export", args=[alice_sandbox.pk])).content)
    assert after["world"]["accounts"] == before["world"]["accounts"]
    assert after["compute"] == before["compute"]


def test_import_of_a_broken_file_names_the_place_and_changes_nothing(alice_client, alice_sandbox):
    bad = {
        "accounts": {
            "111111111111": {
                "RoleDetailList": [
                    {
                        "RoleName": "X",
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}],
                        },
                    }
                ]
            }
        }
    }
    upload = SimpleUploadedFile("bad.json", json.dumps(bad).encode(), content_type="application/json")
    response = alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"file": upload})
    page = response.content.decode()
    assert "cannot be imported" in page and "RoleDetailList[0]" in page
    assert "ReportsReader" in _role_names(alice_sandbox)


def test_import_of_text_that_is_not_json_is_explained(alice_client, alice_sandbox):
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    page = alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"file": upload}).content.decode()
    assert "not JSON text" in page


def test_import_of_authorization_details(alice_client, alice_sandbox):
    details = {
        "UserDetailList": [
            {
                "UserName": "erin",
                "Path": "/",
                "Arn": "arn:aws:iam::333333333333:user/erin",
                "UserId": "AIDAEXAMPLEERIN000001",
                "UserPolicyList": [],
                "GroupList": [],
                "AttachedManagedPolicies": [],
            }
        ],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    upload = SimpleUploadedFile("details.json", json.dumps(details).encode(), content_type="application/json")
    response = alice_client.post(
        reverse("sandbox:import", args=[alice_sandbox.pk]), {"file": upload, "account_id": "333333333333"}
    )
    assert response.context["preview"][0]["account_id"] == "333333333333"


def test_reset_needs_confirmation_then_restores_the_starting_world(alice_client, alice_sandbox):
    url = reverse("sandbox:reset", args=[alice_sandbox.pk])
    loaded = SandboxWorld.load(alice_sandbox)
    loaded.world.delete_inline_policy(READER, "ReadReports")  # IAM: DeleteConflict until policies go
    loaded.world.delete_role(READER)
    loaded.save()
    alice_client.post(url)
    assert "ReportsReader" not in _role_names(alice_sandbox)
    alice_client.post(url, {"confirm": "reset"})
    assert "ReportsReader" in _role_names(alice_sandbox)


def test_purge_deletes_only_idle_anonymous_sandboxes(alice):
    idle, fresh, owned = SandboxFactory(owner=None), SandboxFactory(owner=None), SandboxFactory(owner=alice)
    long_ago = timezone.now() - timedelta(days=31)
    Sandbox.objects.filter(pk__in=[idle.pk, owned.pk]).update(last_used=long_ago)
    call_command("purge_sandboxes", "--dry-run")
    assert Sandbox.objects.count() == 3
    call_command("purge_sandboxes")
    assert set(Sandbox.objects.values_list("pk", flat=True)) == {fresh.pk, owned.pk}


def test_the_starting_world_loads_in_the_engine_and_teaches_each_step():
    from iamtutor.engine import World
    from iamtutor.sandbox.worlds import starting_world

    world = World.from_dict(starting_world())
    # Step 1–3: alice cannot read the reports herself, but may become ReportsReader, which can.
    assert not world.request(ALICE, "s3:GetObject", "arn:aws:s3:::reports-111111111111/q1.csv").allowed
    session = assume_role(world, ALICE, AssumeRoleRequest(READER, "alice-reads"))
    assert world.request(
        session["credentials"]["AccessKeyId"], "s3:GetObject", "arn:aws:s3:::reports-111111111111/q1.csv"
    ).allowed
