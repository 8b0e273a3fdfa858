"""Sidecar subtitles (SRT and WebVTT) from the scenes' on-screen captions.

Platforms and players use them for accessibility and search; the cue times are the scene
times, the same ones the burnt-in captions use.
"""

from __future__ import annotations

from pathlib import Path

from .spec import CaptionCue, RenderSpec, on_screen_caption


def caption_cues(spec: RenderSpec) -> tuple[CaptionCue, ...]:
    """One cue per scene that has a caption, from the scene's start to its end."""
    cues: list[CaptionCue] = []
    start = 0.0
    for scene in spec.scenes:
        end = start + scene.duration
        text = " ".join(on_screen_caption(scene, spec.brand).split())
        if text:
            cues.append(CaptionCue(start=round(start, 3), end=round(end, 3), text=text))
        start = end
    return tuple(cues)


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(cues: tuple[CaptionCue, ...]) -> str:
    blocks = [
        f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n"
        for i, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: tuple[CaptionCue, ...]) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n" for c in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)


def write_subtitles(cues: tuple[CaptionCue, ...], srt_path: Path, vtt_path: Path) -> None:
    srt_path.write_text(to_srt(cues), encoding="utf-8")
    vtt_path.write_text(to_vtt(cues), encoding="utf-8")
