"""build_script: truthful prices and features, exact timing, copy that fits, clear refusals."""
# ruff: noqa: RUF001 - full-width punctuation in Chinese test text is deliberate

from __future__ import annotations

import re

import pytest

from templates_engine.builder import build_script
from templates_engine.definitions import FPS
from templates_engine.errors import ScriptError
from templates_engine.library import get_template, load_templates
from templates_engine.textfit import wrap_caption

from .conftest import FEATURES, RATING

TEMPLATES = load_templates()
PRICE_FREE = [t for t in TEMPLATES.values() if not t.needs.price]


def _feature_scene_ids(template, language: str) -> set[str]:
    """Scenes whose caption is a product feature and nothing else."""
    return {
        s.id for s in template.scenes
        if all(v.caption.strip() == "{{ feature }}" for v in s.variants(language))
    }


@pytest.mark.parametrize("template", PRICE_FREE, ids=lambda t: t.slug)
@pytest.mark.parametrize("language", ["en", "zh-Hans", "es"])
def test_no_price_means_no_price_anywhere(template, language, make_product):
    product = make_product(price=None, regular_price=None, **RATING)
    for length in template.lengths:
        script = build_script(product=product, template=template, language=language, length=length)
        for scene in script.scenes:
            text = f"{scene.caption} | {scene.voiceover} | {scene.badge}"
            assert not re.search(r"\$|US\$|€|None|\bfor\s*$|por\s*$", text), text
            assert scene.shot_type != "offer"
        if any(s.shot_type == "cta" for s in script.scenes):
            assert any("price" in note for note in script.notes), script.notes


@pytest.mark.parametrize("template", [t for t in TEMPLATES.values() if t.needs.price], ids=lambda t: t.slug)
def test_templates_that_state_a_price_refuse_a_product_without_one(template, make_product):
    with pytest.raises(ScriptError, match="price"):
        build_script(product=make_product(price=None), template=template)


def test_sale_template_refuses_product_not_on_sale(product):
    with pytest.raises(ScriptError, match="on sale"):
        build_script(product=product, template=get_template("apparel-offer-urgency"))


@pytest.mark.parametrize("template", list(TEMPLATES.values()), ids=lambda t: t.slug)
@pytest.mark.parametrize("language", ["en", "zh-Hans", "es"])
def test_features_come_only_from_the_page(template, language, make_product):
    product = make_product(regular_price="40.00", **RATING)
    feature_ids = _feature_scene_ids(template, language)
    script = build_script(product=product, template=template, language=language, length=60)
    shown = [s.caption for s in script.scenes if s.id in feature_ids]
    assert shown, "every template shows at least one feature at 60 s"
    for caption in shown:
        assert any(f.startswith(caption) for f in FEATURES), caption
    assert len(set(shown)) == len(shown), "a feature is shown once"


def test_features_fall_back_to_description_sentences(make_product):
    product = make_product(
        features=[], description="Cut from Zorblax organic cotton. Keeps its shape after washing. Hi."
    )
    script = build_script(product=product, template=get_template("generic-feature-showcase"), length=30)
    captions = [s.caption for s in script.scenes]
    assert "Cut from Zorblax organic cotton" in captions
    assert "Keeps its shape after washing" in captions
    assert any("description" in n for n in script.notes)


def test_no_features_at_all_uses_fallback_copy_or_drops_scenes(make_product):
    product = make_product(features=[], description="")
    template = get_template("electronics-feature-showcase")
    script = build_script(product=product, template=template, length=30)
    ids = [s.id for s in script.scenes]
    assert "spec_1" in ids  # has fallback copy
    assert "spec_2" not in ids and "spec_3" not in ids  # no fallback: dropped
    assert script.scenes[ids.index("spec_1")].caption == "Engineered by Northwind"
    assert sum(round(s.duration * FPS) for s in script.scenes) == 30 * FPS


@pytest.mark.parametrize(
    ("language", "currency", "price", "regular", "shown"),
    [
        ("en", "USD", "24.00", None, "$24"),
        ("en", "USD", "24.50", None, "$24.50"),
        ("es", "USD", "24.00", None, "24\xa0US$"),
        ("zh-Hans", "USD", "24.00", None, "US$24"),
        ("es", "EUR", "49.90", "59.90", "49,90\xa0€"),
        ("en", "EUR", "1249.00", None, "€1,249"),
        ("es-MX", "MXN", "399", None, "$399"),
    ],
)
def test_price_is_formatted_for_the_language(language, currency, price, regular, shown, make_product):
    product = make_product(price=price, currency=currency, regular_price=regular, vertical="beauty")
    script = build_script(product=product, template=get_template("beauty-feature-showcase"), language=language)
    assert script.scenes[-1].badge == shown


def test_discount_and_was_price(make_product):
    product = make_product(price="24.00", regular_price="32.00")
    script = build_script(product=product, template=get_template("apparel-offer-urgency"), length=30)
    by_id = {s.id: s for s in script.scenes}
    assert by_id["hook"].badge == "-25%"
    assert by_id["offer"].caption == "Was $32, now $24"


def test_long_feature_caption_is_cut_cleanly(make_product):
    long = "Brushed organic cotton jersey, garment dyed in small batches, with reinforced shoulder seams and a tag-free neck label, for all-day comfort"
    product = make_product(features=[long], vertical="other")
    script = build_script(product=product, template=get_template("generic-feature-showcase"), length=15)
    caption = next(s.caption for s in script.scenes if s.id == "feature_1")
    assert len(wrap_caption(caption)) <= 2
    assert all(len(line) <= 42 for line in wrap_caption(caption))
    assert long.startswith(caption)
    assert caption[-1].isalnum()
    assert caption.split()[-1] not in {"and", "with", "for", "a"}
    assert any("caption" in n for n in script.notes)


def test_cjk_caption_fits_sixteen_characters_a_line(make_product):
    feature = "采用有机棉面料，柔软亲肤透气，经过预缩处理，多次洗涤后依然保持版型不变形"
    product = make_product(features=[feature], vertical="other")
    script = build_script(product=product, template=get_template("generic-feature-showcase"), language="zh-Hans")
    caption = next(s.caption for s in script.scenes if s.id == "feature_1")
    lines = wrap_caption(caption)
    assert len(lines) <= 2 and all(len(line) <= 16 for line in lines)
    assert feature.startswith(caption)
    assert caption[-1] not in "，、：；"


def test_voiceover_is_shortened_to_fit_short_scenes(product):
    script = build_script(product=product, template=get_template("apparel-lookbook"), length=6)
    for scene in script.scenes:
        assert len(scene.voiceover.split()) <= scene.duration * 2.6
    assert any("voiceover" in n for n in script.notes)


def test_images_cycle_over_what_there_is(make_product):
    one = build_script(product=make_product(images=["a.jpg"]), template=get_template("apparel-lookbook"), length=60)
    assert {s.image_index for s in one.scenes} == {0}
    three = build_script(product=make_product(), template=get_template("apparel-lookbook"), length=60)
    assert {s.image_index for s in three.scenes} == {0, 1, 2}


def test_same_seed_same_script_and_seeds_vary_copy(product):
    template = get_template("apparel-lookbook")
    a = build_script(product=product, template=template, seed=3)
    assert a == build_script(product=product, template=template, seed=3)
    hooks = {build_script(product=product, template=template, seed=s).scenes[0].caption for s in range(12)}
    assert len(hooks) == 2


def test_cta_custom_and_off(product):
    template = get_template("apparel-lookbook")
    custom = build_script(product=product, template=template, cta="Grab yours!")
    assert custom.cta == "Grab yours!" and custom.scenes[-1].caption == "Grab yours!"
    assert custom.scenes[-1].voiceover.endswith("Grab yours!")  # no "!."
    off = build_script(product=product, template=template, cta="")
    assert all(s.shot_type != "cta" for s in off.scenes)
    assert sum(s.duration for s in off.scenes) == pytest.approx(15)


def test_default_cta_follows_language(product):
    script = build_script(product=product, template=get_template("apparel-lookbook"), language="zh-Hans")
    assert script.cta == "立即选购" and script.language == "zh-Hans"


def test_unsupported_language_names_the_available_ones(product):
    with pytest.raises(ScriptError) as info:
        build_script(product=product, template=get_template("apparel-lookbook"), language="sw")
    assert "en, zh-Hans, zh-Hant, ja, ko, de, fr, es, pt, it, ar" in str(info.value)
    simplified_only = get_template("apparel-lookbook").model_copy(update={"languages": ["en", "zh-Hans", "es"]})
    with pytest.raises(ScriptError):  # Traditional Chinese is not served Simplified copy
        build_script(product=product, template=simplified_only, language="zh-TW")


def test_regional_traditional_chinese_gets_traditional_copy(product):
    script = build_script(product=product, template=get_template("apparel-lookbook"), language="zh-TW")
    assert script.language == "zh-Hant" and script.cta == "立即選購"


@pytest.mark.parametrize(("length", "message"), [(90, "6 to 60 s"), (3, "6 to 60 s"), (15.01, "frames")])
def test_impossible_lengths_are_refused(length, message, product):
    with pytest.raises(ScriptError, match=message):
        build_script(product=product, template=get_template("apparel-lookbook"), length=length)


def test_in_between_length_works(product):
    script = build_script(product=product, template=get_template("apparel-lookbook"), length=20)
    assert sum(round(s.duration * FPS) for s in script.scenes) == 600


def test_no_images_is_refused(make_product):
    with pytest.raises(ScriptError, match="no images"):
        build_script(product=make_product(images=[]), template=get_template("apparel-lookbook"))


def test_unknown_format_is_refused(product):
    with pytest.raises(ScriptError, match="format"):
        build_script(product=product, template=get_template("apparel-lookbook"), formats=("9:15",))
    build_script(product=product, template=get_template("apparel-lookbook"), formats=("9:16", "1:1", "16:9"))


def test_script_round_trips_through_json(product):
    from templates_engine.schema import AdScript

    script = build_script(product=product, template=get_template("apparel-lookbook"), why="because")
    assert AdScript.model_validate_json(script.model_dump_json()) == script
    assert script.why == "because"
