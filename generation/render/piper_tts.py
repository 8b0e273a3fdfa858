"""A neural voice: Piper (piper-tts, ONNX voices) from local voice files only.

Voices are ``<name>.onnx`` with ``<name>.onnx.json`` beside them in one directory (the setting
``SHOPREEL_PIPER_VOICES_DIR``); nothing is ever downloaded. A voice is chosen by name, or by
the language in its file name (``en_US-lessac-medium``) or config (``language.code``).

Word timings: Piper speaks one sentence per chunk. Voices exported with alignments give the
samples per phoneme; the phonemizer separates words with a space phoneme, so word starts are
real where the spoken and the written words line up one to one. Otherwise the sentence's
words are estimated over its audio (``speech.estimate_words``), and ``Speech.timed`` says so.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import RenderError, TTSUnavailable
from .spec import WordTiming
from .speech import Speech, estimate_words

SETTING = "SHOPREEL_PIPER_VOICES_DIR"


class PiperTTS:
    """Piper voices from ``voices_dir``. Raises ``TTSUnavailable`` at construction, naming
    what is missing, when the directory is unset, absent or holds no complete voice."""

    max_rate = 1.45

    def __init__(self, voices_dir: str | Path | None) -> None:
        if not voices_dir or not str(voices_dir).strip():
            raise TTSUnavailable(
                f"the Piper voice is switched on but {SETTING} is not set: point it at a "
                "directory holding <voice>.onnx and <voice>.onnx.json files"
            )
        self.voices_dir = Path(voices_dir)
        if not self.voices_dir.is_dir():
            raise TTSUnavailable(f"{SETTING} is {str(self.voices_dir)!r}, which is not a directory")
        missing = [p.name for p in self.voices_dir.glob("*.onnx") if not _config_path(p).is_file()]
        if not self.voices:
            detail = f" ({', '.join(missing)} without its .onnx.json)" if missing else ""
            raise TTSUnavailable(
                f"no Piper voice in {self.voices_dir}{detail}: put <voice>.onnx and "
                "<voice>.onnx.json there"
            )
        self._loaded: dict[str, object] = {}

    @cached_property
    def voices(self) -> dict[str, Path]:
        """Complete voices (model and config) by name."""
        return {
            p.stem: p for p in sorted(self.voices_dir.glob("*.onnx")) if _config_path(p).is_file()
        }

    def _language_of(self, name: str) -> str:
        try:
            config = json.loads(_config_path(self.voices[name]).read_text("utf-8"))
            code = str(config.get("language", {}).get("code", ""))
        except (OSError, ValueError, AttributeError):
            code = ""
        return (code or name.split("-")[0]).replace("_", "-").lower()

    def voice_for(self, language: str, voice: str = "") -> str:
        if voice:
            if voice not in self.voices:
                raise RenderError(
                    f"no Piper voice {voice!r} in {self.voices_dir} "
                    f"(have: {', '.join(self.voices)})"
                )
            return voice
        want = language.lower()
        for exact in (True, False):
            for name in self.voices:
                have = self._language_of(name)
                if have == want or (not exact and have.split("-")[0] == want.split("-")[0]):
                    return name
        raise RenderError(
            f"no Piper voice for language {language!r} in {self.voices_dir} "
            f"(have: {', '.join(self.voices)})"
        )

    def _voice(self, name: str):
        if name not in self._loaded:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise TTSUnavailable("piper-tts is not installed (pip install piper-tts)") from exc
            path = self.voices[name]
            self._loaded[name] = PiperVoice.load(
                path, config_path=_config_path(path), download_dir=self.voices_dir
            )
        return self._loaded[name]

    def synthesize_words(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> Speech:
        from piper import SynthesisConfig

        piper_voice = self._voice(self.voice_for(language, voice))
        config = SynthesisConfig(length_scale=1.0 / min(max(rate, 0.8), self.max_rate))
        chunks = list(piper_voice.synthesize(text, syn_config=config, include_alignments=True))
        if not chunks:
            return Speech(np.zeros(0, np.float32), 22050, (), timed=False)
        sr = chunks[0].sample_rate
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        starts: list[float] = []
        offset = 0
        for chunk in chunks:
            if chunk.phoneme_alignments is None:
                starts = []
                break
            at, in_word = offset, False
            for align in chunk.phoneme_alignments:
                voiced = align.phoneme not in (" ", "^", "$", "_") and align.phoneme.strip()
                if voiced and not in_word:
                    starts.append(at / sr)
                in_word = bool(voiced) if align.phoneme != " " else False
                at += align.num_samples
            offset += chunk.audio_float_array.size
        written = text.split()
        if starts and len(starts) == len(written):
            ends = [*starts[1:], samples.size / sr]
            words = tuple(
                WordTiming(a, b, w) for a, b, w in zip(starts, ends, written, strict=True)
            )
            return Speech(samples, sr, words)
        return Speech(samples, sr, estimate_words(text, samples, sr), timed=False)

    def synthesize(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> tuple[np.ndarray, int]:
        speech = self.synthesize_words(text, language=language, voice=voice, rate=rate)
        return speech.samples, speech.rate


def _config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")
