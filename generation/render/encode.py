"""The encoder path: RGB frames in, an H.264 (yuv420p) + AAC MP4 out: ``encode_frames``.

The frame contract is the renderer's: ``frame(i)`` returns frame ``i`` as an HxWx3 uint8 RGB
array. Each frame is converted to yuv420p (I420) here, by OpenCV's SIMD ``RGB2YUV_I420``
(BT.601 matrix, limited range, about 1 ms for 1080x1920 on one core), on the same worker
thread that draws the frames, while the calling thread writes the previous frame's planes to
ffmpeg's stdin. So ffmpeg gets libx264's native input and does no colour conversion of its own:
fed rgb24, ffmpeg's swscale conversion cost about a third more CPU than the encode of the same
frames fed yuv420p (docs/BENCHMARKS.md). The stream is tagged with the matrix and range used,
so players convert back with the same coefficients.

ffmpeg is the one imageio-ffmpeg bundles (or ``FFMPEG_BINARY``, as for moviepy); the mixed WAV
is its second input, encoded to AAC (the fast coder, 160 kb/s, 48 kHz). Errors come back as
``RenderError`` with the tail of ffmpeg's own message; a cancel (``RenderCancelled`` raised by
the frame function or ``should_cancel``) stops ffmpeg and leaves the partial file to the caller,
who writes under a temporary name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import RenderCancelled, RenderError
from .loudness import SAMPLE_RATE

PIPE_BYTES = 1 << 20  # Linux caps it at /proc/sys/fs/pipe-max-size (1 MiB by default)
AHEAD = 2  # frames drawn and converted ahead of the one being written (bounded memory)
AUDIO_ARGS = ("-c:a", "aac", "-b:a", "160k", "-aac_coder", "fast", "-ar", str(SAMPLE_RATE))
# What OpenCV's RGB2YUV_I420 produces: BT.601 coefficients (smpte170m), limited ("tv") range.
COLOUR_ARGS = ("-colorspace", "smpte170m", "-color_range", "tv")


def ffmpeg_binary() -> str:
    """The ffmpeg to run: ``FFMPEG_BINARY`` when set (as moviepy reads it), else the one
    imageio-ffmpeg bundles (libx264 included)."""
    configured = os.environ.get("FFMPEG_BINARY", "")
    if configured and configured != "ffmpeg-imageio":
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def rgb_to_i420(frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """HxWx3 uint8 RGB → (H*3/2)xW I420 planes (Y, then U, then V), BT.601 limited range."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise RenderError(f"a frame must be HxWx3 uint8 RGB, got {frame.dtype} {frame.shape}")
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2YUV_I420, dst=out)


@dataclass(frozen=True)
class EncoderSettings:
    """The video encoder and its options: x264's preset and ``-crf``, or NVENC's preset and
    constant-quality arguments (``compose.encoder_params`` picks them)."""

    codec: str = "libx264"
    preset: str = "veryfast"
    quality: tuple[str, ...] = ("-crf", "21")


def ffmpeg_command(
    out: Path,
    *,
    size: tuple[int, int],
    fps: int,
    settings: EncoderSettings,
    audio: Path | None,
    ffmpeg: str | None = None,
) -> list[str]:
    """ffmpeg reading raw yuv420p frames from stdin (and the WAV, if any) into ``out``."""
    width, height = size
    cmd = [
        ffmpeg or ffmpeg_binary(),
        *("-hide_banner", "-nostats", "-loglevel", "error", "-y"),
        *("-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}"),
        *("-framerate", str(fps), *COLOUR_ARGS, "-i", "pipe:0"),
    ]
    if audio is not None:
        cmd += ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0"]
    cmd += [
        *("-c:v", settings.codec, "-preset", settings.preset, *settings.quality),
        *("-pix_fmt", "yuv420p", *COLOUR_ARGS),
        *(AUDIO_ARGS if audio is not None else ("-an",)),
        *("-movflags", "+faststart", "-f", "mp4", str(out)),
    ]
    return cmd


def _reason(log) -> str:
    """ffmpeg's first error lines (the cause; what follows is consequences), shortened."""
    log.seek(0)
    lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines()]
    text = " / ".join(line for line in lines[:2] if line)
    return text[:300] or "no message"


def encode_frames(
    frame: Callable[[int], np.ndarray],
    *,
    n_frames: int,
    out: Path,
    size: tuple[int, int],
    fps: int,
    settings: EncoderSettings,
    audio: Path | None = None,
    progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    ffmpeg: str | None = None,
) -> None:
    """Encode ``frame(0) … frame(n_frames - 1)`` (RGB) and ``audio`` (a WAV) into ``out``.

    Frames are drawn and converted to yuv420p on one worker thread, ``AHEAD`` frames ahead
    of the write; OpenCV and the pipe write release the GIL, so drawing overlaps encoding.
    ``progress`` gets the number of frames written; ``should_cancel`` is polled per frame.
    """
    if n_frames < 1:
        raise RenderError("nothing to encode: no frames")
    width, height = size

    def draw(index: int) -> np.ndarray:
        rgb = frame(index)
        if rgb.shape[:2] != (height, width):
            raise RenderError(
                f"frame {index} is {rgb.shape[1]}x{rgb.shape[0]}, not {width}x{height}"
            )
        return rgb_to_i420(rgb)

    cmd = ffmpeg_command(out, size=size, fps=fps, settings=settings, audio=audio, ffmpeg=ffmpeg)
    with (
        tempfile.TemporaryFile() as log,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopreel-frames") as pool,
    ):
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log
            )
        except OSError as exc:
            raise RenderError(f"cannot start ffmpeg ({cmd[0]}): {exc}") from exc
        stdin = proc.stdin
        # A 1 MiB pipe instead of 64 KiB: a 1080x1920 frame is 3 MiB, and each pipe-full is
        # a write, a wake-up and a read; measured ~8 % less CPU for the whole encode.
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        written = 0
        pending: deque[Future[np.ndarray]] = deque(
            pool.submit(draw, i) for i in range(min(AHEAD + 1, n_frames))
        )
        try:
            for index in range(n_frames):
                if should_cancel is not None and should_cancel():
                    raise RenderCancelled("render cancelled")
                planes = pending.popleft().result()
                ahead = index + len(pending) + 1
                if ahead < n_frames:
                    pending.append(pool.submit(draw, ahead))
                try:
                    stdin.write(memoryview(planes).cast("B"))
                except BrokenPipeError:  # ffmpeg stopped reading: its own message says why
                    break
                written += 1
                if progress is not None:
                    progress(written)
            _close(stdin)
            if proc.wait() != 0 or written != n_frames:
                raise RenderError(f"video encoding failed: {_reason(log)}")
        except BaseException:
            for future in pending:
                future.cancel()
            _close(stdin)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            raise


def _close(stream) -> None:
    with contextlib.suppress(OSError):  # a broken pipe on the last flush: the exit status says
        stream.close()
