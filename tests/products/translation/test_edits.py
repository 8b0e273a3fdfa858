"""The merchant's own words for a fact: checked like any translation, used in place of the
machine's, and kept across rescrapes (marked possibly outdated when the page changed)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from products.models import ProductTranslation
from products.scraping.types import ExtractedProduct
from products.selectors import product_facts_state
from products.services import product_apply_extracted
from products.services.translations import product_facts_localize, product_translation_edit
from tests.factories import ProductFactory
from tests.products.translation.llm_server import fake_llm

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
        source_url="https://shop.example.com/p/tee",
    )


def _rescrape(product, *, features):
    """What a rescrape stores: the page read again (products.services.product_apply_extracted)."""
    data = product.as_script_input()
    extracted = ExtractedProduct(
        url=product.source_url,
        title=data["title"],
        brand=data["brand"],
        price=Decimal(data["price"]),
        currency=data["currency"],
        description=data["description"],
        features=list(features),
        language="en",
    )
    return product_apply_extracted(product=product, extracted=extracted)


def _fact(state, key):
    return next(f for f in state.facts if f.key == key)


def test_an_edit_is_what_the_ad_says_and_is_labelled_the_merchants(tee):
    product_translation_edit(
        product=tee,
        language="ja",
        texts={"features.0": "認証オーガニックコットン100%、180 gsm"},
        by="Mika",
    )
    product_data, state = product_facts_localize(product=tee, language="ja")
    assert product_data["features"] == ["認証オーガニックコットン100%、180 gsm", FEATURES[1]]
    fact = _fact(state, "features.0")
    assert (fact.origin, fact.translated, fact.outdated, fact.edited_by) == (
        "merchant",
        True,
        False,
        "Mika",
    )
    assert [f.key for f in state.untranslated] == [
        "features.1"
    ]  # still the page's words, with the warning
    record = state.record(product_id=tee.id)
    assert record["edited"] == ["features.0"]
    assert record["untranslated"][0]["key"] == "features.1"
    assert f"/api/v1/products/{tee.id}/translations/ja/" in record["warning"]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("認証オーガニックコットン100%、200 gsm", "'180 gsm' is missing"),
        ("認証オーガニックコットン100%、180 gsm、今なら$19", "'$19' was added"),
    ],
)
def test_an_edit_that_changes_a_figure_is_refused_and_nothing_changes(tee, text, problem):
    with pytest.raises(InvalidInput) as caught:
        product_translation_edit(
            product=tee,
            language="ja",
            texts={"features.1": "ゆったりシルエット", "features.0": text},
        )
    assert problem in caught.value.detail["features.0"][0]
    assert not ProductTranslation.objects.filter(product=tee).exists()


def test_an_unknown_key_or_language_is_refused(tee):
    with pytest.raises(InvalidInput) as caught:
        product_translation_edit(product=tee, language="ja", texts={"features.9": "x"})
    assert "features.0" in caught.value.detail["features.9"][0]
    with pytest.raises(InvalidInput, match="per ad language"):
        product_translation_edit(product=tee, language="tlh", texts={"features.0": "x"})


def test_an_edit_survives_a_rescrape_that_changes_the_page_and_is_marked_outdated(tee):
    product_translation_edit(
        product=tee,
        language="de",
        texts={
            "features.0": "100% zertifizierte Bio-Baumwolle, 180 gsm",
            "features.1": "Lockere Passform",
        },
    )
    _rescrape(tee, features=["100% certified organic cotton, 180 gsm, now pre-washed", FEATURES[1]])
    state = product_facts_state(product=tee, language="de")
    changed, same = _fact(state, "features.0"), _fact(state, "features.1")
    assert changed.text == "100% zertifizierte Bio-Baumwolle, 180 gsm"  # never overwritten
    assert (
        changed.outdated
        and changed.origin == "merchant"
        and "changed after this edit" in changed.warning
    )
    assert same.text == "Lockere Passform" and not same.outdated
    assert state.record(product_id=tee.id)["outdated_edits"] == ["features.0"]
    assert "written for an older version of the page" in state.warning(product_id=tee.id)


def test_an_outdated_edit_whose_figures_no_longer_match_is_passed_over_not_deleted(tee):
    product_translation_edit(
        product=tee, language="de", texts={"features.0": "100% Bio-Baumwolle, 180 gsm"}
    )
    _rescrape(tee, features=["100% certified organic cotton, 200 gsm", FEATURES[1]])
    product_data, state = product_facts_localize(product=tee, language="de")
    assert (
        product_data["features"][0] == "100% certified organic cotton, 200 gsm"
    )  # not the old figure
    fact = _fact(state, "features.0")
    assert fact.origin == "source" and fact.outdated and "'200 gsm' is missing" in fact.warning
    assert (
        ProductTranslation.objects.get(product=tee, key="features.0").edited_text
        == "100% Bio-Baumwolle, 180 gsm"
    )


def test_a_rescrape_retranslates_the_machine_part_but_keeps_the_edit(tee, settings):
    with fake_llm(
        answer=lambda t: json.dumps({"translations": {k: f"[de] {v}" for k, v in t.items()}})
    ) as server:
        settings.SHOPREEL_TRANSLATION, settings.SHOPREEL_LLM_BASE_URL = "llm", server.base_url
        settings.SHOPREEL_LLM_MODEL = "llama3.1:8b"
        product_facts_localize(product=tee, language="de")
        product_translation_edit(
            product=tee, language="de", texts={"features.0": "100% Bio-Baumwolle, 180 gsm"}
        )
        _rescrape(
            tee, features=["100% certified organic cotton, 180 gsm, soft", "Relaxed fit, longer"]
        )
        product_data, state = product_facts_localize(product=tee, language="de")
    resent = json.loads(server.requests[1]["body"]["messages"][1]["content"])["texts"]
    assert sorted(resent.values()) == [
        "Relaxed fit, longer",
        "[[T1]] certified organic cotton, [[T2]], soft",
    ]
    assert product_data["features"] == ["100% Bio-Baumwolle, 180 gsm", "[de] Relaxed fit, longer"]
    row = ProductTranslation.objects.get(product=tee, language="de", key="features.0")
    assert (
        row.text == "[de] 100% certified organic cotton, 180 gsm, soft"
    )  # the machine part, fresh
    assert row.edited_text == "100% Bio-Baumwolle, 180 gsm"  # the edit, untouched
    assert _fact(state, "features.0").outdated


def test_removing_an_edit_brings_back_the_machine_or_page_words(tee):
    product_translation_edit(product=tee, language="ja", texts={"features.1": "ゆったりシルエット"})
    product_translation_edit(product=tee, language="ja", texts={"features.1": None})
    state = product_facts_state(product=tee, language="ja")
    assert (
        _fact(state, "features.1").text == FEATURES[1]
        and _fact(state, "features.1").origin == "source"
    )


def test_a_title_is_only_translated_by_the_merchant(tee):
    state = product_facts_state(product=tee, language="ja")
    assert _fact(state, "title").translated and _fact(state, "title").warning == ""
    product_translation_edit(
        product=tee, language="ja", texts={"title": "Aurora オーガニックコットンTシャツ"}
    )
    product_data, _ = product_facts_localize(product=tee, language="ja")
    assert product_data["title"] == "Aurora オーガニックコットンTシャツ"
