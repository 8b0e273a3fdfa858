"""The browser tests' Chromium page (Debian's /usr/bin/chromium), shared by every test here.

Skipped where /usr/bin/chromium is missing, except where SHOPREEL_TEST_REQUIRE_SERVICES=1
(scripts/test.sh, CI), which install Chromium: there a missing browser fails the test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from products.scraping.browser import CHROMIUM_ARGS, CHROMIUM_PATH

# The scraper's flags, less its rule that no host name resolves (it fetches through its own
# checked client); this browser talks to the live server on loopback.
BROWSER_ARGS = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--host-resolver-rules")]


@pytest.fixture
def page(monkeypatch, live_server) -> Iterator:
    """A Chromium page, closed before the live server stops (no request thread left holding a
    database connection)."""
    if not Path(CHROMIUM_PATH).exists():
        message = f"no Chromium at {CHROMIUM_PATH}"
        if os.environ.get("SHOPREEL_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM reads are
    # plain synchronous calls between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()
            # ORM reads made between browser steps ran under Playwright's context and opened
            # their own connection: close it, or the test database cannot be dropped.
            connections.close_all()
