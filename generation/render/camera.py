"""Camera moves over a plate: one affine warp per frame.

The plate shows ``OVERSCAN`` times what the frame shows at the closest zoom, at whatever
resolution ``plates.cover`` gave it. A view is a zoom ``z`` (1 = the whole plate fits the
frame, larger = closer) and a centre in plate pixels; ``cv2.warpAffine`` samples the plate
straight into a frame-sized buffer, which is the only per-frame cost of a motion shot
(OpenCV 5.1, one core: about 1.4-3 ms for a 1080x1350 frame, less the fewer plate pixels it
reads; docs/BENCHMARKS.md).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

from .spec import CameraMove

ZOOM = 1.12  # how far push-in / pull-out / pans go; within OVERSCAN so no edge shows


def ease_in_out(p: float) -> float:
    """Cosine ease: starts and stops gently."""
    p = min(1.0, max(0.0, p))
    return 0.5 - 0.5 * math.cos(math.pi * p)


def glide(p: float) -> float:
    """A move that never stops inside its scene (speed 0.7..1.3 of the mean, never 0): the
    transitions hide where it starts and ends, and a camera that eases to a halt reads as a
    still frame."""
    p = min(1.0, max(0.0, p))
    return p - 0.3 * math.sin(2 * math.pi * p) / (2 * math.pi)


@dataclass(frozen=True)
class Move:
    """A move as start and end views: (zoom, centre-x, centre-y as fractions of the room)."""

    z0: float
    z1: float
    c0: tuple[float, float]  # -1..1 of the room available at that zoom, 0 = centred
    c1: tuple[float, float]

    @property
    def is_static(self) -> bool:
        return self.z0 == self.z1 and self.c0 == self.c1


def make_move(move: CameraMove, seed: int = 0) -> Move:
    """The start/end views for a named move; ken_burns picks a seeded direction."""
    if move == "push_in":
        return Move(1.0, ZOOM, (0, 0), (0, 0))
    if move == "pull_out":
        return Move(ZOOM, 1.0, (0, 0), (0, 0))
    if move == "pan_left":  # the camera travels left: the picture slides right
        return Move(ZOOM, ZOOM, (0.9, 0), (-0.9, 0))
    if move == "pan_right":
        return Move(ZOOM, ZOOM, (-0.9, 0), (0.9, 0))
    if move == "ken_burns":
        rng = random.Random(seed)  # noqa: S311 - art direction, not security
        angle = rng.uniform(0, 2 * math.pi)
        end = (0.7 * math.cos(angle), 0.7 * math.sin(angle))
        return Move(1.0, ZOOM + 0.02, (0, 0), end)
    return Move(1.0, 1.0, (0, 0), (0, 0))


def view_matrix(move: Move, p: float, frame: tuple[int, int], plate: tuple[int, int]) -> np.ndarray:
    """The 2x3 matrix mapping frame pixels to plate pixels at progress ``p`` (0..1)."""
    e = glide(p)
    w, h = frame
    pw, ph = plate
    z = move.z0 + (move.z1 - move.z0) * e
    s = min(pw / w, ph / h) / z  # plate pixels per frame pixel
    room_x = max(0.0, (pw - w * s) / 2)
    room_y = max(0.0, (ph - h * s) / 2)
    fx = move.c0[0] + (move.c1[0] - move.c0[0]) * e
    fy = move.c0[1] + (move.c1[1] - move.c0[1]) * e
    cx, cy = pw / 2 + fx * room_x, ph / 2 + fy * room_y
    return np.array([[s, 0, cx - w / 2 * s], [0, s, cy - h / 2 * s]], dtype=np.float64)


def render_view(
    plate: np.ndarray, matrix: np.ndarray, frame: tuple[int, int], out: np.ndarray | None = None
) -> np.ndarray:
    """Sample the plate through ``matrix`` into a frame (bilinear, edges replicated)."""
    return cv2.warpAffine(
        plate,
        matrix,
        frame,
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
