"""Variants, platform and tone: what an agency asking for several versions of one ad gets."""

# ruff: noqa: RUF001 - full-width punctuation in CJK copy is deliberate

from __future__ import annotations

import pytest

from core.vocabulary import LANGUAGES, RTL_LANGUAGES
from templates_engine import builder, compliance
from templates_engine.definitions import CopyDef
from templates_engine.errors import ScriptError
from templates_engine.library import get_template, load_templates


def test_variants_differ_in_hook_and_order_and_repeat_for_a_seed(product):
    template = get_template("generic-feature-showcase")
    scripts = builder.variants(count=3, product=product, template=template, length=30, seed=4)
    assert [s.variant for s in scripts] == [0, 1, 2]
    hooks = [s.scenes[0].caption for s in scripts]
    orders = [tuple(sc.id for sc in s.scenes) for s in scripts]
    assert hooks[0] != hooks[1] and orders[0] != orders[1]
    assert len(set(zip(hooks, orders, strict=True))) == 3
    for s in scripts:  # the hook opens and the end card closes every variant
        assert s.scenes[0].id == "hook" and s.scenes[-1].shot_type == "cta"
        assert sum(sc.duration for sc in s.scenes) == pytest.approx(30)
    again = builder.variants(count=3, product=product, template=template, length=30, seed=4)
    assert [s.model_dump() for s in again] == [s.model_dump() for s in scripts]


def test_variant_zero_is_the_plain_build(product):
    template = get_template("apparel-lookbook")
    assert builder.build_script(product=product, template=template, variant=0) == builder.build_script(
        product=product, template=template
    )


def test_variants_count_is_bounded(product):
    with pytest.raises(ScriptError, match="1 to 10"):
        builder.variants(count=0, product=product, template=get_template("apparel-lookbook"))


def test_short_form_platforms_cut_hard_and_are_recorded(product):
    template = get_template("generic-feature-showcase")
    tiktok = builder.build_script(product=product, template=template, length=30, platform="TikTok")
    assert tiktok.platform == "tiktok" and {s.transition for s in tiktok.scenes} == {"cut"}
    youtube = builder.build_script(product=product, template=template, length=30, platform="youtube")
    assert "crossfade" in {s.transition for s in youtube.scenes}
    with pytest.raises(ScriptError, match="unknown platform"):
        builder.build_script(product=product, template=template, platform="myspace")


def test_tone_prefers_variants_written_for_it(product):
    template = get_template("generic-feature-showcase")
    hook = template.scenes[0]
    toned = hook.model_copy(update={"copy_": {
        **hook.copy_, "en": [*hook.variants("en"), CopyDef(caption="Treat yourself", voiceover="Go on.", tone="friendly")],
    }})
    template = template.model_copy(update={"scenes": [toned, *template.scenes[1:]]})
    for seed in range(5):
        script = builder.build_script(product=product, template=template, tone="friendly", seed=seed)
        assert script.scenes[0].caption == "Treat yourself" and script.tone == "friendly"
    with pytest.raises(ScriptError, match="unknown tone"):
        builder.build_script(product=product, template=template, tone="sarcastic")


def test_the_call_to_action_can_be_changed_or_turned_off(product):
    template = get_template("apparel-lookbook")
    custom = builder.build_script(product=product, template=template, cta="Get yours")
    assert custom.scenes[-1].caption == "Get yours"
    off = builder.build_script(product=product, template=template, cta="")
    assert all(s.shot_type != "cta" for s in off.scenes)


def test_each_vertical_has_a_template_in_all_eleven_languages():
    by_vertical: dict[str, set[str]] = {}
    for t in load_templates().values():
        if set(LANGUAGES) <= set(t.languages):
            by_vertical.setdefault(t.vertical, set()).add(t.slug)
    assert set(by_vertical) == {t.vertical for t in load_templates().values()}
    assert "ar" in RTL_LANGUAGES


@pytest.mark.parametrize(("language", "price"), [
    ("de", "24 $"), ("fr", "24 $US"), ("es", "24 US$"), ("ja", "$24"), ("zh-Hant", "US$24"),
])
def test_prices_follow_the_ad_locale(language, price, product):
    script = builder.build_script(product=product, template=get_template("generic-feature-showcase"), language=language)
    assert script.scenes[-1].badge.replace("\xa0", " ") == price


def test_copy_is_written_per_language_not_copied(product):
    """The fixed lines differ between languages: nobody pasted English into the German file."""
    template = get_template("home-feature-showcase")
    texts = {
        lang: builder.build_script(product=product, template=template, language=lang, length=60).scenes[1].caption
        for lang in LANGUAGES
    }
    assert len(set(texts.values())) == len(LANGUAGES), texts


def test_ordinal_first_is_not_a_ranking(product):
    findings = compliance.check_text("第一點：很舒服", product=product, market="CN", language="zh-Hant")
    assert not findings


@pytest.mark.parametrize("language", ["en", "zh-Hans", "es"])
def test_the_generic_template_has_a_hook_per_tone(language, product):
    template = get_template("generic-feature-showcase")
    plain = {builder.build_script(product=product, template=template, language=language, seed=s).scenes[0].voiceover
             for s in range(6)}
    for tone in ("energetic", "premium", "playful"):
        script = builder.build_script(product=product, template=template, language=language, tone=tone, length=30)
        assert script.scenes[0].voiceover and script.scenes[0].voiceover not in plain, (tone, script.scenes[0])


@pytest.mark.parametrize(("tag", "copy", "locale"), [
    ("zh-TW", "zh-Hant", "zh_Hant_TW"), ("zh-HK", "zh-Hant", "zh_Hant_HK"), ("zh-CN", "zh-Hans", "zh_Hans_CN"),
    ("pt", "pt", "pt_BR"), ("pt-PT", "pt", "pt_PT"), ("ar-EG", "ar", "ar_EG"), ("ja", "ja", "ja_JP"),
])
def test_regional_tags_pick_copy_and_price_locale(tag, copy, locale):
    from templates_engine.languages import resolve_language

    assert resolve_language(tag, list(LANGUAGES)) == (copy, locale)
