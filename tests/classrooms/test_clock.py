"""The class clock: fast-forward, pause, resume, jump and back to real time move every student's clock at once
(one UPDATE, one transaction), less each student's extra time; a self-paced class leaves each student theirs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import changes, clock
from iamtutor.classrooms.membership import class_time, enrol
from iamtutor.classrooms.models import Classroom, Enrollment, StaffAction
from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import Sandbox, StsSession
from iamtutor.sandbox.worlds import SandboxWorld, sandbox_now
from tests.classrooms.cast import (
    ACTORS,
    INSTRUCTORS_ONLY,
    STAFF_ONLY,
    answer,
    assert_refused,
    cast_fixture,  # noqa: F401 (the "cast" fixture)
    client_for,
)
from tests.factories import ClassroomFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(classroom) -> str:
    return reverse("classrooms:clock", args=[classroom.pk])


def _assume(enrollment, seconds: int = 900) -> StsSession:
    """alice (the user of the student's starting account) assumes ReportsReader in the student's account."""
    account = enrollment.account_id
    loaded = SandboxWorld.load(Sandbox.objects.get(pk=enrollment.sandbox_id))
    request = AssumeRoleRequest(f"arn:aws:iam::{account}:role/ReportsReader", "class", duration_seconds=seconds)
    assume_role(loaded.world, f"arn:aws:iam::{account}:user/alice", request)
    loaded.save()
    return StsSession.objects.filter(sandbox_id=enrollment.sandbox_id).latest("issued_at")


def _now(enrollment):
    return sandbox_now(Sandbox.objects.get(pk=enrollment.sandbox_id))


def _forward(classroom, user, minutes: int):
    return clock.change_clock(classroom, user, clock.ClockChange(clock.FORWARD, minutes=minutes))


def _later(monkeypatch, delta: timedelta) -> None:
    """Real time moves on by ``delta``."""
    real = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: real + delta)


# ---- who may do what ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_the_clock_page_answers_each_actor_as_their_role_allows(cast, classroom, who):
    response = answer(cast[who], "get", _url(classroom))
    if who in ("owner", "co_instructor", "ta_of_section", "ta_of_other_section"):
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count("<h1") == 1 and "The class time" in page
        # A TA sees the time, and why they cannot change it, instead of controls that would be refused.
        assert ("Pause the class clock" in page) == (who in ("owner", "co_instructor"))
        if who.startswith("ta"):
            assert INSTRUCTORS_ONLY in page
    elif who in ("student", "other_student"):
        assert_refused(response, STAFF_ONLY)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who", ACTORS)
def test_only_instructors_change_the_class_clock(cast, classroom, alice_enrolled, who):
    before = _now(alice_enrolled)
    response = answer(cast[who], "post", _url(classroom), {"action": "forward", "minutes": "60"})
    classroom.refresh_from_db()
    if who in ("owner", "co_instructor"):
        assert response.status_code == 302 and response.url == _url(classroom)
        assert classroom.clock_offset == 3600
        assert _now(alice_enrolled) - before > timedelta(minutes=59)
        assert StaffAction.objects.filter(action="clock_changed", actor=cast[who]).count() == 1
        return
    if who.startswith("ta") or who in ("student", "other_student"):
        assert_refused(response, INSTRUCTORS_ONLY)
    else:
        assert response.status_code == 404
    assert classroom.clock_offset == 0 and not StaffAction.objects.filter(action="clock_changed").exists()
    assert _now(alice_enrolled) - before < timedelta(minutes=1)


def test_a_closed_classroom_shows_its_clock_but_refuses_changes(cast, classroom, carol):
    Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.CLOSED)
    page = answer(carol, "get", _url(classroom)).content.decode()
    assert "This classroom is closed: it can still be viewed, but nothing in it changes." in page
    assert "Pause the class clock" not in page
    response = answer(carol, "post", _url(classroom), {"action": "pause"})
    assert_refused(response, "This classroom is closed")
    classroom.refresh_from_db()
    assert classroom.clock_frozen_at is None


# ---- fast-forward ---------------------------------------------------------------------------------------------


def test_a_fast_forward_expires_every_students_session_at_once(classroom, carol, alice_enrolled, bob_enrolled):
    """STS sessions last from 900 seconds (docs/iam-reference.md §5.2, DurationSeconds); an hour of class time
    later, a 15-minute session issued before the fast-forward is expired for every student, with no request
    of theirs in between."""
    third = enrol(classroom, UserFactory(username="erin"))
    students = [alice_enrolled, bob_enrolled, third]
    sessions = [_assume(enrollment) for enrollment in students]
    assert all(session.expires_at > _now(enrollment) for session, enrollment in zip(sessions, students, strict=True))
    before = client_for(third.user).get(reverse("sandbox:credentials", args=[third.sandbox_id]))
    assert len(before.context["active"]) == 1

    client = client_for(carol)
    response = client.post(_url(classroom), {"action": "forward", "minutes": "60"})
    assert response.status_code == 302

    for session, enrollment in zip(sessions, students, strict=True):
        assert session.expires_at <= _now(enrollment), enrollment.user
        response = client_for(enrollment.user).get(reverse("sandbox:credentials", args=[enrollment.sandbox_id]))
        assert response.context["active"] == [] and 'class="status-expired"' in response.content.decode()
    followed = client.get(_url(classroom)).content.decode()
    assert "1 h ahead of real time" in followed


def test_the_clock_change_costs_the_same_queries_for_2_or_12_students(classroom, carol, alice_enrolled, bob_enrolled):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _forward(classroom, carol, 5)
        return len(captured)

    few = queries()
    for n in range(10):
        enrol(classroom, UserFactory(username=f"student{n}"))
    assert queries() == few <= 8
    offsets = set(Sandbox.objects.filter(enrollment__classroom=classroom).values_list("clock_offset", flat=True))
    assert offsets == {600}


def test_the_preset_and_custom_minutes_move_the_clock_by_that_much(classroom, carol, alice_enrolled):
    client = client_for(carol)
    client.post(_url(classroom), {"action": "forward", "minutes": "15"})
    client.post(_url(classroom), {"action": "forward", "minutes": "42"})
    classroom.refresh_from_db()
    alice_enrolled.sandbox.refresh_from_db()
    assert classroom.clock_offset == alice_enrolled.sandbox.clock_offset == 57 * 60


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("", "Say how many minutes to fast-forward."),
        ("0", "Fast-forward by at least 1 minute."),
        ("-5", "Fast-forward by at least 1 minute."),
        ("10081", "Fast-forward by at most 10080 minutes (one week) at a time."),
        ("1e9", "Minutes are a whole number, such as 15."),
        ("99999999999999999999999", "Fast-forward by at most 10080 minutes"),
        ("5\x00", "Minutes are a whole number, such as 15."),
    ],
)
def test_bad_minutes_are_refused_with_a_message_and_change_nothing(classroom, carol, alice_enrolled, minutes, message):
    response = client_for(carol).post(_url(classroom), {"action": "forward", "minutes": minutes})
    assert response.status_code == 400
    assert message in response.content.decode()
    classroom.refresh_from_db()
    assert classroom.clock_offset == 0 and not StaffAction.objects.filter(action="clock_changed").exists()


def test_an_unknown_clock_action_is_refused_with_the_choices(classroom, carol):
    response = client_for(carol).post(_url(classroom), {"action": "rewind"})
    assert response.status_code == 400
    assert (
        "Choose a clock change: fast-forward, pause, resume, jump, or back to real time." in response.content.decode()
    )


def test_the_class_clock_runs_at_most_a_year_ahead(classroom, carol):
    Classroom.objects.filter(pk=classroom.pk).update(clock_offset=365 * 86400 - 60)
    response = client_for(carol).post(_url(classroom), {"action": "forward", "minutes": "60"})
    assert response.status_code == 400
    assert "The class clock can run at most 365 days ahead of real time." in response.content.decode()


# ---- pause, resume, jump, real time ----------------------------------------------------------------------------


def test_a_paused_class_clock_stands_still_for_every_student(
    classroom, carol, alice_enrolled, bob_enrolled, monkeypatch
):
    session = _assume(alice_enrolled)
    _forward(classroom, carol, 10)
    moment = clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    _later(monkeypatch, timedelta(hours=2))
    assert class_time(Classroom.objects.get(pk=classroom.pk)) == moment
    assert _now(alice_enrolled) == _now(bob_enrolled) == moment
    assert session.expires_at > _now(alice_enrolled)  # two real hours later, the 15-minute session still runs
    page = client_for(carol).get(_url(classroom)).content.decode()
    assert "paused" in page and "Resume the class clock" in page


def test_resume_goes_on_from_where_the_class_clock_stood(classroom, carol, alice_enrolled, monkeypatch):
    moment = clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    _later(monkeypatch, timedelta(minutes=30))
    clock.change_clock(classroom, carol, clock.ClockChange(clock.RESUME))
    classroom.refresh_from_db()
    assert classroom.clock_frozen_at is None and classroom.clock_offset == -30 * 60
    assert abs(_now(alice_enrolled) - moment) < timedelta(seconds=2)


def test_pausing_a_paused_clock_or_resuming_a_running_one_says_so(classroom, carol):
    response = client_for(carol).post(_url(classroom), {"action": "resume"})
    assert response.status_code == 400 and "The class clock is running already." in response.content.decode()
    client_for(carol).post(_url(classroom), {"action": "pause"})
    response = client_for(carol).post(_url(classroom), {"action": "pause"})
    assert response.status_code == 400 and "The class clock is paused already." in response.content.decode()
    assert StaffAction.objects.filter(action="clock_changed").count() == 1


@pytest.mark.parametrize("text", ["{}", "{}Z", "{}:00+00:00", "{}:00+02:00"])
def test_a_jump_takes_a_datetime_local_value_or_an_iso_time(classroom, carol, alice_enrolled, text):
    target = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    typed = text.format(target.strftime("%Y-%m-%dT%H:%M"))
    response = client_for(carol).post(_url(classroom), {"action": "jump", "at": typed})
    assert response.status_code == 302
    expected = target - (timedelta(hours=2) if typed.endswith("+02:00") else timedelta(0))
    assert abs(class_time(Classroom.objects.get(pk=classroom.pk)) - expected) < timedelta(seconds=2)
    assert abs(_now(alice_enrolled) - expected) < timedelta(seconds=2)


def test_a_jump_while_paused_stays_paused_at_that_time(classroom, carol, alice_enrolled):
    clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    target = datetime(2100, 1, 1, 9, 0, tzinfo=UTC)
    Classroom.objects.filter(pk=classroom.pk).update(clock_frozen_at=timezone.now())
    with pytest.raises(clock.ClockRefused):  # 2100 is beyond a year ahead
        clock.change_clock(classroom, carol, clock.ClockChange(clock.JUMP, at=target))
    target = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    clock.change_clock(classroom, carol, clock.ClockChange(clock.JUMP, at=target))
    classroom.refresh_from_db()
    assert classroom.clock_frozen_at == target == _now(alice_enrolled)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Choose the class time to jump to."),
        ("tomorrow", "is not a date and time. Write it like 2026-05-04T14:30 (UTC)."),
        ("2026-13-45T25:61", "is not a date and time"),
        ("x" * 500, "Ensure this value has at most 40 characters"),
        ("2026-05-04T14:30\x00", "Null characters are not allowed."),
        ("<script>alert(1)</script>", "“&lt;script&gt;alert(1)&lt;/script&gt;” is not a date and time"),
    ],
)
def test_a_jump_to_something_that_is_not_a_time_is_refused(classroom, carol, typed, message):
    response = client_for(carol).post(_url(classroom), {"action": "jump", "at": typed})
    assert response.status_code == 400
    assert message in response.content.decode()
    classroom.refresh_from_db()
    assert classroom.clock_offset == 0


def test_a_jump_into_the_past_is_refused_but_a_minute_typed_now_means_now(classroom, carol, alice_enrolled):
    past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(carol).post(_url(classroom), {"action": "jump", "at": past})
    assert response.status_code == 400
    assert "Choose a time no earlier than real time." in response.content.decode()
    this_minute = timezone.now().strftime("%Y-%m-%dT%H:%M")
    assert client_for(carol).post(_url(classroom), {"action": "jump", "at": this_minute}).status_code == 302
    assert abs(_now(alice_enrolled) - timezone.now()) < timedelta(seconds=5)


def test_back_to_real_time_ends_a_pause_and_an_offset(classroom, carol, alice_enrolled):
    _forward(classroom, carol, 60)
    clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    response = client_for(carol).post(_url(classroom), {"action": "real_time"})
    assert response.status_code == 302
    classroom.refresh_from_db()
    alice_enrolled.sandbox.refresh_from_db()
    assert (classroom.clock_offset, classroom.clock_frozen_at) == (0, None)
    assert (alice_enrolled.sandbox.clock_offset, alice_enrolled.sandbox.clock_frozen_at) == (0, None)


# ---- extra time, removed students, self-paced ------------------------------------------------------------------


def test_a_student_with_extra_time_runs_that_far_behind_the_class(classroom, carol, alice_enrolled, bob_enrolled):
    Enrollment.objects.filter(pk=bob_enrolled.pk).update(clock_extension=600)
    _forward(classroom, carol, 60)
    assert abs((_now(alice_enrolled) - _now(bob_enrolled)) - timedelta(minutes=10)) < timedelta(seconds=2)
    moment = clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    assert _now(alice_enrolled) == moment and _now(bob_enrolled) == moment - timedelta(minutes=10)
    page = client_for(carol).get(_url(classroom)).content.decode()
    assert "bob</a>: 10 min behind the class clock" in page


def test_a_removed_students_account_keeps_its_clock(classroom, carol, alice_enrolled, bob_enrolled):
    Enrollment.objects.filter(pk=bob_enrolled.pk).update(state=Enrollment.REMOVED)
    _forward(classroom, carol, 60)
    bob_enrolled.sandbox.refresh_from_db()
    assert bob_enrolled.sandbox.clock_offset == 0


def test_a_self_paced_classroom_has_no_class_clock(classroom, carol, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.SELF_PACED)
    page = client_for(carol).get(_url(classroom)).content.decode()
    assert "each student runs their own clock" in page and "Pause the class clock" not in page
    response = client_for(carol).post(_url(classroom), {"action": "forward", "minutes": "5"})
    assert response.status_code == 400 and "This classroom is self-paced" in response.content.decode()
    alice_enrolled.sandbox.refresh_from_db()
    assert alice_enrolled.sandbox.clock_offset == 0


def test_switching_clock_modes_hands_each_student_their_clock_and_back(classroom, carol, alice_enrolled, bob_enrolled):
    Enrollment.objects.filter(pk=bob_enrolled.pk).update(clock_extension=600)
    _forward(classroom, carol, 60)
    moment = clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    # Going self-paced: nobody's clock is held still any more; each runs on from the time it showed.
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.SELF_PACED)
    assert clock.clock_mode_changed(Classroom.objects.get(pk=classroom.pk)) == 2
    alice, bob = (Sandbox.objects.get(pk=e.sandbox_id) for e in (alice_enrolled, bob_enrolled))
    assert alice.clock_frozen_at is None and bob.clock_frozen_at is None
    assert abs(sandbox_now(alice) - moment) < timedelta(seconds=2)
    assert abs(sandbox_now(bob) - (moment - timedelta(minutes=10))) < timedelta(seconds=2)
    # And back: the class clock (still paused) holds everyone again.
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.CLASS_CLOCK)
    clock.clock_mode_changed(Classroom.objects.get(pk=classroom.pk))
    assert _now(alice_enrolled) == moment and _now(bob_enrolled) == moment - timedelta(minutes=10)


def test_the_settings_switch_to_self_paced_releases_a_paused_class(classroom, carol, alice_enrolled):
    from iamtutor.classrooms import changes

    clock.change_clock(classroom, carol, clock.ClockChange(clock.PAUSE))
    room = Classroom.objects.get(pk=classroom.pk)
    values = {"name": room.name, "description": room.description, "seat_limit": room.seat_limit}
    changes.save_settings(room, carol, values | {"clock_mode": Classroom.SELF_PACED})
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).clock_frozen_at is None
    changes.save_settings(room, carol, values | {"clock_mode": Classroom.CLASS_CLOCK})
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).clock_frozen_at == room.clock_frozen_at


def test_a_student_cannot_move_the_class_clock_from_their_sandbox(classroom, alice, alice_enrolled):
    client = client_for(alice)
    address = reverse("sandbox:clock", args=[alice_enrolled.sandbox_id])
    response = client.post(address, {"action": "forward", "minutes": "60"}, follow=True)
    assert "Your instructor sets the clock for the whole class" in response.content.decode()
    alice_enrolled.sandbox.refresh_from_db()
    assert alice_enrolled.sandbox.clock_offset == 0
    overview = client.get(reverse("sandbox:overview", args=[alice_enrolled.sandbox_id])).content.decode()
    assert "Your instructor sets the clock for the whole class" in overview and "+15 min" not in overview


def test_in_a_self_paced_classroom_the_student_moves_their_own_clock(classroom, alice, alice_enrolled):
    Classroom.objects.filter(pk=classroom.pk).update(clock_mode=Classroom.SELF_PACED)
    address = reverse("sandbox:clock", args=[alice_enrolled.sandbox_id])
    client_for(alice).post(address, {"action": "forward", "minutes": "15"})
    alice_enrolled.sandbox.refresh_from_db()
    assert alice_enrolled.sandbox.clock_offset == 15 * 60


# ---- one transaction -------------------------------------------------------------------------------------------


def test_a_clock_change_that_fails_half_way_changes_nothing(classroom, carol, alice_enrolled, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the log is down")

    monkeypatch.setattr("iamtutor.classrooms.clock.log.record", broken)
    with pytest.raises(RuntimeError):
        _forward(classroom, carol, 60)
    assert Classroom.objects.get(pk=classroom.pk).clock_offset == 0
    assert Sandbox.objects.get(pk=alice_enrolled.sandbox_id).clock_offset == 0


def test_the_log_records_each_change_with_the_class_time(classroom, carol, alice_enrolled):
    moment = _forward(classroom, carol, 15)
    entry = StaffAction.objects.get(action="clock_changed")
    assert entry.actor == carol and entry.enrollment is None
    assert entry.detail == {
        "change": "forward",
        "minutes": 15,
        "class_time": moment.isoformat(timespec="seconds"),
        "students": 1,
    }


# ---- joining while the clock moves (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["enrol", "try_as_student"])
def test_a_student_joining_during_a_clock_change_starts_on_the_new_class_time(how):
    """The clock change holds the classroom's row while it moves every student; a student enrolling meanwhile
    waits for it and starts on the new class time, even from a classroom object read before the change."""
    room = ClassroomFactory()
    owner = room.staff.get().user
    stale = Classroom.objects.get(pk=room.pk)  # read before the change: its clock_offset is 0
    locked, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def change() -> None:
        try:
            with transaction.atomic():
                _forward(Classroom.objects.get(pk=room.pk), owner, 60)
                locked.set()
                done.wait(timeout=2)  # the enrolment below starts meanwhile and must wait for this commit
        except BaseException as exc:  # reported below
            errors.append(exc)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=change)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        enrollment = enrol(stale, UserFactory()) if how == "enrol" else changes.try_as_student(stale, owner)
    finally:
        done.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert Sandbox.objects.get(pk=enrollment.sandbox_id).clock_offset == 60 * 60
