"""A customer managed policy's versions in a real browser: the list with its "Delete version" buttons,
used with the keyboard; IAM's refusal to delete a policy that still holds other versions is announced; axe
finds nothing and the page fits a 320-pixel screen; no console error."""

from __future__ import annotations

import re

import pytest

from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import run_change
from tests.e2e.conftest import axe_violations

ME = "111111111111"
ARN = f"arn:aws:iam::{ME}:policy/ReadReports"


def _document(action: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


@pytest.fixture
def two_versions(page):
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    sandbox = Sandbox.objects.get()

    def make(world):
        world.create_policy(ME, "ReadReports", _document("s3:GetObject"))
        world.create_policy_version(ARN, _document("s3:ListBucket"))

    assert run_change(sandbox, make).ok
    return sandbox


def test_a_learner_deletes_the_old_version_then_the_policy_with_the_keyboard(page, two_versions):
    page.goto(f"/sandbox/{two_versions.pk}/policies/{ME}/ReadReports/")
    versions = page.get_by_role("region", name="Versions")
    assert versions.get_by_role("button", name="Delete version v2").count() == 0  # the default
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Delete the policy").click()
    alert = page.get_by_role("region", name="Delete this policy").get_by_role("alert")
    alert.wait_for()
    assert "This policy has more than one version." in alert.inner_text()

    button = versions.get_by_role("button", name="Delete version v1")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Version v1 was deleted.").wait_for()
    assert page.get_by_role("region", name="Versions").get_by_role("button").count() == 0
    assert axe_violations(page) == []

    page.get_by_role("button", name="Delete the policy").click()
    page.get_by_role("status").filter(has_text="The policy ReadReports was deleted.").wait_for()
    assert page.console_errors == []
