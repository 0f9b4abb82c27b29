"""The foundation in a real browser: accessibility, keyboard use, narrow screens, sign-up, no CSP errors."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.e2e.conftest import axe_violations

PAGES = ["/", "/lessons/", "/lessons/overview/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


@pytest.fixture(autouse=True)
def _lessons(transactional_db):
    call_command("load_lessons", verbosity=0)


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_accessibility_violations_and_no_console_errors(page, path):
    page.goto(path)
    assert axe_violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_320_pixel_screen_without_sideways_scrolling(page, path):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_dark_mode_follows_the_system_and_stays_accessible(page):
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 22, 32)"
    assert axe_violations(page) == []


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_the_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_learner_signs_up_with_the_keyboard_and_logs_out(page):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password", exact=True).fill("a long and careful passphrase")
    page.get_by_label("Password confirmation").fill("a long and careful passphrase")
    page.get_by_label("Password confirmation").press("Enter")
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="dana").is_visible()
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in").is_visible()
    assert page.console_errors == []


def test_start_the_lesson_leads_to_the_lessons(page):
    page.goto("/")
    page.get_by_role("link", name="Start the lesson").click()
    page.get_by_role("link", name="IAM roles: the big picture").click()
    assert page.get_by_role("heading", level=1).inner_text() == "IAM roles: the big picture"
