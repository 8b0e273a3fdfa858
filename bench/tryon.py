"""Try-on shot benchmark: seconds per shot and peak memory through the real backend.

Builds two random-weight pipelines from configs - the on-model still's
StableDiffusionInpaintPipeline (``--size full``: SD 1.5 inpainting's architecture) and the
clip's StableVideoDiffusionPipeline (``full``: SVD img2vid-xt's) - saves them as weights
directories, and makes shots with ``TryOnBackend`` (the worker's own loading, garment
placement, inpainting, compositing, image-to-video, chunked decoding, encoding and fidelity
code). Random weights cost the same time and memory as trained ones. Reports the load time,
the median seconds per shot over ``--shots`` (after one warm-up shot), peak GPU memory (CUDA)
and the process's peak resident memory.

    .venv/bin/python bench/tryon.py --size full --device cuda            # GPU worker
    .venv/bin/python bench/tryon.py --size tiny --device cpu             # smoke test
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--dtype", default=None, help="default: bfloat16 on cuda, float32 on cpu")
    parser.add_argument("--width", type=int, default=None, help="default: 576 full, 64 tiny")
    parser.add_argument("--height", type=int, default=None, help="default: 1024 full, 64 tiny")
    parser.add_argument("--frames", type=int, default=25)
    parser.add_argument("--still-steps", type=int, default=None, help="default: 30 full, 3 tiny")
    parser.add_argument("--video-steps", type=int, default=None, help="default: 25 full, 3 tiny")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--shots", type=int, default=3)
    parser.add_argument("--decode-chunk", type=int, default=8)
    args = parser.parse_args()
    full = args.size == "full"

    import django

    django.setup()
    import torch
    from django.conf import settings
    from PIL import Image, ImageDraw

    from core.images import cut_out
    from generation.backends import diffusion, tryon
    from generation.backends.base import ImageAsset, ShotRequest
    from generation.backends.diffusion_models import save_random_pipeline
    from generation.backends.tryon_models import save_random_tryon_pipeline

    dtype = args.dtype or ("bfloat16" if args.device == "cuda" else "float32")
    work = Path(tempfile.mkdtemp(prefix="bench-tryon-"))
    started = time.monotonic()
    save_random_tryon_pipeline(work / "still", args.size, dtype=dtype)
    save_random_pipeline(work / "video", args.size, dtype=dtype)
    print(f"built and saved {args.size} weights in {time.monotonic() - started:.1f} s")

    media = work / "media"
    (media / "p").mkdir(parents=True)
    garment = Image.new("RGB", (800, 1000), (250, 250, 250))  # a T-shirt packshot
    draw = ImageDraw.Draw(garment)
    draw.rectangle((220, 200, 580, 900), fill=(30, 70, 160))
    draw.polygon([(220, 200), (60, 420), (220, 500)], fill=(30, 70, 160))
    draw.polygon([(580, 200), (740, 420), (580, 500)], fill=(30, 70, 160))
    garment.save(media / "p/photo.png")
    cut_out(garment).save(media / "p/cutout.png")

    settings.MEDIA_ROOT = media
    settings.SHOPREEL_TRYON_WEIGHTS_DIR = str(work / "still")
    settings.SHOPREEL_TRYON_STEPS = args.still_steps or (30 if full else 3)
    settings.SHOPREEL_DIFFUSION_PIPELINE = "StableVideoDiffusionPipeline"
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(work / "video")
    settings.SHOPREEL_DIFFUSION_DEVICE = args.device
    settings.SHOPREEL_DIFFUSION_DTYPE = dtype
    settings.SHOPREEL_DIFFUSION_NUM_FRAMES = args.frames
    settings.SHOPREEL_DIFFUSION_STEPS = args.video_steps or (25 if full else 3)
    settings.SHOPREEL_DIFFUSION_WIDTH = args.width or (576 if full else 64)
    settings.SHOPREEL_DIFFUSION_HEIGHT = args.height or (1024 if full else 64)
    settings.SHOPREEL_DIFFUSION_DECODE_CHUNK = args.decode_chunk
    settings.SHOPREEL_FIDELITY_THRESHOLD = 0.0  # random weights: time the shot, not the gate

    backend = tryon.TryOnBackend()
    backend.check_available()
    started = time.monotonic()
    config = tryon.TryOnConfig.from_settings()
    tryon.load_image_pipeline(config)
    diffusion.load_pipeline(config.video)
    load = time.monotonic() - started
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(args.shots + 1):  # the first call warms up kernels and is not counted
        request = ShotRequest(
            shot_type="on_model",
            camera_move="push_in",
            duration=args.seconds,
            image_index=0,
            images=(ImageAsset(path="p/photo.png", cutout="p/cutout.png", plain_background=True),),
            seed=i,
            vertical="apparel",
        )
        started = time.monotonic()
        backend.generate(request, workdir=media / f"shot{i}")
        if args.device == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append(time.monotonic() - started)
    print(
        f"tryon {args.size} {settings.SHOPREEL_DIFFUSION_WIDTH}x{settings.SHOPREEL_DIFFUSION_HEIGHT} "
        f"still {settings.SHOPREEL_TRYON_STEPS} steps, clip {args.frames} frames "
        f"{settings.SHOPREEL_DIFFUSION_STEPS} steps, {dtype} on {args.device} "
        f"(torch threads {torch.get_num_threads()})"
    )
    print(
        f"load {load:.2f} s; per shot median {statistics.median(times):.2f} s, "
        f"all {[round(t, 2) for t in times]}"
    )
    if args.device == "cuda":
        print(f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
