"""A workspace's brand kit: checked on the way in, and used by that workspace's renders."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from accounts.models import BrandKit
from accounts.selectors import brand_kit_for
from accounts.services import brand_kit_update
from core.errors import InvalidInput
from generation.models import Ad, Shot
from generation.specs import render_spec_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

FONT = next((p for p in Path("/usr/share/fonts").rglob("DejaVuSans-Bold.ttf")), None) or next(
    Path(__file__).resolve().parents[2].joinpath("generation/render/fonts").glob("*.ttf"), None
)


def _png(size=(64, 32), colour=(20, 120, 220, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def test_kit_is_created_then_changed_field_by_field(workspace):
    kit = brand_kit_update(
        workspace=workspace, primary_color="#1e3a8a", cta_text="  Shop  at acme "
    )
    assert (kit.primary_color, kit.accent_color, kit.cta_text) == (
        "#1E3A8A",
        "#FF3B5C",
        "Shop at acme",
    )
    again = brand_kit_update(workspace=workspace, caption_style="highlight")
    assert again.pk == kit.pk and again.primary_color == "#1E3A8A"
    assert again.caption_style == "highlight"
    assert BrandKit.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"accent_color": "red"}, "accent colour"),
        ({"text_color": "#12345"}, "text colour"),
        ({"caption_style": "wavy"}, "Caption style"),
        ({"style": "grunge"}, "Style must be one of clean, bold, premium, playful"),
        ({"cta_text": "x" * 61}, "60 characters"),
        ({"logo": b"GIF89a not really"}, "image"),
        ({"logo": b"%PDF-1.7"}, "image"),
        ({"font": b"not a font at all"}, "font"),
        ({"font": b""}, "empty"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(workspace, kwargs, field):
    brand_kit_update(workspace=workspace, primary_color="#000000")
    with pytest.raises(InvalidInput, match=field):
        brand_kit_update(workspace=workspace, primary_color="#ABCDEF", **kwargs)
    assert brand_kit_for(workspace=workspace).primary_color == "#000000"


def test_logo_and_font_are_stored_and_replaced(workspace):
    if FONT is None:
        pytest.skip("no TrueType font on this machine")
    kit = brand_kit_update(workspace=workspace, logo=_png(), font=FONT.read_bytes())
    assert kit.logo.name.endswith(".png") and kit.font.name.endswith(".ttf")
    first_logo = Path(kit.logo.path)
    assert first_logo.is_file()
    with Image.open(kit.logo.path) as im:
        assert im.size == (64, 32)
    kit = brand_kit_update(workspace=workspace, logo=None)
    assert not kit.logo


def test_a_font_without_latin_letters_is_refused(workspace):
    from fontTools.fontBuilder import FontBuilder

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "uni4E00"])
    fb.setupCharacterMap({0x4E00: "uni4E00"})
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    glyph = pen.glyph()
    fb.setupGlyf({".notdef": glyph, "uni4E00": glyph})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "uni4E00": (1000, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Han", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    with pytest.raises(InvalidInput, match="no Latin letters"):
        brand_kit_update(workspace=workspace, font=out.getvalue())


def _ad_with_end_card(workspace, tmp_path) -> tuple[Ad, list[Shot]]:
    product = ProductFactory(workspace=workspace)
    script = {
        "template": "t",
        "vertical": "generic",
        "structure": "s",
        "length": 4.0,
        "scenes": [
            {"id": "s1", "shot_type": "hero", "duration": 2.0, "caption": "Cold all day"},
            {"id": "s2", "shot_type": "cta", "duration": 2.0, "caption": "Shop now"},
        ],
    }
    ad = Ad.objects.create(workspace=workspace, product=product, template="t", script=script)
    shots = [
        Shot(scene_id=sid, asset={"kind": "motion", "images": ["p.jpg"]}) for sid in ("s1", "s2")
    ]
    return ad, shots


def test_render_spec_uses_the_ads_workspace_kit(workspace, other_workspace, tmp_path, settings):
    settings.SHOPREEL_VIDEO_ENCODER = "libx264"
    ad, shots = _ad_with_end_card(workspace, tmp_path)
    plain = render_spec_for(ad=ad, shots=shots, format_name="9:16")
    assert plain.brand.logo is None and plain.brand.caption_style == "outline"
    assert plain.encoder == "libx264"
    brand_kit_update(workspace=other_workspace, accent_color="#00FF00")  # not this ad's
    brand_kit_update(
        workspace=workspace,
        accent_color="#22aa55",
        caption_style="boxed",
        cta_text="Order at acme.shop",
        logo=_png(),
    )
    spec = render_spec_for(ad=ad, shots=shots, format_name="9:16")
    assert spec.brand.accent == "#22AA55" and spec.brand.caption_style == "boxed"
    assert spec.brand.cta == "Order at acme.shop"
    assert spec.brand.logo is not None and spec.brand.logo.is_file()


def test_the_kits_style_dresses_the_ads_unless_left_on_auto(workspace, tmp_path, settings):
    """The kit's style preset wins over the one the ad's tone picks; on auto ("") the tone's
    (else the vertical's default) is used."""
    from dataclasses import replace

    from generation.render.styles import style_for

    settings.SHOPREEL_VIDEO_ENCODER = "libx264"
    ad, shots = _ad_with_end_card(workspace, tmp_path)
    ad.script = {**ad.script, "tone": "energetic"}  # the tone alone picks "bold"
    ad.save(update_fields=["script"])
    assert render_spec_for(ad=ad, shots=shots, format_name="9:16").brand.style == "bold"
    kit = brand_kit_update(workspace=workspace, style="premium")
    assert kit.style == "premium"
    spec = render_spec_for(ad=ad, shots=shots, format_name="9:16")
    assert spec.brand.style == "premium"
    assert style_for(replace(spec, scenes=())).name == "premium"
    brand_kit_update(workspace=workspace, style="")  # back to auto
    assert render_spec_for(ad=ad, shots=shots, format_name="9:16").brand.style == "bold"
