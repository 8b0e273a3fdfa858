"""Transitions between scenes, and cuts on the music's beats.

Six kinds: ``cut``, ``slide`` (the next scene slides over), ``push`` (it pushes this one
out), ``zoom`` (zoom-through: this scene rushes in to a flash, the next settles out of
it), ``whip`` (a push with a horizontal motion blur) and ``wipe`` (a moving edge with an
accent bar). None blends two pictures, so two captions or two products are never
double-exposed; each frame in a transition is made from the two scenes' finished frames
(each with only its own text, which is out before the boundary or not yet in).

A script's ``crossfade`` means "a designed move": the style preset picks one, in turn.
``on_beats`` moves each cut to the nearest beat of the synthesised music bed
(``music.beat_times``), keeping every scene long enough to read.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from .colors import RGB
from .layers import ease_in_out
from .music import beat_times
from .spec import TRANSITIONS, RenderSpec
from .styles import Style

MIN_SCENE = 1.0  # s: a scene is never shortened below this (nor below 80 % of itself)


def kinds_for(spec: RenderSpec, style: Style) -> list[str]:
    """The transition out of each scene (the last one's is ``cut``: nothing follows)."""
    out = []
    k = spec.seed
    for i, scene in enumerate(spec.scenes):
        if i + 1 == len(spec.scenes):
            out.append("cut")
        elif scene.transition in TRANSITIONS:
            out.append(scene.transition)
        else:  # "crossfade": the style's own moves, in turn
            out.append(style.transitions[k % len(style.transitions)])
            k += 1
    return out


def on_beats(spec: RenderSpec) -> RenderSpec:
    """The spec with each scene boundary moved to the nearest beat of its music bed (when
    there is music), the total length unchanged."""
    if not spec.audio.music or len(spec.scenes) < 2:
        return spec
    total = spec.duration
    beats = beat_times(total, spec.seed)
    if len(beats) < 2:
        return spec
    bounds, start = [], 0.0
    for scene in spec.scenes[:-1]:
        start += scene.duration
        bounds.append(start)
    snapped, prev = [], 0.0
    for i, b in enumerate(bounds):
        orig_prev = bounds[i - 1] if i else 0.0
        orig_next = bounds[i + 1] if i + 1 < len(bounds) else total
        lo = prev + max(MIN_SCENE, 0.8 * (b - orig_prev))
        hi = orig_next - max(MIN_SCENE, 0.8 * (orig_next - b))
        candidates = [t for t in beats if lo <= t <= hi]
        best = min(candidates, key=lambda t: abs(t - b)) if candidates else b
        if abs(best - b) > 0.5:
            best = b
        snapped.append(best)
        prev = best
    edges = [0.0, *snapped, total]
    scenes = tuple(
        replace(s, duration=round(edges[i + 1] - edges[i], 6)) for i, s in enumerate(spec.scenes)
    )
    return replace(spec, scenes=scenes)


def combine(
    kind: str,
    a: np.ndarray,
    b: np.ndarray,
    p: float,
    *,
    accent: RGB = (255, 59, 92),
    rtl: bool = False,
) -> np.ndarray:
    """The frame ``p`` (0..1) of the way from ``a`` to ``b``. Fresh array or one of the
    inputs (which the caller no longer needs)."""
    h, w = a.shape[:2]
    if rtl:  # moves run the other way for right-to-left readers
        out = combine(kind, a[:, ::-1], b[:, ::-1], p, accent=accent)
        return np.ascontiguousarray(out[:, ::-1])
    if kind == "cut" or p >= 1:
        return b if p >= 0.5 else a
    if p <= 0:
        return a
    e = ease_in_out(p)
    if kind == "slide":
        off = round(e * w)
        if off:
            a[:, w - off :] = b[:, :off]
        return a
    if kind in ("push", "whip"):
        if kind == "whip":
            e = ease_in_out(ease_in_out(p))  # faster through the middle
        off = round(e * w)
        out = np.empty_like(a)
        out[:, : w - off] = a[:, off:]
        out[:, w - off :] = b[:, :off]
        if kind == "whip":
            speed = abs(np.sin(np.pi * p))  # blur peaks mid-way
            k = int(0.12 * w * speed)
            if k > 2:
                small = cv2.resize(out, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
                small = cv2.blur(small, (max(2, k // 2), 1))
                out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        return out
    if kind == "wipe":
        off = round(e * w)
        a[:, :off] = b[:, :off]
        bar = max(2, round(0.018 * w))
        x0, x1 = max(0, off - bar), min(w, off + bar // 2)
        if 0 < off < w:
            a[:, x0:x1] = accent
        return a
    if kind == "zoom":
        if p < 0.5:
            q = ease_in_out(p * 2)
            z, flash, src = 1 + 0.6 * q * q, q * q * 0.6, a
        else:
            q = ease_in_out((p - 0.5) * 2)
            z, flash, src = 1.3 - 0.3 * q, (1 - q) * 0.6, b
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, z)
        out = cv2.warpAffine(
            src, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        if flash > 0.01:
            out = cv2.addWeighted(out, 1 - flash, np.full_like(out, 255), flash, 0)
        return out
    raise ValueError(f"unknown transition {kind!r}")
