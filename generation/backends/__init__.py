"""Shot backends: each turns one scene of an ad's script into a ``ShotAsset`` (base.py), stored
as JSON on its Shot (``to_json``/``from_json``; the JSON shapes are below).

The interface is ``base.py`` (``check_available()``; ``generate(request, *, workdir,
progress=None, should_cancel=None) -> ShotAsset``; a backend that also has ``batch_key`` and
``generate_batch`` is a ``BatchingBackend``, a runtime-checkable protocol). ``BackendUnavailable`` says in plain words why a backend
cannot make a shot here, and the chain moves on; ``ShotCancelled`` means the job was cancelled
and nothing was kept. ``registry.py`` names the backends: ``motion``, ``diffusion``, ``tryon``.

Shots
-----
- The chain per shot type is ``SHOPREEL_SHOT_BACKENDS`` (default ``{"default": ["motion"],
  "on_model": ["tryon", "diffusion", "motion"]}``); the first backend that can run makes the
  shot (``generation/shots.py``). The Shot records ``backend``, ``backend_reason`` (each backend
  passed over and why, e.g. ``diffusion: no weights configured (SHOPREEL_DIFFUSION_WEIGHTS_DIR
  is empty)``) and ``fidelity`` (the accepted clip's score; null for motion shots).
- Queues: ``registry.backend_names`` leaves out the backends whose weights settings are empty
  (``tryon`` needs both its own and the diffusion weights); the first one left decides the
  queue (``gpu`` for diffusion and tryon, ``render`` for motion). With nothing configured an
  on-model shot stays on the CPU queue, the worker still tries the whole chain, and the Shot
  says ``tryon: no try-on weights configured (SHOPREEL_TRYON_WEIGHTS_DIR); diffusion: no
  weights configured (...)`` and is made by ``motion``.
- Batches: ``shots.shot_batches`` puts shots whose first backend batches (a
  ``BatchingBackend``: only ``diffusion``) and share its batch key into one ``generate_shots``
  task on ``gpu``, up to ``SHOPREEL_GPU_BATCH_SIZE`` (4; 1 turns batching off); every other
  shot is a ``generate_shot`` task. In a task each shot is claimed alone and only the claimed
  ones are batched; a shot its batch could not make goes down the rest of its own chain.
- A shot's seed is ``ad.seed * 1000 + shot index``. The job's shots stage moves its bar from
  15 to 25 % (a throttled callback per step) and polls the cancel flag; ``ShotCancelled``
  leaves the Shot pending with no file and the job cancelled.
- ``motion`` makes ``{"kind": "motion", "images", "cutouts", "background", "move",
  "seed"}``: a packshot's cut-out on a studio background for product scenes, a photo with its
  surroundings for lifestyle and on-model scenes. The renderer animates it per output format,
  so each format is laid out for its own frame and no intermediate video is encoded.

``diffusion`` (diffusion.py, diffusion_loading.py, diffusion_clips.py)
------------------------------------------------------------------------
A diffusers image-to-video pipeline conditioned on the product photo. Put it first in a chain
to use it (``SHOPREEL_SHOT_BACKENDS='{"default": ["diffusion", "motion"]}'``). Its asset:
``{"kind": "clip", "path", "seed", "backend", "pipeline", "fidelity", "frames", "fps",
"width", "height", "tries", "batch", "adapter"}`` (how it was made, ``pipeline`` to
``batch``, is the asset's ``details``); ``path`` is relative to ``MEDIA_ROOT``
(``diffusion-<seed>.mp4`` in the shot's folder), ``width``/``height`` the size it was made at.

- Pipelines (``SHOPREEL_DIFFUSION_PIPELINE``, from the allow-list
  ``SHOPREEL_DIFFUSION_PIPELINES``): ``StableVideoDiffusionPipeline`` (sizes in multiples of 16)
  and ``LTXImageToVideoPipeline`` (multiples of 32, frames 8k+1, ``SHOPREEL_DIFFUSION_PROMPT``
  plus a fixed negative prompt). Sampling runs with ``output_type="latent"``; decoding is ours
  (SVD: ``decode_latents`` per chunk; LTX: the whole clip through its VAE, with framewise
  tiling when ``SHOPREEL_DIFFUSION_VAE_TILING`` is on, frames written per chunk). Wan I2V and
  CogVideoX-I2V are not wired.
- Weights come only from ``SHOPREEL_DIFFUSION_WEIGHTS_DIR`` (``local_files_only``). It refuses,
  so the chain moves on: no directory set, a missing one or one without ``model_index.json``,
  torch/diffusers/transformers not installed (the ``ml`` extra), or ``SHOPREEL_DIFFUSION_DEVICE``
  ``cuda`` (the default) on a worker without a GPU; ``cpu`` is for tests and demos.
- Settings: ``SHOPREEL_DIFFUSION_DTYPE`` (bfloat16; float16, float32), ``_CPU_OFFLOAD`` (CUDA
  only), ``_VAE_TILING`` and ``_VAE_SLICING`` (applied where the VAE has them, logged
  otherwise), ``_NUM_FRAMES`` (25), ``_STEPS`` (25), ``_WIDTH`` x ``_HEIGHT`` (576 x 1024),
  ``_DECODE_CHUNK`` (8 frames), ``_ADAPTERS_DIR``.
- One pipeline per worker process, keyed by what loading depends on. torch and diffusers are
  imported inside functions only, so web and CPU-render hosts stay torch-free (a test imports
  ``generation.services`` and the registry and checks).
- A clip covers its scene's duration clamped to 2-5 s (``fps = frames / seconds``; the
  renderer holds the last frame of a shorter clip).
- Batches: shots with the same adapter and conditioning frame rate (``round(frames / clamped
  seconds)``) share one pipeline call with one seeded ``torch.Generator`` each, then each clip
  is decoded, written and scored alone. A shot comes out as it does alone (on the CPU: tiny LTX
  clips identical, tiny SVD latents within ~5e-6, MP4s within 0.2 of 255 levels on average).
  Drifted shots of a batch are made again together, each with its own retry seed.
- Out of GPU memory: a batch is halved until one shot is left; that shot is tried once at three
  quarters of the size, then left to the chain (``out of GPU memory at 576x1024 and 432x768``).
- LoRA adapters (``adapter_for``): the newest ready fine-tuned ``ModelAdapter`` of the shot's
  workspace and vertical, else the newest vertical-wide one (both for the loaded pipeline class
  and base-weights fingerprint, with the folder on this worker and under
  ``SHOPREEL_TRAINING_DIR``, and only for a shot of a job), else a peft adapter in
  ``SHOPREEL_DIFFUSION_ADAPTERS_DIR/verticals/<vertical>/``. Injected into the cached
  denoiser on first use with ``peft.inject_adapter_in_model`` (the SVD UNet has no
  ``add_adapter``), then switched per shot; the asset's ``adapter`` is ``adapter-<row id
  hex>``, ``vertical-<vertical>`` or "". See ``generation.training``.
- Random-weight components built from configs, tiny for tests and full-size for
  ``bench/diffusion.py``: ``diffusion_models.py``. Figures: docs/BENCHMARKS.md.

``tryon`` (tryon.py)
---------------------
On-model clips for apparel: the garment photo becomes an on-model still, which the
``diffusion`` stage sets in motion. Its asset is the diffusion one (no ``batch``) with
``"backend": "tryon"``, ``pipeline`` (the still's), ``video_pipeline``, ``still``
(``tryon-<seed>.png`` beside ``tryon-<seed>.mp4``) and ``look`` (``{"model", "pose",
"background"}``).

- Why inpainting (``StableDiffusionInpaintPipeline``, the one entry of
  ``SHOPREEL_TRYON_PIPELINES``, from ``SHOPREEL_TRYON_WEIGHTS_DIR``): it keeps the real
  garment by construction, with weights that exist locally in a standard diffusers layout (SD
  1.5/2 inpainting, or a try-on fine-tune saved that way). IP-Adapter or Flux Kontext redraw
  the garment from an embedding and can change its print; IDM-VTON and CatVTON need their own
  pipeline code. SDXL inpainting and ``FluxFillPipeline`` take the same call but stay off the
  allow-list until tiny components and a test exist for them.
- The look is a ``random.Random(seed)`` pick from ``SHOPREEL_TRYON_MODELS`` / ``_POSES`` /
  ``_BACKGROUNDS`` filled into ``SHOPREEL_TRYON_PROMPT``; ``_NEGATIVE_PROMPT``, ``_STEPS`` (30),
  ``_GUIDANCE`` (7.0). Device, dtype, offload, VAE options and frame size are the diffusion ones;
  both pipelines are loaded once per worker process through ``diffusion_loading.open_pipeline``.
- Progress: the still 0-40 %, the clip 40-100 %, never going back on a retry. A drift below
  ``SHOPREEL_FIDELITY_THRESHOLD`` makes the whole generation again with the retry seed (a new
  look too), then ``DriftedError`` moves the chain on. Out of GPU memory it says ``out of GPU
  memory at WxH`` and the chain moves on (``diffusion`` then tries its own lower size).
- Refusals: no try-on weights, a missing directory or ``model_index.json``, ``image-to-video
  stage: ...`` (the diffusion backend's reasons), a product whose vertical is not apparel, no
  photo with a usable cut-out.
- Tiny and SD-1.5-sized random components: ``tryon_models.py``; ``bench/tryon.py``.

Fidelity gate (fidelity.py)
----------------------------
Does a generated clip still show the real product? Four evenly spaced frames are compared with
the photo as it conditioned the first frame, on the product region; a clip scores its worst
frame, 0 to 1. Below ``SHOPREEL_FIDELITY_THRESHOLD`` (0.5) the clip is deleted and made once
more with a new seed; if that drifts too, ``DriftedError`` (a ``BackendUnavailable``) says
``drifted: score 0.31 (seed 3000), 0.28 (seed ...) below 0.50`` and the chain falls back, in
the end to ``motion``. Rejected scores stay in ``backend_reason``.
"""
