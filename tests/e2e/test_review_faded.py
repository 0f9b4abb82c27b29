"""The faded example and spaced review in a real browser: the stages walked with the keyboard (htmx swaps the
verdict in), typed recall with the learner's last word, and axe-core at 320 px on every state they show."""

from __future__ import annotations

from functools import cache

import pytest

from tests.e2e.conftest import axe_violations, commit_every_gate


@cache
def _content():
    from lessons.loader import read_content

    return read_content()


@pytest.fixture(autouse=True)
def _lessons(transactional_db):
    from lessons.store import store

    store(_content())


def test_the_faded_example_is_walked_stage_by_stage_with_the_keyboard(page):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/lessons/worked/3/")
    commit_every_gate(page)  # the worked example shows how step 3's prediction turns out
    assert "arn:aws:iam::111111111111:user/alice" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("button", name="I have studied it: hide it and start").press("Enter")
    page.get_by_role("heading", name="Stage 1 of 3: fill in the blanks").wait_for()
    assert "arn:aws:iam::111111111111:user/alice" not in page.content()
    assert axe_violations(page) == []
    page.get_by_label("Value of Principal").fill('{"AWS": "arn:aws:iam::111111111111:user/bob"}')
    page.get_by_role("button", name="Check").press("Enter")
    page.get_by_text("Not as in the example: Principal.").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Value of Principal").fill('{"AWS": "arn:aws:iam::111111111111:user/alice"}')
    page.get_by_role("button", name="Check").press("Enter")
    page.get_by_text("Right: that makes the same policy").wait_for()
    page.get_by_role("link", name="Go on to stage 2").press("Enter")
    page.get_by_role("heading", name="Stage 2 of 3: fill in the blanks").wait_for()
    assert "aws:MultiFactorAuthPresent" not in page.content()
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_a_sure_miss_is_said_kindly_and_a_typed_card_is_checked(page):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/lessons/steps/4/")
    page.locator("input[name=choice][value=forever]").check()
    page.get_by_label("Sure").check()
    page.get_by_role("button", name="Commit to my answer").click()
    page.get_by_text("You were sure, and this one turned out differently").wait_for()
    assert axe_violations(page) == []
    page.goto("/lessons/review/")
    page.get_by_role("heading", name="Your review at a glance").wait_for()
    assert axe_violations(page) == []
    card = page.locator("li", has=page.get_by_role("heading", name="Shortest session you can request?"))
    card.get_by_label("Your answer (optional)").fill("15 Minutes.")
    card.get_by_role("button", name="Check my answer").click()
    page.get_by_text("Your answer “15 Minutes.” matches.").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="I was right").click()
    page.get_by_role("heading", name="Your review at a glance").wait_for()
    assert "Shortest session you can request?" not in page.content()
    assert page.console_errors == []
