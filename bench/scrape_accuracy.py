"""Scrape benchmark: extraction quality and speed on the 118-page product corpus.

Scores each attribute the way the public product-extraction benchmark does (F1 where a wrong
prediction counts as a false positive and, when the page has a value, a miss). Prices are
compared as decimals; currencies after mapping the ground truth's symbols to ISO codes with
the scraper's own table (the truth writes "$", the scraper answers "USD").

Times are CPU time (``time.process_time``) of ``extract_product`` per page, gunzipping and
scoring excluded; the wall-clock median is printed beside it. F1 is printed for all pages and
for the even- and odd-numbered halves (a held-out check against rules fitted to a few pages).
Price is scored twice: against the corpus's truth as published ("price") and against it with
the known errors of ``bench/price_errata.json`` corrected ("price*": thousands separators read
as decimal points, VAT-exclusive prices), each correction checked against the page.

    .venv/bin/python bench/scrape_accuracy.py [--corpus ../shared/corpus/product-pages] [--errors]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.money import country_hints, currency_code
from products.scraping.extract import extract_product
from products.scraping.scoring import f1
from products.scraping.types import NotAProduct

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "product-pages"
ERRATA = Path(__file__).resolve().parent / "price_errata.json"


def load_errata(path: Path = ERRATA) -> dict[str, set[Decimal]]:
    """Corrected price truth by page id (keys starting with "_" are notes)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: {Decimal(v) for v in row["price"]} for k, row in data.items() if not k.startswith("_")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--errors", action="store_true", help="list wrong prices (corrected truth)")
    args = parser.parse_args()
    truth_all = json.loads((args.corpus / "ground-truth.json").read_text(encoding="utf-8"))
    errata = load_errata()
    names = ("price", "price*", "currency", "availability", "sku", "brand")
    pairs: dict[str, list] = {k: [] for k in names}
    times: list[float] = []
    wall: list[float] = []
    for key, truth in sorted(truth_all.items()):
        with gzip.open(args.corpus / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            html = f.read()
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            product = extract_product(html, truth["url"])
        except NotAProduct:
            product = None
        times.append(time.process_time() - cpu_started)
        wall.append(time.perf_counter() - started)
        hints = country_hints(url=truth["url"])
        got = {
            "price": product.price if product else None,
            "price*": product.price if product else None,
            "currency": (product.currency or None) if product else None,
            "availability": (product.availability or None) if product else None,
            "sku": (product.sku or None) if product else None,
            "brand": (product.brand or None) if product else None,
        }
        expected = {
            "price": {Decimal(v) for v in truth.get("price", [])},
            "price*": errata.get(key) or {Decimal(v) for v in truth.get("price", [])},
            "currency": {currency_code(v, hints=hints) or v for v in truth.get("currency", [])},
        }
        for name in pairs:
            pairs[name].append((expected.get(name, set(truth.get(name, []))), got[name]))
        if args.errors and got["price"] not in expected["price*"] and (
            got["price"] is not None or expected["price*"]
        ):
            print(f"  {key[:10]} truth*={sorted(map(str, expected['price*']))} got={got['price']} "
                  f"{truth['url'][:80]}")
    # Even- and odd-numbered pages (in id order) scored apart: a rule that helps only one
    # half, or only a page or two, is suspect of fitting the corpus rather than shops.
    print(f"{'attribute':<13} {'F1':>6} {'prec':>6} {'recall':>6} {'even':>6} {'odd':>6}")
    for name, items in pairs.items():
        score, precision, recall = f1(items)
        even, odd = f1(items[0::2])[0], f1(items[1::2])[0]
        print(f"{name:<13} {score:6.3f} {precision:6.3f} {recall:6.3f} {even:6.3f} {odd:6.3f}")
    times.sort()
    print(f"pages {len(times)}: CPU median {statistics.median(times) * 1000:.1f} ms/page, "
          f"p90 {times[int(len(times) * 0.9)] * 1000:.1f} ms, total {sum(times):.2f} s; "
          f"wall median {statistics.median(wall) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
