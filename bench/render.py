"""Render benchmark: Shopreel's renderer vs the encoder floor vs the usual moviepy way.

The case: a 15 s 9:16 ad (1080x1920, 30 fps, 450 frames), five scenes from product photos,
captions, voice-over (espeak-ng) and a music bed, libx264 at the same preset and CRF.

    (a) ``render_ad_video`` — everything, audio included;
    (b) the encoder floor — ffmpeg/libx264 encoding 450 pre-made raw frames (a's own frames,
        decoded into memory first) with the same binary, preset and CRF, no audio;
    (c) the common open-source way — moviepy ``CompositeVideoClip`` with an ``ImageClip`` zoomed
        per frame (``resized(lambda t: …)``) and a ``TextClip`` per caption, crossfades, the
        same soundtrack, ``write_videofile``.

Targets: a within 1.5x of b; a at least 4x faster than c.

    .venv/bin/python bench/render.py [--preset veryfast] [--skip-moviepy]

Memory (target: under 1 GB for a 60 s ad): ``--length 60 --memory`` renders one ad of that
length (the five scenes repeated) and reports the peak resident memory of this process plus
its children (ffmpeg, espeak-ng), sampled from /proc every 20 ms, and the kernel's own peak
for this process (VmHWM). (A child's ru_maxrss is no use here: it counts the parent's pages
the child had between fork and exec.)

    .venv/bin/python bench/render.py --length 60 --memory
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.render import fonts
from generation.render.compose import render_ad_video
from generation.render.spec import (
    FORMATS,
    AudioSpec,
    MotionShot,
    OutputFormat,
    RenderSpec,
    SceneSpec,
)

CAPTIONS = (
    ("Meet the bottle that goes everywhere", "Meet the bottle that goes everywhere you do."),
    ("Cold for 24 hours, hot for 12", "Cold for twenty four hours, hot for twelve."),
    ("Leak-proof lid, one-hand open", "A leak proof lid that opens with one hand."),
    ("Today only: 30% off", "Today only, thirty percent off."),
    ("Shop now", "Tap shop now."),
)
MOVES = ("push_in", "ken_burns", "pan_left", "pull_out", "push_in")
SHOT_TYPES = ("hero", "feature", "detail", "offer", "cta")


def make_photos(folder: Path) -> list[Path]:
    """Five 1200x1200 product-like photos: a coloured object on white, with some texture."""
    rng = np.random.default_rng(7)
    paths = []
    colours = [(200, 50, 60), (40, 110, 200), (30, 150, 90), (230, 160, 30), (120, 60, 170)]
    for i, colour in enumerate(colours):
        im = Image.new("RGB", (1200, 1200), "white")
        draw = ImageDraw.Draw(im)
        draw.rounded_rectangle((380, 150, 820, 1050), radius=120, fill=colour)
        draw.ellipse((450, 80, 750, 220), fill=(60, 60, 60))
        draw.rectangle((420, 500, 780, 700), fill=(245, 245, 245))
        arr = np.asarray(im).astype(np.int16) + rng.integers(-6, 7, (1200, 1200, 3))
        path = folder / f"photo{i}.jpg"
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=92)
        paths.append(path)
    return paths


def make_spec(photos: list[Path], preset: str, length: float = 15.0) -> RenderSpec:
    base = tuple(
        SceneSpec(
            duration=3.0,
            shot=MotionShot(images=(photo,), move=move, background="blur"),
            shot_type=shot_type,
            caption=caption,
            voiceover=voice,
            badge="$29.99" if shot_type in ("offer", "cta") else "",
        )
        for photo, move, shot_type, (caption, voice) in zip(
            photos, MOVES, SHOT_TYPES, CAPTIONS, strict=True
        )
    )
    n = max(1, round(length / 3.0))
    scenes = tuple(base[i % len(base)] for i in range(n))  # a longer ad repeats the five
    return RenderSpec(
        format=FORMATS["9:16"],
        scenes=scenes,
        fps=30,
        preset=preset,
        crf=21,
        audio=AudioSpec(voice=True, music=True),
    )


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (ffmpeg, espeak-ng)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """Child processes (recursively) of ``pid``, from /proc/<pid>/task/*/children."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(x) for x in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


class PeakMemory:
    """Samples this process's RSS plus its descendants' every ``interval`` s on a thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_total = self.peak_self = self.peak_children = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import os

        me = os.getpid()
        while not self._stop.is_set():
            mine = _rss_kib(me)
            kids = sum(_rss_kib(pid) for pid in _descendants(me))
            self.peak_self = max(self.peak_self, mine)
            self.peak_children = max(self.peak_children, kids)
            self.peak_total = max(self.peak_total, mine + kids)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def vm_hwm_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def memory_run(length: float, preset: str) -> None:
    """Render one ``length``-second ad and print its peak memory (MiB)."""
    with tempfile.TemporaryDirectory(prefix="shopreel-bench-mem-") as tmp:
        folder = Path(tmp)
        spec = make_spec(make_photos(folder), preset, length)
        start = time.perf_counter()
        with PeakMemory() as peak:
            result = render_ad_video(spec, out_dir=folder / "a", basename="ad")
        took = time.perf_counter() - start
        mib = 1024
        print(
            f"case: {len(spec.scenes)} scenes, {spec.duration:.0f} s, "
            f"{spec.format.width}x{spec.format.height} @ {spec.fps} fps ({result.frames} "
            f"frames), libx264 {preset}; rendered in {took:.1f} s"
        )
        print(
            f"peak RSS, sampled every 20 ms: process + children {peak.peak_total / mib:.0f} MiB "
            f"(process {peak.peak_self / mib:.0f} MiB, children {peak.peak_children / mib:.0f} MiB)"
        )
        print(f"kernel peak of this process (VmHWM): {vm_hwm_kib() / mib:.0f} MiB")
        total_mb = peak.peak_total * 1024 / 1e6
        verdict = "under" if total_mb < 1000 else "OVER"
        print(f"peak {total_mb:.0f} MB; target under 1 GB (1000 MB) -> {verdict}")


def decode_frames(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").tobytes() for f in container.decode(video=0)]


def encoder_floor(
    frames: list[bytes], size: tuple[int, int], fps: int, preset: str, crf: int, out: Path
) -> float:
    """Seconds for libx264 alone to encode ``frames`` (rawvideo on stdin, as moviepy feeds it)."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{size[0]}x{size[1]}",
        "-r",
        str(fps),
        "-i",
        "-",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        str(out),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)

    def feed() -> None:
        for frame in frames:
            proc.stdin.write(frame)
        proc.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    writer.join()
    proc.wait()
    return time.perf_counter() - start


def moviepy_way(spec: RenderSpec, photos: list[Path], soundtrack: Path, out: Path) -> float:
    """What most open-source generators do: compositing clips, zoom via resized(lambda)."""
    from moviepy import (
        AudioFileClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        concatenate_videoclips,
        vfx,
    )

    w, h = spec.format.width, spec.format.height
    font = str(fonts.font_chain("en")[0].path)
    start = time.perf_counter()
    scenes = []
    for i, (scene, photo) in enumerate(zip(spec.scenes, photos, strict=True)):
        d = scene.duration
        background = ImageClip(str(photo)).resized(height=h).with_duration(d)
        background = background.resized(lambda t, d=d: 1 + 0.12 * t / d).with_position("center")
        text = (
            TextClip(
                font=font,
                text=scene.caption,
                font_size=70,
                color="white",
                stroke_color="black",
                stroke_width=5,
                method="caption",
                size=(int(w * 0.8), None),
                text_align="center",
            )
            .with_duration(d)
            .with_position(("center", int(h * 0.62)))
        )
        clip = CompositeVideoClip([background, text], size=(w, h)).with_duration(d)
        if i:
            clip = clip.with_effects([vfx.CrossFadeIn(0.4)])
        scenes.append(clip)
    video = concatenate_videoclips(scenes, method="compose", padding=-0.4)
    video = video.with_audio(AudioFileClip(str(soundtrack)).subclipped(0, video.duration))
    video.write_videofile(
        str(out),
        fps=spec.fps,
        codec="libx264",
        audio_codec="aac",
        preset=spec.preset,
        ffmpeg_params=["-crf", str(spec.crf)],
        threads=2,
        logger=None,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--skip-moviepy", action="store_true", help="skip (c), the slow one")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of (a) and (b), alternated; medians are reported",
    )
    parser.add_argument("--length", type=float, default=15.0, help="ad length in seconds")
    parser.add_argument(
        "--memory", action="store_true", help="measure peak memory of one render and stop"
    )
    args = parser.parse_args()
    if args.memory:
        memory_run(args.length, args.preset)
        return

    with tempfile.TemporaryDirectory(prefix="shopreel-bench-") as tmp:
        folder = Path(tmp)
        photos = make_photos(folder)
        spec = make_spec(photos, args.preset, args.length)
        # A worker renders many ads per process: warm it (imports, fonts, espeak's data) with
        # a tiny render first, so (a) measures rendering, not interpreter start-up.
        warm = RenderSpec(
            format=OutputFormat("warm", 270, 480, spec.format.safe_zone),
            scenes=spec.scenes[:1],
            fps=30,
        )
        render_ad_video(warm, out_dir=folder / "warm", basename="warm")

        t_a, t_b, cpu_a, cpu_b = [], [], [], []
        size = (spec.format.width, spec.format.height)
        for _ in range(args.repeat):
            cpu0, start = cpu_seconds(), time.perf_counter()
            result = render_ad_video(spec, out_dir=folder / "a", basename="ad")
            t_a.append(time.perf_counter() - start)
            cpu_a.append(cpu_seconds() - cpu0)
            frames = decode_frames(result.video)
            cpu0 = cpu_seconds()
            t_b.append(
                encoder_floor(frames, size, spec.fps, args.preset, spec.crf, folder / "b.mp4")
            )
            cpu_b.append(cpu_seconds() - cpu0)
            del frames
        a, b = statistics.median(t_a), statistics.median(t_b)

        print(
            f"case: {len(spec.scenes)} scenes, {spec.duration:.0f} s, {size[0]}x{size[1]} "
            f"@ {spec.fps} fps ({result.frames} frames), libx264 {args.preset} crf {spec.crf}; "
            f"median of {args.repeat}"
        )
        print(
            f"(a) render_ad_video            {a:6.2f} s  ({result.frames / a:5.1f} fps)  "
            f"runs: {', '.join(f'{x:.2f}' for x in t_a)}"
        )
        print(
            f"(b) encoder floor (raw frames)  {b:6.2f} s  ({result.frames / b:5.1f} fps)  "
            f"runs: {', '.join(f'{x:.2f}' for x in t_b)}"
        )
        print(f"a/b = {a / b:.2f}  (target <= 1.5)")
        print(
            f"CPU seconds (this process + ffmpeg), median: a {statistics.median(cpu_a):.2f}, "
            f"b {statistics.median(cpu_b):.2f}; a/b by CPU = "
            f"{statistics.median(cpu_a) / statistics.median(cpu_b):.2f} "
            "(wall times on a shared 2-core machine are noisy; CPU time is not)"
        )
        if not args.skip_moviepy:
            soundtrack = folder / "soundtrack.wav"
            with av.open(str(result.video)) as container:
                rate = container.streams.audio[0].rate
            subprocess.run(
                [
                    imageio_ffmpeg.get_ffmpeg_exe(),
                    "-y",
                    "-loglevel",
                    "error",
                    "-i",
                    str(result.video),
                    "-vn",
                    "-ar",
                    str(rate),
                    str(soundtrack),
                ],
                check=True,
            )
            t_c = moviepy_way(spec, photos, soundtrack, folder / "c.mp4")
            print(f"(c) moviepy Composite+TextClip  {t_c:6.2f} s  ({result.frames / t_c:5.1f} fps)")
            print(f"c/a = {t_c / a:.2f}  (target >= 4)")


if __name__ == "__main__":
    main()
