"""A fact is said once: the rating, the reviews and the prices each at most once across an
ad's voice-overs, and shown as text at most twice; a shortened line keeps its price."""

from __future__ import annotations

import pytest

from templates_engine.builder import build_script
from templates_engine.library import get_template, load_templates
from templates_engine.textfit import clauses, fit_voiceover, shorter_lines, speech_seconds
from templates_engine.timing import fit_to_needs

from .conftest import RATING

SOCIAL_PROOF = ("electronics-social-proof", "beauty-social-proof", "generic-social-proof")


@pytest.mark.parametrize("slug", SOCIAL_PROOF)
@pytest.mark.parametrize("language", ["en", "ja", "zh-Hans", "ar", "de"])
def test_the_rating_is_said_once_and_shown_at_most_twice(slug, language, make_product):
    product = make_product(price="149.99", **RATING)
    for length in (15, 30):
        script = build_script(
            product=product, template=get_template(slug), language=language, length=length
        )
        rating = "4.7" if language not in ("de", "ar") else None
        values = [rating] if rating else ["4,7", "4.7", "\u0664\u066b\u0667"]
        said = sum(any(v in s.voiceover for v in values) for s in script.scenes)
        shown = sum(
            any(v in s.caption for v in values) + any(v in s.badge for v in values)
            for s in script.scenes
        )
        assert said <= 1, [s.voiceover for s in script.scenes]
        assert shown <= 2, [(s.caption, s.badge) for s in script.scenes]


def test_a_shortened_price_line_keeps_the_new_price():
    line = "Was $32, now $24. Shop the sale while it lasts."
    assert shorter_lines(line, "en")[0] == "Was $32, now $24."
    text, shortened = fit_voiceover(line, "en", 3.5)
    assert shortened and "$24" in text and "$32" in text
    ja = "通常$32のところ、今なら$24。セール期間中にどうぞ。"
    assert all("$24" in c for c in shorter_lines(ja, "ja"))


def _first_clause_names_the_rating(raw: str) -> bool:
    first = clauses(raw)[0] if raw.strip() else ""
    return "{{ rating" in first


def test_no_hook_opens_on_a_bare_rating():
    """A hook leads with a benefit, a problem, a question or the offer: the rating (if the
    hook cites it at all) comes after, in caption and voice alike."""
    for template in load_templates().values():
        hook = template.scenes[0]
        for language in template.languages:
            for copy in hook.variants(language):
                for raw in (copy.caption, copy.voiceover):
                    assert not _first_clause_names_the_rating(raw), (template.slug, language, raw)


@pytest.mark.parametrize("language", ["en", "ja", "zh-Hans", "de", "fr"])
def test_the_sale_line_says_both_prices_in_a_15_s_ad(language, make_product):
    """The offer scene has time for "was $32, now $24" (scene lengths are fitted to the
    lines): it is neither left out nor cut to the old price."""
    product = make_product(price="24.00", regular_price="32.00", vertical="apparel")
    script = build_script(
        product=product,
        template=get_template("apparel-offer-urgency"),
        language=language,
        length=15,
    )
    offer = next(s for s in script.scenes if s.id == "offer")
    assert "24" in offer.voiceover and "32" in offer.voiceover, offer
    assert offer.voiceover.index("32") < offer.voiceover.index("24")  # old, then new
    assert speech_seconds(offer.voiceover, language) <= offer.duration


def test_fit_to_needs_moves_frames_to_a_line_short_of_time():
    assert fit_to_needs([90, 90, 90], [60, 120, 60]) == [75, 120, 75]
    assert fit_to_needs([90, 90], [200, 200]) == [90, 90]  # nothing to spare: unchanged
    moved = fit_to_needs([100, 80, 90], [40, 200, 30])
    assert moved == [40, 200, 30]  # givers keep what their own lines need
    # A scene short of time never gives any away (it once took from itself).
    moved = fit_to_needs([60, 52, 143, 143, 52], [0, 0, 0, 149, 0], keep=[0] * 5)
    assert moved[3] == 149 and sum(moved) == 450


@pytest.mark.parametrize("language", ["ja", "zh-Hans"])
def test_a_long_translated_feature_does_not_silence_the_price(language, make_product):
    features = {
        "ja": ["認証オーガニックコットン100%、180 gsm", "ドロップショルダーのリラックスフィット"],
        "zh-Hans": ["100% 认证有机棉\uff0c180 克重", "落肩宽松版型"],
    }[language]
    product = make_product(
        price="24.00", regular_price="32.00", vertical="apparel", features=features
    )
    script = build_script(
        product=product,
        template=get_template("apparel-offer-urgency"),
        language=language,
        length=15,
    )
    assert all(s.voiceover for s in script.scenes), [(s.id, s.voiceover) for s in script.scenes]
