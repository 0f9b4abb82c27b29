"""The learning modes in a real browser: the predict-and-reveal walk, myths, progress, keyboard-only ordering
questions, and axe-core on every lesson page in every mode."""

from __future__ import annotations

from functools import cache

import pytest

from tests.e2e.conftest import axe_violations

PAGES = [
    "/lessons/",
    "/lessons/deep-dive/",
    "/lessons/steps/1/",
    "/lessons/steps/3/",
    "/lessons/steps/3/test-out/",
    "/lessons/worked/3/",
    "/lessons/myths/",
    "/lessons/quiz/",
    "/lessons/quiz/step-3-trust/",
    "/lessons/quiz/under-the-hood/",
    "/lessons/review/",
    "/lessons/visual/",
    "/lessons/try-it/",
    "/lessons/cheat-sheet/",
    "/lessons/progress/",
    "/lessons/step-3-trust/",
]


@cache
def _content():
    from lessons.loader import read_content

    return read_content()


@cache
def _labs():
    from iamtutor.labs.loader import read_labs

    return read_labs()


@pytest.fixture(autouse=True)
def _lessons(transactional_db):
    from iamtutor.labs.store import store as store_labs
    from lessons.store import store

    store(_content())
    store_labs(_labs())  # each step's "Try it" is a lab: the step pages and the Try it page link to them


@pytest.mark.parametrize("path", PAGES)
def test_lesson_pages_have_no_accessibility_violations_and_no_console_errors(page, path):
    page.goto(path)
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_a_learner_walks_step_3_predicts_answers_a_myth_and_finds_both_on_the_progress_page(page):
    page.goto("/lessons/")
    assert page.get_by_role("link", name="Continue where you left off").count() == 0
    page.get_by_role("link", name="Start here: step 1").click()
    page.wait_for_url("**/lessons/steps/1/")
    page.get_by_role("link", name="Step 3", exact=True).first.click()
    assert "Only principals that the role's trust policy allows" in page.content()  # the options are shown
    assert "What really happens" not in page.content()
    page.get_by_label("Only principals that the role's trust policy allows can assume it.").check()
    page.get_by_label("Think so").check()
    page.get_by_role("button", name="Commit to my answer").click()
    page.get_by_role("heading", name="What really happens").wait_for()
    assert "Your prediction was right." in page.content()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Myth busters").first.click()
    myth = page.locator("#myth-myth-anyone-can-assume")
    myth.get_by_role("button", name="I don't believe it").click()
    myth.get_by_role("heading", name="Reality").wait_for()
    assert "Your score: 1 right of 1 answered" in page.locator("#myth-score").inner_text()
    assert axe_violations(page) == []

    page.get_by_role("link", name="My progress").first.click()
    predictions = page.locator("section", has=page.get_by_role("heading", name="Your predictions"))
    assert "Can any user assume any role" in predictions.inner_text() and "Think so" in predictions.inner_text()
    assert "1 of 25 myths right" in page.content()
    page.get_by_role("link", name="Lessons", exact=True).first.click()
    page.get_by_role("link", name="Continue where you left off").click()
    page.wait_for_url("**/lessons/myths/")
    assert page.console_errors == []


def test_an_ordering_question_is_answered_with_the_keyboard_alone(page):
    page.goto("/lessons/quiz/under-the-hood/")
    question = page.locator("#q-qs-evaluation-order")
    order = ["deny", "rcp", "scp", "resource", "identity", "boundary", "session"]
    for place, key in enumerate(order, start=1):
        select = question.locator(f"select[name='position-{key}']")
        select.focus()
        while int(select.input_value()) > place:
            page.keyboard.press("ArrowUp")
    assert [int(question.locator(f"select[name='position-{key}']").input_value()) for key in order] == list(range(1, 8))
    question.get_by_role("button", name="Check my answer").press("Enter")
    question.get_by_text("Right.", exact=True).wait_for()
    assert page.console_errors == []


def test_move_buttons_reorder_an_ordering_question_by_keyboard(page):
    page.goto("/lessons/quiz/under-the-hood/")
    question = page.locator("#q-qs-assume-flow")
    first = question.locator(".ordering-item").first
    name = first.locator("label").inner_text()
    first.get_by_role("button", name=f"Move down: {name}").press("Enter")
    assert question.locator(".ordering-item").nth(1).locator("label").inner_text() == name
    assert question.locator(".ordering-item").nth(1).locator("select").input_value() == "2"


def test_a_deep_dive_part_opens_after_committing_to_its_prediction_by_keyboard(page):
    page.goto("/lessons/deep-dive/")
    gate = page.locator("#gate-step-3-trust")
    assert page.locator("#policy-step3-trust-alice").count() == 0
    gate.get_by_label("Only principals that the role's trust policy allows can assume it.").focus()
    page.keyboard.press("Space")
    gate.get_by_label("Guessing").focus()
    page.keyboard.press("Space")
    gate.get_by_role("button", name="Commit to my answer").press("Enter")
    page.locator("#policy-step3-trust-alice").wait_for()
    assert page.url.endswith("/lessons/deep-dive/#step-3-trust")
    assert (
        page.locator("#gate-step-3-trust").count() == 0 and page.locator("#gate-step-4-temporary-credentials").count()
    )
    assert axe_violations(page) == []


def test_a_policy_element_explains_itself_on_keyboard_focus(page):
    page.goto("/lessons/deep-dive/")
    gate = page.locator("#gate-step-3-trust")
    gate.get_by_label("Only principals that the role's trust policy allows can assume it.").check()
    gate.get_by_label("Sure").check()
    gate.get_by_role("button", name="Commit to my answer").click()
    element = page.locator("#policy-step3-trust-alice .ann").first
    tip = page.locator("#" + element.get_attribute("aria-describedby"))
    assert not tip.is_visible()
    element.focus()
    assert tip.is_visible() and len(tip.inner_text()) > 10


@pytest.mark.parametrize("path", PAGES)
def test_lesson_pages_fit_a_320_pixel_screen_without_sideways_scrolling(page, path):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


@pytest.mark.parametrize("path", ["/lessons/deep-dive/", "/lessons/quiz/step-3-trust/", "/lessons/myths/"])
def test_lesson_pages_stay_accessible_in_dark_mode(page, path):
    page.emulate_media(color_scheme="dark")
    page.goto(path)
    assert axe_violations(page) == []


def test_a_step_links_to_its_try_it_lab_and_the_try_it_page_fits_320_pixels(page):
    page.goto("/lessons/steps/3/")
    aside = page.locator("aside.try-it-link")
    assert "Try it in your sandbox:" in aside.inner_text() and "Not started" in aside.inner_text()
    aside.get_by_role("link", name="Fix a broken trust policy").click()
    page.get_by_role("heading", name="Fix a broken trust policy", level=1).wait_for()
    assert page.url.endswith("/labs/fix-the-trust-policy/")
    page.goto("/lessons/try-it/")
    assert page.get_by_role("heading", level=2).count() >= 7
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert axe_violations(page) == []
    assert page.console_errors == []
