"""Diffusion shot benchmark: seconds per shot and peak memory through the real backend.

Builds a random-weight StableVideoDiffusionPipeline (or, tiny only, LTXImageToVideoPipeline)
from configs (``--size full``: the architecture of SVD img2vid-xt; random weights cost the same time and memory as trained
ones), saves it as a weights directory, and makes shots with ``DiffusionBackend`` (the
worker's own loading, sampling, chunked decoding, encoding and fidelity code). Reports the
load time, the median seconds per shot over ``--shots``, peak GPU memory (CUDA) and the
process's peak resident memory. Target for ``--size full`` at 720p, 4 s: under 10 s a shot on
one H100.

    .venv/bin/python bench/diffusion.py --size full --device cuda            # GPU worker
    .venv/bin/python bench/diffusion.py --size tiny --device cpu             # smoke test
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
    parser.add_argument(
        "--pipeline",
        choices=("StableVideoDiffusionPipeline", "LTXImageToVideoPipeline"),
        default="StableVideoDiffusionPipeline",
        help="LTX: tiny only (see diffusion_models.ltx_components)",
    )
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--dtype", default=None, help="default: bfloat16 on cuda, float32 on cpu")
    parser.add_argument("--width", type=int, default=None, help="default: 1280 full, 64 tiny")
    parser.add_argument("--height", type=int, default=None, help="default: 720 full, 64 tiny")
    parser.add_argument("--frames", type=int, default=25)
    parser.add_argument("--steps", type=int, default=None, help="default: 25 full, 3 tiny")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--shots", type=int, default=3)
    parser.add_argument(
        "--batch", type=int, default=1,
        help="shots per pipeline call (generate_batch, as SHOPREEL_GPU_BATCH_SIZE); --shots counts calls",
    )  # fmt: skip
    parser.add_argument("--decode-chunk", type=int, default=8)
    parser.add_argument("--weights", type=Path, default=None, help="reuse a saved directory")
    args = parser.parse_args()
    full = args.size == "full"

    import django

    django.setup()
    import torch
    from django.conf import settings
    from PIL import Image, ImageDraw

    from generation.backends import diffusion
    from generation.backends.base import ImageAsset, ShotRequest
    from generation.backends.diffusion_models import save_random_pipeline

    dtype = args.dtype or ("bfloat16" if args.device == "cuda" else "float32")
    work = Path(tempfile.mkdtemp(prefix="bench-diffusion-"))
    weights = args.weights
    if weights is None:
        weights = work / "weights"
        started = time.monotonic()
        save_random_pipeline(weights, args.size, dtype=dtype, pipeline=args.pipeline)
        print(f"built and saved {args.size} weights in {time.monotonic() - started:.1f} s")

    media = work / "media"
    (media / "p").mkdir(parents=True)
    photo = Image.new("RGB", (1000, 1000), (240, 240, 236))
    ImageDraw.Draw(photo).rounded_rectangle((250, 150, 750, 850), radius=40, fill=(200, 40, 40))
    photo.save(media / "p/photo.png")

    settings.MEDIA_ROOT = media
    settings.SHOPREEL_DIFFUSION_PIPELINE = args.pipeline
    settings.SHOPREEL_DIFFUSION_WEIGHTS_DIR = str(weights)
    settings.SHOPREEL_DIFFUSION_DEVICE = args.device
    settings.SHOPREEL_DIFFUSION_DTYPE = dtype
    settings.SHOPREEL_DIFFUSION_NUM_FRAMES = args.frames
    settings.SHOPREEL_DIFFUSION_STEPS = args.steps or (25 if full else 3)
    settings.SHOPREEL_DIFFUSION_WIDTH = args.width or (1280 if full else 64)
    settings.SHOPREEL_DIFFUSION_HEIGHT = args.height or (720 if full else 64)
    settings.SHOPREEL_DIFFUSION_DECODE_CHUNK = args.decode_chunk
    settings.SHOPREEL_FIDELITY_THRESHOLD = 0.0  # random weights: time the shot, not the gate

    backend = diffusion.DiffusionBackend()
    backend.check_available()
    started = time.monotonic()
    diffusion.load_pipeline(diffusion.DiffusionConfig.from_settings())
    load = time.monotonic() - started
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(args.shots + 1):  # the first call warms up kernels and is not counted
        requests = [
            ShotRequest(
                shot_type="hero",
                camera_move="push_in",
                duration=args.seconds,
                image_index=0,
                images=(ImageAsset(path="p/photo.png"),),
                seed=i * args.batch + j,
            )
            for j in range(args.batch)
        ]
        started = time.monotonic()
        if args.batch == 1:
            backend.generate(requests[0], workdir=media / f"shot{i}")
        else:
            made = backend.generate_batch(requests, workdirs=[media / f"shot{i}-{j}" for j in range(args.batch)])
            failed = [str(m) for m in made if isinstance(m, BaseException)]
            if failed:
                sys.exit(f"batch of {args.batch} failed: {failed[0]}")
        if args.device == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append((time.monotonic() - started) / args.batch)
    print(
        f"{args.pipeline} {args.size} {settings.SHOPREEL_DIFFUSION_WIDTH}x{settings.SHOPREEL_DIFFUSION_HEIGHT} "
        f"{args.frames} frames {settings.SHOPREEL_DIFFUSION_STEPS} steps {dtype} on {args.device} "
        f"batch {args.batch} (torch threads {torch.get_num_threads()})"
    )
    print(
        f"load {load:.2f} s; per shot median {statistics.median(times):.2f} s, all {[round(t, 2) for t in times]}"
    )
    if args.device == "cuda":
        print(f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
