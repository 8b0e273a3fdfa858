"""A scene's text and stickers, over its picture: the kinetic caption, the stickers the
plan gives it (``stickers.plan``) and, on the end card, the logo or shop name, the price and
a pulsing call-to-action button.

Everything is rasterised here once per scene; ``draw(frame, t)`` (``t`` in the scene's
seconds) only moves, scales and blends small sprites. Stickers pop in one after another,
float gently (a layer of their own for the parallax) and fade out with the caption before
the cut; nothing of a scene is drawn outside its own time, so the next scene's caption
never shares a frame with this one's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import plates, stickers
from .captions import safe_rect
from .colors import hex_to_rgb, luminance, mix, readable_on
from .kinetic import EXIT, KineticCaption
from .layers import Sprite, ease_out_back
from .layouts import Box, Layout
from .spec import BrandSpec, OfferSpec, OutputFormat, SceneSpec, WordTiming, on_screen_caption
from .styles import Style
from .wordsync import highlight_times


@dataclass
class _Sticker:
    sprite: Sprite
    start: float
    pulse: bool = False  # the call to action breathes
    is_caption: bool = False  # the end card's call to action is its caption


def _clamp(sprite: Sprite, fmt: OutputFormat, *, x: float, y: float) -> Sprite:
    """Put the sprite's centre at (x, y), then move it inside the safe area."""
    sx0, sy0, sx1, sy1 = safe_rect(fmt)
    left = min(max(sx0, x - sprite.w / 2), sx1 - sprite.w)
    top = min(max(sy0, y - sprite.h / 2), sy1 - sprite.h)
    sprite.x, sprite.y = max(float(sx0), left), max(float(sy0), top)
    return sprite


class Decor:
    def __init__(
        self,
        scene: SceneSpec,
        *,
        fmt: OutputFormat,
        layout: Layout,
        style: Style,
        brand: BrandSpec,
        language: str,
        offer: OfferSpec,
        plan: stickers.ScenePlan,
        duration: float,
        spoken: tuple[WordTiming, ...] = (),
        last: bool = False,
        on_photo: bool = False,
        caption_box: Box | None = None,
        caption_plate: bool = False,
    ) -> None:
        """``caption_box``: where the caption goes instead of the layout's band (over a photo,
        away from its product); ``caption_plate``: on a dark plate (the product is under it)."""
        self.duration = duration
        self.last = last  # the ad's last scene keeps its decor to the final frame
        self.caption: KineticCaption | None = None
        self.items: list[_Sticker] = []
        size = layout.text_size
        end_card = scene.shot_type == "cta"
        text = on_screen_caption(scene, brand)
        if end_card:
            self._end_card(text, fmt, layout, style, brand, language, offer, plan, size)
            return
        # Stickers first: a price tag in a split layout takes the bottom of the text side.
        box = caption_box or layout.text
        corner = list(layout.sticker_top)
        step = round(size * 1.5)
        if plan.price and offer.price:
            tag = Sprite(stickers.price_tag(offer, language, size, style, rtl=layout.rtl))
            _clamp(tag, fmt, x=layout.price[0], y=layout.price[1])
            self.items.append(_Sticker(tag, 0.35))
            if layout.split:
                box = (box[0], box[1], box[2], min(box[3], tag.y - size * 0.4))
        if plan.burst and offer.discount_percent:
            burst = Sprite(stickers.burst(offer.discount_percent, language, size, style))
            self.items.append(
                _Sticker(_clamp(burst, fmt, x=layout.burst[0], y=layout.burst[1]), 0.55)
            )
        for kind in ("rating", "new", "shipping", "badge"):
            rgba = None
            if kind == "rating" and plan.rating:
                rgba = stickers.rating_stars(
                    offer, language, round(size * 0.8), style, with_text=plan.rating_text
                )
            elif kind == "new" and plan.new:
                rgba = stickers.new_flag(language, size, style)
            elif kind == "shipping" and plan.shipping:
                rgba = stickers.shipping_flag(language, size, style)
            elif kind == "badge" and plan.badge:
                rgba = stickers.badge_sticker(plan.badge, language, size, style)
            if rgba is None or not rgba.size:
                continue
            sprite = Sprite(rgba)
            x = corner[0] - sprite.w / 2 if layout.rtl else corner[0] + sprite.w / 2
            _clamp(sprite, fmt, x=x, y=corner[1] + sprite.h / 2)
            corner[1] += sprite.h + step * 0.2
            self.items.append(_Sticker(sprite, 0.2 + 0.15 * len(self.items)))
        if box[1] < layout.text[1] and text.strip():
            # Moved above the product: under the stickers at the top of the frame, else
            # back to the usual band, on a plate.
            tops = [i.sprite.bbox for i in self.items if i.sprite.bbox[1] < box[3]]
            top = max((b[3] + step * 0.2 for b in tops), default=box[1])
            if box[3] - top >= 2.2 * size:
                box = (box[0], max(box[1], top), box[2], box[3])
            else:
                box, caption_plate = layout.text, True
        if text.strip():
            fill, stroke = style.text, style.stroke
            if layout.split:  # on the text panel
                fill = readable_on(style.panel, style.text)
                stroke = None if abs(luminance(fill) - luminance(style.panel)) > 0.45 else (0, 0, 0)
            elif on_photo:  # over a photo (darkened under the caption): always outlined
                fill, stroke = (255, 255, 255), stroke or (10, 10, 12)
            elif stroke is None and luminance(style.sweep_inner) > 0.6:
                fill, stroke = (20, 20, 24), None
            boxed = None
            if caption_plate:
                boxed = (16, 16, 20)
                fill, stroke = (255, 255, 255), None
            if brand.caption_style == "boxed":
                boxed = (
                    hex_to_rgb(brand.primary)
                    if brand.custom_colours
                    else mix(style.highlight, (0, 0, 0), 0.25)
                )
                fill, stroke = readable_on(boxed, (255, 255, 255)), None
            caption = KineticCaption(
                text,
                box,
                round(size * style.size),
                style,
                language=language,
                brand=brand,
                fill=fill,
                stroke=stroke,
                t_in=0.0,
                t_out=duration,
                highlight=brand.caption_style == "highlight",
                boxed=boxed,
                exits=not last,
            )
            if spoken and caption.words:
                times = highlight_times(caption.word_texts, spoken)
                if times:
                    caption = KineticCaption(
                        text,
                        box,
                        round(size * style.size),
                        style,
                        language=language,
                        brand=brand,
                        fill=fill,
                        stroke=stroke,
                        t_in=0.0,
                        t_out=duration,
                        spoken=times,
                        highlight=brand.caption_style == "highlight",
                        boxed=boxed,
                        exits=not last,
                    )
            self.caption = caption if caption.words else None

    def _end_card(
        self,
        text: str,
        fmt: OutputFormat,
        layout: Layout,
        style: Style,
        brand: BrandSpec,
        language: str,
        offer: OfferSpec,
        plan: stickers.ScenePlan,
        size: int,
    ) -> None:
        tx0, ty0, tx1, ty1 = layout.end_title
        if brand.logo is not None:
            rgba, x, y = plates.logo_sprite(brand.logo, layout.end_title)
            self.items.append(_Sticker(Sprite(rgba, x, y), 0.1))
        elif offer.shop_name:
            ink = readable_on(style.panel if layout.split else style.end_inner, (255, 255, 255))
            rgba = stickers.label(
                offer.shop_name, language, round(size * 0.9), ink, brand=brand, max_width=tx1 - tx0
            )
            if rgba.size:
                title = Sprite(rgba)
                _clamp(title, fmt, x=(tx0 + tx1) / 2, y=(ty0 + ty1) / 2)
                self.items.append(_Sticker(title, 0.1))
        # Price, free shipping and the call to action, stacked from the bottom of the safe
        # area up (the button's text may take two lines), centred on the layout's column;
        # the price never sinks below the layout's own place for it.
        column: list[tuple[Sprite, float, bool]] = []  # sprite, start, is the button
        if plan.price and offer.price:
            tag = stickers.price_tag(offer, language, round(size * 1.1), style, rtl=layout.rtl)
            column.append((Sprite(tag), 0.3, False))
            if plan.shipping:
                column.append((Sprite(stickers.shipping_flag(language, size, style)), 0.5, False))
        elif plan.badge:
            badge = stickers.badge_sticker(plan.badge, language, round(size * 1.2), style)
            column.append((Sprite(badge), 0.3, False))
        if text.strip():
            sx0, _, sx1, _ = safe_rect(fmt)
            if layout.split and layout.panel is not None:
                width = min(sx1 - sx0, (layout.panel[2] - layout.panel[0]) * 0.92)
            else:
                width = (sx1 - sx0) * 0.9
            scale = 0.8 if layout.split else 0.88
            rgba = stickers.cta_button(text, language, round(size * scale), style, width, brand=brand)
            if rgba.size:
                column.append((Sprite(rgba), 0.45, True))
        _, _, _, sy1 = safe_rect(fmt)
        gap = size * 0.3
        bottom = sy1 - size * 0.2
        cx = layout.end_cta[0]
        placed: list[tuple[Sprite, float, bool]] = []
        for sprite, start, is_button in reversed(column):
            centre = bottom - sprite.h / 2
            if not is_button and sprite is column[0][0]:
                centre = min(centre, layout.end_price[1])
            _clamp(sprite, fmt, x=cx, y=centre)
            bottom = sprite.y - gap
            placed.append((sprite, start, is_button))
        for sprite, start, is_button in reversed(placed):
            self.items.append(_Sticker(sprite, start, pulse=is_button, is_caption=is_button))

    @property
    def caption_bbox(self) -> tuple[int, int, int, int] | None:
        if self.caption is not None:
            return self.caption.bbox
        for item in self.items:
            if item.is_caption:
                return item.sprite.bbox
        return None

    def sticker_bboxes(self) -> list[tuple[int, int, int, int]]:
        return [item.sprite.bbox for item in self.items if not item.is_caption]

    def draw(self, frame: np.ndarray, t: float) -> bool:
        """Draw at scene time ``t``; True when a caption (or the call to action) was drawn."""
        if t < 0 or (t >= self.duration and not self.last):
            return False
        fade = 1.0
        if t > self.duration - EXIT and not self.last:
            fade = max(0.0, (self.duration - t) / EXIT)
        drew = False
        for k, item in enumerate(self.items):
            if t < item.start:
                continue
            p = (t - item.start) / 0.35
            pop = ease_out_back(p) if p < 1 else 1.0
            scale = 0.3 + 0.7 * pop
            if item.pulse and p >= 1:
                scale = 1 + 0.05 * math.sin(2 * math.pi * (t - item.start) / 1.1) ** 2
            bob = math.sin(2 * math.pi * (t / 2.4 + k * 0.3)) * item.sprite.h * 0.04
            item.sprite.draw(frame, dy=bob, scale=scale, opacity=min(1.0, p * 3) * fade)
            drew = drew or item.is_caption
        if self.caption is not None and self.caption.draw(frame, t):
            drew = True
        return drew
