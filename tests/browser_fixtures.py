"""Headless Chromium for the console's browser tests (a pytest plugin, loaded once
by tests/conftest.py so every browser test shares the one Playwright instance).

One browser per session (Debian's Chromium; Playwright's own download does not
work offline), a fresh context and page per test so cookies never leak between
tests.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FLASH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running on this thread, and
    # Django then refuses ORM calls (SynchronousOnlyOperation) -- in the tests
    # and in pytest-django's flush. The calls really are synchronous, so lift
    # the guard for as long as the browser lives (Playwright's documented fix).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def offsite_requests():
    """URLs the page tried to load from anywhere but the test server (blocked)."""
    return []


@pytest.fixture
def page(browser, api_server, offsite_requests):
    context = browser.new_context(
        base_url=api_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)

    # Tests run offline: anything off the test server is refused and recorded,
    # so a stray redirect fails fast instead of waiting on DNS.
    def only_test_server(route):
        if route.request.url.startswith(api_server.base_url + "/"):
            route.continue_()
        else:
            offsite_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_test_server)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
