"""Values a hostile or broken page puts in its markup: each is refused on its own (the rest of
the page is still read), never crashes the reader, and never reaches an ad as a wrong number."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.money import parse_amount
from products.scraping.extract import extract_product
from products.scraping.structured import MAX_JSONLD_DEPTH

URL = "https://shop.example/p/tee"


def _page(product: dict | None = None, *, raw_jsonld: str = "", body: str = "<h1>Organic Tee</h1>") -> str:
    blocks = raw_jsonld
    if product is not None:
        blocks += f'<script type="application/ld+json">{json.dumps(product)}</script>'
    return f"<html><head>{blocks}</head><body>{body}</body></html>"


def _product(**changes) -> dict:
    product = {
        "@context": "https://schema.org", "@type": "Product", "name": "Organic Tee",
        "image": "https://shop.example/tee.jpg",
        "offers": {"@type": "Offer", "price": "24.00", "priceCurrency": "USD"},
    }
    product.update(changes)
    return product


@pytest.mark.parametrize("depth", [100_000, MAX_JSONLD_DEPTH + 5])
def test_deeply_nested_jsonld_is_dropped_and_the_page_still_read(depth) -> None:
    hostile = '<script type="application/ld+json">' + "[" * depth + "]" * depth + "</script>"
    product = extract_product(_page(_product(), raw_jsonld=hostile), URL)
    assert product.title == "Organic Tee"
    assert product.price == Decimal("24.00") and product.currency == "USD"


def test_jsonld_at_a_real_depth_is_still_read() -> None:
    seller = {"@type": "Organization", "name": "Shop", "address": {"@type": "PostalAddress", "addressCountry": {"@type": "Country", "name": "US"}}}
    nested = _product(offers={"@type": "Offer", "price": "24.00", "priceCurrency": "USD", "seller": seller})
    product = extract_product(_page(nested), URL)
    assert product.price == Decimal("24.00")


@pytest.mark.parametrize("text", ["1e308", "1E+400", "1,5e3", "$1e3", "2.4E1 USD"])
def test_a_price_in_scientific_notation_is_refused_not_read_as_its_mantissa(text) -> None:
    assert parse_amount(text) == (None, "")


@pytest.mark.parametrize("value", ["0.000000001", "0.004", 1e-9, 0.0, -5, float("inf"), 1e308])
def test_a_price_that_would_be_stored_as_nothing_or_overflow_is_no_price(value) -> None:
    assert parse_amount(value)[0] is None


@pytest.mark.parametrize(("value", "amount"), [("0.01", Decimal("0.01")), ("24.00", Decimal("24.00")), (24.5, Decimal("24.5"))])
def test_ordinary_prices_still_read(value, amount) -> None:
    assert parse_amount(value)[0] == amount


@pytest.mark.parametrize("price", ["1e308", "1E+400", "0.000000001"])
def test_a_page_whose_only_price_is_absurd_has_no_price_rather_than_a_wrong_one(price) -> None:
    product = extract_product(_page(_product(offers={"@type": "Offer", "price": price, "priceCurrency": "USD"})), URL)
    assert product.price is None


def test_an_impossible_review_count_is_dropped_and_the_rating_kept() -> None:
    rated = _product(aggregateRating={"@type": "AggregateRating", "ratingValue": "4.5", "reviewCount": "3000000000"})
    product = extract_product(_page(rated), URL)
    assert product.rating == Decimal("4.5")
    assert product.review_count is None


def test_a_rating_on_an_impossible_scale_is_not_a_rating() -> None:
    rated = _product(aggregateRating={"@type": "AggregateRating", "ratingValue": "5000", "bestRating": "1000000"})
    product = extract_product(_page(rated), URL)
    assert product.rating is None and product.rating_scale is None
