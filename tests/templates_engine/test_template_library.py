"""The shipped library: every template loads, builds, and the picker chooses sensibly."""

from __future__ import annotations

import pytest

from templates_engine.definitions import FPS, TEMPLATE_VERTICALS
from templates_engine.errors import ScriptError, UnknownTemplate
from templates_engine.library import get_template, load_templates, pick_template

from .conftest import RATING

TEMPLATES = load_templates()
CASES = [
    (slug, lang, length)
    for slug, t in TEMPLATES.items()
    for lang in t.languages
    for length in t.lengths
]


def test_every_vertical_has_templates():
    by_vertical: dict[str, list[str]] = {}
    for t in TEMPLATES.values():
        by_vertical.setdefault(t.vertical, []).append(t.structure)
    assert set(by_vertical) == set(TEMPLATE_VERTICALS)
    for vertical in ("apparel", "beauty", "electronics", "home"):
        assert len(by_vertical[vertical]) >= 2, vertical
    for t in TEMPLATES.values():
        assert {"en", "zh-Hans", "es"} <= set(t.languages)
        assert set(t.lengths) >= {6, 15, 30, 60}


@pytest.mark.parametrize(("slug", "language", "length"), CASES)
def test_every_template_builds_for_every_language_and_length(slug, language, length, make_product):
    from templates_engine.builder import build_script, voice_room
    from templates_engine.textfit import speech_seconds, wrap_caption

    product = make_product(regular_price="32.00", **RATING)  # on sale and rated: every template builds
    script = build_script(product=product, template=TEMPLATES[slug], language=language, length=length)

    frames = [round(s.duration * FPS) for s in script.scenes]
    assert all(abs(f - s.duration * FPS) < 1e-6 for f, s in zip(frames, script.scenes, strict=True))
    assert sum(frames) == round(length * FPS)
    scenes = script.scenes
    for k, scene in enumerate(scenes):
        assert scene.caption, scene.id
        assert len(wrap_caption(scene.caption)) <= 2, scene.caption
        # A line carried over the next scene (an L-cut, in a short ad) has both scenes' time;
        # one that starts early in the scene before (a J-cut) has that part of it too.
        room = voice_room(scenes, k, language)
        assert speech_seconds(scene.voiceover, language) <= room, scene.voiceover
        assert "{" not in scene.caption + scene.voiceover + scene.badge
        assert 0 <= scene.image_index < len(product["images"])


def test_get_template_unknown_lists_valid_slugs():
    with pytest.raises(UnknownTemplate) as info:
        get_template("beauty-nope")
    assert "beauty-problem-solution" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_picker_prefers_offer_for_apparel_on_sale(make_product):
    template, why = pick_template(product=make_product(regular_price="32.00"), language="en", length=15)
    assert template.slug == "apparel-offer-urgency"
    assert why == "apparel product with a sale price → offer_urgency"


def test_picker_chooses_by_vertical(make_product):
    template, why = pick_template(product=make_product(), language="es", length=30)
    assert template.vertical == "apparel" and template.structure != "offer_urgency"
    assert why.startswith("apparel product →")
    beauty, _ = pick_template(product=make_product(vertical="beauty"), language="zh-Hans", length=15)
    assert beauty.vertical == "beauty"


@pytest.mark.parametrize("vertical", ["other", "furniture", "", None])
def test_picker_falls_back_to_generic(vertical, make_product):
    template, why = pick_template(product=make_product(vertical=vertical), language="en", length=15)
    assert template.slug == "generic-feature-showcase"
    assert "no vertical template" in why


def test_picker_is_deterministic(make_product):
    picks = {pick_template(product=make_product(), language="en", length=15)[0].slug for _ in range(5)}
    assert len(picks) == 1


def test_picker_refuses_language_no_template_speaks(make_product):
    with pytest.raises(ScriptError, match="written in"):
        pick_template(product=make_product(), language="sw", length=15)


def test_picker_accepts_regional_language_tag(make_product):
    template, _ = pick_template(product=make_product(), language="es-MX", length=15)
    assert template.vertical == "apparel"
