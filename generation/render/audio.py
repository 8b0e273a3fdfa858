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

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import RenderError, TTSUnavailable
from .loudness import SAMPLE_RATE, integrated_loudness, normalize
from .music import music_bed
from .spec import RenderSpec

VOICE_OFFSET = 0.15  # s after the scene starts: lets the cut land before the first word
VOICE_TAIL = 0.12  # s of air left before the next scene
TARGET_LUFS = -14.0
CEILING_DBTP = -1.0
DUCK_DB = -10.0

__all__ = ["EspeakNG", "TTSEngine", "TTSUnavailable", "mix_soundtrack", "write_wav"]


class TTSEngine(Protocol):
    """Speaks a line. ``rate`` is a speed factor (1 = the voice's natural pace)."""

    def synthesize(
        self, text: str, *, language: str, voice: str = "", rate: float = 1.0
    ) -> tuple[np.ndarray, int]:
        """Mono float samples in -1..1 and their sample rate."""
        ...


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


def _trim_silence(x: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    loud = np.nonzero(np.abs(x) > threshold)[0]
    if loud.size == 0:
        return x[:0]
    return x[max(0, loud[0] - 480) : loud[-1] + 2400]  # keep 10 ms before, 50 ms after


def _fit_line(engine: TTSEngine, text: str, language: str, voice: str, room: float) -> np.ndarray:
    """The spoken line at 48 kHz, no longer than ``room`` seconds.

    Too long at the natural pace → ask the engine to speak faster (up to its limit);
    still too long → cut with a short fade rather than run into the next scene.
    """
    samples, rate = engine.synthesize(text, language=language, voice=voice, rate=1.0)
    line = _trim_silence(_resample(samples, rate))
    length = line.size / SAMPLE_RATE
    if length > room > 0:
        speed = min(length / room * 1.03, getattr(engine, "max_rate", 1.4))
        samples, rate = engine.synthesize(text, language=language, voice=voice, rate=speed)
        line = _trim_silence(_resample(samples, rate))
    limit = int(room * SAMPLE_RATE)
    if line.size > limit:
        line = line[:limit].copy()
        fade = min(limit, int(0.08 * SAMPLE_RATE))
        if fade:
            line[-fade:] *= np.linspace(1, 0, fade)
    return line


def voice_track(spec: RenderSpec, n: int, engine: TTSEngine) -> np.ndarray:
    """Mono voice-over for the whole ad: each scene's line placed at the scene's start."""
    track = np.zeros(n)
    start = 0.0
    for scene in spec.scenes:
        if scene.voiceover.strip():
            room = scene.duration - VOICE_OFFSET - VOICE_TAIL
            line = _fit_line(engine, scene.voiceover, spec.language, spec.audio.voice_name, room)
            at = int((start + VOICE_OFFSET) * SAMPLE_RATE)
            end = min(n, at + line.size)
            if end > at:
                track[at:end] += line[: end - at]
        start += scene.duration
    return track


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


def mix_soundtrack(
    spec: RenderSpec, out_path: Path, *, n_samples: int, engine: TTSEngine | None = None
) -> Path:
    """Build and write the soundtrack WAV (48 kHz stereo, ``n_samples`` long)."""
    mix = np.zeros((n_samples, 2))
    voice = np.zeros(n_samples)
    has_voice = spec.audio.voice and any(s.voiceover.strip() for s in spec.scenes)
    if has_voice:
        voice = _to_loudness(voice_track(spec, n_samples, engine or EspeakNG()), -16.0)
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
    return out_path
