"""Making clips with a loaded image-to-video pipeline: check the inputs, fit the photo, sample
latents (one seeded generator per clip, a progress callback and a cancel check each step),
decode them in chunks straight to an MP4 under a temporary name, and score sampled frames
against the photo (``fidelity.py``).

Framework-light: it takes a pipeline and a ``DiffusionConfig``; the backend (diffusion.py)
chooses what to make, retries and keeps the files.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from generation.backends.base import Progress, ShotCancelled, ShouldCancel
from generation.backends.diffusion_loading import DiffusionConfig
from generation.backends.fidelity import FidelityResult, fidelity_score

MIN_SECONDS, MAX_SECONDS = 2.0, 5.0  # a clip covers its scene, within these bounds
FIDELITY_SAMPLES = 4  # frames scored per clip, evenly spaced
SAMPLING_SHARE = 90  # percent of progress for sampling; decoding and writing take the rest
# Output sizes must be multiples of these (the VAE's and the patching's factors).
SIZE_MULTIPLE = {"StableVideoDiffusionPipeline": 16, "LTXImageToVideoPipeline": 32}
NEGATIVE_PROMPT = "worst quality, inconsistent motion, blurry, jittery, distorted, deformed product"


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


# --- one clip, or a batch of clips -------------------------------------------------------------------------------


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


def lower_resolution(width: int, height: int, multiple: int = 16) -> tuple[int, int] | None:
    """The size tried after running out of GPU memory: three quarters a side, in multiples."""
    smaller = tuple(
        max(multiple, int(side * 0.75) // multiple * multiple) for side in (width, height)
    )
    return None if smaller == (width, height) else smaller


# Documents the frame format make_clips writes; used by tests and the bench.
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
