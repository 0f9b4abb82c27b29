"""Roles in a real browser: create a role, edit its trust policy with live validation, save; accessibility."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

ME = "111111111111"
BROKEN = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Alow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/alice"}, "Action": "sts:AssumeRole"}\n  ]\n}'  # noqa: E501


@pytest.fixture
def sandbox_url(page):
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url("**/sandbox/*/")
    return page.url


def test_create_a_role_then_fix_its_trust_policy_with_live_validation(page, sandbox_url):
    page.goto(sandbox_url + "roles/")
    page.get_by_role("link", name="Create a role").click()
    page.get_by_label("Role name").fill("Deployer")
    page.get_by_role("button", name="A user of this account").click()
    expect(page.get_by_role("textbox", name="Trust policy")).to_have_value(re.compile("user/alice"))
    expect(page.get_by_role("status")).to_contain_text("The editor now holds the template")
    page.get_by_role("button", name="Create the role").click()
    page.wait_for_url("**/roles/111111111111/Deployer/")
    assert page.get_by_role("heading", level=1).inner_text() == "Role Deployer"

    editor = page.get_by_role("textbox", name="Trust policy")
    editor.fill("")
    editor.press_sequentially(BROKEN.replace("\n", " ")[:20])  # typing fires the debounced check
    editor.fill(BROKEN)
    editor.press("End")
    report = page.locator("#id_document-report")
    report.get_by_text("line 4, column").wait_for()
    assert "Syntax errors in policy." in report.inner_text()
    assert page.locator(".editor-gutter li").count() == 6
    assert page.locator(".editor-gutter li.editor-line-flagged").count() == 1

    editor.fill(BROKEN.replace("Alow", "Allow"))
    editor.press("End")
    report.get_by_text("IAM would accept this document.").wait_for()
    page.get_by_role("button", name="Save the trust policy").click()
    expect(page.locator("#role-trust")).to_contain_text("The trust policy was saved.")
    assert "The user alice in this account" in page.locator("#role-trust").inner_text()
    saved = json.loads(page.get_by_role("textbox", name="Trust policy").input_value())
    assert saved["Statement"][0]["Effect"] == "Allow"
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["roles/", "roles/111111111111/PartnerAudit/", "roles/new/"])
def test_roles_pages_have_no_accessibility_violations(page, sandbox_url, path):
    page.goto(sandbox_url + path)
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_the_role_page_in_dark_mode_has_no_accessibility_violations(page, sandbox_url):
    page.emulate_media(color_scheme="dark")
    page.goto(sandbox_url + "roles/111111111111/ReportsReader/")
    assert axe_violations(page) == []


def test_the_editor_shows_errors_without_javascript(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.goto(page.url + "roles/111111111111/ReportsReader/")
    page.get_by_role("textbox", name="Trust policy").fill(BROKEN)
    page.get_by_role("button", name="Save the trust policy").click()
    assert "line 4, column" in page.locator("#role-trust").inner_text()
    assert "Alow" in page.get_by_role("textbox", name="Trust policy").input_value()
    context.close()


def test_the_role_page_fits_a_320_pixel_screen(page, sandbox_url):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(sandbox_url + "roles/111111111111/ReportsReader/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
