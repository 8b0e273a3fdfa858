"""Price F1 on the 118 real product pages, scored the way the public benchmark scores it.

The corpus lives outside the repository (../shared/corpus/product-pages); the test is skipped
with the reason when it is absent. The floor sits just under what the extractor achieves so a
regression fails loudly; raise it when the extractor improves.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from products.scraping.extract import extract_product
from products.scraping.scoring import f1
from products.scraping.types import NotAProduct

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "product-pages"
PRICE_F1_FLOOR = 0.93  # open-source extruct + price-parser baseline: 0.685; Zyte: 0.918
BASELINE = 0.685
# Measured 2026-11-21: price 0.938, availability 0.874, sku 0.807, brand 0.802 (see
# docs/BENCHMARKS.md).
FIELD_FLOORS = {"availability": 0.86, "sku": 0.80, "brand": 0.79}


@pytest.fixture(scope="module")
def corpus_results() -> list[tuple[dict, object]]:
    truth_file = CORPUS / "ground-truth.json"
    if not truth_file.exists():
        pytest.skip(f"product-page corpus not found at {CORPUS.resolve()}")
    ground_truth = json.loads(truth_file.read_text(encoding="utf-8"))
    results = []
    for key, truth in sorted(ground_truth.items()):
        # Snapshots are UTF-8 text (taken from a browser); the benchmark reads them so too.
        with gzip.open(CORPUS / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            html = f.read()
        try:
            product = extract_product(html, truth["url"])
        except NotAProduct:
            product = None
        results.append((truth, product))
    return results


def test_price_f1_beats_the_open_source_baseline(corpus_results) -> None:
    pairs = [
        ({Decimal(v) for v in truth.get("price", [])}, product.price if product else None)
        for truth, product in corpus_results
    ]
    score, _, _ = f1(pairs)
    assert score > BASELINE
    assert score >= PRICE_F1_FLOOR, f"price F1 fell to {score:.3f}"


@pytest.mark.parametrize("field", sorted(FIELD_FLOORS))
def test_field_f1_holds(corpus_results, field: str) -> None:
    pairs = [
        (set(truth.get(field) or []), (getattr(product, field) or None) if product else None)
        for truth, product in corpus_results
    ]
    score, _, _ = f1(pairs)
    assert score >= FIELD_FLOORS[field], f"{field} F1 fell to {score:.3f}"


def test_every_page_is_recognised_as_a_product(corpus_results) -> None:
    missing = [truth["url"] for truth, product in corpus_results if product is None]
    # Every page, the two without any product markup included: one has no <h1> and a
    # labelled price beside a quantity table, the other's price has its currency word in
    # the next element.
    assert not missing, missing
    with_title = sum(1 for _, p in corpus_results if p and p.title)
    assert with_title == sum(1 for _, p in corpus_results if p)


def test_extraction_is_fast() -> None:
    truth_file = CORPUS / "ground-truth.json"
    if not truth_file.exists():
        pytest.skip(f"product-page corpus not found at {CORPUS.resolve()}")
    pages = sorted((CORPUS / "html").glob("*.html.gz"))[:30]
    htmls = [gzip.decompress(p.read_bytes()).decode("utf-8") for p in pages]
    # CPU time, not wall time: the budget is the work extraction does, whatever else the
    # machine is running.
    started = time.process_time()
    for html in htmls:
        with contextlib.suppress(NotAProduct):
            extract_product(html, "https://shop.example/p")
    per_page = (time.process_time() - started) / len(htmls)
    assert per_page < 0.1, f"{per_page * 1000:.0f} ms per page"
