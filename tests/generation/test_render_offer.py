"""The stickers' facts come from what the page stated (generation/specs.py, issue 15)."""

from __future__ import annotations

from generation.specs import offer_spec_for, shop_name

PAGE = {
    "url": "https://www.northwind-outfitters.example/p/tee",
    "title": "Aurora Organic Cotton Tee",
    "brand": "",
    "price": "24",
    "regular_price": "32",
    "currency": "USD",
    "features": ["100% organic cotton", "Free shipping on every order"],
    "description": "",
    "rating": "4.7",
    "rating_scale": "5",
    "review_count": 1284,
}


def test_a_sale_with_its_old_price_rating_and_free_shipping() -> None:
    offer = offer_spec_for(PAGE, "en")
    assert (offer.price, offer.regular_price, offer.discount_percent) == ("$24", "$32", 25)
    assert offer.rating == "4.7/5" and offer.review_count == 1284
    assert offer.free_shipping and not offer.new
    assert offer.shop_name == "Northwind Outfitters"


def test_only_what_the_page_said() -> None:
    page = {**PAGE, "regular_price": None, "rating": None, "features": ["Soft"], "brand": "Acme"}
    offer = offer_spec_for(page, "en")
    assert offer.price == "$24" and offer.regular_price == "" and offer.discount_percent is None
    assert offer.rating == "" and not offer.free_shipping
    assert shop_name(page) == "Acme"
    assert offer_spec_for({**PAGE, "price": None}, "en").price == ""


def test_prices_are_written_the_ads_way_per_language() -> None:
    assert offer_spec_for(PAGE, "de").price.replace("\xa0", " ") == "24 $"
    assert offer_spec_for(PAGE, "de").rating == "4,7/5"
    assert offer_spec_for({**PAGE, "title": "New arrival: Aurora Tee"}, "en").new


def test_the_ads_tone_picks_its_style_preset() -> None:
    from generation.render.styles import PRESETS
    from generation.specs import TONE_STYLES
    from templates_engine.definitions import TONES

    assert set(TONE_STYLES) == set(TONES)
    assert set(TONE_STYLES.values()) == set(PRESETS)
