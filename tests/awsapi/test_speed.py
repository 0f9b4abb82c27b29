"""The endpoint's fast paths keep every answer the slow path gives: GetCallerIdentity from the answer kept at
the sandbox's revision (still audited, still ExpiredToken past a session's expiry on the sandbox clock, still
refused in a read-only sandbox), and STS calls that load only the caller's own session."""

from __future__ import annotations

import json
import re
from unittest import mock

import pytest

from iamtutor.engine import World
from iamtutor.sandbox.models import AuditEvent, StsSession
from iamtutor.sandbox.worlds import SandboxWorld, changing

from .conftest import ACCOUNT, Key
from .signing import call

pytestmark = pytest.mark.django_db(transaction=True)

READER = f"arn:aws:iam::{ACCOUNT}:role/ReportsReader"


def text(response, element: str) -> str:
    match = re.search(rf"<{element}>([^<]*)</{element}>".encode(), response.content)
    return match.group(1).decode() if match else ""


def assume(client, key, role: str = READER, name: str = "speed", **params) -> Key:
    response = call(client, key, "AssumeRole", RoleArn=role, RoleSessionName=name, **params)
    assert response.status_code == 200, response.content
    return Key(text(response, "AccessKeyId"), text(response, "SecretAccessKey"), text(response, "SessionToken"))


def identity_events(sandbox):
    return list(AuditEvent.objects.filter(sandbox=sandbox, event_name="GetCallerIdentity").order_by("id"))


def test_a_repeated_get_caller_identity_loads_no_world_and_is_still_audited(client, sandbox, alice_key):
    first = call(client, alice_key, "GetCallerIdentity")
    with mock.patch.object(SandboxWorld, "load", side_effect=AssertionError("the world was loaded")):
        second = call(client, alice_key, "GetCallerIdentity")
    assert second.status_code == 200
    for element in ("Arn", "Account", "UserId"):
        assert text(second, element) == text(first, element)
    assert text(second, "Arn") == f"arn:aws:iam::{ACCOUNT}:user/alice"
    one, two = identity_events(sandbox)
    assert one.event_id != two.event_id and one.data["requestID"] != two.data["requestID"]
    assert two.principal_arn == one.principal_arn == text(first, "Arn")
    same = {k: v for k, v in two.data.items() if k not in ("eventID", "requestID", "eventTime")}
    assert same == {k: v for k, v in one.data.items() if k not in ("eventID", "requestID", "eventTime")}


def test_a_change_to_the_sandbox_makes_the_engine_answer_again(client, sandbox, alice_key):
    call(client, alice_key, "GetCallerIdentity")
    with changing(sandbox) as loaded:
        loaded.world.create_user(ACCOUNT, "carol")  # any change: a new revision
    with mock.patch.object(SandboxWorld, "load", wraps=SandboxWorld.load) as load:
        assert call(client, alice_key, "GetCallerIdentity").status_code == 200
    assert load.called


def test_a_session_past_its_expiry_on_the_sandbox_clock_is_expired_token_after_a_kept_answer(
    client, sandbox, alice_key
):
    # ExpiredToken once the sandbox clock passes the session's expiry, whatever was answered before:
    # https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html (ExpiredToken)
    session = assume(client, alice_key, DurationSeconds="900")
    assert call(client, session, "GetCallerIdentity").status_code == 200
    assert call(client, session, "GetCallerIdentity").status_code == 200  # the kept answer
    type(sandbox).objects.filter(pk=sandbox.pk).update(clock_offset=901)  # no new revision: only the clock
    expired = call(client, session, "GetCallerIdentity")
    assert (expired.status_code, text(expired, "Code")) == (403, "ExpiredToken")
    assert identity_events(sandbox)[-1].error_code == "ExpiredToken"


def test_a_read_only_sandbox_refuses_even_a_kept_answer(client, sandbox, alice_key):
    assert call(client, alice_key, "GetCallerIdentity").status_code == 200
    type(sandbox).objects.filter(pk=sandbox.pk).update(read_only_reason="The classroom is closed.")
    refused = call(client, alice_key, "GetCallerIdentity")
    assert (refused.status_code, text(refused, "Code")) == (403, "AccessDenied")
    assert "The classroom is closed." in text(refused, "Message")


def test_sts_calls_load_only_the_callers_own_session(client, sandbox, alice_key):
    for i in range(4):
        assume(client, alice_key, name=f"earlier-{i}")
    seen = []
    real = World.from_dict.__func__

    def spy(cls, data, *args, **kwargs):
        seen.append(len(data.get("sessions") or []))
        return real(cls, data, *args, **kwargs)

    session = assume(client, alice_key, name="caller")
    with mock.patch.object(World, "from_dict", classmethod(spy)):
        assume(client, alice_key, name="from-the-key")
        assert call(client, session, "GetCallerIdentity").status_code == 200
    assert seen == [0, 1]
    assert StsSession.objects.filter(sandbox=sandbox).count() == 6  # the others are kept, only not loaded


def test_a_chained_session_records_its_parent_with_only_the_callers_session_loaded(client, sandbox, alice_key):
    # Role chaining: a role session assumes another role that trusts it; the new session's parent is the caller's.
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html#iam-term-role-chaining
    statement = {"Effect": "Allow", "Principal": {"AWS": READER}, "Action": "sts:AssumeRole"}
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    with changing(sandbox) as loaded:
        loaded.world.create_role(ACCOUNT, "Chained", trust)
    first = assume(client, alice_key, name="first")
    assume(client, alice_key, name="unrelated")
    chained = call(
        client, first, "AssumeRole", RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Chained", RoleSessionName="second"
    )
    assert chained.status_code == 200, chained.content
    row = StsSession.objects.get(sandbox=sandbox, access_key_id=text(chained, "AccessKeyId"))
    assert row.parent is not None and row.parent.access_key_id == first.access_key_id


def test_the_compiled_key_lookup_reads_what_the_orm_reads(sandbox, alice_key):
    from iamtutor.awsapi import keys
    from iamtutor.awsapi.models import ApiKey

    found = keys.find(alice_key.access_key_id)
    expected = ApiKey.objects.select_related("sandbox").get(access_key_id=alice_key.access_key_id)
    for field in ApiKey._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    for field in type(sandbox)._meta.concrete_fields:
        assert getattr(found.sandbox, field.attname) == getattr(expected.sandbox, field.attname), field.name
    assert found.sandbox == sandbox and not found._state.adding
    assert keys.find("AKIA" + "X" * 16) is None
    assert keys.find("AKIA%") is None  # a parameter, never a pattern
