"""The classroom's core pages in a real browser: an instructor creates a classroom with the keyboard, and every
core page, the owner's and a student's, passes axe and fits a 320-pixel screen."""

from __future__ import annotations

import pytest

from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Classroom
from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/")


@pytest.fixture
def carol(transactional_db):
    from iamtutor.accounts.roles import grant_instructor

    user = UserFactory(username="carol")
    grant_instructor(user)
    return user


def _check(page, path: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path)
    assert axe_violations(page) == [], path
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, path
    assert page.console_errors == [], path


def test_an_instructor_creates_a_classroom_and_every_core_page_is_accessible(page, carol):
    _log_in(page, "carol")
    page.get_by_role("link", name="Classrooms").click()
    page.get_by_role("link", name="Create a classroom").click()
    page.get_by_label("Name").fill("IAM roles, autumn")
    page.get_by_label("Self-paced: each student's own clock").check()
    page.get_by_label("Name").press("Enter")
    page.get_by_role("heading", level=1, name="IAM roles, autumn").wait_for()
    classroom = Classroom.objects.get()
    assert classroom.state == Classroom.DRAFT and classroom.clock_mode == Classroom.SELF_PACED
    monday = add_section(classroom, "Monday")
    base = f"/classrooms/{classroom.pk}"
    for path in (
        "/classrooms/",
        "/classrooms/new/",
        f"{base}/",
        f"{base}/settings/",
        f"{base}/state/?to=closed",
        f"{base}/sections/",
        f"{base}/sections/{monday.pk}/delete/",
        f"{base}/staff/",
    ):
        _check(page, path)


def test_a_students_pages_are_accessible(page, carol):
    from tests.factories import ClassroomFactory

    classroom = ClassroomFactory(owner=carol)
    alice = UserFactory(username="alice")
    enrol(classroom, alice, add_section(classroom, "Monday"))
    _log_in(page, "alice")
    for path in ("/classrooms/", f"/classrooms/{classroom.pk}/"):
        _check(page, path)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Open your account").click()
    page.wait_for_url(f"**/sandbox/{alice.enrollments.get().sandbox_id}/")
