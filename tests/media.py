"""Decode rendered files the way a user's player would, with PyAV (FFmpeg's libraries)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av


@dataclass
class Probe:
    width: int
    height: int
    fps: float
    frames: int
    duration: float  # video stream, seconds
    audio_duration: float | None  # None when there is no audio stream
    audio_peak: float  # max |sample| of the decoded audio, 0..1


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        fps = float(video.average_rate)
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(str(path)) as container:
        audio_duration, peak = None, 0.0
        if container.streams.audio:
            samples = 0
            rate = container.streams.audio[0].rate
            for frame in container.decode(audio=0):
                array = frame.to_ndarray()
                samples += frame.samples
                peak = max(peak, float(abs(array).max()) if array.size else 0.0)
            audio_duration = samples / rate
    return Probe(
        width=video.codec_context.width,
        height=video.codec_context.height,
        fps=fps,
        frames=frames,
        duration=frames / fps,
        audio_duration=audio_duration,
        audio_peak=peak,
    )
