"""The sandbox issue's whole journey in one browser session, as a learner walks it:

create a role → edit its trust policy (see a validation error with its line, fix it) → assume it → see the
countdown → fast-forward → the session shows expired → a request with it fails with ExpiredToken.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from iamtutor.sandbox.models import StsSession

ALICE = "arn:aws:iam::111111111111:user/alice"
BROKEN = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Alow", "Principal": {"AWS": "'
    + ALICE
    + '"}, "Action": "sts:AssumeRole"}\n  ]\n}'
)


def test_create_fix_assume_count_down_expire_and_fail_with_expired_token(page):
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    sandbox_url = page.url

    # Create a role trusting alice, then break and fix its trust policy in the live-validating editor.
    page.goto(sandbox_url + "roles/new/")
    page.get_by_label("Role name").fill("Journey")
    page.get_by_role("button", name="A user of this account").click()
    expect(page.get_by_role("status")).to_contain_text("The editor now holds the template")
    page.get_by_role("button", name="Create the role").click()
    page.wait_for_url("**/roles/111111111111/Journey/")
    editor = page.get_by_role("textbox", name="Trust policy")
    editor.fill(BROKEN)
    editor.press("End")
    report = page.locator("#id_document-report")
    report.get_by_text("line 4, column").wait_for()
    editor.fill(BROKEN.replace("Alow", "Allow"))
    editor.press("End")
    report.get_by_text("IAM would accept this document.").wait_for()
    page.get_by_role("button", name="Save the trust policy").click()
    expect(page.locator("#role-trust")).to_contain_text("The trust policy was saved.")

    # Assume it as alice for 15 minutes.
    page.goto(sandbox_url + "assume/")
    page.locator(f"input[name=identity][value='user:{ALICE}']").check()
    page.get_by_label("Role", exact=True).select_option("arn:aws:iam::111111111111:role/Journey")
    page.get_by_label("Session name (RoleSessionName)").fill("journey")
    page.get_by_label("Duration in seconds").fill("900")
    page.get_by_role("button", name="Call STS").click()
    page.wait_for_function("() => document.body.textContent.includes('ASIA')")
    key = StsSession.objects.get(role_arn="arn:aws:iam::111111111111:role/Journey").access_key_id

    # The countdown ticks, then the clock jumps an hour and the session is expired.
    page.goto(sandbox_url + "credentials/")
    first = page.locator("time.countdown").inner_text()
    page.wait_for_function("(first) => document.querySelector('time.countdown').textContent !== first", arg=first)
    page.get_by_role("button", name="+60 min").click()
    page.get_by_text("No active sessions.").wait_for()
    assert page.locator(".timeline-row .badge-bad").inner_text() == "expired"

    # A request with the expired credentials fails with ExpiredToken.
    page.goto(sandbox_url + "console/")
    page.get_by_label("Identity").select_option(key)
    page.get_by_label("Action").fill("s3:GetObject")
    page.get_by_label("Resource", exact=True).select_option("arn:aws:s3:::reports-111111111111/q1.csv")
    page.get_by_role("button", name="Send the request").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "ExpiredToken" in alert.inner_text()
    assert page.console_errors == []
