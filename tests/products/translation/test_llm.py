"""The ``llm`` backend against a real loopback server speaking /v1/chat/completions: good
answers are used; answers that invent or change a figure, hostile or malformed ones, errors
and timeouts leave the page's words with the reason recorded."""

from __future__ import annotations

import json

import pytest

from core.llm import LlmEndpoint
from products.models import ProductTranslation
from products.selectors import product_facts_state
from products.services.translations import product_facts_localize, product_translations_ensure
from products.translation import engine
from products.translation.errors import TranslationNotConfigured
from products.translation.llm import LlmTranslator
from tests.factories import ProductFactory
from tests.products.translation.llm_server import fake_llm, translate_ja

pytestmark = pytest.mark.django_db

FEATURES = ["100% certified organic cotton, 180 gsm", "Relaxed fit with dropped shoulders"]


@pytest.fixture
def tee(workspace):
    return ProductFactory(
        workspace=workspace,
        title="Aurora Organic Cotton Tee",
        brand="Northwind",
        language="en",
        features=list(FEATURES),
        price="24.00",
        currency="USD",
        variants=[{"name": "Aurora Tee White", "options": {"Colour": "White", "size": "M"}}],
    )


@pytest.fixture
def llm_settings(settings):
    def configure(server, *, key="sk-test", timeout=5):
        settings.SHOPREEL_TRANSLATION = "llm"
        settings.SHOPREEL_LLM_BASE_URL = server.base_url
        settings.SHOPREEL_LLM_MODEL = "qwen2.5-7b-instruct"
        settings.SHOPREEL_LLM_API_KEY = key
        settings.SHOPREEL_LLM_TIMEOUT = timeout

    return configure


def _rows(product, language="ja"):
    return {r.key: r for r in ProductTranslation.objects.filter(product=product, language=language)}


def test_good_answers_translate_the_facts_and_keep_figures(tee, llm_settings):
    with fake_llm() as server:
        llm_settings(server)
        product_data, state = product_facts_localize(product=tee, language="ja")
    assert product_data["features"] == [
        "100% 認証オーガニックコットン, 180 gsm",
        "ドロップショルダーのゆったりシルエット",
    ]
    assert product_data["variants"][0]["options"] == {"Colour": "ホワイト", "size": "M"}
    assert product_data["title"] == "Aurora Organic Cotton Tee"  # names are not machine-translated
    assert state.untranslated == []
    # The request is the real chat-completions shape, with figures masked.
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "qwen2.5-7b-instruct"
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    sent = json.loads(body["messages"][1]["content"])
    assert sent["target_language"] == "Japanese" and sent["source_language"] == "English"
    assert "[[T1]] certified organic cotton, [[T2]]" in sent["texts"].values()
    assert (
        "size" not in json.dumps(sent) and "M" not in sent["texts"].values()
    )  # "M" has nothing to translate


def test_a_cached_translation_is_not_asked_again_and_a_changed_source_is(tee, llm_settings):
    with fake_llm() as server:
        llm_settings(server)
        product_translations_ensure(product=tee, language="ja")
        asked_first = sum(
            len(json.loads(r["body"]["messages"][1]["content"])["texts"]) for r in server.requests
        )
        product_translations_ensure(product=tee, language="ja")
        assert len(server.requests) == 1  # a hit: nothing sent
        tee.features = [FEATURES[0], "Relaxed fit with dropped shoulders, now longer"]
        tee.save()
        product_translations_ensure(product=tee, language="ja")
    assert asked_first == 4  # two features, the variant's name and its colour
    assert len(server.requests) == 2
    resent = json.loads(server.requests[1]["body"]["messages"][1]["content"])["texts"]
    assert list(resent.values()) == ["Relaxed fit with dropped shoulders, now longer"]
    assert _rows(tee)["features.1"].source == "Relaxed fit with dropped shoulders, now longer"


def test_another_language_is_its_own_cache_entry(tee, llm_settings):
    with fake_llm() as server:
        llm_settings(server)
        product_translations_ensure(product=tee, language="ja")
        product_translations_ensure(product=tee, language="de")
    assert len(server.requests) == 2
    assert set(_rows(tee, "de")) == set(_rows(tee, "ja"))


@pytest.mark.parametrize(
    "answer, reason",
    [
        # The model turns the placeholder for "180 gsm" into its own figure.
        (lambda t: {k: v.replace("[[T2]]", "200 gsm") for k, v in t.items()}, "lost '180 gsm'"),
        # It invents a price.
        (lambda t: {k: translate_ja(v) + " 今なら$19" for k, v in t.items()}, "'$19' was added"),
        # It adds a model name / acronym the page never wrote.
        (
            lambda t: {k: translate_ja(v) + " by Nordwind ANC" for k, v in t.items()},
            "'ANC' was added",
        ),
        # Markup, a link.
        (lambda t: {k: v + "<script>x()</script>" for k, v in t.items()}, "markup"),
        (lambda t: {k: v + " https://evil.example.com" for k, v in t.items()}, "a link"),
        (lambda t: {k: "" for k in t}, "empty"),
        (lambda t: {k: "あ" * 900 for k in t}, "characters long"),
    ],
)
def test_a_refused_translation_keeps_the_source_with_the_reason(tee, llm_settings, answer, reason):
    with fake_llm(
        answer=lambda texts: json.dumps({"translations": answer(texts)}, ensure_ascii=False)
    ) as server:
        llm_settings(server)
        product_data, state = product_facts_localize(product=tee, language="ja")
    assert product_data["features"][0] == FEATURES[0]
    fact = next(f for f in state.facts if f.key == "features.0")
    assert not fact.translated and fact.origin == "source"
    assert reason in fact.warning
    assert _rows(tee)["features.0"].status == ProductTranslation.Status.REFUSED
    # A refused answer from the same backend is not asked for again.
    with fake_llm() as again:
        llm_settings(again)
        product_translations_ensure(product=tee, language="ja")
    assert again.requests == []


@pytest.mark.parametrize(
    "server_kwargs, reason",
    [
        ({"answer": lambda t: '{"translations": {"1": "ok", '}, "not valid JSON"),
        ({"answer": lambda t: '["a list"]'}, "not an object"),
        ({"answer": lambda t: json.dumps({"text": "hi"})}, 'no "translations"'),
        ({"answer": lambda t: json.dumps({"translations": {"1": "ein"}})}, "answered texts"),
        ({"answer": lambda t: json.dumps({"translations": {k: 5 for k in t}})}, "other than text"),
        ({"finish_reason": "length"}, "cut off"),
        ({"status": 500}, "busy or failing (HTTP 500)"),
        ({"status": 401}, "refused the API key"),
        ({"delay": 1.5}, "did not answer within 1 s"),
    ],
)
def test_malformed_failing_or_slow_answers_fail_clearly_and_are_retried_next_time(
    tee, llm_settings, server_kwargs, reason
):
    with fake_llm(**server_kwargs) as server:
        llm_settings(server, timeout=1)
        product_data, state = product_facts_localize(product=tee, language="ja")
    assert product_data["features"] == FEATURES
    assert all(reason in f.warning for f in state.untranslated), [
        f.warning for f in state.untranslated
    ]
    statuses = {k: r.status for k, r in _rows(tee).items()}
    assert (
        statuses.pop("variants.0.options.size") == ProductTranslation.Status.TRANSLATED
    )  # "M": nothing to send
    assert set(statuses.values()) == {ProductTranslation.Status.FAILED}
    with fake_llm() as good:
        llm_settings(good)
        product_data, _ = product_facts_localize(product=tee, language="ja")
    assert product_data["features"][1] == "ドロップショルダーのゆったりシルエット"


def test_a_json_answer_in_a_code_fence_is_read(tee, llm_settings):
    def fenced(texts):
        return (
            "```json\n"
            + json.dumps({"translations": {k: translate_ja(v) for k, v in texts.items()}})
            + "\n```"
        )

    with fake_llm(answer=fenced) as server:
        llm_settings(server)
        product_data, _ = product_facts_localize(product=tee, language="ja")
    assert product_data["features"][1] == "ドロップショルダーのゆったりシルエット"


def test_the_page_in_the_ads_language_is_not_sent(tee, llm_settings):
    with fake_llm() as server:
        llm_settings(server)
        product_data, state = product_facts_localize(product=tee, language="en")
    assert server.requests == [] and state.same_language and state.untranslated == []
    assert product_data["features"] == FEATURES


def test_switched_on_without_an_endpoint_fails_loudly(tee, settings):
    settings.SHOPREEL_TRANSLATION = "llm"
    settings.SHOPREEL_LLM_BASE_URL = ""
    settings.SHOPREEL_LLM_MODEL = ""
    with pytest.raises(
        TranslationNotConfigured, match="SHOPREEL_LLM_BASE_URL and SHOPREEL_LLM_MODEL are not set"
    ):
        product_translations_ensure(product=tee, language="ja")


def test_batches_stay_small(tee):
    many = [f"Feature number {i} of many" for i in range(45)]
    with fake_llm(
        answer=lambda t: json.dumps(
            {"translations": {k: v.replace("Feature", "特徴") for k, v in t.items()}}
        )
    ) as server:
        translator = LlmTranslator(LlmEndpoint(base_url=server.base_url, model="m"))
        outcomes = engine.translate_checked(translator, many, source="en", target="ja")
    assert [
        len(json.loads(r["body"]["messages"][1]["content"])["texts"]) for r in server.requests
    ] == [20, 20, 5]
    assert (
        outcomes[44].text == "特徴 number 44 of many" and outcomes[44].status == engine.TRANSLATED
    )


def test_state_without_translation_says_it_is_off(tee):
    state = product_facts_state(product=tee, language="ja")
    assert len(state.untranslated) == 4
    assert all("translation is off" in f.warning for f in state.untranslated)
