"""The issue's journey in a real browser: in a fresh sandbox alice assumes ReportsReader (on the assume page),
the countdown ticks, the clock jumps 60 minutes, the session shows expired, and a request with it fails with
ExpiredToken. Axe checks the credentials, console and audit pages on the way."""

from __future__ import annotations

import re

import pytest

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import Sandbox, StsSession
from iamtutor.sandbox.worlds import SandboxWorld
from tests.e2e.conftest import axe_violations

ALICE = "arn:aws:iam::111111111111:user/alice"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
Q1 = "arn:aws:s3:::reports-111111111111/q1.csv"


@pytest.fixture
def fresh_sandbox(page):
    """A fresh anonymous sandbox, made through the start page."""
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    return Sandbox.objects.get()


@pytest.fixture
def sandbox_with_session(page):
    """A fresh anonymous sandbox made through the start page, where alice has assumed ReportsReader for 15
    minutes (the session is made through the engine, as the assume page would make it)."""
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    sandbox = Sandbox.objects.get()
    loaded = SandboxWorld.load(sandbox)
    result = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "alice-reads", duration_seconds=900))
    loaded.save()
    return sandbox, result["credentials"]["AccessKeyId"]


def test_a_session_counts_down_expires_on_fast_forward_and_then_fails_with_expired_token(page, fresh_sandbox):
    sandbox = fresh_sandbox
    page.goto(f"/sandbox/{sandbox.pk}/assume/")
    page.locator(f"input[name=identity][value='user:{ALICE}']").check()
    page.get_by_label("Role", exact=True).select_option(READER)
    page.get_by_label("Session name (RoleSessionName)").fill("alice-reads")
    page.get_by_label("Duration in seconds").fill("900")
    page.get_by_role("button", name="Call STS").click()
    page.wait_for_function("() => document.body.textContent.includes('ASIA')")
    key = StsSession.objects.get(sandbox=sandbox).access_key_id
    page.goto(f"/sandbox/{sandbox.pk}/credentials/")
    countdown = page.locator("time.countdown")
    first = countdown.inner_text()
    assert re.fullmatch(r"1[45]:\d\d", first)
    page.wait_for_function("(first) => document.querySelector('time.countdown').textContent !== first", arg=first)
    assert axe_violations(page) == []

    page.get_by_role("button", name="+60 min").click()
    page.get_by_text("No active sessions.").wait_for()
    assert page.locator(".timeline-row .badge-bad").inner_text() == "expired"
    assert page.locator("time.countdown").count() == 0

    page.get_by_role("link", name="Request console").click()
    page.get_by_label("Identity").select_option(key)
    page.get_by_label("Action").fill("s3:GetObj")
    page.locator("#action-options option[value='s3:GetObject']").wait_for(state="attached")
    page.get_by_label("Action").fill("s3:GetObject")
    page.get_by_label("Resource", exact=True).select_option(Q1)
    page.get_by_role("button", name="Send the request").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "ExpiredToken" in alert.inner_text()
    assert "The security token included in the request is expired" in alert.inner_text()
    assert alert.get_by_role("link").get_attribute("href") == "/lessons/step-4-temporary-credentials/"
    assert page.get_by_label("Action").input_value() == "s3:GetObject"  # nothing typed is lost
    assert axe_violations(page) == []

    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Errors only").check()
    page.get_by_role("button", name="Show events").click()
    page.get_by_text("1 event matches.").wait_for()
    page.get_by_text("JSON of GetObject").click()
    assert '"errorCode": "ExpiredToken"' in page.locator(".event-json pre").inner_text()
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_a_decision_is_shown_in_words_and_the_pages_fit_a_narrow_dark_screen(page, sandbox_with_session):
    sandbox, key = sandbox_with_session
    page.set_viewport_size({"width": 320, "height": 800})
    page.emulate_media(color_scheme="dark")
    page.goto(f"/sandbox/{sandbox.pk}/console/?caller={key}")
    page.get_by_label("Action").fill("s3:GetObject")
    page.get_by_label("Resource", exact=True).select_option(Q1)
    page.get_by_label("Action").press("Enter")
    page.get_by_text("Allowed", exact=True).wait_for()
    assert page.locator("mark").first.is_visible()
    assert page.evaluate("document.activeElement.id") == "decision-title"
    assert axe_violations(page) == []
    for path in ("console", "credentials", "audit"):
        page.goto(f"/sandbox/{sandbox.pk}/{path}/")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
        assert axe_violations(page) == [], path
    assert page.console_errors == []
