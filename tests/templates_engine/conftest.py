"""Products shaped like ``ExtractedProduct.to_json()`` for the template engine tests."""

from __future__ import annotations

import pytest

FEATURES = [
    "Zorblax organic cotton, 180 gsm",
    "Quillfeather relaxed fit with dropped shoulders",
    "Pre-shrunk Vantory weave keeps its shape wash after wash",
    "Ribbed Mellowcrest collar",
]

# A rating as a product page states it (aggregateRating), for templates that need one.
RATING = {"rating": "4.7", "rating_scale": "5", "review_count": 1284}


def _make_product(**overrides) -> dict:
    product = {
        "url": "http://shop.test/products/tee",
        "title": "Northwind Aurora Organic Cotton Tee - White, Size M",
        "brand": "Northwind",
        "price": "24.00",
        "currency": "USD",
        "regular_price": None,
        "description": "A heavyweight tee cut from organic cotton. It keeps its shape after washing.",
        "features": list(FEATURES),
        "images": ["http://shop.test/1.jpg", "http://shop.test/2.jpg", "http://shop.test/3.jpg"],
        "availability": "InStock",
        "sku": "NW-AUR-W",
        "language": "en",
        "vertical": "apparel",
        "breadcrumbs": ["Home", "Apparel", "Tees"],
        "sources": ["json-ld"],
    }
    product.update(overrides)
    return product


@pytest.fixture
def make_product():
    """A factory: ``make_product(price=None, vertical="beauty")``."""
    return _make_product


@pytest.fixture
def product() -> dict:
    return _make_product()
