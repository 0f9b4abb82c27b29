"""Guardrails in a real browser: an instructor starts from a preset, checks a document live, finds a student
among many, and saves; every guardrail page passes axe and fits a 320-pixel screen."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from iamtutor.classrooms.guardrails import Draft, save_guardrail
from tests.e2e.conftest import axe_violations
from tests.factories import UserFactory, enrol_student

BROKEN = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}\n  ]\n}'  # noqa: E501


@pytest.fixture
def signed_in(page, live_server, classroom, carol):
    """carol's browser, signed in, with two students in her classroom."""
    client = Client()
    client.force_login(carol)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    enrol_student(classroom, UserFactory(username="alice"), classroom.sections.get(name="Monday"))
    enrol_student(classroom, UserFactory(username="bob"), classroom.sections.get(name="Tuesday"))
    return page


def _url(classroom, tail: str = "") -> str:
    return f"/classrooms/{classroom.pk}/guardrails/{tail}"


def test_an_instructor_starts_from_a_preset_checks_it_live_and_saves_it(signed_in, classroom):
    page = signed_in
    page.goto(_url(classroom))
    page.get_by_role("link", name="Start from “Deny leaving the organization”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New guardrail")
    editor = page.get_by_role("textbox", name="Policy document (JSON)")
    expect(editor).to_have_value(re.compile("organizations:LeaveOrganization"))

    editor.fill(BROKEN)
    editor.press("End")
    report = page.locator("#id_document-report")
    report.get_by_text("line 4, column").wait_for()
    assert "Policy document should not specify a principal." in report.inner_text()
    editor.fill(BROKEN.replace('"Principal": "*", ', ""))
    editor.press("End")
    report.get_by_text("IAM would accept this document.").wait_for()

    page.get_by_label("The whole class (the organization's root)").uncheck()
    page.get_by_label("Show only students whose name, account or section contains").fill("bob")
    expect(page.get_by_label("alice", exact=False)).to_be_hidden()
    page.get_by_label("bob", exact=False).check()
    page.get_by_role("button", name="Create the guardrail").click()
    page.wait_for_url(f"**{_url(classroom)}")
    expect(page.locator("body")).to_contain_text("The SCP DenyLeaveOrganization was created.")
    expect(page.locator("main")).to_contain_text("bob's account")
    assert page.console_errors == []


@pytest.mark.parametrize("tail", ["", "new/", "new/?preset=region-lock", "EDIT", "DELETE"])
def test_guardrail_pages_have_no_accessibility_violations_and_fit_320_pixels(signed_in, classroom, carol, tail):
    page = signed_in
    guardrail = save_guardrail(
        classroom,
        carol,
        Draft(
            "scp",
            "NoIam",
            "",
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]},
            [classroom.root_id],
        ),
    )
    tail = {"EDIT": f"{guardrail.pk}/", "DELETE": f"{guardrail.pk}/delete/"}.get(tail, tail)
    page.goto(_url(classroom, tail))
    assert axe_violations(page) == []
    page.emulate_media(color_scheme="dark")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.console_errors == []
