"""Soundtrack: TTS, music bed, ducking, loudness normalisation and the WAV's shape."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from generation.render import audio, loudness, music
from generation.render.errors import TTSUnavailable
from generation.render.spec import AudioSpec, MotionShot, RenderSpec, SceneSpec

from .conftest import SMALL

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed"
)


class BeepTTS:
    """A stand-in engine: a tone as long as the text would take to say."""

    def __init__(self) -> None:
        self.rates: list[float] = []

    def synthesize(self, text, *, language, voice="", rate=1.0):
        self.rates.append(rate)
        seconds = len(text) * 0.06 / rate
        t = np.arange(int(seconds * 16000)) / 16000
        return 0.5 * np.sin(2 * np.pi * 220 * t), 16000


def _spec(tmp_path: Path, scenes, **audio_kw) -> RenderSpec:
    photo = tmp_path / "unused.jpg"
    return RenderSpec(
        format=SMALL,
        audio=AudioSpec(**audio_kw),
        scenes=tuple(SceneSpec(d, MotionShot((photo,)), voiceover=v) for d, v in scenes),
    )


def _read(path: Path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels())
        return data.astype(np.float64) / 32768, w.getframerate(), w.getnchannels()


@needs_espeak
@pytest.mark.parametrize("language", ["en", "zh-Hans", "ar"])
def test_espeak_speaks(language: str) -> None:
    text = {"en": "Shop now", "zh-Hans": "限时优惠", "ar": "عرض خاص"}[language]
    samples, rate = audio.EspeakNG().synthesize(text, language=language)
    assert rate > 8000 and samples.size / rate > 0.3
    assert np.sqrt(np.mean(samples**2)) > 0.01  # not silence


def test_missing_espeak_says_what_to_do() -> None:
    with pytest.raises(
        TTSUnavailable, match=r"espeak-ng is not installed \(apt-get install espeak-ng\)"
    ):
        audio.EspeakNG(binary="espeak-ng-not-here").synthesize("hi", language="en")


def test_voice_choice_by_language() -> None:
    engine = audio.EspeakNG()
    assert [
        engine.voice_for(x) for x in ("en", "zh-Hans", "zh-HK", "ja", "ar", "pt-BR", "de-AT")
    ] == ["en-us", "cmn-latn-pinyin", "yue", "ja", "ar", "pt-br", "de"]


@needs_espeak
def test_mix_with_real_voice_is_normalised_and_exact_length(tmp_path: Path) -> None:
    spec = _spec(tmp_path, [(1.5, "Meet the bottle."), (1.0, "Shop now.")])
    out = audio.mix_soundtrack(spec, tmp_path / "mix.wav", n_samples=120_000)
    data, rate, channels = _read(out)
    assert (rate, channels, data.shape[0]) == (48_000, 2, 120_000)
    assert loudness.integrated_loudness(data) == pytest.approx(-14, abs=1.0)
    assert 20 * np.log10(loudness.true_peak(data).max()) <= -0.9


def test_long_line_is_sped_up_within_the_natural_range(tmp_path: Path) -> None:
    engine = BeepTTS()  # 0.9 s at its own pace, for 0.73 s of room
    spec = _spec(tmp_path, [(1.0, "x" * 15), (1.0, "")], music=False)
    out = audio.mix_soundtrack(spec, tmp_path / "v.wav", n_samples=96_000, engine=engine)
    data, _, _ = _read(out)
    assert engine.rates[0] == 1.0 and 1.0 < engine.rates[1] <= audio.MAX_SPEED
    second_scene = np.abs(data[48_000:]).max()
    assert second_scene < 1e-3  # the line never runs into the next scene


def test_music_ducks_under_the_voice() -> None:
    voice = np.zeros(48_000 * 3)
    voice[48_000:96_000] = 0.3 * np.sin(np.arange(48_000) * 0.05)
    gain = audio.duck_envelope(voice)
    assert 20 * np.log10(gain[72_000]) == pytest.approx(audio.DUCK_DB, abs=0.5)
    assert gain[10_000] == pytest.approx(1.0, abs=0.01)
    assert gain[-1000] > 0.95  # released after the voice


def test_silence_when_voice_and_music_are_off(tmp_path: Path) -> None:
    spec = _spec(tmp_path, [(1.0, "hello")], voice=False, music=False)
    data, rate, channels = _read(audio.mix_soundtrack(spec, tmp_path / "s.wav", n_samples=48_000))
    assert (rate, channels, data.shape[0]) == (48_000, 2, 48_000)
    assert not data.any()


def test_music_bed_is_deterministic_per_seed() -> None:
    a, b, c = (
        music.music_bed(2.0, seed=1),
        music.music_bed(2.0, seed=1),
        music.music_bed(2.0, seed=2),
    )
    assert a.shape == (96_000, 2) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.abs(a).max() <= 1.0 and np.sqrt(np.mean(a**2)) > 0.01


def test_loudness_meter_matches_the_standard() -> None:
    t = np.arange(48_000 * 3) / 48_000
    sine = np.sin(2 * np.pi * 997 * t)
    # BS.1770: a full-scale 997 Hz sine in one channel reads -3.01 LUFS.
    assert loudness.integrated_loudness(np.stack([sine, 0 * sine], 1)) == pytest.approx(
        -3.01, abs=0.05
    )
    assert loudness.integrated_loudness(np.zeros((48_000, 2))) == float("-inf")


def test_loudness_meter_reads_the_same_at_any_transform_length(monkeypatch) -> None:
    """The K-weighting's FFT is sized to a fast 5-smooth length, not the next power of two:
    the reading is the same as with a power of two, to a hundredth of a LU."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((48_000 * 5 + 123, 2)) * 0.1
    fast = loudness.integrated_loudness(x)
    n = x.shape[0] + loudness.SAMPLE_RATE
    assert loudness._fast_length(n) < 1 << (n - 1).bit_length()
    monkeypatch.setattr(loudness, "_fast_length", lambda n: 1 << (n - 1).bit_length())
    assert fast == pytest.approx(loudness.integrated_loudness(x), abs=0.01)


def test_true_peak_above_a_ceiling_finds_every_peak_over_it() -> None:
    """The limiter asks only for the peaks over its ceiling: those are exactly the full
    meter's, and nothing it skipped passes the ceiling."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((200_000, 2)) * 0.2
    x[rng.integers(0, 200_000, 30)] *= 5  # a few transients over the ceiling
    ceiling = 10 ** (-1 / 20)
    full = loudness.true_peak(x)
    fast = loudness.true_peak(x, above=ceiling)
    over = full > ceiling
    assert over.any() and np.array_equal(fast[over], full[over])
    assert (fast[~over] <= ceiling).all()


def test_the_limiter_works_its_gain_out_only_around_the_peaks_with_the_same_result() -> None:
    """``limit`` computes its smoothed gain only near the samples over the ceiling: the same
    output as the gain worked out over the whole signal, and no true peak over the ceiling."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((300_000, 2)) * 0.15
    hits = rng.integers(0, 300_000, 20)
    x[hits] *= 7  # sparse transients: most of the signal needs no gain at all
    ceiling = 10 ** (-1 / 20)
    got = loudness.limit(x, -1.0)
    # the whole-signal computation (what limit did before)
    need = np.minimum(1.0, ceiling / np.maximum(loudness.true_peak(x), 1e-9))
    radius = int(0.003 * loudness.SAMPLE_RATE)
    gain = loudness._sliding_min(need, radius)
    c = np.concatenate(
        [[0.0], np.cumsum(np.pad(gain, (radius // 2, radius - radius // 2), "edge"))]
    )
    want = x * ((c[radius:] - c[:-radius])[: x.shape[0]] / radius)[:, None]
    assert np.abs(got - want).max() < 1e-12
    assert not np.array_equal(got[hits], x[hits])  # the transients were turned down
    assert loudness.true_peak(got).max() <= ceiling * 1.001
