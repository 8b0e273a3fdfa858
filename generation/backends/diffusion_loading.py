"""Loading the ``diffusion`` backend's pipeline: its configuration (the
``SHOPREEL_DIFFUSION_*`` settings), the per-process cache, and the LoRA adapters injected into
the cached pipeline's denoiser.

torch, diffusers and peft are imported only inside functions (web and CPU-render hosts import
this module without them). One pipeline configuration is kept per worker process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiffusionConfig:
    pipeline: str
    weights_dir: str
    device: str
    dtype: str
    cpu_offload: bool
    vae_tiling: bool
    vae_slicing: bool
    num_frames: int
    steps: int
    width: int
    height: int
    decode_chunk: int
    fidelity_threshold: float
    adapters_dir: str = ""
    prompt: str = ""

    @classmethod
    def from_settings(cls) -> DiffusionConfig:
        return cls(
            pipeline=settings.SHOPREEL_DIFFUSION_PIPELINE,
            weights_dir=settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR or "",
            device=settings.SHOPREEL_DIFFUSION_DEVICE,
            dtype=settings.SHOPREEL_DIFFUSION_DTYPE,
            cpu_offload=settings.SHOPREEL_DIFFUSION_CPU_OFFLOAD,
            vae_tiling=settings.SHOPREEL_DIFFUSION_VAE_TILING,
            vae_slicing=settings.SHOPREEL_DIFFUSION_VAE_SLICING,
            num_frames=settings.SHOPREEL_DIFFUSION_NUM_FRAMES,
            steps=settings.SHOPREEL_DIFFUSION_STEPS,
            width=settings.SHOPREEL_DIFFUSION_WIDTH,
            height=settings.SHOPREEL_DIFFUSION_HEIGHT,
            decode_chunk=settings.SHOPREEL_DIFFUSION_DECODE_CHUNK,
            fidelity_threshold=settings.SHOPREEL_FIDELITY_THRESHOLD,
            adapters_dir=settings.SHOPREEL_DIFFUSION_ADAPTERS_DIR or "",
            prompt=settings.SHOPREEL_DIFFUSION_PROMPT,
        )

    def load_key(self) -> tuple:
        """What the loaded pipeline depends on; sampling options do not reload it."""
        return (
            self.pipeline,
            self.weights_dir,
            self.device,
            self.dtype,
            self.cpu_offload,
            self.vae_tiling,
            self.vae_slicing,
        )


# --- loading: once per worker process ------------------------------------------------------

_PIPELINES: dict[tuple, object] = {}
_ADAPTERS: set[str] = set()  # LoRA adapters injected into the cached pipeline's denoiser
_LOAD_LOCK = threading.Lock()


def load_pipeline(config: DiffusionConfig):
    """The pipeline for ``config``, loaded from its weights directory on first use and kept.
    A different configuration replaces it (one model in memory per process)."""
    key = config.load_key()
    with _LOAD_LOCK:
        pipe = _PIPELINES.get(key)
        if pipe is not None:
            return pipe
        _PIPELINES.clear()
        _ADAPTERS.clear()
        pipe = open_pipeline(config)
        _PIPELINES[key] = pipe
        return pipe


def open_pipeline(config: DiffusionConfig):
    """Load ``config.pipeline`` from ``config.weights_dir`` (local files only) with the dtype,
    device and memory options of ``config``. Uncached: callers keep what it returns (the
    try-on backend opens its image pipeline with it too)."""
    import diffusers
    import torch

    diffusers.utils.logging.disable_progress_bar()

    started = time.monotonic()
    pipeline_class = getattr(diffusers, config.pipeline)
    pipe = pipeline_class.from_pretrained(
        config.weights_dir, dtype=getattr(torch, config.dtype), local_files_only=True
    )
    pipe.set_progress_bar_config(disable=True)
    if config.cpu_offload and config.device == "cuda":
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(config.device)
    vae = pipe.vae
    if config.vae_tiling:
        if hasattr(vae, "enable_tiling"):
            vae.enable_tiling()
        else:
            logger.warning(
                "diffusion: VAE tiling not supported", extra={"vae": type(vae).__name__}
            )
    if config.vae_slicing:
        if hasattr(vae, "enable_slicing"):
            vae.enable_slicing()
        else:
            logger.warning(
                "diffusion: VAE slicing not supported", extra={"vae": type(vae).__name__}
            )
    logger.info(
        "diffusion: pipeline loaded",
        extra={
            "pipeline": config.pipeline,
            "weights": config.weights_dir,
            "seconds": round(time.monotonic() - started, 2),
        },
    )
    return pipe


def unload_pipelines() -> None:
    with _LOAD_LOCK:
        _PIPELINES.clear()
        _ADAPTERS.clear()


# --- LoRA adapters: injected on first use, switched per shot ----------------------------------


def _denoiser(pipe):
    """The network LoRA adapters go into: the UNet (SVD) or the transformer (LTX)."""
    return pipe.unet if hasattr(pipe, "unet") else pipe.transformer


def activate_adapter(pipe, adapter: tuple[str, Path] | None, *, device: str | None) -> None:
    """Make ``adapter`` the only active LoRA of the denoiser (loading it on first use), or
    switch every adapter off for ``None``. Adapters stay injected for the next shots.
    ``device``: where the denoiser lives (None under CPU offload, whose hooks move it)."""
    if adapter is None and not _ADAPTERS:
        return
    denoiser = _denoiser(pipe)
    if adapter is not None:
        name, path = adapter
        with _LOAD_LOCK:
            if name not in _ADAPTERS:
                from peft import LoraConfig, inject_adapter_in_model, set_peft_model_state_dict
                from safetensors.torch import load_file

                lora = LoraConfig.from_pretrained(str(path))
                inject_adapter_in_model(lora, denoiser, adapter_name=name)
                result = set_peft_model_state_dict(
                    denoiser, load_file(str(path / "adapter_model.safetensors")), adapter_name=name
                )
                if getattr(result, "unexpected_keys", None):
                    raise ValueError(
                        f"adapter {path} does not fit {type(denoiser).__name__}: "
                        f"unexpected keys {result.unexpected_keys[:3]}"
                    )
                # The LoRA weights take the base weights' dtype and place.
                denoiser.to(dtype=next(denoiser.parameters()).dtype)
                if device is not None:
                    denoiser.to(device=device)
                _ADAPTERS.add(name)
                logger.info("diffusion: adapter loaded", extra={"adapter": name, "path": str(path)})
    from peft.tuners.tuners_utils import BaseTunerLayer

    for module in denoiser.modules():
        if isinstance(module, BaseTunerLayer):
            if adapter is None:
                module.enable_adapters(False)
            else:
                module.enable_adapters(True)
                module.set_adapter(adapter[0], inference_mode=True)
