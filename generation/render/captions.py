"""Caption, badge and call-to-action layers, rasterised once per scene with PIL.

Each layer is an ``Overlay``: an RGBA array and where it sits in the frame. The frame loop
only alpha-blends it inside its bounding box, so all the text work (wrapping, shrinking,
shaping, glyph fall-back) happens here, once.

Where a caption breaks and at what size is ``linebreak``'s. Placement follows the format's
safe zone (the parts of the screen the platforms leave alone): captions sit in the lower
third, bottom-aligned just above the bottom margin and inside the left/right margins; badges
sit at the top-left of the safe area.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import fonts
from .colors import RGB, hex_to_rgb, readable_on
from .linebreak import MAX_LINES as MAX_LINES  # the captions' limit, read from here too
from .linebreak import Measure, fit_lines, tokens
from .spec import BrandSpec, OutputFormat, ShotType

# Languages written in other scripts: a brand font (Latin) is not put first for them.
_NON_LATIN = {"zh", "ja", "ko", "ar", "he", "fa", "ur", "th", "hi", "ru", "uk", "el", "bg"}

_LINE_SPACING = 1.32  # baseline to baseline, times the font size


@dataclass(frozen=True)
class Overlay:
    """A static RGBA layer (straight alpha) with its top-left corner in frame pixels."""

    rgba: np.ndarray  # (h, w, 4) uint8
    x: int
    y: int

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1), exclusive end, in frame pixels."""
        h, w = self.rgba.shape[:2]
        return (self.x, self.y, self.x + w, self.y + h)


def safe_rect(fmt: OutputFormat) -> tuple[int, int, int, int]:
    """The safe area (x0, y0, x1, y1) in frame pixels: nothing we draw goes outside it."""
    z = fmt.safe_zone
    return (
        round(fmt.width * z.left),
        round(fmt.height * z.top),
        round(fmt.width * (1 - z.right)),
        round(fmt.height * (1 - z.bottom)),
    )


def _base_size(fmt: OutputFormat) -> int:
    """Caption font size for the format: ~70 px on a 1080-wide vertical frame."""
    return max(10, round(0.064 * min(fmt.width, fmt.height)))


# ---------------------------------------------------------------- drawing


def _line_metrics(
    chain: tuple[fonts.FontFace, ...], lines: list[str], size: int
) -> tuple[int, int]:
    """(ascent, descent) large enough for every face the lines use."""
    ascent = descent = 0
    for line in lines:
        for run in fonts.split_runs(line, chain):
            a, d = fonts.pil_font(run.face, size).getmetrics()
            ascent, descent = max(ascent, a), max(descent, d)
    if not ascent:
        ascent, descent = fonts.pil_font(chain[0], size).getmetrics()
    return ascent, descent


def caption_chain(language: str, brand: BrandSpec) -> tuple[fonts.FontFace, ...]:
    """The font chain for captions: the brand's font first for Latin-script languages (its
    missing glyphs still fall back along the usual chain)."""
    chain = fonts.font_chain(language)
    if brand.font is not None and language.lower().split("-")[0] not in _NON_LATIN:
        face = fonts.FontFace(brand.font)
        chain = (face, *(f for f in chain if f != face))
    return chain


def _strong_rtl(text: str) -> bool:
    """Right-to-left letters in the text (direction marks such as the RLM a price carries
    are not letters)."""
    return any(
        unicodedata.bidirectional(ch) in ("R", "AL") and unicodedata.category(ch) != "Cf"
        for ch in text
    )


# Bidi classes of the characters that stay outside a left-to-right isolate at its edges:
# spaces and sentence punctuation (". , : · ! ?"), which belong to the right-to-left
# sentence. Currency signs, "%" and "+" (ET, ES), digits and brackets stay in.
_EDGE_CLASSES = frozenset(("WS", "S", "B", "ON", "CS"))
_BRACKETS = frozenset("()[]{}<>«»")


def _edge(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in _EDGE_CLASSES and ch not in _BRACKETS


def isolated_run(text: str, rtl: bool, rtl_paragraph: bool) -> tuple[str, str]:
    """(text, direction) to draw one run with. Inside a right-to-left line, a run without
    right-to-left letters (a price "US$ 32", a rating "4.5/5") is a left-to-right isolate
    (Unicode's LRI…PDI): drawn left to right, so it does not come out "$US 32" or "5/4.5".
    Spaces and sentence punctuation at its edges are not part of the isolate: they take the
    right-to-left sentence's order, so "… US$ 24." ends with its full stop on the left and
    "4.5/5 · …" has its dot between the rating and the words that follow."""
    if not rtl_paragraph or _strong_rtl(text):
        return text, "rtl" if rtl else "ltr"
    edge = [_edge(ch) for ch in text]
    lead = next((i for i, e in enumerate(edge) if not e), len(text))
    if lead == len(text):  # only spaces and punctuation: right-to-left
        return text[::-1], "ltr"
    trail = next(i for i, e in enumerate(reversed(edge)) if not e)
    core = text[lead : len(text) - trail]
    before, after = text[:lead], text[len(text) - trail :]
    # Drawn left to right: what follows the isolate in reading order comes first.
    return after[::-1] + core + before[::-1], "ltr"


def _text_masks(
    lines: list[str],
    chain: tuple[fonts.FontFace, ...],
    size: int,
    stroke: int,
    pad: int,
    words_out: list[tuple[str, tuple[int, int, int, int]]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill and fill+outline coverage masks (float 0..1) of centred lines of text.

    Drawing into single-channel masks and colouring afterwards avoids PIL's dark fringes
    when text is drawn straight onto a transparent RGBA image. With ``words_out`` (left to
    right lines only) each word and its box (x0, y0, x1, y1 in mask pixels) is appended.
    """
    measure = Measure(chain, size)
    ascent, descent = _line_metrics(chain, lines, size)
    # From the size, not the faces' metrics: Arabic faces declare very tall ascent/descent
    # (for stacked marks) and would space Arabic captions twice as far apart as Latin.
    line_h = round(size * _LINE_SPACING)
    widths = [measure.width(line) for line in lines]
    w = int(max(widths, default=0)) + 2 * pad + 2 * stroke
    h = line_h * (len(lines) - 1) + ascent + descent + 2 * pad + 2 * stroke
    fill = Image.new("L", (w, h), 0)
    outline = Image.new("L", (w, h), 0)
    draw_fill, draw_outline = ImageDraw.Draw(fill), ImageDraw.Draw(outline)
    for i, (line, line_w) in enumerate(zip(lines, widths, strict=True)):
        x = (w - line_w) / 2
        baseline = pad + stroke + ascent + i * line_h
        if words_out is not None:
            prefix = ""
            for token in tokens(line):
                x_start = x + sum(measure.run_width(r) for r in measure.runs(prefix))
                word = token.rstrip()
                x_end = x_start + measure.width(word)
                box = (
                    int(x_start) - stroke,
                    baseline - ascent - stroke,
                    int(np.ceil(x_end)) + stroke,
                    baseline + descent + stroke,
                )
                if word:
                    words_out.append((word, box))
                prefix += token
        rtl_line = fonts.paragraph_is_rtl(line)
        for run in measure.runs(line):
            font = fonts.pil_font(run.face, size)
            text, direction = isolated_run(run.text, run.rtl, rtl_line)
            draw_fill.text(
                (x, baseline), text, font=font, fill=255, anchor="ls", direction=direction
            )
            if stroke:
                draw_outline.text(
                    (x, baseline),
                    text,
                    font=font,
                    fill=255,
                    anchor="ls",
                    direction=direction,
                    stroke_width=stroke,
                    stroke_fill=255,
                )
            x += measure.run_width(run)
    fill_a = np.asarray(fill, dtype=np.float32) / 255.0
    outline_a = np.maximum(np.asarray(outline, dtype=np.float32) / 255.0, fill_a)
    return fill_a, outline_a


def _compose_text(
    fill_a: np.ndarray,
    outline_a: np.ndarray,
    color: RGB | np.ndarray,  # one colour, or one per pixel (h, w, 3)
    stroke_color: RGB,
    shadow: bool,
    size: int,
) -> np.ndarray:
    """RGBA (straight alpha) of coloured text with outline and an optional soft drop shadow.

    OpenCV's float arithmetic (SIMD, no numpy temporaries): a 951x256 caption with its
    shadow takes 3.6 ms (numpy's broadcasting took 9.1).
    """
    h, w = fill_a.shape
    stroke = np.asarray(stroke_color, np.float32)
    fill3 = cv2.merge((fill_a, fill_a, fill_a))
    colour = np.asarray(color, np.float32)
    if colour.ndim == 1:  # stroke + (colour - stroke) * fill
        rgb = cv2.multiply(fill3, (*(colour - stroke).tolist(), 0.0))
    else:
        rgb = cv2.multiply(fill3, cv2.subtract(colour, (*stroke.tolist(), 0.0)))
    cv2.add(rgb, (*stroke.tolist(), 0.0), dst=rgb)
    alpha = outline_a
    if shadow:
        offset = max(1, round(size * 0.05))
        sigma = max(1, size * 0.06)
        soft = cv2.GaussianBlur(outline_a, (0, 0), sigma)
        sh_a = np.zeros_like(outline_a)
        sh_a[offset:, offset:] = soft[: h - offset, : w - offset]
        # Text over shadow ("over" operator); the shadow is black so only alpha grows:
        # total = alpha + 0.55 * shadow * (1 - alpha). Where the total is 0 the text's alpha
        # is 0 too, so the colour is scaled to 0 there.
        total = cv2.multiply(sh_a, cv2.subtract(1.0, alpha), scale=0.55)
        cv2.add(total, alpha, dst=total)
        keep = cv2.divide(alpha, cv2.max(total, 1e-6))
        cv2.multiply(rgb, cv2.merge((keep, keep, keep)), dst=rgb)
        alpha = total
    # saturating, rounded casts to uint8 (all values are >= 0: the absolute value is a no-op)
    return cv2.merge((cv2.convertScaleAbs(rgb), cv2.convertScaleAbs(alpha, alpha=255.0)))


def _trim(rgba: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Crop to the pixels with any alpha; returns the crop and its offset."""
    ys, xs = np.nonzero(rgba[..., 3])
    if len(xs) == 0:
        return rgba[:0, :0], 0, 0
    return rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], int(xs.min()), int(ys.min())


def _pill(size: tuple[int, int], color: RGB, radius: int) -> np.ndarray:
    """An anti-aliased rounded rectangle (drawn 4x larger, then box-averaged down)."""
    w, h = size
    big = Image.new("L", (w * 4, h * 4), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, w * 4 - 1, h * 4 - 1), radius=radius * 4, fill=255)
    a = np.asarray(big.reduce(4), np.float32) / 255
    rgb = np.broadcast_to(np.asarray(color, np.float32), (h, w, 3))
    return np.dstack([rgb, a * 255]).astype(np.uint8)


def _over(dst: np.ndarray, src: np.ndarray, x: int, y: int) -> None:
    """Paste straight-alpha ``src`` over straight-alpha ``dst`` in place at (x, y)."""
    h, w = src.shape[:2]
    d = dst[y : y + h, x : x + w].astype(np.float32)
    s = src.astype(np.float32)
    sa, da = s[..., 3:] / 255, d[..., 3:] / 255
    out_a = sa + da * (1 - sa)
    rgb = (s[..., :3] * sa + d[..., :3] * da * (1 - sa)) / np.maximum(out_a, 1e-6)
    dst[y : y + h, x : x + w] = np.dstack([rgb, out_a * 255]).clip(0, 255).astype(np.uint8)


# ---------------------------------------------------------------- public layers


@dataclass(frozen=True)
class WordCaption:
    """A caption in the word-by-word style: the line without highlight, and the same line
    once per word with that word in the accent colour (all the same size and place)."""

    base: Overlay
    words: tuple[str, ...]
    variants: tuple[Overlay, ...]


def _outline_masks(
    clean: str,
    chain: tuple[fonts.FontFace, ...],
    fmt: OutputFormat,
    words_out: list[tuple[str, tuple[int, int, int, int]]] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    x0, _, x1, _ = safe_rect(fmt)
    base = _base_size(fmt)
    stroke = max(2, round(base * 0.09))
    lines, size = fit_lines(clean, chain, base, (x1 - x0) * 0.94 - 2 * stroke)
    stroke = max(1, round(size * 0.09))
    fill_a, outline_a = _text_masks(
        lines, chain, size, stroke=stroke, pad=round(size * 0.2), words_out=words_out
    )
    return fill_a, outline_a, size


def _place_caption(rgba: np.ndarray, fmt: OutputFormat) -> Overlay | None:
    """Bottom-centred in the safe area, just above the platform's caption strip."""
    h, w = rgba.shape[:2]
    if w == 0:
        return None
    x0, y0, x1, y1 = safe_rect(fmt)
    bottom = y1 - round(0.015 * fmt.height)
    x = x0 + ((x1 - x0) - w) // 2
    return Overlay(rgba, x=max(x0, x), y=max(y0, bottom - h))


def caption_band(fmt: OutputFormat, lines: int = 2) -> int:
    """The top (frame pixels) of a caption of ``lines`` lines at full size with its outline
    and shadow (scripts wrap captions to two lines): layouts keep the product above it."""
    _, _, _, y1 = safe_rect(fmt)
    size = _base_size(fmt)
    height = round(size * _LINE_SPACING) * (lines - 1) + round(size * 1.25)
    return y1 - round(0.015 * fmt.height) - height - round(size * 0.5)


@lru_cache(maxsize=32)
def render_caption_words(
    text: str,
    fmt: OutputFormat,
    *,
    language: str = "en",
    brand: BrandSpec = BrandSpec(),  # noqa: B008 - frozen dataclass, safe as a default
) -> WordCaption | None:
    """The word-by-word caption: rasterised once per word here, so a frame only picks one.

    None when there is nothing to draw or the text is right-to-left (word boxes are only
    measured for left-to-right lines; such captions keep the outline style).
    """
    chain = caption_chain(language, brand)
    clean = fonts.clean_text(text, chain)
    if not clean or fonts.paragraph_is_rtl(clean):
        return None
    boxes: list[tuple[str, tuple[int, int, int, int]]] = []
    fill_a, outline_a, size = _outline_masks(clean, chain, fmt, words_out=boxes)
    text_rgb, accent = hex_to_rgb(brand.text), hex_to_rgb(brand.accent)
    rgba = _compose_text(fill_a, outline_a, text_rgb, (0, 0, 0), shadow=True, size=size)
    ys, xs = np.nonzero(rgba[..., 3])
    if len(xs) == 0 or not boxes:
        return None
    crop = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    base = _place_caption(rgba[crop], fmt)
    if base is None:
        return None
    colours = np.empty((*fill_a.shape, 3), np.float32)
    variants = []
    for _, (bx0, by0, bx1, by1) in boxes:
        colours[:] = text_rgb
        colours[max(0, by0) : by1, max(0, bx0) : bx1] = accent
        variant = _compose_text(fill_a, outline_a, colours, (0, 0, 0), shadow=True, size=size)
        variants.append(Overlay(variant[crop], x=base.x, y=base.y))
    return WordCaption(base, tuple(word for word, _ in boxes), tuple(variants))


@lru_cache(maxsize=64)
def render_caption(
    text: str,
    fmt: OutputFormat,
    *,
    language: str = "en",
    shot_type: ShotType = "hero",
    brand: BrandSpec = BrandSpec(),  # noqa: B008 - frozen dataclass, safe as a default
) -> Overlay | None:
    """The caption layer for a scene, or None when there is nothing to draw.

    Styles (``brand.caption_style``): ``outline`` (default) and ``highlight`` — bold text in
    the brand's text colour with a dark outline and a soft shadow, readable on any footage
    (``highlight`` then colours the spoken word: ``render_caption_words``); ``boxed`` — the
    text on a rounded box in the brand's primary colour. On ``cta`` scenes the caption is the
    call to action: the same text on an accent-coloured button.
    """
    chain = caption_chain(language, brand)
    clean = fonts.clean_text(text, chain)
    if not clean:
        return None
    x0, _, x1, _ = safe_rect(fmt)
    box_w = (x1 - x0) * 0.94
    base = _base_size(fmt)
    text_rgb = hex_to_rgb(brand.text)
    if shot_type == "cta":
        accent = hex_to_rgb(brand.accent)
        base = round(base * 1.1)
        pad_x = round(base * 0.8)
        lines, size = fit_lines(clean, chain, base, box_w - 2 * pad_x, max_lines=2)
        fill_a, outline_a = _text_masks(lines, chain, size, stroke=0, pad=0)
        label = _compose_text(
            fill_a, outline_a, readable_on(accent, text_rgb), (0, 0, 0), shadow=False, size=size
        )
        label, _, _ = _trim(label)
        lh, lw = label.shape[:2]
        pw, ph = lw + 2 * pad_x, lh + round(size * 1.1)
        rgba = _pill((pw, ph), accent, radius=ph // 2)
        _over(rgba, label, (pw - lw) // 2, (ph - lh) // 2)
    elif brand.caption_style == "boxed":
        primary = hex_to_rgb(brand.primary)
        pad_x = round(base * 0.45)
        lines, size = fit_lines(clean, chain, base, box_w - 2 * pad_x)
        fill_a, outline_a = _text_masks(lines, chain, size, stroke=0, pad=0)
        label = _compose_text(
            fill_a, outline_a, readable_on(primary, text_rgb), (0, 0, 0), shadow=False, size=size
        )
        label, _, _ = _trim(label)
        lh, lw = label.shape[:2]
        if lw == 0:
            return None
        pw, ph = lw + 2 * pad_x, lh + round(size * 0.7)
        rgba = _pill((pw, ph), primary, radius=round(size * 0.3))
        rgba[..., 3] = (rgba[..., 3].astype(np.float32) * 0.88).astype(np.uint8)
        _over(rgba, label, (pw - lw) // 2, (ph - lh) // 2)
    else:
        fill_a, outline_a, size = _outline_masks(clean, chain, fmt)
        rgba = _compose_text(fill_a, outline_a, text_rgb, (0, 0, 0), shadow=True, size=size)
        rgba, _, _ = _trim(rgba)
    return _place_caption(rgba, fmt)


def caption_bbox(
    text: str,
    fmt: OutputFormat,
    *,
    language: str = "en",
    shot_type: ShotType = "hero",
    brand: BrandSpec = BrandSpec(),  # noqa: B008 - frozen dataclass, safe as a default
) -> tuple[int, int, int, int] | None:
    """Where the caption's visible pixels are, (x0, y0, x1, y1) in frame pixels; None if
    the caption is empty. Tests and the API use it to check the safe zone."""
    overlay = render_caption(text, fmt, language=language, shot_type=shot_type, brand=brand)
    return overlay.bbox if overlay else None


@lru_cache(maxsize=64)
def render_badge(
    text: str,
    fmt: OutputFormat,
    *,
    language: str = "en",
    shot_type: ShotType = "offer",
    brand: BrandSpec = BrandSpec(),  # noqa: B008 - frozen dataclass, safe as a default
    above: int | None = None,
) -> Overlay | None:
    """The price/offer pill in the accent colour.

    On ordinary scenes it sits at the top-left of the safe area; on the end card it sits
    centred just above ``above`` (the call-to-action's top edge).
    """
    chain = fonts.font_chain(language)
    clean = fonts.clean_text(text, chain)
    if not clean:
        return None
    x0, y0, x1, _ = safe_rect(fmt)
    big = shot_type == "cta"
    base = round(_base_size(fmt) * (1.25 if big else 0.9))
    pad_x = round(base * 0.55)
    lines, size = fit_lines(clean, chain, base, (x1 - x0) * 0.8 - 2 * pad_x, max_lines=1)
    accent = hex_to_rgb(brand.accent)
    fill_a, outline_a = _text_masks(lines, chain, size, stroke=0, pad=0)
    label = _compose_text(
        fill_a,
        outline_a,
        readable_on(accent, hex_to_rgb(brand.text)),
        (0, 0, 0),
        shadow=False,
        size=size,
    )
    label, _, _ = _trim(label)
    lh, lw = label.shape[:2]
    pw, ph = lw + 2 * pad_x, lh + round(size * 0.7)
    rgba = _pill((pw, ph), accent, radius=round(ph * 0.35))
    _over(rgba, label, (pw - lw) // 2, (ph - lh) // 2)
    margin = round(0.02 * min(fmt.width, fmt.height))
    if big and above is not None:
        x = x0 + ((x1 - x0) - pw) // 2
        y = max(y0, above - margin * 2 - ph)
    else:
        x, y = x0 + margin, y0 + margin
    return Overlay(rgba, x=x, y=y)


def has_all_glyphs(text: str, language: str = "en") -> bool:
    """True when every letter, digit and symbol in ``text`` is in some face of the chain."""
    chain = fonts.font_chain(language)
    return all(
        fonts.face_for_char(ch, chain) is not None
        for ch in text
        if not ch.isspace() and unicodedata.category(ch) != "Cf"
    )
