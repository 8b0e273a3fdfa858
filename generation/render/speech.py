"""A spoken line (``Speech``) and the text-to-speech interface every voice implements
(``TTSEngine``), with what engines share: word timings estimated from the audio when an engine
reports none, and reading the WAV files engines write. No engine lives here: ``espeak`` (the
default) and ``piper_tts`` (neural voices) import this module, and ``audio`` picks one."""

from __future__ import annotations

import re
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import RenderError
from .spec import WordTiming


@dataclass(frozen=True)
class Speech:
    """A spoken line: mono float samples in -1..1, their rate, and when each word is said
    (seconds from the first sample). ``timed`` is False when the engine could not say and
    the words were spread over the line by length (an estimate)."""

    samples: np.ndarray
    rate: int
    words: tuple[WordTiming, ...]
    timed: bool = True


class TTSEngine(Protocol):
    """Speaks a line. ``rate`` is a speed factor (1 = the voice's natural pace).

    ``synthesize_words`` is the full interface (audio plus word timings, which the
    word-by-word caption style follows); ``synthesize`` is the audio alone. An engine that
    has only ``synthesize`` still works: its word timings are estimated (``speak``).
    """

    def synthesize(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> tuple[np.ndarray, int]:
        """Mono float samples in -1..1 and their sample rate."""
        ...

    def synthesize_words(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> Speech:
        """The samples with the time of each spoken word."""
        ...


# A word: a CJK character on its own (CJK is spoken and wrapped per character), or a run of
# other non-space characters.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def estimate_words(text: str, samples: np.ndarray, rate: int) -> tuple[WordTiming, ...]:
    """Spread the words over the voiced part of the line by their length in characters.
    Only for engines that report no timings."""
    loud = np.nonzero(np.abs(samples) > 0.01)[0]
    if loud.size == 0:
        return ()
    t0, t1 = loud[0] / rate, loud[-1] / rate
    words = [m.group() for m in WORD.finditer(text)]
    total = sum(len(w) + 1 for w in words) or 1
    out, at = [], t0
    for word in words:
        span = (t1 - t0) * (len(word) + 1) / total
        out.append(WordTiming(at, at + span, word))
        at += span
    return tuple(out)


def speak(engine: TTSEngine, text: str, *, language: str, voice: str, rate: float) -> Speech:
    """The engine's speech with word timings, estimated when the engine has none."""
    timed = getattr(engine, "synthesize_words", None)
    if timed is not None:
        return timed(text, language=language, voice=voice, rate=rate)
    samples, sr = engine.synthesize(text, language=language, voice=voice, rate=rate)
    return Speech(samples, sr, estimate_words(text, samples, sr), timed=False)


def read_wav_mono(path: Path) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV → mono float in -1..1 (channels averaged)."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise RenderError(f"unsupported WAV sample width {width * 8} bit from text-to-speech")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels).mean(axis=1), rate
