"""Joining a classroom and its roster in a real browser: axe finds nothing on any of the pages, they fit a
320-pixel screen, and a visitor without an account signs up on the way with the keyboard and joins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from iamtutor.classrooms import joining
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Classroom, JoinKey
from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, ClassroomFactory, UserFactory


@pytest.fixture
def room(transactional_db):
    """An open classroom with two sections and three students (one in no section), its owner carol."""
    carol = UserFactory(username="carol")
    classroom = ClassroomFactory(owner=carol, name="IAM roles, autumn")
    monday, tuesday = add_section(classroom, "Monday"), add_section(classroom, "Tuesday")
    enrol(classroom, UserFactory(username="alice"), monday)
    enrol(classroom, UserFactory(username="bob"), tuesday)
    enrol(classroom, UserFactory(username="zoe"))
    joining.join_keys(classroom)
    return classroom


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/")


def _pages(room) -> dict[str, str]:
    link = JoinKey.objects.get(classroom=room, kind=JoinKey.LINK).value
    student = room.enrollments.get(user__username="alice")
    return {
        "joining": f"/classrooms/{room.pk}/joining/",
        "roster": f"/classrooms/{room.pk}/roster/",
        "remove": f"/classrooms/{room.pk}/students/{student.pk}/remove/",
        "join code form": "/classrooms/join/",
        "join link": f"/classrooms/join/{link}/",
        "unknown link": "/classrooms/join/no-such-link-at-all-here/",
    }


@pytest.mark.parametrize("width", [1280, 320])
def test_the_joining_and_roster_pages_pass_axe_and_fit_the_screen(page, room, width):
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, "carol")
    for name, path in _pages(room).items():
        page.goto(path)
        assert axe_violations(page) == [], name
        # the unknown link's page answers 404, which the browser logs as an error; nothing else may
        assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == [], name
        if width == 320:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, name


def test_refusal_pages_pass_axe(page, room):
    Classroom.objects.filter(pk=room.pk).update(seat_limit=1)
    UserFactory(username="mallory")
    _log_in(page, "mallory")
    page.goto(_pages(room)["join link"])
    expect(page.get_by_role("heading", level=1)).to_have_text("IAM roles, autumn is full")
    assert axe_violations(page) == []
    page.goto("/classrooms/join/")
    page.get_by_label("Join code").fill("<script>")
    page.get_by_label("Join code").press("Enter")
    expect(page.get_by_text("That is not a join code")).to_be_visible()
    assert axe_violations(page) == []


def test_a_visitor_signs_up_on_the_way_and_joins_with_the_keyboard(page, room):
    page.goto(_pages(room)["join link"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Join IAM roles, autumn")
    page.get_by_role("link", name="Sign up and join").click()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password", exact=True).fill("a long and careful passphrase")
    page.get_by_label("Password confirmation").fill("a long and careful passphrase")
    page.get_by_label("Password confirmation").press("Enter")
    page.wait_for_url(re.compile(r"/classrooms/join/[A-Za-z0-9_-]+/$"))
    join = page.get_by_role("button", name="Join IAM roles, autumn")
    join.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("Welcome to IAM roles, autumn!")).to_be_visible()
    assert room.enrollments.filter(user__username="dana").exists()
