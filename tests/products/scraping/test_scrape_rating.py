"""The page's aggregateRating (JSON-LD, microdata) becomes rating / rating_scale / review_count,
stored on the Product and handed to the template engine as the page stated it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from products.demo.catalog import PRODUCTS
from products.demo.pages import render_product_page
from products.scraping.extract import extract_product
from products.scraping.types import ExtractedProduct

URL = "https://shop.example/p/serum"


def _jsonld_page(rating: dict | None) -> str:
    product = {
        "@context": "https://schema.org", "@type": "Product", "name": "Glow Serum",
        "image": "https://shop.example/serum.jpg",
        "offers": {"@type": "Offer", "price": "38.00", "priceCurrency": "USD"},
    }
    if rating is not None:
        product["aggregateRating"] = rating
    return (f'<html><head><script type="application/ld+json">{json.dumps(product)}</script></head>'
            "<body><h1>Glow Serum</h1></body></html>")


def test_jsonld_aggregate_rating() -> None:
    product = extract_product(_jsonld_page(
        {"@type": "AggregateRating", "ratingValue": "4.7", "bestRating": "5", "reviewCount": "1284"}), URL)
    assert (product.rating, product.rating_scale, product.review_count) == (Decimal("4.7"), Decimal(5), 1284)
    data = product.to_json()
    assert (data["rating"], data["rating_scale"], data["review_count"]) == ("4.7", "5", 1284)
    assert json.loads(json.dumps(data))["rating"] == "4.7"


@pytest.mark.parametrize(("rating", "expected"), [
    ({"ratingValue": 4.5, "ratingCount": 87}, (Decimal("4.5"), Decimal(5), 87)),  # bestRating defaults to 5
    ({"ratingValue": "8,6", "bestRating": 10, "reviewCount": "1.204"}, (Decimal("8.6"), Decimal(10), 1204)),
    ({"ratingValue": "4.9"}, (Decimal("4.9"), Decimal(5), None)),  # no count stated: none invented
    ({"ratingValue": "4.9", "reviewCount": 0}, (None, None, None)),  # "from 0 reviews" is no rating
    ({"ratingValue": "7", "bestRating": "5", "reviewCount": 3}, (None, None, None)),  # off its scale
    ({"ratingValue": "great", "reviewCount": 3}, (None, None, None)),
])
def test_rating_shapes(rating, expected) -> None:
    product = extract_product(_jsonld_page(rating), URL)
    assert (product.rating, product.rating_scale, product.review_count) == expected


def test_no_rating_on_the_page() -> None:
    product = extract_product(_jsonld_page(None), URL)
    assert product.rating is None and product.review_count is None
    assert ExtractedProduct(url=URL).to_json()["rating"] is None


def test_microdata_aggregate_rating() -> None:
    html = """<html><body><div itemscope itemtype="https://schema.org/Product">
      <h1 itemprop="name">Widget X</h1><img itemprop="image" src="/w.jpg">
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <meta itemprop="price" content="12.50"><meta itemprop="priceCurrency" content="EUR"></div>
      <div itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">
        <span itemprop="ratingValue">4,3</span> / <span itemprop="bestRating">5</span>
        (<span itemprop="reviewCount">52</span>)</div>
    </div></body></html>"""
    product = extract_product(html, URL)
    assert (product.rating, product.rating_scale, product.review_count) == (Decimal("4.3"), Decimal(5), 52)
    assert "microdata" in product.sources


def test_the_demo_shop_publishes_a_rating() -> None:
    serum = next(p for p in PRODUCTS if p.slug == "lumen-hydrating-serum")
    html = render_product_page(serum, "http://127.0.0.1:1")
    product = extract_product(html, f"http://127.0.0.1:1/products/{serum.slug}")
    assert (product.rating, product.rating_scale, product.review_count) == (Decimal("4.7"), Decimal(5), 1284)
    assert "Rated 4.7 out of 5 · 1,284 reviews" in html
    unrated = next(p for p in PRODUCTS if p.rating is None)
    assert extract_product(render_product_page(unrated, "http://127.0.0.1:1"),
                           f"http://127.0.0.1:1/products/{unrated.slug}").rating is None


@pytest.mark.django_db
def test_the_rating_is_stored_and_handed_to_the_template_engine(workspace) -> None:
    from products.models import Product
    from products.services import product_apply_extracted
    from templates_engine.builder import build_script
    from templates_engine.library import pick_template

    extracted = extract_product(_jsonld_page(
        {"ratingValue": "4.70", "bestRating": "5", "reviewCount": "1284"}), URL)
    product = product_apply_extracted(product=Product(workspace=workspace, source_url=URL), extracted=extracted)
    product.refresh_from_db()
    assert (product.rating, product.rating_scale, product.review_count) == (Decimal("4.7"), Decimal(5), 1284)
    data = product.as_script_input()
    assert (data["rating"], data["rating_scale"], data["review_count"]) == ("4.7", "5", 1284)

    data = {**data, "images": ["a.jpg", "b.jpg"], "vertical": "beauty", "features": ["Light", "Vegan"]}
    template, why = pick_template(product=data, language="en", length=15)
    assert template.slug == "beauty-social-proof" and "4.7/5" in why
    script = build_script(product=data, template=template, length=15)
    assert script.scenes[0].caption == "Worth it? Rated 4.7/5"
