"""Fixtures for the render engine tests: tiny product photos and a small output format.

Most tests render at 270x480 (a quarter of 9:16) for speed; one renders full size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.render.spec import (
    FORMATS,
    AudioSpec,
    MotionShot,
    OutputFormat,
    RenderSpec,
    SceneSpec,
)

SMALL = OutputFormat("9:16", 270, 480, FORMATS["9:16"].safe_zone)
QUIET = AudioSpec(voice=False, music=False)


@pytest.fixture
def make_photo(tmp_path: Path) -> Callable[..., Path]:
    """A product-like photo: a coloured shape on white (or an RGBA cut-out)."""

    def make(name: str = "photo.jpg", colour=(200, 40, 60), size=(600, 600), cutout=False) -> Path:
        w, h = size
        im = Image.new("RGBA", size, (0, 0, 0, 0)) if cutout else Image.new("RGB", size, "white")
        ImageDraw.Draw(im).rounded_rectangle(
            (w // 4, h // 8, 3 * w // 4, 7 * h // 8), radius=w // 10, fill=colour
        )
        path = tmp_path / name
        im.save(path)
        return path

    return make


def simple_spec(
    photo: Path,
    *,
    caption: str = "",
    fmt: OutputFormat = SMALL,
    duration: float = 1.5,
    audio: AudioSpec = QUIET,
    **scene,
) -> RenderSpec:
    return RenderSpec(
        format=fmt,
        scenes=(SceneSpec(duration, MotionShot((photo,)), caption=caption, **scene),),
        audio=audio,
    )


@dataclass
class Probe:
    width: int
    height: int
    fps: float
    pix_fmt: str
    codec: str
    video_duration: float
    frames: list[np.ndarray]
    audio_duration: float | None
    audio_rate: int | None
    audio_channels: int | None
    audio: np.ndarray | None


def probe(path: Path, *, keep_frames: bool = True) -> Probe:
    """Decode a file the way a player would and report what a user would check."""
    with av.open(str(path)) as container:
        v = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(v)]
        n = len(frames)
        fps = float(v.average_rate)
        info = dict(
            width=v.codec_context.width,
            height=v.codec_context.height,
            fps=fps,
            pix_fmt=v.codec_context.pix_fmt,
            codec=v.codec_context.name,
            video_duration=n / fps,
        )
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return Probe(
                **info,
                frames=frames if keep_frames else [],
                audio_duration=None,
                audio_rate=None,
                audio_channels=None,
                audio=None,
            )
        a = container.streams.audio[0]
        chunks = [f.to_ndarray() for f in container.decode(a)]
        pcm = np.concatenate(chunks, axis=1)  # planar float: (channels, samples)
        return Probe(
            **info,
            frames=frames if keep_frames else [],
            audio_duration=pcm.shape[1] / a.rate,
            audio_rate=a.rate,
            audio_channels=a.codec_context.channels,
            audio=pcm,
        )
