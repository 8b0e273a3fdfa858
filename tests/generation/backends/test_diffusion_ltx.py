"""The diffusion backend driving LTXImageToVideoPipeline (tiny random weights, CPU): the same
loading, progress, chunked writing and fidelity code as SVD, with LTX's prompt and decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation.backends import diffusion
from generation.backends.diffusion import DiffusionBackend, read_clip_frames
from tests.generation.backends.test_diffusion import _request

pytest.importorskip("diffusers")


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    diffusion.unload_pipelines()


@pytest.fixture
def ltx_settings(diffusion_settings, tiny_ltx_dir):
    diffusion_settings.SHOPREEL_DIFFUSION_PIPELINE = "LTXImageToVideoPipeline"
    diffusion_settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_ltx_dir)
    diffusion_settings.SHOPREEL_DIFFUSION_NUM_FRAMES = (
        9  # 4k+1 for the tiny VAE (8k+1 for LTX-Video)
    )
    return diffusion_settings


def test_ltx_makes_a_clip(ltx_settings):
    media = Path(ltx_settings.MEDIA_ROOT)
    percents: list[int] = []
    backend = DiffusionBackend()
    backend.check_available()
    asset = backend.generate(_request(media), workdir=media / "s", progress=percents.append)
    assert asset.details["pipeline"] == "LTXImageToVideoPipeline" and asset.kind == "clip"
    assert read_clip_frames(media / asset.path).shape == (9, 64, 64, 3)
    assert percents == [30, 60, 90, 93, 96, 100]  # 3 steps, then 9 frames in 3 chunks of 3


def test_ltx_frame_count_is_checked(ltx_settings):
    ltx_settings.SHOPREEL_DIFFUSION_NUM_FRAMES = 8
    media = Path(ltx_settings.MEDIA_ROOT)
    with pytest.raises(
        ValueError, match="num_frames must be 4k\\+1 for LTXImageToVideoPipeline, got 8"
    ):
        DiffusionBackend().generate(_request(media), workdir=media / "s")


def test_ltx_size_must_be_a_multiple_of_32(ltx_settings):
    ltx_settings.SHOPREEL_DIFFUSION_WIDTH = 48
    media = Path(ltx_settings.MEDIA_ROOT)
    with pytest.raises(ValueError, match="width must be a multiple of 32 and at least 32, got 48"):
        DiffusionBackend().generate(_request(media), workdir=media / "s")


def test_ltx_takes_a_verticals_lora_adapter(ltx_settings, tiny_ltx_dir, tmp_path):
    import dataclasses

    import numpy as np

    from tests.generation.backends.test_diffusion import _save_adapter

    _save_adapter(tiny_ltx_dir, tmp_path / "adapters/verticals/beauty", denoiser="transformer")
    ltx_settings.SHOPREEL_DIFFUSION_ADAPTERS_DIR = str(tmp_path / "adapters")
    media = Path(ltx_settings.MEDIA_ROOT)
    base = DiffusionBackend().generate(_request(media), workdir=media / "a")
    styled = DiffusionBackend().generate(
        dataclasses.replace(_request(media), vertical="beauty"), workdir=media / "b"
    )
    assert styled.adapter == "vertical-beauty" and base.adapter == ""
    a, b = (read_clip_frames(media / asset.path).astype(int) for asset in (base, styled))
    assert np.abs(a - b).mean() > 1.0
