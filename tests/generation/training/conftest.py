"""Fine-tuning runs on the tiny random-weight models the backend tests use, saved to a
temporary directory and loaded by the same ``from_pretrained`` code as real weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from products.models import ProductImage
from tests.factories import ProductFactory
from tests.generation.backends.conftest import product_photo, tiny_ltx_dir, tiny_svd_dir  # noqa: F401


@pytest.fixture
def training_settings(settings, tiny_ltx_dir, tmp_path):  # noqa: F811
    """The diffusion backend and fine-tuning on the tiny LTX model, CPU, 64x64, 9 frames."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHOPREEL_TRAINING_DIR = tmp_path / "adapters"
    settings.SHOPREEL_DIFFUSION_PIPELINE = "LTXImageToVideoPipeline"
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_ltx_dir)
    settings.SHOPREEL_DIFFUSION_ADAPTERS_DIR = ""
    settings.SHOPREEL_DIFFUSION_DEVICE = "cpu"
    settings.SHOPREEL_DIFFUSION_DTYPE = "float32"
    settings.SHOPREEL_DIFFUSION_NUM_FRAMES = 9
    settings.SHOPREEL_DIFFUSION_STEPS = 3
    settings.SHOPREEL_DIFFUSION_WIDTH = 64
    settings.SHOPREEL_DIFFUSION_HEIGHT = 64
    settings.SHOPREEL_DIFFUSION_DECODE_CHUNK = 3
    settings.SHOPREEL_FIDELITY_THRESHOLD = 0.0  # random weights draw noise
    settings.SHOPREEL_TRAINING_MIXED_PRECISION = "no"
    settings.SHOPREEL_TRAINING_WIDTH = 64
    settings.SHOPREEL_TRAINING_HEIGHT = 64
    settings.SHOPREEL_TRAINING_NUM_FRAMES = 9
    settings.SHOPREEL_TRAINING_RANK = 4
    settings.SHOPREEL_TRAINING_LEARNING_RATE = 1e-2
    settings.SHOPREEL_TRAINING_GRAD_ACCUM = 1
    return settings


def make_product(workspace, *, vertical: str = "beauty", photos: int = 1, media_root: Path, **fields):
    """An imported product with ``photos`` real photo files under MEDIA_ROOT."""
    fields.setdefault("title", "Rose face serum")
    fields.setdefault("features", ["30 ml glass bottle", "vegan"])
    product = ProductFactory(workspace=workspace, vertical=vertical, **fields)
    for position in range(photos):
        name = f"workspaces/{workspace.id}/products/{product.id}/{position}.png"
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        product_photo(seed=position + 1).save(media_root / name)
        ProductImage.objects.create(
            workspace=workspace, product=product, position=position, file=name, width=96, height=80
        )
    return product
