"""The fidelity gate on its own: numpy frames, no model."""

from __future__ import annotations

import numpy as np
import pytest

from generation.backends.fidelity import fidelity_score
from tests.generation.backends.conftest import product_photo


def _rgb(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def _mask(shape) -> np.ndarray:
    h, w = shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[h // 6 : 5 * h // 6, w // 4 : 3 * w // 4] = 255
    return mask


def test_identical_frames_score_high():
    photo = _rgb(product_photo((256, 256)))
    result = fidelity_score(photo, [photo, photo.copy()], _mask(photo.shape))
    assert result.score > 0.95
    assert set(result.parts) == {"colour", "structure", "features"}


def test_a_slightly_changed_frame_still_passes():
    photo = _rgb(product_photo((256, 256)))
    rng = np.random.default_rng(0)
    noisy = np.clip(photo.astype(int) + rng.integers(-8, 9, photo.shape), 0, 255).astype(np.uint8)
    result = fidelity_score(photo, [noisy], _mask(photo.shape))
    assert result.score > 0.6


def test_a_different_product_scores_low():
    photo = _rgb(product_photo((256, 256)))
    other = _rgb(product_photo((256, 256), colour=(30, 90, 210), seed=7))
    other = np.ascontiguousarray(np.rot90(other, 1))  # another colour, another shape and print
    result = fidelity_score(photo, [photo, other], _mask(photo.shape))
    assert result.score < 0.45
    assert result.frame_scores[0] > 0.95  # the shot scores its worst frame


def test_noise_scores_low_without_a_mask():
    photo = _rgb(product_photo((64, 64)))
    noise = np.random.default_rng(1).integers(0, 256, photo.shape, dtype=np.uint8)
    assert fidelity_score(photo, [noise]).score < 0.45


def test_inputs_are_checked():
    photo = _rgb(product_photo((64, 64)))
    with pytest.raises(ValueError, match="frame 0 must match the reference"):
        fidelity_score(photo, [photo[:32]])
    with pytest.raises(ValueError, match="at least one frame"):
        fidelity_score(photo, [])
