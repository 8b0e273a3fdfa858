"""A neural voice: Kokoro-82M through kokoro-onnx, from local files only.

One folder (the setting ``SHOPREEL_KOKORO_DIR``) holds the model (``kokoro-v1.0.onnx``, or its
``.int8``/``.fp16`` export) and the voice styles (``voices-v1.0.bin``); nothing is ever
downloaded. Kokoro speaks some of our copy languages: ``VOICE_TABLE`` names a female and a male
voice for each, and the voice asked for is a gender ("female", the default, or "male") or a
voice's own name. A language it does not speak (de, ar, ko) is an error naming the others.

kokoro-onnx phonemizes with espeak-ng, which reads a kanji as "Chinese letter": Japanese and
Chinese lines go through ``reading`` first (kana for kanji, numbers and prices in words), as
for the espeak voice. Word timings are estimated over the audio (``speech.estimate_words``;
``Speech.timed`` False). kokoro-onnx loads its own libespeak-ng (espeakng-loader): once it has,
the espeak engine's ctypes path must not run in the same process (it crashes), so a worker
speaks with one engine (``SHOPREEL_TTS_ENGINE``), and the test speaks in a child process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import reading
from .errors import RenderError, TTSUnavailable
from .speech import Speech, estimate_words

SETTING = "SHOPREEL_KOKORO_DIR"
MODEL_FILES = ("kokoro-v1.0.onnx", "kokoro-v1.0.int8.onnx", "kokoro-v1.0.fp16.onnx")
VOICES_FILE = "voices-v1.0.bin"
GENDERS = ("female", "male")

# Copy language -> (kokoro-onnx's phonemizer language, {gender: Kokoro v1.0 voice}). French
# has one voice in v1.0 (female), so both genders get it.
VOICE_TABLE: dict[str, tuple[str, dict[str, str]]] = {
    "en": ("en-us", {"female": "af_heart", "male": "am_michael"}),
    "es": ("es", {"female": "ef_dora", "male": "em_alex"}),
    "fr": ("fr-fr", {"female": "ff_siwis", "male": "ff_siwis"}),
    "it": ("it", {"female": "if_sara", "male": "im_nicola"}),
    "pt": ("pt-br", {"female": "pf_dora", "male": "pm_alex"}),
    "ja": ("ja", {"female": "jf_alpha", "male": "jm_kumo"}),
    "zh-Hans": ("cmn", {"female": "zf_xiaobei", "male": "zm_yunjian"}),
}


def _table_key(language: str) -> str | None:
    tag = language.replace("_", "-").lower()
    for key in VOICE_TABLE:
        if key.lower() == tag:
            return key
    if tag.startswith("zh") and not tag.startswith(("zh-hant", "zh-tw", "zh-hk")):
        return "zh-Hans"
    base = tag.split("-")[0]
    return base if base in VOICE_TABLE else None


class KokoroTTS:
    """Kokoro from ``model_dir``. Raises ``TTSUnavailable`` at construction, naming the
    missing file, when the folder is unset, absent, or lacks the model or the voices."""

    max_rate = 1.15

    def __init__(self, model_dir: str | Path | None) -> None:
        if not model_dir or not str(model_dir).strip():
            raise TTSUnavailable(
                f"the Kokoro voice is switched on but {SETTING} is not set: point it at a folder "
                f"holding {MODEL_FILES[0]} and {VOICES_FILE}"
            )
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise TTSUnavailable(f"{SETTING} is {str(self.model_dir)!r}, which is not a folder")
        model = next(
            (self.model_dir / n for n in MODEL_FILES if (self.model_dir / n).is_file()), None
        )
        if model is None:
            raise TTSUnavailable(
                f"no Kokoro model in {self.model_dir}: put {' or '.join(MODEL_FILES)} there"
            )
        voices = self.model_dir / VOICES_FILE
        if not voices.is_file():
            raise TTSUnavailable(f"no Kokoro voices in {self.model_dir}: put {VOICES_FILE} there")
        self.model_path, self.voices_path = model, voices
        self._kokoro = None

    def voice_for(self, language: str, voice: str = "") -> tuple[str, str]:
        """(Kokoro voice, phonemizer language) for a copy language and a gender or voice name."""
        key = _table_key(language)
        if key is None:
            raise RenderError(
                f"Kokoro has no voice for language {language!r} (it speaks "
                f"{', '.join(VOICE_TABLE)}); use the espeak or piper engine for it"
            )
        lang, by_gender = VOICE_TABLE[key]
        if not voice or voice in GENDERS:
            return by_gender[voice or "female"], lang
        return voice, lang

    def _model(self):
        if self._kokoro is None:
            try:
                from kokoro_onnx import Kokoro
            except ImportError as exc:
                raise TTSUnavailable(
                    "kokoro-onnx is not installed (pip install '.[voice]')"
                ) from exc
            self._kokoro = Kokoro(str(self.model_path), str(self.voices_path))
        return self._kokoro

    def synthesize_words(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> Speech:
        name, lang = self.voice_for(language, voice)
        kokoro = self._model()
        if name not in kokoro.get_voices():
            raise RenderError(f"no Kokoro voice {name!r} in {self.voices_path}")
        speed = min(max(rate, 0.8), self.max_rate)
        said = text
        if lang in ("ja", "cmn"):  # what the phonemizer can read: kana, numbers in words
            said = " ".join(p.text for p in reading.parts(text, language, lang))
        samples, sr = kokoro.create(said, voice=name, speed=speed, lang=lang)
        samples = np.asarray(samples, dtype=np.float32)
        return Speech(samples, sr, estimate_words(text, samples, sr), timed=False)

    def synthesize(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> tuple[np.ndarray, int]:
        speech = self.synthesize_words(text, language=language, voice=voice, rate=rate)
        return speech.samples, speech.rate
