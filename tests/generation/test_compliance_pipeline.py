"""Honest claims in the pipeline: a blocking claim stops the job before any shot or render,
an override lets it through and is recorded, and an edited script is checked again."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from generation import services
from generation.models import Ad, RenderJob, Shot
from generation.options import JobOptions
from products.models import ProductImage
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

# The page itself says "best": the builder copies features from the page, so the ad would too.
BOASTFUL_FEATURES = ["The best organic cotton tee in town", "Relaxed fit with dropped shoulders"]


def _product(workspace, *, features=None, images=3, **fields):
    product = ProductFactory(
        workspace=workspace, title="Northwind Aurora Tee", brand="Northwind", price=Decimal("24.00"),
        currency="USD", vertical="apparel", features=features or ["Organic cotton, 180 gsm", "Relaxed fit"],
        **fields,
    )
    for i in range(images):
        ProductImage.objects.create(
            workspace=workspace, product=product, position=i, file=f"p/{i}.jpg", width=800, height=800
        )
    return product


def _job_at_script_stage(workspace, product, **options) -> RenderJob:
    job = services.job_create(workspace=workspace, url="https://shop.example.com/p/1",
                              options={"template": "apparel-lookbook", "length": 15, **options})
    RenderJob.objects.filter(id=job.id).update(product=product, stage=RenderJob.Stage.SCRIPT)
    return job


def test_a_best_claim_in_a_cn_market_ad_stops_the_job_with_a_plain_message(workspace):
    product = _product(workspace, features=BOASTFUL_FEATURES)
    job = _job_at_script_stage(workspace, product, market="CN")

    with pytest.raises(services.ApplicationError):
        services.job_build_script(job_id=job.id)
    services.job_generate_shots(job_id=job.id)
    services.job_render(job_id=job.id)

    job.refresh_from_db()
    assert job.state == RenderJob.State.FAILED
    assert job.error_code == "compliance_blocked"
    assert "CN market" in job.error and "'best'" in job.error and "Traceback" not in job.error
    assert not job.outputs.exists()
    ad = job.ad  # stored with its findings so the merchant can edit it
    assert ad.market == "CN"
    assert not Shot.objects.filter(ad=ad).exists()
    assert any(f["rule"] == "absolute_claim" and f["text"] == "best" and f["severity"] == "block" for f in ad.compliance)
    assert ad.compliance_override == {}


def test_the_same_claim_is_only_a_warning_in_the_us_market(workspace):
    product = _product(workspace, features=BOASTFUL_FEATURES)
    job = _job_at_script_stage(workspace, product, market="US")
    services.job_build_script(job_id=job.id)
    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS and job.state == RenderJob.State.RUNNING
    assert {f["severity"] for f in job.ad.compliance if f["text"] == "best"} == {"warn"}
    assert job.ad.shots.count() == len(job.ad.script["scenes"])


def test_an_override_lets_the_claim_through_and_is_recorded(workspace):
    product = _product(workspace, features=BOASTFUL_FEATURES)
    job = _job_at_script_stage(workspace, product, market="CN", override_compliance="lin@shop.example")
    services.job_build_script(job_id=job.id)

    job.refresh_from_db()
    assert job.stage == RenderJob.Stage.SHOTS and not job.error_code
    override = job.ad.compliance_override
    assert override["by"] == "lin@shop.example" and override["job"] == str(job.id) and override["at"]
    assert {f["text"] for f in override["findings"]} == {"best"}
    assert job.ad.compliance_unresolved() == []
    assert job.ad.shots.count() == len(job.ad.script["scenes"])


def test_options_name_a_known_market():
    with pytest.raises(InvalidInput, match="market"):
        JobOptions.from_input({"market": "MARS"})
    assert JobOptions.from_input({}).market == "US"
    assert JobOptions.from_input({"market": "eu"}).market == "EU"


# --- editing ------------------------------------------------------------------------------------


def _ad(workspace, *, market="US") -> Ad:
    product = _product(workspace)
    return services.ad_create(
        workspace=workspace, product=product,
        options=JobOptions(template="apparel-lookbook", length=15, market=market),
    )


def test_an_edited_caption_with_number_one_is_flagged(workspace):
    ad = _ad(workspace, market="US")
    script = copy.deepcopy(ad.script)
    script["scenes"][1]["caption"] = "The #1 tee"
    ad = services.ad_script_update(ad=ad, script=script)
    flagged = [f for f in ad.compliance if f["rule"] == "absolute_claim"]
    assert flagged and flagged[0]["path"] == "scenes.1.caption" and flagged[0]["text"] == "#1"
    assert (flagged[0]["start"], flagged[0]["end"]) == (4, 6)
    assert ad.script["scenes"][1]["caption"] == "The #1 tee"


def test_a_blocking_edit_in_cn_is_a_field_error_until_overridden(workspace):
    ad = _ad(workspace, market="CN")
    script = copy.deepcopy(ad.script)
    script["scenes"][1]["caption"] = "The #1 tee"
    with pytest.raises(InvalidInput) as caught:
        services.ad_script_update(ad=ad, script=script)
    assert "scenes.1.caption" in caught.value.detail
    ad = services.ad_script_update(ad=ad, script=script, override_compliance="lin")
    assert ad.compliance_override["by"] == "lin"
    assert ad.script["scenes"][1]["caption"] == "The #1 tee"


def test_a_bad_edit_returns_field_errors_and_changes_nothing(workspace):
    ad = _ad(workspace)
    before = copy.deepcopy(ad.script)
    shots_before = list(ad.shots.values_list("scene_id", "index"))
    script = copy.deepcopy(ad.script)
    script["scenes"][0]["image_index"] = 7  # the product has 3 photos
    script["scenes"][2]["caption"] = "A caption far too long to ever fit on a phone screen in two lines of text, really, not even close"
    script["scenes"][1]["voiceover"] = "Quoted price $9."  # not the page's price
    with pytest.raises(InvalidInput) as caught:
        services.ad_script_update(ad=ad, script=script)
    detail = caught.value.detail
    assert set(detail) >= {"scenes.0.image_index", "scenes.2.caption", "scenes.1.voiceover"}
    assert "price" in " ".join(detail["scenes.1.voiceover"])
    ad.refresh_from_db()
    assert ad.script == before
    assert list(ad.shots.values_list("scene_id", "index")) == shots_before


def test_a_schema_error_names_the_field(workspace):
    ad = _ad(workspace)
    script = copy.deepcopy(ad.script)
    script["scenes"][0]["duration"] += 1  # durations no longer sum to the length
    script["scenes"][1]["shot_type"] = "fireworks"
    with pytest.raises(InvalidInput) as caught:
        services.ad_script_update(ad=ad, script=script)
    assert "scenes.1.shot_type" in caught.value.detail


def test_reordering_scenes_keeps_one_shot_per_scene_in_the_new_order(workspace):
    ad = _ad(workspace)
    script = copy.deepcopy(ad.script)
    script["scenes"][1], script["scenes"][2] = script["scenes"][2], script["scenes"][1]
    ad = services.ad_script_update(ad=ad, script=script)
    assert list(ad.shots.order_by("index").values_list("scene_id", flat=True)) == [s["id"] for s in script["scenes"]]


def test_platform_tone_and_cta_options_reach_the_script(workspace):
    product = _product(workspace)
    options = JobOptions.from_input({"template": "generic-feature-showcase", "length": 30, "platform": "TikTok",
                                     "tone": "energetic", "cta": "Get yours"})
    ad = services.ad_create(workspace=workspace, product=product, options=options)
    script = ad.script
    assert (script["platform"], script["tone"], script["cta"]) == ("tiktok", "energetic", "Get yours")
    assert {s["transition"] for s in script["scenes"]} == {"cut"}
    assert script["scenes"][-1]["caption"] == "Get yours"
    with pytest.raises(InvalidInput, match="platform"):
        JobOptions.from_input({"platform": "myspace"})
    with pytest.raises(InvalidInput, match="tone"):
        JobOptions.from_input({"tone": "sarcastic"})


def test_an_edit_of_the_words_is_recorded_on_the_copy_record(workspace):
    """Who wrote the ad's words: after the merchant rewrites a caption, ``copy.edited`` names
    that scene, and ``source`` still says who wrote the rest. An edit that only retimes the
    scenes records nothing."""
    ad = _ad(workspace)
    ad.copy = {"source": "llm", "model": "m", "angle": "benefit", "rejected": []}
    ad.save(update_fields=["copy"])
    script = copy.deepcopy(ad.script)
    script["scenes"][0]["duration"], script["scenes"][1]["duration"] = (
        script["scenes"][0]["duration"] + 0.5, script["scenes"][1]["duration"] - 0.5,
    )
    ad = services.ad_script_update(ad=ad, script=script)
    assert "edited" not in ad.copy
    script["scenes"][1]["caption"] = "Soft all day"
    ad = services.ad_script_update(ad=ad, script=script)
    ad.refresh_from_db()
    assert ad.copy["edited"] == [script["scenes"][1]["id"]]
    assert ad.copy["source"] == "llm" and ad.copy["model"] == "m"
