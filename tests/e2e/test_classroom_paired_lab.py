"""A paired lab between two classmates, in a real browser: alice's lab page names bob as her partner, she makes
her AcmeAudit role demand the external ID from bob's real account, and her check of the scan waits for bob to
start the lab, then passes once he has. The instructor sees the pairs; the assignment, lab and section-deletion
pages have no axe violation and fit 320 pixels."""

from __future__ import annotations

import json

import pytest

from iamtutor.classrooms import assignments
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.labs.loader import LABS_DIR, read_lab
from iamtutor.labs.models import Lab
from iamtutor.labs.store import store
from tests.e2e.test_classroom_labs import _fits, _person, _signed_in
from tests.factories import ClassroomFactory, UserFactory

KEY = "cross-account-external-id"


@pytest.fixture
def pair(transactional_db):
    from iamtutor.accounts.roles import grant_instructor

    store([read_lab(LABS_DIR / f"{KEY}.yaml")])
    carol = UserFactory(username="carol")
    grant_instructor(carol)
    classroom = ClassroomFactory(owner=carol, name="IAM roles, autumn")
    monday = add_section(classroom, "Monday")
    alice = enrol(classroom, UserFactory(username="alice"), monday)
    bob = enrol(classroom, UserFactory(username="bob"), monday)
    item = assignments.assign(
        classroom, carol, lab=Lab.objects.get(key=KEY), section=monday, opens_at=None, due_at=None, closes_at=None
    )
    return carol, classroom, monday, alice, bob, item


def test_two_classmates_work_the_external_id_lab_together(page, browser, live_server, pair):
    _carol, classroom, _monday, alice, bob, item = pair
    base = f"/classrooms/{classroom.pk}"
    student = _person(browser, live_server, alice.user)
    student.goto(f"{base}/labs/{item.pk}/")
    pairing = student.locator("#pairing")
    assert f"Your partner is bob: their real account {bob.account_id}" in pairing.inner_text()
    assert f"hired Acme (account {bob.account_id})" in student.locator(".lab-brief").inner_text()
    student.set_default_timeout(30_000)
    student.get_by_role("link", name="Start this lab").click()
    student.get_by_label("Replace what is in my classroom account with this lab's world").check()
    student.get_by_role("button", name="Start the lab").click()
    student.get_by_text("The lab's world is in your account.").wait_for()

    student.get_by_role("link", name="Roles").first.click()
    student.get_by_role("link", name="AcmeAudit").first.click()
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{bob.account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "acme-51e2"}},
            }
        ],
    }
    student.locator("#role-trust").locator("textarea").first.fill(json.dumps(trust))
    student.locator("#role-trust").get_by_role("button", name="Save the trust policy").click()
    student.locator("#role-trust").get_by_text("sts:ExternalId").first.wait_for()

    student.goto(f"{base}/labs/{item.pk}/")
    student.get_by_role("button", name="Check my work").click()
    results = student.locator("#results")
    results.get_by_text("2 of 3 tasks pass.").wait_for(timeout=30_000)  # a loaded machine
    assert "does not hold this lab's world now" in student.locator("#task-scan-still-works").inner_text()

    classmate = _person(browser, live_server, bob.user)
    classmate.goto(f"{base}/labs/{item.pk}/start/")
    classmate.get_by_label("Replace what is in my classroom account with this lab's world").check()
    classmate.get_by_role("button", name="Start the lab").click()
    classmate.get_by_text("The lab's world is in your account.").wait_for()
    assert "You play that other party for alice" in classmate.locator("#pairing").inner_text()

    student.get_by_role("button", name="Check my work").click()
    student.locator("#results").get_by_text("Every task passes.").wait_for(timeout=30_000)
    for person in (student, classmate):
        assert person.console_errors == []


def test_the_paired_and_section_pages_are_accessible_and_fit_320_pixels(page, browser, live_server, pair):
    carol, classroom, monday, alice, _bob, item = pair
    assignments.start(item, alice)
    base = f"/classrooms/{classroom.pk}"
    _signed_in(page.context, live_server, carol)
    for path in (f"{base}/labs/{item.pk}/edit/", f"{base}/sections/{monday.pk}/delete/"):
        _fits(page, path)
    page.goto(f"{base}/sections/{monday.pk}/delete/")
    assert "deleted with it" in page.inner_text("main")
    student = _person(browser, live_server, alice.user)
    _fits(student, f"{base}/labs/{item.pk}/")
    assert page.console_errors == [] and student.console_errors == []
