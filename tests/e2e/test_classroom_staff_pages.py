"""The class clock, a student's page and the staff log in a real browser: axe finds nothing on any of them,
at desktop width and at 320 px, and an instructor fast-forwards the class and resets and undoes a student's
account with the keyboard-reachable forms."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iamtutor.classrooms import students
from iamtutor.classrooms.membership import add_section, enrol
from tests.e2e.conftest import axe_violations
from tests.factories import ClassroomFactory, UserFactory


def _sign_in(page, live_server, user) -> None:
    """Signs ``user`` in through the test client and hands its session cookie to the browser (the login form
    is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


@pytest.fixture
def room(transactional_db):
    carol = UserFactory(username="carol")
    classroom = ClassroomFactory(owner=carol, name="IAM roles, autumn")
    monday = add_section(classroom, "Monday")
    alice = enrol(classroom, UserFactory(username="alice"), monday)
    return carol, classroom, alice


def test_the_staff_pages_have_no_axe_violations(page, live_server, room):
    carol, classroom, alice = room
    students.extend(alice, carol, 10, "a late start")
    students.reset(alice, carol, "stuck")
    _sign_in(page, live_server, carol)
    addresses = [
        reverse("classrooms:clock", args=[classroom.pk]),
        reverse("classrooms:student", args=[classroom.pk, alice.pk]),
        reverse("classrooms:student_reset", args=[classroom.pk, alice.pk]),
        reverse("classrooms:student_undo", args=[classroom.pk, alice.pk]),
        reverse("classrooms:log", args=[classroom.pk]),
        reverse("sandbox:overview", args=[alice.sandbox_id]),  # "view as", with its banner
    ]
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for address in addresses:
            page.goto(address)
            assert axe_violations(page) == [], (width, address)
            wide = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
                ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (width, address, wide)
    assert page.console_errors == []


def test_the_students_own_log_has_no_axe_violations(page, live_server, room):
    carol, classroom, alice = room
    students.record_view(alice, carol)
    _sign_in(page, live_server, alice.user)
    page.goto(reverse("classrooms:my_log", args=[classroom.pk]))
    assert "looked at your account" in page.content()
    assert axe_violations(page) == []


def test_an_instructor_fast_forwards_and_resets_then_undoes(page, live_server, room):
    carol, classroom, alice = room
    _sign_in(page, live_server, carol)
    page.goto(reverse("classrooms:clock", args=[classroom.pk]))
    page.get_by_role("button", name="+15 min").click()
    assert "for every student" in page.get_by_role("status").first.inner_text()
    page.goto(reverse("classrooms:student", args=[classroom.pk, alice.pk]))
    page.get_by_role("link", name="Reset their account…").click()
    page.get_by_label("I understand").check()
    page.get_by_label("Reason", exact=True).fill("stuck on step 3")
    page.get_by_role("button", name="Reset the account").click()
    page.get_by_role("link", name="Undo the last reset…").click()
    page.get_by_label("Reason", exact=True).fill("wrong student")
    page.get_by_role("button", name="Undo the reset").click()
    assert "The account is back as it was" in page.content()
    assert page.console_errors == []
