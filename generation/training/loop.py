"""The LoRA training loop (no Django): accelerate + peft on the pipeline's denoiser.

A run, as numbered stages in ``train_lora``: (1) check the configuration, (2) load the base
pipeline from its weights directory (frozen, in the mixed-precision dtype), inject a LoRA
adapter into the denoiser (SVD's UNet, LTX's transformer; ``peft.inject_adapter_in_model``,
as the SVD UNet has no ``add_adapter``), (3) encode every item's conditioning and target
once, (4) train: each step draws an item, noise and a noise level, and takes the loss the
pipeline's own sampler implies, with gradient accumulation, a loss callback and a cancel
check per step, (5) return the adapter's weights (peft format) and the losses.

Objectives, matching the pipeline classes:

- ``StableVideoDiffusionPipeline`` (EulerDiscreteScheduler, EDM-style continuous timesteps):
  noise level ``sigma`` log-normal (P_mean 0.7, P_std 1.6, SVD's training recipe), the UNet
  sees ``(x0 + sigma * noise) / sqrt(sigma^2 + 1)`` next to the photo's latents, at timestep
  ``0.25 * log(sigma)``, with the CLIP embedding of the photo and the added time ids
  (fps - 1, motion bucket 127, noise augmentation 0.02) the pipeline passes. Target:
  ``v = (noise - sigma * x0) / sqrt(sigma^2 + 1)`` (v-prediction) or ``noise`` (epsilon).
- ``LTXImageToVideoPipeline`` (flow matching): ``sigma`` logit-normal; tokens are
  ``(1 - sigma) * x0 + sigma * noise`` except the first latent frame, which is the photo's
  latent kept clean with timestep 0 (the pipeline's conditioning mask); target velocity
  ``noise - x0`` on the other tokens; the caption is the T5 prompt.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from generation.training.dataset import TrainingItem, conditioning_image, target_frames

PIPELINES = ("StableVideoDiffusionPipeline", "LTXImageToVideoPipeline")
SIZE_MULTIPLE = {"StableVideoDiffusionPipeline": 16, "LTXImageToVideoPipeline": 32}
MIXED_PRECISION = ("no", "fp16", "bf16")
TARGET_MODULES = ("to_q", "to_k", "to_v", "to_out.0")  # attention projections, both denoisers
SVD_P_MEAN, SVD_P_STD = 0.7, 1.6
SVD_MOTION_BUCKET, SVD_NOISE_AUG = 127, 0.02
VAE_CHUNK = 8  # frames encoded per VAE call (SVD encodes frame by frame)

OnStep = Callable[[int, float], None]
ShouldCancel = Callable[[], bool]


class TrainingCancelled(Exception):
    """The cancel flag was raised between steps; nothing was saved."""


@dataclass(frozen=True)
class TrainConfig:
    pipeline: str
    weights_dir: str
    steps: int
    rank: int = 16
    alpha: float | None = None  # LoRA scale numerator; None = rank (scale 1)
    learning_rate: float = 1e-4
    grad_accum: int = 1
    mixed_precision: str = "no"
    device: str = "cpu"
    width: int = 256
    height: int = 448
    num_frames: int = 9
    fps: float = 8.0
    seed: int = 0
    # Draw each item's noise and noise level once and reuse them every step: a fixed batch,
    # for checking that the loss falls (tests); training proper draws fresh ones each step.
    fixed_noise: bool = False
    max_grad_norm: float = 1.0
    max_sequence_length: int = 128


@dataclass
class TrainResult:
    losses: list[float]
    state_dict: dict  # peft adapter weights, CPU tensors
    lora_config: object  # peft.LoraConfig
    seconds: float
    denoiser: str  # "unet" or "transformer"

    @property
    def final_loss(self) -> float:
        tail = self.losses[-min(len(self.losses), 5) :]
        return float(np.mean(tail))


def check_config(config: TrainConfig) -> None:
    """Refuse a configuration the loop cannot train, before loading anything."""
    if config.pipeline not in PIPELINES:
        raise ValueError(f"pipeline must be one of {PIPELINES}, got {config.pipeline!r}")
    if not config.weights_dir or not (Path(config.weights_dir) / "model_index.json").is_file():
        raise ValueError(
            f"weights_dir must be a diffusers weights directory with model_index.json, "
            f"got {config.weights_dir!r}"
        )
    multiple = SIZE_MULTIPLE[config.pipeline]
    for name in ("width", "height"):
        value = getattr(config, name)
        if value < multiple or value % multiple:
            raise ValueError(f"{name} must be a multiple of {multiple} and at least {multiple}, got {value}")
    for name, low in (("steps", 1), ("rank", 1), ("grad_accum", 1), ("num_frames", 2)):
        if getattr(config, name) < low:
            raise ValueError(f"{name} must be at least {low}, got {getattr(config, name)}")
    if not config.learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {config.learning_rate}")
    if config.mixed_precision not in MIXED_PRECISION:
        raise ValueError(f"mixed_precision must be one of {MIXED_PRECISION}, got {config.mixed_precision!r}")
    if config.mixed_precision == "fp16" and config.device == "cpu":
        raise ValueError("mixed_precision fp16 needs a GPU; use bf16 or no on the CPU")


def train_lora(
    config: TrainConfig,
    items: Sequence[TrainingItem],
    *,
    on_step: OnStep | None = None,
    should_cancel: ShouldCancel | None = None,
) -> TrainResult:
    """Train a LoRA adapter for the denoiser of ``config.pipeline`` on ``items``."""
    from accelerate.state import AcceleratorState, GradientState

    # 1. Inputs.
    check_config(config)
    if not items:
        raise ValueError("no training items")
    try:
        return _train(config, items, on_step=on_step, should_cancel=should_cancel)
    finally:
        # accelerate keeps its state per process and refuses a second Accelerator with other
        # settings; a gpu worker runs many trainings in one process, each with its own.
        AcceleratorState._reset_state(reset_partial_state=True)
        GradientState._reset_state()


def _train(config: TrainConfig, items: Sequence[TrainingItem], *, on_step, should_cancel) -> TrainResult:
    import diffusers
    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model

    cancelled = should_cancel or (lambda: False)
    started = time.monotonic()

    # 2. The base pipeline, frozen, and the adapter.
    accelerator = Accelerator(
        mixed_precision=config.mixed_precision,
        gradient_accumulation_steps=config.grad_accum,
        cpu=config.device == "cpu",
    )
    set_seed(config.seed)
    device = accelerator.device
    weight_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(config.mixed_precision, torch.float32)
    diffusers.utils.logging.disable_progress_bar()
    pipe = getattr(diffusers, config.pipeline).from_pretrained(
        config.weights_dir, dtype=torch.float32, local_files_only=True
    )
    pipe.set_progress_bar_config(disable=True)
    for module in pipe.components.values():
        if isinstance(module, torch.nn.Module):
            module.requires_grad_(False)
            module.to(device)
    denoiser_name = "unet" if config.pipeline == "StableVideoDiffusionPipeline" else "transformer"
    denoiser = getattr(pipe, denoiser_name)
    if weight_dtype != torch.float32:
        denoiser.to(dtype=weight_dtype)  # the frozen base in the mixed-precision dtype
    if config.pipeline == "StableVideoDiffusionPipeline":
        objective = _SVDObjective(pipe, config, device)
    else:
        objective = _LTXObjective(pipe, config, device)

    # 3. Conditioning and targets, encoded once; the encoders leave the GPU afterwards.
    size = (config.width, config.height)
    encode_generator = torch.Generator("cpu").manual_seed(config.seed)
    with torch.no_grad():
        examples = []
        for item in items:
            if cancelled():
                raise TrainingCancelled("cancelled while encoding the dataset")
            frames = target_frames(item, size, config.num_frames, fps=config.fps)
            example = objective.encode(conditioning_image(item, size), frames, item.caption, encode_generator)
            examples.append(_to(example, "cpu"))  # a vertical's worth waits in host memory
    for name, module in pipe.components.items():
        if isinstance(module, torch.nn.Module) and name != denoiser_name:
            module.to("cpu")

    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha if config.alpha is not None else config.rank,
        target_modules=list(TARGET_MODULES),
        init_lora_weights=True,  # B = 0: the adapter starts as the identity
    )
    inject_adapter_in_model(lora, denoiser, adapter_name="default")
    params = [p for p in denoiser.parameters() if p.requires_grad]
    for p in params:  # trainable weights in float32 whatever the base's dtype
        p.data = p.data.float()
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate)
    model, optimizer = accelerator.prepare(denoiser, optimizer)
    model.train()

    # 4. Steps.
    noise_generator = torch.Generator("cpu").manual_seed(config.seed + 1)
    order = torch.Generator("cpu").manual_seed(config.seed + 2)
    queue: list[int] = []
    losses: list[float] = []
    for step in range(config.steps):
        if cancelled():
            raise TrainingCancelled(f"cancelled at step {step} of {config.steps}")
        step_losses = []
        for _ in range(config.grad_accum):
            if not queue:
                queue = torch.randperm(len(examples), generator=order).tolist()
            index = queue.pop()
            if config.fixed_noise:
                noise_generator = torch.Generator("cpu").manual_seed(config.seed + 1 + index)
            with accelerator.accumulate(model):
                with accelerator.autocast():
                    loss = objective.loss(model, _to(examples[index], device), noise_generator)
                accelerator.backward(loss)
                if accelerator.sync_gradients and config.max_grad_norm:
                    accelerator.clip_grad_norm_(params, config.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad()
            step_losses.append(loss.detach().float().item())
        value = float(np.mean(step_losses))
        if not math.isfinite(value):
            raise FloatingPointError(f"the loss is {value} at step {step + 1}; lower the learning rate")
        losses.append(value)
        if on_step is not None:
            on_step(step + 1, value)

    # 5. The adapter's weights.
    trained = accelerator.unwrap_model(model)
    state = {
        key: tensor.detach().to("cpu", torch.float32).contiguous()
        for key, tensor in get_peft_model_state_dict(trained, adapter_name="default").items()
    }
    accelerator.free_memory()
    return TrainResult(
        losses=losses,
        state_dict=state,
        lora_config=lora,
        seconds=time.monotonic() - started,
        denoiser=denoiser_name,
    )


def save_adapter(result: TrainResult, out_dir: Path, *, metadata: dict) -> Path:
    """Write the adapter (``adapter_config.json`` + ``adapter_model.safetensors``, peft's
    format, and ``shopreel.json`` with ``metadata``) to a temporary folder beside ``out_dir``
    and rename it into place; ``out_dir`` must not exist yet."""
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} already exists")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        result.lora_config.save_pretrained(str(tmp))
        save_file(result.state_dict, str(tmp / "adapter_model.safetensors"), metadata={"format": "pt"})
        (tmp / "shopreel.json").write_text(json.dumps(metadata, indent=1, default=str))
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _to(example: dict, device) -> dict:
    return {key: value.to(device) if hasattr(value, "to") else value for key, value in example.items()}


# --- objectives ------------------------------------------------------------------------------


def _video_tensor(frames: np.ndarray):
    """[n, h, w, 3] uint8 → [n, 3, h, w] float in [-1, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


@dataclass
class _SVDObjective:
    pipe: object
    config: TrainConfig
    device: object
    prediction: str = field(init=False)

    def __post_init__(self):
        scheduler = self.pipe.scheduler.config
        self.prediction = scheduler.prediction_type
        if self.prediction not in ("v_prediction", "epsilon") or scheduler.get("timestep_type") != "continuous":
            raise ValueError(
                "the SVD objective needs an EulerDiscreteScheduler with continuous timesteps and "
                f"v_prediction or epsilon, got {scheduler.get('timestep_type')!r} / {self.prediction!r}"
            )
        self.sigma_min = float(scheduler.get("sigma_min") or 0.002)
        self.sigma_max = float(scheduler.get("sigma_max") or 700.0)

    def encode(self, image, frames: np.ndarray, caption: str, generator) -> dict:
        import torch

        pipe, device = self.pipe, self.device
        embeddings = pipe._encode_image(image, device, 1, False)
        photo = pipe.video_processor.preprocess(image, height=self.config.height, width=self.config.width)
        photo = photo + SVD_NOISE_AUG * torch.randn(photo.shape, generator=generator)
        image_latents = pipe._encode_vae_image(photo.to(device), device, 1, False)
        video = _video_tensor(frames).to(device, pipe.vae.dtype)
        latents = torch.cat(
            [
                pipe.vae.encode(video[i : i + VAE_CHUNK]).latent_dist.sample(generator=None)
                for i in range(0, len(video), VAE_CHUNK)
            ]
        )
        denoiser_dtype = pipe.unet.dtype
        return {
            "x0": (latents * pipe.vae.config.scaling_factor).unsqueeze(0).float(),  # [1, f, c, h, w]
            "image_latents": image_latents.unsqueeze(1).repeat(1, len(frames), 1, 1, 1).to(denoiser_dtype),
            "embeddings": embeddings.to(denoiser_dtype),
            "time_ids": pipe._get_add_time_ids(
                max(1, round(self.config.fps)) - 1, SVD_MOTION_BUCKET, SVD_NOISE_AUG, denoiser_dtype, 1, 1, False
            ).to(device),
        }

    def loss(self, model, example: dict, generator):
        import torch

        x0 = example["x0"]
        noise = torch.randn(x0.shape, generator=generator).to(x0.device)
        log_sigma = SVD_P_MEAN + SVD_P_STD * torch.randn((1,), generator=generator)
        sigma = log_sigma.exp().clamp(self.sigma_min, self.sigma_max).to(x0.device)
        noisy = x0 + sigma * noise
        scale = (sigma**2 + 1).sqrt()
        model_input = torch.cat([noisy / scale, example["image_latents"].to(x0.dtype)], dim=2)
        output = model(
            model_input,
            0.25 * sigma.log(),
            encoder_hidden_states=example["embeddings"],
            added_time_ids=example["time_ids"],
            return_dict=False,
        )[0]
        target = (noise - sigma * x0) / scale if self.prediction == "v_prediction" else noise
        return torch.nn.functional.mse_loss(output.float(), target)


@dataclass
class _LTXObjective:
    pipe: object
    config: TrainConfig
    device: object

    def __post_init__(self):
        ratio = self.pipe.vae_temporal_compression_ratio
        if (self.config.num_frames - 1) % ratio:
            raise ValueError(
                f"num_frames must be {ratio}k+1 for LTXImageToVideoPipeline, got {self.config.num_frames}"
            )

    def encode(self, image, frames: np.ndarray, caption: str, generator) -> dict:
        import torch

        pipe, device = self.pipe, self.device
        vae = pipe.vae
        embeddings, mask, _, _ = pipe.encode_prompt(
            prompt=caption,
            do_classifier_free_guidance=False,
            max_sequence_length=self.config.max_sequence_length,
            device=device,
        )
        video = _video_tensor(frames).permute(1, 0, 2, 3).unsqueeze(0).to(device, vae.dtype)  # [1,3,f,h,w]
        latents = vae.encode(video).latent_dist.sample()
        photo = pipe.video_processor.preprocess(image, height=self.config.height, width=self.config.width)
        first = vae.encode(photo.to(device, vae.dtype).unsqueeze(2)).latent_dist.sample()
        latents = torch.cat([first, latents[:, :, 1:]], dim=2)  # the first frame as inference encodes it
        latents = pipe._normalize_latents(latents, vae.latents_mean, vae.latents_std)
        _, _, frames_l, height_l, width_l = latents.shape
        conditioning = torch.zeros((1, 1, frames_l, height_l, width_l), device=device)
        conditioning[:, :, 0] = 1.0
        p, pt = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
        dtype = pipe.transformer.dtype
        return {
            "x0": pipe._pack_latents(latents.float(), p, pt),  # [1, tokens, channels]
            "mask": pipe._pack_latents(conditioning, p, pt).squeeze(-1),  # [1, tokens]; 1 = the photo
            "embeddings": embeddings.to(dtype),
            "attention_mask": mask,
            "shape": (frames_l, height_l, width_l),
        }

    def loss(self, model, example: dict, generator):
        import torch

        pipe = self.pipe
        x0, mask = example["x0"], example["mask"]
        noise = torch.randn(x0.shape, generator=generator).to(x0.device)
        sigma = torch.sigmoid(torch.randn((1,), generator=generator)).to(x0.device)
        keep = mask.unsqueeze(-1)
        noisy = x0 * keep + ((1 - sigma) * x0 + sigma * noise) * (1 - keep)
        frames_l, height_l, width_l = example["shape"]
        spatial = pipe.vae_spatial_compression_ratio
        output = model(
            hidden_states=noisy.to(example["embeddings"].dtype),
            encoder_hidden_states=example["embeddings"],
            timestep=(sigma * 1000).expand(1).unsqueeze(-1) * (1 - mask),
            encoder_attention_mask=example["attention_mask"],
            num_frames=frames_l,
            height=height_l,
            width=width_l,
            rope_interpolation_scale=(
                pipe.vae_temporal_compression_ratio / self.config.fps,
                spatial,
                spatial,
            ),
            return_dict=False,
        )[0]
        error = ((output.float() - (noise - x0)) ** 2).mean(-1)  # [1, tokens]
        weight = 1 - mask
        return (error * weight).sum() / weight.sum()
