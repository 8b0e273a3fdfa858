"""The neural voice (Piper) from local voice files: configuration errors, and real speech
when voice files are provided (SHOPREEL_TEST_PIPER_VOICES=<dir>; skipped otherwise)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from generation.render import audio
from generation.render.compose import render_ad_video
from generation.render.errors import RenderError, TTSUnavailable
from generation.render.piper_tts import PiperTTS
from generation.render.spec import AudioSpec, MotionShot, RenderSpec, SceneSpec

from .conftest import SMALL

VOICES = os.environ.get("SHOPREEL_TEST_PIPER_VOICES", "")
needs_voices = pytest.mark.skipif(
    not VOICES or not any(Path(VOICES).glob("*.onnx")),
    reason="no Piper voice files (set SHOPREEL_TEST_PIPER_VOICES to a directory of .onnx voices)",
)


def test_unset_voices_dir_names_the_setting() -> None:
    with pytest.raises(TTSUnavailable, match="SHOPREEL_PIPER_VOICES_DIR is not set"):
        PiperTTS("")


def test_missing_directory_and_empty_directory_are_named(tmp_path: Path) -> None:
    with pytest.raises(TTSUnavailable, match="not a directory"):
        PiperTTS(tmp_path / "nowhere")
    with pytest.raises(TTSUnavailable, match=r"no Piper voice in .*<voice>\.onnx"):
        PiperTTS(tmp_path)
    (tmp_path / "en_US-test-low.onnx").write_bytes(b"not a model")
    with pytest.raises(TTSUnavailable, match=r"en_US-test-low\.onnx without its \.onnx\.json"):
        PiperTTS(tmp_path)


def test_voice_is_chosen_by_name_or_language(tmp_path: Path) -> None:
    for name, code in (("en_US-lessac-medium", "en_US"), ("es_ES-davefx-medium", "es_ES")):
        (tmp_path / f"{name}.onnx").write_bytes(b"model")
        (tmp_path / f"{name}.onnx.json").write_text(f'{{"language": {{"code": "{code}"}}}}')
    engine = PiperTTS(tmp_path)
    assert engine.voice_for("es") == "es_ES-davefx-medium"
    assert engine.voice_for("en-us") == "en_US-lessac-medium"
    assert engine.voice_for("en", voice="es_ES-davefx-medium") == "es_ES-davefx-medium"
    with pytest.raises(RenderError, match="no Piper voice for language 'ja'"):
        engine.voice_for("ja")
    with pytest.raises(RenderError, match="no Piper voice 'x'"):
        engine.voice_for("en", voice="x")


def test_default_engine_stays_espeak_and_piper_fails_before_rendering(
    make_photo, tmp_path: Path
) -> None:
    assert isinstance(audio.engine_for(AudioSpec()), audio.EspeakNG)
    spec = RenderSpec(
        format=SMALL,
        scenes=(SceneSpec(1.0, MotionShot((make_photo(),)), voiceover="Shop now"),),
        audio=AudioSpec(engine="piper", voices_dir=""),
    )
    with pytest.raises(TTSUnavailable, match="SHOPREEL_PIPER_VOICES_DIR"):
        render_ad_video(spec, out_dir=tmp_path / "out", basename="ad")
    assert not (tmp_path / "out" / "ad.mp4").exists()


@needs_voices
def test_piper_speaks_with_word_times() -> None:
    engine = PiperTTS(VOICES)
    speech = engine.synthesize_words("Keeps drinks cold all day.", language="en")
    assert speech.samples.size / speech.rate > 0.5
    assert np.sqrt(np.mean(speech.samples**2)) > 0.01
    assert [w.text for w in speech.words] == ["Keeps", "drinks", "cold", "all", "day."]
    assert [w.start for w in speech.words] == sorted(w.start for w in speech.words)
