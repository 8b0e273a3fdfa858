"""The encoder path: RGB frames in, an H.264 (yuv420p) + AAC MP4 out: ``encode_frames``.

The frame contract is the renderer's: ``frame(i)`` returns frame ``i`` as an HxWx3 uint8 RGB
array. Each frame is converted to yuv420p (I420) here, by OpenCV's SIMD ``RGB2YUV_I420``
(BT.601 matrix, limited range, about 1 ms for 1080x1920 on one core), on the same worker
thread that draws the frames, while the calling thread hands the previous frame's planes to
the encoder. So libx264 gets its native input and no colour conversion is done after ours:
fed rgb24, ffmpeg's swscale conversion cost about a third more CPU than the encode of the same
frames fed yuv420p (docs/BENCHMARKS.md). The stream is tagged with the matrix and range used,
so players convert back with the same coefficients.

libx264 runs in this process, through PyAV (``av``, which bundles the FFmpeg libraries): the
planes go to the encoder from memory, with no pipe, no second process and no raw-video
demuxer, and the mixed WAV is encoded to AAC (the fast coder, 160 kb/s, 48 kHz) beside it.
x264 uses frame threads, as the ffmpeg command line sets it up (PyAV's default, slice
threads, is another set-up: less CPU, slower and larger files). Measured side by side, this
costs about 6 % less CPU than piping the same planes to ffmpeg, at the same wall time
(docs/BENCHMARKS.md). NVENC (``h264_nvenc``), or an ffmpeg named by ``FFMPEG_BINARY`` or the
``ffmpeg`` argument, goes through the ffmpeg command line instead: the planes on its stdin
(a 1 MiB pipe), the WAV its second input. Errors come back as ``RenderError`` with the
encoder's own words; a cancel (``RenderCancelled`` raised by the frame function or
``should_cancel``) stops the encode and leaves the partial file to the caller, who writes
under a temporary name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
import wave
from collections import deque
from collections.abc import Callable, Iterator
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


def _named_ffmpeg() -> str:
    """The ffmpeg ``FFMPEG_BINARY`` names (as moviepy reads it), "" for none or imageio's."""
    configured = os.environ.get("FFMPEG_BINARY", "")
    return "" if configured == "ffmpeg-imageio" else configured


def ffmpeg_binary() -> str:
    """The ffmpeg to run: ``FFMPEG_BINARY`` when set (as moviepy reads it), else the one
    imageio-ffmpeg bundles (libx264 included)."""
    if configured := _named_ffmpeg():
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


X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG = 6, 1  # COLOUR_ARGS as libavutil numbers them (PyAV)


def _in_process(settings: EncoderSettings, ffmpeg: str | None) -> bool:
    """libx264 through PyAV, unless another ffmpeg was asked for (by argument or
    ``FFMPEG_BINARY``) or the codec is not libx264 (NVENC needs the system's ffmpeg)."""
    return ffmpeg is None and not _named_ffmpeg() and settings.codec == "libx264"


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

    if _in_process(settings, ffmpeg):
        _encode_in_process(
            draw,
            n_frames=n_frames,
            out=out,
            size=size,
            fps=fps,
            settings=settings,
            audio=audio,
            progress=progress,
            should_cancel=should_cancel,
        )
        return
    cmd = ffmpeg_command(out, size=size, fps=fps, settings=settings, audio=audio, ffmpeg=ffmpeg)
    with tempfile.TemporaryFile() as log:
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
        try:
            with _drawn_ahead(draw, n_frames, should_cancel) as frames:
                for _index, planes in frames:
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
            _close(stdin)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            raise


@contextlib.contextmanager
def _drawn_ahead(
    draw: Callable[[int], np.ndarray],
    n_frames: int,
    should_cancel: Callable[[], bool] | None,
) -> Iterator[Iterator[tuple[int, np.ndarray]]]:
    """``(index, planes)`` for every frame in order, each drawn on one worker thread
    ``AHEAD`` frames before it is asked for (OpenCV releases the GIL, so drawing overlaps
    the encoder). ``should_cancel`` is polled before each frame; on the way out, frames not
    drawn yet are dropped."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopreel-frames") as pool:
        pending: deque[Future[np.ndarray]] = deque(
            pool.submit(draw, i) for i in range(min(AHEAD + 1, n_frames))
        )

        def frames() -> Iterator[tuple[int, np.ndarray]]:
            for index in range(n_frames):
                if should_cancel is not None and should_cancel():
                    raise RenderCancelled("render cancelled")
                planes = pending.popleft().result()
                ahead = index + len(pending) + 1
                if ahead < n_frames:
                    pending.append(pool.submit(draw, ahead))
                yield index, planes

        try:
            yield frames()
        finally:
            for future in pending:
                future.cancel()


def _close(stream) -> None:
    with contextlib.suppress(OSError):  # a broken pipe on the last flush: the exit status says
        stream.close()


def _codec_options(settings: EncoderSettings) -> dict[str, str]:
    """x264's preset and the quality arguments (``("-crf", "21")``) as codec options."""
    pairs = settings.quality
    if len(pairs) % 2:
        raise RenderError(f"encoder quality arguments must come in pairs: {pairs!r}")
    options = {pairs[i].lstrip("-"): str(pairs[i + 1]) for i in range(0, len(pairs), 2)}
    return {"preset": settings.preset, **options}


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit 48 kHz WAV (``audio.write_wav``): (1, samples * channels) interleaved int16,
    and its number of channels."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getframerate() != SAMPLE_RATE:
            raise RenderError(f"the soundtrack must be 16-bit {SAMPLE_RATE} Hz: {path.name}")
        channels = w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return pcm.reshape(1, -1), channels


def _encode_in_process(
    draw: Callable[[int], np.ndarray],
    *,
    n_frames: int,
    out: Path,
    size: tuple[int, int],
    fps: int,
    settings: EncoderSettings,
    audio: Path | None,
    progress: Callable[[int], None] | None,
    should_cancel: Callable[[], bool] | None,
) -> None:
    """``encode_frames`` with libx264 and AAC in this process (PyAV): the planes go to the
    encoder from memory, with no pipe, no second process and no raw-video demuxer. Frames are
    drawn on one worker thread, ``AHEAD`` ahead, as for the pipe; the audio is encoded in
    step with the video, so the muxer interleaves them without holding the whole track."""
    import av

    width, height = size
    if settings.preset not in X264_PRESETS:  # x264 would say so only in its log
        raise RenderError(
            f"video encoding failed: {settings.preset!r} is not an x264 preset "
            f"({', '.join(X264_PRESETS)})"
        )
    pcm, channels = _read_wav(audio) if audio is not None else (None, 0)
    layout = "stereo" if channels == 2 else "mono"
    try:
        container = av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"})
    except (av.FFmpegError, OSError) as exc:
        raise RenderError(f"cannot write the video: {exc}") from exc
    with container:
        try:
            video = container.add_stream("libx264", rate=fps)
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.options = _codec_options(settings)
            # x264's frame threads, as the ffmpeg command line has them. PyAV's default, slice
            # threads, is another encoder set-up: less CPU, slower and larger.
            video.codec_context.thread_type = "AUTO"
            video.codec_context.colorspace = AVCOL_SPC_SMPTE170M
            video.codec_context.color_range = AVCOL_RANGE_MPEG
            sound = None
            if pcm is not None:
                sound = container.add_stream("aac", rate=SAMPLE_RATE, layout=layout)
                sound.bit_rate = 160_000
                sound.options = {"aac_coder": "fast"}
            per_frame = SAMPLE_RATE / fps
            sent = 0  # audio samples (per channel) encoded so far
            total = pcm.shape[1] // channels if pcm is not None else 0
            with _drawn_ahead(draw, n_frames, should_cancel) as frames:
                for index, planes in frames:
                    picture = av.VideoFrame.from_ndarray(planes, format="yuv420p")
                    picture.pts = index
                    container.mux(video.encode(picture))
                    upto = (
                        total
                        if index == n_frames - 1
                        else min(total, round((index + 1) * per_frame))
                    )
                    if sound is not None and upto > sent:
                        chunk = av.AudioFrame.from_ndarray(
                            np.ascontiguousarray(pcm[:, sent * channels : upto * channels]),
                            format="s16",
                            layout=layout,
                        )
                        chunk.sample_rate, chunk.pts = SAMPLE_RATE, sent
                        container.mux(sound.encode(chunk))
                        sent = upto
                    if progress is not None:
                        progress(index + 1)
            container.mux(video.encode(None))
            if sound is not None:
                container.mux(sound.encode(None))
        except av.FFmpegError as exc:
            raise RenderError(f"video encoding failed: {exc}") from exc
