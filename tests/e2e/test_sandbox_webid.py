"""The "Web identity tokens" page in a real browser: reached from the sandbox navigation, filled and sent with
the keyboard, the result announced and focused, the copy button copying the token; axe finds nothing and the
page fits a 320-pixel screen with a token on it; no console error (so no Content-Security-Policy violation)."""

from __future__ import annotations

import re

import pytest

from iamtutor.awsapi.webidentity import read_token
from iamtutor.sandbox.models import Sandbox
from tests.e2e.conftest import axe_violations


@pytest.fixture
def fresh_sandbox(page):
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    return Sandbox.objects.get()


def _fits_320(page) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_learner_issues_a_token_with_the_keyboard_and_copies_it(page, fresh_sandbox):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("navigation", name="Sandbox").get_by_role("link", name="Web identity tokens").click()
    page.get_by_role("heading", level=1, name="Web identity tokens").wait_for()
    assert axe_violations(page) == []
    _fits_320(page)

    ref = page.get_by_label("Git ref")
    ref.focus()
    ref.fill("refs/heads/main")
    page.keyboard.press("Tab")  # on to "More claims"
    page.keyboard.type("environment=prod")
    ref.press("Enter")  # submits the form from a text field, as a keyboard user would
    heading = page.get_by_role("heading", name="Your web identity token")
    heading.wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'webid-result-title'")
    token = page.locator("#webid-token").inner_text()
    _sandbox, claims = read_token(token)
    assert claims["environment"] == "prod" and claims["sub"] == "repo:example-org/app:ref:refs/heads/main"
    assert "--web-identity-token " + token in page.locator("#webid-cli").inner_text()

    copy = page.get_by_role("button", name="Copy the token")
    copy.focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="The token is copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == token

    assert axe_violations(page) == []
    _fits_320(page)
    assert page.console_errors == []


def test_a_refusal_is_announced_and_keeps_what_was_typed(page, fresh_sandbox):
    page.goto(f"/sandbox/{fresh_sandbox.pk}/web-identity/")
    page.get_by_label("Repository (owner/name)").fill("not a repository")
    page.get_by_role("button", name="Issue a token").click()
    page.get_by_role("alert").wait_for()
    assert "Type the repository as owner/name" in page.locator("#id_repository_error").inner_text()
    assert page.get_by_label("Repository (owner/name)").input_value() == "not a repository"
    assert page.get_by_label("Repository (owner/name)").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    assert page.console_errors == []
