"""Render a ``RenderSpec`` into an MP4, a poster and subtitles: ``render_ad_video``.

Components: ``scenes`` (what each scene looks like: plates + camera, or a decoded clip),
``captions`` (text layers), ``audio`` (voice, music, mix), ``subtitles``; moviepy 2 owns the
timeline and the encode. The frame function is ours and does the minimum per frame: one
affine warp per visible scene, alpha blends inside the overlays' boxes, and a weighted sum
during crossfades. Everything else is prepared once per scene.

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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from . import audio
from .blend import BlendLayer, TimedBlendLayer, crossfade
from .captions import render_badge, render_caption, render_caption_words
from .colors import hex_to_rgb
from .errors import RenderCancelled, RenderError
from .loudness import SAMPLE_RATE
from .scenes import ClipShotScene, MotionScene
from .spec import (
    CAPTION_STYLES,
    VIDEO_ENCODERS,
    ClipShot,
    MotionShot,
    RenderResult,
    RenderSpec,
    SceneSpec,
    WordTiming,
    on_screen_caption,
)
from .subtitles import caption_cues, write_subtitles
from .wordsync import highlight_times

CROSSFADE = 0.4  # seconds of overlap between scenes joined by a crossfade
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
        if isinstance(scene.shot, MotionShot):
            if not scene.shot.images:
                raise RenderError(f"scene {number} has no product image")
            for path in (*scene.shot.images, *scene.shot.cutouts):
                if not Path(path).is_file():
                    raise RenderError(f"image file missing: {path}")
        elif isinstance(scene.shot, ClipShot) and not Path(scene.shot.path).is_file():
            raise RenderError(f"video clip missing: {scene.shot.path}")


@dataclass
class _Slot:
    """A scene on the timeline. ``vis_start`` is earlier than ``start`` when the previous
    scene crossfades into this one; ``fade_out`` is this scene's crossfade into the next."""

    scene: SceneSpec
    index: int
    start: float
    end: float
    vis_start: float
    fade_out: float
    visual: MotionScene | ClipShotScene | None = None


class _Timeline:
    """Scenes in time, built lazily (and released after use) so memory stays flat."""

    def __init__(self, spec: RenderSpec) -> None:
        self.spec = spec
        # Per scene, the spoken words (seconds from the start of the ad), once the
        # soundtrack is made; the word-by-word caption style follows them.
        self.words: tuple[tuple[WordTiming, ...], ...] = ()
        self.size = (spec.format.width, spec.format.height)
        self.slots: list[_Slot] = []
        start = 0.0
        scenes = spec.scenes
        for i, scene in enumerate(scenes):
            end = start + scene.duration
            fade = 0.0
            if scene.transition == "crossfade" and i + 1 < len(scenes):
                fade = min(CROSSFADE, 0.3 * scene.duration, 0.3 * scenes[i + 1].duration)
            vis_start = start - (self.slots[-1].fade_out if self.slots else 0.0)
            self.slots.append(_Slot(scene, i, start, end, vis_start, fade))
            start = end

    def _visual(self, slot: _Slot) -> MotionScene | ClipShotScene:
        if slot.visual is None:
            slot.visual = self._build(slot)
        return slot.visual

    def _build(self, slot: _Slot) -> MotionScene | ClipShotScene:
        spec, scene = self.spec, slot.scene
        end_card = scene.shot_type == "cta"
        overlays: list[BlendLayer | TimedBlendLayer] = []
        text = on_screen_caption(scene, spec.brand)
        caption = None
        spoken = self.words[slot.index] if slot.index < len(self.words) else ()
        if spec.brand.caption_style == "highlight" and not end_card and spoken:
            words = render_caption_words(
                text, spec.format, language=spec.language, brand=spec.brand
            )
            times = highlight_times(words.words, spoken) if words is not None else ()
            if words is not None and times:
                local = tuple((a - slot.vis_start, b - slot.vis_start) for a, b in times)
                overlays.append(TimedBlendLayer(words.base, words.variants, local, self.size))
                caption = words.base
        if caption is None:  # other styles; or nothing spoken to follow: the outline
            caption = render_caption(
                text,
                spec.format,
                language=spec.language,
                shot_type=scene.shot_type,
                brand=spec.brand,
            )
            if caption is not None:
                overlays.append(BlendLayer(caption, self.size))
        badge = None
        if scene.badge:
            badge = render_badge(
                scene.badge,
                spec.format,
                language=spec.language,
                shot_type=scene.shot_type,
                brand=spec.brand,
                above=caption.y if (caption is not None and end_card) else None,
            )
            if badge is not None:
                overlays.append(BlendLayer(badge, self.size))
        if isinstance(scene.shot, ClipShot):
            return ClipShotScene(scene.shot, spec.format, overlays)
        return MotionScene(
            scene.shot,
            spec.format,
            spec.brand,
            slot.end - slot.vis_start,
            overlays,
            end_card=end_card,
            seed=spec.seed + slot.index * 101,
            # The product stays above the caption (and, on the end card, the badge).
            reserve_top=min(
                (o.y for o in (caption, badge if end_card else None) if o is not None),
                default=None,
            ),
        )

    def prepare(self, budget_bytes: int = PREBUILD_BYTES) -> None:
        """Build scenes ahead of the encode while memory allows (the soundtrack is being
        mixed on another core meanwhile, and during the encode both cores are busy)."""
        used = 0
        for slot in self.slots:
            shot = slot.scene.shot
            images = len(shot.images) if isinstance(shot, MotionShot) else 0
            used += images * self.size[0] * self.size[1] * 4 * 1.35  # RGBA plates, overscan
            if used > budget_bytes:
                break
            self._visual(slot)

    def _slot_at(self, t: float) -> int:
        for i, slot in enumerate(self.slots):
            if t < slot.end:
                return i
        return len(self.slots) - 1

    def frame(self, t: float) -> np.ndarray:
        """The finished frame at ``t`` seconds (RGB uint8, HxWx3)."""
        k = self._slot_at(t)
        for old in self.slots[:k]:  # frames come in order: earlier scenes are done
            self._release(old)
        slot = self.slots[k]
        img = self._visual(slot).frame(t - slot.vis_start)
        if slot.fade_out > 0 and t > slot.end - slot.fade_out and k + 1 < len(self.slots):
            nxt = self.slots[k + 1]
            weight = (t - (slot.end - slot.fade_out)) / slot.fade_out
            img = crossfade(img, self._visual(nxt).frame(t - nxt.vis_start), weight)
        return img

    def _release(self, slot: _Slot) -> None:
        if slot.visual is not None:
            slot.visual.close()
            slot.visual = None

    def close(self) -> None:
        for slot in self.slots:
            self._release(slot)


class _Prefetcher:
    """Renders frame i+1 on a worker thread while moviepy pipes frame i to the encoder.

    OpenCV and the pipe write both release the GIL, so frame making overlaps encoding
    instead of alternating with it. One worker keeps the timeline single-threaded.
    """

    def __init__(self, render: Callable[[int], np.ndarray], n_frames: int) -> None:
        self.render = render
        self.n_frames = n_frames
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopreel-frames")
        self.pending: dict[int, Future[np.ndarray]] = {}

    def get(self, index: int) -> np.ndarray:
        future = self.pending.pop(index, None) or self.pool.submit(self.render, index)
        ahead = index + 1
        if ahead < self.n_frames and ahead not in self.pending:
            self.pending[ahead] = self.pool.submit(self.render, ahead)
        return future.result()

    def close(self) -> None:
        for future in self.pending.values():
            future.cancel()
        self.pool.shutdown(wait=True)


@contextmanager
def _single_threaded_opencv() -> Iterator[None]:
    """During the encode libx264 keeps every core busy; OpenCV's own worker threads then
    only add scheduling overhead (~5 % more CPU for the same frames), so frames are made on
    one thread (the prefetcher), in parallel with the encoder."""
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
    """Encode with moviepy: a fixed-size VideoClip on our frame function, the WAV as audio."""
    from moviepy import VideoClip  # imported here: moviepy's import is slow and optional

    fps = spec.fps
    encoder = resolve_encoder(spec.encoder)
    preset, quality = encoder_params(encoder, spec)
    done: set[int] = set()
    prefetch = _Prefetcher(lambda i: timeline.frame(i / fps), n_frames)

    def frame_function(t: float) -> np.ndarray:
        if should_cancel is not None and should_cancel():
            raise RenderCancelled("render cancelled")
        index = min(n_frames - 1, round(t * fps))
        img = prefetch.get(index)
        done.add(index)
        report(5 + 93 * len(done) / n_frames)
        return img

    clip = None
    try:
        # Half a frame of slack: moviepy writes int(duration * fps) frames.
        clip = VideoClip(frame_function=frame_function, duration=(n_frames + 0.5) / fps)
        clip.write_videofile(
            str(video_tmp),
            fps=fps,
            codec=encoder,
            preset=preset,
            audio=str(wav_tmp),
            audio_codec="aac",
            threads=os.cpu_count() or 2,
            pixel_format="yuv420p",
            logger=None,
            # moviepy appends its own -pix_fmt (yuva420p) after these; libx264 has no alpha,
            # so ffmpeg settles on yuv420p (the tests check the decoded stream says so).
            # The fast AAC coder: a third of the CPU of the default, transparent at 160k.
            ffmpeg_params=[
                *quality,
                *("-pix_fmt", "yuv420p"),
                *("-b:a", "160k", "-aac_coder", "fast", "-ar", str(SAMPLE_RATE)),
                *("-movflags", "+faststart"),
            ],
        )
    except (RenderError, RenderCancelled):
        raise
    except OSError as exc:  # moviepy reports ffmpeg failures (and broken pipes) this way
        raise RenderError(f"video encoding failed: {str(exc).strip()[-300:]}") from exc
    finally:
        prefetch.close()
        if clip is not None:
            clip.close()


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
        follows_voice = spec.brand.caption_style == "highlight" and spec.audio.voice
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopreel-audio") as pool:
            track = pool.submit(
                audio.soundtrack, spec, temp["wav"], n_samples=n_samples, engine=tts
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
