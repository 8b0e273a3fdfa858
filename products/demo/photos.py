"""Product photos for the offline demo shop, drawn with PIL + numpy (no downloads, no binaries
in git).

Each photo is a function of nothing, so the same JPEG bytes come out on every machine with
the same Pillow; ``ensure_photos`` draws them once into a cache folder. Packshots sit on pure
white with a soft contact shadow well inside the frame, like a studio shot, so the cut-out
step has a clean border to key on.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from products.demo.catalog import PRODUCTS
from products.demo.drawing import (
    SIZE,
    SS,
    Xf,
    canvas,
    centered_text,
    cylinder_light,
    fabric_noise,
    finish,
    font,
    paint,
    smooth_mask,
    soft_shadow,
    sphere_light,
    vertical_gradient,
    wood,
)

# Bump when a drawing changes so caches made by older code are not reused.
PHOTO_VERSION = 1
JPEG_QUALITY = 90


# --- T-shirt -----------------------------------------------------------------------------

_TEE = [
    (525, 245), (415, 272), (236, 398), (302, 508), (418, 458), (422, 930), (600, 938),
    (778, 930), (782, 458), (898, 508), (964, 398), (785, 272), (675, 245),
    (650, 282), (600, 298), (550, 282),
]


def _draw_tee(img: Image.Image, xf: Xf, color: tuple[int, int, int], ink: tuple[int, int, int],
              seed: int) -> None:
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).polygon(xf.pts(_TEE), fill=255)
    x0, y0, x1, y1 = (int(v) for v in mask.getbbox())
    w, h = x1 - x0, y1 - y0
    albedo = Image.new("RGB", (w, h), color)
    d = ImageDraw.Draw(albedo)
    off = lambda x, y: (xf.p(x, y)[0] - x0, xf.p(x, y)[1] - y0)  # noqa: E731 - local shorthand
    # Printed chest logo: a mountain mark and the brand name.
    cx, cy = off(600, 395)
    s = xf.d(1)
    d.polygon([(cx - 46 * s, cy + 10 * s), (cx - 12 * s, cy - 38 * s), (cx + 8 * s, cy - 10 * s),
               (cx + 20 * s, cy - 24 * s), (cx + 46 * s, cy + 10 * s)], fill=ink)
    centered_text(d, (cx, cy + 40 * s), "NORTHWIND", font(int(30 * s)), ink)
    # Seams: sleeve joins, hem and collar rib, a touch darker than the cloth.
    seam = tuple(int(c * 0.82) for c in color)
    for a, b in (((418, 458), (415, 272)), ((782, 458), (785, 272))):
        d.line([off(*a), off(*b)], fill=seam, width=int(3 * s))
    d.line([off(426, 906), off(774, 906)], fill=seam, width=int(3 * s))
    d.line([off(305, 490), off(240, 385)], fill=seam, width=int(3 * s))
    d.line([off(895, 490), off(960, 385)], fill=seam, width=int(3 * s))
    d.arc([*off(545, 215), *off(655, 302)], 20, 160, fill=seam, width=int(9 * s))
    # Light: broad folds, darker towards the sides.
    folds = fabric_noise(w, h, seed, strength=0.16)
    u = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    side = 1.0 - 0.1 * u**2 - 0.04 * u
    v = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    shade = np.clip(folds * side * (1.02 - 0.06 * v), 0, 1.1)
    paint(img, albedo, smooth_mask(mask.crop((x0, y0, x1, y1))), (x0, y0), shade)
    # The inside back of the collar shows through the neck opening.
    back = Image.new("L", img.size, 0)
    ImageDraw.Draw(back).polygon(xf.pts([(552, 250), (600, 238), (648, 250), (640, 272), (600, 284), (560, 272)]), fill=255)
    inner = tuple(int(c * 0.68) for c in color)
    img.paste(Image.new("RGB", img.size, inner), (0, 0), smooth_mask(back, 2))


def tee_packshot(color: tuple[int, int, int], ink: tuple[int, int, int], seed: int) -> Image.Image:
    img = canvas()
    xf = Xf(scale=0.95, cy=590)
    soft_shadow(img, xf.box(400, 915, 800, 965), blur=28, opacity=0.28)
    _draw_tee(img, xf, color, ink, seed)
    return finish(img)


def tee_flatlay() -> Image.Image:
    """The white tee laid flat on oak boards, with a folded denim corner and a leaf sprig."""
    big = wood(SIZE * SS, SIZE * SS, (196, 160, 118), seed=7, planks=6).rotate(90)
    layer = canvas((255, 255, 255))
    mask = Image.new("L", layer.size, 0)
    xf = Xf(scale=0.82, cy=600)
    _draw_tee(layer, xf, (246, 245, 241), (32, 48, 86), seed=3)
    ImageDraw.Draw(mask).polygon(xf.pts(_TEE), fill=255)
    shadow = mask.filter(ImageFilter.GaussianBlur(22)).point(lambda v: int(v * 0.35))
    big.paste((60, 45, 30), (14, 22), shadow)
    big.paste(layer.rotate(-8, resample=Image.Resampling.BICUBIC, center=(1200, 1200)), (0, 0),
              smooth_mask(mask.rotate(-8, resample=Image.Resampling.BICUBIC, center=(1200, 1200))))
    d = ImageDraw.Draw(big)
    d.rounded_rectangle((1780, 1880, 2600, 2600), radius=30, fill=(58, 86, 128))  # denim corner
    d.line((1800, 1960, 2400, 1960), fill=(200, 170, 90), width=5)
    for i, (x, y) in enumerate([(330, 1930), (410, 1860), (480, 1800), (390, 2020), (300, 2080)]):
        d.ellipse((x - 70, y - 32, x + 70, y + 32), fill=(70 + 8 * i, 120 + 4 * i, 70))
    d.line((250, 2150, 520, 1760), fill=(60, 90, 50), width=8)
    return finish(big)


# --- Serum bottle --------------------------------------------------------------------------

def _draw_serum(img: Image.Image, xf: Xf) -> None:
    # Glass body with shoulder, amber, lit like a cylinder, with a liquid line.
    mask = Image.new("L", img.size, 0)
    md = ImageDraw.Draw(mask)
    md.rounded_rectangle(xf.box(430, 560, 770, 1040), radius=xf.d(58), fill=255)
    md.rounded_rectangle(xf.box(470, 500, 730, 640), radius=xf.d(70), fill=255)
    md.rectangle(xf.box(545, 470, 655, 520), fill=255)
    x0, y0, x1, y1 = (int(v) for v in mask.getbbox())
    w, h = x1 - x0, y1 - y0
    albedo = Image.new("RGB", (w, h), (168, 84, 22))
    d = ImageDraw.Draw(albedo)
    shift = lambda box: (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)  # noqa: E731
    d.rectangle(shift(xf.box(430, 520, 770, 600)), fill=(196, 120, 52))  # air above the liquid
    # Label wrapped round the bottle.
    label = shift(xf.box(430, 680, 770, 930))
    d.rectangle(label, fill=(246, 240, 228))
    lx = (label[0] + label[2]) / 2
    s = xf.d(1)
    centered_text(d, (lx, label[1] + 62 * s), "LUMEN", font(int(64 * s)), (40, 40, 44))
    d.line((lx - 70 * s, label[1] + 108 * s, lx + 70 * s, label[1] + 108 * s), fill=(190, 150, 90), width=int(3 * s))
    centered_text(d, (lx, label[1] + 145 * s), "HYALURONIC SERUM", font(int(24 * s)), (60, 60, 64))
    centered_text(d, (lx, label[1] + 195 * s), "30 ml  ·  1.0 fl oz", font(int(20 * s), bold=False), (90, 90, 94))
    shade, spec = cylinder_light(w, h, ambient=0.55, diffuse=0.5, spec=0.55, spec_width=0.07)
    paint(img, albedo, smooth_mask(mask.crop((x0, y0, x1, y1))), (x0, y0), shade, spec)
    # Brushed-silver collar.
    _cylinder_part(img, xf.box(528, 392, 672, 482), (190, 192, 196), radius=xf.d(10), spec=0.6)
    # Black rubber dropper bulb with a rounded top.
    bulb = Image.new("L", img.size, 0)
    bd = ImageDraw.Draw(bulb)
    bd.rounded_rectangle(xf.box(552, 200, 648, 400), radius=xf.d(48), fill=255)
    bd.rectangle(xf.box(540, 360, 660, 400), fill=255)
    bx0, by0, bx1, by1 = (int(v) for v in bulb.getbbox())
    bshade, bspec = cylinder_light(bx1 - bx0, by1 - by0, ambient=0.6, diffuse=0.6, spec=0.28, spec_width=0.12)
    paint(img, Image.new("RGB", (bx1 - bx0, by1 - by0), (34, 34, 38)),
          smooth_mask(bulb.crop((bx0, by0, bx1, by1))), (bx0, by0), bshade, bspec)


def _cylinder_part(img: Image.Image, box, color, radius: float, spec: float) -> None:
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(box, radius=radius, fill=255)
    x0, y0, x1, y1 = (int(v) for v in mask.getbbox())
    shade, sp = cylinder_light(x1 - x0, y1 - y0, ambient=0.5, diffuse=0.6, spec=spec, spec_width=0.1)
    paint(img, Image.new("RGB", (x1 - x0, y1 - y0), color), smooth_mask(mask.crop((x0, y0, x1, y1))),
          (x0, y0), shade, sp)


def serum_packshot() -> Image.Image:
    img = canvas()
    xf = Xf(scale=0.95, cy=640)
    soft_shadow(img, xf.box(400, 1010, 800, 1070), blur=24, opacity=0.35)
    _draw_serum(img, xf)
    return finish(img)


def serum_lifestyle() -> Image.Image:
    """On a blush-pink surface against a warm wall, with two pebbles and a long side shadow."""
    img = canvas()
    vertical_gradient(img, (238, 206, 200), (226, 184, 178), 0, 1500)
    vertical_gradient(img, (214, 160, 152), (236, 196, 186), 1500, SIZE * SS)
    xf = Xf(scale=0.78, cx=560, cy=600)
    soft_shadow(img, (*xf.p(470, 1000), *xf.p(1100, 1075)), blur=40, opacity=0.3, color=(120, 70, 64))
    _draw_serum(img, xf)
    for (x, y, r, c) in ((1750, 1950, 130, (232, 226, 218)), (1990, 2080, 90, (180, 172, 166))):
        soft_shadow(img, (x - r, y + r * 0.55, x + r * 1.3, y + r * 0.95), blur=22, opacity=0.3, color=(110, 70, 60))
        mask = Image.new("L", (2 * r, int(1.4 * r)), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, 2 * r - 1, int(1.4 * r) - 1), fill=255)
        shade, spec = sphere_light(2 * r, int(1.4 * r), spec=0.25)
        paint(img, Image.new("RGB", mask.size, c), smooth_mask(mask), (x - r, int(y - 0.7 * r)), shade, spec)
    return finish(img)


# --- Headphones ----------------------------------------------------------------------------

def _draw_headphones(img: Image.Image, xf: Xf) -> None:
    d = ImageDraw.Draw(img)
    # Headband: a thick arc with a lighter cushion underneath.
    d.arc(xf.box(300, 250, 900, 850), 198, 342, fill=(52, 52, 58), width=int(xf.d(58)))
    d.arc(xf.box(330, 292, 870, 832), 202, 338, fill=(88, 88, 96), width=int(xf.d(18)))
    d.arc(xf.box(300, 250, 900, 850), 250, 290, fill=(80, 80, 88), width=int(xf.d(8)))  # sheen
    for side in (-1, 1):
        cx = 600 + side * 262
        # Yoke: a slim silver arm from band to cup.
        d.rounded_rectangle(xf.box(cx - 18, 470, cx + 18, 600), radius=xf.d(14), fill=(170, 172, 178))
        # Cushion (seen on the inner side) then the shell.
        d.ellipse(xf.box(cx - 100 - side * 24, 540, cx + 100 - side * 24, 830), fill=(38, 38, 42))
        _dome(img, xf.box(cx - 108, 530, cx + 108, 820), (48, 49, 55))
        # Accent ring and logo on the outer shell.
        d.ellipse(xf.box(cx - 70, 600, cx + 70, 750), outline=(176, 178, 186), width=int(xf.d(6)))
        centered_text(d, xf.p(cx, 676), "PULSE", font(int(xf.d(30))), (226, 228, 234))
    # A small LED on the right cup.
    d.ellipse(xf.box(930, 780, 942, 792), fill=(90, 220, 140))


def _dome(img: Image.Image, box, color) -> None:
    x0, y0, x1, y1 = (int(v) for v in box)
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, x1 - x0 - 1, y1 - y0 - 1), fill=255)
    shade, spec = sphere_light(x1 - x0, y1 - y0, ambient=0.55, diffuse=0.7, spec=0.3)
    paint(img, Image.new("RGB", mask.size, color), smooth_mask(mask), (x0, y0), shade, spec)


def headphones_packshot() -> Image.Image:
    img = canvas()
    xf = Xf(scale=0.95, cy=560)
    soft_shadow(img, xf.box(300, 800, 900, 870), blur=30, opacity=0.3)
    _draw_headphones(img, xf)
    return finish(img)


def headphones_detail() -> Image.Image:
    """A close-up of the right earcup: shell, accent ring, logo, LED."""
    img = canvas()
    vertical_gradient(img, (226, 228, 232), (188, 190, 196))
    xf = Xf(scale=2.6, cx=850, cy=670)
    soft_shadow(img, xf.box(740, 790, 990, 840), blur=50, opacity=0.35)
    _draw_headphones(img, xf)
    return finish(img)


# --- Mug -----------------------------------------------------------------------------------

def _draw_mug(img: Image.Image, xf: Xf, glaze: tuple[int, int, int]) -> None:
    d = ImageDraw.Draw(img)
    # Handle behind the body's right edge: a thick ring.
    handle = Image.new("L", img.size, 0)
    hd = ImageDraw.Draw(handle)
    hd.ellipse(xf.box(700, 500, 890, 790), fill=255)
    hd.ellipse(xf.box(745, 550, 845, 740), fill=0)
    hx0, hy0, hx1, hy1 = (int(v) for v in handle.getbbox())
    shade, spec = cylinder_light(hx1 - hx0, hy1 - hy0, ambient=0.55, diffuse=0.5, spec=0.3)
    paint(img, Image.new("RGB", (hx1 - hx0, hy1 - hy0), glaze), smooth_mask(handle.crop((hx0, hy0, hx1, hy1))),
          (hx0, hy0), shade, spec)
    # Body: a cylinder with a rounded base, with the printed mark.
    body = Image.new("L", img.size, 0)
    bd = ImageDraw.Draw(body)
    bd.rectangle(xf.box(420, 420, 780, 860), fill=255)
    bd.ellipse(xf.box(420, 820, 780, 900), fill=255)
    x0, y0, x1, y1 = (int(v) for v in body.getbbox())
    albedo = Image.new("RGB", (x1 - x0, y1 - y0), glaze)
    ad = ImageDraw.Draw(albedo)
    cx, cy = xf.p(600, 640)
    s = xf.d(1)
    cream = (244, 236, 220)
    ad.ellipse((cx - x0 - 34 * s, cy - y0 - 96 * s, cx - x0 + 34 * s, cy - y0 - 28 * s), outline=cream, width=int(7 * s))
    for k in range(8):  # sun rays
        a = k * math.pi / 4
        ad.line((cx - x0 + math.cos(a) * 46 * s, cy - y0 - 62 * s + math.sin(a) * 46 * s,
                 cx - x0 + math.cos(a) * 60 * s, cy - y0 - 62 * s + math.sin(a) * 60 * s), fill=cream, width=int(6 * s))
    centered_text(ad, (cx - x0, cy - y0 + 30 * s), "TERRA", font(int(52 * s)), cream)
    centered_text(ad, (cx - x0, cy - y0 + 78 * s), "STONEWARE", font(int(18 * s), bold=False), cream)
    shade, spec = cylinder_light(x1 - x0, y1 - y0, ambient=0.5, diffuse=0.55, spec=0.45, spec_width=0.08)
    paint(img, albedo, smooth_mask(body.crop((x0, y0, x1, y1))), (x0, y0), shade, spec)
    # Rim and the coffee inside.
    d.ellipse(xf.box(420, 390, 780, 450), fill=tuple(int(c * 1.05) for c in glaze))
    d.ellipse(xf.box(434, 398, 766, 444), fill=(236, 228, 212))
    d.ellipse(xf.box(446, 408, 754, 444), fill=(92, 56, 34))
    d.ellipse(xf.box(520, 414, 620, 428), fill=(140, 98, 66))  # light on the coffee


def mug_packshot() -> Image.Image:
    img = canvas()
    xf = Xf(scale=0.95, cx=640, cy=640)
    soft_shadow(img, xf.box(400, 865, 860, 925), blur=26, opacity=0.33)
    _draw_mug(img, xf, (178, 96, 64))
    return finish(img)


def mug_lifestyle() -> Image.Image:
    """On an oak table against a warm wall, steaming, morning light."""
    img = canvas()
    vertical_gradient(img, (236, 222, 200), (214, 196, 170), 0, 1560)
    img.paste(wood(SIZE * SS, SIZE * SS - 1560, (170, 120, 78), seed=11, planks=3), (0, 1560))
    xf = Xf(scale=0.8, cx=600, cy=560)
    soft_shadow(img, (*xf.p(380, 880), *xf.p(1000, 950)), blur=34, opacity=0.4, color=(60, 40, 25))
    _draw_mug(img, xf, (178, 96, 64))
    steam = Image.new("L", img.size, 0)
    sd = ImageDraw.Draw(steam)
    for i, x in enumerate((560, 610, 660)):
        pts = [xf.p(x + 22 * ((-1) ** (k + i)) * (k % 3), 370 - k * 40) for k in range(7)]
        sd.line(pts, fill=110, width=int(xf.d(14)), joint="curve")
    img.paste((255, 255, 255), (0, 0), steam.filter(ImageFilter.GaussianBlur(18)))
    return finish(img)


# --- Cache ---------------------------------------------------------------------------------

DRAWERS: dict[str, Callable[[], Image.Image]] = {
    "aurora-tee-white.jpg": lambda: tee_packshot((246, 245, 241), (32, 48, 86), seed=3),
    "aurora-tee-navy.jpg": lambda: tee_packshot((36, 52, 92), (236, 232, 220), seed=5),
    "aurora-tee-flatlay.jpg": tee_flatlay,
    "lumen-serum-packshot.jpg": serum_packshot,
    "lumen-serum-lifestyle.jpg": serum_lifestyle,
    "pulse-headphones-packshot.jpg": headphones_packshot,
    "pulse-headphones-detail.jpg": headphones_detail,
    "terra-mug-packshot.jpg": mug_packshot,
    "terra-mug-lifestyle.jpg": mug_lifestyle,
}


def default_cache_dir() -> Path:
    """Where photos go when no folder is given: ``SHOPREEL_DEMO_CACHE`` or the temp folder."""
    return Path(os.environ.get("SHOPREEL_DEMO_CACHE") or Path(tempfile.gettempdir()) / "shopreel-demo")


def ensure_photos(cache_dir: Path) -> dict[str, list[Path]]:
    """Draw any missing photo into ``cache_dir``; return each product slug's photo paths.

    Files are written to a temporary name and renamed, so two processes drawing at once (test
    workers, a dev server) never see half a JPEG.
    """
    folder = Path(cache_dir) / f"photos-v{PHOTO_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWERS.items():
        target = folder / name
        if target.exists():
            continue
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            draw().save(fh, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
        os.replace(tmp, target)
    return {p.slug: [folder / name for name in p.images] for p in PRODUCTS}

