"""Static picture layers ("plates") for motion shots, built once per image per format.

A plate is the background plus the product, laid out for the format's own frame (a 9:16
plate is composed for 9:16, never cropped from a 16:9 one) and made ``OVERSCAN`` times larger
than the frame so the camera can push in and pan while always sampling real pixels.

- ``studio``: a cut-out product (RGBA) on a soft radial gradient in the brand colours with a
  floor shadow, like a product photographed on a sweep.
- ``blur``: the photo, contained and shadowed, over a blurred and darkened cover-scaled copy
  of itself: no bars, and nothing of the product is cropped.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .camera import ZOOM
from .captions import caption_band, safe_rect
from .colors import RGB, hex_to_rgb, luminance, mix
from .errors import RenderError
from .spec import BrandSpec, OutputFormat

OVERSCAN = 1.15  # plate size / frame size: the room the camera moves in
Image.MAX_IMAGE_PIXELS = 80_000_000  # importer already validated; refuse absurd files here too


def load_image(path: Path, *, rgba: bool = False) -> np.ndarray:
    """Decode an image file to RGB (or RGBA) uint8; plain-language RenderError otherwise."""
    if not Path(path).is_file():
        raise RenderError(f"image file missing: {path}")
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            return np.asarray(im.convert("RGBA" if rgba else "RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise RenderError(
            f"image file could not be read: {path} ({exc.__class__.__name__})"
        ) from exc


def plate_size(fmt: OutputFormat) -> tuple[int, int]:
    return round(fmt.width * OVERSCAN), round(fmt.height * OVERSCAN)


MAX_ZOOM = ZOOM + 0.02  # the closest any camera move gets (ken_burns)
MAX_DRIFT = 0.7  # how far off centre a move's view travels, as a fraction of its room


def zoom_safe_bottom(fmt: OutputFormat, limit_y: float) -> float:
    """The lowest a product may reach at zoom 1 so that, after the closest camera move
    (zooming about the centre and drifting down), it still ends above ``limit_y``."""
    h = fmt.height
    drift = MAX_DRIFT * (MAX_ZOOM - 1) * h / 2
    return h / 2 + (limit_y - h / 2 - drift) / MAX_ZOOM


def product_box(
    fmt: OutputFormat, *, end_card: bool = False, reserve_top: float | None = None
) -> tuple[float, float, float, float]:
    """Where the product goes, in frame pixels: inside the safe area, above the caption.

    The caption band is reserved: the product ends above the top of the scene's caption
    (``reserve_top``; at least a two-line caption's band, ``captions.caption_band``) even
    when the camera has pushed in. The end card keeps the lower part for the badge and the
    call to action (``reserve_top`` is then the badge's top).
    """
    x0, y0, x1, y1 = safe_rect(fmt)
    mx = 0.03 * fmt.width
    gap = 0.012 * fmt.height
    band = caption_band(fmt) if reserve_top is None else min(reserve_top, caption_band(fmt))
    bottom = min(y1 - (0.36 if end_card else 0.19) * fmt.height, zoom_safe_bottom(fmt, band - gap))
    top = y0 + 0.015 * fmt.height
    if bottom - top < 0.25 * fmt.height:  # never shrink the product to a sliver
        bottom = top + 0.25 * fmt.height
    return (x0 + mx, top, x1 - mx, bottom)


def _to_plate(box: tuple[float, float, float, float], fmt: OutputFormat) -> tuple[float, ...]:
    """Frame-pixel box → plate pixels (the plate is the frame scaled about its centre)."""
    pw, ph = plate_size(fmt)
    sx, sy = pw / fmt.width, ph / fmt.height
    return (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)


def _radial_gradient(
    w: int, h: int, inner: RGB, outer: RGB, cx: float, cy: float, seed: int
) -> np.ndarray:
    """Smooth radial gradient with a little seeded noise so it does not band in H.264.

    Computed on a grid 8x coarser and enlarged: the gradient is smooth, so nothing is lost,
    and a full-size plate takes ~30 ms instead of ~300.
    """
    k = 8
    sw, sh = max(2, w // k), max(2, h // k)
    ys = (np.arange(sh, dtype=np.float32)[:, None] * h / sh - cy) / h
    xs = (np.arange(sw, dtype=np.float32)[None, :] * w / sw - cx) / h
    r = np.sqrt(xs * xs * 1.6 + ys * ys)
    t = np.clip(r / 0.75, 0, 1)
    t = t * t * (3 - 2 * t)
    small = (
        np.asarray(inner, np.float32) * (1 - t[..., None])
        + np.asarray(outer, np.float32) * t[..., None]
    )
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    noise = np.random.default_rng(seed).standard_normal((h, w), dtype=np.float32) * 1.2
    img += noise[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def studio_background(
    fmt: OutputFormat, brand: BrandSpec, seed: int, *, end_card: bool = False
) -> np.ndarray:
    """A seamless-sweep look from the brand colours (light centre, brand-tinted edges)."""
    pw, ph = plate_size(fmt)
    primary, accent = hex_to_rgb(brand.primary), hex_to_rgb(brand.accent)
    if end_card:
        inner, outer = mix(primary, accent, 0.25), mix(primary, (0, 0, 0), 0.35)
    elif luminance(primary) < 0.5:
        # Dark brand: a light sweep tinted by the accent reads as "studio", not "night".
        inner, outer = mix((250, 250, 250), accent, 0.06), mix((205, 205, 210), primary, 0.35)
    else:
        inner, outer = mix((255, 255, 255), primary, 0.15), mix(primary, (0, 0, 0), 0.15)
    return _radial_gradient(pw, ph, inner, outer, pw / 2, ph * 0.42, seed)


def _alpha_over(dst: np.ndarray, src_rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    """Blend ``src`` (h, w, 3) with float alpha (h, w) onto ``dst`` in place, clipped."""
    h, w = alpha.shape
    dx0, dy0 = max(0, x), max(0, y)
    dx1, dy1 = min(dst.shape[1], x + w), min(dst.shape[0], y + h)
    if dx1 <= dx0 or dy1 <= dy0:
        return
    sx0, sy0 = dx0 - x, dy0 - y
    a = alpha[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0, None]
    s = src_rgb[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0].astype(np.float32)
    d = dst[dy0:dy1, dx0:dx1].astype(np.float32)
    dst[dy0:dy1, dx0:dx1] = (d + (s - d) * a).astype(np.uint8)


def _shadow(alpha: np.ndarray, blur: float, strength: float) -> np.ndarray:
    """A soft shadow mask from an alpha mask (blurred on a reduced copy: fast)."""
    h, w = alpha.shape
    k = max(1, int(blur / 6))
    small = cv2.resize(alpha, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, blur / k / 2))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) * strength


def _contain(
    size: tuple[int, int], box: tuple[float, float, float, float]
) -> tuple[int, int, int, int]:
    """Largest (x, y, w, h) of an image of ``size`` that fits in ``box``, centred."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    scale = min(bw / size[0], bh / size[1])
    w, h = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
    return round(box[0] + (bw - w) / 2), round(box[1] + (bh - h) / 2), w, h


def _resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    shrinking = w < img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def _trim_alpha(rgba: np.ndarray) -> np.ndarray:
    """Crop a cut-out to its visible pixels so layout uses the product's real extent."""
    ys, xs = np.nonzero(rgba[..., 3] > 8)
    if len(xs) == 0:
        raise RenderError("cut-out image is fully transparent")
    return rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def place_cutout(plate: np.ndarray, cutout: np.ndarray, box: tuple[float, ...]) -> None:
    """Put a cut-out product on the plate with a floor shadow and a soft contact shadow."""
    cutout = _trim_alpha(cutout)
    x, y, w, h = _contain((cutout.shape[1], cutout.shape[0]), box)
    item = _resize(cutout, w, h)
    alpha = item[..., 3].astype(np.float32) / 255
    # Floor shadow: a flat blurred ellipse where the product stands.
    ew, eh = int(w * 0.9), max(4, int(h * 0.07))
    floor = np.zeros((eh * 4, ew + eh * 2), np.float32)
    cv2.ellipse(
        floor, (floor.shape[1] // 2, floor.shape[0] // 2), (ew // 2, eh // 2), 0, 0, 360, 1.0, -1
    )
    floor = _shadow(floor, eh * 0.8, 0.45)
    _alpha_over(
        plate,
        np.zeros((*floor.shape, 3), np.uint8),
        floor,
        x + w // 2 - floor.shape[1] // 2,
        y + h - floor.shape[0] // 2,
    )
    # Contact shadow: the silhouette, blurred and nudged down.
    drop = _shadow(alpha, max(2.0, h * 0.02), 0.25)
    _alpha_over(plate, np.zeros((h, w, 3), np.uint8), drop, x, y + max(1, h // 60))
    _alpha_over(plate, item[..., :3], alpha, x, y)


def place_photo(plate: np.ndarray, photo: np.ndarray, box: tuple[float, ...]) -> None:
    """Put the whole photo (contained, never cropped) on the plate with a soft shadow."""
    x, y, w, h = _contain((photo.shape[1], photo.shape[0]), box)
    item = _resize(photo, w, h)
    pad = max(4, round(min(w, h) * 0.06))
    mask = np.zeros((h + 2 * pad, w + 2 * pad), np.float32)
    mask[pad : pad + h, pad : pad + w] = 1.0
    shadow = _shadow(mask, pad * 0.6, 0.55)
    _alpha_over(plate, np.zeros((*shadow.shape, 3), np.uint8), shadow, x - pad, y - pad + pad // 3)
    plate[y : y + h, x : x + w] = item


def blur_background(fmt: OutputFormat, photo: np.ndarray) -> np.ndarray:
    """The photo cover-scaled to the plate, heavily blurred and darkened."""
    pw, ph = plate_size(fmt)
    small_w = max(8, pw // 12)
    small_h = max(8, ph // 12)
    scale = max(small_w / photo.shape[1], small_h / photo.shape[0])
    cw, ch = (
        max(small_w, round(photo.shape[1] * scale)),
        max(small_h, round(photo.shape[0] * scale)),
    )
    cover = cv2.resize(photo, (cw, ch), interpolation=cv2.INTER_AREA)
    ox, oy = (cw - small_w) // 2, (ch - small_h) // 2
    cover = cover[oy : oy + small_h, ox : ox + small_w]
    cover = cv2.GaussianBlur(cover, (0, 0), 2.5)
    big = cv2.resize(cover, (pw, ph), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    return np.clip(big * 0.55, 0, 255).astype(np.uint8)


def motion_plate(
    fmt: OutputFormat,
    brand: BrandSpec,
    image: Path,
    cutout: Path | None,
    background: str,
    seed: int,
    *,
    end_card: bool = False,
    reserve_top: float | None = None,
) -> np.ndarray:
    """One image's plate (plate_size, RGB uint8), ready for the camera to move over.
    ``reserve_top``: where the scene's caption (or end card's badge) begins, in frame px."""
    frame_box = product_box(fmt, end_card=end_card, reserve_top=reserve_top)
    if end_card:
        plate = studio_background(fmt, brand, seed, end_card=True)
        if brand.logo is not None:
            place_logo(plate, fmt, brand.logo)
            frame_box = (frame_box[0], frame_box[1] + 0.09 * fmt.height, frame_box[2], frame_box[3])
        box = _to_plate(frame_box, fmt)
        if cutout is not None:
            place_cutout(plate, load_image(cutout, rgba=True), box)
        else:
            place_photo(plate, load_image(image), box)
        return plate
    box = _to_plate(frame_box, fmt)
    photo = load_image(image)
    if cutout is not None and background == "studio":
        plate = studio_background(fmt, brand, seed)
        place_cutout(plate, load_image(cutout, rgba=True), box)
    else:
        plate = blur_background(fmt, photo)
        place_photo(plate, photo, box)
    return plate


def place_logo(plate: np.ndarray, fmt: OutputFormat, logo: Path) -> None:
    """The brand logo, small, at the top of the end card's safe area."""
    rgba = load_image(logo, rgba=True)
    x0, y0, x1, _ = safe_rect(fmt)
    pw, ph = plate_size(fmt)
    sx, sy = pw / fmt.width, ph / fmt.height
    box = (x0 * sx, y0 * sy, x1 * sx, (y0 + 0.07 * fmt.height) * sy)
    x, y, w, h = _contain((rgba.shape[1], rgba.shape[0]), box)
    item = _resize(rgba, w, h)
    _alpha_over(plate, item[..., :3], item[..., 3].astype(np.float32) / 255, x, y)
