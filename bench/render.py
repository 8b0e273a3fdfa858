"""Render benchmark: Shopreel's renderer against the true encoder floor and the usual moviepy way.

The case: a 15 s ad (30 fps, 450 frames), five scenes from product photos, captions,
voice-over (espeak-ng) and a music bed; libx264 at the same preset and CRF everywhere. Per
format (``--formats 9:16`` by default, ``all`` for the four):

    (a) ``render_ad_video``: everything, the soundtrack and the AAC audio included;
    (b) the encoder floor: libx264 encoding (a)'s own frames, exactly the yuv420p planes
        (a) hands its encoder, captured in memory by an untimed render *before* the clock
        starts (the encoder's native input, so no colour conversion and no frame making is
        timed), no audio. Until 2026-12-06 the floor encoded (a)'s output decoded again:
        frames that had been through x264 once, smoothed of the fine detail and noise that
        cost bits, which x264 encodes with about 12 % less CPU than the frames themselves
        (``--decoded-floor`` prints that old floor too). Two ways, both measured, and the
        floor is the cheaper by CPU:
          (b1) the same ffmpeg binary reading the yuv420p frames from a pipe;
          (b2) PyAV's libx264, in this process, from the frames in memory (no pipe at all),
               with x264's frame threads as (a) and (b1) have them (until 2026-12-06 it ran
               PyAV's default slice threads: another set-up, less CPU and slower);
    (c) the common open-source way (9:16 only, one run): moviepy ``CompositeVideoClip`` with
        an ``ImageClip`` zoomed per frame and a ``TextClip`` per caption, crossfades, the same
        soundtrack, ``write_videofile``.

The writer alone (``--writers``, 9:16): the same pre-made RGB frames and WAV through
    (w-old) the previous path, moviepy's ``write_videofile`` piping rgb24 to ffmpeg (which
            converts to yuv420p itself), and
    (w-new) ``generation.render.encode``, which converts in this process and feeds yuv420p,
so the encoder path's share is seen apart from whatever the frames cost.

Every path is measured by wall time and by CPU time (user + system of this process and its
finished children: ``resource.getrusage`` SELF + CHILDREN), side by side in one run, each
``--repeat`` times alternated; medians are reported, and a/b also round by round (each (a)
over the floor run right after it, which the host's drifting speed moves less). On a shared
machine CPU time is the figure to compare; wall time is printed beside it.

Targets (issue 15): a/b <= 1.5 by CPU in every format; c/a >= 8 by CPU.

    .venv/bin/python bench/render.py [--formats all] [--repeat 3] [--skip-moviepy] [--writers]

Memory (target: under 1 GB for a 60 s ad): ``--length 60 --memory`` renders one ad of that
length (the five scenes repeated) and reports the peak resident memory of this process plus
its children (ffmpeg, espeak-ng), sampled from /proc every 20 ms, and the kernel's own peak
for this process (VmHWM). (A child's ru_maxrss is no use here: it counts the parent's pages
the child had between fork and exec.)

    .venv/bin/python bench/render.py --length 60 --memory
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.render import audio, fonts
from generation.render.compose import render_ad_video
from generation.render.loudness import SAMPLE_RATE
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


def make_spec(
    photos: list[Path], preset: str, length: float = 15.0, fmt: OutputFormat = FORMATS["9:16"]
) -> RenderSpec:
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
        format=fmt,
        scenes=scenes,
        fps=30,
        preset=preset,
        crf=21,
        audio=AudioSpec(voice=True, music=True),
    )


# --- measuring --------------------------------------------------------------------------


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) and its finished children."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Runs:
    """Wall and CPU seconds of each run of one path."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def measure(self, work: Callable[[], object]) -> object:
        cpu0, start = cpu_seconds(), time.perf_counter()
        out = work()
        self.wall.append(time.perf_counter() - start)
        self.cpu.append(cpu_seconds() - cpu0)
        return out

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def line(self, label: str, frames: int) -> str:
        runs = ", ".join(f"{w:.2f}/{c:.2f}" for w, c in zip(self.wall, self.cpu, strict=True))
        return (
            f"{label:<38} wall {self.median_wall:6.2f} s  CPU {self.median_cpu:6.2f} s  "
            f"({frames / self.median_cpu:5.1f} frames per CPU s)  runs wall/CPU: {runs}"
        )


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


# --- (b) the floor ----------------------------------------------------------------------


def render_with_encoder(
    spec: RenderSpec, folder: Path, each: Callable[[np.ndarray], object]
) -> None:
    """``render_ad_video`` with ``encode.encode_frames`` swapped for drawing every frame,
    converting it to yuv420p as the encoder path does, and handing the planes to ``each``:
    nothing encoded (an empty MP4 is left so the render ends as usual)."""
    from generation.render import encode

    real = encode.encode_frames

    def frames_only(frame, *, n_frames, out, **_):
        for i in range(n_frames):
            each(encode.rgb_to_i420(frame(i)))
        Path(out).write_bytes(b"")

    encode.encode_frames = frames_only
    try:
        render_ad_video(spec, out_dir=folder / "frames-only", basename="ad")
    finally:
        encode.encode_frames = real


def capture_i420(spec: RenderSpec, folder: Path) -> list[np.ndarray]:
    """The yuv420p planes ``render_ad_video`` hands its encoder, each frame in memory (what
    (a) encodes, bit for bit), from a render whose encoder is swapped for a recorder."""
    frames: list[np.ndarray] = []
    render_with_encoder(spec, folder, frames.append)
    return frames


def decode_i420(path: Path) -> list[np.ndarray]:
    """The video's frames as yuv420p planes (I420, (h * 3 / 2) x w), in memory."""
    with av.open(str(path)) as container:
        return [
            f.to_ndarray()
            if f.format.name == "yuv420p"
            else f.reformat(format="yuv420p").to_ndarray()
            for f in container.decode(video=0)
        ]


def decode_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def floor_ffmpeg(
    frames: list[np.ndarray], size: tuple[int, int], fps: int, preset: str, crf: int, out: Path
) -> None:
    """(b1) ffmpeg/libx264 reading pre-made yuv420p frames from a pipe (no conversion)."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p"),
        *("-s", f"{size[0]}x{size[1]}", "-r", str(fps), "-i", "-", "-an"),
        *("-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"),
        *("-movflags", "+faststart", str(out)),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)  # as the renderer's pipe
    for frame in frames:
        proc.stdin.write(memoryview(frame).cast("B"))
    proc.stdin.close()
    if proc.wait():
        raise RuntimeError(f"ffmpeg failed: {proc.returncode}")


def floor_pyav(
    frames: list[np.ndarray], size: tuple[int, int], fps: int, preset: str, crf: int, out: Path
) -> None:
    """(b2) PyAV's libx264 in this process, from pre-made yuv420p frames in memory."""
    with av.open(str(out), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": preset, "crf": str(crf)}
        # x264's frame threads, as ffmpeg's command line and the renderer have them (PyAV's
        # default, slice threads, is another encoder set-up: less CPU, slower, larger).
        stream.codec_context.thread_type = "AUTO"
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="yuv420p")))
        container.mux(stream.encode(None))


# --- (c) the moviepy way, and the old writer --------------------------------------------


def moviepy_way(spec: RenderSpec, photos: list[Path], soundtrack: Path, out: Path) -> None:
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


def writer_old(frames: list[np.ndarray], spec: RenderSpec, wav: Path, out: Path) -> None:
    """(w-old) the writer the renderer used before: moviepy piping rgb24 to ffmpeg, which
    converts to yuv420p itself (the arguments of the former ``compose._encode``)."""
    from moviepy import VideoClip

    fps, n = spec.fps, len(frames)
    clip = VideoClip(
        frame_function=lambda t: frames[min(n - 1, round(t * fps))], duration=(n + 0.5) / fps
    )
    clip.write_videofile(
        str(out),
        fps=fps,
        codec="libx264",
        preset=spec.preset,
        audio=str(wav),
        audio_codec="aac",
        threads=os.cpu_count() or 2,
        pixel_format="yuv420p",
        logger=None,
        ffmpeg_params=[
            *("-crf", str(spec.crf), "-pix_fmt", "yuv420p"),
            *("-b:a", "160k", "-aac_coder", "fast", "-ar", str(SAMPLE_RATE)),
            *("-movflags", "+faststart"),
        ],
    )
    clip.close()


def writer_new(frames: list[np.ndarray], spec: RenderSpec, wav: Path, out: Path) -> None:
    """(w-new) ``generation.render.encode``: RGB → yuv420p in this process, then libx264."""
    from generation.render import encode

    encode.encode_frames(
        lambda i: frames[i],
        n_frames=len(frames),
        out=out,
        size=(spec.format.width, spec.format.height),
        fps=spec.fps,
        audio=wav,
        settings=encode.EncoderSettings("libx264", spec.preset, ("-crf", str(spec.crf))),
    )


def without_encoder(spec: RenderSpec, folder: Path) -> None:
    """(a0) ``render_ad_video`` with ``encode.encode_frames`` replaced by drawing every frame
    and converting it to yuv420p, nothing encoded: what (a) costs besides the encoder (frames,
    soundtrack, poster, subtitles)."""
    render_with_encoder(spec, folder, lambda planes: None)


def extract_wav(video: Path, out: Path) -> None:
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-y", "-loglevel", "error", "-i", str(video), "-vn", "-ar", str(SAMPLE_RATE)),
            str(out),
        ],
        check=True,
    )


# --- the run ----------------------------------------------------------------------------


def machine() -> str:
    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform(terse=True)}, Python "
        f"{platform.python_version()}; load average {load[0]:.1f}"
    )


def bench_format(fmt: OutputFormat, photos: list[Path], folder: Path, args) -> dict[str, Runs]:
    spec = make_spec(photos, args.preset, args.length, fmt)
    size = (fmt.width, fmt.height)
    a, b1, b2, bd = Runs(), Runs(), Runs(), Runs()
    result = None
    frames = capture_i420(spec, folder)
    for _ in range(args.repeat):
        result = a.measure(lambda: render_ad_video(spec, out_dir=folder / "a", basename="ad"))
        for runs, way, name in ((b1, floor_ffmpeg, "b1.mp4"), (b2, floor_pyav, "b2.mp4")):
            runs.measure(
                lambda way=way, name=name: way(
                    frames, size, spec.fps, args.preset, spec.crf, folder / name
                )
            )
        if args.decoded_floor:
            decoded = decode_i420(result.video)
            bd.measure(
                lambda decoded=decoded: floor_pyav(
                    decoded, size, spec.fps, args.preset, spec.crf, folder / "bd.mp4"
                )
            )
            del decoded
    frames.clear()
    n = result.frames
    floor = min((b1, b2), key=lambda r: r.median_cpu)
    print(
        f"\n== {fmt.name} {size[0]}x{size[1]} @ {spec.fps} fps, {spec.duration:.0f} s "
        f"({n} frames), libx264 {args.preset} crf {spec.crf}; medians of {args.repeat}"
    )
    print(a.line("(a) render_ad_video", n))
    print(b1.line("(b1) floor: ffmpeg, yuv420p on a pipe", n))
    print(b2.line("(b2) floor: PyAV in process, yuv420p", n))
    if args.decoded_floor:
        print(bd.line("(bd) old floor: (a)'s output decoded, PyAV", n))
    which = "b1" if floor is b1 else "b2"
    print(
        f"a/b by CPU = {a.median_cpu / floor.median_cpu:.2f}   a/b by wall = "
        f"{a.median_wall / floor.median_wall:.2f}   (b = {which}, the cheaper by CPU; "
        f"target <= 1.5 by CPU)"
    )
    # Each (a) beside the floor run right after it: the machine's speed drifts between
    # rounds (other tenants of the host), much less within one.
    paired = [x / y for x, y in zip(a.cpu, floor.cpu, strict=True)]
    print(
        f"a/b by CPU, round by round: median {statistics.median(paired):.2f} "
        f"(rounds: {', '.join(f'{r:.2f}' for r in paired)})"
    )
    out = {"a": a, "b1": b1, "b2": b2, "floor": floor}
    if args.split:
        a0 = Runs()
        for _ in range(args.repeat):
            a0.measure(lambda: without_encoder(spec, folder))
        print(a0.line("(a0) (a) with no encoder: frames etc.", n))
        print(
            f"(a) - (a0), the encoder in place: CPU {a.median_cpu - a0.median_cpu:.2f} s "
            f"(floor {floor.median_cpu:.2f} s)"
        )
        out["a0"] = a0
    if fmt.name == "9:16":  # what a job's later formats no longer pay (soundtracks.reuse)
        s = Runs()
        for i in range(args.repeat):
            s.measure(
                lambda i=i: audio.soundtrack(
                    spec,
                    folder / f"s{i}.wav",
                    n_samples=round(n / spec.fps * SAMPLE_RATE),
                    engine=audio.engine_for(spec.audio),
                )
            )
        print(s.line("(s) the soundtrack alone, part of (a)", n))
        out["s"] = s
    if fmt.name == "9:16" and (args.writers or not args.skip_moviepy):
        wav = folder / "soundtrack.wav"
        extract_wav(result.video, wav)
        if args.writers:
            rgb = decode_rgb(result.video)
            old, new = Runs(), Runs()
            for _ in range(args.repeat):
                old.measure(lambda: writer_old(rgb, spec, wav, folder / "w_old.mp4"))
                new.measure(lambda: writer_new(rgb, spec, wav, folder / "w_new.mp4"))
            del rgb
            print(old.line("(w-old) moviepy writer, rgb24 pipe", n))
            print(new.line("(w-new) encode.py, yuv420p", n))
            print(
                f"writer alone (same frames, same WAV): new/old by CPU = "
                f"{new.median_cpu / old.median_cpu:.2f}, by wall = "
                f"{new.median_wall / old.median_wall:.2f}"
            )
            out |= {"w_old": old, "w_new": new}
        if not args.skip_moviepy:
            c = Runs()
            c.measure(lambda: moviepy_way(spec, photos, wav, folder / "c.mp4"))
            print(c.line("(c) moviepy Composite+TextClip, 1 run", n))
            print(
                f"c/a by CPU = {c.median_cpu / a.median_cpu:.2f}   c/a by wall = "
                f"{c.median_wall / a.median_wall:.2f}   (target >= 8 by CPU)"
            )
            out["c"] = c
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--formats", default="9:16", help="comma-separated, or 'all'")
    parser.add_argument("--skip-moviepy", action="store_true", help="skip (c), the slow one")
    parser.add_argument(
        "--writers", action="store_true", help="also time the old and new writer alone (9:16)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each path, alternated; medians reported"
    )
    parser.add_argument(
        "--split", action="store_true", help="also time (a) without its encoder: (a0)"
    )
    parser.add_argument(
        "--decoded-floor",
        action="store_true",
        help="also time the old floor: (a)'s output decoded and encoded again (bd)",
    )
    parser.add_argument("--length", type=float, default=15.0, help="ad length in seconds")
    parser.add_argument(
        "--memory", action="store_true", help="measure peak memory of one render and stop"
    )
    args = parser.parse_args()
    if args.memory:
        memory_run(args.length, args.preset)
        return
    names = list(FORMATS) if args.formats == "all" else args.formats.split(",")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"ffmpeg: {imageio_ffmpeg.get_ffmpeg_exe()}; PyAV {av.__version__}; cv2 {cv2.__version__}"
    )
    with tempfile.TemporaryDirectory(prefix="shopreel-bench-") as tmp:
        folder = Path(tmp)
        photos = make_photos(folder)
        # A worker renders many ads per process: warm it (imports, fonts, espeak's data) with
        # a tiny render first, so (a) measures rendering, not interpreter start-up.
        first = make_spec(photos, args.preset, args.length)
        warm = RenderSpec(
            format=OutputFormat("warm", 270, 480, first.format.safe_zone),
            scenes=first.scenes[:1],
            fps=30,
        )
        render_ad_video(warm, out_dir=folder / "warm", basename="warm")
        for name in names:
            bench_format(FORMATS[name], photos, folder, args)
    print(f"\nfinished; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
