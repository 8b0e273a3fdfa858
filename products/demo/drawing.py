"""Small drawing kit for the demo shop's product photos: supersampled canvas, shading, shadows.

Photos are drawn at twice their size and downsampled, which anti-aliases every edge. Objects
are painted as an *albedo* layer (colour and print) times a *shade* (how light falls on the
shape) plus a *specular* highlight, then composited through a soft-edged mask: enough to read
as a photographed object, deterministic to the byte, with no downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 1200  # final photo edge, px
SS = 2  # supersampling factor
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Xf:
    """Maps the 1200-px design space to the supersampled canvas, optionally zoomed."""

    scale: float = 1.0
    cx: float = SIZE / 2  # design point that lands at the canvas centre
    cy: float = SIZE / 2

    def p(self, x: float, y: float) -> tuple[float, float]:
        return (
            ((x - self.cx) * self.scale + SIZE / 2) * SS,
            ((y - self.cy) * self.scale + SIZE / 2) * SS,
        )

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (*self.p(x0, y0), *self.p(x1, y1))

    def d(self, v: float) -> float:
        """A length in design px → canvas px."""
        return v * self.scale * SS

    def pts(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.p(x, y) for x, y in points]


def canvas(color: RGB = (255, 255, 255)) -> Image.Image:
    return Image.new("RGB", (SIZE * SS, SIZE * SS), color)


def finish(img: Image.Image) -> Image.Image:
    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


@lru_cache(maxsize=32)
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans from the system; PIL's built-in font if it is missing (still scalable)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def vertical_gradient(img: Image.Image, top: RGB, bottom: RGB, y0: int = 0, y1: int | None = None) -> None:
    """Fill rows y0..y1 of ``img`` with a top→bottom gradient (in place)."""
    y1 = img.height if y1 is None else y1
    t = np.linspace(0.0, 1.0, y1 - y0, dtype=np.float32)[:, None, None]
    rows = (np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t)
    band = np.broadcast_to(rows, (y1 - y0, img.width, 3)).astype(np.uint8)
    img.paste(Image.fromarray(band), (0, y0))


def soft_shadow(img: Image.Image, box: tuple[float, float, float, float], blur: float, opacity: float,
                color: RGB = (40, 35, 30)) -> None:
    """An elliptical contact shadow, blurred (in place)."""
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=int(255 * opacity))
    mask = mask.filter(ImageFilter.GaussianBlur(blur))
    img.paste(Image.new("RGB", img.size, color), (0, 0), mask)


def smooth_mask(mask: Image.Image, radius: float = 1.2) -> Image.Image:
    """Soften a drawn mask's edge by a pixel or so, like a lens would."""
    return mask.filter(ImageFilter.GaussianBlur(radius))


def cylinder_light(width: int, height: int, *, ambient: float = 0.5, diffuse: float = 0.55,
                   light_x: float = -0.35, spec: float = 0.5, spec_width: float = 0.09,
                   spec_x: float = -0.42) -> tuple[np.ndarray, np.ndarray]:
    """Shade and specular maps (height x width) for a vertical cylinder lit from the left-front."""
    u = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    normal_z = np.sqrt(np.clip(1 - u**2, 0, 1))
    lambert = np.clip(normal_z * np.sqrt(1 - light_x**2) + u * light_x, 0, 1)
    shade = ambient + diffuse * lambert
    highlight = spec * np.exp(-(((u - spec_x) / spec_width) ** 2))
    rim = 0.12 * np.exp(-(((u - 0.88) / 0.06) ** 2))  # bounce light on the far edge
    shade_map = np.broadcast_to(shade[None, :], (height, width))
    spec_map = np.broadcast_to((highlight + rim)[None, :], (height, width))
    return shade_map, spec_map


def sphere_light(width: int, height: int, *, ambient: float = 0.45, diffuse: float = 0.6,
                 spec: float = 0.35, light: tuple[float, float] = (-0.45, -0.5)) -> tuple[np.ndarray, np.ndarray]:
    """Shade and specular maps for a dome-like surface (earcups, pebbles)."""
    y, x = np.mgrid[-1:1:complex(0, height), -1:1:complex(0, width)].astype(np.float32)
    r2 = np.clip(x**2 + y**2, 0, 1)
    nz = np.sqrt(1 - r2)
    lx, ly = light
    lz = np.sqrt(max(0.0, 1 - lx**2 - ly**2))
    lambert = np.clip(x * lx + y * ly + nz * lz, 0, 1)
    shade = ambient + diffuse * lambert
    hx, hy = lx * 0.7, ly * 0.7
    highlight = spec * np.exp(-(((x - hx) ** 2 + (y - hy) ** 2) / 0.04))
    return shade, highlight


def paint(img: Image.Image, albedo: Image.Image, mask: Image.Image, origin: tuple[int, int],
          shade: np.ndarray, spec: np.ndarray | None = None) -> None:
    """Composite ``albedo * shade + spec`` through ``mask`` at ``origin`` (in place)."""
    a = np.asarray(albedo.convert("RGB"), np.float32)
    lit = a * shade[..., None]
    if spec is not None:
        lit = lit + 255.0 * spec[..., None]
    layer = Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8))
    img.paste(layer, origin, mask)


def fabric_noise(width: int, height: int, seed: int, strength: float = 0.1) -> np.ndarray:
    """Soft folds: a few broad random waves, for cloth. Deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    field = np.zeros((height, width), np.float32)
    for _ in range(6):
        fx, fy = rng.uniform(0.5, 3.0, 2) / max(width, height) * 2 * np.pi
        phase = rng.uniform(0, 2 * np.pi)
        field += np.sin(x * fx + y * fy + phase)
    return 1.0 - strength * (field / 6.0 + 0.5) * 0.9


def wood(width: int, height: int, base: RGB, seed: int, planks: int = 5) -> Image.Image:
    """Horizontal oak planks: long wavy grain lines, a tone per plank, dark seams."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    plank_h = height / planks
    idx = np.minimum((y / plank_h).astype(int), planks - 1)
    offsets = rng.uniform(0, 100, planks).astype(np.float32)[idx]
    tone = rng.uniform(0.9, 1.07, planks).astype(np.float32)[idx]
    wobble = 18 * np.sin(x / 310.0 + offsets) + 7 * np.sin(x / 97.0 + 2 * offsets)
    grain = 0.55 * np.sin((y + wobble) / 5.5 + offsets) + 0.45 * np.sin((y + 1.7 * wobble) / 2.2)
    streak = 0.04 * np.sin(x / 650.0 + 3 * offsets)
    f = tone * (0.95 + 0.035 * grain + streak)
    f[(y % plank_h) < 4] *= 0.62
    rgb = np.array(base, np.float32)[None, None, :] * f[..., None]
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def centered_text(draw: ImageDraw.ImageDraw, center: tuple[float, float], text: str,
                  fnt: ImageFont.FreeTypeFont | ImageFont.ImageFont, fill: RGB) -> None:
    draw.text(center, text, font=fnt, fill=fill, anchor="mm")
