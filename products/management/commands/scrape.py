"""python manage.py scrape URL --json | scrape --html FILE [--url URL] --json

Prints what Shopreel reads from a product page. Nothing is stored. A saved page may be
gzipped (``.gz`` or gzip magic bytes); it is read with no fetch at all. A live URL goes the
import's way: static page and platform endpoint, the browser only if the product is missing.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from products.scraping.extract import extract_product
from products.scraping.types import ScrapeError
from products.services import browser_build, fetcher_build, page_extract, page_fetch

OUTPUT_KEYS = (
    "title", "brand", "price", "currency", "regular_price", "images", "description", "features",
    "variants", "availability", "sku", "language", "vertical", "fetched_with",
)
MAX_HTML_BYTES = 20_000_000


def read_saved_page(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (bounded, so a gzip bomb stops)."""
    try:
        with path.open("rb") as f:  # bounded like a fetched page: a huge file is refused unread
            data = f.read(MAX_HTML_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_HTML_BYTES:
        raise CommandError(f"{path} is larger than {MAX_HTML_BYTES // 1_000_000} MB, the limit for a fetched page.")
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(MAX_HTML_BYTES + 1)
    except (OSError, EOFError, zlib.error):
        raise CommandError(f"{path} looks gzipped but could not be unpacked.") from None
    if len(out) > MAX_HTML_BYTES:
        raise CommandError(f"{path} unpacks to more than {MAX_HTML_BYTES // 1_000_000} MB.")
    return out


class Command(BaseCommand):
    help = "Read a product page and print the product (title, price, images, ...)."

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="the product page to read")
        parser.add_argument("--html", type=Path, help="read this saved HTML file (.html or .html.gz) instead of fetching")
        parser.add_argument("--url", dest="page_url", help="the page's address, with --html (for relative links)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--no-browser", action="store_true", help="never fall back to the browser")

    def handle(self, *args, **opts):
        url = opts["url"] or opts["page_url"]
        if opts["html"] and not url:
            url = "http://localhost/"  # no address given: relative links stay unresolved hosts
        if not url:
            raise CommandError("Give a product URL (or --html FILE --url URL).")
        try:
            if opts["html"]:
                product = extract_product(read_saved_page(opts["html"]), url)
            else:
                fetcher = fetcher_build()
                page = page_fetch(fetcher=fetcher, url=url)
                browser = None if opts["no_browser"] else browser_build()
                product = page_extract(page=page, fetcher=fetcher, browser=browser)
        except ScrapeError as exc:
            raise CommandError(exc.message) from None
        full = product.to_json()
        data = {**{key: full[key] for key in OUTPUT_KEYS}, **full}  # the stable keys first
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for key in ("title", "brand", "price", "currency", "regular_price", "vertical",
                    "availability", "sku", "language", "fetched_with"):
            self.stdout.write(f"{key:>13}: {data.get(key) or '-'}")
        self.stdout.write(f"{'variants':>13}: {len(data['variants'])}")
        self.stdout.write(f"{'images':>13}: {len(data['images'])}")
        for image in data["images"]:
            self.stdout.write(f"{'':>15}{image}")
