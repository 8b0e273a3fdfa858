"""Render a ``RenderSpec`` into an MP4, a poster and subtitles: ``render_ad_video``.

Components: ``timeline`` (the frame function: scenes, their text and stickers, transitions;
see the package docstring), ``audio`` (voice, music, mix), ``subtitles`` and ``encode``.
The cuts are first moved onto the music's beats (``transitions.on_beats``), so the
soundtrack, the frames and the subtitles share one set of scene times.

Outputs are written under temporary names in ``out_dir`` and moved into place only when
all of them exist, so a failure or a cancel never leaves a half-written file at a final path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import cv2
from PIL import Image

from . import audio, encode, soundtracks
from .colors import hex_to_rgb
from .errors import RenderCancelled, RenderError
from .loudness import SAMPLE_RATE
from .spec import (
    CAPTION_STYLES,
    STYLE_PRESETS,
    TRANSITIONS,
    VIDEO_ENCODERS,
    ClipShot,
    MotionShot,
    RenderResult,
    RenderSpec,
)
from .subtitles import caption_cues, write_subtitles
from .timeline import Timeline as _Timeline
from .transitions import on_beats

PREBUILD_BYTES = 256 * 2**20  # plates built before the encode starts; the rest on demand
# The soundtrack is mixed meanwhile and needs about this many bytes per sample (stereo
# float64 mix, voice, bed, loudness and limiter temporaries): long ads prebuild less, so the
# two together stay bounded (peak memory of a 60 s ad: docs/BENCHMARKS.md).
AUDIO_BYTES_PER_SAMPLE = 64
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def check_inputs(spec: RenderSpec, basename: str) -> None:
    """Refuse a spec the renderer cannot make, before any heavy work, in plain words."""
    if not _SAFE_NAME.match(basename):
        raise RenderError(f"output name must be letters, digits, '.', '_' or '-': {basename!r}")
    if not spec.scenes:
        raise RenderError("the ad has no scenes")
    if spec.encoder not in VIDEO_ENCODERS:
        raise RenderError(
            f"video encoder must be one of {', '.join(VIDEO_ENCODERS)}: {spec.encoder!r}"
        )
    if spec.brand.caption_style not in CAPTION_STYLES:
        raise RenderError(f"unknown caption style {spec.brand.caption_style!r}")
    if spec.brand.style and spec.brand.style not in STYLE_PRESETS:
        raise RenderError(
            f"style must be one of {', '.join(STYLE_PRESETS)} (or empty): {spec.brand.style!r}"
        )
    if spec.brand.font is not None and not Path(spec.brand.font).is_file():
        raise RenderError(f"brand font file missing: {spec.brand.font}")
    if not 1 <= spec.fps <= 120:
        raise RenderError(f"frame rate must be between 1 and 120, got {spec.fps}")
    w, h = spec.format.width, spec.format.height
    if w < 16 or h < 16 or w % 2 or h % 2:
        raise RenderError(f"frame size must be even and at least 16 pixels, got {w}x{h}")
    for colour in (spec.brand.primary, spec.brand.accent, spec.brand.text):
        hex_to_rgb(colour)  # raises a RenderError naming the malformed colour
    if spec.brand.logo is not None and not Path(spec.brand.logo).is_file():
        raise RenderError(f"logo file missing: {spec.brand.logo}")
    for number, scene in enumerate(spec.scenes, start=1):
        if not scene.duration > 0:
            raise RenderError(f"scene {number} has no duration")
        if scene.transition not in (*TRANSITIONS, "crossfade"):
            raise RenderError(f"scene {number} has an unknown transition {scene.transition!r}")
        if isinstance(scene.shot, MotionShot):
            if not scene.shot.images:
                raise RenderError(f"scene {number} has no product image")
            for path in (*scene.shot.images, *scene.shot.cutouts):
                if not Path(path).is_file():
                    raise RenderError(f"image file missing: {path}")
        elif isinstance(scene.shot, ClipShot) and not Path(scene.shot.path).is_file():
            raise RenderError(f"video clip missing: {scene.shot.path}")


@contextmanager
def _single_threaded_opencv() -> Iterator[None]:
    """During the encode libx264 keeps every core busy; OpenCV's own worker threads then
    only add scheduling overhead (~5 % more CPU for the same frames), so frames are made on
    one thread (encode.py's drawing thread), in parallel with the encoder."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


class _Progress:
    """Calls back at most once per whole percent."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.callback = callback
        self.last = -1

    def __call__(self, pct: float) -> None:
        value = max(0, min(100, int(pct)))
        if self.callback is not None and value > self.last:
            self.last = value
            self.callback(value)


def _ffmpeg_binary() -> str:
    from moviepy.config import FFMPEG_BINARY  # the ffmpeg moviepy will run

    return FFMPEG_BINARY


def _ffmpeg_has_encoder(ffmpeg: str, name: str) -> bool:
    try:
        done = subprocess.run(
            [ffmpeg, "-hide_banner", "-encoders"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(
        line.split()[1:2] == [name]
        for line in done.stdout.decode("utf-8", "replace").splitlines()
        if line.strip()
    )


def _nvidia_present() -> bool:
    """An NVIDIA GPU this process can use: the driver's device node, or nvidia-smi listing
    one."""
    if Path("/dev/nvidia0").exists():
        return True
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        done = subprocess.run([smi, "-L"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"GPU" in done.stdout


def resolve_encoder(
    requested: str,
    *,
    ffmpeg: str | None = None,
    has_encoder: Callable[[str, str], bool] = _ffmpeg_has_encoder,
    nvidia_present: Callable[[], bool] = _nvidia_present,
) -> str:
    """The H.264 encoder to use: ``libx264`` or ``h264_nvenc`` as asked, or for ``auto``
    NVENC only when the ffmpeg in use lists it *and* an NVIDIA device is present."""
    if requested not in VIDEO_ENCODERS:
        raise RenderError(
            f"video encoder must be one of {', '.join(VIDEO_ENCODERS)}: {requested!r}"
        )
    if requested != "auto":
        return requested
    binary = ffmpeg or _ffmpeg_binary()
    if has_encoder(binary, "h264_nvenc") and nvidia_present():
        return "h264_nvenc"
    return "libx264"


def encoder_params(encoder: str, spec: RenderSpec) -> tuple[str, list[str]]:
    """(preset, quality arguments) for the encoder: x264's preset and CRF, or NVENC's
    nearest equivalents (p1 fastest .. p7 best; constant quality ``-cq``)."""
    if encoder == "h264_nvenc":
        fast = spec.preset in ("ultrafast", "superfast", "veryfast", "faster", "fast")
        return ("p2" if fast else "p5"), ["-rc", "vbr", "-cq", str(spec.crf + 2), "-b:v", "0"]
    return spec.preset, ["-crf", str(spec.crf)]


def _encode(
    timeline: _Timeline,
    spec: RenderSpec,
    n_frames: int,
    video_tmp: Path,
    wav_tmp: Path,
    report: _Progress,
    should_cancel: Callable[[], bool] | None,
) -> None:
    """Encode our frames and the WAV (``encode.encode_frames``: yuv420p made in-process)."""
    codec = resolve_encoder(spec.encoder)
    preset, quality = encoder_params(codec, spec)
    encode.encode_frames(
        lambda i: timeline.frame(i / spec.fps),
        n_frames=n_frames,
        out=video_tmp,
        size=(spec.format.width, spec.format.height),
        fps=spec.fps,
        settings=encode.EncoderSettings(codec, preset, tuple(quality)),
        audio=wav_tmp,
        progress=lambda done: report(5 + 93 * done / n_frames),
        should_cancel=should_cancel,
    )


def render_ad_video(
    spec: RenderSpec,
    *,
    out_dir: Path,
    basename: str,
    progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    tts: audio.TTSEngine | None = None,
) -> RenderResult:
    """Render ``spec`` to ``out_dir/{basename}.mp4|.jpg|.srt|.vtt`` and describe the result.

    Stages: 1 check inputs, 2 soundtrack, 3 poster, 4 frames + encode, 5 subtitles,
    6 move into place. ``progress`` gets 0-100; ``should_cancel`` is polled every frame and
    a True stops the render with ``RenderCancelled``. ``tts`` overrides espeak-ng.
    """
    report = _Progress(progress)
    check_inputs(spec, basename)
    spec = on_beats(spec)  # cuts on the music's beats: the soundtrack and frames share them
    if tts is None and spec.audio.voice and any(s.voiceover.strip() for s in spec.scenes):
        tts = audio.engine_for(spec.audio)  # a voice that is not set up fails here, first
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:10]
    final = {ext: out_dir / f"{basename}.{ext}" for ext in ("mp4", "jpg", "srt", "vtt")}
    temp = {ext: out_dir / f".{basename}.{token}.part.{ext}" for ext in (*final, "wav")}
    n_frames = max(1, round(spec.duration * spec.fps))
    timeline = _Timeline(spec)
    report(0)
    try:
        # 2. One mixed soundtrack, exactly as long as the frames, made on a thread while
        # 3. the poster (the middle of the first scene) is drawn and the first scenes are
        # prepared: all of it is numpy and OpenCV work that runs outside the GIL. The
        # word-by-word captions need the spoken words first, so that style waits for them.
        n_samples = round(n_frames / spec.fps * SAMPLE_RATE)
        # Captions pop word by word as the voice says them: with a voice, the soundtrack's
        # word timings are needed before the first frame.
        follows_voice = spec.audio.voice and any(sc.voiceover.strip() for sc in spec.scenes)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopreel-audio") as pool:
            track = pool.submit(
                soundtracks.soundtrack, spec, temp["wav"], n_samples=n_samples, engine=tts
            )
            try:
                if follows_voice:
                    timeline.words = track.result().words
                poster_t = min(spec.scenes[0].duration / 2, (n_frames - 1) / spec.fps)
                Image.fromarray(timeline.frame(poster_t)).save(temp["jpg"], "JPEG", quality=88)
                timeline.prepare(
                    max(PREBUILD_BYTES // 4, PREBUILD_BYTES - n_samples * AUDIO_BYTES_PER_SAMPLE)
                )
            finally:
                track.result()
        report(5)
        if should_cancel is not None and should_cancel():
            raise RenderCancelled("render cancelled")
        # 4. Frames and encode.
        with _single_threaded_opencv():
            _encode(timeline, spec, n_frames, temp["mp4"], temp["wav"], report, should_cancel)
        # 5. Subtitles.
        cues = caption_cues(spec)
        write_subtitles(cues, temp["srt"], temp["vtt"])
        # 6. Into place, all together.
        for ext, path in final.items():
            os.replace(temp[ext], path)
    finally:
        timeline.close()
        for path in temp.values():
            path.unlink(missing_ok=True)
    report(100)
    return RenderResult(
        video=final["mp4"],
        poster=final["jpg"],
        srt=final["srt"],
        vtt=final["vtt"],
        duration=n_frames / spec.fps,
        frames=n_frames,
        cues=cues,
    )
