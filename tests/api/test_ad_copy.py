"""The ad detail says who wrote the copy (SHOPREEL_COPYWRITER) and why a model's was refused."""

from __future__ import annotations

import json

import pytest

from generation import services as generation_services
from generation.models import RenderJob
from tests.generation.copy_server import fake_copywriter

pytestmark = pytest.mark.django_db


def test_the_ad_detail_shows_who_wrote_the_copy_and_why_the_models_was_refused(api, settings):
    def inventive(request):
        return json.dumps({"scenes": [
            {"id": s["id"], "caption": "Waterproof and wireless", "voiceover": "Waterproof, rain or shine."}
            for s in request["scenes"]
        ]})

    with fake_copywriter(inventive) as server:
        settings.SHOPREEL_COPYWRITER, settings.SHOPREEL_LLM_BASE_URL = "llm", server.base_url
        settings.SHOPREEL_LLM_MODEL = "llama3.1:8b"
        job = generation_services.job_create(
            workspace=api.home.workspace, product=api.home.product, options={"length": 15}
        )
        RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
        generation_services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    body = api.client("viewer").get(f"/api/v1/ads/{job.ad_id}/").json()
    assert body["copy"]["source"] == "template" and body["copy"]["model"] == "llama3.1:8b"
    written = [s["id"] for s in body["script"]["scenes"] if s["shot_type"] != "cta"]
    assert {r["scene"] for r in body["copy"]["rejected"]} == set(written)
    assert {r["reason"] for r in body["copy"]["rejected"]} >= {
        "claims 'waterproof', which the product's facts do not state"
    }
    # The ad made without a model says so too.
    home = api.client("viewer").get(f"/api/v1/ads/{api.home.ad.id}/").json()
    assert home["copy"] == {"source": "template", "model": "", "angle": "", "rejected": []}
