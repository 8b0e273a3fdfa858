"""GET/PUT /api/v1/products/{id}/translations/{language}/: a product's facts in an ad language,
and the merchant's edits; the ad built afterwards says them and records what stayed untranslated."""

from __future__ import annotations

import pytest

from generation import services as generation_services
from generation.representations import AdOutputSerializer
from products.models import ProductTranslation

pytestmark = pytest.mark.django_db


def _url(product, language="ja"):
    return f"/api/v1/products/{product.id}/translations/{language}/"


def test_get_lists_each_fact_with_its_origin_and_warning(api):
    product = api.home.product
    response = api.client("viewer").get(_url(product))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["language"] == "ja" and body["source_language"] == "en" and body["backend"] == "none"
    )
    facts = {f["key"]: f for f in body["facts"]}
    assert set(facts) == {"title", "features.0", "features.1"}
    assert facts["features.0"] == {
        **facts["features.0"],
        "source": "Organic cotton, 180 gsm",
        "text": "Organic cotton, 180 gsm",
        "origin": "source",
        "translated": False,
    }
    assert "translation is off" in facts["features.0"]["warning"]
    assert "2 of the product's 3 facts are in the page's language (en), not ja" in body["warning"]


def test_a_regional_tag_reads_the_ads_language(api):
    body = api.client("viewer").get(_url(api.home.product, "ja-JP")).json()
    assert body["language"] == "ja"


def test_put_saves_the_merchants_words_and_the_next_ad_says_them(api):
    product = api.home.product
    response = api.client("editor").put(
        _url(product),
        {
            "facts": {
                "features.0": "オーガニックコットン、180 gsm",
                "features.1": "ゆったりシルエット",
            }
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    facts = {f["key"]: f for f in response.json()["facts"]}
    assert (
        facts["features.0"]["origin"] == "merchant"
        and facts["features.0"]["text"] == "オーガニックコットン、180 gsm"
    )
    assert (
        facts["features.0"]["edited_by"]
        == "api key editor's key (" + api.key_rows["editor"].prefix + ")"
    )
    assert response.json()["warning"] == ""

    ad = generation_services.ad_create(
        workspace=api.home.workspace,
        product=product,
        options={"template": "apparel-lookbook", "length": 15, "language": "ja"},
    )
    said = " ".join(f"{s['caption']} {s['voiceover']}" for s in ad.script["scenes"])
    assert "ゆったりシルエット" in said or "オーガニックコットン、180 gsm" in said
    assert "Relaxed fit" not in said and "Organic cotton" not in said
    assert (
        ad.translation["edited"] == ["features.0", "features.1"] and ad.translation["warning"] == ""
    )
    assert AdOutputSerializer(ad).data["translation"]["untranslated"] == []


def test_without_translations_the_ad_keeps_the_page_words_and_carries_the_warning(api):
    product = api.home.product
    ad = generation_services.ad_create(
        workspace=api.home.workspace,
        product=product,
        options={"template": "apparel-lookbook", "length": 15, "language": "ja"},
    )
    shown = api.client("viewer").get(f"/api/v1/ads/{ad.id}/").json()["translation"]
    assert shown["language"] == "ja" and shown["backend"] == "none"
    assert [u["key"] for u in shown["untranslated"]] == ["features.0", "features.1"]
    assert "translation is off" in shown["untranslated"][0]["reason"]
    assert f"PUT /api/v1/products/{product.id}/translations/ja/" in shown["warning"]


def test_an_english_ad_of_an_english_page_has_nothing_to_warn_about(api):
    ad = api.home.ad  # made in English by the fixture
    assert ad.translation["warning"] == "" and ad.translation["untranslated"] == []


def test_put_refuses_a_changed_figure_with_the_key_in_detail(api):
    response = api.client("editor").put(
        _url(api.home.product),
        {"facts": {"features.0": "オーガニックコットン、200 gsm"}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "'180 gsm' is missing" in error["detail"]["features.0"][0]
    assert not ProductTranslation.objects.filter(product=api.home.product).exists()


def test_put_refuses_an_unknown_language(api):
    response = api.client("editor").put(
        _url(api.home.product, "tlh"), {"facts": {"features.0": "x"}}, format="json"
    )
    assert (
        response.status_code == 400 and response.json()["error"]["code"] == "unsupported_language"
    )


def test_the_viewer_cannot_write_and_the_outsider_sees_nothing(api):
    product = api.home.product
    assert (
        api.client("viewer")
        .put(_url(product), {"facts": {"features.1": "ゆったり"}}, format="json")
        .status_code
        == 403
    )
    assert api.client("outsider").get(_url(product)).status_code == 404
    assert (
        api.client("outsider")
        .put(_url(product), {"facts": {"features.1": "ゆったり"}}, format="json")
        .status_code
        == 404
    )
    assert not ProductTranslation.objects.filter(product=product).exists()
    # The agency reaches its client's product; the sister client's key path does not reach home's.
    assert api.client("agency").get(_url(product)).status_code == 200
    assert (
        api.client("agency", workspace=api.sister.workspace.slug).get(_url(product)).status_code
        == 404
    )


def test_translate_now_fills_the_cache_for_review_and_an_edit_still_wins(api, settings):
    import json

    from tests.products.translation.llm_server import fake_llm

    product = api.home.product
    answer = {
        "Organic cotton, [[T1]]": "オーガニックコットン、[[T1]]",
        "Relaxed fit": "ゆったりフィット",
    }
    with fake_llm(
        answer=lambda t: json.dumps({"translations": {k: answer[v] for k, v in t.items()}})
    ) as server:
        settings.SHOPREEL_TRANSLATION, settings.SHOPREEL_LLM_BASE_URL = "llm", server.base_url
        settings.SHOPREEL_LLM_MODEL = "llama3.1:8b"
        assert api.client("viewer").post(_url(product) + "translate/").status_code == 403
        response = api.client("editor").post(_url(product) + "translate/")
    assert response.status_code == 200, response.content
    body = response.json()
    facts = {f["key"]: f for f in body["facts"]}
    assert body["backend"] == "llm:llama3.1:8b" and body["warning"] == ""
    assert (
        facts["features.0"]["text"] == "オーガニックコットン、180 gsm"
        and facts["features.0"]["origin"] == "machine"
    )
    edited = api.client("editor").put(
        _url(product), {"facts": {"features.1": "ゆったりシルエット"}}, format="json"
    )
    facts = {f["key"]: f for f in edited.json()["facts"]}
    assert (
        facts["features.1"]["text"] == "ゆったりシルエット"
        and facts["features.1"]["machine_text"] == "ゆったりフィット"
    )


def test_translate_now_with_the_backend_misconfigured_says_so(api, settings):
    settings.SHOPREEL_TRANSLATION, settings.SHOPREEL_LLM_BASE_URL, settings.SHOPREEL_LLM_MODEL = (
        "llm",
        "",
        "",
    )
    response = api.client("editor").post(_url(api.home.product) + "translate/")
    assert (
        response.status_code == 400
        and response.json()["error"]["code"] == "translation_not_configured"
    )
