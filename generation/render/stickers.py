"""Stickers: the price tag (a sale's old price struck through beside the new one), the
discount burst, the rating stars, "new" and "free shipping", and the end card's call to
action; rasterised once (PIL), animated per frame as ``layers.Sprite``s.

Which sticker goes on which scene is ``plan``'s: only facts the page stated (``OfferSpec``),
the price on the offer scene and the end card, and no fact written more than twice in the ad
(captions included). Prices and ratings are drawn left to right; inside an Arabic caption
they are left-to-right isolates (``captions.isolated_run``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from . import fonts
from .captions import _compose_text, _text_masks, caption_chain
from .colors import RGB, luminance, mix
from .layers import over
from .linebreak import fit_lines
from .spec import BrandSpec, OfferSpec, SceneSpec, on_screen_caption
from .styles import Style

# "New" and "Free shipping" in the copy languages (core.vocabulary.LANGUAGES).
_NEW = {
    "en": "NEW", "es": "NUEVO", "de": "NEU", "fr": "NOUVEAU", "it": "NOVITÀ", "pt": "NOVO",
    "ja": "新発売", "zh-Hans": "新品", "zh-Hant": "新品", "ko": "신상품", "ar": "جديد",
}  # fmt: skip
_FREE_SHIPPING = {
    "en": "Free shipping", "es": "Envío gratis", "de": "Kostenloser Versand",
    "fr": "Livraison offerte", "it": "Spedizione gratuita", "pt": "Frete grátis",
    "ja": "送料無料", "zh-Hans": "包邮", "zh-Hant": "免運費", "ko": "무료 배송", "ar": "شحن مجاني",
}  # fmt: skip


def _lang(language: str) -> str:
    if language in _NEW:
        return language
    head = language.split("-")[0].lower()
    if head == "zh":
        return "zh-Hant" if "hant" in language.lower() or "tw" in language.lower() else "zh-Hans"
    return head if head in _NEW else "en"


def label(
    text: str,
    language: str,
    size: int,
    colour: RGB,
    *,
    bold: bool = True,
    stroke: RGB | None = None,
    shadow: bool = False,
    brand: BrandSpec | None = None,
    max_width: float | None = None,
    max_lines: int = 1,
) -> np.ndarray:
    """Text (one line, or up to ``max_lines`` within ``max_width``) as a trimmed RGBA array
    (empty (0, 0, 4) when there is nothing to draw)."""
    chain = caption_chain(language, brand) if brand is not None else fonts.font_chain(language)
    if not bold:
        chain = fonts.font_chain(language, bold=False)
    clean = fonts.clean_text(text, chain)
    if not clean:
        return np.zeros((0, 0, 4), np.uint8)
    lines = [clean]
    if max_width is not None:
        lines, size = fit_lines(clean, chain, size, max_width, max_lines=max_lines)
    width = max(1, round(size * 0.09)) if stroke is not None else 0
    fill_a, outline_a = _text_masks(lines, chain, size, stroke=width, pad=round(size * 0.15))
    rgba = _compose_text(fill_a, outline_a, colour, stroke or (0, 0, 0), shadow, size)
    ys, xs = np.nonzero(rgba[..., 3])
    if len(xs) == 0:
        return np.zeros((0, 0, 4), np.uint8)
    return rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _shape(w: int, h: int, colour: RGB, shape: str, *, points: int = 14) -> np.ndarray:
    """An anti-aliased filled shape (drawn 4x, box-averaged down) with a soft drop shadow."""
    k = 4
    pad = max(4, round(min(w, h) * 0.08))
    W, H = (w + 2 * pad) * k, (h + 2 * pad) * k
    mask = Image.new("L", (W, H), 0)
    draw = ImageDraw.Draw(mask)
    box = (pad * k, pad * k, (pad + w) * k - 1, (pad + h) * k - 1)
    if shape == "burst":
        cx, cy = W / 2, H / 2
        ro, ri = w * k / 2, w * k / 2 * 0.8
        pts = []
        for i in range(points * 2):
            r = ro if i % 2 == 0 else ri
            a = math.pi * i / points - math.pi / 2
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a) * h / w))
        draw.polygon(pts, fill=255)
    elif shape == "circle":
        draw.ellipse(box, fill=255)
    elif shape == "tag":
        notch = h * k * 0.5
        x0, y0, x1, y1 = box
        draw.polygon(
            [(x0 + notch, y0), (x1, y0), (x1, y1), (x0 + notch, y1), (x0, (y0 + y1) / 2)], fill=255
        )
        r = h * k * 0.09
        hole = (x0 + notch * 0.75, (y0 + y1) / 2)
        draw.ellipse((hole[0] - r, hole[1] - r, hole[0] + r, hole[1] + r), fill=0)
    else:  # pill
        draw.rounded_rectangle(box, radius=h * k * 0.5, fill=255)
    a = np.asarray(mask.reduce(k), np.float32)
    a /= 255
    blurred = Image.fromarray((a * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(pad * 0.5)
    )
    shadow = np.asarray(blurred, np.float32) / 255 * 0.35
    off = max(1, pad // 3)
    sh = np.zeros_like(a)
    sh[off:, off:] = shadow[:-off, :-off]
    total = a + sh * (1 - a)
    rgb = (
        np.broadcast_to(np.asarray(colour, np.float32), (*a.shape, 3))
        * (a / np.maximum(total, 1e-6))[..., None]
    )
    return np.dstack([rgb, total * 255]).clip(0, 255).astype(np.uint8)


def _on_shape(content: np.ndarray, colour: RGB, shape: str, pad: tuple[float, float]) -> np.ndarray:
    ch, cw = content.shape[:2]
    if shape in ("burst", "circle"):
        d = round(max(cw * (1.45 if shape == "burst" else 1.25), ch * 2.2))
        w = h = d
    else:
        w, h = round(cw + 2 * pad[0] + (ch * 0.5 if shape == "tag" else 0)), round(ch + 2 * pad[1])
    base = _shape(w, h, colour, shape)
    bh, bw = base.shape[:2]
    dx = round(ch * 0.25) if shape == "tag" else 0
    over(base, content, (bw - cw) // 2 + dx, (bh - ch) // 2)
    return base


def _rotate(rgba: np.ndarray, degrees: float) -> np.ndarray:
    if not degrees:
        return rgba
    im = Image.fromarray(rgba).rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)
    return np.asarray(im)


def price_tag(
    offer: OfferSpec, language: str, size: int, style: Style, *, rtl: bool = False
) -> np.ndarray:
    """The price on a tag; a sale's earlier price beside it, smaller and struck through."""
    ink = style.sticker_text
    new = label(offer.price, language, round(size * 1.25), ink)
    parts = [new]
    if offer.regular_price:
        old_ink = mix(ink, style.sticker, 0.35)
        old = label(offer.regular_price, language, round(size * 0.8), old_ink)
        if old.size:
            h, w = old.shape[:2]
            strike = np.zeros_like(old)
            y = h // 2
            t = max(2, round(size * 0.08))
            strike[y - t // 2 : y - t // 2 + t, :, :3] = (
                (230, 30, 50) if style.sticker_text != (255, 255, 255) else (255, 255, 255)
            )
            strike[y - t // 2 : y - t // 2 + t, :, 3] = 255
            over(old, strike, 0, 0)
            parts = [new, old] if rtl else [old, new]
    gap = round(size * 0.35)
    w = sum(p.shape[1] for p in parts) + gap * (len(parts) - 1)
    h = max(p.shape[0] for p in parts)
    row = np.zeros((h, w, 4), np.uint8)
    x = 0
    for p in parts:
        over(row, p, x, (h - p.shape[0]) // 2)
        x += p.shape[1] + gap
    shape = "tag" if style.sticker_shape == "tag" else "pill"
    return _rotate(
        _on_shape(row, style.sticker, shape, (size * 0.55, size * 0.35)), style.tilt * 0.3
    )


def burst(percent: int, language: str, size: int, style: Style) -> np.ndarray:
    text = f"-{percent}%"
    ink = style.sticker_text if style.sticker_shape == "burst" else (255, 255, 255)
    colour = (
        style.sticker if style.sticker_shape == "burst" else mix(style.highlight, (200, 0, 40), 0.4)
    )
    content = label(text, language, round(size * 1.1), ink)
    return _rotate(_on_shape(content, colour, "burst", (0, 0)), style.tilt or -10)


def _star(d: int, fill: float, colour: RGB, empty: RGB) -> np.ndarray:
    k = 4
    D = d * k
    pts = []
    for i in range(10):
        r = D / 2 if i % 2 == 0 else D / 2 * 0.45
        a = math.pi * i / 5 - math.pi / 2
        pts.append((D / 2 + r * math.cos(a), D / 2 + 0.05 * D + r * math.sin(a)))
    mask = Image.new("L", (D, D), 0)
    ImageDraw.Draw(mask).polygon(pts, fill=255)
    a = np.asarray(mask.reduce(k), np.float32) / 255
    rgb = np.empty((d, d, 3), np.float32)
    cut = round(d * max(0.0, min(1.0, fill)))
    rgb[:, :cut] = colour
    rgb[:, cut:] = empty
    return np.dstack([rgb, a * 255]).astype(np.uint8)


def _rating_value(rating: str) -> tuple[float, float] | None:
    found = re.findall(r"\d+(?:[.,]\d+)?", rating)
    if len(found) < 2:
        return None
    value, scale = (float(x.replace(",", ".")) for x in found[:2])
    return (value, scale) if scale > 0 and 0 <= value <= scale else None


def rating_stars(
    offer: OfferSpec, language: str, size: int, style: Style, *, with_text: bool = True
) -> np.ndarray:
    """Five stars filled to the rating, and the rating as the page gave it ("4.7/5")."""
    parsed = _rating_value(offer.rating)
    d = round(size * 0.9)
    gold = (255, 196, 0)
    dark = luminance(style.panel) < 0.45
    empty = (90, 90, 96) if dark else (200, 200, 206)
    stars = []
    if parsed is not None:
        value = parsed[0] / parsed[1] * 5
        stars = [_star(d, value - i, gold, empty) for i in range(5)]
    parts = stars[:]
    if with_text and offer.rating:
        parts.append(label(offer.rating, language, round(size * 0.85), (255, 255, 255)))
    if not parts:
        return np.zeros((0, 0, 4), np.uint8)
    gap = round(size * 0.12)
    w = sum(p.shape[1] for p in parts) + gap * (len(parts) - 1) + (gap * 2 if with_text else 0)
    h = max(p.shape[0] for p in parts)
    row = np.zeros((h, w, 4), np.uint8)
    x = 0
    for i, p in enumerate(parts):
        over(row, p, x, (h - p.shape[0]) // 2)
        x += p.shape[1] + (gap * 3 if i == len(stars) - 1 else gap)
    return _on_shape(row, (24, 24, 28), "pill", (size * 0.4, size * 0.28))


def flag(text: str, language: str, size: int, colour: RGB, ink: RGB, tilt: float = 0) -> np.ndarray:
    """A small pill sticker ("NEW", "Free shipping")."""
    content = label(text, language, round(size * 0.7), ink)
    if not content.size:
        return content
    return _rotate(_on_shape(content, colour, "pill", (size * 0.45, size * 0.25)), tilt)


def new_flag(language: str, size: int, style: Style) -> np.ndarray:
    return flag(_NEW[_lang(language)], language, size, style.highlight, (255, 255, 255), style.tilt)


def shipping_flag(language: str, size: int, style: Style) -> np.ndarray:
    return flag(_FREE_SHIPPING[_lang(language)], language, size, (22, 150, 90), (255, 255, 255))


def cta_button(
    text: str, language: str, size: int, style: Style, max_width: float, *, brand: BrandSpec | None = None
) -> np.ndarray:
    """The end card's call to action on a pill, in the brand's font when it has one (Latin)."""
    colour = style.highlight
    ink = (20, 20, 20) if luminance(colour) > 0.6 else (255, 255, 255)
    room = max_width - size * 1.3
    chain = caption_chain(language, brand) if brand is not None else fonts.font_chain(language)
    _, one_line = fit_lines(fonts.clean_text(text, chain) or " ", chain, size, room, max_lines=1)
    lines = 1 if one_line >= 0.8 * size else 2  # one line unless it would shrink a lot
    content = label(text, language, size, ink, brand=brand, max_width=room, max_lines=lines)
    if not content.size:
        return content
    return _on_shape(content, colour, "pill", (size * 0.8, size * 0.45))


def badge_sticker(text: str, language: str, size: int, style: Style) -> np.ndarray:
    """A script's own badge text (used when the page's facts are not at hand)."""
    return flag(
        text, language, round(size * 1.3), style.sticker, style.sticker_text, style.tilt * 0.3
    )


# ---------------------------------------------------------------- which sticker where


@dataclass
class ScenePlan:
    price: bool = False  # the price tag (with the struck old price on a sale)
    burst: bool = False
    rating: bool = False
    rating_text: bool = True
    new: bool = False
    shipping: bool = False
    badge: str = ""  # the script's badge, drawn only when the page's facts are unknown
    notes: list[str] = field(default_factory=list)


def _mentions(text: str, fact: str) -> bool:
    if not fact:
        return False
    norm = lambda s: re.sub(r"[\s\u00a0\u200e\u200f\u2066-\u2069]", "", s).casefold()  # noqa: E731
    if norm(fact) in norm(text):
        return True
    number = re.search(r"\d+(?:[.,]\d+)?", fact)
    return (
        bool(number)
        and re.search(rf"(?<![\d.,]){re.escape(number.group(0))}(?![\d])", text) is not None
    )


def plan(scenes: tuple[SceneSpec, ...], offer: OfferSpec, brand: BrandSpec) -> list[ScenePlan]:
    """Stickers per scene. With the page's facts: the price on the offer scene (unless its
    caption says it) and on the end card; the burst on the offer scene (unless a caption
    says the discount); the rating once; "new" on the first scene; free shipping on the offer
    scene (else the end card). Without them: the script's badges, as before."""
    plans = [ScenePlan() for _ in scenes]
    if not (offer.price or offer.rating or offer.new or offer.free_shipping):
        for p, s in zip(plans, scenes, strict=True):
            p.badge = s.badge
        return plans
    captions = [on_screen_caption(s, brand) for s in scenes]
    kinds = [s.shot_type for s in scenes]
    end = kinds.index("cta") if "cta" in kinds else None
    offers = [i for i, k in enumerate(kinds) if k == "offer"]
    # The offer scene: the one whose caption states the price, else the last one.
    stating = [i for i in offers if _mentions(captions[i], offer.price)]
    offer_i = stating[0] if stating else (offers[-1] if offers else None)
    if offer.price:
        if end is not None:
            plans[end].price = True
        if offer_i is not None and not stating:
            plans[offer_i].price = True
        if offer_i is None and end is None:
            plans[-1].price = True
    if offer.discount_percent:
        said = sum(_mentions(c, f"{offer.discount_percent}%") for c in captions)
        target = offer_i if offer_i is not None else end
        if (
            target is not None
            and said < 2
            and not _mentions(captions[target], f"{offer.discount_percent}%")
        ):
            plans[target].burst = True
    if offer.rating:
        said = [i for i, c in enumerate(captions) if _mentions(c, offer.rating)]
        if said:  # stars beside the caption that states it: the number is not written again
            plans[said[0]].rating = True
            plans[said[0]].rating_text = False
        else:
            product_scenes = [i for i, k in enumerate(kinds) if k not in ("offer", "cta")]
            at = product_scenes[1] if len(product_scenes) > 1 else (product_scenes or [0])[0]
            plans[at].rating = True
    if offer.new:
        plans[0].new = True
    if offer.free_shipping:
        target = offer_i if offer_i is not None else (end if end is not None else len(scenes) - 1)
        plans[target].shipping = True
    return plans
