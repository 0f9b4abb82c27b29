"""Grading: the result rules (the counted check run, passed, late, overrides and their withdrawal); the
override flow with its reason in the staff log, for every actor; and the grades' CSV — one row per student,
a score and notes per lab, user names for instructors only, pseudonymous ids that stay put, a TA's sections
only, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import assignments, grading
from iamtutor.classrooms.grading import IN_PROGRESS, LATE, NOT_ASSIGNED, NOT_STARTED, PASSED, Override, Work
from iamtutor.classrooms.models import Assignment, ResultOverride, StaffAction
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
T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def _url(name, classroom, *args):
    return reverse(f"classrooms:{name}", args=[classroom.pk, *args])


def _work(pk=1, *, checked=None, passed=0, total=3, passed_at=None) -> Work:
    return Work(pk, 1, 1, pk, T0, T0, 1 if checked else 0, checked, passed, total, passed_at, 0, None)


# ---- the rules ---------------------------------------------------------------------------------------------------


def test_the_result_rules():
    due = Assignment(due_at=T0 + timedelta(days=1))
    none = Assignment()
    assert grading.result(due, True, [], None).status == NOT_STARTED
    assert grading.result(due, False, [], None).status == NOT_ASSIGNED
    started = grading.result(due, True, [_work()], None)
    assert (started.status, started.score) == (IN_PROGRESS, 0.0)
    partial = grading.result(due, True, [_work(checked=T0, passed=2)], None)
    assert partial.status == IN_PROGRESS and grading.score_text(partial.score) == "66.7"
    on_time = grading.result(due, True, [_work(checked=T0, passed=3, passed_at=T0)], None)
    assert (on_time.status, on_time.score) == (PASSED, 100.0)
    late_pass = _work(checked=T0 + timedelta(days=2), passed=3, passed_at=T0 + timedelta(days=2))
    assert grading.result(due, True, [late_pass], None).status == LATE
    assert grading.result(none, True, [late_pass], None).status == PASSED  # no due date: never late


def test_the_latest_check_run_counts_even_from_an_earlier_start():
    due = Assignment()
    checked_first = _work(1, checked=T0 + timedelta(minutes=5), passed=3, passed_at=T0)
    restarted = _work(2)  # started again, not checked yet
    assert grading.counted([checked_first, restarted]) == checked_first
    rechecked = _work(3, checked=T0 + timedelta(minutes=9), passed=1)
    found = grading.result(due, True, [checked_first, restarted, rechecked], None)
    assert found.work == rechecked and found.status == IN_PROGRESS


def test_an_override_replaces_the_score_and_keeps_the_checks_beside_it():
    override = Override(1, 1, 1, 80, "oral exam", "carol", T0)
    found = grading.result(Assignment(), True, [_work(checked=T0, passed=1)], override)
    assert (found.score, round(found.checks_score, 1), found.status) == (80.0, 33.3, IN_PROGRESS)
    assert grading.notes(found) == "overridden (checks: 33.3): oral exam"
    excused = grading.result(Assignment(), True, [], override)
    assert (excused.score, excused.status) == (80.0, NOT_STARTED)


def test_the_newest_override_counts_and_an_empty_one_withdraws_it(classroom, carol, assignment, alice_enrolled):
    grading.override(assignment, alice_enrolled, carol, 50, "first thought")
    grading.override(assignment, alice_enrolled, carol, 90, "second thought")
    found = grading.latest_overrides(ResultOverride.objects.all())
    assert found[(assignment.pk, alice_enrolled.pk)].score == 90
    grading.override(assignment, alice_enrolled, carol, None, "checks are fine after all")
    assert grading.latest_overrides(ResultOverride.objects.all()) == {}
    assert ResultOverride.objects.count() == 3  # the history stays


# ---- overriding through the site -------------------------------------------------------------------------------


def test_overriding_is_for_instructors(cast, classroom, assignment, alice_enrolled):
    address = _url("result_override", classroom, assignment.pk, alice_enrolled.pk)
    for method in ("get", "post"):
        assert walk(cast, classroom, method, address, "override_result", about=alice_enrolled) == []
    refused = client_for(cast["ta_of_section"]).post(address, {"score": "100", "reason": "nice"})
    assert refused.status_code == 403 and "Only the owner and co-instructors can override" in refused.content.decode()
    assert not ResultOverride.objects.exists()


def test_an_override_needs_a_reason_and_a_score_in_range(client, classroom, carol, assignment, alice_enrolled):
    client.force_login(carol)
    address = _url("result_override", classroom, assignment.pk, alice_enrolled.pk)
    for data, message in (
        ({"score": "80"}, "Say why: the reason goes into the staff log."),
        ({"score": "101", "reason": "x"}, "A score is a whole number from 0 to 100."),
        ({"score": "-1", "reason": "x"}, "A score is a whole number from 0 to 100."),
        ({"score": "ten", "reason": "x"}, "A score is a whole number from 0 to 100."),
        ({"reason": "x"}, "Give a score from 0 to 100, or tick"),
    ):
        response = client.post(address, data)
        assert response.status_code == 400 and message in response.content.decode(), data
    assert not ResultOverride.objects.exists() and not StaffAction.objects.filter(action="result_overridden").exists()


def test_the_override_flow_logs_the_reason_and_shows_everywhere(
    client, classroom, carol, assignment, alice_enrolled, lab_files
):
    start(assignment, alice_enrolled)
    client.force_login(carol)
    address = _url("result_override", classroom, assignment.pk, alice_enrolled.pk)
    assert "Override alice" in client.get(address).content.decode()
    response = client.post(address, {"score": "75", "reason": "fixed it on paper"})
    assert response.status_code == 302
    assert response["Location"] == _url("dashboard_student", classroom, assignment.pk, alice_enrolled.pk)
    entry = StaffAction.objects.get(action="result_overridden")
    assert (entry.enrollment, entry.reason, entry.detail["score"], entry.actor) == (
        alice_enrolled,
        "fixed it on paper",
        "75",
        carol,
    )
    grid = client.get(_url("dashboard", classroom)).content.decode()
    assert "override: 75%" in grid
    rows = _csv(client.get(_url("grades_csv", classroom) + "?who=names"))
    assert rows[1][3:5] == ["75", "overridden (checks: 0): fixed it on paper"]
    withdraw = client.post(address, {"withdraw": "on", "reason": "regraded"})
    assert withdraw.status_code == 302
    assert "override:" not in client.get(_url("dashboard", classroom)).content.decode()
    own_log = client_for(alice_enrolled.user).get(_url("my_log", classroom)).content.decode()
    assert "fixed it on paper" in own_log and "regraded" in own_log


# ---- the CSV -------------------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_has_a_row_per_student_and_a_score_and_notes_per_lab(
    client, classroom, carol, fix_lab, assignment, alice_enrolled, bob_enrolled, lab_files
):
    monday = assignments.assign(
        classroom, carol, lab=fix_lab, section=classroom.sections.get(name="Monday"),
        opens_at=None, due_at=timezone.now() - timedelta(minutes=1), closes_at=None,
    )  # fmt: skip
    start(monday, alice_enrolled)
    solve(alice_enrolled, lab_files)
    work = assignments.current_work(alice_enrolled, monday)
    work.enrollment, work.assignment = alice_enrolled, monday
    assignments.check(work)  # passed after its due date: late
    client.force_login(carol)
    rows = _csv(client.get(_url("grades_csv", classroom) + "?who=names"))
    assert rows[0] == [
        "student",
        "section",
        "state",
        "Fix a broken trust policy (Monday)",
        "Fix a broken trust policy (Monday) notes",
        "Fix a broken trust policy",
        "Fix a broken trust policy notes",
    ]
    assert rows[1] == ["alice", "Monday", "active", "100", "late", "", "not started"]
    assert rows[2] == ["bob", "Tuesday", "active", "", "not assigned", "", "not started"]


def test_pseudonymous_ids_are_stable_per_classroom_and_hide_the_name(
    client, classroom, carol, assignment, alice_enrolled
):
    client.force_login(carol)
    first = _csv(client.get(_url("grades_csv", classroom)))
    again = _csv(client.get(_url("grades_csv", classroom)))
    assert first == again and first[0][0] == "pseudonymous_id"
    assert first[1][0] == grading.pseudonym(alice_enrolled) and first[1][0].startswith("s-")
    assert "alice" not in client.get(_url("grades_csv", classroom)).content.decode()
    from tests.factories import ClassroomFactory

    other = enrol_student(ClassroomFactory(name="Other"), alice_enrolled.user)
    assert grading.pseudonym(other) != grading.pseudonym(alice_enrolled)


def test_a_ta_exports_their_sections_by_pseudonymous_id_only(cast, classroom, assignment, alice_enrolled, bob_enrolled):
    ta = client_for(cast["ta_of_section"])
    rows = _csv(ta.get(_url("grades_csv", classroom)))
    assert [row[0] for row in rows[1:]] == [grading.pseudonym(alice_enrolled)]
    refused = ta.get(_url("grades_csv", classroom) + "?who=names")
    assert refused.status_code == 403
    assert "Only the owner and co-instructors can download the grades with the students" in refused.content.decode()


def test_the_csv_is_for_staff(cast, classroom, assignment):
    assert walk(cast, classroom, "get", _url("grades_csv", classroom), "export_grades") == []


def test_staff_who_enrolled_are_left_out_and_removed_students_kept(
    client, classroom, carol, assignment, alice_enrolled
):
    from iamtutor.classrooms import changes, roster

    changes.try_as_student(classroom, carol)
    roster.remove(classroom, carol, alice_enrolled, "left the course")
    client.force_login(carol)
    rows = _csv(client.get(_url("grades_csv", classroom) + "?who=names"))
    assert [(row[0], row[2]) for row in rows[1:]] == [("alice", "removed")]


def test_no_cell_can_run_as_a_formula(client, classroom, carol, assignment):
    sneaky = enrol_student(classroom, UserFactory(username="@SUM"), classroom.sections.get(name="Monday"))
    classroom.sections.filter(name="Monday").update(name="=HYPERLINK(1)")
    grading.override(assignment, sneaky, carol, 10, "=1+1")
    client.force_login(carol)
    rows = _csv(client.get(_url("grades_csv", classroom) + "?who=names"))
    (row,) = rows[1:]
    assert row[0] == "'@SUM" and row[1] == "'=HYPERLINK(1)"
    assert row[4] == "not started; overridden (checks: not started): =1+1"  # not at the start: harmless
    grading.override(assignment, sneaky, carol, None, "withdrawn")
    for cell in _csv(client.get(_url("grades_csv", classroom) + "?who=names"))[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
