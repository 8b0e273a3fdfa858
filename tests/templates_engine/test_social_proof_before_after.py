"""Social proof cites the page's own rating; before/after shows scenes, never promised results."""

# ruff: noqa: RUF001 - full-width punctuation in CJK copy is deliberate

from __future__ import annotations

import pytest

from core.vocabulary import LANGUAGES
from templates_engine import builder, compliance
from templates_engine.compliance import check_script, check_text
from templates_engine.errors import ScriptError
from templates_engine.library import get_template, load_templates, pick_template

from .conftest import RATING

SOCIAL = [t for t in load_templates().values() if t.structure == "social_proof"]
BEFORE_AFTER = [t for t in load_templates().values() if t.structure == "before_after"]


def _rules(findings) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.text) for f in findings]


def test_the_new_structures_ship_in_every_language():
    assert {t.vertical for t in SOCIAL} >= {"beauty", "generic", "electronics"}
    assert {t.vertical for t in BEFORE_AFTER} >= {"home", "apparel", "electronics"}
    # A before/after for skin or health would imply a result; there is none.
    assert not {t.vertical for t in BEFORE_AFTER} & {"beauty"}
    for t in SOCIAL + BEFORE_AFTER:
        assert set(t.languages) == set(LANGUAGES), t.slug
    assert all(t.needs.rating for t in SOCIAL)
    assert not any(t.needs.rating for t in BEFORE_AFTER)


@pytest.mark.parametrize("template", SOCIAL, ids=lambda t: t.slug)
def test_social_proof_refuses_a_product_without_a_rating(template, make_product):
    with pytest.raises(ScriptError, match="rating") as info:
        builder.build_script(product=make_product(), template=template)
    assert "shows none" in str(info.value)


def test_a_template_that_states_the_rating_must_declare_it(tmp_path):
    from templates_engine.errors import TemplateLoadError
    from templates_engine.library import load_template_file

    path = tmp_path / "generic" / "social_proof.yaml"
    path.parent.mkdir()
    path.write_text(
        "slug: generic-social-proof\nvertical: generic\nstructure: social_proof\nname: x\n"
        "lengths: [6]\nlanguages: [en]\nscenes:\n"
        "  - {id: a, shot_type: hero, share: 1, copy: {en: {caption: 'Rated {{ rating }}'}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateLoadError, match="rating: true"):
        load_template_file(path)


@pytest.mark.parametrize(("language", "caption"), [
    ("en", "4.7/5 from 1,284 reviews"),
    ("de", "4,7/5 aus 1.284 Bewertungen"),
    ("fr", "4,7/5 · 1\u202f284 avis"),
    ("es", "4,7/5 en 1.284 reseñas"),
    ("zh-Hans", "1,284 条评价，平均 4.7 分"),
    ("ja", "1,284件のレビューで平均4.7点"),
    # An Arabic comma, not "·": beside a number a middle dot reads as the Arabic zero.
    ("ar", "4.7/5، عدد المراجعات: 1,284"),
])
def test_rating_and_review_count_are_formatted_for_the_language(language, caption, make_product):
    product = make_product(vertical="beauty", **RATING)
    script = builder.build_script(product=product, template=get_template("beauty-social-proof"),
                                  language=language, length=30)
    by_id = {s.id: s for s in script.scenes}
    assert by_id["reviews"].caption == caption
    assert "4" in by_id["hook"].caption and "/5" in by_id["hook"].caption
    assert not check_script(script, product=product, market="CN")


def test_without_a_review_count_the_count_is_never_stated(make_product):
    for count in (None, 1):
        product = make_product(rating="4.2", rating_scale="5", review_count=count)
        script = builder.build_script(product=product, template=get_template("generic-social-proof"), length=30)
        assert "reviews" not in [s.id for s in script.scenes]
        assert any("review count" in n for n in script.notes), script.notes
        assert script.scenes[0].caption == "Worth it? Rated 4.2/5"


def test_a_rating_out_of_ten_keeps_its_scale(make_product):
    product = make_product(rating="8.6", rating_scale="10", review_count=31)
    script = builder.build_script(product=product, template=get_template("generic-social-proof"), length=15)
    assert script.scenes[0].caption == "Worth it? Rated 8.6/10"
    assert not check_script(script, product=product, market="EU")


def test_picker_skips_social_proof_without_a_rating_and_prefers_a_strong_one(make_product):
    plain, _ = pick_template(product=make_product(vertical="beauty"), language="en", length=15)
    assert plain.structure != "social_proof"
    rated = make_product(vertical="beauty", **RATING)
    chosen, why = pick_template(product=rated, language="de", length=15)
    assert chosen.slug == "beauty-social-proof"
    assert why == "beauty product rated 4.7/5 from 1284 reviews → social_proof"
    weak = make_product(vertical="beauty", rating="3.1", rating_scale="5", review_count=900)
    assert pick_template(product=weak, language="en", length=15)[0].structure != "social_proof"
    few = make_product(vertical="other", rating="4.9", rating_scale="5", review_count=3)
    assert pick_template(product=few, language="en", length=15)[0].slug == "generic-feature-showcase"
    on_sale = make_product(regular_price="32.00", **RATING)  # a sale still wins for apparel
    assert pick_template(product=on_sale, language="en", length=15)[0].slug == "apparel-offer-urgency"


def _edited(script, scene_id: str, **changes) -> dict:
    data = script.model_dump(mode="json")
    for scene in data["scenes"]:
        if scene["id"] == scene_id:
            scene.update(changes)
    return data


@pytest.mark.parametrize("market", compliance.MARKETS)
def test_a_rating_that_differs_from_the_page_is_blocked(market, make_product):
    product = make_product(vertical="beauty", **RATING)
    script = builder.build_script(product=product, template=get_template("beauty-social-proof"), length=30)
    assert not check_script(script, product=product, market=market)  # the page's own rating passes

    edited = _edited(script, "reviews", caption="4.9/5 from 1,284 reviews", voiceover="Rated 4.9 out of 5.")
    findings = check_script(edited, product=product, market=market)
    assert _rules(findings) == [
        ("rating_mismatch", "block", "4.9/5"), ("rating_mismatch", "block", "Rated 4.9 out of 5"),
    ]
    assert findings[0].suggestion == "4.7/5 from 1,284 reviews"
    assert findings[0].path.endswith(".caption") and "4.7/5" in findings[0].message

    more_reviews = check_script(_edited(script, "reviews", caption="4.7/5 from 5,000 reviews"),
                                product=product, market=market)
    assert _rules(more_reviews) == [("rating_mismatch", "block", "5,000 reviews")]
    assert more_reviews[0].suggestion == "4.7/5 from 1,284 reviews"


@pytest.mark.parametrize(("text", "language", "flagged"), [
    ("Rated 4.7/5", "en", False),
    ("4.7 out of 5 stars", "en", False),
    ("★ 4.7", "en", False),
    ("1,000+ reviews", "en", False),  # a true lower bound
    ("Open 24/7, order by 3/5", "en", False),  # not ratings
    ("5/5", "en", True),
    ("Rated 4.8 out of 5", "en", True),
    ("Bewertet mit 4,9 von 5", "de", True),
    ("4,7/5 · 1\u202f284 avis", "fr", False),
    ("評価は5点満点中4.7点。", "ja", False),
    ("評価は5点満点中4.9点。", "ja", True),
    ("评分 4.9 分", "zh-Hans", True),
    ("평점 4.7점", "ko", False),
    ("2,000 条评价", "zh-Hans", True),
    ("تقييم 4.7 من 5", "ar", False),
])
def test_ratings_are_read_in_every_language(text, language, flagged, make_product):
    product = make_product(**RATING)
    findings = check_text(text, product=product, market="US", language=language)
    assert [f.rule for f in findings] == (["rating_mismatch"] if flagged else []), _rules(findings)


def test_a_rating_on_a_page_without_one_is_invented(make_product):
    findings = check_text("Rated 4.8/5 by 2,000 customers", product=make_product(), market="US")
    assert _rules(findings)[0] == ("rating_mismatch", "block", "Rated 4.8/5")
    assert "states none" in findings[0].message
    assert check_text("2,000 reviews", product=make_product(), market="EU")[0].rule == "rating_mismatch"


@pytest.mark.parametrize("template", BEFORE_AFTER, ids=lambda t: t.slug)
def test_before_after_copy_passes_every_market_and_shows_both_scenes(template, make_product):
    product = make_product(vertical=template.vertical)
    for language in template.languages:
        script = builder.build_script(product=product, template=template, language=language, length=15)
        assert [s.id for s in script.scenes][:2] == ["before", "after"]
        assert script.scenes[0].image_index != script.scenes[1].image_index
        for market in compliance.MARKETS:
            assert not check_script(script, product=product, market=market), (language, market)


@pytest.mark.parametrize(("caption", "language", "hit"), [
    ("After: lose 5 kg", "en", "lose 5 kg"),
    ("After: wrinkles gone in 7 days", "en", "wrinkles gone"),
    ("Nachher: 5 kg verlieren", "de", "5 kg verlieren"),
    ("Après : perdez 5 kg", "fr", "perdez 5 kg"),
    ("Después: las arrugas desaparecen", "es", "arrugas desaparecen"),
    ("之后：7天瘦10斤", "zh-Hans", "瘦10斤"),
    ("アフター：シワが消える", "ja", "シワが消え"),
    ("후: 5kg 감량", "ko", "5kg 감량"),
    ("بعد: اخسر 5 كيلو", "ar", "اخسر 5 كيلو"),
])
@pytest.mark.parametrize("market", compliance.MARKETS)
def test_an_edited_after_that_promises_a_result_is_blocked(caption, language, hit, market, make_product):
    product = make_product(vertical="home")
    script = builder.build_script(product=product, template=get_template("home-before-after"),
                                  language=language, length=15)
    findings = check_script(_edited(script, "after", caption=caption), product=product, market=market)
    assert ("health_claim", "block", hit) in _rules(findings), _rules(findings)
    assert compliance.blocking(findings)


def test_a_result_on_a_clock_is_a_guarantee(make_product):
    findings = check_text("Clutter gone in 7 days", product=make_product(), market="CN")
    assert ("guaranteed_result", "block", "gone in 7 days") in _rules(findings)
    assert not check_text("Ships in 3 days", product=make_product(), market="CN")
