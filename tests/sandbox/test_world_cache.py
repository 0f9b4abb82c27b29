"""A sandbox's world is parsed once per revision (``worlds._parsed``): every load gets a private copy whose
clock is the sandbox's now, a change is seen at once, nothing crosses from one sandbox to another, a change
rolled back leaves nothing behind, and a world above the cache's size cap is simply parsed each time.

The test database wraps each test in a transaction, so worlds are kept only inside
``django_capture_on_commit_callbacks(execute=True)`` (``load`` below), as after a real commit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import transaction
from django.db.models import F

from iamtutor.engine import AssumeRoleRequest, World, assume_role
from iamtutor.sandbox import hooks
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, changing, sandbox_now
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


@pytest.fixture
def parses(monkeypatch):
    """Counts the worlds built from rows."""
    calls = []
    real = World.from_dict.__func__

    def counting(cls, data, **kwargs):
        if data.get("accounts"):
            calls.append(data)
        return real(cls, data, **kwargs)

    monkeypatch.setattr(World, "from_dict", classmethod(counting))
    return calls


@pytest.fixture
def load(django_capture_on_commit_callbacks):
    def loaded(sandbox: Sandbox) -> SandboxWorld:
        sandbox = Sandbox.objects.get(pk=sandbox.pk)  # as a request finds it
        with django_capture_on_commit_callbacks(execute=True):
            return SandboxWorld.load(sandbox)

    return loaded


def _roles(loaded: SandboxWorld) -> set[str]:
    return set(loaded.world.account(ME).roles)  # keyed by lower-cased name, as IAM compares them


def test_the_same_revision_is_parsed_once(alice_sandbox, load, parses, django_assert_num_queries):
    load(alice_sandbox)
    with django_assert_num_queries(1):  # the sandbox row only: no account or session rows
        second = load(alice_sandbox)
    assert len(parses) == 1
    assert "reportsreader" in _roles(second)


def test_each_load_gets_a_private_world(alice_sandbox, load):
    first = load(alice_sandbox)
    first.world.create_role(ME, "NeverSaved", TRUST)
    first.world.clock.advance(3600)
    first.accounts[0].alias = "changed in memory"
    second = load(alice_sandbox)
    assert "neversaved" not in _roles(second)
    assert second.accounts[0].alias != "changed in memory"
    assert second.world is not first.world


def test_the_clock_is_the_sandboxs_now_on_every_load(alice_sandbox, load):
    load(alice_sandbox)
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(clock_offset=3600)  # fast-forward: no new revision
    alice_sandbox.refresh_from_db()
    loaded = load(alice_sandbox)
    assert abs(loaded.world.clock.now() - sandbox_now(alice_sandbox)) < timedelta(seconds=5)
    assert loaded.world.clock.now() > sandbox_now(Sandbox(clock_offset=0)) + timedelta(minutes=59)


def test_a_saved_change_is_seen_by_the_next_load(alice_sandbox, load, parses, django_capture_on_commit_callbacks):
    load(alice_sandbox)
    with django_capture_on_commit_callbacks(execute=True), changing(Sandbox.objects.get(pk=alice_sandbox.pk)) as c:
        c.world.create_role(ME, "Saved", TRUST)
        assume_role(c.world, ALICE, AssumeRoleRequest(READER, "after-change"))
    loaded = load(alice_sandbox)
    assert "saved" in _roles(loaded)
    assert any(session.data["session_name"] == "after-change" for session in loaded.sessions)
    assert len(parses) == 2  # the new revision was parsed anew


def test_a_change_starts_from_the_kept_world_and_saves(alice_sandbox, load):
    load(alice_sandbox)
    with changing(Sandbox.objects.get(pk=alice_sandbox.pk)) as loaded:  # a cache hit
        loaded.world.create_role(ME, "FromKept", TRUST)
    assert "FromKept" in {r["RoleName"] for r in alice_sandbox.accounts.get(account_id=ME).roles()}


def test_no_world_crosses_from_one_sandbox_to_another(alice_sandbox, bob, load):
    bobs = SandboxFactory(owner=bob)
    with changing(Sandbox.objects.get(pk=alice_sandbox.pk)) as loaded:
        loaded.world.create_role(ME, "OnlyAlices", TRUST)
    with changing(Sandbox.objects.get(pk=bobs.pk)) as loaded:
        loaded.world.create_role(ME, "OnlyBobs", TRUST)
    assert Sandbox.objects.get(pk=alice_sandbox.pk).revision == Sandbox.objects.get(pk=bobs.pk).revision
    load(alice_sandbox)
    load(bobs)
    assert "onlyalices" in _roles(load(alice_sandbox)) and "onlybobs" not in _roles(load(alice_sandbox))
    assert "onlybobs" in _roles(load(bobs)) and "onlyalices" not in _roles(load(bobs))


def test_a_world_read_in_a_rolled_back_change_is_never_kept(alice_sandbox, load, django_capture_on_commit_callbacks):
    class Undo(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Undo), transaction.atomic():
        with changing(Sandbox.objects.get(pk=alice_sandbox.pk)) as loaded:
            loaded.world.create_role(ME, "NeverCommitted", TRUST)
        SandboxWorld.load(Sandbox.objects.get(pk=alice_sandbox.pk))  # reads the uncommitted revision
        raise Undo
    # Another process then commits a different change under the same revision number.
    account = alice_sandbox.accounts.get(account_id=ME)
    role = dict(
        account.roles()[0], RoleName="Committed", Arn=f"arn:aws:iam::{ME}:role/Committed", RoleId="AROACOMMITTED0000001"
    )
    account.document["RoleDetailList"].append(role)
    account.save()
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(revision=F("revision") + 1)
    roles = _roles(load(alice_sandbox))
    assert "committed" in roles and "nevercommitted" not in roles


def test_a_world_above_the_size_cap_is_parsed_every_time(alice_sandbox, load, parses, monkeypatch):
    monkeypatch.setattr(caches["worlds"], "max_value_bytes", 1000)
    load(alice_sandbox)
    load(alice_sandbox)
    assert len(parses) == 2


def test_the_kept_world_has_a_lifetime(alice_sandbox, load):
    import time

    load(alice_sandbox)
    worlds = caches["worlds"]
    (key,) = [key for key in worlds._cache if str(alice_sandbox.pk) in key]
    assert time.time() < worlds._expire_info[key] <= time.time() + 600


def test_a_classroom_world_gets_its_organization_as_it_is_now(alice_sandbox, load, monkeypatch):
    # The instructor's guardrails change without a new revision of the student's sandbox.
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(kind=Sandbox.CLASSROOM)
    organization = {"id": "o-exampleorg1", "management_account": "999999999999", "root_id": "r-ab12", "scps": []}
    monkeypatch.setattr(hooks.federation, "organization", lambda sandbox: dict(organization), raising=False)
    monkeypatch.setattr(hooks.federation, "peer_account", lambda sandbox, account_id: None, raising=False)
    assert load(alice_sandbox).world.organization.id == "o-exampleorg1"
    organization["id"] = "o-changedorg1"
    assert load(alice_sandbox).world.organization.id == "o-changedorg1"
