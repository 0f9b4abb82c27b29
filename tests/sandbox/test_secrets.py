"""Secret access keys: shown once, in CreateAccessKey's response, then never again. They are kept apart from
the account document (``AccessKeySecret``) so a later signature check can use them, and they never reach an
export, a world document, an audit event or a log line."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import AccessKeySecret, AuditEvent, SandboxAccount
from iamtutor.sandbox.worlds import SandboxWorld, export_data

pytestmark = pytest.mark.django_db
ME = "111111111111"
ALICE = f"arn:aws:iam::{ME}:user/alice"
READER = f"arn:aws:iam::{ME}:role/ReportsReader"


def _new_key(client, sandbox) -> tuple[str, str, str]:
    """Creates a key for bob through the page; returns (key id, secret, the page)."""
    page = client.post(reverse("sandbox:user_key_new", args=[sandbox.pk, ME, "bob"])).content.decode()
    row = AccessKeySecret.objects.get(sandbox=sandbox)
    sandbox.refresh_from_db()
    return row.access_key_id, row.secret, page


def test_the_secret_is_shown_once_and_stored_apart_from_the_document(alice_client, alice_sandbox):
    key_id, secret, page = _new_key(alice_client, alice_sandbox)
    assert len(secret) == 40 and secret in page
    document = SandboxAccount.objects.get(sandbox=alice_sandbox, account_id=ME).document
    assert key_id in json.dumps(document) and secret not in json.dumps(document)
    assert "SecretAccessKey" not in json.dumps(document)
    later = alice_client.get(reverse("sandbox:user", args=[alice_sandbox.pk, ME, "bob"])).content.decode()
    assert key_id in later and secret not in later


def test_the_secret_stays_the_same_across_later_changes_and_goes_with_its_key(alice_client, alice_sandbox):
    key_id, secret, _page = _new_key(alice_client, alice_sandbox)
    loaded = SandboxWorld.load(alice_sandbox)
    assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "later"))
    loaded.save()
    assert AccessKeySecret.objects.get(sandbox=alice_sandbox, access_key_id=key_id).secret == secret
    alice_client.post(reverse("sandbox:user_key_delete", args=[alice_sandbox.pk, ME, "bob", key_id]))
    assert not AccessKeySecret.objects.filter(sandbox=alice_sandbox).exists()


def test_an_export_holds_no_secret(alice_client, alice_sandbox):
    _key_id, secret, _page = _new_key(alice_client, alice_sandbox)
    loaded = SandboxWorld.load(alice_sandbox)
    credentials = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "exported"))["credentials"]
    loaded.save()
    exported = alice_client.get(reverse("sandbox:export", args=[alice_sandbox.pk])).content.decode()
    assert secret not in exported and "SecretAccessKey" not in exported
    assert credentials["SecretAccessKey"] not in exported and credentials["SessionToken"] not in exported


def test_no_audit_event_and_no_log_line_holds_the_secret(alice_client, alice_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    _key_id, secret, _page = _new_key(alice_client, alice_sandbox)
    loaded = SandboxWorld.load(alice_sandbox)
    loaded.world.request(f"arn:aws:iam::{ME}:user/bob", "s3:ListBucket", f"arn:aws:s3:::reports-{ME}")
    loaded.save()
    events = json.dumps(list(AuditEvent.objects.filter(sandbox=alice_sandbox).values_list("data", flat=True)))
    assert secret not in events
    assert secret not in caplog.text


def test_an_imported_secret_is_kept_apart_and_a_reset_forgets_it(alice_client, alice_sandbox):
    data = json.loads(json.dumps(export_data(alice_sandbox)))
    bob = next(u for u in data["world"]["accounts"][ME]["UserDetailList"] if u["UserName"] == "bob")
    bob["AccessKeys"] = [{"AccessKeyId": "AKIAIMPORTEDKEY00001", "SecretAccessKey": "s" * 40}]
    upload = SimpleUploadedFile("w.json", json.dumps(data).encode(), content_type="application/json")
    token = alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"file": upload}).context["token"]
    alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"token": token})
    assert AccessKeySecret.objects.get(sandbox=alice_sandbox, access_key_id="AKIAIMPORTEDKEY00001").secret == "s" * 40
    assert "s" * 40 not in json.dumps(list(alice_sandbox.accounts.values_list("document", flat=True)))
    alice_client.post(reverse("sandbox:reset", args=[alice_sandbox.pk]), {"confirm": "reset"})
    assert not AccessKeySecret.objects.filter(sandbox=alice_sandbox).exists()


def test_the_engine_never_writes_a_secret_back():
    from iamtutor.engine import World

    world = World.from_dict(
        {
            "accounts": {
                ME: {
                    "UserDetailList": [
                        {
                            "UserName": "erin",
                            "AccessKeys": [{"AccessKeyId": "AKIAEXAMPLEKEY000001", "SecretAccessKey": "q" * 40}],
                        }
                    ]
                }
            }
        }
    )
    key = world.create_access_key(f"arn:aws:iam::{ME}:user/erin")
    dumped = json.dumps(world.to_dict())
    assert "q" * 40 not in dumped and key.secret not in dumped and "SecretAccessKey" not in dumped
    assert world.caller("AKIAEXAMPLEKEY000001").arn == f"arn:aws:iam::{ME}:user/erin"
