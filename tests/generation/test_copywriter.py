"""The optional LLM copywriter (SHOPREEL_COPYWRITER=llm) against a real loopback server speaking
/v1/chat/completions: good copy is used within the template's scenes; copy that invents a
feature or a price, breaks the fit or the claims rules, malformed answers and timeouts keep
the template's copy with the reason on the ad; each variant asks for its own hook angle; and
with the default (template) nothing changes."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from generation import services as generation_services
from generation.models import RenderJob
from products.models import ProductImage
from templates_engine import builder, library
from tests.factories import ProductFactory
from tests.generation.copy_server import fake_copywriter

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "electronics-feature-showcase"

# What a good model writes for the headphones, scene by scene: facts only, within budget.
GOOD = {
    "hook": ("Your commute, minus the noise", "Your commute, minus the noise."),
    "spec_1": ("Active noise cancelling", "Press play. Hear nothing else."),
    "spec_2": ("Up to 40 hours of battery", "Up to 40 hours per charge."),
}


def answer(lines: dict[str, tuple[str, str]]):
    """A model that writes ``lines`` for the scenes it is asked about, in the asked order."""

    def write(request: dict) -> str:
        return json.dumps(
            {"scenes": [
                {"id": s["id"], "caption": lines[s["id"]][0], "voiceover": lines[s["id"]][1]}
                for s in request["scenes"]
            ]},
            ensure_ascii=False,
        )

    return write


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
        rating=Decimal("4.5"),
        review_count=312,
        description="Over-ear wireless headphones with active noise cancelling and memory-foam cushions.",
        features=[
            "Active noise cancelling",
            "Up to 40 hours of battery life",
            "Memory-foam ear cushions",
            "USB-C fast charging: 10 minutes for 5 hours",
        ],
    )
    for i in range(2):
        ProductImage.objects.create(
            workspace=workspace, product=product, position=i, file=f"p/{i}.jpg", width=800, height=800
        )
    return product


@pytest.fixture
def copywriter(settings):
    def configure(server, *, timeout=5):
        settings.SHOPREEL_COPYWRITER = "llm"
        settings.SHOPREEL_LLM_BASE_URL = server.base_url
        settings.SHOPREEL_LLM_MODEL = "qwen2.5-7b-instruct"
        settings.SHOPREEL_LLM_API_KEY = "sk-test"
        settings.SHOPREEL_LLM_TIMEOUT = timeout

    return configure


def _build(workspace, product, **options):
    job = generation_services.job_create(
        workspace=workspace,
        product=product,
        options={"language": "en", "length": 15, "template": TEMPLATE, **options},
    )
    RenderJob.objects.filter(id=job.id).update(stage=RenderJob.Stage.SCRIPT)
    with contextlib.suppress(Exception):  # a failing stage records its reason on the job
        generation_services.job_build_script(job_id=job.id)
    return RenderJob.objects.get(id=job.id)


def _template_script(product, variant=0) -> dict:
    """What the builder writes for the ad, with no model involved."""
    return builder.build_script(
        product=product.as_script_input(), template=library.get_template(TEMPLATE), language="en",
        length=15, why="chosen by the user", variant=variant,
    ).model_dump(mode="json")


def _lines(script: dict) -> dict[str, tuple[str, str]]:
    return {s["id"]: (s["caption"], s["voiceover"]) for s in script["scenes"]}


def test_good_copy_is_used_within_the_templates_scenes(workspace, headphones, copywriter):
    with fake_copywriter(answer(GOOD)) as server:
        copywriter(server)
        job = _build(workspace, headphones)
    ad = job.ad
    assert ad is not None and job.state != RenderJob.State.FAILED, job.error
    assert ad.copy == {"source": "llm", "model": "qwen2.5-7b-instruct", "angle": "benefit", "rejected": []}
    lines = _lines(ad.script)
    for scene_id, line in GOOD.items():
        assert lines[scene_id] == line
    # Same scenes, roles, durations, photos; the end card keeps the merchant's call to action.
    template = _template_script(headphones)
    shape = ("id", "shot_type", "duration", "image_index", "camera_move", "badge")
    assert [[s[k] for k in shape] for s in ad.script["scenes"]] == [[s[k] for k in shape] for s in template["scenes"]]
    assert lines["cta"] == _lines(template)["cta"] == ("Shop now", "Yours for $149.99. Shop now.")
    assert ad.shots.count() == len(template["scenes"]) and ad.compliance == []
    # The request: the real chat-completions shape, the facts only, each scene's budget.
    body = server.requests[0]
    assert body["model"] == "qwen2.5-7b-instruct" and body["response_format"] == {"type": "json_object"}
    asked = server.asked()
    assert asked["hook_angle"] == "benefit" and asked["language"] == "English (en)"
    assert asked["facts"]["price"] == "$149.99" and asked["facts"]["review_count"] == "312"
    assert asked["facts"]["features"][1] == "Up to 40 hours of battery life"
    assert "source_url" not in json.dumps(asked) and "shop.example.com" not in json.dumps(asked)
    assert [s["id"] for s in asked["scenes"]] == ["hook", "spec_1", "spec_2"]  # not the end card
    assert all(s["voiceover_max_words"] >= 5 and s["caption_max_chars"] > 20 for s in asked["scenes"])


@pytest.mark.parametrize(
    ("scene", "line", "reason"),
    [
        ("spec_1", ("Waterproof and wireless", "Waterproof, rain or shine."), "claims 'waterproof'"),
        ("spec_2", ("Free shipping today", "Free shipping on every order."), "claims 'free shipping'"),
        ("hook", ("Now only $99", "Now only $99. Quiet at last."), "states a price written as '$99'"),
        ("spec_2", ("Up to 60 hours of battery", "Up to 60 hours per charge."), "the number '60'"),
        ("hook", ("Save 30% today", "Save 30% on calm."), "'30%', a percentage the page does not state"),
        ("hook", ("The best headphones", "The best headphones you'll own."), "absolute_claim"),
        ("spec_1", ("Active noise cancelling", "Press play and hear nothing else around you on your commute."),
         "to say and the scene leaves"),
    ],
    ids=["feature", "shipping", "price", "number", "percentage", "claim", "too-long"],
)
def test_copy_with_a_fact_the_page_lacks_keeps_the_template_copy_and_says_why(
    workspace, headphones, copywriter, scene, line, reason
):
    with fake_copywriter(answer({**GOOD, scene: line})) as server:
        copywriter(server)
        job = _build(workspace, headphones)
    ad = job.ad
    assert ad is not None and job.state != RenderJob.State.FAILED, job.error
    assert _lines(ad.script) == _lines(_template_script(headphones))
    assert ad.copy["source"] == "template" and ad.copy["model"] == "qwen2.5-7b-instruct"
    assert any(r["scene"] == scene and reason in r["reason"] for r in ad.copy["rejected"]), ad.copy
    assert any("The model's copy was not used" in note for note in ad.script["notes"])


def test_a_malformed_answer_keeps_the_template_copy(workspace, headphones, copywriter):
    def chatty(request):
        return 'Sure! Here is your copy:\n{"scenes": [{"id": "hook", "caption": "Your commute, minus'

    with fake_copywriter(chatty) as server:
        copywriter(server)
        job = _build(workspace, headphones)
    assert job.ad is not None and job.state != RenderJob.State.FAILED, job.error
    assert _lines(job.ad.script) == _lines(_template_script(headphones))
    assert job.ad.copy["rejected"] == [{"scene": "", "field": "", "reason": "the model's answer is not valid JSON"}]


def test_an_answer_for_other_scenes_keeps_the_template_copy(workspace, headphones, copywriter):
    def reordered(request):
        return json.dumps({"scenes": [{"id": "intro", "caption": "Hi", "voiceover": "Hi."}]})

    with fake_copywriter(reordered) as server:
        copywriter(server)
        job = _build(workspace, headphones)
    assert job.ad.copy["source"] == "template"
    assert "the model answered scenes ['intro'] for scenes ['hook', 'spec_1', 'spec_2']" in job.ad.copy["rejected"][0]["reason"]


def test_a_model_that_does_not_answer_in_time_keeps_the_template_copy(workspace, headphones, copywriter):
    with fake_copywriter(answer(GOOD), delay=3) as server:
        copywriter(server, timeout=1)
        job = _build(workspace, headphones)
    assert job.ad is not None and job.state != RenderJob.State.FAILED, job.error
    assert _lines(job.ad.script) == _lines(_template_script(headphones))
    assert job.ad.copy["source"] == "template"
    assert "did not answer within 1 s" in job.ad.copy["rejected"][0]["reason"]


def test_an_http_error_keeps_the_template_copy(workspace, headphones, copywriter):
    with fake_copywriter(answer(GOOD), status=503) as server:
        copywriter(server)
        job = _build(workspace, headphones)
    assert job.ad.copy["source"] == "template" and "HTTP 503" in job.ad.copy["rejected"][0]["reason"]


def test_each_variant_asks_for_its_own_hook_angle(workspace, headphones, copywriter):
    hooks = {
        "benefit": ("Your commute, minus the noise", "Your commute, minus the noise."),
        "problem": ("Noisy commute?", "Tired of a noisy commute?"),
        "social_proof": ("Worth it? 4.5/5 from 312 reviews", "Worth it? Buyers say yes."),
        "offer": ("Yours for $149.99", "Yours for $149.99."),
    }

    def by_angle(request):
        return answer({**GOOD, "hook": hooks[request["hook_angle"]]})(request)

    with fake_copywriter(by_angle) as server:
        copywriter(server)
        ads = [_build(workspace, headphones, variant=k).ad for k in range(4)]
        asked = [server.asked(k)["hook_angle"] for k in range(4)]
    assert asked == ["benefit", "problem", "social_proof", "offer"]
    assert [ad.copy["angle"] for ad in ads] == asked
    assert all(ad.copy["source"] == "llm" for ad in ads), [ad.copy for ad in ads]
    assert [ad.script["scenes"][0]["caption"] for ad in ads] == [hooks[a][0] for a in asked]
    # The offer hook states the price: the end card does not say it again.
    assert _lines(ads[3].script)["cta"][1] == "Shop now."


def test_by_default_the_template_writes_the_copy_and_no_model_is_asked(workspace, headphones, settings):
    with fake_copywriter(answer(GOOD)) as server:
        settings.SHOPREEL_LLM_BASE_URL, settings.SHOPREEL_LLM_MODEL = server.base_url, "qwen2.5-7b-instruct"
        assert settings.SHOPREEL_COPYWRITER == "template"
        job = _build(workspace, headphones)
    assert server.requests == []
    assert job.ad.script == _template_script(headphones)
    assert job.ad.copy == {"source": "template", "model": "", "angle": "", "rejected": []}


def test_switched_on_without_an_endpoint_fails_the_job_in_plain_words(workspace, headphones, settings):
    settings.SHOPREEL_COPYWRITER, settings.SHOPREEL_LLM_BASE_URL, settings.SHOPREEL_LLM_MODEL = "llm", "", ""
    job = _build(workspace, headphones)
    assert job.state == RenderJob.State.FAILED and job.error_code == "copywriter_not_configured"
    assert "SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL are not set" in job.error


def test_switched_on_without_an_endpoint_stops_start_up():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPREEL_LLM", "SHOPREEL_COPYWRITER"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", "SHOPREEL_COPYWRITER": "llm"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SHOPREEL_COPYWRITER=llm needs SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL" in result.stderr
