"""The render engine's outputs, checked by decoding them as a player would (PyAV)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from generation.render.captions import safe_rect
from generation.render.compose import render_ad_video
from generation.render.errors import RenderCancelled, RenderError
from generation.render.spec import (
    FORMATS,
    AudioSpec,
    ClipShot,
    MotionShot,
    RenderSpec,
    SceneSpec,
)
from generation.render.timeline import Timeline

from .conftest import QUIET, SMALL, probe, simple_spec

pytestmark = pytest.mark.slow


def _srt_times(text: str) -> list[tuple[str, str]]:
    return re.findall(r"(\d\d:\d\d:\d\d[,.]\d{3}) --> (\d\d:\d\d:\d\d[,.]\d{3})", text)


def test_render_writes_video_poster_and_subtitles(tmp_path: Path, make_photo) -> None:
    a, b = make_photo("a.jpg"), make_photo("b.png", colour=(30, 150, 90), cutout=True)
    spec = RenderSpec(
        format=SMALL,
        scenes=(
            SceneSpec(
                1.5,
                MotionShot((a,), "push_in", background="blur"),
                caption="Meet the bottle",
                voiceover="Meet the bottle.",
            ),
            SceneSpec(
                1.0,
                MotionShot((b,), "pan_left", cutouts=(b,)),
                shot_type="cta",
                caption="Shop now",
                badge="$29.99",
            ),
        ),
        audio=AudioSpec(voice=shutil.which("espeak-ng") is not None, music=True),
    )
    seen: list[int] = []
    result = render_ad_video(spec, out_dir=tmp_path / "out", basename="ad", progress=seen.append)

    info = probe(result.video, keep_frames=False)
    assert (info.width, info.height) == (270, 480)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p"
    assert info.fps == pytest.approx(30)
    assert abs(info.video_duration - spec.duration) <= 1 / 30 + 1e-6
    assert result.frames == 75 and result.duration == pytest.approx(2.5)
    assert info.audio_rate == 48_000 and info.audio_channels == 2
    assert abs(info.audio_duration - spec.duration) <= 1 / 30 + 1e-6
    assert np.abs(info.audio).max() > 0.01  # the music bed is there

    assert result.poster.stat().st_size > 1000
    assert _srt_times(result.srt.read_text()) == [
        ("00:00:00,000", "00:00:01,500"),
        ("00:00:01,500", "00:00:02,500"),
    ]
    vtt = result.vtt.read_text()
    assert vtt.startswith("WEBVTT")
    assert _srt_times(vtt) == [("00:00:00.000", "00:00:01.500"), ("00:00:01.500", "00:00:02.500")]
    assert [c.text for c in result.cues] == ["Meet the bottle", "Shop now"]

    assert seen == sorted(seen) and len(seen) == len(set(seen)) and seen[-1] == 100
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ad.jpg",
        "ad.mp4",
        "ad.srt",
        "ad.vtt",
    ]


def test_caption_appears_only_inside_its_box_and_the_box_is_safe(
    tmp_path: Path, make_photo
) -> None:
    photo = make_photo()
    text = "Keeps drinks cold all day"
    plain = render_ad_video(simple_spec(photo), out_dir=tmp_path, basename="plain")
    captioned = render_ad_video(simple_spec(photo, caption=text), out_dir=tmp_path, basename="cap")

    # Where the caption rests once its words have popped in (they land in the first 0.4 s
    # and lift out in the last 0.16 s, so the frames checked are in between).
    x0, y0, x1, y1 = Timeline(simple_spec(photo, caption=text)).decor(0).caption_bbox
    sx0, sy0, sx1, sy1 = safe_rect(SMALL)
    assert sx0 <= x0 < x1 <= sx1 and sy0 <= y0 < y1 <= sy1

    frames_a, frames_b = probe(plain.video).frames, probe(captioned.video).frames
    assert len(frames_a) == len(frames_b) == 45
    for i in (14, 22, 38):
        diff = np.abs(frames_a[i].astype(np.int16) - frames_b[i].astype(np.int16)).mean(axis=2)
        inside = diff[y0:y1, x0:x1].mean()
        outside = np.ones_like(diff, dtype=bool)
        # a margin of one macroblock: the encoder smears the edge of the text; and P-frames
        # drift by a level or two where the two encodes made different choices
        outside[max(0, y0 - 16) : y1 + 16, max(0, x0 - 16) : x1 + 16] = False
        assert inside > 25, f"caption not visible in frame {i}"
        assert diff[outside].mean() < 2.0, f"frame {i} changed outside the caption box"


def test_cancel_leaves_nothing_at_the_final_paths(tmp_path: Path, make_photo) -> None:
    calls = {"n": 0}

    def should_cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 10

    with pytest.raises(RenderCancelled):
        render_ad_video(
            simple_spec(make_photo(), caption="Hi"),
            out_dir=tmp_path / "out",
            basename="ad",
            should_cancel=should_cancel,
        )
    assert list((tmp_path / "out").iterdir()) == []  # no final file, no temporary either


def test_missing_image_is_a_plain_render_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jpg"
    with pytest.raises(RenderError, match=r"^image file missing: .*nope\.jpg$"):
        render_ad_video(simple_spec(missing), out_dir=tmp_path / "out", basename="ad")
    assert not (tmp_path / "out" / "ad.mp4").exists()


def test_unreadable_image_is_a_plain_render_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not a picture")
    with pytest.raises(RenderError, match="image file could not be read"):
        render_ad_video(simple_spec(bad), out_dir=tmp_path / "out", basename="ad")
    assert list((tmp_path / "out").iterdir()) == []


def test_clip_shot_is_cover_fitted_and_held(tmp_path: Path, make_photo) -> None:
    # A landscape 0.5 s clip (made by the renderer itself) in a 1.0 s vertical scene.
    landscape = type(SMALL)("16:9", 320, 180, FORMATS["16:9"].safe_zone)
    source = render_ad_video(
        simple_spec(make_photo(), fmt=landscape, duration=0.5), out_dir=tmp_path, basename="clip"
    ).video
    spec = RenderSpec(
        format=SMALL, scenes=(SceneSpec(1.0, ClipShot(source), caption="On model"),), audio=QUIET
    )
    result = render_ad_video(spec, out_dir=tmp_path, basename="ad")
    info = probe(result.video)
    assert (info.width, info.height) == (270, 480) and len(info.frames) == 30
    last = info.frames[-1].astype(np.int16)
    assert np.abs(last - info.frames[20].astype(np.int16)).mean() < 2  # held last frame
    assert info.frames[0][:, :20].mean() > 40  # covered: no black bars at the sides


def test_full_size_vertical_render(tmp_path: Path, make_photo) -> None:
    fmt = FORMATS["9:16"]
    spec = simple_spec(
        make_photo(size=(900, 1200)),
        caption="限时优惠 最后一天",
        fmt=fmt,
        duration=1.0,
        badge="¥199",
        shot_type="offer",
    )
    spec = RenderSpec(format=fmt, scenes=spec.scenes, language="zh-Hans", audio=QUIET)
    result = render_ad_video(spec, out_dir=tmp_path, basename="full")
    info = probe(result.video, keep_frames=False)
    assert (info.width, info.height) == (1080, 1920)
    assert abs(info.video_duration - 1.0) <= 1 / 30 + 1e-6
    x0, y0, x1, y1 = Timeline(spec).decor(0).caption_bbox
    sx0, sy0, sx1, sy1 = safe_rect(fmt)
    assert sx0 <= x0 and x1 <= sx1 and sy0 <= y0 and y1 <= sy1


def test_bad_brand_colour_and_missing_logo_are_plain_errors(tmp_path: Path, make_photo) -> None:
    from generation.render.spec import BrandSpec

    base = simple_spec(make_photo())
    bad_colour = RenderSpec(format=SMALL, scenes=base.scenes, brand=BrandSpec(accent="pink"))
    with pytest.raises(RenderError, match="brand colour is not a hex colour"):
        render_ad_video(bad_colour, out_dir=tmp_path, basename="ad")
    no_logo = RenderSpec(
        format=SMALL, scenes=base.scenes, brand=BrandSpec(logo=tmp_path / "logo.png")
    )
    with pytest.raises(RenderError, match="logo file missing"):
        render_ad_video(no_logo, out_dir=tmp_path, basename="ad")


def test_end_card_with_logo(tmp_path: Path, make_photo) -> None:
    from generation.render.spec import BrandSpec

    logo = make_photo("logo.png", colour=(250, 200, 0), size=(400, 120), cutout=True)
    spec = RenderSpec(
        format=SMALL,
        scenes=(
            SceneSpec(
                1.0, MotionShot((make_photo(),)), shot_type="cta", caption="Shop now", badge="$9"
            ),
        ),
        brand=BrandSpec(primary="#203040", accent="#00AA88", logo=logo),
        audio=QUIET,
    )
    result = render_ad_video(spec, out_dir=tmp_path, basename="end")
    frame = probe(result.video).frames[-8]  # the end card's parts have popped in
    yellow = (np.abs(frame.astype(int) - (250, 200, 0)).max(axis=2) < 60).mean()
    teal = (np.abs(frame.astype(int) - (0, 170, 136)).max(axis=2) < 40).mean()
    assert yellow > 0.002 and teal > 0.01  # the logo and the accent-coloured button
