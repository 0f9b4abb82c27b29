"""Keys restored from a classroom snapshot (a staff undo) reach the endpoint: the restore tells the key index
about the sessions it puts back, in its own transaction, as the pages' saves do."""

from __future__ import annotations

import pytest

from iamtutor.awsapi.models import ApiKey
from iamtutor.classrooms import students
from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld

from .conftest import Key
from .signing import call

pytestmark = pytest.mark.django_db


def _session_of_alice(enrollment) -> dict:
    account = enrollment.account_id
    loaded = SandboxWorld.load(Sandbox.objects.get(pk=enrollment.sandbox_id))
    request = AssumeRoleRequest(f"arn:aws:iam::{account}:role/ReportsReader", "before-reset")
    assume_role(loaded.world, f"arn:aws:iam::{account}:user/alice", request)
    loaded.save()
    return Sandbox.objects.get(pk=enrollment.sandbox_id).sts_sessions.get().data


def test_sessions_restored_by_an_undo_are_indexed_and_work_at_the_endpoint(client, carol, alice_enrolled):
    session = _session_of_alice(alice_enrolled)
    key = Key(session["access_key_id"], session["secret_access_key"], session["session_token"])
    assert call(client, key, "GetCallerIdentity").status_code == 200

    students.reset(alice_enrolled, carol, "start again")
    assert not ApiKey.objects.filter(access_key_id=key.access_key_id).exists()
    assert call(client, key, "GetCallerIdentity").status_code == 403

    students.undo(alice_enrolled, carol, "wrong student")
    row = ApiKey.objects.get(access_key_id=key.access_key_id)
    assert (row.kind, row.session_id, row.sandbox_id) == (ApiKey.SESSION, session["id"], alice_enrolled.sandbox_id)
    answer = call(client, key, "GetCallerIdentity")
    assert answer.status_code == 200
    assert b"assumed-role/ReportsReader/before-reset" in answer.content
