"""``POST /api/v1/products/{id}/price/confirm/``: confirm the price the scraper doubted, or set
another; the product shows the evidence, the doubt and who confirmed when. (Owner, team,
read-only, outsider and wrong method are in test_matrix.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from products.models import Product

pytestmark = pytest.mark.django_db

EVIDENCE = {"source": "visible text", "layer": "heuristics", "confidence": 0.55,
            "rejected": [{"amount": "29.00", "text": "$29.00", "why": "scored lower"}]}


def _doubted(api) -> Product:
    product = api.home.product
    Product.objects.filter(id=product.id).update(
        price=Decimal("24.00"), regular_price=None, price_evidence=EVIDENCE, price_needs_confirmation=True
    )
    return product


def _url(product) -> str:
    return f"/api/v1/products/{product.id}/price/confirm/"


def test_the_product_shows_its_price_evidence_and_doubt(api):
    product = _doubted(api)
    data = api.client().get(f"/api/v1/products/{product.id}/").json()
    assert data["price_evidence"] == EVIDENCE
    assert data["price_needs_confirmation"] is True
    assert data["price_confirmed_at"] is None


def test_confirming_the_shown_price_records_who_and_when(api):
    product = _doubted(api)
    response = api.client("editor").post(_url(product), {}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["price"] == "24.00"
    assert data["price_needs_confirmation"] is False
    assert data["price_confirmed_at"]
    assert api.key_rows["editor"].prefix in data["price_confirmed_by"]


def test_setting_one_of_the_candidates_and_a_regular_price(api):
    product = _doubted(api)
    response = api.client().post(_url(product), {"price": "29.00", "regular_price": "39.00"}, format="json")
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert product.price == Decimal("29.00") and product.regular_price == Decimal("39.00")
    assert not product.price_unconfirmed


@pytest.mark.parametrize("body", [{"price": "-1"}, {"price": "abc"}, {"price": "20", "regular_price": "10"}])
def test_a_bad_price_is_refused(api, body):
    product = _doubted(api)
    response = api.client().post(_url(product), body, format="json")
    assert response.status_code == 400
    assert "error" in response.json()
    product.refresh_from_db()
    assert product.price_unconfirmed


def test_a_product_without_a_price_needs_one(api):
    product = api.home.product
    Product.objects.filter(id=product.id).update(price=None)
    response = api.client().post(_url(product), {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "price_missing"
