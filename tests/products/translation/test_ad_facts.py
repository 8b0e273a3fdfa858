"""The glue: the script stage of a job hands the builder the product's facts in the ad's
language, and the ad records what stayed in the page's words."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest

from generation import services as generation_services
from generation.models import Ad, RenderJob
from products.models import ProductImage
from tests.factories import ProductFactory
from tests.products.translation.llm_server import fake_llm

pytestmark = pytest.mark.django_db

DE = {
    "Active noise cancelling": "Aktive Geräuschunterdrückung",
    "Up to [[T1]] hours of battery life": "Bis zu [[T1]] Stunden Akkulaufzeit",
    "Memory-foam ear cushions": "Ohrpolster aus Memory-Schaum",
}


@pytest.fixture
def headphones(workspace):
    product = ProductFactory(
        workspace=workspace,
        title="Pulse ANC Wireless Over-Ear Headphones",
        brand="Pulse",
        language="en",
        price=Decimal("149.99"),
        currency="USD",
        vertical="electronics",
        features=[
            "Active noise cancelling",
            "Up to 40 hours of battery life",
            "Memory-foam ear cushions",
        ],
    )
    for i in range(2):
        ProductImage.objects.create(
            workspace=workspace,
            product=product,
            position=i,
            file=f"p/{i}.jpg",
            width=800,
            height=800,
        )
    return product


def _script_text(ad: Ad) -> str:
    return " ".join(f"{s['caption']} {s['voiceover']}" for s in ad.script["scenes"])


def _build(workspace, product, language):
    job = generation_services.job_create(
        workspace=workspace,
        product=product,
        options={"language": language, "length": 15, "template": "auto"},
    )
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
    with contextlib.suppress(Exception):  # a failing stage records its reason on the job
        generation_services.job_build_script(job_id=job.id)
    return RenderJob.objects.get(id=job.id)


def test_the_built_script_states_the_features_in_the_ads_language(workspace, headphones, settings):
    with fake_llm(
        answer=lambda t: json.dumps({"translations": {k: DE.get(v, v) for k, v in t.items()}})
    ) as server:
        settings.SHOPREEL_TRANSLATION, settings.SHOPREEL_LLM_BASE_URL = "llm", server.base_url
        settings.SHOPREEL_LLM_MODEL = "gpt-4o-mini"
        job = _build(workspace, headphones, "de")
    assert job.ad_id, job.error
    said = _script_text(job.ad)
    assert "Aktive Geräuschunterdrückung" in said and "Bis zu 40 Stunden Akkulaufzeit" in said
    for english in ("Active noise cancelling", "hours of battery life", "Memory-foam ear cushions"):
        assert english not in said
    assert job.ad.translation["backend"] == "llm:gpt-4o-mini"
    assert job.ad.translation["untranslated"] == [] and job.ad.translation["warning"] == ""


def test_a_backend_that_fails_leaves_the_page_words_and_the_warning_not_a_failed_job(
    workspace, headphones, settings
):
    with fake_llm(status=503) as server:
        settings.SHOPREEL_TRANSLATION, settings.SHOPREEL_LLM_BASE_URL = "llm", server.base_url
        settings.SHOPREEL_LLM_MODEL = "gpt-4o-mini"
        job = _build(workspace, headphones, "de")
    assert job.ad_id and job.state != RenderJob.State.FAILED
    assert "Active noise cancelling" in _script_text(
        job.ad
    )  # the page's words, with the warning below
    untranslated = job.ad.translation["untranslated"]
    assert {u["key"] for u in untranslated} == {"features.0", "features.1", "features.2"}
    assert "HTTP 503" in untranslated[0]["reason"]
    assert (
        "3 of the product's 4 facts are in the page's language (en), not de"
        in job.ad.translation["warning"]
    )


def test_translation_switched_on_but_not_configured_fails_the_job_in_plain_words(
    workspace, headphones, settings
):
    settings.SHOPREEL_TRANSLATION, settings.SHOPREEL_LLM_BASE_URL, settings.SHOPREEL_LLM_MODEL = (
        "llm",
        "",
        "",
    )
    job = _build(workspace, headphones, "ja")
    assert job.state == RenderJob.State.FAILED and job.error_code == "translation_not_configured"
    assert "SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL are not set" in job.error
