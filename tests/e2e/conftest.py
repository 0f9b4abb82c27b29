"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser. Where /usr/bin/chromium is missing the tests are skipped with the reason
(.ci/run installs it, so CI always runs them). Every page is also watched for console errors, which is
where a Content-Security-Policy violation shows up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium'; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser is open; the tests' own
    # database calls (fixtures, assertions) must still work, as in Django's own Playwright tests.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    """Runs axe-core (bundled by axe-playwright-python) on the current page; returns readable violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} element(s), e.g. "
        f"{violation['nodes'][0]['target']})"
        for violation in results.response["violations"]
    ]


def commit_every_gate(page) -> None:
    """Commits to each prediction the current page holds its answer back behind (the first option, "sure"), as a
    learner would through the page's own commit forms; each one brings the learner back to the page."""
    for _ in range(20):
        gate = page.locator(".prediction-gate").first
        if not gate.count():
            return
        gate.locator('input[name="choice"]').first.check()
        gate.locator('input[name="confidence"]').first.check()
        with page.expect_navigation():
            gate.get_by_role("button", name="Commit to my answer").click()
    raise AssertionError("the page still holds answers back after 20 commitments")
