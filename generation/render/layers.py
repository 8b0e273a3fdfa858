"""Sprites: layers rasterised once per scene and, per frame, only moved, scaled and blended
inside their own box.

A ``Sprite`` keeps its pixels premultiplied by alpha (uint8), so scaling with
``cv2.warpAffine`` never darkens the edges, and blending is ``roi * (1 - a) + rgb`` in
integer arithmetic on the sprite's box only. Easing curves for every layer's motion live
here too (the style presets pick among them).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

Ease = Callable[[float], float]


def clamp01(p: float) -> float:
    return 0.0 if p <= 0 else 1.0 if p >= 1 else p


def ease_out_cubic(p: float) -> float:
    p = clamp01(p)
    return 1 - (1 - p) ** 3


def ease_in_out(p: float) -> float:
    p = clamp01(p)
    return 0.5 - 0.5 * math.cos(math.pi * p)


def ease_out_back(p: float) -> float:
    """Overshoots a little and settles: a pop."""
    p = clamp01(p)
    c = 1.9
    return 1 + (c + 1) * (p - 1) ** 3 + c * (p - 1) ** 2


def ease_out_elastic(p: float) -> float:
    """A springy settle (playful)."""
    p = clamp01(p)
    if p in (0.0, 1.0):
        return p
    return 2 ** (-9 * p) * math.sin((p * 10 - 0.75) * (2 * math.pi) / 3) + 1


def ease_in_cubic(p: float) -> float:
    p = clamp01(p)
    return p**3


EASES: dict[str, Ease] = {
    "cubic": ease_out_cubic,
    "sine": ease_in_out,
    "back": ease_out_back,
    "elastic": ease_out_elastic,
}


class Sprite:
    """An RGBA picture (straight alpha in, premultiplied inside) drawn at any place, scale
    and opacity. ``x``/``y`` are where its top-left sits at scale 1 (frame pixels); scaling
    is about its centre unless an anchor is given."""

    def __init__(self, rgba: np.ndarray, x: float = 0.0, y: float = 0.0) -> None:
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError("a sprite needs a uint8 RGBA array")
        # OpenCV's premultiply: (c * a + 127) // 255, as exact integers, in one SIMD pass.
        self.pm = cv2.cvtColor(rgba, cv2.COLOR_RGBA2mRGBA)
        self.h, self.w = rgba.shape[:2]
        self.x, self.y = float(x), float(y)
        self._rgb: np.ndarray | None = None
        self._inv: np.ndarray | None = None
        self._scratch: np.ndarray | None = None  # scaled copies are warped into it

    def _blend_static(self, frame: np.ndarray, x: int, y: int) -> None:
        if self._rgb is None:
            self._rgb = cv2.cvtColor(self.pm, cv2.COLOR_RGBA2RGB)
            alpha = cv2.extractChannel(self.pm, 3)
            self._inv = cv2.cvtColor(cv2.bitwise_not(alpha), cv2.COLOR_GRAY2RGB)
        fh, fw = frame.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + self.w), min(fh, y + self.h)
        if x1 <= x0 or y1 <= y0:
            return
        sl = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
        roi = frame[y0:y1, x0:x1]  # OpenCV writes into the frame's view: no copy back
        cv2.multiply(roi, self._inv[sl], dst=roi, scale=1 / 255.0)
        cv2.add(roi, self._rgb[sl], dst=roi)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) at rest (scale 1, no offset), frame pixels, exclusive end."""
        x0, y0 = round(self.x), round(self.y)
        return (x0, y0, x0 + self.w, y0 + self.h)

    def draw(
        self,
        frame: np.ndarray,
        *,
        dx: float = 0.0,
        dy: float = 0.0,
        scale: float = 1.0,
        opacity: float = 1.0,
        anchor: tuple[float, float] = (0.5, 0.5),
        blur_x: int = 0,
    ) -> None:
        """Blend onto ``frame`` (H, W, 3 uint8) in place: moved by (dx, dy), scaled about
        ``anchor`` (fractions of the sprite), faded by ``opacity``; ``blur_x`` smears it
        sideways (a whip)."""
        if opacity <= 0.004 or scale <= 0.01:
            return
        if abs(scale - 1.0) < 1e-3 and not blur_x:
            ox, oy = round(self.x + dx), round(self.y + dy)
            if opacity >= 0.998:  # at rest: the prepared colour and inverse alpha
                self._blend_static(frame, ox, oy)
                return
            src = self.pm
        else:
            ax, ay = self.x + anchor[0] * self.w + dx, self.y + anchor[1] * self.h + dy
            left, top = ax - anchor[0] * self.w * scale, ay - anchor[1] * self.h * scale
            ox, oy = math.floor(left), math.floor(top)
            w = math.ceil(self.w * scale + (left - ox)) + 1
            h = math.ceil(self.h * scale + (top - oy)) + 1
            m = np.array([[scale, 0, left - ox], [0, scale, top - oy]], np.float64)
            scratch = self._scratch
            if scratch is None or scratch.shape[0] < h or scratch.shape[1] < w:
                # Room for a little growth: a layer that grows by a pixel a frame does not
                # allocate a new buffer every frame.
                scratch = np.empty((h + h // 8 + 2, w + w // 8 + 2, 4), np.uint8)
                self._scratch = scratch
            src = cv2.warpAffine(
                self.pm,
                m,
                (w, h),
                dst=scratch[:h, :w],
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
            )
            if blur_x > 1:
                src = cv2.blur(src, (blur_x, 1))
        blend_pm(frame, src, ox, oy, opacity)


def blend_pm(frame: np.ndarray, src: np.ndarray, x: int, y: int, opacity: float = 1.0) -> None:
    """Premultiplied RGBA ``src`` over the RGB ``frame`` at (x, y), clipped to the frame.
    OpenCV's saturating uint8 arithmetic (SIMD): ``roi * (255 - a) / 255 + rgb``."""
    fh, fw = frame.shape[:2]
    h, w = src.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    s = src[y0 - y : y1 - y, x0 - x : x1 - x]
    if opacity < 0.998:
        s = cv2.convertScaleAbs(s, alpha=max(0.0, opacity))
    roi = frame[y0:y1, x0:x1]  # OpenCV writes into the frame's view: no copy back
    inv = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(s, 3)), cv2.COLOR_GRAY2RGB)
    cv2.multiply(roi, inv, dst=roi, scale=1 / 255.0)
    cv2.add(roi, cv2.cvtColor(s, cv2.COLOR_RGBA2RGB), dst=roi)


def over(dst: np.ndarray, src: np.ndarray, x: int, y: int) -> None:
    """Straight-alpha RGBA ``src`` over straight-alpha RGBA ``dst`` in place (preparation
    time only: float arithmetic), clipped."""
    h, w = src.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(dst.shape[1], x + w), min(dst.shape[0], y + h)
    if x1 <= x0 or y1 <= y0:
        return
    s = src[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32)
    d = dst[y0:y1, x0:x1].astype(np.float32)
    sa, da = s[..., 3:] / 255, d[..., 3:] / 255
    out_a = sa + da * (1 - sa)
    rgb = (s[..., :3] * sa + d[..., :3] * da * (1 - sa)) / np.maximum(out_a, 1e-6)
    dst[y0:y1, x0:x1] = np.dstack([rgb, out_a * 255]).clip(0, 255).astype(np.uint8)
