"""Reading a product page: the safe fetcher, the warm browser, the page fetched with tries
on transient failures, and the product extracted from it. Nothing is stored here."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable

from django.conf import settings

from core.errors import FetchFailed, NotAProduct, ScrapeError
from core.fetch import FetchResult, SafeFetcher
from products.scraping.browser import BrowserRenderer, shared_renderer
from products.scraping.extract import extract_product
from products.scraping.types import ExtractedProduct

logger = logging.getLogger(__name__)

MAX_PLATFORM_JSON_BYTES = 3_000_000
PLATFORM_JSON_TIMEOUT = 6.0
# Failures worth another try: the shop was slow, unreachable for a moment, or busy.
TRANSIENT_FETCH_CODES = {"timeout", "connection_failed", "http_429", "http_500", "http_502", "http_503", "http_504"}


def fetcher_build(*, extra_allow_hosts: Iterable[str] = ()) -> SafeFetcher:
    allow = frozenset(settings.SHOPREEL_FETCH_ALLOW_HOSTS) | frozenset(extra_allow_hosts)
    return SafeFetcher(allow_hosts=allow, timeout=settings.SHOPREEL_FETCH_TIMEOUT)


def browser_build() -> BrowserRenderer | None:
    """This worker's warm browser, or None when the fallback is off or Chromium is missing."""
    if not settings.SHOPREEL_BROWSER_FALLBACK:
        return None
    renderer = shared_renderer()
    renderer.executable_path = settings.SHOPREEL_BROWSER_PATH
    renderer.timeout = float(settings.SHOPREEL_BROWSER_TIMEOUT)
    return renderer if renderer.available() else None


def page_fetch(*, fetcher: SafeFetcher, url: str) -> FetchResult:
    """Fetch the product page, trying again after SHOPREEL_FETCH_RETRY_DELAYS on transient
    failures only; a 404 or a blocked address fails at once."""
    delays = list(settings.SHOPREEL_FETCH_RETRY_DELAYS)
    while True:
        try:
            return fetcher.fetch(url)
        except FetchFailed as exc:
            if exc.code not in TRANSIENT_FETCH_CODES or not delays:
                raise
            delay = delays.pop(0)
            logger.info("page fetch retried", extra={"url": url, "code": exc.code, "delay": delay})
            time.sleep(delay)


def _platform_json(fetcher: SafeFetcher):
    """``fetch_json`` for the extractor: a platform endpoint's JSON through the safe fetcher,
    or None on any failure (the page's own markup is used then)."""

    def fetch_json(url: str) -> object | None:
        try:
            result = fetcher.fetch(
                url, accept=("application/json", "text/javascript", "application/javascript"),
                max_bytes=MAX_PLATFORM_JSON_BYTES, timeout=PLATFORM_JSON_TIMEOUT,
            )
            return json.loads(result.body)
        except (ScrapeError, ValueError):
            logger.info("platform endpoint skipped", extra={"url": url})
            return None

    return fetch_json


def _lacks_product(extracted: ExtractedProduct | None) -> bool:
    return extracted is None or extracted.price is None or not extracted.images


def page_extract(
    *, page: FetchResult, fetcher: SafeFetcher, browser: BrowserRenderer | None = None,
) -> ExtractedProduct:
    """The product on a fetched page: static HTML (plus the platform endpoint), and only when
    that lacks the product (no product, no price or no photo), the page rendered in the
    browser. ``fetched_with`` says which path gave the result."""
    fetch_json = _platform_json(fetcher) if settings.SHOPREEL_PLATFORM_API else None
    static: ExtractedProduct | None = None
    static_error: NotAProduct | None = None
    try:
        static = extract_product(page.body, page.url, fetch_json=fetch_json)
    except NotAProduct as exc:
        static_error = exc
    if not _lacks_product(static) or browser is None:
        if static is None:
            raise static_error
        return static
    try:
        rendered = browser.render(page.url, fetcher=fetcher)
        dynamic = extract_product(rendered.body, page.url, fetch_json=fetch_json)
    except ScrapeError as exc:
        logger.info("browser fallback gave nothing", extra={"url": page.url, "code": exc.code})
        if static is None:
            raise static_error from None
        return static
    if dynamic.fetched_with == "http":
        dynamic.fetched_with = "browser"
    if static is not None and _score(static) >= _score(dynamic):
        return static
    return dynamic


def _score(extracted: ExtractedProduct) -> int:
    return (2 * (extracted.price is not None) + 2 * bool(extracted.images) + bool(extracted.title)
            + bool(extracted.availability) + bool(extracted.sku))
