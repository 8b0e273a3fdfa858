"""The encoder path (``generation.render.encode``): RGB frames in, H.264 yuv420p + AAC out.

Checked by decoding the files as a player would (PyAV) and reading ffmpeg's own description
of the streams (imageio-ffmpeg's ``ffmpeg -i``; there is no ffprobe).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from generation.render import encode
from generation.render.audio import write_wav
from generation.render.errors import RenderCancelled, RenderError
from generation.render.loudness import SAMPLE_RATE

from .conftest import probe

pytestmark = pytest.mark.slow

W, H, FPS = 320, 240, 30
X264 = encode.EncoderSettings("libx264", "ultrafast", ("-crf", "18"))


def _gradient(i: int) -> np.ndarray:
    """A moving colour field: red across, green down, blue with time."""
    y, x = np.mgrid[0:H, 0:W]
    frame = np.empty((H, W, 3), np.uint8)
    frame[..., 0] = x * 255 // (W - 1)
    frame[..., 1] = y * 255 // (H - 1)
    frame[..., 2] = (i * 8) % 256
    return frame


def _tone(path: Path, seconds: float) -> Path:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = 0.3 * np.sin(2 * np.pi * 440 * t)
    write_wav(path, np.stack([wave, wave], axis=1))
    return path


def _ffmpeg_says(path: Path) -> str:
    done = subprocess.run(
        [encode.ffmpeg_binary(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        check=False,
    )
    return done.stderr.decode("utf-8", "replace")


def test_frames_and_wav_become_an_h264_yuv420p_mp4_with_audio_as_long(tmp_path: Path) -> None:
    n = 45  # 1.5 s
    out = tmp_path / "ad.mp4"
    written: list[int] = []
    encode.encode_frames(
        _gradient,
        n_frames=n,
        out=out,
        size=(W, H),
        fps=FPS,
        settings=X264,
        audio=_tone(tmp_path / "tone.wav", n / FPS),
        progress=written.append,
    )

    info = probe(out)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p"
    assert (info.width, info.height) == (W, H)
    assert len(info.frames) == n and info.fps == pytest.approx(FPS)
    assert info.audio_rate == SAMPLE_RATE and info.audio_channels == 2
    assert info.audio_duration == pytest.approx(n / FPS, abs=0.05)
    assert float(np.abs(info.audio).max()) > 0.2  # the tone is there, not silence
    assert written == list(range(1, n + 1))
    # The colours come back: the conversion is done here, and tagged as done (BT.601, tv).
    for i in (0, n // 2, n - 1):
        error = np.abs(info.frames[i].astype(int) - _gradient(i).astype(int))
        assert error.mean() < 3.0, f"frame {i} decodes to other colours"
    described = _ffmpeg_says(out)
    assert re.search(r"Video: h264 .*yuv420p\(tv, smpte170m", described), described
    assert re.search(r"Audio: aac", described), described


def test_ffmpeg_gets_yuv420p_so_it_converts_nothing(tmp_path: Path) -> None:
    cmd = encode.ffmpeg_command(tmp_path / "a.mp4", size=(W, H), fps=FPS, settings=X264, audio=None)
    before_input = cmd[: cmd.index("pipe:0")]
    assert before_input[before_input.index("-pix_fmt") + 1] == "yuv420p"
    assert "-an" in cmd


def test_rgb_to_i420_is_what_a_player_turns_back_into_the_colour() -> None:
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    planes = encode.rgb_to_i420(red)
    assert planes.shape == (6, 4)
    assert planes[0, 0] == 82  # BT.601 limited range: Y = 16 + 0.257 * 255
    with pytest.raises(RenderError, match="HxWx3 uint8"):
        encode.rgb_to_i420(np.zeros((4, 4), np.uint8))


def test_an_encoder_error_is_a_plain_render_error_with_ffmpegs_words(tmp_path: Path) -> None:
    bad = encode.EncoderSettings("libx264", "not-a-preset", ("-crf", "18"))
    with pytest.raises(RenderError, match=r"video encoding failed: .*preset"):
        encode.encode_frames(
            _gradient, n_frames=10, out=tmp_path / "a.mp4", size=(W, H), fps=FPS, settings=bad
        )


def test_a_frame_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="not 320x240"):
        encode.encode_frames(
            lambda i: np.zeros((100, 100, 3), np.uint8),
            n_frames=3,
            out=tmp_path / "a.mp4",
            size=(W, H),
            fps=FPS,
            settings=X264,
        )


def test_cancel_stops_the_encoder(tmp_path: Path) -> None:
    calls = {"n": 0}

    def cancel_after_five() -> bool:
        calls["n"] += 1
        return calls["n"] > 5

    with pytest.raises(RenderCancelled):
        encode.encode_frames(
            _gradient,
            n_frames=300,
            out=tmp_path / "a.mp4",
            size=(W, H),
            fps=FPS,
            settings=X264,
            should_cancel=cancel_after_five,
        )
    assert calls["n"] == 6  # stopped at once, not after the remaining frames


def test_libx264_is_encoded_in_process_with_no_ffmpeg_to_start(tmp_path: Path, monkeypatch) -> None:
    """The default path: PyAV's libx264 (frame threads, as ffmpeg sets it up) and AAC in this
    process; no ffmpeg command is run."""

    def no_process(*args, **kwargs):
        raise AssertionError(f"an ffmpeg process was started: {args[0][:1]}")

    monkeypatch.setattr(encode.subprocess, "Popen", no_process)
    out = tmp_path / "ad.mp4"
    encode.encode_frames(
        _gradient,
        n_frames=30,
        out=out,
        size=(W, H),
        fps=FPS,
        settings=X264,
        audio=_tone(tmp_path / "tone.wav", 1.0),
    )
    info = probe(out)
    assert len(info.frames) == 30 and info.audio_duration == pytest.approx(1.0, abs=0.05)
    assert float(np.abs(info.audio).max()) > 0.2


def test_a_named_ffmpeg_encodes_through_its_pipe_with_the_same_result(tmp_path: Path) -> None:
    """``ffmpeg=`` (as ``FFMPEG_BINARY``, or NVENC) takes the command-line path: the same
    streams, colour tags and colours."""
    out = tmp_path / "piped.mp4"
    encode.encode_frames(
        _gradient,
        n_frames=30,
        out=out,
        size=(W, H),
        fps=FPS,
        settings=X264,
        audio=_tone(tmp_path / "tone.wav", 1.0),
        ffmpeg=encode.ffmpeg_binary(),
    )
    info = probe(out)
    assert len(info.frames) == 30 and info.audio_channels == 2
    error = np.abs(info.frames[15].astype(int) - _gradient(15).astype(int))
    assert error.mean() < 3.0
    assert re.search(r"Video: h264 .*yuv420p\(tv, smpte170m", _ffmpeg_says(out))
