"""Tiny random-weight diffusers components, built from configs and saved like real weights.

The backend loads them through the same ``from_pretrained`` code a GPU worker uses for a
full-size model; only the sizes differ (diffusers' own ``get_dummy_components`` habit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.backends.diffusion_models import save_random_pipeline, svd_components


def get_dummy_components() -> dict:
    """Seeded tiny StableVideoDiffusionPipeline components (~2.3 M parameters)."""
    return svd_components("tiny")


@pytest.fixture(scope="session")
def tiny_svd_dir(tmp_path_factory) -> Path:
    import torch

    # Tiny models gain nothing from threads, and on a shared 2-core machine torch's spinning
    # workers triple the module's time (measured 42 s → 13 s).
    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("tiny-svd")
    save_random_pipeline(path, "tiny")
    return path


@pytest.fixture(scope="session")
def tiny_ltx_dir(tmp_path_factory) -> Path:
    import torch

    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("tiny-ltx")
    save_random_pipeline(path, "tiny", pipeline="LTXImageToVideoPipeline")
    return path


def product_photo(
    size: tuple[int, int] = (96, 80), *, colour=(200, 40, 40), seed: int = 1
) -> Image.Image:
    """A packshot-like photo: a textured product on a plain light background."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", size, (240, 240, 236))
    draw = ImageDraw.Draw(image)
    w, h = size
    box = (w // 4, h // 6, 3 * w // 4, 5 * h // 6)
    draw.rounded_rectangle(box, radius=6, fill=colour)
    for _ in range(12):  # print and stitching: texture for the local-feature check
        x, y = rng.integers(box[0], box[2]), rng.integers(box[1], box[3])
        draw.rectangle((x, y, x + 3, y + 2), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    return image


@pytest.fixture
def diffusion_settings(settings, tiny_svd_dir, tmp_path):
    """Point the backend at the tiny model on the CPU: 8 frames of 64x64, 3 steps."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHOPREEL_DIFFUSION_PIPELINE = "StableVideoDiffusionPipeline"
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_svd_dir)
    settings.SHOPREEL_DIFFUSION_DEVICE = "cpu"
    settings.SHOPREEL_DIFFUSION_DTYPE = "float32"
    settings.SHOPREEL_DIFFUSION_NUM_FRAMES = 8
    settings.SHOPREEL_DIFFUSION_STEPS = 3
    settings.SHOPREEL_DIFFUSION_WIDTH = 64
    settings.SHOPREEL_DIFFUSION_HEIGHT = 64
    settings.SHOPREEL_DIFFUSION_DECODE_CHUNK = 3
    settings.SHOPREEL_FIDELITY_THRESHOLD = (
        0.0  # random weights draw noise: the gate is tested apart
    )
    return settings
