"""``POST /api/v1/ads/{id}/render/`` checks the product's price again: an unconfirmed price the
scraper doubted is refused (400 ``price_unconfirmed``, no job) unless ``override_compliance``,
which is recorded on the ad with the key that decided."""

from __future__ import annotations

import pytest

from generation.models import RenderJob
from generation.services import job_build_script
from products.models import Product
from tests.api.test_behaviour import assert_error

pytestmark = pytest.mark.django_db

EVIDENCE = {"source": "visible text", "layer": "heuristics", "confidence": 0.55, "rejected": []}


def _doubt(api):
    Product.objects.filter(id=api.home.product.id).update(
        price_evidence=EVIDENCE, price_needs_confirmation=True
    )


def test_a_rerender_of_an_unconfirmed_price_is_refused(api):
    _doubt(api)
    response = api.client("owner").post(f"/api/v1/ads/{api.home.ad.id}/render/")
    assert_error(response, 400, "price_unconfirmed")
    assert "Confirm the price" in response.json()["error"]["message"]
    assert not RenderJob.objects.filter(ad=api.home.ad, state=RenderJob.State.QUEUED).exists()


def test_a_rerender_with_an_override_is_queued_and_recorded(api):
    _doubt(api)
    response = api.client("owner").post(
        f"/api/v1/ads/{api.home.ad.id}/render/", {"override_compliance": True}, format="json"
    )
    assert response.status_code == 202, response.content
    job = RenderJob.objects.get(id=response.json()["id"])
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
    job_build_script(job_id=job.id)
    api.home.ad.refresh_from_db()
    recorded = api.home.ad.compliance_override["price"]
    assert api.key_rows["owner"].prefix in recorded["by"] and recorded["job"] == str(job.id)


def test_a_confirmed_price_rerenders_without_a_body(api):
    response = api.client("owner").post(f"/api/v1/ads/{api.home.ad.id}/render/")
    assert response.status_code == 202
