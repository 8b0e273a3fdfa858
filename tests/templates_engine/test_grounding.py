"""What the grounding check lets a model say, per locale: the page's prices as the ad writes
them, the facts' numbers however they are written, attributes only the facts name."""

from __future__ import annotations

import pytest

from templates_engine import grounding
from templates_engine.context import copy_context, product_facts
from templates_engine.languages import resolve_language


def _check(text: str, product: dict, language: str = "en") -> list[str]:
    facts = product_facts(product)
    context = copy_context(facts, locale=resolve_language(language, [language])[1], cta="")
    texts = grounding.fact_texts(facts, product)
    numbers, percents = grounding.fact_numbers(texts, context)
    return grounding.ungrounded(
        text, facts_text=texts, numbers=numbers, percents=percents, prices=grounding.page_prices(context)
    )


@pytest.fixture
def headphones(make_product):
    return make_product(
        title="Pulse ANC Wireless Over-Ear Headphones", brand="Pulse", price="149.99", regular_price="199.99",
        features=["Active noise cancelling", "Up to 40 hours of battery life", "Bluetooth 5.3"],
        rating="4.7", rating_scale="5", review_count=1284, vertical="electronics",
    )


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Was $199.99, now $149.99. Save $50 — 25% off."),
        ("de", "Statt 199,99 $ nur 149,99 $. 4,7 von 5 aus 1.284 Bewertungen."),
        ("ar", "الآن \u200f149.99\xa0US$ فقط. 40 ساعة من البطارية."),
        ("ja", "最大４０時間のバッテリー、Bluetooth 5.3。"),
        ("en", "1,284 reviews, 4.7 out of 5."),
    ],
)
def test_the_pages_prices_and_numbers_pass_in_each_locale(headphones, language, text):
    assert _check(text, headphones, language) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Only $149!", "states a price written as '$149'"),
        ("Now 149.99 USD.", "states a price written as '149.99 USD'"),
        ("Up to 60 hours of battery.", "states the number '60'"),
        ("30% off today.", "states '30%', a percentage the page does not state"),
        ("Sweat-proof for every run.", "claims 'sweat-proof'"),
        ("Waterproof, rain or shine.", "claims 'waterproof'"),
        ("Free shipping and a 2-year warranty.", "claims 'free shipping'"),
    ],
)
def test_what_the_page_does_not_state_is_named(headphones, text, problem):
    assert any(problem in p for p in _check(text, headphones)), _check(text, headphones)


def test_a_fact_in_another_language_grounds_the_same_attribute(make_product):
    german = make_product(title="Pulse Kopfhörer", features=["Kabellos, mit Geräuschunterdrückung"])
    assert _check("Wireless, with noise cancelling.", german) == []
    assert "claims 'waterproof'" in _check("Wasserdicht.", german)[0]


def test_a_price_on_a_page_without_one_is_refused(make_product):
    unpriced = make_product(price=None)
    assert _check("Just $24.", unpriced) == ["states a price ('$24') and the page shows none"]


def test_a_compound_the_page_states_passes(make_product):
    tee = make_product(features=["Ribbed crew neck with a tag-free label"])
    assert _check("Tag-free and hassle-free.", tee) == []
