"""The dashboard: every URL × every actor; the grid's statuses in words, its counts and a TA's sections only;
stuck flags that each say why (time on the lab, failed AssumeRole calls since starting, a worked answer read);
the live refresh (204 while nothing changed, the fragment once something did, one query to know which); the
drill-down; and queries that do not grow with the class."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import assignments, dashboard, grading
from iamtutor.classrooms.models import AssignmentAttempt
from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import run_change
from tests.classrooms.cast import cast_fixture, client_for  # noqa: F401 (the "cast" fixture)
from tests.classrooms.lab_cast import (  # noqa: F401 (the fixtures)
    assignment_fixture,
    fix_lab_fixture,
    lab_files_fixture,
    solve,
    start,
    walk,
)
from tests.factories import UserFactory, enrol_student

pytestmark = pytest.mark.django_db


def _url(name, classroom, *args):
    return reverse(f"classrooms:{name}", args=[classroom.pk, *args])


def _check(enrollment, assignment):
    work = assignments.current_work(enrollment, assignment)
    work.enrollment, work.assignment = enrollment, assignment
    return assignments.check(work)


def _fail_assume(enrollment, times: int) -> None:
    """alice (the lab's user) tries ReportReader, whose trust policy names only bob: AccessDenied, recorded."""
    account = enrollment.account_id
    sandbox = Sandbox.objects.get(pk=enrollment.sandbox_id)
    for n in range(times):
        request = AssumeRoleRequest(f"arn:aws:iam::{account}:role/ReportReader", f"try-{n}")
        outcome = run_change(
            sandbox,
            lambda world, r=request: assume_role(world, f"arn:aws:iam::{account}:user/alice", r),
            audit_refusals=True,
        )
        assert outcome.error is not None
        sandbox.refresh_from_db()


# ---- who may do what -------------------------------------------------------------------------------------------


def test_the_grid_is_for_staff_only(cast, classroom, assignment):
    assert walk(cast, classroom, "get", _url("dashboard", classroom), "view_dashboard") == []


def test_the_drill_down_is_for_staff_of_the_student_s_section(cast, classroom, assignment, alice_enrolled):
    address = _url("dashboard_student", classroom, assignment.pk, alice_enrolled.pk)
    failures = walk(cast, classroom, "get", address, "view_dashboard", about=alice_enrolled)
    assert failures == []
    refused = client_for(cast["ta_of_other_section"]).get(address)
    assert refused.status_code == 403 and "their own sections" in refused.content.decode()


def test_a_drill_down_naming_another_classroom_s_student_or_lab_is_not_found(cast, classroom, assignment):
    from tests.factories import ClassroomFactory

    elsewhere = enrol_student(ClassroomFactory(name="Elsewhere"))
    owner = client_for(cast["owner"])
    assert owner.get(_url("dashboard_student", classroom, assignment.pk, elsewhere.pk)).status_code == 404
    student = cast["student"].enrollments.get()
    assert owner.get(_url("dashboard_student", classroom, 99999, student.pk)).status_code == 404


def test_a_ta_does_not_reach_another_section_s_lab(cast, classroom, carol, fix_lab, alice_enrolled):
    tuesday = classroom.sections.get(name="Tuesday")
    theirs = assignments.assign(
        classroom, carol, lab=fix_lab, section=tuesday, opens_at=None, due_at=None, closes_at=None
    )
    response = client_for(cast["ta_of_section"]).get(_url("dashboard_student", classroom, theirs.pk, alice_enrolled.pk))
    assert response.status_code == 404


# ---- the grid --------------------------------------------------------------------------------------------------


def test_the_grid_shows_each_status_in_words_with_counts(
    client, classroom, carol, fix_lab, assignment, alice_enrolled, bob_enrolled, lab_files
):
    tuesday_only = assignments.assign(
        classroom, carol, lab=fix_lab, section=classroom.sections.get(name="Tuesday"),
        opens_at=None, due_at=None, closes_at=None,
    )  # fmt: skip
    dave = enrol_student(classroom, UserFactory(username="dave"), classroom.sections.get(name="Monday"))
    start(assignment, alice_enrolled)
    solve(alice_enrolled, lab_files)
    _check(alice_enrolled, assignment)  # passed
    start(assignment, bob_enrolled)
    _check(bob_enrolled, assignment)  # in progress, 2 of 3
    start(tuesday_only, bob_enrolled)  # started, not checked
    AssignmentAttempt.objects.filter(enrollment=alice_enrolled).update(passed_at=timezone.now() + timedelta(days=3))
    client.force_login(carol)
    grid = dashboard.grid(_actor(carol, classroom))
    cells = {row.name: str(row.cells) for row in grid.rows}
    assert ">late</a>" in cells["alice"] and "not assigned" in cells["alice"]
    assert '>in progress</a><span class="grid-score">2/3 tasks</span>' in cells["bob"]
    assert cells["dave"].count(">not started</a>") == 1 and "not assigned" in cells["dave"]
    whole = next(column for column in grid.columns if column.assignment == assignment)
    assert (whole.counts["late"], whole.counts["in_progress"], whole.counts["not_started"]) == (1, 1, 1)
    assert [column.assignment for column in grid.columns] == [tuesday_only, assignment]  # by opening, none first
    page = client.get(_url("dashboard", classroom)).content.decode()
    assert "passed, but first after the due date" in page  # the legend says what each word means
    assert "<li>1 late</li>" in page and "dave" in page
    assert dave.pk


def _actor(user, classroom):
    from iamtutor.classrooms.permissions import actor_for

    return actor_for(user, classroom)


def test_a_ta_sees_only_their_sections_students(cast, classroom, assignment, alice_enrolled, bob_enrolled):
    page = client_for(cast["ta_of_section"]).get(_url("dashboard", classroom)).content.decode()
    assert "alice" in page and ">bob<" not in page and "Filtered to your sections: Monday" in page


def test_a_section_filter_narrows_the_grid(client, classroom, carol, assignment, alice_enrolled, bob_enrolled):
    client.force_login(carol)
    tuesday = classroom.sections.get(name="Tuesday")
    page = client.get(_url("dashboard", classroom) + f"?section={tuesday.pk}").content.decode()
    assert "1 student × labs" in page and ">bob<" in page and ">alice<" not in page
    assert "1 student × labs" not in client.get(_url("dashboard", classroom) + "?section=x").content.decode()


def test_staff_who_enrolled_are_shown_but_not_counted(classroom, carol, assignment, alice_enrolled):
    from iamtutor.classrooms import changes

    changes.try_as_student(classroom, carol)
    grid = dashboard.grid(_actor(carol, classroom))
    assert {row.name for row in grid.rows} == {"alice", "carol"}
    assert grid.columns[0].counts["not_started"] == 1


# ---- stuck -----------------------------------------------------------------------------------------------------


def test_time_on_the_lab_without_a_pass_flags_the_student_and_says_how_long(
    classroom, carol, assignment, alice_enrolled
):
    start(assignment, alice_enrolled)
    assert dashboard.grid(_actor(carol, classroom)).stuck == []
    AssignmentAttempt.objects.update(started=timezone.now() - timedelta(minutes=25))
    grid = dashboard.grid(_actor(carol, classroom))
    (stuck,) = grid.stuck
    assert [flag.why for flag in stuck.flags] == ["25 min since starting, and not passed yet."]
    assert "stuck: 25 min on it" in str(grid.rows[0].cells)


def test_three_failed_assume_role_calls_since_starting_flag_the_student(classroom, carol, assignment, alice_enrolled):
    _fail_assume(alice_enrolled, 3)  # before the start: the start replaces the trail, they do not count
    start(assignment, alice_enrolled)
    _fail_assume(alice_enrolled, 2)
    assert dashboard.grid(_actor(carol, classroom)).stuck == []
    _fail_assume(alice_enrolled, 1)
    (stuck,) = dashboard.grid(_actor(carol, classroom)).stuck
    assert [flag.why for flag in stuck.flags] == ["3 AssumeRole calls failed since starting the lab."]


def test_a_classmate_s_failed_calls_into_the_account_are_not_the_student_s(
    classroom, carol, assignment, alice_enrolled
):
    from tests.factories import AuditEventFactory

    work = start(assignment, alice_enrolled)
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    for n in range(4):
        AuditEventFactory(
            sandbox=sandbox,
            event_name="AssumeRole",
            error_code="AccessDenied",
            principal_arn="arn:aws:iam::999988887777:user/mallory",
            event_time=work.attempt.started + timedelta(seconds=n + 1),
        )
    assert dashboard.grid(_actor(carol, classroom)).stuck == []


def test_reading_a_worked_answer_flags_the_student(client, classroom, carol, assignment, alice_enrolled):
    start(assignment, alice_enrolled)
    client.force_login(alice_enrolled.user)
    for rung in (1, 2, 3):
        client.post(_url("assignment_hint", classroom, assignment.pk), {"task": "nobody-else", "rung": rung})
    (stuck,) = dashboard.grid(_actor(carol, classroom)).stuck
    assert [flag.code for flag in stuck.flags] == ["answer"]


def test_no_flag_once_passed_or_closed_or_moved_on(classroom, carol, assignment, alice_enrolled, lab_files):
    start(assignment, alice_enrolled)
    AssignmentAttempt.objects.update(started=timezone.now() - timedelta(hours=2), top_rung=3)
    assert len(dashboard.grid(_actor(carol, classroom)).stuck) == 1
    assignment.closes_at = timezone.now() - timedelta(minutes=1)
    assignment.due_at = assignment.opens_at = None
    assignment.save()
    assert dashboard.grid(_actor(carol, classroom)).stuck == []
    assignment.closes_at = None
    assignment.save()
    solve(alice_enrolled, lab_files)
    _check(alice_enrolled, assignment)
    assert dashboard.grid(_actor(carol, classroom)).stuck == []


def test_the_page_lists_who_is_stuck_with_the_reasons(client, classroom, carol, assignment, alice_enrolled):
    start(assignment, alice_enrolled)
    AssignmentAttempt.objects.update(started=timezone.now() - timedelta(minutes=75))
    client.force_login(carol)
    page = client.get(_url("dashboard", classroom)).content.decode()
    assert "1 student looks stuck" in page and "1 h 15 min since starting, and not passed yet." in page


# ---- the live refresh ------------------------------------------------------------------------------------------


def test_the_poll_answers_204_until_something_changes(client, classroom, carol, assignment, alice_enrolled, lab_files):
    client.force_login(carol)
    drawn = dashboard.fingerprint(classroom)
    poll = _url("dashboard", classroom) + f"?since={drawn}"
    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 204
    start(assignment, alice_enrolled)
    response = client.get(poll, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<div id="grid"') and "<html" not in page
    changed = dashboard.fingerprint(classroom)
    assert changed != drawn and f"since={changed}" in page
    steps = [
        lambda: _check(alice_enrolled, assignment),
        lambda: grading.override(assignment, alice_enrolled, carol, 50, "excused"),
        lambda: AssignmentAttempt.objects.update(started=timezone.now() - timedelta(minutes=30)),  # crosses 20 min
        lambda: enrol_student(classroom, UserFactory(username="erin")),
    ]
    for step in steps:
        before = dashboard.fingerprint(classroom)
        step()
        assert dashboard.fingerprint(classroom) != before
    assert dashboard.fingerprint(classroom) == dashboard.fingerprint(classroom)


def test_a_due_date_passing_changes_the_fingerprint(classroom, assignment):
    now = timezone.now()
    assert dashboard.fingerprint(classroom, now) == dashboard.fingerprint(classroom, now + timedelta(hours=1))
    assert dashboard.fingerprint(classroom, now) != dashboard.fingerprint(classroom, now + timedelta(days=1, hours=1))


def test_the_poll_costs_one_query_after_the_actor_s_own(client, classroom, carol, assignment, alice_enrolled):
    client.force_login(carol)
    poll = _url("dashboard", classroom) + f"?since={dashboard.fingerprint(classroom)}"
    client.get(poll, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 204
    fingerprint_queries = [q for q in queries.captured_queries if "classrooms_assignmentattempt" in q["sql"]]
    assert len(fingerprint_queries) == 1
    assert len(queries) <= 6  # session, user, classroom, staff, enrollment; the fingerprint


def test_a_plain_get_with_since_is_the_whole_page(client, classroom, carol, assignment):
    client.force_login(carol)
    response = client.get(_url("dashboard", classroom) + "?since=stale")
    assert response.status_code == 200 and "<html" in response.content.decode()


# ---- bounded queries -------------------------------------------------------------------------------------------


def _class_of(classroom, carol, assignment, size: int):
    for n in range(size - classroom.enrollments.count()):
        enrol_student(classroom, UserFactory(username=f"s{n:03d}"), classroom.sections.get(name="Monday"))
    for enrollment in classroom.enrollments.all()[:3]:
        if not AssignmentAttempt.objects.filter(enrollment=enrollment).exists():
            start(assignment, enrollment)


def _queries(client, address) -> int:
    client.get(address)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_the_grid_drill_down_and_grades_cost_the_same_queries_for_3_and_30_students(
    client, classroom, carol, assignment
):
    client.force_login(carol)
    _class_of(classroom, carol, assignment, 3)
    student = classroom.enrollments.first()
    pages = [
        _url("dashboard", classroom),
        _url("dashboard_student", classroom, assignment.pk, student.pk),
        _url("grades_csv", classroom) + "?who=names",
        _url("assignments", classroom),
    ]
    small = [_queries(client, page) for page in pages]
    _class_of(classroom, carol, assignment, 30)
    assert [_queries(client, page) for page in pages] == small


# ---- the drill-down ----------------------------------------------------------------------------------------------


def test_the_drill_down_shows_checks_hints_with_times_overrides_and_flags(
    client, classroom, carol, assignment, alice_enrolled
):
    start(assignment, alice_enrolled)
    student = client_for(alice_enrolled.user)
    student.post(_url("assignment_hint", classroom, assignment.pk), {"task": "alice-can-assume", "rung": 1})
    student.post(_url("assignment_check", classroom, assignment.pk))
    grading.override(assignment, alice_enrolled, carol, 80, "presented it in class")
    AssignmentAttempt.objects.update(started=timezone.now() - timedelta(minutes=40))
    client.force_login(carol)
    page = client.get(_url("dashboard_student", classroom, assignment.pk, alice_enrolled.pk)).content.decode()
    for text in (
        "alice on “Fix a broken trust policy”",
        "in progress",
        "80%",
        "the checks gave 66.7%",
        "alice can assume ReportReader, with no identity policy of her own.",
        "nudge",
        "presented it in class",
        "40 min since starting, and not passed yet.",
        "Override the result…",
        "Look at their account (read-only)",
    ):
        assert text in page, text
    ta = client_for(_ta(classroom)).get(_url("dashboard_student", classroom, assignment.pk, alice_enrolled.pk))
    assert ta.status_code == 200 and "Override the result" not in ta.content.decode()


def _ta(classroom):
    from iamtutor.classrooms.models import StaffMember

    user = UserFactory(username="tom")
    StaffMember.objects.create(classroom=classroom, user=user, role=StaffMember.TA).sections.add(
        classroom.sections.get(name="Monday")
    )
    return user


# ---- the benchmark -------------------------------------------------------------------------------------------


def test_the_bench_times_every_request_and_rolls_back(capsys):
    from django.core.management import call_command

    from iamtutor.classrooms.models import Classroom

    call_command("bench_dashboard", "--students", "6", "--labs", "2", "--runs", "3")
    out = capsys.readouterr().out
    assert "6 students × 2 labs" in out
    for name in ("grid (owner)", "grid (TA, one section)", "poll, nothing changed (204)", "grades CSV"):
        assert f"\n{name} " in out
    assert not Classroom.objects.exists() and not Sandbox.objects.exists()
