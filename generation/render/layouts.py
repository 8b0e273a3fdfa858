"""Where things go, designed per format (frame pixels).

- 9:16 and 4:5 stack: the product large at the top (at least ``OCCUPANCY`` of the frame's
  height), the caption in the band under it, stickers on the product's corners.
- 16:9 and 1:1 split: the product on one side (full height), the caption and the price on
  the other, over a panel in the style's colour. Right-to-left languages mirror the split
  and the stickers.
- Any other size falls back to the stack when it is taller than wide, else the split.

Text boxes stay inside the platform's safe zone (``captions.safe_rect``); the product may
run to the frame's edges (it is picture, not text).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .captions import safe_rect
from .spec import OutputFormat

Box = tuple[float, float, float, float]  # x0, y0, x1, y1

# The product's height in product scenes, as a share of the frame's height, at least.
OCCUPANCY: dict[str, float] = {"9:16": 0.45, "4:5": 0.5, "1:1": 0.7, "16:9": 0.7}


@dataclass(frozen=True)
class Layout:
    split: bool
    rtl: bool
    product: Box  # the cut-out is contained in it; a photo is cover-cropped to ``picture``
    picture: Box  # where a photo with surroundings is shown full-bleed
    text: Box  # the caption's box (inside the safe zone)
    panel: Box | None  # the split layout's text panel
    sticker_top: tuple[float, float]  # a corner sticker (rating, new, free shipping): x, y
    burst: tuple[float, float]  # the discount burst's centre
    price: tuple[float, float]  # the price tag's anchor (its centre) on offer scenes
    end_product: Box  # the end card's product
    end_price: tuple[float, float]  # the end card's price tag centre
    end_cta: tuple[float, float]  # the end card's call-to-action button centre
    end_title: Box  # the end card's logo or shop name
    text_size: int  # the caption's base size in pixels


def layout_for(fmt: OutputFormat, *, rtl: bool = False) -> Layout:
    w, h = fmt.width, fmt.height
    sx0, sy0, sx1, sy1 = safe_rect(fmt)
    base = max(10, round(0.088 * min(w, h)))
    split = fmt.name in ("16:9", "1:1") or (fmt.name not in ("9:16", "4:5") and w >= h)
    if split:
        cut = 0.54 * w
        picture: Box = (0.0, 0.0, cut, float(h))
        product: Box = (0.04 * w, max(0.04 * h, sy0 * 0.6), cut - 0.02 * w, h - 0.06 * h)
        panel: Box = (cut, 0.0, float(w), float(h))
        text: Box = (cut + 0.04 * w, sy0 + 0.06 * h, sx1 - 0.01 * w, sy1 - 0.06 * h)
        layout = Layout(
            split=True,
            rtl=rtl,
            product=product,
            picture=picture,
            text=text,
            panel=panel,
            sticker_top=(sx0 + 0.01 * w, sy0 + 0.01 * h),
            burst=(cut - 0.11 * min(w, h), sy0 + 0.13 * min(w, h)),
            price=((text[0] + text[2]) / 2, sy1 - 0.16 * h),
            end_product=(0.06 * w, 0.1 * h, cut - 0.04 * w, 0.9 * h),
            end_price=((text[0] + text[2]) / 2, 0.5 * h),
            end_cta=((text[0] + text[2]) / 2, sy1 - 0.12 * h),
            end_title=(text[0], sy0 + 0.02 * h, text[2], sy0 + 0.16 * h),
            text_size=round(base * (0.9 if fmt.name == "16:9" else 0.78)),
        )
        return mirrored(layout, w) if rtl else layout
    tall = h / w > 1.5
    product_bottom = (0.61 if tall else 0.63) * h
    product = (0.03 * w, max(sy0 * 0.85, 0.05 * h), 0.97 * w, product_bottom)
    text = (sx0, product_bottom + 0.01 * h, sx1, sy1 - 0.005 * h)
    layout = Layout(
        split=False,
        rtl=rtl,
        product=product,
        picture=(0.0, 0.0, float(w), float(h)),
        text=text,
        panel=None,
        sticker_top=(sx0 + 0.01 * w, sy0 + 0.005 * h),
        burst=(sx1 - 0.13 * w, sy0 + 0.12 * w),
        price=(sx1 - 0.2 * w, product_bottom - 0.05 * h),
        end_product=(0.08 * w, sy0 + 0.085 * h, 0.92 * w, sy0 + (0.41 if tall else 0.43) * h),
        end_price=(w / 2, sy0 + (0.49 if tall else 0.53) * h),
        end_cta=(w / 2, sy1 - 0.07 * h),
        end_title=(sx0, sy0, sx1, sy0 + 0.08 * h),
        text_size=base,
    )
    if not rtl:
        return layout
    # Mirrored, but the caption stays centred in the safe area (which is not symmetric on
    # the short-video platforms: their buttons are on the right whatever the language).
    flipped = mirrored(layout, w)
    return replace(
        flipped, text=text, sticker_top=(min(flipped.sticker_top[0], sx1), flipped.sticker_top[1])
    )


def _mx(box: Box, w: float) -> Box:
    return (w - box[2], box[1], w - box[0], box[3])


def _mp(point: tuple[float, float], w: float) -> tuple[float, float]:
    return (w - point[0], point[1])


def mirrored(layout: Layout, width: float) -> Layout:
    """The same layout for a right-to-left language: everything flipped left-right (a corner
    sticker on the left moves to the right; the split puts the product on the right)."""
    return Layout(
        split=layout.split,
        rtl=True,
        product=_mx(layout.product, width),
        picture=_mx(layout.picture, width),
        text=_mx(layout.text, width),
        panel=_mx(layout.panel, width) if layout.panel else None,
        sticker_top=_mp(layout.sticker_top, width),
        burst=_mp(layout.burst, width),
        price=_mp(layout.price, width),
        end_product=_mx(layout.end_product, width),
        end_price=_mp(layout.end_price, width),
        end_cta=_mp(layout.end_cta, width),
        end_title=_mx(layout.end_title, width),
        text_size=layout.text_size,
    )


def caption_band(layout: Layout, fmt: OutputFormat, product: Box) -> tuple[Box, bool]:
    """Where the caption goes over a full-bleed photo in a stacked layout, given where the
    photo's product shows (``product``, frame pixels, over the whole scene's camera move):
    (box, on a plate).

    The layout's band under the product when the product stays clear of it; else the part of
    the safe area under the product or the part above it, the taller (room for two lines
    of text); else, when the product fills the frame, the usual band with a plate under the
    caption so it reads over the product."""
    sy0 = safe_rect(fmt)[1]
    text = layout.text
    margin = 0.015 * fmt.height
    if layout.split or product[3] + margin <= text[1]:
        return text, False
    least = 2.2 * layout.text_size
    below = (text[0], max(text[1], product[3] + margin), text[2], text[3])
    above = (text[0], sy0 + 0.005 * fmt.height, text[2], product[1] - margin)
    # No taller than the usual band: the caption keeps its size, it only moves.
    above = (above[0], max(above[1], above[3] - (text[3] - text[1])), above[2], above[3])
    tall_below, tall_above = below[3] - below[1], above[3] - above[1]
    if max(tall_below, tall_above) < least:
        return text, True
    return (below if tall_below >= tall_above else above), False
