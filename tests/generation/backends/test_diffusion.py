"""The diffusion backend end to end on the CPU: a tiny random-weight StableVideoDiffusionPipeline
saved to a temporary directory and loaded by the backend's own loading code."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generation.backends import diffusion, diffusion_loading
from generation.backends.base import BackendUnavailable, ImageAsset, ShotCancelled, ShotRequest
from generation.backends.diffusion import DiffusionBackend, DriftedError, read_clip_frames
from generation.render.scenes import ClipShotScene
from generation.render.spec import FORMATS
from generation.specs import shot_to_render
from tests.generation.backends.conftest import product_photo

pytest.importorskip("diffusers")  # the `ml` extra; CI installs it (scripts/bootstrap.sh --test)


def _request(media_root: Path, *, duration: float = 2.0, seed: int = 7) -> ShotRequest:
    name = "workspaces/w/products/p/photo.png"
    (media_root / name).parent.mkdir(parents=True, exist_ok=True)
    product_photo().save(media_root / name)
    return ShotRequest(
        shot_type="hero",
        camera_move="push_in",
        duration=duration,
        image_index=0,
        images=(ImageAsset(path=name),),
        seed=seed,
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    yield
    diffusion.unload_pipelines()


def test_backend_makes_a_clip_the_renderer_plays(diffusion_settings):
    media = Path(diffusion_settings.MEDIA_ROOT)
    workdir = media / "workspaces/w/ads/a/shots/00"
    request = _request(media, duration=2.0)
    percents: list[int] = []

    backend = DiffusionBackend()
    backend.check_available()
    asset = backend.generate(request, workdir=workdir, progress=percents.append)

    assert asset.kind == "clip" and asset.backend == "diffusion"
    assert asset.seed == 7 and asset.tries == 1
    assert asset.path == "workspaces/w/ads/a/shots/00/diffusion-7.mp4"  # relative to MEDIA_ROOT
    frames = read_clip_frames(media / asset.path)
    assert frames.shape == (8, 64, 64, 3)
    assert asset.details["fps"] == pytest.approx(4.0)  # 8 frames over the 2 s scene
    assert 0.0 <= asset.fidelity <= 1.0
    assert [p.name for p in workdir.iterdir()] == ["diffusion-7.mp4"]  # no temporary file left
    # Progress: once per sampling step (3), then once per decoded chunk (8 frames by 3).
    assert percents == [30, 60, 90, 93, 97, 100]

    scene = ClipShotScene(shot_to_render(asset), FORMATS["1:1"])
    try:
        assert scene.frame(1.0).shape == (1080, 1080, 3)
    finally:
        scene.close()


def test_same_seed_same_clip_and_the_pipeline_is_loaded_once(diffusion_settings, monkeypatch):
    media = Path(diffusion_settings.MEDIA_ROOT)
    loads = []
    real = diffusion.load_pipeline

    def counting(config):
        before = dict(diffusion_loading._PIPELINES)
        pipe = real(config)
        if config.load_key() not in before:
            loads.append(config.load_key())
        return pipe

    monkeypatch.setattr(diffusion, "load_pipeline", counting)
    first = DiffusionBackend().generate(_request(media), workdir=media / "a")
    second = DiffusionBackend().generate(_request(media), workdir=media / "b")
    assert len(loads) == 1
    assert np.array_equal(
        read_clip_frames(media / first.path), read_clip_frames(media / second.path)
    )


def test_cancel_flag_stops_sampling_and_leaves_no_file(diffusion_settings):
    media = Path(diffusion_settings.MEDIA_ROOT)
    workdir = media / "shots"
    checks = []

    def should_cancel() -> bool:
        checks.append(1)
        return len(checks) >= 3  # before sampling, after step 1, after step 2 → stop

    with pytest.raises(ShotCancelled):
        DiffusionBackend().generate(_request(media), workdir=workdir, should_cancel=should_cancel)
    assert len(checks) == 3
    assert list(workdir.iterdir()) == []


def test_drifted_clip_is_made_again_with_a_new_seed_then_refused(diffusion_settings):
    diffusion_settings.SHOPREEL_FIDELITY_THRESHOLD = 0.99  # random weights never reach it
    media = Path(diffusion_settings.MEDIA_ROOT)
    workdir = media / "shots"
    with pytest.raises(
        DriftedError, match=r"^drifted: score 0\.\d\d \(seed 7\), 0\.\d\d \(seed \d+\) below 0\.99"
    ) as caught:
        DiffusionBackend().generate(_request(media), workdir=workdir)
    assert 0.0 <= caught.value.score < 0.99
    assert isinstance(caught.value, BackendUnavailable)  # so the chain moves on
    assert list(workdir.iterdir()) == []


def test_scene_length_is_clamped_to_two_to_five_seconds(diffusion_settings):
    media = Path(diffusion_settings.MEDIA_ROOT)
    asset = DiffusionBackend().generate(_request(media, duration=9.0), workdir=media / "s")
    assert asset.details["fps"] == pytest.approx(8 / 5)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SHOPREEL_DIFFUSION_WIDTH", 60, "width must be a multiple of 16 and at least 16, got 60"),
        ("SHOPREEL_DIFFUSION_NUM_FRAMES", 1, "num_frames must be at least 2, got 1"),
        ("SHOPREEL_DIFFUSION_STEPS", 0, "steps must be at least 1, got 0"),
    ],
)
def test_inputs_are_checked_before_loading(diffusion_settings, name, value, message):
    setattr(diffusion_settings, name, value)
    media = Path(diffusion_settings.MEDIA_ROOT)
    with pytest.raises(ValueError, match=message):
        DiffusionBackend().generate(_request(media), workdir=media / "s")
    assert diffusion_loading._PIPELINES == {}


def test_unavailable_says_why(settings, tmp_path):
    backend = DiffusionBackend()
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = ""
    with pytest.raises(
        BackendUnavailable,
        match=r"no weights configured \(SHOPREEL_DIFFUSION_WEIGHTS_DIR is empty\)",
    ):
        backend.check_available()
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tmp_path / "missing")
    with pytest.raises(BackendUnavailable, match="does not exist"):
        backend.check_available()
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tmp_path)
    with pytest.raises(BackendUnavailable, match=r"has no model_index\.json"):
        backend.check_available()


def test_unavailable_without_torch(settings, tiny_svd_dir, monkeypatch):
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_svd_dir)
    real = diffusion.importlib.util.find_spec
    monkeypatch.setattr(
        diffusion.importlib.util, "find_spec", lambda name: None if name == "torch" else real(name)
    )
    with pytest.raises(BackendUnavailable, match="torch is not installed on this worker"):
        DiffusionBackend().check_available()


def test_unavailable_without_a_gpu_when_cuda_is_asked(settings, tiny_svd_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(tiny_svd_dir)
    settings.SHOPREEL_DIFFUSION_DEVICE = "cuda"
    with pytest.raises(BackendUnavailable, match="no CUDA GPU on this worker"):
        DiffusionBackend().check_available()


def test_web_hosts_stay_torch_free():
    """The registry (imported by services, views, tasks) must not import torch."""
    code = (
        "import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.test');"
        "django.setup(); import generation.services, generation.backends.registry;"
        "bad = sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules);"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3]
    )


def _save_adapter(weights_dir: Path, out: Path, denoiser: str = "unet") -> None:
    """A LoRA adapter for the tiny denoiser as fine-tuning will store one (peft config +
    weights), with non-zero B matrices so it changes the output."""
    from diffusers import LTXVideoTransformer3DModel, UNetSpatioTemporalConditionModel
    from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model
    from safetensors.torch import save_file

    cls = UNetSpatioTemporalConditionModel if denoiser == "unet" else LTXVideoTransformer3DModel
    unet = cls.from_pretrained(weights_dir / denoiser)
    lora = LoraConfig(
        r=4,
        lora_alpha=8,
        target_modules=["to_q", "to_k", "to_v", "to_out.0"],
        init_lora_weights=False,
    )
    inject_adapter_in_model(lora, unet, adapter_name="default")
    out.mkdir(parents=True)
    lora.save_pretrained(str(out))
    save_file(
        get_peft_model_state_dict(unet, adapter_name="default"),
        str(out / "adapter_model.safetensors"),
    )


def test_a_verticals_lora_adapter_is_loaded_on_top_and_switched_off_for_others(
    diffusion_settings, tiny_svd_dir, tmp_path
):
    adapters = tmp_path / "adapters"
    _save_adapter(tiny_svd_dir, adapters / "verticals" / "apparel")
    diffusion_settings.SHOPREEL_DIFFUSION_ADAPTERS_DIR = str(adapters)
    media = Path(diffusion_settings.MEDIA_ROOT)

    def make(vertical: str, folder: str) -> tuple[dict, np.ndarray]:
        request = dataclasses.replace(_request(media), vertical=vertical)
        asset = DiffusionBackend().generate(request, workdir=media / folder)
        return asset, read_clip_frames(media / asset.path)

    base_asset, base = make("home", "a")
    apparel_asset, apparel = make("apparel", "b")
    again_asset, again = make("home", "c")

    assert base_asset.adapter == "" and again_asset.adapter == ""
    assert apparel_asset.adapter == "vertical-apparel"
    assert (
        np.abs(apparel.astype(int) - base.astype(int)).mean() > 1.0
    )  # the adapter changes the clip
    assert np.array_equal(again, base)  # and is switched off for a vertical without one


def test_out_of_memory_tries_a_lower_resolution_then_gives_up(diffusion_settings, monkeypatch):
    import torch

    media = Path(diffusion_settings.MEDIA_ROOT)
    real = diffusion.make_clips
    sizes = []

    def tight_memory(pipe, config, clips, **kwargs):
        sizes.append((config.width, config.height))
        if config.width > limit:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(pipe, config, clips, **kwargs)

    monkeypatch.setattr(diffusion, "make_clips", tight_memory)
    limit = 48
    asset = DiffusionBackend().generate(_request(media), workdir=media / "a")
    assert sizes == [(64, 64), (48, 48)]
    assert (asset.details["width"], asset.details["height"]) == (48, 48)
    assert read_clip_frames(media / asset.path).shape == (8, 48, 48, 3)

    limit = 16
    with pytest.raises(BackendUnavailable, match="out of GPU memory at 64x64 and 48x48"):
        DiffusionBackend().generate(_request(media), workdir=media / "b")
