"""Labs in a classroom, in a real browser with three people: the instructor assigns a lab; two students start
it in their own member accounts, one climbs the hint ladder and fixes the trust policy, the other checks
part-way; the instructor's dashboard grid updates by itself; the instructor overrides a result and downloads
the grades. axe-core finds nothing on any of the new pages, and none is wider than a 320-pixel screen."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.test import Client

from iamtutor.classrooms import assignments, grading
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Assignment
from tests.e2e.conftest import axe_violations
from tests.factories import ClassroomFactory, UserFactory

LAB_TITLE = "Fix a broken trust policy"
LABS = ("fix-the-trust-policy", "detective-who-read-payroll")


@pytest.fixture
def room(transactional_db):
    from iamtutor.accounts.roles import grant_instructor
    from iamtutor.labs.loader import LABS_DIR, read_lab
    from iamtutor.labs.store import store

    store([read_lab(LABS_DIR / f"{key}.yaml") for key in LABS])
    carol = UserFactory(username="carol")
    grant_instructor(carol)
    classroom = ClassroomFactory(owner=carol, name="IAM roles, autumn")
    monday = add_section(classroom, "Monday")
    alice = enrol(classroom, UserFactory(username="alice"), monday)
    bob = enrol(classroom, UserFactory(username="bob"), monday)
    return carol, classroom, alice, bob


def _signed_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def _person(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    _signed_in(context, live_server, user)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    return page


def _fits(page, path: str) -> None:
    """axe finds nothing at desktop width, and at 320 px nothing makes the page scroll sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path)
    assert axe_violations(page) == [], path
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, path
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_instructor_assigns_two_students_work_the_grid_updates_and_the_grades_download(
    page, browser, live_server, room
):
    carol, classroom, alice, bob = room
    base = f"/classrooms/{classroom.pk}"
    _signed_in(page.context, live_server, carol)

    # The instructor assigns the lab to the whole class.
    page.goto(f"{base}/")
    page.get_by_role("navigation", name="Classroom").get_by_role("link", name="Labs").click()
    page.get_by_role("link", name="Assign a lab").click()
    page.get_by_label("Lab").select_option(label=f"{LAB_TITLE} (step 3, guided)")
    page.get_by_label("Due at (UTC, optional)").fill("2099-01-01T09:00")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text(f"Assigned “{LAB_TITLE}”.").wait_for()
    assignment = Assignment.objects.get()

    page.get_by_role("link", name="Open the dashboard").click()
    grid = page.locator("#grid")
    alice_row = grid.get_by_role("row", name="alice")
    assert "not started" in alice_row.inner_text()

    # alice starts it in her account, climbs the hint ladder to the worked answer, fixes the trust and passes.
    student = _person(browser, live_server, alice.user)
    student.goto(f"{base}/")
    student.get_by_role("link", name=LAB_TITLE).click()
    student.get_by_role("link", name="Start this lab").click()
    student.get_by_label("Replace what is in my classroom account with this lab's world").check()
    student.get_by_role("button", name="Start the lab").click()
    student.get_by_text("The lab's world is in your account.").wait_for()
    task = student.locator("#task-alice-can-assume")
    for rung, name in ((1, "nudge"), (2, "pointer"), (3, "worked answer")):
        task.get_by_role("button", name=f"Show hint {rung} of 3: the {name}").click()
        task.get_by_text(name.capitalize(), exact=True).wait_for()
    assert f"arn:aws:iam::{alice.account_id}:user/alice" in task.inner_text()  # the answer names her account
    student.get_by_role("link", name="Roles").first.click()
    student.get_by_role("link", name="ReportReader").first.click()
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{alice.account_id}:user/{name}" for name in ("alice", "bob")]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    student.locator("#role-trust").locator("textarea").first.fill(json.dumps(trust))
    student.locator("#role-trust").get_by_role("button", name="Save the trust policy").click()
    student.locator("#role-trust").get_by_text("user/alice").first.wait_for()
    student.goto(f"{base}/labs/{assignment.pk}/")
    student.get_by_role("button", name="Check my work").click()
    student.locator("#results").get_by_text("Every task passes.").wait_for()

    # bob starts it and checks part-way.
    classmate = _person(browser, live_server, bob.user)
    classmate.goto(f"{base}/labs/{assignment.pk}/start/")
    classmate.get_by_label("Replace what is in my classroom account with this lab's world").check()
    classmate.get_by_role("button", name="Start the lab").click()
    classmate.get_by_role("button", name="Check my work").click()
    classmate.locator("#results").get_by_text("2 of 3 tasks pass.").wait_for()

    # The instructor's grid catches up by itself (htmx polls every 10 s; no reload).
    grid.get_by_role("row", name="alice").get_by_role("link", name="passed").wait_for(timeout=30_000)
    bob_row = grid.get_by_role("row", name="bob")
    bob_row.get_by_text("2/3 tasks").wait_for(timeout=30_000)

    # The instructor opens bob's work, overrides his result with a reason, and downloads the grades.
    bob_row.get_by_role("link", name="in progress").click()
    page.get_by_role("heading", level=1, name="bob on “Fix a broken trust policy”").wait_for()
    page.get_by_role("link", name="Override the result…").click()
    page.get_by_label("Score, in percent").fill("90")
    page.get_by_label("Reason").fill("showed the fix in class")
    page.get_by_role("button", name="Save the override").click()
    page.get_by_text("bob's result on this lab is now 90%.").wait_for()
    page.get_by_role("link", name="Dashboard").first.click()
    assert "override: 90%" in page.locator("#grid").get_by_role("row", name="bob").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Grades as CSV (user names)").click()
    with open(download.value.path(), encoding="utf-8") as file:
        rows = list(csv.reader(io.StringIO(file.read())))
    assert rows[0][:5] == ["student", "section", "state", LAB_TITLE, f"{LAB_TITLE} notes"]
    assert rows[1][:4] == ["alice", "Monday", "active", "100"]
    assert rows[2][:5] == ["bob", "Monday", "active", "90", "overridden (checks: 66.7): showed the fix in class"]
    for person in (page, student, classmate):
        assert person.console_errors == []


def test_the_new_pages_are_accessible_and_fit_320_pixels(page, browser, live_server, room):
    carol, classroom, alice, _bob = room
    from iamtutor.labs.models import Lab

    item = assignments.assign(
        classroom, carol, lab=Lab.objects.get(key=LABS[0]), section=None, opens_at=None, due_at=None, closes_at=None
    )
    detective = assignments.assign(
        classroom, carol, lab=Lab.objects.get(key=LABS[1]), section=None, opens_at=None, due_at=None, closes_at=None
    )
    work = assignments.start(item, alice)
    work.enrollment, work.assignment = alice, item
    assignments.check(work)
    grading.override(item, alice, carol, 70, "a reason")
    base = f"/classrooms/{classroom.pk}"
    _signed_in(page.context, live_server, carol)
    for path in (
        f"{base}/labs/",
        f"{base}/labs/assign/",
        f"{base}/labs/{item.pk}/edit/",
        f"{base}/labs/{item.pk}/world/",
        f"{base}/labs/{item.pk}/unassign/",
        f"{base}/dashboard/",
        f"{base}/dashboard/{item.pk}/students/{alice.pk}/",
        f"{base}/dashboard/{item.pk}/students/{alice.pk}/override/",
    ):
        _fits(page, path)
    student = _person(browser, live_server, alice.user)
    for path in (
        f"{base}/",
        f"{base}/labs/",
        f"{base}/labs/{item.pk}/",
        f"{base}/labs/{item.pk}/start/",
        f"{base}/labs/{detective.pk}/",
    ):
        _fits(student, path)
    assert page.console_errors == [] and student.console_errors == []
