"""A music bed synthesised in numpy, so its licence is ours and it needs no asset files.

Soft pads play a four-chord progression (I-V-vi-IV or a seeded relative) with a sine bass,
over a light kick on the beats and a closed hat on the off-beats, at 100-120 bpm. The same
seed always gives the same bed; fades in and out frame the ad.
"""

from __future__ import annotations

import numpy as np

from .loudness import SAMPLE_RATE

_PROGRESSIONS = (
    (0, 7, 9, 5),  # I  V  vi IV
    (9, 5, 0, 7),  # vi IV I  V
    (0, 9, 5, 7),  # I  vi IV V
    (0, 5, 9, 7),  # I  IV vi V
)
_MINOR_DEGREES = {9, 4, 2}  # roots that take a minor triad in a major key


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _pad_voice(freq: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """A soft, slightly detuned pad tone (few harmonics: warm, not buzzy), stereo.

    float32 and the 2nd/3rd harmonics from the fundamental's sine and cosine (double- and
    triple-angle identities): one sin and one cos per channel instead of three sines in
    float64, ~6x faster.
    """
    t = np.arange(n, dtype=np.float32) / np.float32(SAMPLE_RATE)
    out = np.zeros((n, 2), np.float32)
    for ch, detune in enumerate((-0.12, 0.12)):
        f = freq * 2 ** (detune / 12)
        phase = np.float32(2 * np.pi * f) * t + np.float32(rng.uniform(0, 2 * np.pi))
        s, c = np.sin(phase), np.cos(phase)
        out[:, ch] = s + 0.25 * (2 * s * c) + 0.08 * (s * (3 - 4 * s * s))
    return out


def _envelope(n: int, attack: float, release: float) -> np.ndarray:
    a, r = max(1, int(attack * SAMPLE_RATE)), max(1, int(release * SAMPLE_RATE))
    env = np.ones(n)
    env[: min(a, n)] = np.linspace(0, 1, a)[:n]
    if r < n:
        env[-r:] *= np.linspace(1, 0, r)
    return env


def _kick(n: int) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    freq = 45 + 75 * np.exp(-t * 30)
    phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    return np.sin(phase) * np.exp(-t * 9)


def _hat(n: int, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(n)
    bright = np.diff(noise, prepend=0.0)  # first difference: a crude high-pass
    return bright * np.exp(-np.arange(n) / SAMPLE_RATE * 60)


def tempo(seed: int = 0) -> float:
    """The bed's tempo in beats per minute (the first draw of its seeded generator)."""
    return float(np.random.default_rng(seed).integers(100, 121))


def beat_times(duration: float, seed: int = 0) -> list[float]:
    """When the bed's kicks land (seconds, from 0): the cuts are put on these."""
    beat = 60.0 / tempo(seed)
    return [b * beat for b in range(int(duration / beat) + 1) if b * beat < duration]


def music_bed(duration: float, seed: int = 0) -> np.ndarray:
    """(samples, 2) float64 in about ±1, exactly ``duration`` seconds at 48 kHz; its kicks
    fall on ``beat_times(duration, seed)``."""
    n = round(duration * SAMPLE_RATE)
    if n <= 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    bpm = float(rng.integers(100, 121))  # == tempo(seed): the same first draw
    beat = 60.0 / bpm
    key = 48 + int(rng.integers(0, 7))  # C3..F#3
    progression = _PROGRESSIONS[int(rng.integers(0, len(_PROGRESSIONS)))]
    bar = 4 * beat
    out = np.zeros((n, 2))

    # Pads and bass: one chord per bar, cross-faded so changes are smooth.
    chord_len = int(bar * SAMPLE_RATE)
    tail = int(0.4 * SAMPLE_RATE)
    for i, start in enumerate(range(0, n, chord_len)):
        root = key + progression[i % len(progression)]
        third = 3 if progression[i % len(progression)] in _MINOR_DEGREES else 4
        length = min(chord_len + tail, n - start)
        env = _envelope(length, attack=0.35, release=0.5)
        chord = sum(_pad_voice(_midi_hz(root + 12 + iv), length, rng) for iv in (0, third, 7, 12))
        bass_t = np.arange(length) / SAMPLE_RATE
        bass = np.sin(2 * np.pi * _midi_hz(root - 12) * bass_t)[:, None]
        out[start : start + length] += (0.11 * chord + 0.25 * bass) * env[:, None]

    # Drums: kick on every beat, hat on every off-beat (light: it is a bed, not a track).
    kick = _kick(int(0.35 * SAMPLE_RATE))
    hat = _hat(int(0.06 * SAMPLE_RATE), rng)
    for b in range(int(duration / beat) + 1):
        k0 = int(b * beat * SAMPLE_RATE)
        h0 = int((b + 0.5) * beat * SAMPLE_RATE)
        if k0 < n:
            seg = kick[: n - k0]
            out[k0 : k0 + len(seg)] += 0.45 * seg[:, None]
        if h0 < n:
            seg = hat[: n - h0]
            out[h0 : h0 + len(seg), 0] += 0.05 * seg
            out[h0 : h0 + len(seg), 1] += 0.04 * seg

    fade = _envelope(n, attack=min(1.0, duration / 4), release=min(1.5, duration / 3))
    out *= fade[:, None]
    peak = np.abs(out).max()
    return out / peak * 0.9 if peak > 0 else out
