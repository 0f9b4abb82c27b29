"""A sandbox that may not change says why and changes nothing: a read-only sandbox (a closed classroom, a
removed student) refuses its clock, reset and import; a classroom's class clock is not the student's
to move; a student's own reset keeps their member account; staff looking at it see a banner."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from iamtutor.classrooms import clock
from iamtutor.classrooms.models import Classroom
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, export_data
from tests.factories import SandboxFactory

pytestmark = pytest.mark.django_db
REASON = "This classroom is closed: your account is kept read-only."
READER = "arn:aws:iam::111111111111:role/ReportsReader"


@pytest.fixture
def read_only(alice_sandbox) -> Sandbox:
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(read_only_reason=REASON)
    alice_sandbox.refresh_from_db()
    return alice_sandbox


def _roles(sandbox: Sandbox) -> set[str]:
    return {role["RoleName"] for role in sandbox.accounts.get(is_learners=True).roles()}


def _without_reader(sandbox: Sandbox) -> None:
    loaded = SandboxWorld.load(sandbox)
    loaded.world.delete_inline_policy(READER, "ReadReports")
    loaded.world.delete_role(READER)
    loaded.save()


# ---- a read-only sandbox ---------------------------------------------------------------------------------------


def test_a_read_only_sandbox_says_why_on_every_page(alice_client, read_only):
    for name in ("overview", "roles", "credentials"):
        page = alice_client.get(reverse(f"sandbox:{name}", args=[read_only.pk])).content.decode()
        assert f"This sandbox is read-only: {REASON}" in page


def test_a_read_only_sandbox_refuses_its_clock(alice_client, read_only):
    response = alice_client.post(
        reverse("sandbox:clock", args=[read_only.pk]), {"action": "forward", "minutes": "60"}, follow=True
    )
    assert REASON in response.content.decode()
    read_only.refresh_from_db()
    assert read_only.clock_offset == 0
    overview = alice_client.get(reverse("sandbox:overview", args=[read_only.pk])).content.decode()
    assert "+15 min" not in overview


def test_a_read_only_sandbox_refuses_a_reset(alice_client, alice_sandbox):
    _without_reader(alice_sandbox)
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(read_only_reason=REASON)
    response = alice_client.post(reverse("sandbox:reset", args=[alice_sandbox.pk]), {"confirm": "reset"}, follow=True)
    assert REASON in response.content.decode()
    assert "ReportsReader" not in _roles(alice_sandbox)


def test_a_read_only_sandbox_refuses_an_import(alice_client, read_only):
    address = reverse("sandbox:import", args=[read_only.pk])
    page = alice_client.get(address).content.decode()
    assert REASON in page and 'enctype="multipart/form-data"' not in page
    upload = SimpleUploadedFile("world.json", b'{"accounts": {"333333333333": {}}}', "application/json")
    response = alice_client.post(address, {"file": upload})
    assert response.status_code == 403 and REASON in response.content.decode()
    assert list(read_only.accounts.values_list("account_id", flat=True)) == ["111111111111", "222222222222"]


def test_a_read_only_sandbox_is_left_alone_by_the_old_try_it_url(alice_client, read_only):
    """The old "load this step's world" URL only leads to the step's lab now; it changes no sandbox."""
    call_command("load_labs", verbosity=0)
    response = alice_client.post(reverse("sandbox:tryit_load", args=[3]))
    assert response.status_code == 303 and response.url == "/labs/fix-the-trust-policy/"
    assert _roles(read_only) == _roles(SandboxFactory(owner=None))  # still the starting world


# ---- a classroom sandbox: the class clock, the student's own reset and import ---------------------------------


def test_the_class_clock_is_not_the_students_to_move(client, alice, alice_enrolled):
    client.force_login(alice)
    sandbox = alice_enrolled.sandbox
    page = client.post(
        reverse("sandbox:clock", args=[sandbox.pk]), {"action": "forward", "minutes": "60"}, follow=True
    ).content.decode()
    assert "Your instructor sets the clock for the whole class" in page
    htmx = client.post(
        reverse("sandbox:clock", args=[sandbox.pk]), {"action": "reset"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Your instructor sets the clock for the whole class" in htmx and "+5 min" not in htmx
    sandbox.refresh_from_db()
    assert sandbox.clock_offset == 0


def test_a_students_own_reset_keeps_their_account_id_and_the_class_clock(
    client, alice, classroom, carol, alice_enrolled
):
    clock.change_clock(classroom, carol, clock.ClockChange(clock.FORWARD, minutes=60))
    clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    paused_at = sandbox.clock_frozen_at
    account = alice_enrolled.account_id
    loaded = SandboxWorld.load(sandbox)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}],
    }
    loaded.world.create_role(account, "Mine", trust)
    loaded.save()
    client.force_login(alice)
    client.post(reverse("sandbox:reset", args=[sandbox.pk]), {"confirm": "reset"})
    sandbox.refresh_from_db()
    assert sandbox.accounts.get(is_learners=True).account_id == account
    assert "Mine" not in _roles(sandbox) and "GitHubDeploy" in _roles(sandbox)
    assert (sandbox.clock_offset, sandbox.clock_frozen_at) == (3600, paused_at)


def test_in_a_self_paced_classroom_a_students_reset_goes_back_to_real_time(client, alice, classroom, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.SELF_PACED)
    Sandbox.objects.filter(pk=alice_enrolled.sandbox_id).update(clock_offset=900)
    client.force_login(alice)
    client.post(reverse("sandbox:reset", args=[alice_enrolled.sandbox_id]), {"confirm": "reset"})
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).clock_offset == 0


def test_a_classroom_account_takes_no_world_file(client, alice, alice_enrolled):
    client.force_login(alice)
    address = reverse("sandbox:import", args=[alice_enrolled.sandbox_id])
    assert "Import world files into your personal sandbox instead." in client.get(address).content.decode()
    data = export_data(alice_enrolled.sandbox)
    upload = SimpleUploadedFile("world.json", str(data).encode(), "application/json")
    assert client.post(address, {"file": upload}).status_code == 403
    ids = set(alice_enrolled.sandbox.accounts.values_list("account_id", flat=True))
    assert alice_enrolled.account_id in ids


def test_a_personal_sandbox_keeps_its_own_clock_and_reset(alice_client, alice_sandbox):
    alice_client.post(reverse("sandbox:clock", args=[alice_sandbox.pk]), {"action": "forward", "minutes": "15"})
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.clock_offset == 900
    alice_client.post(reverse("sandbox:reset", args=[alice_sandbox.pk]), {"confirm": "reset"})
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.clock_offset == 0


# ---- staff looking at a student's account ------------------------------------------------------------------------


def test_staff_see_a_banner_and_no_forms_that_would_post(client, carol, alice_enrolled):
    client.force_login(carol)
    page = client.get(reverse("sandbox:overview", args=[alice_enrolled.sandbox_id])).content.decode()
    assert "You are viewing alice's account as staff. Nothing you do here changes it." in page
    assert "alice's account</p>" in page and "Your sandbox</p>" not in page
    assert 'class="sandbox-main viewing-as"' in page


def test_the_student_sees_no_banner(client, alice, alice_enrolled):
    client.force_login(alice)
    page = client.get(reverse("sandbox:overview", args=[alice_enrolled.sandbox_id])).content.decode()
    assert "as staff" not in page and "viewing-as" not in page


def test_a_staff_post_into_the_students_account_is_a_403_and_changes_nothing(client, carol, alice_enrolled):
    client.force_login(carol)
    sandbox = alice_enrolled.sandbox
    revision = Sandbox.objects.get(pk=sandbox.pk).revision
    for name, data in (("clock", {"action": "forward", "minutes": "60"}), ("reset", {"confirm": "reset"})):
        response = client.post(reverse(f"sandbox:{name}", args=[sandbox.pk]), data)
        assert response.status_code == 403
        assert "Viewing a student's sandbox never changes it" in html.unescape(response.content.decode())
    refreshed = Sandbox.objects.get(pk=sandbox.pk)
    assert (refreshed.revision, refreshed.clock_offset) == (revision, 0)
