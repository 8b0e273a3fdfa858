"""Split an ad's length between its scenes in whole frames.

Durations are whole frames at 30 fps (so the renderer never rounds a cut) and add up to the
ad's length exactly; each scene gets at least ``MIN_SCENE_SECONDS`` and at most 30 s.
"""

from __future__ import annotations

from templates_engine.definitions import FPS, MAX_SCENE_SECONDS
from templates_engine.schema import MIN_SCENE_SECONDS


def length_frames(length: float) -> int:
    """``length`` in frames; ``ValueError`` when it is not a whole number of frames."""
    frames = round(length * FPS)
    if frames <= 0 or abs(frames - length * FPS) > 1e-6:
        raise ValueError(f"length {length} s is not a whole number of frames at {FPS} fps")
    return frames


def allocate_frames(shares: list[float], total: int) -> list[int]:
    """Frames per scene in proportion to ``shares``, largest-remainder rounding.

    Each scene first gets the minimum; what is left is shared by weight, and a scene that
    would pass the maximum is capped and its excess shared among the others.
    """
    lo, hi = round(MIN_SCENE_SECONDS * FPS), round(MAX_SCENE_SECONDS * FPS)
    n = len(shares)
    if n == 0 or n * lo > total or n * hi < total:
        raise ValueError(
            f"{n} scenes cannot share {total / FPS:g} s with each between "
            f"{MIN_SCENE_SECONDS:g} and {MAX_SCENE_SECONDS:g} s"
        )
    # Proportional targets, then clamp into [lo, hi] and redistribute until stable.
    frames = [float(lo)] * n
    free = list(range(n))
    remaining = float(total)
    while True:
        weight = sum(shares[i] for i in free)
        target = {i: remaining * shares[i] / weight for i in free}
        clamped = [i for i in free if target[i] < lo or target[i] > hi]
        if not clamped:
            for i in free:
                frames[i] = target[i]
            break
        for i in clamped:
            frames[i] = lo if target[i] < lo else hi
            remaining -= frames[i]
            free.remove(i)
        if not free:
            break
    whole = [int(f) for f in frames]
    leftover = total - sum(whole)
    by_remainder = sorted(range(n), key=lambda i: (-(frames[i] - whole[i]), i))
    for i in by_remainder[:leftover]:
        whole[i] += 1
    return whole
