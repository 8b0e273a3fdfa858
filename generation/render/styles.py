"""Style presets: what an ad looks like and how it moves, as one choice.

A ``Style`` sets the palette (studio sweep, text panel, text, stickers, end card), the type
(weight, size, capitals), the motion curves (how words and stickers enter, how much the
layers drift), the transitions the ad cycles through and the sticker shape. Four presets:
``clean`` (studio), ``bold`` (sale), ``premium`` and ``playful``. ``style_for`` picks one:
the brand's (``BrandSpec.style``) or the vertical's default (``VERTICAL_DEFAULTS``), coloured
by the brand kit when the workspace has one, else by the product photos' own palette
(``photo_palette``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from .colors import RGB, hex_to_rgb, luminance, mix
from .spec import BrandSpec, RenderSpec

WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


@dataclass(frozen=True)
class Style:
    name: str
    # palette
    sweep_inner: RGB  # the studio background's light centre
    sweep_outer: RGB  # ...and its edges
    panel: RGB  # the text side of split layouts
    text: RGB  # caption fill
    stroke: RGB | None  # caption outline (None: no outline, a soft shadow only)
    highlight: RGB  # the spoken word / emphasis
    sticker: RGB  # price tag and burst fill
    sticker_text: RGB
    end_inner: RGB
    end_outer: RGB
    # type
    bold: bool = True
    size: float = 1.0  # caption size, times the format's base
    upper: bool = False
    # motion
    word_ease: str = "back"  # layers.EASES key
    word_in: float = 0.22  # s a word takes to land
    word_rise: float = 0.35  # how far it rises, times the text size
    word_scale: float = 0.55  # the scale it starts from
    drift: float = 1.0  # how much the layers drift (parallax amount)
    transitions: tuple[str, ...] = ("push", "slide", "whip", "zoom", "wipe")
    transition_s: float = 0.3
    # stickers
    sticker_shape: str = "pill"  # pill, burst, tag, circle
    tilt: float = 0.0  # degrees stickers lean


def _base(name: str, primary: RGB, accent: RGB) -> Style:
    if name == "bold":
        hot = accent if luminance(accent) < 0.75 else (230, 30, 60)
        return Style(
            name="bold",
            sweep_inner=mix(hot, WHITE, 0.35),
            sweep_outer=mix(hot, BLACK, 0.35),
            panel=mix(hot, BLACK, 0.15),
            text=WHITE,
            stroke=(15, 15, 15),
            highlight=(255, 225, 60),
            sticker=(255, 225, 60),
            sticker_text=(20, 20, 20),
            end_inner=mix(hot, WHITE, 0.1),
            end_outer=mix(hot, BLACK, 0.45),
            size=1.08,
            upper=True,
            word_ease="back",
            word_in=0.16,
            word_scale=0.3,
            drift=1.3,
            transitions=("whip", "push", "zoom", "slide", "wipe"),
            transition_s=0.24,
            sticker_shape="burst",
            tilt=-8.0,
        )
    if name == "premium":
        gold = mix(accent, (212, 175, 55), 0.6)
        return Style(
            name="premium",
            sweep_inner=mix(primary, (60, 60, 64), 0.7),
            sweep_outer=mix(primary, (8, 8, 10), 0.8),
            panel=mix(primary, (14, 14, 16), 0.85),
            text=(246, 242, 234),
            stroke=None,
            highlight=gold,
            sticker=gold,
            sticker_text=(20, 18, 14),
            end_inner=mix(primary, (40, 40, 44), 0.75),
            end_outer=(6, 6, 8),
            bold=False,
            size=0.95,
            word_ease="sine",
            word_in=0.45,
            word_rise=0.2,
            word_scale=1.0,
            drift=0.6,
            transitions=("push", "zoom", "wipe", "slide"),
            transition_s=0.45,
            sticker_shape="tag",
        )
    if name == "playful":
        return Style(
            name="playful",
            sweep_inner=mix(accent, WHITE, 0.82),
            sweep_outer=mix(accent, WHITE, 0.45),
            panel=mix(accent, WHITE, 0.3),
            text=WHITE,
            stroke=mix(accent, BLACK, 0.55),
            highlight=(255, 214, 10),
            sticker=mix(accent, (255, 214, 10), 0.15),
            sticker_text=WHITE,
            end_inner=mix(accent, WHITE, 0.5),
            end_outer=mix(accent, BLACK, 0.15),
            size=1.05,
            word_ease="elastic",
            word_in=0.35,
            word_rise=0.5,
            word_scale=0.4,
            drift=1.2,
            transitions=("slide", "zoom", "wipe", "push", "whip"),
            transition_s=0.32,
            sticker_shape="circle",
            tilt=10.0,
        )
    # clean studio
    return Style(
        name="clean",
        sweep_inner=mix(WHITE, accent, 0.05),
        sweep_outer=mix((214, 214, 218), primary, 0.2),
        panel=mix(WHITE, accent, 0.08),
        text=WHITE,
        stroke=(20, 20, 24),
        highlight=accent if luminance(accent) < 0.8 else (255, 59, 92),
        sticker=accent if luminance(accent) < 0.8 else (255, 59, 92),
        sticker_text=WHITE,
        end_inner=mix(primary, accent, 0.25),
        end_outer=mix(primary, BLACK, 0.35),
        word_ease="cubic",
        word_in=0.24,
        word_scale=0.85,
        transitions=("push", "slide", "wipe", "zoom", "whip"),
        sticker_shape="pill",
    )


PRESETS: tuple[str, ...] = ("clean", "bold", "premium", "playful")
VERTICAL_DEFAULTS: dict[str, str] = {
    "apparel": "clean",
    "beauty": "premium",
    "jewellery": "premium",
    "electronics": "clean",
    "home": "clean",
    "food": "playful",
    "toys": "playful",
    "pets": "playful",
    "sports": "bold",
}


def preset_for(name: str, vertical: str) -> str:
    """The preset asked for, or the vertical's default ("clean" for any other)."""
    if name in PRESETS:
        return name
    return VERTICAL_DEFAULTS.get(vertical, "clean")


def photo_palette(paths: list[Path]) -> tuple[RGB, RGB] | None:
    """(primary, accent) from the product photos: the most colourful of their main colours
    (k-means over opaque, not-near-white, not-near-black pixels) as the accent, a deep shade
    of it as the primary; None when the photos are greyscale."""
    from .plates import load_image  # plates imports this module's neighbours

    pixels = []
    for path in paths[:3]:
        rgba = load_image(path, rgba=True, at_least=(128, 128))  # a JPEG decodes at 1/8
        small = cv2.resize(rgba, (64, 64), interpolation=cv2.INTER_AREA).reshape(-1, 4)
        small = small[small[:, 3] > 200, :3].astype(np.float32)
        lum = small @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        pixels.append(small[(lum > 28) & (lum < 235)])
    data = np.concatenate(pixels) if pixels else np.zeros((0, 3), np.float32)
    if len(data) < 40:
        return None
    k = min(5, len(data) // 8)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    cv2.setRNGSeed(7)
    _, labels, centres = cv2.kmeans(data, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    best, best_score = None, 0.0
    for centre, count in zip(centres, counts, strict=True):
        chroma = float(centre.max() - centre.min())
        score = chroma * (count / len(data)) ** 0.5
        if chroma > 40 and score > best_score:
            best, best_score = centre, score
    if best is None:
        return None
    accent = tuple(int(c) for c in best)
    return mix(accent, BLACK, 0.7), accent  # type: ignore[arg-type]


def style_for(spec: RenderSpec) -> Style:
    """The ad's style: preset by brand or vertical, coloured by the brand kit when there is
    one, else by the photos."""
    from .spec import MotionShot

    brand = spec.brand
    primary, accent = hex_to_rgb(brand.primary), hex_to_rgb(brand.accent)
    defaults = BrandSpec()
    custom = brand.custom_colours or (brand.primary, brand.accent) != (
        defaults.primary,
        defaults.accent,
    )
    if not custom:
        photos = [
            p
            for s in spec.scenes
            if isinstance(s.shot, MotionShot)
            for p in (s.shot.cutouts or s.shot.images)[:1]
        ]
        found = photo_palette(photos) if photos else None
        if found is not None:
            primary, accent = found
    style = _base(preset_for(brand.style, spec.vertical), primary, accent)
    if custom:
        # The kit's text colour and accent lead.
        style = replace(style, highlight=accent, text=hex_to_rgb(brand.text))
    return style
