"""The fidelity gate: does a generated shot still show the real product?

Framework-free (numpy + OpenCV). Each sampled frame is compared with the conditioning photo
on the product region (the cut-out's alpha where the photo has one, else the whole frame),
in three ways that fail differently:

- colour: hue/saturation histograms, Bhattacharyya distance (a recoloured product);
- structure: SSIM of the region in grey, downscaled (a reshaped or redrawn product);
- local features: ORB keypoints of the photo matched in the frame with Lowe's ratio test
  (a product whose details - logo, print, buttons - were redrawn). Skipped when the photo
  region has too little texture to give keypoints.

The score is their weighted mean, 0 (another object) to 1 (the photo itself); a shot scores
its worst sampled frame, since drift grows over a clip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

WEIGHTS = {"colour": 0.35, "structure": 0.40, "features": 0.25}
STRUCTURE_SIDE = 64  # SSIM is computed on the region downscaled to this long side
FEATURE_SIDE = 256  # ORB runs on the region scaled to this long side
MIN_KEYPOINTS = 8


@dataclass(frozen=True)
class FidelityResult:
    score: float  # 0-1, the worst sampled frame
    frame_scores: tuple[float, ...]
    parts: dict[str, float]  # colour / structure / features of the worst frame


def _check_inputs(
    reference: np.ndarray, frames: Sequence[np.ndarray], mask: np.ndarray | None
) -> None:
    if reference.ndim != 3 or reference.shape[2] != 3 or reference.dtype != np.uint8:
        raise ValueError(
            f"reference must be an HxWx3 uint8 RGB image, got shape {reference.shape} dtype {reference.dtype}"
        )
    if not frames:
        raise ValueError("frames must hold at least one frame, got none")
    for i, frame in enumerate(frames):
        if frame.shape != reference.shape or frame.dtype != np.uint8:
            raise ValueError(
                f"frame {i} must match the reference ({reference.shape}, uint8), "
                f"got {frame.shape} {frame.dtype}"
            )
    if mask is not None and mask.shape != reference.shape[:2]:
        raise ValueError(f"mask must be {reference.shape[:2]}, got {mask.shape}")


def _region(
    mask: np.ndarray | None, shape: tuple[int, ...]
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The product mask (uint8 0/255) and its bounding box; the whole frame without a mask."""
    h, w = shape[:2]
    if mask is None or not np.any(mask > 127):
        return np.full((h, w), 255, np.uint8), (0, 0, w, h)
    binary = np.where(mask > 127, 255, 0).astype(np.uint8)
    x, y, bw, bh = cv2.boundingRect(binary)
    return binary, (x, y, bw, bh)


def colour_similarity(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    def hist(image: np.ndarray) -> np.ndarray:
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
        h = cv2.calcHist([hsv], [0, 1], mask, [18, 8], [0, 180, 0, 256])
        return cv2.normalize(h, h).astype(np.float32)

    distance = cv2.compareHist(hist(a), hist(b), cv2.HISTCMP_BHATTACHARYYA)
    return float(np.clip(1.0 - distance, 0.0, 1.0))


def _ssim(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (7, 7), 1.5)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return float(ssim.mean())


def _crop_scaled(image: np.ndarray, box: tuple[int, int, int, int], side: int) -> np.ndarray:
    x, y, w, h = box
    crop = image[y : y + h, x : x + w]
    scale = side / max(w, h)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def structure_similarity(a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int]) -> float:
    grey_a = cv2.cvtColor(_crop_scaled(a, box, STRUCTURE_SIDE), cv2.COLOR_RGB2GRAY)
    grey_b = cv2.cvtColor(_crop_scaled(b, box, STRUCTURE_SIDE), cv2.COLOR_RGB2GRAY)
    return float(np.clip(_ssim(grey_a, grey_b), 0.0, 1.0))


def feature_similarity(
    a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int]
) -> float | None:
    """Share of the photo's ORB keypoints found again in the frame; None without texture."""
    orb = cv2.ORB_create(nfeatures=300, edgeThreshold=15, patchSize=15)
    grey_a = cv2.cvtColor(_crop_scaled(a, box, FEATURE_SIDE), cv2.COLOR_RGB2GRAY)
    grey_b = cv2.cvtColor(_crop_scaled(b, box, FEATURE_SIDE), cv2.COLOR_RGB2GRAY)
    kp_a, des_a = orb.detectAndCompute(grey_a, None)
    if des_a is None or len(kp_a) < MIN_KEYPOINTS:
        return None
    kp_b, des_b = orb.detectAndCompute(grey_b, None)
    if des_b is None or len(kp_b) < 2:
        return 0.0
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    good = 0
    for pair in matcher.knnMatch(des_a, des_b, k=2):
        if len(pair) == 2 and pair[0].distance < 0.75 * pair[1].distance:
            # The product stays roughly where the photo put it: a match far away is a coincidence.
            pa, pb = kp_a[pair[0].queryIdx].pt, kp_b[pair[0].trainIdx].pt
            if abs(pa[0] - pb[0]) + abs(pa[1] - pb[1]) < FEATURE_SIDE / 4:
                good += 1
    return float(min(1.0, good / (0.5 * len(kp_a))))


def frame_fidelity(
    reference: np.ndarray, frame: np.ndarray, mask: np.ndarray | None = None
) -> dict[str, float]:
    binary, box = _region(mask, reference.shape)
    parts = {
        "colour": colour_similarity(reference, frame, binary),
        "structure": structure_similarity(reference, frame, box),
    }
    features = feature_similarity(reference, frame, box)
    if features is not None:
        parts["features"] = features
    total = sum(WEIGHTS[name] for name in parts)
    parts["score"] = sum(WEIGHTS[name] * value for name, value in parts.items()) / total
    return parts


def fidelity_score(
    reference: np.ndarray, frames: Sequence[np.ndarray], mask: np.ndarray | None = None
) -> FidelityResult:
    """Score generated ``frames`` (HxWx3 uint8 RGB, the reference's size) against ``reference``,
    the photo as it conditioned the first frame; ``mask`` (HxW, >127 = product) limits the
    comparison to the product."""
    _check_inputs(reference, frames, mask)
    results = [frame_fidelity(reference, frame, mask) for frame in frames]
    worst = min(results, key=lambda parts: parts["score"])
    return FidelityResult(
        score=round(worst["score"], 4),
        frame_scores=tuple(round(parts["score"], 4) for parts in results),
        parts={name: round(value, 4) for name, value in worst.items() if name != "score"},
    )
