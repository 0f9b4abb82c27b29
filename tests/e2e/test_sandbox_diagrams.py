"""Access diagrams in a real browser: accessible (axe), usable at 320 px, the text alternative always there,
and the controls redraw in place with htmx."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

ROLE = "roles/111111111111/ReportsReader/"


@pytest.fixture
def sandbox_url(page):
    page.goto("/sandbox/")
    page.get_by_role("button", name="Create my sandbox").click()
    page.wait_for_url("**/sandbox/*/")
    return page.url


@pytest.mark.parametrize("path", ["diagrams/", ROLE])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_diagram_pages_have_no_accessibility_violations(page, sandbox_url, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(sandbox_url + path)
    expect(page.locator("figure.diagram-figure svg")).to_be_visible()
    assert axe_violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["diagrams/", ROLE])
def test_diagram_pages_fit_320_pixels_and_keep_the_text_alternative(page, sandbox_url, path):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(sandbox_url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    table = page.get_by_role("table", name="The same diagram as a table", exact=False)
    expect(table).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="alice")).not_to_have_count(0)
    expect(page.get_by_role("img", name="Solid arrows are allowed", exact=False)).to_be_visible()


def test_focusing_redraws_in_place_and_the_address_follows(page, sandbox_url):
    page.goto(sandbox_url + "diagrams/")
    page.get_by_label("Focus on").select_option(label="role ReportsReader")
    page.get_by_role("button", name="Draw").click()
    expect(page.locator("figcaption")).to_contain_text("Access around ReportsReader")
    assert "focus=" in page.url and page.locator("h1").count() == 1
    assert page.console_errors == []
