"""Deleting a section deletes the labs assigned to it (``Assignment.section`` is CASCADE), with the dashboard's
record of the students' work on them and their overrides: the confirmation page says so with the numbers, the
deletion refuses when labs were assigned or unassigned since the page was shown, and the staff log counts what
went. The students' lab attempts stay in their accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from iamtutor.classrooms import assignments, changes, grading
from iamtutor.classrooms.models import Assignment, AssignmentAttempt, ResultOverride, StaffAction
from iamtutor.labs.models import Attempt
from tests.classrooms.cast import client_for
from tests.classrooms.lab_cast import fix_lab_fixture, lab_files_fixture, start  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.django_db


def _url(classroom, section):
    return reverse("classrooms:section_delete", args=[classroom.pk, section.pk])


def _text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.fixture(name="monday_lab")
def monday_lab_fixture(classroom, carol, fix_lab, alice_enrolled, bob_enrolled):
    """fix-the-trust-policy assigned to the Monday section (alice's), started by alice, with an override; and
    the same lab assigned to the whole class, which must survive Monday's deletion."""
    monday = classroom.sections.get(name="Monday")
    now = timezone.now()
    dates = {"opens_at": now - timedelta(hours=1), "due_at": None, "closes_at": None}
    for_monday = assignments.assign(classroom, carol, lab=fix_lab, section=monday, **dates)
    whole_class = assignments.assign(classroom, carol, lab=fix_lab, section=None, **dates)
    start(for_monday, alice_enrolled)
    start(for_monday, alice_enrolled)
    grading.override(for_monday, alice_enrolled, carol, 90, "Solved it on paper")
    return for_monday, whole_class


def test_the_page_counts_the_labs_and_the_work_that_go_with_the_section(client, classroom, carol, monday_lab):
    monday = classroom.sections.get(name="Monday")
    client.force_login(carol)
    page = _text(client.get(_url(classroom, monday)))
    assert f"The lab assigned to this section is deleted with it: {monday_lab[0].lab.title}." in page
    assert "The dashboard and the grades lose what 1 student did on them (2 starts, 1 result override)" in page
    assert "with its assigned lab, and move its students to no section" in page
    tuesday = classroom.sections.get(name="Tuesday")
    assert "No lab is assigned to this section." in _text(client.get(_url(classroom, tuesday)))


def test_deleting_takes_the_assignments_and_logs_what_went(client, classroom, carol, monday_lab, alice_enrolled):
    for_monday, whole_class = monday_lab
    monday = classroom.sections.get(name="Monday")
    lab_attempts = Attempt.objects.filter(sandbox=alice_enrolled.sandbox).count()
    client.force_login(carol)
    response = client.post(_url(classroom, monday), {"confirm": "on", "assignments": "1"})
    assert response.status_code == 302
    assert not Assignment.objects.filter(pk=for_monday.pk).exists()
    assert Assignment.objects.filter(pk=whole_class.pk).exists()
    assert not AssignmentAttempt.objects.filter(assignment_id=for_monday.pk).exists()
    assert not ResultOverride.objects.filter(assignment_id=for_monday.pk).exists()
    assert Attempt.objects.filter(sandbox=alice_enrolled.sandbox).count() == lab_attempts  # history stays
    entry = StaffAction.objects.get(action="section_changed", detail__change="deleted")
    assert entry.detail["assignments_deleted"] == 1
    assert entry.detail["lab_starts_deleted"] == 2 and entry.detail["students_with_work"] == 1
    assert entry.detail["overrides_deleted"] == 1 and entry.detail["labs"] == for_monday.lab.title
    followed = _text(client.get(response["Location"]))
    assert "1 assigned lab(s) deleted with it." in followed


def test_a_lab_assigned_since_the_page_was_shown_stops_the_deletion(client, classroom, carol, monday_lab, fix_lab):
    monday = classroom.sections.get(name="Monday")
    client.force_login(carol)
    assert "(2 starts" in _text(client.get(_url(classroom, monday)))
    assignments.assign(classroom, carol, lab=fix_lab, section=monday, opens_at=None, due_at=None, closes_at=None)
    response = client.post(_url(classroom, monday), {"confirm": "on", "assignments": "1"})
    assert response.status_code == 200
    page = _text(response)
    assert "Labs were assigned to this section or unassigned from it since this page was loaded" in page
    assert "The 2 labs assigned to this section are deleted with it" in page
    assert classroom.sections.filter(pk=monday.pk).exists()
    assert Assignment.objects.filter(section=monday).count() == 2
    assert not StaffAction.objects.filter(action="section_changed", detail__change="deleted").exists()


@pytest.mark.parametrize("tampered", ["-1", "x", "9" * 30, "<script>"])
def test_a_tampered_count_is_a_clear_refusal_not_a_crash(client, classroom, carol, monday_lab, tampered):
    monday = classroom.sections.get(name="Monday")
    client.force_login(carol)
    response = client.post(_url(classroom, monday), {"confirm": "on", "assignments": tampered})
    assert response.status_code == 200
    assert classroom.sections.filter(pk=monday.pk).exists()
    assert "<script>" not in response.content.decode().split("</h1>", 1)[1].replace("&lt;script&gt;", "")


def test_a_section_without_labs_deletes_as_before(classroom, carol, alice_enrolled):
    tuesday = classroom.sections.get(name="Tuesday")
    moved, detached, losses = changes.delete_section(tuesday, carol, 0)
    assert (moved, detached, losses.assignments, losses.starts) == (0, 0, 0, 0)


def test_a_ta_cannot_delete_a_section(classroom, monday_lab):
    from iamtutor.classrooms.models import StaffMember
    from tests.factories import UserFactory

    tom = UserFactory(username="tom")
    StaffMember.objects.create(classroom=classroom, user=tom, role=StaffMember.TA)
    monday = classroom.sections.get(name="Monday")
    response = client_for(tom).post(_url(classroom, monday), {"confirm": "on", "assignments": "1"})
    assert response.status_code == 403
    assert Assignment.objects.filter(section=monday).count() == 1
