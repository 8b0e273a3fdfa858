"""SRT / WebVTT sidecars follow the scenes' captions and times."""

from __future__ import annotations

from pathlib import Path

from generation.render.spec import CaptionCue, MotionShot, RenderSpec, SceneSpec
from generation.render.subtitles import caption_cues, to_srt, to_vtt

from .conftest import SMALL


def test_cues_follow_scene_times_and_skip_empty_captions() -> None:
    shot = MotionShot((Path("x.jpg"),))
    spec = RenderSpec(
        format=SMALL,
        scenes=(
            SceneSpec(2.5, shot, caption="Hook  line"),
            SceneSpec(1.25, shot),
            SceneSpec(3.0, shot, caption="عرض خاص"),
        ),
    )
    assert caption_cues(spec) == (
        CaptionCue(0.0, 2.5, "Hook line"),
        CaptionCue(3.75, 6.75, "عرض خاص"),
    )


def test_srt_and_vtt_text() -> None:
    cues = (CaptionCue(0.0, 2.5, "One"), CaptionCue(3661.2, 3662.0, "限时优惠"))
    assert to_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:02,500\nOne\n\n2\n01:01:01,200 --> 01:01:02,000\n限时优惠\n"
    )
    assert to_vtt(cues) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nOne\n\n01:01:01.200 --> 01:01:02.000\n限时优惠\n"
    )
