"""The visual mode's step diagrams in a real browser: at 320 px the page never scrolls sideways, each drawing keeps
text large enough to read and scrolls inside its own focusable box (the arrow keys move it); on a large screen every
drawing fits its column; the text version opens from the keyboard; axe-core finds nothing at either width."""

from __future__ import annotations

from functools import cache

import pytest

from tests.e2e.conftest import axe_violations, commit_every_gate

MIN_TEXT_PX = 11  # the smallest drawn text a phone reader is asked to read, in CSS pixels


@cache
def _content():
    from lessons.loader import read_content

    return read_content()


@pytest.fixture(autouse=True)
def _lessons(transactional_db):
    from lessons.store import store

    store(_content())


def _views(page) -> list[dict]:
    """Each drawing's box: its id, its scroll and client widths, and the smallest drawn text's height in pixels."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.lesson-diagram-view')].map(view => {
            const heights = [...view.querySelectorAll('svg text')]
              .map(t => t.getBoundingClientRect().height).filter(h => h > 0);
            return {id: view.id, scroll: view.scrollWidth, client: view.clientWidth,
                    focusable: view.tabIndex === 0, text: Math.min(...heights)};
        })"""
    )


def test_at_320_pixels_each_drawing_scrolls_in_its_own_focusable_box_and_stays_readable(page):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/lessons/visual/")
    commit_every_gate(page)  # diagrams of steps not predicted yet are held back
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # the page itself never scrolls sideways
    views = _views(page)
    assert len(views) >= 8
    for view in views:
        assert view["focusable"], view["id"]
        assert view["text"] >= MIN_TEXT_PX, view  # not shrunk to fit: read at its own size
    wide = [v for v in views if v["scroll"] > v["client"] + 1]
    assert {v["id"] for v in wide} >= {"sts-flow-view", "step-1-evaluation-view", "step-7-chain-view"}
    box = page.locator("#step-7-chain-view")
    box.focus()
    before = box.evaluate("element => element.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#step-7-chain-view').scrollLeft > 0")
    assert box.evaluate("element => element.scrollLeft") > before
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_on_a_large_screen_every_drawing_fits_its_column(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/lessons/visual/")
    commit_every_gate(page)  # diagrams of steps not predicted yet are held back
    for view in _views(page):
        assert view["scroll"] <= view["client"] + 1, view
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_the_text_version_of_a_diagram_opens_from_the_keyboard_and_lists_its_arrows(page):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/lessons/visual/")
    commit_every_gate(page)  # diagrams of steps not predicted yet are held back
    words = page.locator("#step-7-chain-words")
    summary = words.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert words.get_attribute("open") is not None
    table = words.get_by_role("table")
    assert "Session chained-1h of Analyst" in table.inner_text()
    assert "ValidationError" in words.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
