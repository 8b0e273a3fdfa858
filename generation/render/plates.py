"""Pictures prepared once per scene: backgrounds, the product cut-out and full-bleed photos.

- ``sweep``: a seamless-studio gradient in the style's colours, a little larger than the
  area it fills so it can drift (parallax) by whole pixels, which costs one copy a frame.
- ``product_sprite``: the cut-out (``refine_cutout``: the packshot's floor shadow is not
  product, holes such as a mug's handle are transparent), contained in the layout's product
  box, with one soft contact shadow drawn by Shopreel underneath.
- ``cover``: a photo with surroundings shown full-bleed, smart-cropped around the product
  (``focus_box``: the cut-out's extent, else what stands out from the photo's border), a crop
  ``OVERSCAN`` larger than its area so the camera can push in, at the photo's own resolution
  where that lies between the area's size and ``OVERSCAN`` times it.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .colors import RGB
from .errors import RenderError

OVERSCAN = 1.12  # a photo plate's size / its area's size: the room the camera moves in
DRIFT = 0.05  # a sweep's extra size per side: the room the background drifts in
ENLARGE_IN_WARP = 1.25  # a photo this much smaller than its area is enlarged by the warp
EXTEND = 0.8  # how much larger than the photo (its height) a full-bleed crop may be
Image.MAX_IMAGE_PIXELS = 80_000_000  # importer already validated; refuse absurd files here too
Box = tuple[float, float, float, float]


def load_image(
    path: Path, *, rgba: bool = False, at_least: tuple[int, int] | None = None
) -> np.ndarray:
    """Decode an image file to RGB (or RGBA) uint8; plain-language RenderError otherwise.

    ``at_least`` (w, h): only that many pixels are needed, so a JPEG may be decoded at 1/2,
    1/4 or 1/8 of its size (its decoder scales the DCT: several times faster), never
    below ``at_least``. The picture is turned upright (EXIF orientation) and converted in
    place: no copies of it but the array returned.
    """
    if not Path(path).is_file():
        raise RenderError(f"image file missing: {path}")
    mode = "RGBA" if rgba else "RGB"
    try:
        with Image.open(path) as im:
            if at_least is not None:
                im.draft(None, at_least)
            im.load()
            ImageOps.exif_transpose(im, in_place=True)
            return np.asarray(im if im.mode == mode else im.convert(mode))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise RenderError(
            f"image file could not be read: {path} ({exc.__class__.__name__})"
        ) from exc


def radial_gradient(
    w: int, h: int, inner: RGB, outer: RGB, cx: float, cy: float, seed: int
) -> np.ndarray:
    """Smooth radial gradient with a little seeded noise so it does not band in H.264.

    Computed on a grid 8x coarser and enlarged: the gradient is smooth, so nothing is lost.
    """
    k = 8
    sw, sh = max(2, w // k), max(2, h // k)
    ys = (np.arange(sh, dtype=np.float32)[:, None] * h / sh - cy) / max(w, h)
    xs = (np.arange(sw, dtype=np.float32)[None, :] * w / sw - cx) / max(w, h)
    r = np.sqrt(xs * xs * 1.3 + ys * ys)
    t = np.clip(r / 0.7, 0, 1)
    t = t * t * (3 - 2 * t)
    small = (
        np.asarray(inner, np.float32) * (1 - t[..., None])
        + np.asarray(outer, np.float32) * t[..., None]
    )
    return dither(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), seed, 1.2)


def dither(img: np.ndarray, seed: int, sigma: float) -> np.ndarray:
    """A smooth float32 HxWx3 picture to uint8 with seeded grey noise of ``sigma`` levels
    (uniform, the same in each channel), so its gradient does not band in H.264. Uniform
    draws and OpenCV's saturating add: a 1188x1485 sweep takes 17 ms in all (with normal
    draws and numpy's clip and cast, 35)."""
    h, w = img.shape[:2]
    noise = np.random.default_rng(seed).random((h, w), dtype=np.float32)
    noise -= 0.5
    noise *= sigma * 12**0.5  # uniform over ±sigma·√3: standard deviation sigma
    return cv2.add(img, cv2.merge((noise, noise, noise)), dtype=cv2.CV_8U)


def sweep(
    size: tuple[int, int], inner: RGB, outer: RGB, seed: int, *, cy: float = 0.42
) -> np.ndarray:
    """A studio sweep for an area of ``size`` (w, h), ``DRIFT`` larger on every side."""
    w, h = size
    pw, ph = round(w * (1 + 2 * DRIFT)), round(h * (1 + 2 * DRIFT))
    return radial_gradient(pw, ph, inner, outer, pw / 2, ph * cy, seed)


def _shadow(alpha: np.ndarray, blur: float, strength: float) -> np.ndarray:
    """A soft shadow mask from an alpha mask (blurred on a reduced copy: fast)."""
    h, w = alpha.shape
    k = max(1, int(blur / 6))
    small = cv2.resize(alpha, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, blur / k / 2))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) * strength


def contain(size: tuple[int, int], box: Box) -> tuple[int, int, int, int]:
    """Largest (x, y, w, h) of an image of ``size`` that fits in ``box``, centred."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    scale = min(bw / size[0], bh / size[1])
    w, h = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
    return round(box[0] + (bw - w) / 2), round(box[1] + (bh - h) / 2), w, h


def resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    shrinking = w < img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def trim_alpha(rgba: np.ndarray) -> np.ndarray:
    """Crop a cut-out to its visible pixels so layout uses the product's real extent."""
    ys, xs = np.nonzero(rgba[..., 3] > 8)
    if len(xs) == 0:
        raise RenderError("cut-out image is fully transparent")
    return rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


# ---------------------------------------------------------------- cut-outs that hold up


def _background_colour(rgba: np.ndarray) -> np.ndarray:
    """The photo's backdrop: the median of the cut-out's transparent pixels (a cut-out
    keeps the photo's colours under its alpha), else of its border."""
    clear = rgba[..., 3] < 8
    if clear.sum() > 100:
        return np.median(rgba[..., :3][clear], axis=0)
    rgb = rgba[..., :3]
    border = np.concatenate([rgb[:2].reshape(-1, 3), rgb[-2:].reshape(-1, 3)])
    return np.median(border, axis=0)


def refine_cutout(rgba: np.ndarray) -> np.ndarray:
    """The cut-out without what is not product.

    - The floor shadow or plate a packshot stands on: neutral areas a little darker than
      the backdrop that touch the bottom of the silhouette and stay within its lowest 22 %
      become transparent (a white or grey product whose own body looks like that reaches
      higher, and is left as it is).
    - Holes: areas inside the silhouette that show the backdrop itself (a mug's handle, the
      gap between straps), flat, at least 1 % of the product and framed by product,
      become transparent.
    """
    out = np.array(rgba)
    alpha = out[..., 3]
    solid = alpha > 8
    if solid.sum() < 64:
        return out
    bg = _background_colour(out)
    rgb = out[..., :3].astype(np.int16)
    lum = rgb.mean(axis=2)
    bgl = float(bg.mean())
    chroma = rgb.max(axis=2) - rgb.min(axis=2)
    shadowish = solid & (chroma <= 12) & (lum <= bgl - 1) & (lum >= 0.55 * bgl)
    ys = np.nonzero(solid.any(axis=1))[0]
    y0, y1 = int(ys.min()), int(ys.max())
    height = y1 - y0 + 1
    band_top = y1 - max(4, round(0.22 * height))
    # Fully opaque pixels only: the feathered rim of the product itself is pale too and would
    # join the floor to the product's sides.
    band = shadowish & (alpha == 255)
    band[: max(0, band_top)] = False
    count, labels = cv2.connectedComponents(band.astype(np.uint8), connectivity=8)
    if count > 1:
        floor = set(np.unique(labels[max(0, y1 - max(2, round(0.03 * height))) : y1 + 1]))
        floor -= set(np.unique(labels[max(0, band_top)])) | {0}
        if floor:
            gone = np.isin(labels, list(floor))
            # ...and the floor's own feathered rim with it.
            rim = cv2.dilate(gone.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
            pale = (chroma <= 12) & (lum >= 0.55 * bgl)
            out[..., 3][gone | (rim & pale & (alpha < 255))] = 0
    solid = out[..., 3] > 8
    near = solid & (np.abs(rgb - bg.astype(np.int16)).max(axis=2) <= 6)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        near.astype(np.uint8), connectivity=4
    )
    product_area = solid.sum()
    gray = lum
    for k in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[k])
        if area < 0.01 * product_area or area > 0.25 * product_area:
            continue
        comp = labels[y : y + h, x : x + w] == k
        values = rgb[y : y + h, x : x + w][comp]
        if np.abs(values.mean(axis=0) - bg).max() > 3 or gray[y : y + h, x : x + w][comp].std() > 3:
            continue
        # A hole is framed by product that looks nothing like the backdrop (a highlight on
        # a white label is framed by the label).
        ring = cv2.dilate(comp.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~comp
        framing = rgb[y : y + h, x : x + w][ring]
        if framing.size and (np.abs(framing - bg).max(axis=1) > 30).mean() < 0.7:
            continue
        out[y : y + h, x : x + w, 3][comp] = 0
    return out


def product_sprite(cutout: np.ndarray, box: Box) -> tuple[np.ndarray, int, int, int]:
    """The refined cut-out contained in ``box`` with one soft contact shadow under it:
    (RGBA, x, y, product height) in frame pixels (the RGBA is taller than the product by
    the shadow)."""
    item = trim_alpha(refine_cutout(cutout))
    x, y, w, h = contain((item.shape[1], item.shape[0]), box)
    item = resize(item, w, h)
    pad = max(4, round(h * 0.06))
    sprite = np.zeros((h + pad * 2, w + pad * 2, 4), np.uint8)
    # The contact shadow: a flat ellipse where the product meets the floor, blurred.
    floor = np.zeros(sprite.shape[:2], np.float32)
    base = item[..., 3][-max(1, h // 12) :] > 128
    cols = np.nonzero(base.any(axis=0))[0]
    cx = pad + (cols.min() + cols.max()) / 2 if cols.size else pad + w / 2
    ew = max(4.0, (cols.max() - cols.min()) * 0.55 if cols.size else w * 0.4)
    cv2.ellipse(
        floor, (round(cx), pad + h - 2), (round(ew), max(2, round(h * 0.025))), 0, 0, 360, 1.0, -1
    )
    floor = _shadow(floor, max(3.0, h * 0.03), 0.55)
    sprite[..., 3] = (floor * 255).astype(np.uint8)
    a = item[..., 3:4].astype(np.float32) / 255
    region = sprite[pad : pad + h, pad : pad + w].astype(np.float32)
    da = region[..., 3:4] / 255
    out_a = a + da * (1 - a)
    rgb = (item[..., :3] * a + region[..., :3] * da * (1 - a)) / np.maximum(out_a, 1e-6)
    sprite[pad : pad + h, pad : pad + w] = (
        np.dstack([rgb, out_a * 255]).clip(0, 255).astype(np.uint8)
    )
    return sprite, x - pad, y - pad, h


# ---------------------------------------------------------------- photos with surroundings


def focus_box(photo: np.ndarray, cutout: np.ndarray | None = None) -> Box:
    """Where the product is in the photo (x0, y0, x1, y1, photo pixels): the cut-out's
    extent, else the largest area that differs from the photo's border colour and from its
    row's edges (a table top is background); the whole photo when nothing stands out."""
    h, w = photo.shape[:2]
    if cutout is not None and cutout.shape[:2] == photo.shape[:2]:
        ys, xs = np.nonzero(cutout[..., 3] > 128)
        if xs.size:
            return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    small = cv2.resize(photo, (96, max(8, round(96 * h / w))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]]).astype(np.float32)
    bg = np.median(border, axis=0)
    diff = np.abs(small.astype(np.float32) - bg).max(axis=2)
    # A lifestyle photo's background changes from top to bottom (a wall, then the table the
    # product stands on): what matches its own row's edges is background too.
    edges = np.concatenate([small[:, :3], small[:, -3:]], axis=1).astype(np.float32)
    rows = np.median(edges, axis=1)[:, None, :]
    diff = np.minimum(diff, np.abs(small.astype(np.float32) - rows).max(axis=2))
    mask = (cv2.GaussianBlur(diff, (0, 0), 1.5) > 40).astype(np.uint8)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if count <= 1:
        return (0.0, 0.0, float(w), float(h))
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = stats[k]
    if area < 0.02 * sw * sh:
        return (0.0, 0.0, float(w), float(h))
    fx, fy = w / sw, h / sh
    pad = 2  # thumbnail pixels: what the reduction and the blur may have shaved off an edge
    return (
        max(0.0, (x - pad) * fx),
        max(0.0, (y - pad) * fy),
        min(float(w), (x + bw + pad) * fx),
        min(float(h), (y + bh + pad) * fy),
    )


def cover(
    photo: np.ndarray,
    size: tuple[int, int],
    focus: Box,
    *,
    place: Box = (0.1, 0.1, 0.9, 0.9),
    overscan: float = OVERSCAN,
    extend: bool = False,
) -> np.ndarray:
    """The photo filling ``size`` (w, h) times ``overscan``, cropped so the product
    (``focus``, photo pixels) sits inside ``place`` (fractions of the area: above the
    caption in a stacked layout), as large as that allows without cropping more than half
    of the photo away."""
    w, h = size
    x0, y0, cw, ch = cover_crop(photo.shape[:2], size, focus, place=place, extend=extend)
    # The plate's resolution: the photo's own where that is between ``ENLARGE_IN_WARP``
    # below the area's size and ``overscan`` times it (the camera's bilinear warp then
    # resamples it once, enlarging it by at most 1.4x at the closest zoom); a smaller photo
    # is enlarged (cubic) to the area's size, a larger one reduced (area) to the overscan.
    # An enlarged plate adds no detail, and the warp reads fewer pixels from a smaller one.
    out_w = min(round(cw), round(w * overscan))
    if out_w < w / ENLARGE_IN_WARP:
        out_w = w
    out_h = max(1, round(out_w * h / w))
    if out_w < cw:
        # Reduced before it is extended and cropped: those then handle the plate's pixels,
        # not the photo's (an extended crop can be 2.4 times the photo: 28 ms → 11-15 ms).
        k = out_w / cw
        photo = resize(photo, max(1, round(photo.shape[1] * k)), max(1, round(photo.shape[0] * k)))
        x0, y0, cw = x0 * k, y0 * k, out_w
    ph, pw = photo.shape[:2]
    cx0, cy0 = round(x0), round(y0)
    if out_w == round(cw):  # the plate's own pixels: cropped to its exact size
        cx1, cy1 = cx0 + out_w, cy0 + out_h
    else:
        cx1, cy1 = cx0 + round(cw), cy0 + round(ch)
    top, left = max(0, -cy0), max(0, -cx0)
    bottom, right = max(0, cy1 - ph), max(0, cx1 - pw)
    if top or left or bottom or right:
        photo = _extend(photo, top, bottom, left, right)
    crop = photo[cy0 + top : cy1 + top, cx0 + left : cx1 + left]
    if crop.shape[:2] == (out_h, out_w):
        return crop.copy()  # the scrim darkens the plate in place: never the photo itself
    return resize(crop, out_w, out_h)


def _extend(photo: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    """The photo with its edges carried on (a wall or floor continued), softened so the
    continuation shows no streaks: room for the caption around a product that fills it."""
    out = cv2.copyMakeBorder(photo, top, bottom, left, right, cv2.BORDER_REPLICATE)
    k = max(3, (max(photo.shape[:2]) // 12) | 1)
    r = k // 2
    h, w = out.shape[:2]
    strips = [
        box
        for box in ((0, top, 0, w), (h - bottom, h, 0, w), (0, h, 0, left), (0, h, w - right, w))
        if box[1] > box[0] and box[3] > box[2]
    ]
    # Each strip blurred with the pixels within the box filter's reach around it (the same
    # values as blurring the whole picture, whose border rule applies at its edges), all
    # before any is written back: a tenth of the work when the strips are thin.
    soft = []
    for y0, y1, x0, x1 in strips:
        ey0, ey1, ex0, ex1 = max(0, y0 - r), min(h, y1 + r), max(0, x0 - r), min(w, x1 + r)
        blurred = cv2.blur(out[ey0:ey1, ex0:ex1], (k, k))
        soft.append(blurred[y0 - ey0 : y1 - ey0, x0 - ex0 : x1 - ex0])
    for (y0, y1, x0, x1), piece in zip(strips, soft, strict=True):
        out[y0:y1, x0:x1] = piece
    return out


def cover_crop(
    shape: tuple[int, int],
    size: tuple[int, int],
    focus: Box,
    *,
    place: Box,
    extend: bool = False,
) -> tuple[float, float, float, float]:
    """``cover``'s crop of a photo of ``shape`` (h, w): (x0, y0, width, height), photo pixels.

    ``extend`` (a caption shares the picture): when the product is too tall for its place
    even in the largest crop, or sits too low or high in the photo to reach its place, the
    crop may reach past the photo's edges (``cover`` carries them on), by up to ``EXTEND``
    of the photo's size, so the product keeps clear of the caption's band."""
    ph, pw = shape
    w, h = size
    target = w / h
    max_w = pw if pw / ph < target else ph * target  # the largest crop of the area's aspect
    fw, fh = max(1.0, focus[2] - focus[0]), max(1.0, focus[3] - focus[1])
    qw, qh = place[2] - place[0], place[3] - place[1]
    need = max(fw / (qw * 0.92), fh / (qh * 0.92) * target)
    cw = min(max_w, max(need, 0.5 * max_w))
    room_x = room_y = 0.0  # how far past the photo's edges the crop may go
    if extend and need > max_w and fh / (qh * 0.92) * target >= fw / (qw * 0.92):
        cw = min(need, max_w * (1 + EXTEND))  # too tall only: a smaller product
        room_x = max(0.0, cw - pw)
    ch = cw / target
    if extend:
        room_y = max(0.0, ch - ph) + EXTEND / 2 * ph
    fx, fy = (focus[0] + focus[2]) / 2, (focus[1] + focus[3]) / 2
    x0 = min(max(-room_x / 2, fx - (place[0] + qw / 2) * cw), pw - cw + room_x / 2)
    y0 = min(max(-room_y, fy - (place[1] + qh / 2) * ch), ph - ch + room_y)
    return x0, y0, cw, ch


def scrim(
    img: np.ndarray, start: float, strength: float = 0.6, *, from_top: bool = False
) -> np.ndarray:
    """Darken the picture from ``start`` (a fraction of its height) down, smoothly, so
    captions over a photo read; in place, returned. ``from_top``: from ``start`` up instead
    (a caption over the top of the photo)."""
    if from_top:
        scrim(img[::-1], 1 - start, strength)
        return img
    h = img.shape[0]
    y0 = round(h * start)
    if y0 >= h:
        return img
    ramp = np.linspace(0, 1, h - y0, dtype=np.float32) ** 0.8
    k = (1 - strength * ramp)[:, None, None]
    # float32 products cast back (truncated) chunk by chunk into the picture: no full-size
    # float copies
    np.multiply(img[y0:], k, out=img[y0:], casting="unsafe")
    return img


def logo_sprite(path: Path, box: Box) -> tuple[np.ndarray, int, int]:
    """The brand logo contained in ``box``: (RGBA, x, y)."""
    rgba = load_image(path, rgba=True)
    x, y, w, h = contain((rgba.shape[1], rgba.shape[0]), box)
    return resize(rgba, w, h), x, y
