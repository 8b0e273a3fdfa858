"""Product photo checks and clean-up: validate, load, hash, de-duplicate, cut out.

Images come from shops we don't control, so nothing is decoded before its real type (read
from the bytes, not the name or the Content-Type) and its pixel count are known: a 50 kB PNG
can claim 100 000 x 100 000 pixels and take tens of GB to decode.

The perceptual hash is a 64-bit dHash written here with PIL + numpy instead of a library
(imagehash): it is ten lines, the only thing we need from such a library is near-duplicate
detection within one product's gallery, and imagehash would pull in scipy and PyWavelets.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ImageRejected

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                   "GIF": "image/gif", "AVIF": "image/avif"}
MAX_SIDE = 2048
Image.init()
_FORMATS = [f for f in ALLOWED_FORMATS if f in Image.OPEN]


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF, AVIF
    width: int
    height: int
    mime: str


def _open(data: bytes) -> Image.Image:
    """Open lazily (headers only) with Pillow's own bomb guard turned into our error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the formats we accept are tried, so risky parsers (EPS, PSD...) never run.
            return Image.open(io.BytesIO(data), formats=_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            "That image claims to be enormous (a 'decompression bomb'), so it was not opened."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRejected("That file is not an image Shopreel can read.") from None


def validate_image(
    data: bytes, *, max_bytes: int = 15_000_000, max_pixels: int = 40_000_000
) -> ImageInfo:
    """Check size, real type and pixel count from the header, without decoding pixels."""
    if len(data) > max_bytes:
        raise ImageRejected(
            f"That image is larger than {max_bytes / 1_000_000:g} MB; please use a smaller one."
        )
    if not data:
        raise ImageRejected("That image file is empty.")
    img = _open(data)
    fmt = (img.format or "").upper()
    if fmt not in ALLOWED_FORMATS:
        raise ImageRejected(
            f"That image format ({fmt or 'unknown'}) isn't supported; use JPEG, PNG or WebP."
        )
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImageRejected("That image has no pixels.")
    if width * height > max_pixels:
        raise ImageRejected(
            f"That image is {width}x{height} pixels, more than Shopreel accepts "
            f"({max_pixels / 1_000_000:g} megapixels)."
        )
    return ImageInfo(format=fmt, width=width, height=height, mime=ALLOWED_FORMATS[fmt])


def load_rgb(data: bytes, *, max_side: int = MAX_SIDE) -> Image.Image:
    """Validate, decode (first frame), apply EXIF orientation, flatten to RGB, cap the size.

    Transparent areas are flattened onto white, which is what shops show behind them.
    """
    validate_image(data)
    img = _open(data)
    img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale when possible
    try:
        img.seek(0)
        img.load()
    except (OSError, ValueError, SyntaxError):
        raise ImageRejected("That image is damaged and could not be read.") from None
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    img = img.convert("RGB")
    if max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return img


def perceptual_hash(img: Image.Image) -> int:
    """64-bit difference hash: robust to rescaling and re-compression, cheap to compare."""
    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def dedupe(hashes: list[int], *, max_distance: int = 6) -> list[int]:
    """Indexes of the hashes to keep: the first of each group of near-duplicates, in order."""
    kept: list[int] = []
    for i, h in enumerate(hashes):
        if all(hamming(h, hashes[j]) > max_distance for j in kept):
            kept.append(i)
    return kept


def _border(arr: np.ndarray, width: int) -> np.ndarray:
    return np.concatenate([
        arr[:width].reshape(-1, 3), arr[-width:].reshape(-1, 3),
        arr[:, :width].reshape(-1, 3), arr[:, -width:].reshape(-1, 3),
    ])


def has_plain_background(img: Image.Image, *, min_brightness: int = 200,
                         max_spread: float = 12.0) -> bool:
    """True when the image border is near-uniform and light: a studio packshot on white/grey.

    Those photos can be cut out reliably and look clean on a coloured ad background.
    """
    arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    width = max(2, min(arr.shape[0], arr.shape[1]) // 50)
    border = _border(arr, width)
    median = np.median(border, axis=0)
    near = np.abs(border - median).max(axis=1) <= 3 * max_spread
    return bool(median.min() >= min_brightness and near.mean() >= 0.9
                and border.std(axis=0).max() <= max_spread * 2)


def cut_out(img: Image.Image, *, tolerance: int = 18, feather: float = 1.5) -> Image.Image:
    """The product on transparency (RGBA), for images with a plain light background.

    Flood-fills the background from every border pixel that matches the background colour
    (so enclosed light areas of the product stay), closes small holes and specks with
    morphology, keeps the largest objects, and feathers the edge so it blends when composited.
    """
    rgb = np.array(img.convert("RGB"))  # a writable copy: floodFill takes an output image
    h, w = rgb.shape[:2]
    background = np.median(_border(rgb.astype(np.float32), max(2, min(h, w) // 50)), axis=0)
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
    diff = (tolerance,) * 3
    close = np.abs(rgb.astype(np.int16) - background.astype(np.int16)).max(axis=2) <= tolerance
    step = max(1, min(h, w) // 100)
    seeds = [(x, 0) for x in range(0, w, step)] + [(x, h - 1) for x in range(0, w, step)]
    seeds += [(0, y) for y in range(0, h, step)] + [(w - 1, y) for y in range(0, h, step)]
    for x, y in seeds:
        if close[y, x] and mask[y + 1, x + 1] == 0:
            cv2.floodFill(rgb, mask, (x, y), (0, 0, 0), diff, diff, flags)
    foreground = (mask[1:-1, 1:-1] == 0).astype(np.uint8) * 255
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, kernel)
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_CLOSE, kernel, iterations=2)
    foreground = _drop_specks(foreground, min_fraction=0.002)
    alpha = foreground
    if feather > 0:
        alpha = cv2.GaussianBlur(foreground, (0, 0), feather)
        alpha = np.where(foreground > 0, np.maximum(alpha, 128), alpha).astype(np.uint8)
        inner = cv2.erode(foreground, kernel, iterations=1)
        alpha[inner > 0] = 255
    rgba = np.dstack([np.asarray(img.convert("RGB")), alpha])
    return Image.fromarray(rgba)  # four uint8 channels read as RGBA


def _drop_specks(mask: np.ndarray, *, min_fraction: float) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    min_area = mask.size * min_fraction
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    if not keep.any():
        keep[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))] = True
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def skin_fraction(img: Image.Image) -> float:
    """Share of pixels in the usual skin-tone range (YCrCb box of Chai & Ngan, on a 128 px
    thumbnail): a cheap sign that a person is in the photo."""
    small = img.convert("RGB")
    small.thumbnail((128, 128))
    ycrcb = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2YCrCb)
    y, cr, cb = ycrcb[..., 0], ycrcb[..., 1], ycrcb[..., 2]
    mask = (y > 60) & (cr >= 135) & (cr <= 173) & (cb >= 77) & (cb <= 127)
    return float(mask.mean())


def looks_on_model(img: Image.Image, *, plain_background: bool | None = None,
                   min_skin: float = 0.04, max_skin: float = 0.6) -> bool:
    """True for an apparel photo worn by a person: some skin visible, but not a close-up of
    a skin-coloured product filling the frame. A packshot on a plain background counts as
    on-model only with clearly more skin (a model shot in a white studio)."""
    skin = skin_fraction(img)
    if plain_background is None:
        plain_background = has_plain_background(img)
    threshold = min_skin * 2 if plain_background else min_skin
    return threshold <= skin <= max_skin
