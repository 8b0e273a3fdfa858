"""A re-render checks the product's price again, like the first render: a price the scraper
doubted and nobody confirmed (read again since the ad was made, say) is refused with
``price_unconfirmed`` unless the re-render overrides, and the override is recorded on the ad."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import ApplicationError
from generation import services
from generation.models import RenderJob
from products.models import Product
from products.services import product_price_confirm
from tests.generation.test_price_confirmation import _job_at_script_stage, _product

pytestmark = pytest.mark.django_db


@pytest.fixture
def made_ad(workspace, queued_pipelines):
    """An ad made with a confirmed price, whose product's price is then read again and doubted."""
    product = _product(workspace)
    product_price_confirm(product=product, by="lin@shop.example")
    job = _job_at_script_stage(workspace, product)
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    RenderJob.objects.filter(id=job.id).update(
        state=RenderJob.State.SUCCEEDED, stage=RenderJob.Stage.DONE
    )
    Product.objects.filter(id=product.id).update(
        price=Decimal("19.00"), price_confirmed_at=None, price_confirmed_by=""
    )
    job.ad.product.refresh_from_db()
    return job.ad


def test_a_rerender_of_an_unconfirmed_price_is_refused_at_once(made_ad):
    with pytest.raises(ApplicationError) as caught:
        services.ad_render_start(ad=made_ad)
    assert caught.value.code == "price_unconfirmed" and "19.00 USD" in caught.value.message
    assert RenderJob.objects.filter(ad=made_ad).count() == 1  # no new job


def test_a_rerender_with_an_override_records_it_on_the_ad(made_ad):
    job = services.ad_render_start(ad=made_ad, override_price="lin@shop.example")
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    made_ad.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS and not job.error_code
    recorded = made_ad.compliance_override["price"]
    assert (
        recorded["by"] == "lin@shop.example"
        and recorded["job"] == str(job.id)
        and recorded["price"] == "19.00"
    )


def test_a_price_doubted_after_the_rerender_was_queued_fails_its_job(made_ad):
    """The render stage checks again: a price read again (and doubted) while the job waited."""
    Product.objects.filter(id=made_ad.product_id).update(price_confirmed_at="2026-01-01T00:00:00Z")
    made_ad.product.refresh_from_db()
    job = services.ad_render_start(ad=made_ad)
    Product.objects.filter(id=made_ad.product_id).update(price_confirmed_at=None)
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
    with pytest.raises(ApplicationError):
        services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.state == RenderJob.State.FAILED and job.error_code == "price_unconfirmed"
    assert "Confirm the price" in job.error


def test_a_confirmed_price_rerenders(made_ad):
    product_price_confirm(product=made_ad.product, by="lin@shop.example")
    job = services.ad_render_start(ad=made_ad)
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS
