"""A price the scraper doubted (markup and page disagree, close candidates, low confidence) is
not put in an ad until the merchant confirms it: the script stage refuses it with
``price_unconfirmed`` and plain words, unless the job overrides, and the override is recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generation import services
from generation.models import RenderJob, Shot
from products.models import ProductImage
from products.services import product_price_confirm
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

EVIDENCE = {"source": "visible text", "layer": "heuristics", "confidence": 0.55,
            "rejected": [{"amount": "29.00", "text": "", "why": "the markup's price, not shown on the page as the price"}]}


def _product(workspace, **fields):
    product = ProductFactory(
        workspace=workspace, title="Northwind Aurora Tee", brand="Northwind", price=Decimal("24.00"),
        currency="USD", vertical="apparel", features=["Organic cotton, 180 gsm", "Relaxed fit"],
        price_evidence=EVIDENCE, price_needs_confirmation=True, **fields,
    )
    for i in range(3):
        ProductImage.objects.create(
            workspace=workspace, product=product, position=i, file=f"p/{i}.jpg", width=800, height=800
        )
    return product


def _job_at_script_stage(workspace, product, **options) -> RenderJob:
    job = services.job_create(workspace=workspace, url="https://shop.example.com/p/1",
                              options={"template": "apparel-lookbook", "length": 15, **options})
    RenderJob.objects.filter(id=job.id).update(product=product, stage=RenderJob.Stage.SCRIPT)
    return job


def test_an_unconfirmed_doubtful_price_stops_the_job_in_plain_words(workspace):
    job = _job_at_script_stage(workspace, _product(workspace))
    with pytest.raises(services.ApplicationError):
        services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.state == RenderJob.State.FAILED
    assert job.error_code == "price_unconfirmed"
    assert "Confirm the price" in job.error and "24.00 USD" in job.error and "Traceback" not in job.error
    assert job.ad is None and not Shot.objects.exists()


def test_a_confirmed_price_renders(workspace):
    product = _product(workspace)
    product_price_confirm(product=product, by="lin@shop.example", price=Decimal("29.00"))
    job = _job_at_script_stage(workspace, product)
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS and not job.error_code
    assert "price" not in job.ad.compliance_override
    product.refresh_from_db()
    assert product.price == Decimal("29.00") and product.price_confirmed_by == "lin@shop.example"


def test_an_override_lets_the_price_through_and_is_recorded(workspace):
    job = _job_at_script_stage(workspace, _product(workspace), override_compliance="lin@shop.example")
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS and not job.error_code
    recorded = job.ad.compliance_override["price"]
    assert recorded["by"] == "lin@shop.example" and recorded["job"] == str(job.id) and recorded["at"]
    assert recorded["price"] == "24.00" and recorded["confidence"] == 0.55
    assert job.ad.compliance_unresolved() == []


def test_a_confident_price_needs_no_confirmation(workspace):
    product = _product(workspace)
    product.price_needs_confirmation = False
    product.save()
    job = _job_at_script_stage(workspace, product)
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS


def test_a_price_completed_by_hand_counts_as_confirmed(workspace):
    from products.services import product_complete

    product = product_complete(product=_product(workspace), price="26.00")
    assert product.price_confirmed_by == "entered by hand" and not product.price_unconfirmed
