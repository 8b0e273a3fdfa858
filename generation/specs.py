"""Turn a stored Ad (its AdScript and finished Shots) into the renderer's RenderSpec: its
scenes, the brand kit, and the facts the page stated that stickers may show (``OfferSpec``:
the price and a sale's earlier price formatted for the ad's language, the rating, "new",
free shipping and the shop's name)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from accounts import storage as media_storage
from accounts.models import BrandKit
from accounts.selectors import brand_kit_for
from generation.backends.base import ShotAsset
from generation.models import Ad, Shot
from generation.render.spec import (
    FORMATS,
    AudioSpec,
    BrandSpec,
    ClipShot,
    MotionShot,
    OfferSpec,
    RenderSpec,
    SceneSpec,
)
from templates_engine.context import format_number, format_price, product_facts
from templates_engine.languages import DEFAULT_CTA, resolve_language
from templates_engine.schema import AdScript

# What a page says when it ships for free, or when the product is new (its own words).
_FREE_SHIPPING = re.compile(
    r"free (shipping|delivery)|envío gratis|livraison (offerte|gratuite)|kostenlose[rn]? versand|"
    r"spedizione gratuita|frete grátis|送料無料|包邮|免運費|무료 배송|شحن مجاني",
    re.IGNORECASE,
)
_NEW = re.compile(r"\b(new arrival|new in|just launched|just dropped|new release)\b", re.IGNORECASE)


def media_path(name: str) -> Path:
    """A stored file's local path for the renderer: under MEDIA_ROOT, or (media in an object
    store) downloaded into the folder of the enclosing ``accounts.storage.downloads()``."""
    return media_storage.fetch(name)


def shot_to_render(asset: ShotAsset) -> ClipShot | MotionShot:
    """The renderer's shot from a made shot's asset (paths resolved under MEDIA_ROOT)."""
    if asset.kind == "clip":
        return ClipShot(path=media_path(asset.path))
    return MotionShot(
        images=tuple(media_path(name) for name in asset.images),
        cutouts=tuple(media_path(name) for name in asset.cutouts),
        move=asset.move,
        background=asset.background,
        seed=asset.seed,
    )


# The ad's tone (``make_ad --tone``, the API's ``tone``) picks its style preset when the brand
# kit sets none; neither leaves the vertical's default (``generation.render.styles``).
TONE_STYLES = {"friendly": "clean", "energetic": "bold", "premium": "premium", "playful": "playful"}


def brand_spec_for(kit: BrandKit | None) -> BrandSpec:
    """The renderer's brand options from a workspace's brand kit (defaults without one: the
    renderer then takes its colours from the product photos)."""
    if kit is None:
        return BrandSpec()
    return BrandSpec(
        custom_colours=True,
        primary=kit.primary_color,
        accent=kit.accent_color,
        text=kit.text_color,
        logo=media_path(kit.logo.name) if kit.logo else None,
        caption_style=kit.caption_style,
        style=kit.style,
        font=media_path(kit.font.name) if kit.font else None,
        cta=kit.cta_text,
    )


def brand_with_style(brand: BrandSpec, tone: str) -> BrandSpec:
    """The brand options with the ad's style preset: the brand kit's when it sets one, else
    the one the ad's tone picks, else "" (the vertical's default)."""
    return replace(brand, style=brand.style or TONE_STYLES.get(tone, ""))


def shop_name(product: dict[str, Any]) -> str:
    """The shop's name: the brand the page gave, else its web address's main name."""
    if (product.get("brand") or "").strip():
        return " ".join(str(product["brand"]).split())[:40]
    host = urlsplit(product.get("url") or "").hostname or ""
    parts = [p for p in host.split(".") if p not in ("www", "shop", "store", "m")]
    return parts[0].replace("-", " ").title()[:40] if parts else ""


def offer_spec_for(product: dict[str, Any], language: str) -> OfferSpec:
    """The stickers' facts from the product as the template engine reads it: only what the
    page stated, formatted the way the script's copy formats it."""
    facts = product_facts(product)
    try:
        _, locale = resolve_language(language, list(DEFAULT_CTA))
    except LookupError:
        locale = "en_US"
    text = " ".join(
        [str(product.get("title") or ""), str(product.get("description") or "")]
        + [str(f) for f in product.get("features") or []]
        + [str(b) for b in product.get("breadcrumbs") or []]
    )
    rating = ""
    if facts.rating is not None and facts.rating_scale is not None:
        rating = (
            f"{format_number(facts.rating, locale)}/{format_number(facts.rating_scale, locale)}"
        )
    price = format_price(facts.price, facts.currency, locale) if facts.price is not None else ""
    regular = ""
    if facts.has_sale and facts.regular_price is not None:
        regular = format_price(facts.regular_price, facts.currency, locale)
    return OfferSpec(
        price=price,
        regular_price=regular,
        discount_percent=facts.discount_percent if facts.has_sale else None,
        rating=rating,
        review_count=facts.review_count,
        new=bool(_NEW.search(text)),
        free_shipping=bool(_FREE_SHIPPING.search(text)),
        shop_name=shop_name(product),
    )


def render_spec_for(*, ad: Ad, shots: list[Shot], format_name: str) -> RenderSpec:
    script = AdScript.model_validate(ad.script)
    product = ad.product.as_script_input()
    by_scene = {shot.scene_id: shot for shot in shots}
    scenes = []
    for scene in script.scenes:
        shot = by_scene[scene.id]
        scenes.append(
            SceneSpec(
                duration=scene.duration,
                shot=shot_to_render(ShotAsset.from_json(shot.asset)),
                shot_type=scene.shot_type,
                caption=scene.caption,
                voiceover=scene.voiceover,
                transition=scene.transition,
                badge=scene.badge,
            )
        )
    return RenderSpec(
        format=FORMATS[format_name],
        scenes=tuple(scenes),
        language=script.language,
        audio=AudioSpec(
            voice=ad.voice,
            music=ad.music,
            engine=settings.SHOPREEL_TTS_ENGINE,
            voices_dir=(
                settings.SHOPREEL_KOKORO_DIR
                if settings.SHOPREEL_TTS_ENGINE == "kokoro"
                else settings.SHOPREEL_PIPER_VOICES_DIR
            ),
            # espeak picks its voice per language; a neural engine takes the setting's choice
            voice_name="" if settings.SHOPREEL_TTS_ENGINE == "espeak" else settings.SHOPREEL_TTS_VOICE,
        ),
        seed=ad.seed,
        preset=settings.SHOPREEL_RENDER_PRESET,
        brand=brand_with_style(brand_spec_for(brand_kit_for(workspace=ad.workspace)), script.tone),
        encoder=settings.SHOPREEL_VIDEO_ENCODER,
        offer=offer_spec_for(product, script.language),
        vertical=str(product.get("vertical") or script.vertical or ""),
    )
