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

Modules: ``diffusion_loading`` (``DiffusionConfig``, the per-process pipeline cache, LoRA
injection), ``diffusion_clips`` (one pipeline call: sampling, chunked decoding, writing,
scoring), this one (which adapter a shot gets, batching, retries, out-of-memory fallbacks:
the backend). Their public names are importable from here too.

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

import dataclasses
import importlib.util
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from accounts import storage as media_storage
from generation.backends.base import (
    BackendUnavailable,
    ImageAsset,
    Progress,
    ShotAsset,
    ShotCancelled,
    ShotRequest,
    ShouldCancel,
)
from generation.backends.diffusion_clips import (
    SIZE_MULTIPLE,
    ClipInput,
    ClipResult,
    check_inputs,
    clip_fps,
    conditioning_fps,
    fit_photo,
    lower_resolution,
    make_clip,
    make_clips,
    read_clip_frames,
)
from generation.backends.diffusion_loading import (
    DiffusionConfig,
    activate_adapter,
    load_pipeline,
    open_pipeline,
    unload_pipelines,
)

__all__ = [
    "ClipInput",
    "ClipResult",
    "DiffusionBackend",
    "DiffusionConfig",
    "DriftedError",
    "activate_adapter",
    "adapter_for",
    "check_inputs",
    "clip_fps",
    "conditioning_fps",
    "fit_photo",
    "load_pipeline",
    "lower_resolution",
    "make_clip",
    "make_clips",
    "open_pipeline",
    "read_clip_frames",
    "unload_pipelines",
]

logger = logging.getLogger(__name__)

RETRY_SEED_STEP = 0x9E3779B1  # the retry's seed: far from the other shots' seeds


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
    from core.vocabulary import VERTICALS

    # The vertical is product data (a merchant may type it): only a known one names a folder.
    if not config.adapters_dir or request.vertical not in VERTICALS:
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
    root = Path(settings.SHOPREEL_TRAINING_DIR).resolve()
    if not row.path or not path.resolve().is_relative_to(root):
        # A stored path is data: only folders under SHOPREEL_TRAINING_DIR are ever loaded.
        logger.warning(
            "diffusion: registered adapter outside SHOPREEL_TRAINING_DIR ignored",
            extra={"adapter": str(row.id), "path": str(path)},
        )
        return None
    if not ((path / "adapter_config.json").is_file() and (path / "adapter_model.safetensors").is_file()):
        logger.warning(
            "diffusion: registered adapter missing on this worker",
            extra={"adapter": str(row.id), "path": str(path)},
        )
        return None
    return row.peft_name, path


# --- the backend ------------------------------------------------------------------------------


def _media_name(path: Path) -> str:
    """Storage name relative to MEDIA_ROOT (an absolute path outside it stays absolute)."""
    try:
        return path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
    except ValueError:
        return str(path)


def _publish_clip(path: Path) -> str:
    """A finished clip's storage name, the clip also put in the media store (kept on this disk:
    a render worker on another host downloads it). Outside MEDIA_ROOT it stays a local path."""
    name = _media_name(path)
    if Path(name).is_absolute():
        return name
    return media_storage.store_file(path, name, keep_local=True)


def _open_photo(asset: ImageAsset) -> tuple[Image.Image, Image.Image | None]:
    try:  # the stored photo as a local file (downloaded when media are in an object store)
        with media_storage.local_path(asset.path) as path, Image.open(path) as photo:
            photo = ImageOps.exif_transpose(photo).convert("RGB")
        mask = None
        if asset.cutout:
            with media_storage.local_path(asset.cutout) as path, Image.open(path) as cutout:
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
    ) -> ShotAsset:
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
    ) -> list[ShotAsset | BackendUnavailable]:
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
        results: list[ShotAsset | BackendUnavailable | None] = [None] * len(requests)
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
                    if isinstance(outcome, ShotAsset):
                        outcome = dataclasses.replace(outcome, adapter=name)
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
    ) -> list[ShotAsset | BackendUnavailable]:
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
    ) -> list[ShotAsset | BackendUnavailable]:
        """Make each item's clip (one pipeline call for all), and once more, with a new seed,
        each item whose product drifted (one call for those). Per item: its asset, or a
        DriftedError with the scores."""
        fitted = [item.fit((config.width, config.height)) for item in items]
        tried: list[list[tuple[float, int]]] = [[] for _ in items]  # (score, seed) rejected
        results: list[ShotAsset | BackendUnavailable | None] = [None] * len(items)
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
                results[i] = ShotAsset(
                    kind="clip",
                    path=_publish_clip(final),
                    seed=clip.seed,
                    backend=self.name,
                    fidelity=score,
                    tries=len(tried[i]) + 1,
                    details={
                        "pipeline": config.pipeline,
                        "frames": clip.num_frames,
                        "fps": round(clip.fps, 3),
                        "width": clip.width,
                        "height": clip.height,
                        "batch": len(clips),
                    },
                )
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


class DriftedError(BackendUnavailable):
    """Every try's product drifted from the photo; ``score`` is the best of them."""

    def __init__(self, message: str, *, score: float) -> None:
        super().__init__(message)
        self.score = score
