"""The ``diffusion`` backend: a diffusers image-to-video pipeline conditioned on the product photo.

Components come from one local directory, a diffusers ``save_pretrained`` layout
(``SHOPREEL_DIFFUSION_WEIGHTS_DIR``: ``model_index.json`` plus one folder per component);
nothing is ever downloaded. Supported pipeline classes (``SHOPREEL_DIFFUSION_PIPELINE``):

- ``StableVideoDiffusionPipeline``: ``unet`` (UNetSpatioTemporalConditionModel), ``vae``
  (AutoencoderKLTemporalDecoder), ``image_encoder`` (CLIPVisionModelWithProjection),
  ``feature_extractor`` (CLIPImageProcessor), ``scheduler`` (EulerDiscreteScheduler).
  The photo is both the CLIP conditioning and the first frame's latent.
- ``LTXImageToVideoPipeline``: ``transformer`` (LTXVideoTransformer3DModel), ``vae``
  (AutoencoderKLLTXVideo), ``text_encoder`` (T5EncoderModel), ``tokenizer`` (T5TokenizerFast),
  ``scheduler`` (FlowMatchEulerDiscreteScheduler). The photo is the first frame's latent;
  ``SHOPREEL_DIFFUSION_PROMPT`` describes the motion.

torch and diffusers are imported only inside functions, so importing this module (the
registry does) keeps web and CPU-render hosts torch-free. The pipeline is loaded once per
worker process and kept (``load_pipeline``; one configuration at a time).

A shot: (1) check inputs, (2) fit the photo (and its cut-out's alpha, the product region) to
the output size, (3) sample latents with a progress callback and a cancel check per step,
(4) decode the latents in chunks, each chunk written straight to an MP4 under a temporary name,
(5) score sampled frames against the photo (``fidelity.py``). Below
``SHOPREEL_FIDELITY_THRESHOLD`` the shot is made once more with a new seed, then left to the
next backend in the chain with the score in the reason. Out of GPU memory, the shot is tried
once at three quarters of the size (``lower_resolution``), then left to the next backend.

Batches (``DiffusionBackend.generate_batch``, ``make_clips``): shots with the same adapter and
conditioning frame rate are sampled in one pipeline call, one seeded generator per shot, then
decoded, written and scored one by one; out of memory, a batch is halved before any size is
lowered. ``generate`` is a batch of one.

LoRA adapters (peft format) — a fine-tuned ``ModelAdapter`` of the shot's workspace, else a
vertical-wide one (generation/training/), else ``SHOPREEL_DIFFUSION_ADAPTERS_DIR/verticals/
<vertical>/`` — are injected into the cached pipeline's denoiser on first use and switched
per shot (``adapter_for``, ``activate_adapter``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from generation.backends.base import BackendUnavailable, ImageAsset, ShotCancelled, ShotRequest
from generation.backends.fidelity import FidelityResult, fidelity_score

logger = logging.getLogger(__name__)

MIN_SECONDS, MAX_SECONDS = 2.0, 5.0  # a clip covers its scene, within these bounds
FIDELITY_SAMPLES = 4  # frames scored per clip, evenly spaced
RETRY_SEED_STEP = 0x9E3779B1  # the retry's seed: far from the other shots' seeds
SAMPLING_SHARE = 90  # percent of progress for sampling; decoding and writing take the rest
# Output sizes must be multiples of these (the VAE's and the patching's factors).
SIZE_MULTIPLE = {"StableVideoDiffusionPipeline": 16, "LTXImageToVideoPipeline": 32}
NEGATIVE_PROMPT = "worst quality, inconsistent motion, blurry, jittery, distorted, deformed product"

Progress = Callable[[int], None]
ShouldCancel = Callable[[], bool]


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


@dataclass(frozen=True)
class ClipResult:
    path: Path  # the MP4, still under its temporary name
    seed: int
    num_frames: int
    fps: float
    width: int
    height: int
    fidelity: FidelityResult
    seconds: float


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


# --- LoRA adapters: fine-tuned per workspace or vertical, or per vertical from a folder -------


def adapter_for(config: DiffusionConfig, request: ShotRequest) -> tuple[str, Path] | None:
    """The LoRA adapter for this shot, first found of:
    (1) the newest ready fine-tuned ``ModelAdapter`` of the shot's workspace and vertical,
    (2) the newest ready vertical-wide one — both only for the loaded pipeline class and base
    weights (fingerprint), only when the folder is on this worker, and only for a shot of a
    job (``request.workspace_id`` set; the bench and demos run without a database);
    (3) ``<adapters dir>/verticals/<vertical>/`` when it holds a peft adapter
    (``adapter_config.json`` + ``adapter_model.safetensors``), for adapters made elsewhere."""
    registered = _registered_adapter(config, request)
    if registered is not None:
        return registered
    if not config.adapters_dir:
        return None
    path = Path(config.adapters_dir) / "verticals" / request.vertical
    if (path / "adapter_config.json").is_file() and (path / "adapter_model.safetensors").is_file():
        return f"vertical-{request.vertical}", path
    return None


def _registered_adapter(config: DiffusionConfig, request: ShotRequest) -> tuple[str, Path] | None:
    from generation.training.fingerprint import weights_fingerprint
    from generation.training.selectors import adapter_for_shot

    if not config.weights_dir or not request.workspace_id:
        return None  # a shot outside a job (bench, demos) reads no database
    try:
        fingerprint = weights_fingerprint(config.weights_dir)
    except (OSError, ValueError):
        return None
    row = adapter_for_shot(
        workspace_id=request.workspace_id or None,
        vertical=request.vertical,
        pipeline=config.pipeline,
        fingerprint=fingerprint,
    )
    if row is None:
        return None
    path = Path(row.path)
    if not ((path / "adapter_config.json").is_file() and (path / "adapter_model.safetensors").is_file()):
        logger.warning(
            "diffusion: registered adapter missing on this worker",
            extra={"adapter": str(row.id), "path": str(path)},
        )
        return None
    return row.peft_name, path


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


# --- one clip -------------------------------------------------------------------------------


def check_inputs(config: DiffusionConfig, *, duration: float) -> None:
    """Refuse a configuration or shot the pipeline cannot make, before any heavy work."""
    if config.pipeline not in settings.SHOPREEL_DIFFUSION_PIPELINES:
        raise ValueError(
            f"pipeline must be one of {settings.SHOPREEL_DIFFUSION_PIPELINES}, got {config.pipeline!r}"
        )
    multiple = SIZE_MULTIPLE[config.pipeline]
    for name in ("width", "height"):
        value = getattr(config, name)
        if value < multiple or value % multiple:
            raise ValueError(
                f"{name} must be a multiple of {multiple} and at least {multiple}, got {value}"
            )
    if config.num_frames < 2:
        raise ValueError(f"num_frames must be at least 2, got {config.num_frames}")
    if config.steps < 1:
        raise ValueError(f"steps must be at least 1, got {config.steps}")
    if config.decode_chunk < 1:
        raise ValueError(f"decode_chunk must be at least 1, got {config.decode_chunk}")
    if not duration > 0:
        raise ValueError(f"duration must be positive seconds, got {duration}")


def fit_photo(
    photo: Image.Image, mask: Image.Image | None, size: tuple[int, int]
) -> tuple[Image.Image, np.ndarray | None]:
    """Cover-fit the photo (and the product mask) to ``size``: what the first frame shows."""
    image = ImageOps.fit(photo.convert("RGB"), size, method=Image.Resampling.LANCZOS)
    if mask is None:
        return image, None
    if mask.size != photo.size:
        mask = mask.resize(photo.size, Image.Resampling.BILINEAR)
    return image, np.asarray(ImageOps.fit(mask, size, method=Image.Resampling.BILINEAR))


def _video_writer(path: Path, *, size: tuple[int, int], fps: float):
    import imageio_ffmpeg

    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=fps,
        codec="libx264",
        quality=None,
        pix_fmt_out="yuv420p",
        macro_block_size=16,
        output_params=["-crf", "18", "-preset", "veryfast"],
    )
    writer.send(None)  # start ffmpeg
    return writer


def _to_uint8(frames: np.ndarray) -> np.ndarray:
    return (np.clip(frames, 0.0, 1.0) * 255).round().astype(np.uint8)


def _sample_latents(
    pipe, config: DiffusionConfig, images: list[Image.Image], generators: list, fps: float, on_step_end
):
    """Run the pipeline's sampling loop only (``output_type="latent"``), for one image per
    clip: a batch, with one seeded generator per clip (diffusers draws each clip's noise from
    its own generator, so a clip's noise does not depend on its neighbours)."""
    common = {
        "height": config.height,
        "width": config.width,
        "num_frames": config.num_frames,
        "num_inference_steps": config.steps,
        "generator": generators,
        "output_type": "latent",
        "callback_on_step_end": on_step_end,
    }
    if config.pipeline == "LTXImageToVideoPipeline":
        return pipe(
            image=images,
            prompt=[config.prompt] * len(images),
            negative_prompt=[NEGATIVE_PROMPT] * len(images),
            frame_rate=conditioning_fps(fps),
            **common,
        ).frames  # packed: [batch, tokens, channels]
    return pipe(
        images, fps=conditioning_fps(fps), decode_chunk_size=config.decode_chunk, **common
    ).frames  # [batch, frames, channels, h, w]


def _decoded_chunks(pipe, config: DiffusionConfig, latents):
    """Decoded frames as uint8 RGB arrays, ``config.decode_chunk`` frames at a time."""
    chunk = config.decode_chunk
    if config.pipeline == "LTXImageToVideoPipeline":
        # LTX's causal video VAE decodes the clip as a whole (its framewise tiling, switched on
        # with SHOPREEL_DIFFUSION_VAE_TILING, bounds the memory); frames go out in chunks.
        # The steps of LTXImageToVideoPipeline.__call__ after sampling, with its defaults
        # (decode_timestep 0, no decode noise).
        import torch

        vae = pipe.vae
        latents = pipe._unpack_latents(
            latents,
            (config.num_frames - 1) // pipe.vae_temporal_compression_ratio + 1,
            config.height // pipe.vae_spatial_compression_ratio,
            config.width // pipe.vae_spatial_compression_ratio,
            pipe.transformer_spatial_patch_size,
            pipe.transformer_temporal_patch_size,
        )
        latents = pipe._denormalize_latents(
            latents, vae.latents_mean, vae.latents_std, vae.config.scaling_factor
        ).to(vae.dtype)
        timestep = None
        if vae.config.timestep_conditioning:
            timestep = torch.zeros(latents.shape[0], device=latents.device, dtype=latents.dtype)
        video = vae.decode(latents, timestep, return_dict=False)[0]  # [batch, c, frames, h, w]
        for start in range(0, video.shape[2], chunk):
            part = video[:, :, start : start + chunk]
            yield _to_uint8(pipe.video_processor.postprocess_video(part, output_type="np")[0])
        return
    latents = latents.to(pipe.vae.dtype)
    for start in range(0, latents.shape[1], chunk):
        part = latents[:, start : start + chunk]
        decoded = pipe.decode_latents(part, num_frames=part.shape[1], decode_chunk_size=chunk)
        yield _to_uint8(pipe.video_processor.postprocess_video(video=decoded, output_type="np")[0])


def clip_fps(config: DiffusionConfig, duration: float) -> float:
    """Frames per second of a clip covering a ``duration`` s scene (clamped to 2-5 s)."""
    return config.num_frames / min(max(duration, MIN_SECONDS), MAX_SECONDS)


def conditioning_fps(fps: float) -> int:
    """The frame rate the pipeline is conditioned on (one value per pipeline call)."""
    return max(1, round(fps))


@dataclass(frozen=True)
class ClipInput:
    """One clip of a batch: the conditioning photo (already the config's size), its product
    mask, its seed, the scene's length and where its MP4 goes."""

    image: Image.Image
    mask: np.ndarray | None
    seed: int
    duration: float
    out_dir: Path


def make_clip(
    pipe,
    config: DiffusionConfig,
    *,
    image: Image.Image,
    mask: np.ndarray | None,
    seed: int,
    duration: float,
    out_dir: Path,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> ClipResult:
    """Sample one clip conditioned on ``image`` (already ``config.width`` x ``config.height``)
    and write it to a temporary MP4 in ``out_dir``. Raises ShotCancelled, leaving no file."""
    clip = ClipInput(image=image, mask=mask, seed=seed, duration=duration, out_dir=out_dir)
    return make_clips(pipe, config, [clip], progress=progress, should_cancel=should_cancel)[0]


def make_clips(
    pipe,
    config: DiffusionConfig,
    clips: list[ClipInput],
    *,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> list[ClipResult]:
    """Sample several clips in one pipeline call (batch size ``len(clips)``), each from its
    own seed, and write each to a temporary MP4 in its ``out_dir``. A clip comes out as it
    would alone (same seed, same noise; only floating-point summation order may differ).
    ``progress`` is percent of the whole batch. Raises ShotCancelled, leaving no file."""
    import torch

    # 1. Inputs: every clip of one call shares the size and the conditioning frame rate.
    if not clips:
        raise ValueError("clips must hold at least one clip, got none")
    check_inputs(config, duration=min(clip.duration for clip in clips))
    ratio = getattr(pipe, "vae_temporal_compression_ratio", 1)
    if (config.num_frames - 1) % ratio:
        raise ValueError(
            f"num_frames must be {ratio}k+1 for {config.pipeline}, got {config.num_frames}"
        )
    for clip in clips:
        if clip.image.size != (config.width, config.height):
            raise ValueError(
                f"image must be {config.width}x{config.height}, got {clip.image.size[0]}x{clip.image.size[1]}"
            )
    rates = {conditioning_fps(clip_fps(config, clip.duration)) for clip in clips}
    if len(rates) > 1:
        raise ValueError(
            f"clips of one batch must share their conditioning frame rate, got {sorted(rates)}"
        )
    started = time.monotonic()
    report = progress or (lambda percent: None)
    cancelled = should_cancel or (lambda: False)
    fps_of = [clip_fps(config, clip.duration) for clip in clips]

    # 2. Sampling, with progress and the cancel flag each step.
    def on_step_end(_pipe, step: int, _timestep, callback_kwargs: dict) -> dict:
        if cancelled():
            raise ShotCancelled("cancelled while sampling")
        report(SAMPLING_SHARE * (step + 1) // config.steps)
        return callback_kwargs

    if cancelled():
        raise ShotCancelled("cancelled before sampling")
    generators = [torch.Generator(device="cpu").manual_seed(clip.seed) for clip in clips]
    with torch.inference_mode():
        latents = _sample_latents(
            pipe, config, [clip.image for clip in clips], generators, fps_of[0], on_step_end
        )

    # 3. Decode each clip in chunks; each chunk goes to the encoder at once, a few frames are
    # kept to score.
    samples = sorted({round(i) for i in np.linspace(0, config.num_frames - 1, FIDELITY_SAMPLES)})
    total_frames = config.num_frames * len(clips)
    done = 0
    temporary: list[Path] = []
    kept: list[list[np.ndarray]] = []
    try:
        for i, clip in enumerate(clips):
            fd, tmp_name = tempfile.mkstemp(prefix=".diffusion-", suffix=".mp4", dir=clip.out_dir)
            os.close(fd)
            temporary.append(Path(tmp_name))
            kept.append([])
            writer = _video_writer(temporary[-1], size=(config.width, config.height), fps=fps_of[i])
            try:
                with torch.inference_mode():
                    frame_index = 0
                    for frames in _decoded_chunks(pipe, config, latents[i : i + 1]):
                        if cancelled():
                            raise ShotCancelled("cancelled while decoding")
                        for frame in frames:
                            writer.send(np.ascontiguousarray(frame).tobytes())
                            if frame_index in samples:
                                kept[-1].append(frame)
                            frame_index += 1
                        done += len(frames)
                        report(SAMPLING_SHARE + (100 - SAMPLING_SHARE) * done // total_frames)
            except BaseException:
                with contextlib.suppress(Exception):
                    writer.close()
                raise
            writer.close()
    except BaseException:
        for path in temporary:
            path.unlink(missing_ok=True)
        raise

    # 4. Fidelity of each clip against its photo as it conditioned the first frame.
    seconds = time.monotonic() - started
    return [
        ClipResult(
            path=temporary[i],
            seed=clip.seed,
            num_frames=config.num_frames,
            fps=fps_of[i],
            width=config.width,
            height=config.height,
            fidelity=fidelity_score(np.asarray(clip.image.convert("RGB")), kept[i], clip.mask),
            seconds=seconds,
        )
        for i, clip in enumerate(clips)
    ]


# --- the backend ------------------------------------------------------------------------------


def _media_name(path: Path) -> str:
    """Storage name relative to MEDIA_ROOT (an absolute path outside it stays absolute)."""
    try:
        return path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
    except ValueError:
        return str(path)


def _open_photo(asset: ImageAsset) -> tuple[Image.Image, Image.Image | None]:
    root = Path(settings.MEDIA_ROOT)
    try:
        with Image.open(root / asset.path) as photo:
            photo = ImageOps.exif_transpose(photo).convert("RGB")
        mask = None
        if asset.cutout:
            with Image.open(root / asset.cutout) as cutout:
                mask = ImageOps.exif_transpose(cutout).convert("RGBA").getchannel("A")
    except OSError as exc:
        raise BackendUnavailable(f"the product photo could not be read: {asset.path}") from exc
    return photo, mask


class DiffusionBackend:
    name = "diffusion"

    def check_available(self) -> None:
        config = DiffusionConfig.from_settings()
        if not config.weights_dir:
            raise BackendUnavailable(
                "no weights configured (SHOPREEL_DIFFUSION_WEIGHTS_DIR is empty)"
            )
        weights = Path(config.weights_dir)
        if not weights.is_dir():
            raise BackendUnavailable(f"weights directory {weights} does not exist")
        if not (weights / "model_index.json").is_file():
            raise BackendUnavailable(f"weights directory {weights} has no model_index.json")
        for module in ("torch", "diffusers", "transformers"):
            if importlib.util.find_spec(module) is None:
                raise BackendUnavailable(
                    f"{module} is not installed on this worker (the `ml` extra)"
                )
        if config.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise BackendUnavailable("no CUDA GPU on this worker")

    def batch_key(self, request: ShotRequest) -> tuple:
        """What shots must share to be made in one pipeline call, known on any host (no GPU,
        no weights needed): the conditioning frame rate and the vertical (whose LoRA adapter
        the call uses). The model is the worker's configuration, the same for all its shots;
        ``generate_batch`` splits again by the adapter it actually finds."""
        config = DiffusionConfig.from_settings()
        return (conditioning_fps(clip_fps(config, request.duration)), request.vertical)

    def generate(
        self,
        request: ShotRequest,
        *,
        workdir: Path,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> dict:
        result = self.generate_batch(
            [request], workdirs=[workdir], progress=progress, should_cancel=should_cancel
        )[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def generate_batch(
        self,
        requests: list[ShotRequest],
        *,
        workdirs: list[Path],
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> list[dict | BackendUnavailable]:
        """Make several shots in as few pipeline calls as they allow: shots with the same
        adapter and conditioning frame rate share a call (each with its own seed). Returns,
        per request, its asset or the ``BackendUnavailable`` saying why this backend did not
        make it (that shot alone moves down its chain). Out of GPU memory, a batch is halved
        until one shot is left, which is tried once at a lower resolution. ``progress`` is
        percent of the whole batch; ShotCancelled leaves no file of any shot of the batch."""
        config = DiffusionConfig.from_settings()
        if len(workdirs) != len(requests):
            raise ValueError(f"workdirs must hold one folder per request ({len(requests)}), got {len(workdirs)}")
        for request in requests:
            check_inputs(config, duration=request.duration)
        results: list[dict | BackendUnavailable | None] = [None] * len(requests)
        items: list[_Item] = []
        for i, request in enumerate(requests):
            if not request.images:
                results[i] = BackendUnavailable("the product has no photo to condition the first frame")
                continue
            try:
                photo, mask = _open_photo(request.images[request.image_index % len(request.images)])
            except BackendUnavailable as exc:
                results[i] = exc
                continue
            fit = lambda size, photo=photo, mask=mask: fit_photo(photo, mask, size)  # noqa: E731
            items.append(_Item(index=i, request=request, workdir=workdirs[i], fit=fit))
        if not items:
            return results
        pipe = load_pipeline(config)
        offloaded = config.cpu_offload and config.device == "cuda"
        groups: dict[tuple, list[_Item]] = {}
        adapters: dict[str, tuple[str, Path] | None] = {}
        for item in items:
            adapter = adapter_for(config, item.request)
            name = adapter[0] if adapter else ""
            adapters[name] = adapter
            key = (name, conditioning_fps(clip_fps(config, item.request.duration)))
            groups.setdefault(key, []).append(item)
        made: list[Path] = []  # accepted clips, removed again if the batch is cancelled
        shares = _Shares(progress, total=len(items))
        try:
            for (name, _rate), group in groups.items():
                activate_adapter(pipe, adapters[name], device=None if offloaded else config.device)
                for item in group:
                    item.workdir.mkdir(parents=True, exist_ok=True)
                outcomes = self._make_batch(
                    pipe, config, group, progress=shares.part(len(group)), should_cancel=should_cancel, made=made
                )
                for item, outcome in zip(group, outcomes, strict=True):
                    if isinstance(outcome, dict):
                        outcome["adapter"] = name
                    results[item.index] = outcome
        except ShotCancelled:
            for path in made:
                path.unlink(missing_ok=True)
            raise
        return results

    def _make_batch(
        self,
        pipe,
        config: DiffusionConfig,
        items: list[_Item],
        *,
        progress: Progress | None,
        should_cancel: ShouldCancel | None,
        made: list[Path],
        sizes: tuple[tuple[int, int], ...] = (),
        tried: tuple[tuple[int, int], ...] = (),
    ) -> list[dict | BackendUnavailable]:
        """The batch at the first of ``sizes`` (the configured size, then a lower one). Out of
        memory: halve the batch; a single shot goes to the next size, then gives up."""
        import torch

        if not sizes:
            sizes = ((config.width, config.height),)
            smaller = lower_resolution(config.width, config.height, SIZE_MULTIPLE[config.pipeline])
            if smaller is not None:
                sizes += (smaller,)
        width, height = sizes[0]
        sized = dataclasses.replace(config, width=width, height=height)
        try:
            return self._sample_batch(
                pipe, sized, items, progress=progress, should_cancel=should_cancel, made=made
            )
        except torch.OutOfMemoryError:
            # Handled below, outside the except block, so its traceback (holding the batch's
            # tensors) is gone before the next try allocates.
            logger.warning(
                "diffusion: out of memory",
                extra={"width": width, "height": height, "batch": len(items)},
            )
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        same = {"should_cancel": should_cancel, "made": made}
        if len(items) > 1:
            half = (len(items) + 1) // 2
            parts = _Shares(progress, total=len(items))
            return [
                outcome
                for part in (items[:half], items[half:])
                for outcome in self._make_batch(
                    pipe, config, part, progress=parts.part(len(part)), sizes=sizes, **same
                )
            ]
        tried += ((width, height),)
        if len(sizes) > 1:
            return self._make_batch(
                pipe, config, items, progress=progress, sizes=sizes[1:], tried=tried, **same
            )
        return [BackendUnavailable(f"out of GPU memory at {' and '.join(f'{w}x{h}' for w, h in tried)}")]

    def _sample_batch(
        self,
        pipe,
        config: DiffusionConfig,
        items: list[_Item],
        *,
        progress: Progress | None,
        should_cancel: ShouldCancel | None,
        made: list[Path],
    ) -> list[dict | BackendUnavailable]:
        """Make each item's clip (one pipeline call for all), and once more, with a new seed,
        each item whose product drifted (one call for those). Per item: its asset, or a
        DriftedError with the scores."""
        fitted = [item.fit((config.width, config.height)) for item in items]
        tried: list[list[tuple[float, int]]] = [[] for _ in items]  # (score, seed) rejected
        results: list[dict | BackendUnavailable | None] = [None] * len(items)
        pending = list(range(len(items)))
        for attempt in range(2):
            seeds = {i: (items[i].request.seed + attempt * RETRY_SEED_STEP) % 2**32 for i in pending}
            clips = make_clips(
                pipe,
                config,
                [
                    ClipInput(
                        image=fitted[i][0],
                        mask=fitted[i][1],
                        seed=seeds[i],
                        duration=items[i].request.duration,
                        out_dir=items[i].workdir,
                    )
                    for i in pending
                ],
                progress=progress,
                should_cancel=should_cancel,
            )
            drifted = []
            for i, clip in zip(pending, clips, strict=True):
                score = clip.fidelity.score
                logger.info(
                    "diffusion: clip made",
                    extra={
                        "seed": clip.seed,
                        "fidelity": score,
                        "parts": clip.fidelity.parts,
                        "batch": len(clips),
                        "seconds": round(clip.seconds, 2),
                    },
                )
                if score < config.fidelity_threshold:
                    clip.path.unlink(missing_ok=True)
                    tried[i].append((score, clip.seed))
                    drifted.append(i)
                    continue
                final = items[i].workdir / f"diffusion-{clip.seed}.mp4"
                os.replace(clip.path, final)
                made.append(final)
                results[i] = {
                    "kind": "clip",
                    "path": _media_name(final),
                    "seed": clip.seed,
                    "backend": self.name,
                    "pipeline": config.pipeline,
                    "fidelity": score,
                    "frames": clip.num_frames,
                    "fps": round(clip.fps, 3),
                    "width": clip.width,
                    "height": clip.height,
                    "tries": len(tried[i]) + 1,
                    "batch": len(clips),
                }
            pending = drifted
            if not pending:
                break
        for i in pending:
            scores = ", ".join(f"{score:.2f} (seed {seed})" for score, seed in tried[i])
            results[i] = DriftedError(
                f"drifted: score {scores} below {config.fidelity_threshold:.2f}",
                score=max(score for score, _ in tried[i]),
            )
        return results

    def _sample(
        self,
        pipe,
        config: DiffusionConfig,
        request: ShotRequest,
        *,
        image: Image.Image,
        mask: np.ndarray | None,
        workdir: Path,
        progress: Progress | None,
        should_cancel: ShouldCancel | None,
    ) -> dict:
        """One shot from an image already fitted to the config's size: its asset, or
        DriftedError (the single-shot entry of ``_sample_batch``)."""
        item = _Item(index=0, request=request, workdir=workdir, fit=lambda size: (image, mask))
        result = self._sample_batch(
            pipe, config, [item], progress=progress, should_cancel=should_cancel, made=[]
        )[0]
        if isinstance(result, BaseException):
            raise result
        return result


@dataclass(frozen=True)
class _Item:
    """One shot of a batch: its request, its folder, and how to fit its photo to a size."""

    index: int  # its place in generate_batch's requests
    request: ShotRequest
    workdir: Path
    fit: Callable[[tuple[int, int]], tuple[Image.Image, np.ndarray | None]]


class _Shares:
    """A batch's progress (0-100 of all its shots) from its parts' progress: each part (a
    group of shots, or half a batch after running out of memory) reports its own 0-100."""

    def __init__(self, report: Progress | None, *, total: int) -> None:
        self.report, self.total, self.start = report, total, 0

    def part(self, count: int) -> Progress | None:
        """The progress callback of the next ``count`` shots."""
        start, self.start = self.start, self.start + count
        if self.report is None:
            return None
        report, total = self.report, self.total
        return lambda percent: report((start * 100 + count * percent) // total)


def lower_resolution(width: int, height: int, multiple: int = 16) -> tuple[int, int] | None:
    """The size tried after running out of GPU memory: three quarters a side, in multiples."""
    smaller = tuple(
        max(multiple, int(side * 0.75) // multiple * multiple) for side in (width, height)
    )
    return None if smaller == (width, height) else smaller


class DriftedError(BackendUnavailable):
    """Every try's product drifted from the photo; ``score`` is the best of them."""

    def __init__(self, message: str, *, score: float) -> None:
        super().__init__(message)
        self.score = score


# Kept here so the module documents the frame format it writes; used by tests and the bench.
def read_clip_frames(path: Path) -> np.ndarray:
    """All frames of an MP4 as an [n, h, w, 3] uint8 RGB array (OpenCV)."""
    capture = cv2.VideoCapture(str(path))
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    finally:
        capture.release()
    return np.stack(frames) if frames else np.zeros((0, 0, 0, 3), np.uint8)
