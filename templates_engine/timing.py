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


def fit_to_needs(frames: list[int], needs: list[int], keep: list[int] | None = None) -> list[int]:
    """Move frames to the scenes whose voice-over needs more time than they have, from the
    scenes with time to spare (a scene keeps at least its own need and the minimum length),
    so the lines fit at a natural pace instead of being shortened or sped up. The total is
    unchanged; what is given and taken is shared in proportion, largest remainder first.
    When there is not enough to spare, each short scene gets a share of what there is.
    ``keep`` (default ``needs``): what a scene keeps when it gives frames away."""
    lo, hi = round(MIN_SCENE_SECONDS * FPS), round(MAX_SCENE_SECONDS * FPS)
    keep = needs if keep is None else keep
    want = [max(0, min(need, hi) - have) for have, need in zip(frames, needs, strict=True)]
    spare = [
        0 if w else max(0, have - max(k, lo)) for have, k, w in zip(frames, keep, want, strict=True)
    ]
    moved = min(sum(want), sum(spare))
    if moved <= 0:
        return list(frames)
    take = _share(spare, moved)
    give = _share(want, moved)
    return [f - t + g for f, t, g in zip(frames, take, give, strict=True)]


def _share(weights: list[int], amount: int) -> list[int]:
    """``amount`` split in proportion to ``weights`` (whole numbers, none above its weight)."""
    total = sum(weights)
    exact = [amount * w / total for w in weights]
    whole = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - whole[i]), i))
    for i in order[: amount - sum(whole)]:
        whole[i] += 1
    return whole
