"""Which assigned lab is in a student's account after a staff reset, an undo or the student's own reset: the
dashboard's "current" lab and its stuck flags, the drill-down, the student's lab page and the check button
follow the account's contents, not the order of the starts. (A reset replaces the account's rows, so the start
that made them no longer holds the account; an undo that puts a lab's world back makes it hold it again.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import assignments, dashboard, students
from iamtutor.classrooms.models import AssignmentAttempt
from iamtutor.classrooms.permissions import actor_for
from tests.classrooms.lab_cast import (  # noqa: F401 (the fixtures)
    assignment_fixture,
    fix_lab_fixture,
    lab_files_fixture,
    start,
)

pytestmark = pytest.mark.django_db


def _stuck_for_a_while(work) -> None:
    AssignmentAttempt.objects.filter(pk=work.pk).update(started=timezone.now() - timedelta(minutes=45))


def _grid(carol, classroom):
    return dashboard.grid(actor_for(carol, classroom))


def _refresh(enrollment):
    enrollment.refresh_from_db()
    return enrollment


def test_a_staff_reset_takes_the_lab_out_of_the_account_and_off_the_stuck_list(
    classroom, carol, assignment, alice_enrolled
):
    work = start(assignment, alice_enrolled)
    _stuck_for_a_while(work)
    assert len(_grid(carol, classroom).stuck) == 1
    before = dashboard.fingerprint(classroom)
    students.reset(_refresh(alice_enrolled), carol, "a fresh start")
    assert dashboard.fingerprint(classroom) != before  # the live refresh notices
    assert not assignments.in_account(work)
    assert _grid(carol, classroom).stuck == []
    drill = dashboard.student_work(assignment, _refresh(alice_enrolled))
    assert drill.in_account is False and drill.flags == []
    work.assignment, work.enrollment = assignment, alice_enrolled
    assert "no longer holds this lab's world" in assignments.why_not_record(work)
    with pytest.raises(assignments.AssignmentRefused):
        assignments.check(work)


def test_undoing_the_reset_puts_the_lab_back_with_its_flags(classroom, carol, assignment, alice_enrolled):
    work = start(assignment, alice_enrolled)
    _stuck_for_a_while(work)
    students.reset(_refresh(alice_enrolled), carol, "oops")
    before = dashboard.fingerprint(classroom)
    students.undo(_refresh(alice_enrolled), carol, "undo the oops")
    assert dashboard.fingerprint(classroom) != before
    assert assignments.in_account(work)
    (stuck,) = _grid(carol, classroom).stuck
    assert stuck.column.assignment == assignment
    assert dashboard.student_work(assignment, _refresh(alice_enrolled)).in_account is True
    work.assignment, work.enrollment = assignment, _refresh(alice_enrolled)
    assert assignments.why_not_record(work) is None
    assert len(assignments.check(work)) == assignment.lab.tasks.count()


def test_undoing_the_lab_s_own_start_leaves_no_lab_in_the_account(classroom, carol, assignment, alice_enrolled):
    """A start snapshots the account first; undoing goes back to the world from before the lab."""
    work = start(assignment, alice_enrolled)
    _stuck_for_a_while(work)
    restored = students.undo(_refresh(alice_enrolled), carol, "not this lab yet")
    assert restored.reason.startswith("Before starting the lab")
    assert not assignments.in_account(work)
    assert _grid(carol, classroom).stuck == []


def test_undo_of_undo_brings_the_lab_back_again(classroom, carol, assignment, alice_enrolled):
    work = start(assignment, alice_enrolled)
    students.reset(_refresh(alice_enrolled), carol, "one")
    students.undo(_refresh(alice_enrolled), carol, "two")  # lab back
    assert assignments.in_account(work)
    students.undo(_refresh(alice_enrolled), carol, "three")  # undoes the undo: the reset account again
    assert not assignments.in_account(work)
    students.undo(_refresh(alice_enrolled), carol, "four")
    assert assignments.in_account(work)


def test_an_older_start_put_back_by_an_undo_is_the_current_one(classroom, carol, assignment, alice_enrolled, fix_lab):
    first = start(assignment, alice_enrolled)
    other = assignments.assign(classroom, carol, lab=fix_lab, section=None, opens_at=None, due_at=None, closes_at=None)
    second = start(other, alice_enrolled)  # snapshots the first lab's world, then puts the second lab in
    assert assignments.in_account(second) and not assignments.in_account(first)
    students.undo(_refresh(alice_enrolled), carol, "back to the first lab")
    assert assignments.in_account(first) and not assignments.in_account(second)
    assert assignments.current_work(_refresh(alice_enrolled), assignment).pk == first.pk
    _stuck_for_a_while(first)
    _stuck_for_a_while(second)
    (stuck,) = _grid(carol, classroom).stuck
    assert stuck.column.assignment == assignment


def test_the_student_s_own_reset_takes_the_lab_out_too(client, classroom, carol, assignment, alice_enrolled):
    work = start(assignment, alice_enrolled)
    _stuck_for_a_while(work)
    client.force_login(alice_enrolled.user)
    response = client.post(reverse("sandbox:reset", args=[alice_enrolled.sandbox_id]), {"confirm": "reset"})
    assert response.status_code == 302
    assert not assignments.in_account(work)
    assert _grid(carol, classroom).stuck == []
    page = client.get(reverse("classrooms:assignment", args=[classroom.pk, assignment.pk])).content.decode()
    assert "Your account no longer holds this lab&#x27;s world: it was reset" in page


def test_the_drill_down_page_says_which_start_is_in_the_account(client, classroom, carol, assignment, alice_enrolled):
    start(assignment, alice_enrolled)
    client.force_login(carol)
    address = reverse("classrooms:dashboard_student", args=[classroom.pk, assignment.pk, alice_enrolled.pk])
    assert "(in their account)" in client.get(address).content.decode()
    students.reset(_refresh(alice_enrolled), carol, "x")
    page = client.get(address).content.decode()
    assert "(in their account)" not in page and "the account was reset or restored" in page


def test_the_migration_marks_the_latest_start_unless_staff_reset_the_account_since(
    classroom, carol, assignment, alice_enrolled
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("iamtutor.classrooms.migrations.0004_lab_in_account")
    older = start(assignment, alice_enrolled)
    work = start(assignment, alice_enrolled)
    AssignmentAttempt.objects.update(account_row=None)
    migration.mark_labs_in_accounts(apps, None)
    assert not assignments.in_account(older) and assignments.in_account(work)
    students.reset(_refresh(alice_enrolled), carol, "before the field existed")
    AssignmentAttempt.objects.update(account_row=None)
    migration.mark_labs_in_accounts(apps, None)
    assert not assignments.in_account(work)
