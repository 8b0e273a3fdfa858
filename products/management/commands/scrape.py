"""python manage.py scrape URL --json | scrape --html FILE --url URL --json

Prints what Shopreel reads from a product page. Nothing is stored.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from products.scraping.extract import extract_product
from products.scraping.types import ScrapeError
from products.services import fetcher_build


class Command(BaseCommand):
    help = "Read a product page and print the product (title, price, images, ...)."

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="the product page to read")
        parser.add_argument("--html", type=Path, help="read this saved HTML file instead of fetching")
        parser.add_argument("--url", dest="page_url", help="the page's address, with --html (for relative links)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        url = opts["url"] or opts["page_url"]
        if not url:
            raise CommandError("Give a product URL (or --html FILE --url URL).")
        try:
            if opts["html"]:
                try:
                    html = opts["html"].read_bytes()
                except OSError as exc:
                    raise CommandError(f"Cannot read {opts['html']}: {exc.strerror}") from None
                product = extract_product(html, url)
            else:
                page = fetcher_build().fetch(url)
                product = extract_product(page.body, page.url)
        except ScrapeError as exc:
            raise CommandError(exc.message) from None
        data = product.to_json()
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for key in ("title", "brand", "price", "currency", "regular_price", "vertical", "availability", "sku"):
            self.stdout.write(f"{key:>13}: {data.get(key) or '-'}")
        self.stdout.write(f"{'images':>13}: {len(data['images'])}")
        for image in data["images"]:
            self.stdout.write(f"{'':>15}{image}")
