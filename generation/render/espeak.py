"""The default voice: espeak-ng, small, offline, and speaking the languages our merchants sell
in. Audio from its command line; word timings from libespeak-ng's WORD events when the library
is installed (estimated from the audio otherwise)."""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from . import reading
from .errors import RenderError, TTSUnavailable
from .spec import WordTiming
from .speech import WORD, Speech, estimate_words, read_wav_mono


class _EspeakEvent(ctypes.Structure):
    # espeak_EVENT from speak_lib.h
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class _EspeakVoice(ctypes.Structure):
    # espeak_VOICE from speak_lib.h: a voice asked for by its properties (the language)
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_EVENT_END_OF_LIST, _EVENT_WORD = 0, 1
_AUDIO_OUTPUT_SYNCHRONOUS, _ESPEAK_RATE, _ESPEAK_CHARS_UTF8 = 2, 1, 1
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_EspeakEvent)
)


class _LibEspeak:
    """libespeak-ng in synchronous mode: samples and WORD events through one callback.

    The library keeps global state, so one instance per process, used under a lock.
    """

    _instance: _LibEspeak | None = None
    _lock = threading.Lock()

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        self.rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
        if self.rate <= 0:
            raise TTSUnavailable("libespeak-ng could not start (espeak-ng-data missing?)")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int, int]] = []
        self._callback = _CALLBACK(self._on_audio)  # kept: the library holds a raw pointer
        lib.espeak_SetSynthCallback(self._callback)
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]

    @classmethod
    def get(cls) -> _LibEspeak | None:
        """The process's library, or None when libespeak-ng is not installed."""
        with cls._lock:
            if cls._instance is None:
                name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
                try:
                    cls._instance = cls(ctypes.CDLL(name))
                except OSError:
                    return None
            return cls._instance

    def _on_audio(self, wav, n: int, events) -> int:
        if wav and n > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != _EVENT_END_OF_LIST:
            ev = events[i]
            if ev.type == _EVENT_WORD:
                self.events.append((ev.text_position - 1, ev.length, ev.sample))
            i += 1
        return 0

    def speak(
        self, text: str, voice: str, wpm: int
    ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        """(int16 samples, [(char offset, length, sample index)]) for ``text``."""
        with self._lock:
            self.chunks, self.events = [], []
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                # Like the command line's -v: a language code ("en-gb") names a voice too.
                wanted = _EspeakVoice(languages=voice.encode())
                if self.lib.espeak_SetVoiceByProperties(ctypes.byref(wanted)) != 0:
                    raise RenderError(f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_ESPEAK_RATE, wpm, 0)
            data = text.encode("utf-8") + b"\0"
            err = self.lib.espeak_Synth(data, len(data), 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            if err != 0:
                raise RenderError(f"text-to-speech failed (espeak-ng error {err})")
            samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
            return samples, list(self.events)


def _words_from_events(
    text: str, events: list[tuple[int, int, int]], n_samples: int, rate: int
) -> tuple[WordTiming, ...]:
    """Word timings from espeak's WORD events. A written word may be spoken as several
    (``24`` → "twenty four": two events inside one word): events are grouped by the written
    word they start in; a word ends where the next begins (or the audio does)."""
    spans = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    starts: dict[int, int] = {}
    for pos, _length, sample in events:
        # The written word the event falls in, or the next one when it falls between words.
        k = next((k for k, (_, b, _) in enumerate(spans) if pos < b), None)
        if k is not None:
            starts.setdefault(k, sample)
    order = sorted(starts)
    out = []
    for i, k in enumerate(order):
        end = starts[order[i + 1]] if i + 1 < len(order) else n_samples
        out.append(WordTiming(starts[k] / rate, end / rate, spans[k][2]))
    return tuple(out)


# BCP-47-ish language → espeak-ng voice. Cantonese for Traditional Chinese only where the
# region says so; Taiwan reads Mandarin. Mandarin is the voice that reads its dictionary's
# pinyin as pinyin (``cmn`` reads it as English letters); Latin words go to English
# (``reading``).
_ESPEAK_VOICES = {
    "en": "en-us",
    "en-us": "en-us",
    "en-gb": "en-gb",
    "zh": "cmn-latn-pinyin",
    "zh-hans": "cmn-latn-pinyin",
    "zh-cn": "cmn-latn-pinyin",
    "zh-hant": "cmn-latn-pinyin",
    "zh-tw": "cmn-latn-pinyin",
    "zh-hk": "yue",
    "yue": "yue",
    "ja": "ja",
    "ko": "ko",
    "ar": "ar",
    "he": "he",
    "de": "de",
    "fr": "fr-fr",
    "es": "es",
    "es-mx": "es-419",
    "pt": "pt",
    "pt-br": "pt-br",
    "it": "it",
    "nl": "nl",
    "pl": "pl",
    "ru": "ru",
    "tr": "tr",
    "vi": "vi",
    "th": "th",
    "id": "id",
    "hi": "hi",
    "sv": "sv",
}


class EspeakNG:
    """espeak-ng: audio and word timings through libespeak-ng when it is installed, else its
    command line (``-w`` writes a WAV; text goes in on stdin).

    A line is first made readable (``reading.parts``): Japanese in hiragana, Chinese to the
    pinyin-reading Mandarin voice, Latin-script names inside them to the English voice; each
    part is spoken on its own and the parts are joined with at most a short pause.
    """

    base_wpm = 165  # espeak-ng's default pace in words per minute
    # Faster than this stops sounding like the same voice: 15 % is what a speaker does when
    # hurried; the 1.45 it used to allow sounds like fast-forward. A line that needs more is
    # shortened by the script instead (``audio``).
    max_rate = 1.15
    min_rate = 0.8

    def __init__(self, binary: str = "espeak-ng") -> None:
        self.binary = binary

    def voice_for(self, language: str) -> str:
        lang = language.lower()
        return (
            _ESPEAK_VOICES.get(lang) or _ESPEAK_VOICES.get(lang.split("-")[0]) or lang.split("-")[0]
        )

    def parts(self, text: str, *, language: str, voice: str = "") -> list[reading.Part]:
        """What each voice is given for ``text`` (see ``reading``)."""
        return reading.parts(text, language, voice or self.voice_for(language))

    def _wpm(self, rate: float) -> int:
        return round(self.base_wpm * min(max(rate, self.min_rate), self.max_rate))

    def _exe(self) -> str:
        exe = shutil.which(self.binary)
        if exe is None:
            raise TTSUnavailable(
                "espeak-ng is not installed (apt-get install espeak-ng) — or render with voice off"
            )
        return exe

    def phonemes(self, text: str, *, language: str, voice: str = "") -> list[tuple[str, str]]:
        """(voice, espeak's phoneme mnemonics) per part: what the listener hears, in writing
        (``-x``): "(en)tS'aIni:z" would be the English words "Chinese letter"."""
        exe = self._exe()
        out = []
        for part in self.parts(text, language=language, voice=voice):
            done = subprocess.run(
                [exe, "-q", "-x", "-v", part.voice, "--stdin"],
                input=part.text.encode("utf-8"),
                capture_output=True,
                timeout=60,
            )
            out.append((part.voice, done.stdout.decode("utf-8", "replace").strip()))
        return out

    def _command_line(
        self, text: str, voice: str, wpm: int, language: str
    ) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory(prefix="shopreel-tts-") as tmp:
            out = Path(tmp) / "line.wav"
            cmd = [self._exe(), "-v", voice, "-s", str(wpm), "-w", str(out), "--stdin"]
            try:
                done = subprocess.run(
                    cmd, input=text.encode("utf-8"), capture_output=True, timeout=60
                )
            except subprocess.TimeoutExpired as exc:
                raise RenderError("text-to-speech took too long (espeak-ng timed out)") from exc
            if done.returncode != 0 or not out.is_file():
                detail = done.stderr.decode("utf-8", "replace").strip()[:200]
                raise RenderError(f"text-to-speech failed for language {language!r}: {detail}")
            return read_wav_mono(out)

    def synthesize(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> tuple[np.ndarray, int]:
        """The line's samples through the command line (no word timings)."""
        wpm, chunks, sr = self._wpm(rate), [], 22050
        for part in self.parts(text, language=language, voice=voice):
            samples, sr = self._command_line(part.text, part.voice, wpm, language)
            chunks.append((samples, []))
        if not chunks:
            return np.zeros(0, np.float32), sr
        samples, _ = _join(chunks, sr)
        return samples, sr

    def synthesize_words(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> Speech:
        """Speech with the time of each written word, from libespeak-ng's WORD events (mapped
        back through each part's ``origin``). Without the library (only the command installed)
        the words are estimated from the audio."""
        lib = _LibEspeak.get()
        if lib is None:
            samples, sr = self.synthesize(text, language=language, voice=voice, rate=rate)
            return Speech(samples, sr, estimate_words(text, samples, sr), timed=False)
        wpm, chunks = self._wpm(rate), []
        for part in self.parts(text, language=language, voice=voice):
            pcm, events = lib.speak(part.text, part.voice, wpm)
            last = len(part.origin) - 1
            mapped = [(part.origin[min(max(pos, 0), last)], n, at) for pos, n, at in events]
            chunks.append((pcm.astype(np.float32) / 32768.0, mapped))
        samples, events = _join(chunks, lib.rate)
        words = _words_from_events(text, events, samples.size, lib.rate)
        return Speech(samples, lib.rate, words)


PART_GAP = 0.08  # s: the most silence kept where one part (voice) hands over to the next


def _join(
    chunks: list[tuple[np.ndarray, list[tuple[int, int, int]]]], rate: int
) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Parts' samples end to end, the silence at each join cut to ``PART_GAP``; events
    shifted to match."""
    if len(chunks) <= 1:
        return chunks[0] if chunks else (np.zeros(0, np.float32), [])
    keep = int(PART_GAP * rate)
    out: list[np.ndarray] = []
    events: list[tuple[int, int, int]] = []
    at = 0
    for i, (x, evs) in enumerate(chunks):
        loud = np.nonzero(np.abs(x) > 0.01)[0]
        if loud.size == 0:
            continue
        first = 0 if i == 0 else max(0, loud[0] - keep // 2)
        last = x.size if i == len(chunks) - 1 else min(x.size, loud[-1] + keep // 2)
        events.extend((pos, n, max(0, s - first) + at) for pos, n, s in evs)
        out.append(x[first:last])
        at += last - first
    if not out:
        return np.zeros(0, np.float32), []
    return np.concatenate(out), events
