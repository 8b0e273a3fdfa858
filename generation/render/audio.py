"""The ad's soundtrack: voice-over per scene, a ducked music bed, one loudness-normalised WAV.

Text-to-speech is pluggable (``TTSEngine``); the default ``EspeakNG`` runs the espeak-ng
command, which is small, offline and speaks the languages our merchants sell in. Better
voices (a neural engine on a GPU worker, a cloud API) implement the same one-method protocol.

The mix: each scene's line starts just after the scene does and is sped up (within a natural
range) or trimmed with a fade so it never runs into the next scene; the music ducks about
10 dB under the voice; the result is normalised to -14 LUFS (what TikTok, Reels and YouTube
play back at) with peaks under -1 dBTP, and written as 48 kHz stereo exactly as long as the
video, so every output has an audio track, even a silent one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import RenderError, TTSUnavailable
from .loudness import SAMPLE_RATE, integrated_loudness, normalize
from .music import music_bed
from .spec import AudioSpec, RenderSpec, WordTiming

VOICE_OFFSET = 0.15  # s after the scene starts: lets the cut land before the first word
VOICE_TAIL = 0.12  # s of air left before the next scene
TARGET_LUFS = -14.0
CEILING_DBTP = -1.0
DUCK_DB = -10.0

__all__ = [
    "EspeakNG",
    "Soundtrack",
    "Speech",
    "TTSEngine",
    "TTSUnavailable",
    "mix_soundtrack",
    "soundtrack",
    "write_wav",
]


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
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def estimate_words(text: str, samples: np.ndarray, rate: int) -> tuple[WordTiming, ...]:
    """Spread the words over the voiced part of the line by their length in characters.
    Only for engines that report no timings."""
    loud = np.nonzero(np.abs(samples) > 0.01)[0]
    if loud.size == 0:
        return ()
    t0, t1 = loud[0] / rate, loud[-1] / rate
    words = [m.group() for m in _WORD.finditer(text)]
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


# ---------------------------------------------------------------- libespeak-ng word events


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
    spans = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
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
# region says so; Taiwan reads Mandarin.
_ESPEAK_VOICES = {
    "en": "en-us",
    "en-us": "en-us",
    "en-gb": "en-gb",
    "zh": "cmn",
    "zh-hans": "cmn",
    "zh-cn": "cmn",
    "zh-hant": "cmn",
    "zh-tw": "cmn",
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
    """espeak-ng through its command line (``-w`` writes a WAV; text goes in on stdin)."""

    base_wpm = 165  # espeak-ng's default pace in words per minute
    max_rate = 1.45  # faster than this stops sounding like speech

    def __init__(self, binary: str = "espeak-ng") -> None:
        self.binary = binary

    def voice_for(self, language: str) -> str:
        lang = language.lower()
        return (
            _ESPEAK_VOICES.get(lang) or _ESPEAK_VOICES.get(lang.split("-")[0]) or lang.split("-")[0]
        )

    def synthesize(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> tuple[np.ndarray, int]:
        exe = shutil.which(self.binary)
        if exe is None:
            raise TTSUnavailable(
                "espeak-ng is not installed (apt-get install espeak-ng) — or render with voice off"
            )
        wpm = round(self.base_wpm * min(max(rate, 0.8), self.max_rate))
        with tempfile.TemporaryDirectory(prefix="shopreel-tts-") as tmp:
            out = Path(tmp) / "line.wav"
            cmd = [
                exe,
                "-v",
                voice or self.voice_for(language),
                "-s",
                str(wpm),
                "-w",
                str(out),
                "--stdin",
            ]
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

    def synthesize_words(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> Speech:
        """Speech with the time of each word, from libespeak-ng's WORD events. Without the
        library (only the command installed) the words are estimated from the audio."""
        lib = _LibEspeak.get()
        if lib is None:
            samples, sr = self.synthesize(text, language=language, voice=voice, rate=rate)
            return Speech(samples, sr, estimate_words(text, samples, sr), timed=False)
        wpm = round(self.base_wpm * min(max(rate, 0.8), self.max_rate))
        pcm, events = lib.speak(text, voice or self.voice_for(language), wpm)
        words = _words_from_events(text, events, pcm.size, lib.rate)
        return Speech(pcm.astype(np.float32) / 32768.0, lib.rate, words)


def engine_for(spec: AudioSpec) -> TTSEngine:
    """The engine the spec asks for: espeak-ng (default), or Piper with local voices (raises
    ``TTSUnavailable`` naming what is missing when it is not configured)."""
    if spec.engine == "piper":
        from .piper_tts import PiperTTS

        return PiperTTS(spec.voices_dir)
    if spec.engine != "espeak":
        raise RenderError(f"unknown text-to-speech engine {spec.engine!r} (espeak or piper)")
    return EspeakNG()


def read_wav_mono(path: Path) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV → mono float in -1..1 (channels averaged)."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise RenderError(f"unsupported WAV sample width {width * 8} bit from text-to-speech")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels).mean(axis=1), rate


def write_wav(path: Path, stereo: np.ndarray) -> None:
    """(samples, 2) float → 16-bit 48 kHz stereo WAV."""
    pcm = np.clip(np.round(stereo * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def _resample(x: np.ndarray, rate: int) -> np.ndarray:
    """Linear-interpolation resampling to 48 kHz (speech from espeak is band-limited to
    ~10 kHz, so the simple method is clean enough)."""
    if rate == SAMPLE_RATE or x.size == 0:
        return x.astype(np.float64)
    n = round(x.size * SAMPLE_RATE / rate)
    return np.interp(np.arange(n) * (rate / SAMPLE_RATE), np.arange(x.size), x)


def _trim_silence(x: np.ndarray, threshold: float = 0.01) -> tuple[np.ndarray, int]:
    """The voiced part (10 ms kept before, 50 ms after) and where it began in ``x``."""
    loud = np.nonzero(np.abs(x) > threshold)[0]
    if loud.size == 0:
        return x[:0], 0
    first = max(0, loud[0] - 480)
    return x[first : loud[-1] + 2400], first


def _placed_line(speech: Speech) -> tuple[np.ndarray, tuple[WordTiming, ...]]:
    """48 kHz samples with the silence trimmed, and the words shifted to match."""
    line, first = _trim_silence(_resample(speech.samples, speech.rate))
    shift, length = first / SAMPLE_RATE, line.size / SAMPLE_RATE
    words = tuple(
        WordTiming(max(0.0, w.start - shift), min(length, w.end - shift), w.text)
        for w in speech.words
        if w.start - shift < length
    )
    return line, words


def _fit_line(
    engine: TTSEngine, text: str, language: str, voice: str, room: float
) -> tuple[np.ndarray, tuple[WordTiming, ...]]:
    """The spoken line at 48 kHz, no longer than ``room`` seconds, and its word timings.

    Too long at the natural pace → ask the engine to speak faster (up to its limit);
    still too long → cut with a short fade rather than run into the next scene.
    """
    line, words = _placed_line(speak(engine, text, language=language, voice=voice, rate=1.0))
    length = line.size / SAMPLE_RATE
    if length > room > 0:
        speed = min(length / room * 1.03, getattr(engine, "max_rate", 1.4))
        line, words = _placed_line(speak(engine, text, language=language, voice=voice, rate=speed))
    limit = int(room * SAMPLE_RATE)
    if line.size > limit:
        line = line[:limit].copy()
        fade = min(limit, int(0.08 * SAMPLE_RATE))
        if fade:
            line[-fade:] *= np.linspace(1, 0, fade)
        words = tuple(
            WordTiming(w.start, min(w.end, room), w.text) for w in words if w.start < room
        )
    return line, words


def voice_track(
    spec: RenderSpec, n: int, engine: TTSEngine
) -> tuple[np.ndarray, tuple[tuple[WordTiming, ...], ...]]:
    """Mono voice-over for the whole ad (each scene's line placed at the scene's start) and,
    per scene, its spoken words in seconds from the start of the ad."""
    track = np.zeros(n)
    timings: list[tuple[WordTiming, ...]] = []
    start = 0.0
    for scene in spec.scenes:
        placed: tuple[WordTiming, ...] = ()
        if scene.voiceover.strip():
            room = scene.duration - VOICE_OFFSET - VOICE_TAIL
            line, words = _fit_line(
                engine, scene.voiceover, spec.language, spec.audio.voice_name, room
            )
            at = int((start + VOICE_OFFSET) * SAMPLE_RATE)
            end = min(n, at + line.size)
            if end > at:
                track[at:end] += line[: end - at]
            offset = at / SAMPLE_RATE
            placed = tuple(WordTiming(w.start + offset, w.end + offset, w.text) for w in words)
        timings.append(placed)
        start += scene.duration
    return track, tuple(timings)


def duck_envelope(
    voice: np.ndarray,
    depth_db: float = DUCK_DB,
    attack: float = 0.04,
    release: float = 0.35,
    hop: float = 0.01,
) -> np.ndarray:
    """Gain (per sample) for the music: ``depth_db`` down while the voice speaks.

    Voice activity comes from its RMS in 10 ms hops; the gain moves with one-pole attack
    and release and starts ahead of the voice (look-ahead = attack) so the first syllable
    is not masked.
    """
    step = int(hop * SAMPLE_RATE)
    n_hops = -(-voice.size // step)
    padded = np.pad(voice, (0, n_hops * step - voice.size))
    rms = np.sqrt((padded.reshape(n_hops, step) ** 2).mean(axis=1))
    active = rms > max(1e-4, rms.max() * 0.05)
    lead = max(1, int(attack / hop))
    active = (
        np.convolve(active.astype(float), np.ones(lead + 1), mode="full")[lead : lead + n_hops] > 0
    )
    target = np.where(active, 10 ** (depth_db / 20), 1.0)
    a_coef, r_coef = np.exp(-hop / attack), np.exp(-hop / release)
    gain = np.empty(n_hops)
    g = 1.0
    for i, want in enumerate(target):  # ~100 steps a second: a plain loop is fine
        coef = a_coef if want < g else r_coef
        g = want + (g - want) * coef
        gain[i] = g
    centres = (np.arange(n_hops) + 0.5) * step
    return np.interp(np.arange(voice.size), centres, gain)


def _to_loudness(x: np.ndarray, lufs: float) -> np.ndarray:
    current = integrated_loudness(x if x.ndim == 2 else x[:, None])
    return x * 10 ** ((lufs - current) / 20) if np.isfinite(current) else x


@dataclass(frozen=True)
class Soundtrack:
    path: Path
    words: tuple[tuple[WordTiming, ...], ...]  # per scene, seconds from the start of the ad


def mix_soundtrack(
    spec: RenderSpec, out_path: Path, *, n_samples: int, engine: TTSEngine | None = None
) -> Path:
    """Build and write the soundtrack WAV (48 kHz stereo, ``n_samples`` long)."""
    return soundtrack(spec, out_path, n_samples=n_samples, engine=engine).path


def soundtrack(
    spec: RenderSpec, out_path: Path, *, n_samples: int, engine: TTSEngine | None = None
) -> Soundtrack:
    """``mix_soundtrack`` that also says when each scene's words are spoken."""
    mix = np.zeros((n_samples, 2))
    voice = np.zeros(n_samples)
    words: tuple[tuple[WordTiming, ...], ...] = tuple(() for _ in spec.scenes)
    has_voice = spec.audio.voice and any(s.voiceover.strip() for s in spec.scenes)
    if has_voice:
        track, words = voice_track(spec, n_samples, engine or engine_for(spec.audio))
        voice = _to_loudness(track, -16.0)
        mix += voice[:, None]
    if spec.audio.music and n_samples:
        bed = _to_loudness(music_bed(n_samples / SAMPLE_RATE, spec.seed), -16.0)[:n_samples]
        gain = spec.audio.music_volume
        if has_voice:
            bed = bed * duck_envelope(voice)[:, None]
        mix[: bed.shape[0]] += bed * gain
    if np.abs(mix).max(initial=0.0) > 0:
        mix = normalize(mix, TARGET_LUFS, CEILING_DBTP)
    write_wav(out_path, mix)
    return Soundtrack(out_path, words)
