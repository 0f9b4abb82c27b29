"""The classroom issue's journey in real browsers, with three of them open at once: carol (an instructor), and
alice and bob (two students who sign up on the way through the join link).

carol creates a classroom, opens it and copies its join link; alice and bob join through it; carol sees them on
the roster and attaches a guardrail from a preset to the whole class. alice writes a role that trusts bob's
account (bob reads his account id off his classroom page and tells her); bob allows himself to assume it,
assumes it from his own assume page and uses the session in the request console; alice's audit trail shows the
AssumeRole. carol fast-forwards the class clock by 60 minutes and bob's session shows expired. carol looks at
alice's account (read-only), resets it and undoes the reset: alice's role is back.

axe checks every page on the way.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from iamtutor.accounts.roles import grant_instructor
from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

CLASS = "IAM roles, autumn"
SANDBOX = re.compile(r"/sandbox/[0-9a-f-]{36}/$")
PASSPHRASE = "a long and careful passphrase"


class Journey:
    """The three browsers, and axe run on every page they show."""

    def __init__(self, browser, live_server) -> None:
        self.browser, self.live_server = browser, live_server
        self.contexts: list = []
        self.checked: list[str] = []

    def browser_for(self, name: str) -> Page:
        context = self.browser.new_context(base_url=self.live_server.url, viewport={"width": 1280, "height": 900})
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(f"{name}: {m.text}"))
        page.on("pageerror", lambda error: page.console_errors.append(f"{name}: {error}"))
        return page

    def check(self, page: Page) -> None:
        """No axe violation on the page ``page`` shows now."""
        page.wait_for_load_state()
        assert axe_violations(page) == [], page.url
        self.checked.append(page.url)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(browser, live_server, transactional_db):
    journey = Journey(browser, live_server)
    expect.set_options(timeout=15_000)  # three browsers and axe on a shared machine: give pages time
    yield journey
    expect.set_options(timeout=5_000)  # Playwright's default, for the other tests
    journey.close()


@pytest.fixture
def carol(transactional_db):
    user = UserFactory(username="carol")
    grant_instructor(user)
    return user


def _go(page: Page, navigation: str, label: str) -> None:
    """Follows a link of the side navigation ``navigation`` and waits for the page it opens (which marks it
    as the current page)."""
    link = page.get_by_role("navigation", name=navigation).get_by_role("link", name=label, exact=True)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")
    page.wait_for_load_state()


def _classroom_nav(page: Page, label: str) -> None:
    _go(page, "Classroom", label)


def _sandbox_nav(page: Page, label: str) -> None:
    _go(page, "Sandbox", label)


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/")


def _join_by_link(journey: Journey, page: Page, link: str, username: str) -> None:
    """A visitor without an account opens the link, signs up on the way and joins."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {CLASS}")
    journey.check(page)
    page.get_by_role("link", name="Sign up and join").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password confirmation").fill(PASSPHRASE)
    journey.check(page)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/classrooms/join/[A-Za-z0-9_-]+/$"))
    journey.check(page)
    page.get_by_role("button", name=f"Join {CLASS}").click()
    page.wait_for_url(SANDBOX)
    expect(page.get_by_text(f"Welcome to {CLASS}!")).to_be_visible()
    journey.check(page)


def _my_account_id(journey: Journey, page: Page) -> str:
    """A student opens their classroom's page (main navigation, then the classroom) and reads their account id."""
    page.get_by_role("banner").get_by_role("link", name="Classrooms").click()
    page.wait_for_url("**/classrooms/")
    journey.check(page)
    page.get_by_role("link", name=CLASS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CLASS)
    journey.check(page)
    account = page.locator("dt", has_text="Member account").locator("xpath=following-sibling::dd[1]").inner_text()
    assert re.fullmatch(r"\d{12}", account.strip()), account
    return account.strip()


def _open_account(journey: Journey, page: Page) -> str:
    """From the classroom page, the student's own account (their sandbox); returns its address."""
    page.get_by_role("link", name="Open your account").click()
    page.wait_for_url(SANDBOX)
    journey.check(page)
    return page.url


def test_an_instructor_and_two_students_walk_the_whole_classroom_journey(journey, carol):
    teacher, alice, bob = (journey.browser_for(name) for name in ("carol", "alice", "bob"))

    # ---- carol creates the classroom, opens it and copies the join link ----
    _log_in(teacher, "carol")
    teacher.get_by_role("banner").get_by_role("link", name="Classrooms").click()
    teacher.wait_for_url("**/classrooms/")
    journey.check(teacher)
    teacher.get_by_role("link", name="Create a classroom").click()
    journey.check(teacher)
    teacher.get_by_label("Name").fill(CLASS)
    teacher.get_by_role("button", name="Create the classroom").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(CLASS)
    journey.check(teacher)
    _classroom_nav(teacher, "Settings")
    journey.check(teacher)
    teacher.get_by_role("button", name="Open the classroom").click()
    expect(teacher.get_by_text("The classroom is now open.")).to_be_visible()
    journey.check(teacher)
    _classroom_nav(teacher, "Joining")
    journey.check(teacher)
    link = teacher.get_by_label("Link to share").input_value()
    assert link.startswith(journey.live_server.url + "/classrooms/join/")

    # ---- alice and bob join by the link, signing up on the way; carol sees them on the roster ----
    _join_by_link(journey, alice, link, "alice")
    _join_by_link(journey, bob, link, "bob")
    _classroom_nav(teacher, "Roster")
    roster = teacher.get_by_role("main")
    expect(roster.get_by_role("link", name="alice", exact=True)).to_be_visible()
    expect(roster.get_by_role("link", name="bob", exact=True)).to_be_visible()
    journey.check(teacher)

    # ---- carol attaches a guardrail from a preset to the whole class ----
    _classroom_nav(teacher, "Guardrails")
    journey.check(teacher)
    teacher.get_by_role("link", name="Start from “Deny leaving the organization”").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("New guardrail")
    teacher.get_by_label("The whole class (the organization's root)").check()
    journey.check(teacher)
    teacher.get_by_role("button", name="Create the guardrail").click()
    expect(teacher.get_by_text("The SCP DenyLeaveOrganization was created.")).to_be_visible()
    expect(teacher.get_by_role("main")).to_contain_text("the whole class")
    journey.check(teacher)

    # ---- bob reads his account id off his classroom page and tells alice; alice writes a role trusting it ----
    bobs_account = _my_account_id(journey, bob)
    alices_account = _my_account_id(journey, alice)
    assert bobs_account != alices_account
    alices_sandbox = _open_account(journey, alice)
    _sandbox_nav(alice, "Roles and policies")
    journey.check(alice)
    alice.get_by_role("link", name="Create a role").click()
    alice.get_by_role("combobox", name="Account", exact=True).select_option(alices_account)
    alice.get_by_label("Role name").fill("ForBob")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{bobs_account}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    editor = alice.get_by_role("textbox", name="Trust policy")
    editor.fill(json.dumps(trust, indent=2))
    editor.press("End")
    alice.get_by_text("IAM would accept this document.").wait_for()
    journey.check(alice)
    alice.get_by_role("button", name="Create the role").click()
    alice.wait_for_url(f"**/roles/{alices_account}/ForBob/")
    expect(alice.get_by_role("heading", level=1)).to_have_text("Role ForBob")
    journey.check(alice)
    alice.get_by_role("link", name="Attach a managed policy").click()
    alice.get_by_label("Policy name starts with").fill("AmazonS3ReadOnly")
    alice.get_by_role("button", name="Search").click()
    alice.get_by_role("button", name="Attach AmazonS3ReadOnlyAccess", exact=True).click()
    alice.wait_for_url(f"**/roles/{alices_account}/ForBob/")
    expect(alice.locator("#role-permissions")).to_contain_text("AmazonS3ReadOnlyAccess")
    journey.check(alice)
    role_arn = f"arn:aws:iam::{alices_account}:role/ForBob"

    # ---- bob allows his user to assume it, assumes it from his own assume page and uses the session ----
    _open_account(journey, bob)
    _sandbox_nav(bob, "Users and keys")
    journey.check(bob)
    bob.get_by_role("main").get_by_role("link", name="bob", exact=True).click()
    bob.wait_for_url(f"**/users/{bobs_account}/bob/")
    journey.check(bob)
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
    }
    bob.get_by_label("Policy name", exact=True).fill("AssumeAlicesRole")
    bob.get_by_label("Policy document (JSON)").fill(json.dumps(allow, indent=2))
    bob.get_by_role("button", name="Save the inline policy").click()
    expect(bob.get_by_role("region", name="Permissions")).to_contain_text("AssumeAlicesRole")
    journey.check(bob)

    _sandbox_nav(bob, "Assume a role")
    bob.get_by_role("radio", name=f"arn:aws:iam::{bobs_account}:user/bob").check()
    bob.get_by_label("…or type a role ARN").fill(role_arn)
    bob.get_by_label("Session name (RoleSessionName)").fill("bob-visits")
    bob.get_by_label("Duration in seconds").fill("900")
    journey.check(bob)
    bob.get_by_role("button", name="Call STS").click()
    result = bob.locator("#assume-result")
    expect(result.get_by_role("heading", name="STS issued temporary credentials")).to_be_visible()
    expect(result).to_contain_text(f"arn:aws:sts::{alices_account}:assumed-role/ForBob/bob-visits")
    key = result.locator("dt", has_text="AccessKeyId").locator("xpath=following-sibling::dd[1]").inner_text().strip()
    assert key.startswith("ASIA"), key
    journey.check(bob)
    _sandbox_nav(bob, "Credentials")
    expect(bob.locator("#credential-sessions")).to_contain_text("ForBob")
    journey.check(bob)

    _sandbox_nav(bob, "Request console")
    bob.get_by_label("Identity").select_option(key)
    bob.get_by_label("Action").fill("s3:GetObject")
    bob.get_by_label("Or type a resource ARN").fill(f"arn:aws:s3:::reports-{alices_account}/q1.csv")
    bob.get_by_role("button", name="Send the request").click()
    expect(bob.get_by_text("Allowed", exact=True)).to_be_visible()
    journey.check(bob)

    # ---- alice's audit trail shows the AssumeRole, recorded in her account too ----
    alice.goto(alices_sandbox)
    _sandbox_nav(alice, "Audit trail")
    trail = alice.get_by_role("table")
    expect(trail).to_contain_text("AssumeRole")
    expect(trail).to_contain_text("GetObject")  # bob's call with her role was made in her account
    journey.check(alice)

    # ---- carol fast-forwards the class clock by 60 minutes: bob's session expires ----
    _classroom_nav(teacher, "Class clock")
    journey.check(teacher)
    teacher.get_by_role("button", name="+60 min").click()
    expect(teacher.get_by_role("status").filter(has_text="for every student")).to_be_visible()
    journey.check(teacher)
    _sandbox_nav(bob, "Credentials")
    expect(bob.get_by_text("No active sessions.")).to_be_visible()
    expect(bob.locator("#credential-sessions")).to_contain_text("expired")
    journey.check(bob)

    # ---- carol looks at alice's account (read-only), resets it, then undoes the reset ----
    _classroom_nav(teacher, "Roster")
    teacher.get_by_role("main").get_by_role("link", name="alice", exact=True).click()
    expect(teacher.get_by_role("heading", level=1)).to_contain_text("alice")
    journey.check(teacher)
    student_page = teacher.url
    teacher.get_by_role("button", name="View their account").click()
    teacher.wait_for_url(SANDBOX)
    expect(teacher.get_by_text("You are viewing alice's account as staff.")).to_be_visible()
    journey.check(teacher)
    _sandbox_nav(teacher, "Roles and policies")
    expect(teacher.get_by_role("link", name="ForBob", exact=True)).to_be_visible()
    journey.check(teacher)

    teacher.goto(student_page)
    teacher.get_by_role("link", name="Reset their account…").click()
    journey.check(teacher)
    teacher.get_by_label("I understand", exact=False).check()
    teacher.get_by_label("Reason", exact=True).fill("a fresh start for the next exercise")
    teacher.get_by_role("button", name="Reset the account").click()
    expect(teacher.get_by_text("alice's account is back to its starting state.")).to_be_visible()
    journey.check(teacher)
    alice.goto(alices_sandbox + "roles/")
    expect(alice.get_by_role("main")).not_to_contain_text("ForBob")

    teacher.get_by_role("link", name="Undo the last reset…").click()
    journey.check(teacher)
    teacher.get_by_label("Reason", exact=True).fill("wrong student")
    teacher.get_by_role("button", name="Undo the reset").click()
    expect(teacher.get_by_text("The account is back as it was at")).to_be_visible()
    journey.check(teacher)
    alice.reload()
    expect(alice.get_by_role("link", name="ForBob", exact=True)).to_be_visible()
    journey.check(alice)

    assert [error for page in (teacher, alice, bob) for error in page.console_errors] == []
    assert len(journey.checked) >= 40  # every page of the journey went through axe
