"""The ad's soundtrack: voice-over per scene, a ducked music bed, one loudness-normalised WAV.

Text-to-speech is pluggable (``speech.TTSEngine``; ``engine_for`` picks one): the default
``espeak.EspeakNG`` runs espeak-ng, which is small, offline and speaks the languages our
merchants sell in; ``piper_tts.PiperTTS`` and ``kokoro_tts.KokoroTTS`` speak with local
neural voices. Other voices (a cloud API) implement the same protocol. Their names import from
here too.

The mix: each scene's line starts just after the scene does. A line too long for its scene is
sped up, at most to ``MAX_SPEED`` (1.15x, a natural range), then replaced by a shorter version
of itself (whole clauses, any price kept: ``textfit.shorter_lines``); a word is never cut. A
line may be carried over the next scene when that has a caption and no line of its own (an
L-cut: the builder's short ads time it so, ``builder.is_carried``); else, when the scene
before it has a caption and no line, it starts early, from that scene's middle or
``LINE_GAP`` after the line before (a J-cut, audio leading picture: ``builder.is_led``), so
a 6 s ad's voice can run on across both cuts; the word timings (kinetic captions) follow. A
line that still overruns runs on into the next scene, which then speaks after it; one that
would pass the ad's end is left out. ``Soundtrack.lines`` records each fit (speed, share
said). The music bed sits 6 LU under the voice between lines and ducks 12 dB under it (so
pauses are carried, not silent); the result is normalised to -14 LUFS (what TikTok, Reels and YouTube
play back at) with peaks under -1 dBTP, and written as 48 kHz stereo exactly as long as the
video, so every output has an audio track, even a silent one.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from templates_engine.languages import MAX_SPEED  # the natural range: at most 1.15x
from templates_engine.textfit import shorter_lines

from .errors import RenderError, TTSUnavailable
from .espeak import EspeakNG
from .kokoro_tts import KokoroTTS
from .loudness import SAMPLE_RATE, integrated_loudness, normalize
from .music import music_bed
from .piper_tts import PiperTTS
from .spec import AudioSpec, RenderSpec, WordTiming
from .speech import Speech, TTSEngine, estimate_words, read_wav_mono, speak

VOICE_OFFSET = 0.15  # s after the scene starts: lets the cut land before the first word
VOICE_TAIL = 0.12  # s of air left before the next scene
LINE_GAP = 0.2  # s at least between one line's end and the next line (one ran on, or led)
TARGET_LUFS = -14.0
CEILING_DBTP = -1.0
DUCK_DB = -12.0
# Levels before the final normalisation. The bed at the default ``music_volume`` (0.25, -12 dB)
# sits 6 LU under the voice between lines (-10 - 12 = -22 LUFS against -16), so a pause is
# carried by the music rather than falling ~13 LU to near silence (it was -16 - 12 = -28), and
# ducks by ``DUCK_DB`` (to 18 LU under the voice) while a line is spoken.
VOICE_LUFS = -16.0
BED_LUFS = -10.0

__all__ = [
    "EspeakNG",
    "KokoroTTS",
    "LineFit",
    "PiperTTS",
    "Soundtrack",
    "Speech",
    "TTSEngine",
    "TTSUnavailable",
    "engine_for",
    "estimate_words",
    "mix_soundtrack",
    "read_wav_mono",
    "soundtrack",
    "speak",
    "write_wav",
]


def engine_for(spec: AudioSpec) -> TTSEngine:
    """The engine the spec asks for: espeak-ng (default), Piper with local voices or Kokoro
    from a local folder (raises ``TTSUnavailable`` naming what is missing when it is not
    configured)."""
    if spec.engine == "piper":
        return PiperTTS(spec.voices_dir)
    if spec.engine == "kokoro":
        return KokoroTTS(spec.voices_dir)
    if spec.engine != "espeak":
        raise RenderError(
            f"unknown text-to-speech engine {spec.engine!r} (espeak, piper or kokoro)"
        )
    return EspeakNG()


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


@dataclass(frozen=True)
class LineFit:
    """How a scene's line was fitted: what it asked to say, what was said (a shorter version
    of it, or "" when none fits before the ad ends), at what speed, and how much of it."""

    scene: int
    asked: str
    said: str
    rate: float  # speed factor (1 = the voice's own pace; at most MAX_SPEED)
    seconds: float  # how long it is heard
    room: float  # seconds from its start to its scene's end, less the tail
    share: float  # of the asked line's words (by characters) that are said
    overrun: float = 0.0  # seconds it runs on into the next scene (never past the ad's end)


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _spoken(
    engine: TTSEngine, text: str, language: str, voice: str, rate: float
) -> tuple[np.ndarray, tuple[WordTiming, ...]]:
    return _placed_line(speak(engine, text, language=language, voice=voice, rate=rate))


def _at_speed(
    engine: TTSEngine, text: str, language: str, voice: str, room: float, natural
) -> tuple[np.ndarray, tuple[WordTiming, ...], float]:
    """The line sped up just enough for ``room`` (within the natural range)."""
    line, words = natural
    length = line.size / SAMPLE_RATE
    if length <= room:
        return line, words, 1.0
    top = min(getattr(engine, "max_rate", MAX_SPEED), MAX_SPEED)
    speed = min(length / room * 1.03, top)
    line, words = _spoken(engine, text, language, voice, speed)
    return line, words, speed


def _fit_line(
    engine: TTSEngine, text: str, language: str, voice: str, room: float, limit: float
) -> tuple[np.ndarray, tuple[WordTiming, ...], str, float]:
    """(48 kHz samples, word timings, the text said, speed) for a scene's line.

    Said as written when it fits ``room`` at up to ``MAX_SPEED``; else the longest shorter
    version that does (``textfit.shorter_lines``: whole clauses, prices kept); else the
    shortest version, whole, running on past its scene — but never past ``limit`` (the ad's
    end), where the line is left out. A word is never cut.
    """
    natural = _spoken(engine, text, language, voice, 1.0)
    top = min(getattr(engine, "max_rate", MAX_SPEED), MAX_SPEED)
    options = [(text, natural)]
    if natural[0].size / SAMPLE_RATE > room * top:
        for shorter in shorter_lines(text, language):
            said = _spoken(engine, shorter, language, voice, 1.0)
            options.append((shorter, said))
            if said[0].size / SAMPLE_RATE <= room * top:
                break
    for said_text, said in options:
        if said[0].size / SAMPLE_RATE <= room * top:
            line, words, speed = _at_speed(engine, said_text, language, voice, room, said)
            return line, words, said_text, speed
    # Nothing fits its scene: the shortest, at the top speed, running on (never cut).
    for said_text, said in sorted(options, key=lambda o: o[1][0].size):
        line, words, speed = _at_speed(engine, said_text, language, voice, room, said)
        if line.size / SAMPLE_RATE <= limit:
            return line, words, said_text, speed
    return np.zeros(0), (), "", 1.0


def voice_track(
    spec: RenderSpec, n: int, engine: TTSEngine
) -> tuple[np.ndarray, tuple[tuple[WordTiming, ...], ...], tuple[LineFit, ...]]:
    """Mono voice-over for the whole ad (each scene's line placed just after the scene
    starts, from the middle of the scene before when that has a caption and no line (a
    J-cut), and never sooner than ``LINE_GAP`` after the previous line), per scene its spoken
    words in seconds from the start of the ad, and how each line was fitted."""
    track = np.zeros(n)
    timings: list[tuple[WordTiming, ...]] = []
    fits: list[LineFit] = []
    start, free = 0.0, -LINE_GAP  # the scene's start; when the previous line ends
    total = n / SAMPLE_RATE
    for i, scene in enumerate(spec.scenes):
        placed: tuple[WordTiming, ...] = ()
        if scene.voiceover.strip():
            before = spec.scenes[i - 1] if i else None
            after = spec.scenes[i + 1] if i + 1 < len(spec.scenes) else None
            carries = after is not None and bool(after.caption) and not after.voiceover.strip()
            begin = start + VOICE_OFFSET
            if (
                before is not None
                and before.caption
                and not before.voiceover.strip()
                and not carries
            ):
                # A J-cut: the scene before has a caption and no line, so this line starts
                # in it, from its middle (or a breath after a line carried into it).
                lead = max(start - before.duration / 2, free + LINE_GAP)
                if lead <= start - VOICE_OFFSET + 1e-9:
                    begin = lead
            begin = max(begin, free + LINE_GAP)
            room = start + scene.duration - VOICE_TAIL - begin
            if carries:
                room += after.duration  # an L-cut: the line is carried over the next scene
            line, words, said, speed = _fit_line(
                engine,
                scene.voiceover,
                spec.language,
                spec.audio.voice_name,
                room,
                total - begin - VOICE_TAIL,
            )
            at = int(begin * SAMPLE_RATE)
            end = min(n, at + line.size)
            if end > at:
                track[at:end] += line[: end - at]
            offset = at / SAMPLE_RATE
            placed = tuple(WordTiming(w.start + offset, w.end + offset, w.text) for w in words)
            seconds = line.size / SAMPLE_RATE
            free = begin + seconds if seconds else free
            fits.append(
                LineFit(
                    scene=i,
                    asked=scene.voiceover,
                    said=said,
                    rate=round(speed, 3),
                    seconds=round(seconds, 3),
                    room=round(room, 3),
                    share=round(_letters(said) / max(_letters(scene.voiceover), 1), 3),
                    overrun=round(max(0.0, seconds - room - VOICE_TAIL), 3),
                )
            )
        timings.append(placed)
        start += scene.duration
    return track, tuple(timings), tuple(fits)


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
    lines: tuple[LineFit, ...] = ()  # how each spoken line was fitted (speed, share said)


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
    lines: tuple[LineFit, ...] = ()
    has_voice = spec.audio.voice and any(s.voiceover.strip() for s in spec.scenes)
    if has_voice:
        track, words, lines = voice_track(spec, n_samples, engine or engine_for(spec.audio))
        voice = _to_loudness(track, VOICE_LUFS)
        mix += voice[:, None]
    if spec.audio.music and n_samples:
        bed = _to_loudness(music_bed(n_samples / SAMPLE_RATE, spec.seed), BED_LUFS)[:n_samples]
        gain = spec.audio.music_volume
        if has_voice:
            bed = bed * duck_envelope(voice)[:, None]
        mix[: bed.shape[0]] += bed * gain
    if np.abs(mix).max(initial=0.0) > 0:
        mix = normalize(mix, TARGET_LUFS, CEILING_DBTP)
    write_wav(out_path, mix)
    return Soundtrack(out_path, words, lines)
