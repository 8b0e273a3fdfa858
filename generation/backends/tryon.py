"""The ``tryon`` backend: a garment photo worn by a generated model, then set in motion.

Two stages, each a diffusers pipeline loaded from a local directory (nothing is downloaded):

1. **On-model still** (``SHOPREEL_TRYON_PIPELINE`` from ``SHOPREEL_TRYON_WEIGHTS_DIR``). The
   garment's cut-out is placed on a portrait canvas where a torso would wear it, and an
   inpainting pipeline repaints everything *around* it - body, face, hair, background - from a
   prompt naming a model, a pose and a background picked by the shot's seed from the
   ``SHOPREEL_TRYON_MODELS`` / ``_POSES`` / ``_BACKGROUNDS`` lists. The garment's own pixels are
   then composited back through its alpha, so the still shows the real product, pixel for
   pixel, and the person is drawn to fit it. ``StableDiffusionInpaintPipeline`` components:
   ``unet`` (UNet2DConditionModel, 9 input channels), ``vae`` (AutoencoderKL), ``text_encoder``
   (CLIPTextModel), ``tokenizer`` (CLIPTokenizer), ``scheduler``; any checkpoint saved in that
   layout loads (SD 1.5/2 inpainting, or a try-on fine-tune of it).
2. **Image-to-video**: the still goes through the ``diffusion`` backend's pipeline and
   ``make_clip`` (same settings, same per-worker cache, LoRA adapter per vertical), whose
   fidelity gate compares the frames with the still on the garment region (the placed alpha).

Progress runs across both stages (``STILL_SHARE`` percent for the still); the cancel flag is
checked before each stage and after every sampling and decoding step. A drifted clip is made
again - new seed, so a new model, pose and background too - once, then left to the next
backend with the score in the reason. Only apparel products are worn; others are refused.
Device, dtype, memory options and frame size are the ``SHOPREEL_DIFFUSION_*`` settings.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from generation.backends.base import (
    BackendUnavailable,
    Progress,
    ShotAsset,
    ShotCancelled,
    ShotRequest,
    ShouldCancel,
)
from generation.backends.diffusion import (
    RETRY_SEED_STEP,
    DiffusionBackend,
    DriftedError,
    _media_name,
    _open_photo,
    _publish_clip,
    adapter_for,
    load_pipeline,
)
from generation.backends.diffusion_clips import check_inputs, make_clip
from generation.backends.diffusion_loading import DiffusionConfig, activate_adapter, open_pipeline

logger = logging.getLogger(__name__)

STILL_SHARE = 40  # percent of a shot's progress for the still; the clip takes the rest
# Where the garment goes on the canvas, as fractions of the frame: a box below the head and
# centred, which the garment is scaled to fit (keeping its aspect ratio).
GARMENT_TOP, GARMENT_WIDTH, GARMENT_HEIGHT = 0.20, 0.62, 0.62
CANVAS_FILL = (127, 127, 127)  # what the repainted area starts from
MIN_GARMENT_SHARE = 0.01  # a cut-out covering less of its photo is not a garment we can place

@dataclass(frozen=True)
class TryOnConfig:
    pipeline: str
    weights_dir: str
    steps: int
    guidance: float
    prompt: str
    negative_prompt: str
    models: tuple[str, ...]
    poses: tuple[str, ...]
    backgrounds: tuple[str, ...]
    video: DiffusionConfig  # the image-to-video stage; its device, dtype and size serve both

    @classmethod
    def from_settings(cls) -> TryOnConfig:
        return cls(
            pipeline=settings.SHOPREEL_TRYON_PIPELINE,
            weights_dir=settings.SHOPREEL_TRYON_WEIGHTS_DIR or "",
            steps=settings.SHOPREEL_TRYON_STEPS,
            guidance=settings.SHOPREEL_TRYON_GUIDANCE,
            prompt=settings.SHOPREEL_TRYON_PROMPT,
            negative_prompt=settings.SHOPREEL_TRYON_NEGATIVE_PROMPT,
            models=tuple(settings.SHOPREEL_TRYON_MODELS),
            poses=tuple(settings.SHOPREEL_TRYON_POSES),
            backgrounds=tuple(settings.SHOPREEL_TRYON_BACKGROUNDS),
            video=DiffusionConfig.from_settings(),
        )

    def image_config(self) -> DiffusionConfig:
        """The still's pipeline, opened with the video stage's device, dtype and memory options."""
        return dataclasses.replace(self.video, pipeline=self.pipeline, weights_dir=self.weights_dir)


@dataclass(frozen=True)
class Look:
    """Who wears the garment, how, and where: one pick per generation, recorded on the shot."""

    model: str
    pose: str
    background: str


def pick_look(config: TryOnConfig, seed: int) -> Look:
    rng = random.Random(seed)  # noqa: S311 - art direction, not security
    return Look(
        model=rng.choice(config.models),
        pose=rng.choice(config.poses),
        background=rng.choice(config.backgrounds),
    )


def check_tryon_inputs(config: TryOnConfig, *, duration: float) -> None:
    """Refuse a configuration the backend cannot use, before any heavy work."""
    if config.pipeline not in settings.SHOPREEL_TRYON_PIPELINES:
        raise ValueError(
            f"try-on pipeline must be one of {settings.SHOPREEL_TRYON_PIPELINES}, got {config.pipeline!r}"
        )
    if config.steps < 1:
        raise ValueError(f"try-on steps must be at least 1, got {config.steps}")
    for name in ("models", "poses", "backgrounds"):
        if not getattr(config, name):
            raise ValueError(f"SHOPREEL_TRYON_{name.upper()} must list at least one, got none")
    try:
        config.prompt.format(model="m", pose="p", background="b")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            "SHOPREEL_TRYON_PROMPT may only use {model}, {pose} and {background}, "
            f"got {config.prompt!r}"
        ) from exc
    check_inputs(config.video, duration=duration)


# --- loading: the still's pipeline, once per worker process --------------------------------

_IMAGE_PIPELINES: dict[tuple, object] = {}
_LOAD_LOCK = threading.Lock()


def load_image_pipeline(config: TryOnConfig):
    """The still's pipeline, loaded on first use and kept beside the video pipeline (which
    ``diffusion.load_pipeline`` keeps); a different configuration replaces it."""
    image_config = config.image_config()
    key = image_config.load_key()
    with _LOAD_LOCK:
        pipe = _IMAGE_PIPELINES.get(key)
        if pipe is None:
            _IMAGE_PIPELINES.clear()
            pipe = _IMAGE_PIPELINES[key] = open_pipeline(image_config)
        return pipe


def unload_image_pipelines() -> None:
    with _LOAD_LOCK:
        _IMAGE_PIPELINES.clear()


# --- stage 1: the on-model still -----------------------------------------------------------


def place_garment(
    photo: Image.Image, alpha: Image.Image, size: tuple[int, int]
) -> tuple[Image.Image, np.ndarray]:
    """The garment cut out of ``photo`` (through ``alpha``) and placed on a ``size`` canvas
    where a torso would wear it; returns the canvas and the garment's alpha on it (HxW uint8)."""
    if alpha.size != photo.size:
        alpha = alpha.resize(photo.size, Image.Resampling.BILINEAR)
    box = alpha.getbbox()
    if box is None:
        raise BackendUnavailable("the garment's cut-out is empty")
    garment, garment_alpha = photo.convert("RGB").crop(box), alpha.crop(box)
    width, height = size
    scale = min(GARMENT_WIDTH * width / garment.width, GARMENT_HEIGHT * height / garment.height)
    placed = (max(1, round(garment.width * scale)), max(1, round(garment.height * scale)))
    garment = garment.resize(placed, Image.Resampling.LANCZOS)
    garment_alpha = garment_alpha.resize(placed, Image.Resampling.BILINEAR)
    at = ((width - placed[0]) // 2, round(GARMENT_TOP * height))
    canvas = Image.new("RGB", size, CANVAS_FILL)
    canvas.paste(garment, at, garment_alpha)
    mask = Image.new("L", size, 0)
    mask.paste(garment_alpha, at)
    return canvas, np.asarray(mask)


def make_still(
    pipe,
    config: TryOnConfig,
    *,
    canvas: Image.Image,
    garment_alpha: np.ndarray,
    look: Look,
    seed: int,
    progress: Progress,
    should_cancel: ShouldCancel,
) -> Image.Image:
    """Repaint everything but the garment for ``look``; the garment's pixels are put back
    through its alpha, so where it is opaque the still *is* the photo."""
    import torch

    keep = garment_alpha >= 255
    # White = repaint. The opaque garment is kept; its feathered edge is repainted and then
    # blended back, so the body meets the garment without a seam.
    repaint = Image.fromarray(np.where(keep, 0, 255).astype(np.uint8))

    def on_step_end(_pipe, step: int, _timestep, callback_kwargs: dict) -> dict:
        if should_cancel():
            raise ShotCancelled("cancelled while making the on-model still")
        progress(STILL_SHARE * (step + 1) // config.steps)
        return callback_kwargs

    generator = torch.Generator(device="cpu").manual_seed(seed)
    with torch.inference_mode():
        generated = pipe(
            prompt=config.prompt.format(
                model=look.model, pose=look.pose, background=look.background
            ),
            negative_prompt=config.negative_prompt,
            image=canvas,
            mask_image=repaint,
            height=canvas.height,
            width=canvas.width,
            strength=1.0,
            num_inference_steps=config.steps,
            guidance_scale=config.guidance,
            generator=generator,
            output_type="np",
            callback_on_step_end=on_step_end,
        ).images[0]  # HxWx3 float in 0..1
    weight = garment_alpha[..., None].astype(np.float32) / 255.0
    still = np.asarray(canvas, np.float32) * weight + generated * 255.0 * (1.0 - weight)
    return Image.fromarray(np.clip(still, 0, 255).round().astype(np.uint8))


# --- the backend ------------------------------------------------------------------------------


class TryOnBackend:
    name = "tryon"

    def check_available(self) -> None:
        config = TryOnConfig.from_settings()
        if not config.weights_dir:
            raise BackendUnavailable("no try-on weights configured (SHOPREEL_TRYON_WEIGHTS_DIR)")
        weights = Path(config.weights_dir)
        if not weights.is_dir():
            raise BackendUnavailable(f"try-on weights directory {weights} does not exist")
        if not (weights / "model_index.json").is_file():
            raise BackendUnavailable(f"try-on weights directory {weights} has no model_index.json")
        try:
            DiffusionBackend().check_available()  # the image-to-video stage
        except BackendUnavailable as exc:
            raise BackendUnavailable(f"image-to-video stage: {exc}") from exc

    def generate(
        self,
        request: ShotRequest,
        *,
        workdir: Path,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ShotAsset:
        # 1. Inputs: a garment, and one we can cut out of its photo.
        if request.vertical != "apparel":
            raise BackendUnavailable(
                f"try-on is for garments; this product's vertical is {request.vertical!r}, not apparel"
            )
        config = TryOnConfig.from_settings()
        check_tryon_inputs(config, duration=request.duration)
        cut = [image for image in request.images if image.cutout]
        if not cut:
            raise BackendUnavailable(
                "try-on needs a garment photo on a plain background; none of the product's "
                "photos could be cut out"
            )
        photo, alpha = _open_photo(cut[request.image_index % len(cut)])
        if alpha is None or np.mean(np.asarray(alpha) > 127) < MIN_GARMENT_SHARE:
            raise BackendUnavailable("the garment's cut-out is empty")
        size = (config.video.width, config.video.height)
        canvas, garment_alpha = place_garment(photo, alpha, size)

        # 2. Both pipelines, loaded once per worker process.
        still_pipe = load_image_pipeline(config)
        video_pipe = load_pipeline(config.video)
        adapter = adapter_for(config.video, request)
        offloaded = config.video.cpu_offload and config.video.device == "cuda"
        activate_adapter(video_pipe, adapter, device=None if offloaded else config.video.device)
        workdir.mkdir(parents=True, exist_ok=True)

        # 3. Still then clip, once more with a new seed (and look) if the garment drifted.
        import torch

        done = 0  # progress never goes back, even when a drifted try is made again
        report = progress or (lambda percent: None)
        cancelled = should_cancel or (lambda: False)

        def forward(percent: int) -> None:
            nonlocal done
            if percent > done:
                done = percent
                report(percent)

        tried: list[tuple[float, int]] = []
        seeds = (request.seed, (request.seed + RETRY_SEED_STEP) % 2**32)
        for seed in seeds:
            look = pick_look(config, seed)
            try:
                asset, score = self._try(
                    still_pipe, video_pipe, config, request,
                    canvas=canvas, garment_alpha=garment_alpha, look=look, seed=seed,
                    workdir=workdir, progress=forward, should_cancel=cancelled,
                )  # fmt: skip
            except torch.OutOfMemoryError as exc:
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                raise BackendUnavailable(f"out of GPU memory at {size[0]}x{size[1]}") from exc
            if asset is None:
                tried.append((score, seed))
                continue
            return dataclasses.replace(asset, tries=len(tried) + 1, adapter=adapter[0] if adapter else "")
        scores = ", ".join(f"{score:.2f} (seed {seed})" for score, seed in tried)
        raise DriftedError(
            f"drifted: score {scores} below {config.video.fidelity_threshold:.2f}",
            score=max(score for score, _ in tried),
        )

    def _try(
        self,
        still_pipe,
        video_pipe,
        config: TryOnConfig,
        request: ShotRequest,
        *,
        canvas: Image.Image,
        garment_alpha: np.ndarray,
        look: Look,
        seed: int,
        workdir: Path,
        progress: Progress,
        should_cancel: ShouldCancel,
    ) -> tuple[ShotAsset | None, float]:
        """One generation: its asset and fidelity score; no asset, and no file kept, when the
        garment drifted."""
        if should_cancel():
            raise ShotCancelled("cancelled before the on-model still")
        still = make_still(
            still_pipe, config, canvas=canvas, garment_alpha=garment_alpha, look=look,
            seed=seed, progress=progress, should_cancel=should_cancel,
        )  # fmt: skip
        clip = make_clip(
            video_pipe,
            config.video,
            image=still,
            mask=garment_alpha,
            seed=seed,
            duration=request.duration,
            out_dir=workdir,
            progress=lambda percent: progress(STILL_SHARE + (100 - STILL_SHARE) * percent // 100),
            should_cancel=should_cancel,
        )
        score = clip.fidelity.score
        logger.info(
            "tryon: clip made",
            extra={
                "seed": seed,
                "fidelity": score,
                "parts": clip.fidelity.parts,
                **dataclasses.asdict(look),
            },
        )
        if score < config.video.fidelity_threshold:
            clip.path.unlink(missing_ok=True)
            return None, score
        final = workdir / f"tryon-{seed}.mp4"
        still_path = workdir / f"tryon-{seed}.png"
        fd, tmp_name = tempfile.mkstemp(prefix=".tryon-", suffix=".png", dir=workdir)
        os.close(fd)
        try:
            still.save(tmp_name, format="PNG")
            os.replace(tmp_name, still_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            clip.path.unlink(missing_ok=True)
            raise
        os.replace(clip.path, final)
        return ShotAsset(
            kind="clip",
            path=_publish_clip(final),
            seed=seed,
            backend=self.name,
            fidelity=score,
            details={
                "still": _media_name(still_path),
                "pipeline": config.pipeline,
                "video_pipeline": config.video.pipeline,
                "look": dataclasses.asdict(look),
                "frames": clip.num_frames,
                "fps": round(clip.fps, 3),
                "width": clip.width,
                "height": clip.height,
            },
        ), score
