"""The classroom cast for permission tests: every kind of actor a classroom URL must answer.

carol owns the classroom (``tests/conftest.py``); dana is a co-instructor; tom assists the Monday section
(alice's) and tess the Tuesday one (bob's); oscar studies in another classroom; mallory is a signed-in
stranger. ``answers`` asks a URL as each of them.
"""

from __future__ import annotations

import pytest
from django.test import Client

from iamtutor.classrooms.membership import enrol
from iamtutor.classrooms.models import StaffMember
from tests.factories import ClassroomFactory, UserFactory

ACTORS = (
    "owner",
    "co_instructor",
    "ta_of_section",
    "ta_of_other_section",
    "student",
    "other_student",
    "student_of_other_classroom",
    "stranger",
    "anonymous",
)
STAFF_ONLY = "Only the owner, co-instructors and teaching assistants can do this."
INSTRUCTORS_ONLY = "Only the owner and co-instructors can do this."
OTHER_SECTION = "Teaching assistants see and reset only the students of their own sections."


@pytest.fixture(name="cast")
def cast_fixture(classroom, carol, alice, bob, mallory, alice_enrolled, bob_enrolled) -> dict:
    """Every actor by name (``None`` for the anonymous visitor); alice is "the student" the URLs are about."""
    monday, tuesday = classroom.sections.get(name="Monday"), classroom.sections.get(name="Tuesday")
    dana, tom, tess, oscar = (UserFactory(username=name) for name in ("dana", "tom", "tess", "oscar"))
    StaffMember.objects.create(classroom=classroom, user=dana, role=StaffMember.CO_INSTRUCTOR)
    StaffMember.objects.create(classroom=classroom, user=tom, role=StaffMember.TA).sections.add(monday)
    StaffMember.objects.create(classroom=classroom, user=tess, role=StaffMember.TA).sections.add(tuesday)
    enrol(ClassroomFactory(name="Another class"), oscar)
    return {
        "owner": carol,
        "co_instructor": dana,
        "ta_of_section": tom,
        "ta_of_other_section": tess,
        "student": alice,
        "other_student": bob,
        "student_of_other_classroom": oscar,
        "stranger": mallory,
        "anonymous": None,
    }


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def answer(user, method: str, address: str, data: dict | None = None):
    return getattr(client_for(user), method)(address, data or {})


def assert_refused(response, reason: str) -> None:
    """A 403 whose page says why."""
    assert response.status_code == 403, response.status_code
    assert reason in response.content.decode()
