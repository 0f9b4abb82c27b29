"""Labs in a real browser: an anonymous learner starts a lab, climbs the hint ladder, fixes the trust policy in
the sandbox and checks the work — the htmx fragments swap in place; axe-core finds nothing; nothing is wider
than a 320-pixel screen."""

from __future__ import annotations

from functools import cache

import pytest

from tests.e2e.conftest import axe_violations

LAB = "fix-the-trust-policy"


@cache
def _labs():
    from iamtutor.labs.loader import read_labs

    return read_labs()


@pytest.fixture(autouse=True)
def _stored_labs(transactional_db):
    from iamtutor.labs.store import store

    store(_labs())


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_learner_starts_a_lab_uses_two_hints_fixes_the_trust_and_passes(page):
    page.goto("/labs/")
    page.get_by_role("link", name="Fix a broken trust policy").click()
    page.get_by_role("link", name="Start this lab").click()
    page.get_by_label("Replace what is in my sandbox with this lab's world").check()
    page.get_by_role("button", name="Start this lab").click()
    assert page.get_by_text("The lab's world is in your sandbox.").is_visible()

    task = page.locator("#task-alice-can-assume")
    task.get_by_role("button", name="Show hint 1 of 3: the nudge").click()
    task.get_by_role("button", name="Show hint 2 of 3: the pointer").click()  # swapped in without a reload
    task.get_by_text("names a user's ARN directly is enough").wait_for()
    assert "Set the trust policy to" not in page.content()  # the worked answer is not on the page yet

    page.get_by_role("button", name="Check my work").click()
    results = page.locator("#results")
    results.get_by_text("2 of 3 tasks pass.").wait_for()
    status = page.locator("#status-alice-can-assume")
    assert "the trust policy of ReportReader does not allow alice" in status.inner_text()

    page.get_by_role("link", name="Roles").first.click()
    page.get_by_role("link", name="ReportReader").first.click()
    trust = page.locator("#role-trust")
    trust.locator("textarea").first.fill(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        '["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob"]}, "Action": "sts:AssumeRole"}]}'
    )
    trust.get_by_role("button", name="Save the trust policy").click()
    page.locator("#role-trust").get_by_text("user/alice").first.wait_for()

    page.goto(f"/labs/{LAB}/")
    page.get_by_role("button", name="Check my work").click()
    page.locator("#results").get_by_text("Every task passes.").wait_for()
    assert "Passed" in page.locator("#status-alice-can-assume").inner_text()
    assert page.console_errors == []


PAGES = ["/labs/", f"/labs/{LAB}/", f"/labs/{LAB}/start/", "/labs/detective-who-read-payroll/"]


@pytest.mark.parametrize("path", PAGES)
def test_lab_pages_are_accessible_and_fit_a_320_pixel_screen(page, path):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(path)
    assert axe_violations(page) == []
    assert _no_horizontal_scroll(page)
    assert page.console_errors == []


def test_a_started_detective_lab_fits_320_pixels_with_its_answers_form(page):
    page.goto("/labs/detective-who-read-payroll/start/")
    page.get_by_label("Replace what is in my sandbox with this lab's world").check()
    page.get_by_role("button", name="Start this lab").click()
    page.set_viewport_size({"width": 320, "height": 800})
    page.get_by_label("Who started the chain that read payroll/salaries.csv? (a user name or ARN)").fill("carol")
    page.get_by_role("button", name="Check my work").click()
    page.locator("#results").get_by_text("of 5 tasks pass.").wait_for()
    assert axe_violations(page) == []
    assert _no_horizontal_scroll(page)
