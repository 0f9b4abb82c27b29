"""Diagrams as a learner sees them: each drawing fits its box at 320 px and on a wide screen, zooms and pans by
keyboard and by buttons, opens full screen and closes with Esc, keeps its table, and axe finds nothing. The
sandbox's side navigation stays at the top while tall results appear."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

ALICE = "arn:aws:iam::111111111111:user/alice"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
Q1 = "arn:aws:s3:::reports-111111111111/q1.csv"
WIDTHS = [320, 1440]

# Where the drawing's content is, relative to its box (the element that clips it), in CSS pixels.
CONTENT_IN_BOX = """(view) => {
  const box = view.getBoundingClientRect();
  const content = view.querySelector('svg > g').getBoundingClientRect();
  return {left: content.left - box.left, right: box.right - content.right,
          top: content.top - box.top, bottom: box.bottom - content.bottom,
          width: content.width, height: content.height, boxWidth: box.width};
}"""
PAGE_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(autouse=True)
def patient(page):
    """Graphviz draws on the server while other work shares the machine: wait longer than the default."""
    page.set_default_timeout(30_000)
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def sandbox_url(page):
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url(re.compile(r"/sandbox/[0-9a-f-]{36}/$"))
    return page.url


def show_console_result(page, sandbox_url):
    page.goto(sandbox_url + "console/")
    page.get_by_label("Identity").select_option(ALICE)
    page.get_by_label("Action").fill("s3:GetObject")
    page.get_by_label("Resource", exact=True).select_option(Q1)
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#decision-diagram .diagram-view svg")).to_be_visible()
    return page.locator("#decision-diagram")


def open_diagram(page, sandbox_url, where):
    """Opens a page with a diagram; returns the element holding that one diagram."""
    if where == "home":
        call_command("load_lessons", verbosity=0)  # the home page draws the lesson content's mental model
        page.goto("/")
        return page.locator("#mental-model-figure")
    if where == "sandbox diagram":
        page.goto(sandbox_url + "diagrams/")
        return page.locator("#diagram-panel")
    return show_console_result(page, sandbox_url)


def assert_fits(view):
    placed = view.evaluate(CONTENT_IN_BOX)
    for side in ("left", "right", "top", "bottom"):
        assert placed[side] >= -0.5, placed
    assert placed["width"] > 0.2 * placed["boxWidth"], placed  # fitted, not shrunk to a speck
    return placed


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("where", ["home", "sandbox diagram", "console result"])
def test_the_drawing_fits_its_box_and_axe_finds_nothing(page, sandbox_url, where, width):
    page.set_viewport_size({"width": width, "height": 900})
    holder = open_diagram(page, sandbox_url, where)
    view = holder.locator(".diagram-view")
    expect(view).to_be_visible()
    assert_fits(view)
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    # The box is at most 70% of the window high, so the whole drawing is seen at once.
    assert view.locator("svg").bounding_box()["height"] <= 0.7 * 900 + 1
    # The text alternative stays.
    expect(page.get_by_role("table", name="same diagram as a table", exact=False).first).to_be_attached()
    expect(holder.locator('[role="img"]')).to_have_count(1)
    assert axe_violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("where", ["home", "sandbox diagram", "console result"])
def test_keys_zoom_and_pan_the_focused_drawing_and_zero_fits_it_again(page, sandbox_url, where, width):
    page.set_viewport_size({"width": width, "height": 900})
    holder = open_diagram(page, sandbox_url, where)
    view = holder.locator(".diagram-view")
    level = holder.locator(".diagram-zoom-level")
    fitted = assert_fits(view)
    view.focus()
    page.keyboard.press("+")
    page.keyboard.press("+")
    expect(level).to_have_text("156%")
    zoomed = view.evaluate(CONTENT_IN_BOX)
    assert zoomed["width"] == pytest.approx(fitted["width"] * 1.5625, rel=0.02)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    panned = view.evaluate(CONTENT_IN_BOX)
    assert panned["left"] < zoomed["left"] - 1  # the view moved right, so the drawing moved left
    assert panned["top"] < zoomed["top"] - 1
    scroll = page.evaluate("scrollY")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("scrollY") == scroll  # the arrow moved the drawing, not the page
    page.keyboard.press("-")
    expect(level).to_have_text("125%")
    page.keyboard.press("0")
    expect(level).to_have_text("fitted")
    assert view.evaluate(CONTENT_IN_BOX) == pytest.approx(fitted, abs=1)
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    assert page.console_errors == []


def test_the_buttons_have_names_and_zoom_out_stops_at_the_fitted_size(page, sandbox_url):
    holder = open_diagram(page, sandbox_url, "home")
    zoom_in = holder.get_by_role("button", name="Zoom in")
    zoom_out = holder.get_by_role("button", name="Zoom out")
    fit = holder.get_by_role("button", name="Fit the diagram to its box")
    level = holder.locator(".diagram-zoom-level")
    expect(zoom_out).to_have_attribute("aria-disabled", "true")
    zoom_in.click()
    expect(level).to_have_text("125%")
    expect(zoom_out).to_have_attribute("aria-disabled", "false")
    zoom_in.click()
    zoom_out.click()
    expect(level).to_have_text("125%")
    zoom_out.click()
    page.keyboard.press("Enter")  # no effect at the fitted size, and focus stays on the button
    expect(level).to_have_text("fitted")
    expect(zoom_out).to_be_focused()
    zoom_in.click()
    fit.click()
    expect(level).to_have_text("fitted")
    assert_fits(holder.locator(".diagram-view"))


def test_dragging_pans_a_zoomed_drawing(page, sandbox_url):
    holder = open_diagram(page, sandbox_url, "home")
    view = holder.locator(".diagram-view")
    holder.get_by_role("button", name="Zoom in").click()
    holder.get_by_role("button", name="Zoom in").click()
    before = view.evaluate(CONTENT_IN_BOX)
    box = view.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    after = view.evaluate(CONTENT_IN_BOX)
    assert after["left"] == pytest.approx(before["left"] + 60, abs=2)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("where", ["home", "sandbox diagram", "console result"])
def test_full_screen_opens_and_esc_closes_it(page, sandbox_url, where, width):
    page.set_viewport_size({"width": width, "height": 900})
    holder = open_diagram(page, sandbox_url, where)
    viewer = holder.locator(".diagram-viewer")
    holder.get_by_role("button", name="Full screen").click()
    expect(viewer).to_have_class(re.compile(r"\bis-full\b"))
    page.wait_for_function("() => document.fullscreenElement !== null")
    box = viewer.bounding_box()
    assert box["x"] == 0 and box["y"] == 0 and box["width"] >= width - 20 and box["height"] >= 880
    expect(holder.locator(".diagram-view")).to_be_focused()
    assert_fits(holder.locator(".diagram-view"))
    page.keyboard.press("+")  # the keys work in full screen too
    expect(holder.locator(".diagram-zoom-level")).to_have_text("125%")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(viewer).not_to_have_class(re.compile(r"\bis-full\b"))
    page.wait_for_function("() => document.fullscreenElement === null")
    expect(holder.get_by_role("button", name="Full screen")).to_be_focused()
    # F, with the drawing focused, opens it again; the button (now "Leave full screen") closes it.
    holder.locator(".diagram-view").focus()
    page.keyboard.press("f")
    expect(viewer).to_have_class(re.compile(r"\bis-full\b"))
    holder.get_by_role("button", name="Leave full screen").click()
    expect(viewer).not_to_have_class(re.compile(r"\bis-full\b"))
    page.wait_for_function("() => document.fullscreenElement === null")
    assert page.console_errors == []


def test_a_drawing_that_htmx_brings_in_later_zooms_too(page, sandbox_url):
    page.goto(sandbox_url + "roles/111111111111/ReportsReader/")
    holder = page.locator("#role-diagram")
    view = holder.locator(".diagram-view")
    expect(view).to_be_visible()
    fitted = assert_fits(view)
    view.focus()
    page.keyboard.press("+")
    expect(holder.locator(".diagram-zoom-level")).to_have_text("125%")
    assert view.evaluate(CONTENT_IN_BOX)["width"] == pytest.approx(fitted["width"] * 1.25, rel=0.02)


def nav_top(page):
    """The side navigation's and the main column's top edges, in page coordinates."""
    return page.evaluate(
        "() => [document.querySelector('.sandbox-nav'), document.querySelector('.sandbox-main')]"
        ".map(e => Math.round(e.getBoundingClientRect().top + scrollY))"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_side_nav_stays_at_the_top_when_call_sts_makes_the_page_tall(page, sandbox_url, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(sandbox_url + "assume/")
    before = nav_top(page)
    page.locator(f"input[name=identity][value='user:{ALICE}']").check()
    page.get_by_label("Role", exact=True).select_option(READER)
    page.get_by_label("Session name (RoleSessionName)").fill("alice-reads")
    page.get_by_role("button", name="Call STS").click()
    heading = page.get_by_role("heading", name="STS issued temporary credentials")
    heading.wait_for()
    # The result takes the focus, so it is read out and scrolled into view rather than appearing off screen.
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    assert nav_top(page) == before
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert nav_top(page) == before
    if width > 800:  # two columns: the nav's top is level with the page's heading column
        assert before[0] == before[1]
    assert page.evaluate(PAGE_OVERFLOW) <= 0


@pytest.mark.parametrize("width", WIDTHS)
def test_the_side_nav_stays_at_the_top_with_the_consoles_result(page, sandbox_url, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(sandbox_url + "console/")
    before = nav_top(page)
    show_console_result(page, sandbox_url)
    assert page.evaluate("document.body.scrollHeight") > 2 * 900  # a tall result
    assert nav_top(page) == before
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert nav_top(page) == before
    if width > 800:
        assert before[0] == before[1]
