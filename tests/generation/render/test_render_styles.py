"""Caption styles (bold outline, boxed, word-by-word highlight timed to the voice), the word
timings they follow, the brand's call to action and font, and the choice of video encoder."""

from __future__ import annotations

import ctypes.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from generation.render import audio, captions, compose
from generation.render.compose import encoder_params, render_ad_video, resolve_encoder
from generation.render.errors import RenderError
from generation.render.spec import (
    FORMATS,
    AudioSpec,
    BrandSpec,
    MotionShot,
    RenderSpec,
    SceneSpec,
    WordTiming,
)
from generation.render.subtitles import caption_cues
from generation.render.timeline import Timeline
from generation.render.wordsync import highlight_times

from .conftest import SMALL, probe

needs_libespeak = pytest.mark.skipif(
    ctypes.util.find_library("espeak-ng") is None and shutil.which("espeak-ng") is None,
    reason="espeak-ng not installed",
)
ACCENT = (255, 59, 92)  # BrandSpec's default accent, #FF3B5C


# ---------------------------------------------------------------- word timings from TTS


@needs_libespeak
def test_espeak_word_timings_follow_the_audio() -> None:
    """Real timings: each word starts where the voice does, so a sentence pause shows."""
    text = "Hello there. Extraordinary comfort, every day."
    speech = audio.EspeakNG().synthesize_words(text, language="en")
    assert speech.timed
    assert [w.text for w in speech.words] == text.split()
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts) and starts[0] < 0.1
    assert speech.words[-1].end <= speech.samples.size / speech.rate + 1e-6
    # The full stop makes a pause: just before "Extraordinary" the audio is quiet, inside
    # the word it is loud. An even split would not know where the pause is.
    rate, x = speech.rate, speech.samples
    start = int(speech.words[2].start * rate)
    before = np.sqrt(np.mean(x[start - int(0.08 * rate) : start] ** 2))
    inside = np.sqrt(np.mean(x[start : start + int(0.3 * rate)] ** 2))
    assert inside > 4 * before
    # Word lengths follow speech, not letters: "Extraordinary" takes far longer than "Hello".
    durations = [w.end - w.start for w in speech.words]
    assert durations[2] > 1.5 * durations[0]


@needs_libespeak
def test_espeak_numbers_and_chinese_map_to_written_words() -> None:
    speech = audio.EspeakNG().synthesize_words("Cold for 24 hours", language="en")
    assert [w.text for w in speech.words] == ["Cold", "for", "24", "hours"]  # "twenty four"
    speech = audio.EspeakNG().synthesize_words("限时优惠", language="zh-Hans")
    assert [w.text for w in speech.words] == ["限", "时", "优", "惠"]


@needs_libespeak
@pytest.mark.parametrize("language", ["en-gb", "fr", "es-mx", "zh-hk", "ar", "ja"])
def test_espeak_word_timings_in_other_languages(language: str) -> None:
    text = {"zh-hk": "限時優惠", "ar": "عرض خاص اليوم", "ja": "今日だけ"}.get(
        language, "Hola amigo"
    )
    speech = audio.EspeakNG().synthesize_words(text, language=language)
    assert speech.samples.size / speech.rate > 0.3 and speech.words


def test_engine_without_timings_gets_estimates() -> None:
    class Plain:
        def synthesize(self, text, *, language, voice="", rate=1.0):
            return np.full(16000, 0.3), 16000

    speech = audio.speak(Plain(), "two words", language="en", voice="", rate=1.0)
    assert not speech.timed and [w.text for w in speech.words] == ["two", "words"]


def test_highlight_times_use_spoken_times_and_fill_gaps() -> None:
    spoken = (
        WordTiming(0.2, 0.6, "Keeps"),
        WordTiming(0.6, 1.0, "drinks"),
        WordTiming(1.0, 1.4, "cold"),
        WordTiming(1.4, 2.0, "all-day."),
    )
    times = highlight_times(("keeps", "DRINKS", "icy", "all-day"), spoken)
    assert [round(times[k][0], 2) for k in (0, 1, 3)] == [0.2, 0.6, 1.4]
    assert 0.6 < times[2][0] < 1.4  # "icy" was not spoken: placed between its neighbours
    assert all(a <= b for a, b in times)
    assert times[-1][1] > 2.0  # the last word stays lit a moment after it is said
    assert highlight_times(("a",), ()) == ()


# ---------------------------------------------------------------- styles


def _accent_mask(rgba: np.ndarray) -> np.ndarray:
    rgb = rgba[..., :3].astype(int)
    return (np.abs(rgb - ACCENT).sum(axis=2) < 40) & (rgba[..., 3] > 200)


def test_boxed_caption_sits_on_a_brand_coloured_box() -> None:
    brand = BrandSpec(caption_style="boxed", primary="#1E3A8A")
    boxed = captions.render_caption("Keeps drinks cold", FORMATS["9:16"], brand=brand)
    outline = captions.render_caption("Keeps drinks cold", FORMATS["9:16"])
    corner = boxed.rgba[boxed.rgba.shape[0] // 2, 6]  # left edge, middle: box, not text
    assert tuple(corner[:3]) == (0x1E, 0x3A, 0x8A) and corner[3] > 200
    assert boxed.rgba.shape != outline.rgba.shape
    x0, y0, x1, y1 = captions.safe_rect(FORMATS["9:16"])
    bx0, by0, bx1, by1 = boxed.bbox
    assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1


def test_highlight_caption_colours_one_word_at_a_time() -> None:
    words = captions.render_caption_words("Keeps drinks cold all day", FORMATS["9:16"])
    assert words.words == ("Keeps", "drinks", "cold", "all", "day")
    assert not _accent_mask(words.base.rgba).any()
    centres = []
    for variant in words.variants:
        assert variant.bbox == words.base.bbox  # same place: a frame only swaps the layer
        np.testing.assert_array_equal(variant.rgba[..., 3], words.base.rgba[..., 3])
        ys, xs = np.nonzero(_accent_mask(variant.rgba))
        assert xs.size > 50
        centres.append((ys.mean(), xs.mean()))
    # Reading order: left to right on a line, then down.
    assert sorted(centres, key=lambda c: (round(c[0] / 40), c[1])) == centres
    assert captions.render_caption_words("عرض خاص", FORMATS["9:16"], language="ar") is None


class ToneTTS:
    """A stand-in engine with known word times: 0.5 s per word."""

    def synthesize_words(self, text, *, language, voice="", rate=1.0):
        words = text.split()
        t = np.arange(int(0.5 * len(words) * 16000)) / 16000
        timings = tuple(WordTiming(0.5 * i, 0.5 * (i + 1), w) for i, w in enumerate(words))
        return audio.Speech(0.4 * np.sin(2 * np.pi * 220 * t), 16000, timings)

    def synthesize(self, text, *, language, voice="", rate=1.0):
        speech = self.synthesize_words(text, language=language)
        return speech.samples, speech.rate


def test_highlight_follows_the_voice_in_the_video(make_photo, tmp_path: Path) -> None:
    line = "Keeps drinks cold"
    spec = RenderSpec(
        format=SMALL,
        scenes=(
            SceneSpec(
                2.4,
                MotionShot((make_photo(),), move="static"),
                caption=line,
                voiceover=line,
                transition="cut",
            ),
        ),
        audio=AudioSpec(voice=True, music=False),
        # The kit's own colours (a brand kit): the spoken word takes its accent.
        brand=BrandSpec(caption_style="highlight", custom_colours=True),
        fps=10,
    )
    result = render_ad_video(spec, out_dir=tmp_path, basename="hl", tts=ToneTTS())
    frames = probe(result.video).frames
    box = Timeline(spec).decor(0).caption_bbox

    def lit_x(t: float) -> float | None:
        roi = frames[round(t * 10)][box[1] : box[3], box[0] : box[2]].astype(int)
        _, xs = np.nonzero(np.abs(roi - ACCENT).sum(axis=2) < 90)
        return xs.mean() if xs.size > 5 else None

    # Voice starts 0.15 s in (audio.VOICE_OFFSET): words at 0.15, 0.65, 1.15 s.
    first, second, third = lit_x(0.4), lit_x(0.9), lit_x(1.4)
    assert None not in (first, second, third)
    assert first < second < third


# ---------------------------------------------------------------- brand


def test_brand_call_to_action_replaces_the_end_card_caption(make_photo) -> None:
    photo = make_photo()
    scenes = (
        SceneSpec(1.0, MotionShot((photo,)), caption="Cold all day"),
        SceneSpec(1.0, MotionShot((photo,)), shot_type="cta", caption="Shop now"),
    )
    plain = RenderSpec(format=SMALL, scenes=scenes)
    branded = RenderSpec(format=SMALL, scenes=scenes, brand=BrandSpec(cta="Order at acme.shop"))
    assert [c.text for c in caption_cues(plain)] == ["Cold all day", "Shop now"]
    assert [c.text for c in caption_cues(branded)] == ["Cold all day", "Order at acme.shop"]


def test_brand_font_comes_first_for_latin_only() -> None:
    font = next(Path("/usr/share/fonts").rglob("DejaVuSerif*.ttf"), None)
    if font is None:
        pytest.skip("no DejaVu Serif to stand in for a brand font")
    assert captions.caption_chain("en", BrandSpec(font=font))[0].path == font
    assert captions.caption_chain("zh-Hans", BrandSpec(font=font))[0].path != font


def test_unknown_style_and_missing_font_are_refused(make_photo) -> None:
    scenes = (SceneSpec(1.0, MotionShot((make_photo(),))),)
    with pytest.raises(RenderError, match="caption style"):
        compose.check_inputs(
            RenderSpec(format=SMALL, scenes=scenes, brand=BrandSpec(caption_style="wavy")), "x"
        )
    with pytest.raises(RenderError, match="font file missing"):
        compose.check_inputs(
            RenderSpec(format=SMALL, scenes=scenes, brand=BrandSpec(font=Path("/no.ttf"))), "x"
        )


# ---------------------------------------------------------------- encoder


@pytest.mark.parametrize(
    ("listed", "device", "expected"),
    [
        (True, True, "h264_nvenc"),
        (True, False, "libx264"),  # ffmpeg built with NVENC, but no GPU in this worker
        (False, True, "libx264"),  # a GPU, but this ffmpeg cannot use it
        (False, False, "libx264"),
    ],
)
def test_auto_encoder_needs_both_nvenc_and_a_device(listed, device, expected) -> None:
    got = resolve_encoder(
        "auto",
        ffmpeg="ffmpeg",
        has_encoder=lambda binary, name: listed and name == "h264_nvenc",
        nvidia_present=lambda: device,
    )
    assert got == expected


def test_explicit_encoders_and_bad_names() -> None:
    never = lambda *a: pytest.fail("an explicit choice probes nothing")  # noqa: E731
    assert resolve_encoder("libx264", has_encoder=never, nvidia_present=never) == "libx264"
    assert resolve_encoder("h264_nvenc", has_encoder=never, nvidia_present=never) == "h264_nvenc"
    with pytest.raises(RenderError, match="auto, libx264, h264_nvenc"):
        resolve_encoder("x265")
    spec = RenderSpec(format=SMALL, scenes=())
    preset, args = encoder_params("h264_nvenc", spec)
    assert preset.startswith("p") and "-cq" in args and "-crf" not in args
    assert encoder_params("libx264", spec) == ("veryfast", ["-crf", "21"])


def test_ffmpeg_encoder_listing_is_read_for_real() -> None:
    ffmpeg = compose._ffmpeg_binary()
    assert compose._ffmpeg_has_encoder(ffmpeg, "libx264")
    assert not compose._ffmpeg_has_encoder(ffmpeg, "h264_not_an_encoder")
    assert not compose._ffmpeg_has_encoder("/nonexistent/ffmpeg", "libx264")
    # On this machine (no GPU, imageio's ffmpeg) auto means libx264.
    if not compose._nvidia_present():
        assert resolve_encoder("auto") == "libx264"


def test_end_card_shows_logo_badge_and_brand_cta_in_brand_colours(make_photo, tmp_path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (0, 0, 255)).save(logo)
    brand = BrandSpec(accent="#22AA55", primary="#1E3A8A", logo=logo, cta="Order at acme.shop")
    photo = make_photo()
    spec = RenderSpec(
        format=SMALL,
        scenes=(
            SceneSpec(1.0, MotionShot((photo,)), caption="Cold all day", transition="cut"),
            SceneSpec(
                1.0,
                MotionShot((photo,), move="static"),
                shot_type="cta",
                badge="$29",
                caption="Buy",
            ),
        ),
        audio=AudioSpec(voice=False, music=False),
        brand=brand,
        fps=10,
    )
    result = render_ad_video(spec, out_dir=tmp_path, basename="end")
    end = probe(result.video).frames[-1].astype(int)
    h = end.shape[0]

    def rows_of(colour, tol=60):
        return np.nonzero((np.abs(end - colour).sum(axis=2) < tol).sum(axis=1) > 8)[0]

    logo_rows, accent_rows = rows_of((0, 0, 255)), rows_of((0x22, 0xAA, 0x55))
    assert logo_rows.size and logo_rows.max() < h * 0.3  # the logo, at the top
    # Badge and CTA below, stacked up from the safe area's bottom (issue 15's end card).
    assert accent_rows.size and accent_rows.min() > h * 0.45
    assert result.srt.read_text().count("Order at acme.shop") == 1
