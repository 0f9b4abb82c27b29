"""Per-student controls: the student's page, "view as" (read-only, logged), reset with a snapshot first, undo
(itself undoable), and extra time — for every actor, exactly restored, each one transaction."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from iamtutor.classrooms import students
from iamtutor.classrooms.membership import class_time, student_world
from iamtutor.classrooms.models import Classroom, Enrollment, Snapshot, StaffAction
from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox import urls as sandbox_urls
from iamtutor.sandbox.models import Sandbox, SandboxAccount, StsSession
from iamtutor.sandbox.worlds import SandboxWorld, sandbox_now
from tests.classrooms.cast import (
    ACTORS,
    OTHER_SECTION,
    STAFF_ONLY,
    answer,
    assert_refused,
    cast_fixture,  # noqa: F401 (the "cast" fixture)
    client_for,
)
from tests.factories import AuditEventFactory
from tests.races import together

pytestmark = pytest.mark.django_db
ALLOWED = ("owner", "co_instructor", "ta_of_section")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "{root}"}, "Action": "sts:AssumeRole"}],
}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def _address(name: str, classroom, enrollment) -> str:
    return reverse(f"classrooms:{name}", args=[classroom.pk, enrollment.pk])


# What each per-student URL is sent, and what an allowed actor gets back.
REQUESTS = {
    ("student", "get"): ({}, 200),
    ("student_view", "post"): ({}, 302),
    ("student_reset", "get"): ({}, 200),
    ("student_reset", "post"): ({"confirm": "on", "reason": "starting over"}, 302),
    ("student_undo", "get"): ({}, 200),
    ("student_undo", "post"): ({"reason": "oops"}, 400),  # nothing to undo yet: refused, with the reason
    ("student_extend", "post"): ({"minutes": "10"}, 302),
}


def _busy(enrollment) -> Sandbox:
    """The student's account with things of their own: a role with inline and managed policies, a user with
    an access key, sessions (one assumed from another) and audit events."""
    account = enrollment.account_id
    loaded = SandboxWorld.load(Sandbox.objects.get(pk=enrollment.sandbox_id))
    world = loaded.world
    trust = json.loads(json.dumps(TRUST).replace("{root}", f"arn:aws:iam::{account}:root"))
    world.create_role(account, "Builder", trust)
    world.put_inline_policy(f"arn:aws:iam::{account}:role/Builder", "Read", READ)
    policy = world.create_policy(account, "Shared", READ)
    world.attach_policy(f"arn:aws:iam::{account}:role/Builder", policy.arn)
    world.create_user(account, "dev")
    world.create_access_key(f"arn:aws:iam::{account}:user/dev")
    for name in ("first", "second"):
        request = AssumeRoleRequest(f"arn:aws:iam::{account}:role/ReportsReader", name)
        assume_role(world, f"arn:aws:iam::{account}:user/alice", request)
    loaded.save()
    sandbox = Sandbox.objects.get(pk=enrollment.sandbox_id)
    first, second = sandbox.sts_sessions.order_by("issued_at", "pk")
    StsSession.objects.filter(pk=second.pk).update(parent=first)
    AuditEventFactory(sandbox=sandbox, data={"eventName": "GetObject"})
    return sandbox


def _state(sandbox: Sandbox) -> dict:
    """Everything a reset removes and an undo must put back, comparable with ``==``."""
    accounts = {
        a.account_id: (a.alias, a.is_learners, a.position, a.document, a.compute) for a in sandbox.accounts.all()
    }
    sessions = sorted(
        (
            s.session_id,
            s.access_key_id,
            s.arn,
            s.role_arn,
            s.issued_at,
            s.expires_at,
            json.dumps(s.data, sort_keys=True),
            s.parent.session_id if s.parent else None,
        )
        for s in sandbox.sts_sessions.select_related("parent")
    )
    events = sorted(
        (
            e.event_id,
            e.event_time,
            e.event_name,
            e.event_source,
            e.principal_arn,
            e.error_code,
            json.dumps(e.data, sort_keys=True),
        )
        for e in sandbox.events.all()
    )
    secrets = dict(sandbox.key_secrets.values_list("access_key_id", "secret"))
    return {"accounts": accounts, "sessions": sessions, "events": events, "secrets": secrets}


# ---- who may do what ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), list(REQUESTS))
@pytest.mark.parametrize("who", ACTORS)
def test_every_per_student_url_answers_each_actor_as_their_role_allows(
    cast, classroom, alice_enrolled, who, name, method
):
    data, allowed_status = REQUESTS[(name, method)]
    revision = Sandbox.objects.get(pk=alice_enrolled.sandbox_id).revision
    logged = StaffAction.objects.count()
    response = answer(cast[who], method, _address(name, classroom, alice_enrolled), data)
    if who in ALLOWED:
        assert response.status_code == allowed_status, response.content.decode()[:2000]
        return
    if who == "ta_of_other_section":
        assert_refused(response, OTHER_SECTION)
    elif who in ("student", "other_student"):
        assert_refused(response, STAFF_ONLY)
    else:
        assert response.status_code == 404
    # Nothing leaked into the log and nothing in the student's account changed.
    assert StaffAction.objects.count() == logged
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert sandbox.revision == revision and sandbox.clock_offset == 0
    assert not Snapshot.objects.exists()


def test_a_student_of_another_classroom_is_a_404_even_for_staff(cast, classroom, carol):
    oscar = Enrollment.objects.get(user__username="oscar")
    for name in ("student", "student_reset", "student_undo"):
        assert answer(carol, "get", _address(name, classroom, oscar)).status_code == 404
    for name in ("student_view", "student_extend", "student_reset"):
        assert answer(carol, "post", _address(name, classroom, oscar), {"minutes": "5"}).status_code == 404
    assert not StaffAction.objects.filter(enrollment=oscar).exists()


def test_the_student_page_shows_who_they_are_and_what_staff_did(classroom, carol, alice_enrolled):
    students.extend(alice_enrolled, carol, 10, "a late start")
    page = answer(carol, "get", _address("student", classroom, alice_enrolled)).content.decode()
    assert page.count("<h1") == 1
    for text in ("alice", "Monday", alice_enrolled.account_id, "Last activity", "10 min of extra time", "a late start"):
        assert text in page
    assert "View their account" in page and "Reset their account…" in page
    assert "Undo the last reset…" not in page  # nothing to undo yet


def test_a_closed_classroom_shows_the_student_but_refuses_changes(classroom, carol, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.CLOSED)
    page = answer(carol, "get", _address("student", classroom, alice_enrolled)).content.decode()
    assert "This classroom is closed: it can still be viewed, but nothing in it changes." in page
    response = answer(
        carol, "post", _address("student_reset", classroom, alice_enrolled), REQUESTS[("student_reset", "post")][0]
    )
    assert_refused(response, "This classroom is closed")
    assert not Snapshot.objects.exists()


def test_a_removed_students_account_can_be_viewed_but_not_reset(classroom, carol, alice_enrolled):
    Enrollment.objects.filter(pk=alice_enrolled.pk).update(state=Enrollment.REMOVED)
    assert answer(carol, "get", _address("student", classroom, alice_enrolled)).status_code == 200
    assert answer(carol, "post", _address("student_view", classroom, alice_enrolled)).status_code == 302
    for name, data in (("student_reset", {"confirm": "on", "reason": "x"}), ("student_extend", {"minutes": "5"})):
        assert_refused(
            answer(carol, "post", _address(name, classroom, alice_enrolled), data), "This student was removed"
        )


# ---- view as ---------------------------------------------------------------------------------------------------


def test_view_as_logs_the_visit_and_opens_the_account_read_only(classroom, carol, alice_enrolled):
    client = client_for(carol)
    response = client.post(_address("student_view", classroom, alice_enrolled))
    assert response.status_code == 302 and response.url == reverse("sandbox:overview", args=[alice_enrolled.sandbox_id])
    entry = StaffAction.objects.get(action="student_viewed")
    assert (entry.actor, entry.enrollment) == (carol, alice_enrolled)
    page = client.get(response.url).content.decode()
    assert "You are viewing alice's account as staff. Nothing you do here changes it." in page
    assert 'class="sandbox-main viewing-as"' in page  # its forms that would POST are hidden (site.css)


def test_a_view_as_get_changes_nothing_and_every_post_is_refused(classroom, carol, alice_enrolled):
    """Staff may read every page of the student's sandbox; every POST is a 403 and changes nothing."""
    sandbox = _busy(alice_enrolled)
    before = _state(sandbox)
    revision = Sandbox.objects.get(pk=sandbox.pk).revision
    client = client_for(carol)
    key = sandbox.key_secrets.first().access_key_id
    event = sandbox.events.first()
    account = alice_enrolled.account_id
    posted = 0
    for pattern in sandbox_urls.urlpatterns:
        route = str(pattern.pattern)
        if "<uuid:pk>" not in route:
            continue
        kwargs = {"pk": sandbox.pk}
        if "<str:account_id>" in route:
            area = route.split("/")[1]
            kwargs.update(account_id=account, name={"roles": "Builder", "policies": "Shared", "users": "dev"}[area])
        if "<str:key_id>" in route:
            kwargs["key_id"] = key
        if "<str:event_id>" in route:
            kwargs["event_id"] = event.event_id
        address = reverse(f"sandbox:{pattern.name}", kwargs=kwargs)
        assert client.get(address).status_code in (200, 302, 405), address
        status = client.post(address, {"confirm": "reset", "action": "forward", "minutes": "60"}).status_code
        assert status in (403, 405), (address, status)
        posted += status == 403
    assert posted >= 20
    assert _state(sandbox) == before
    assert Sandbox.objects.get(pk=sandbox.pk).revision == revision


# ---- reset and undo ---------------------------------------------------------------------------------------------


def test_reset_then_undo_restores_the_account_exactly(classroom, carol, alice_enrolled):
    sandbox = _busy(alice_enrolled)
    busy = _state(sandbox)
    assert len(busy["sessions"]) == 2 and busy["secrets"] and busy["events"]

    client = client_for(carol)
    response = client.post(_address("student_reset", classroom, alice_enrolled), {"confirm": "on", "reason": "stuck"})
    assert response.status_code == 302
    reset = _state(sandbox)
    world, _compute = student_world(alice_enrolled.account_id)
    assert {a: d[3].get("RoleDetailList") for a, d in reset["accounts"].items()} == {
        a: [r for r in doc.get("RoleDetailList", [])] for a, doc in world["accounts"].items()
    }
    assert not reset["sessions"] and not reset["events"]
    assert SandboxAccount.objects.get(sandbox=sandbox, is_learners=True).account_id == alice_enrolled.account_id

    response = client.post(_address("student_undo", classroom, alice_enrolled), {"reason": "wrong student"})
    assert response.status_code == 302
    assert _state(sandbox) == busy

    # The undo took a snapshot first: undoing it goes back to the reset account.
    client.post(_address("student_undo", classroom, alice_enrolled), {"reason": "it was right after all"})
    assert _state(sandbox) == reset
    assert list(StaffAction.objects.filter(enrollment=alice_enrolled).values_list("action", "reason")) == [
        ("reset_undone", "it was right after all"),
        ("reset_undone", "wrong student"),
        ("student_reset", "stuck"),
    ]


def test_a_reset_keeps_the_account_id_the_class_clock_and_the_last_activity(classroom, carol, alice_enrolled):
    from iamtutor.classrooms import clock

    Enrollment.objects.filter(pk=alice_enrolled.pk).update(clock_extension=300)
    clock.change_clock(classroom, carol, clock.ClockChange(clock.FORWARD, minutes=60))
    last_used = Sandbox.objects.get(pk=alice_enrolled.sandbox_id).last_used
    alice_enrolled.refresh_from_db()
    students.reset(alice_enrolled, carol, "demo")
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert sandbox.clock_offset == 3600 - 300 and sandbox.last_used == last_used
    assert sandbox.accounts.get(is_learners=True).account_id == alice_enrolled.account_id
    world = SandboxWorld.load(sandbox).world
    assert world.organization.is_member(alice_enrolled.account_id)


def test_undo_with_nothing_to_undo_says_so(classroom, carol, alice_enrolled):
    response = answer(carol, "post", _address("student_undo", classroom, alice_enrolled), {"reason": "x"})
    assert response.status_code == 400
    assert "There is nothing to undo: no reset of this account has been recorded." in response.content.decode()
    assert not StaffAction.objects.filter(action="reset_undone").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "x"}, "Tick the box to confirm the reset."),
        ({"confirm": "on"}, "Say why: the reason goes into the staff log."),
        ({"confirm": "on", "reason": "x" * 501}, "Ensure this value has at most 500 characters"),
        ({"confirm": "on", "reason": "bad\x00"}, "Null characters are not allowed."),
    ],
)
def test_a_reset_needs_a_confirmation_and_a_reason(classroom, carol, alice_enrolled, data, message):
    sandbox = _busy(alice_enrolled)
    before = _state(sandbox)
    response = answer(carol, "post", _address("student_reset", classroom, alice_enrolled), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert _state(sandbox) == before and not Snapshot.objects.exists()


def test_the_reason_is_shown_escaped(classroom, carol, alice_enrolled):
    students.reset(alice_enrolled, carol, "<script>alert(1)</script>")
    page = answer(carol, "get", _address("student", classroom, alice_enrolled)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_only_the_newest_snapshots_are_kept(classroom, carol, alice_enrolled, monkeypatch):
    monkeypatch.setattr(students, "SNAPSHOTS_KEPT", 3)
    for n in range(5):
        students.reset(alice_enrolled, carol, f"reset {n}")
    assert list(alice_enrolled.snapshots.values_list("reason", flat=True)) == ["reset 4", "reset 3", "reset 2"]


def test_a_reset_that_fails_half_way_changes_nothing(classroom, carol, alice_enrolled, monkeypatch):
    sandbox = _busy(alice_enrolled)
    before = _state(sandbox)

    def broken(*args, **kwargs):
        raise RuntimeError("the log is down")

    monkeypatch.setattr("iamtutor.classrooms.students.log.record", broken)
    with pytest.raises(RuntimeError):
        students.reset(alice_enrolled, carol, "x")
    assert _state(sandbox) == before and not Snapshot.objects.exists()


# ---- extra time ------------------------------------------------------------------------------------------------


def test_extra_time_sets_the_students_clock_behind_the_class(classroom, carol, alice_enrolled, bob_enrolled):
    client = client_for(carol)
    response = client.post(_address("student_extend", classroom, alice_enrolled), {"minutes": "20", "reason": "late"})
    assert response.status_code == 302
    alice_enrolled.refresh_from_db()
    assert alice_enrolled.clock_extension == 1200
    behind = class_time(classroom) - sandbox_now(Sandbox.objects.get(pk=alice_enrolled.sandbox_id))
    assert abs(behind.total_seconds() - 1200) < 2
    assert Sandbox.objects.get(pk=bob_enrolled.sandbox_id).clock_offset == 0
    entry = StaffAction.objects.get(action="clock_extended")
    assert entry.detail == {"minutes": 20, "previous_minutes": 0} and entry.reason == "late"
    # The same again changes nothing and logs nothing; 0 takes the extra time away.
    page = client.post(_address("student_extend", classroom, alice_enrolled), {"minutes": "20"}, follow=True)
    assert "alice has 20 minutes of extra time already." in page.content.decode()
    client.post(_address("student_extend", classroom, alice_enrolled), {"minutes": "0"})
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).clock_offset == 0
    assert StaffAction.objects.filter(action="clock_extended").count() == 2


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("-1", "Extra time cannot be negative: 0 takes it away."),
        ("1441", "Extra time is at most 1440 minutes (one day)."),
        ("ten", "Minutes are a whole number, such as 10."),
        ("", "Say how many minutes of extra time to give (0 for none)."),
    ],
)
def test_bad_extra_time_is_refused_with_a_message(classroom, carol, alice_enrolled, minutes, message):
    response = answer(carol, "post", _address("student_extend", classroom, alice_enrolled), {"minutes": minutes})
    assert response.status_code == 400 and message in response.content.decode()
    alice_enrolled.refresh_from_db()
    assert alice_enrolled.clock_extension == 0


def test_a_self_paced_classroom_gives_no_extra_time(classroom, carol, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.SELF_PACED)
    response = answer(carol, "post", _address("student_extend", classroom, alice_enrolled), {"minutes": "5"})
    assert response.status_code == 400 and "This classroom is self-paced" in response.content.decode()
    assert not StaffAction.objects.filter(action="clock_extended").exists()


# ---- concurrent staff actions (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_staff_actions_on_one_student_each_run_whole(classroom, carol, alice_enrolled):
    """Two resets, an undo, extra time and a class clock change at once: each is one transaction, so each
    either happened whole (its snapshot, its log entry, its clock) or not at all, and none answers 500."""
    from iamtutor.classrooms import clock

    _busy(alice_enrolled)
    work = [
        lambda: students.reset(Enrollment.objects.get(pk=alice_enrolled.pk), carol, "one"),
        lambda: students.reset(Enrollment.objects.get(pk=alice_enrolled.pk), carol, "two"),
        lambda: students.extend(Enrollment.objects.get(pk=alice_enrolled.pk), carol, 10),
        lambda: clock.change_clock(
            Classroom.objects.get(pk=classroom.pk), carol, clock.ClockChange(clock.FORWARD, minutes=60)
        ),
    ]
    results = together(lambda i: work[i](), len(work))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Snapshot.objects.filter(enrollment=alice_enrolled).count() == 2
    assert StaffAction.objects.filter(action__in=["student_reset", "clock_extended", "clock_changed"]).count() == 4
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert sandbox.clock_offset == 3600 - 600  # the class clock less her extra time, whatever the order
    assert sandbox.accounts.get(is_learners=True).account_id == alice_enrolled.account_id
    students.undo(Enrollment.objects.get(pk=alice_enrolled.pk), carol, "back")
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).clock_offset == 3000
