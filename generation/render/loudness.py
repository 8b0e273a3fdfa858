"""Loudness (ITU-R BS.1770-4 / EBU R128) and a true-peak limiter, in plain numpy.

Written here rather than pulled in (pyloudnorm needs scipy, ~100 MB, for two biquads): the
K-weighting is applied in the frequency domain with the exact response of the standard's
48 kHz filters, which gives the same block powers as time-domain filtering to within
a hundredth of a dB on program material.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

SAMPLE_RATE = 48_000

# BS.1770 K-weighting at 48 kHz: a high shelf (head effects) then a high pass (RLB).
_SHELF_B = (1.53512485958697, -2.69169618940638, 1.19839281085285)
_SHELF_A = (1.0, -1.69065929318241, 0.73248077421585)
_HPF_B = (1.0, -2.0, 1.0)
_HPF_A = (1.0, -1.99004745483398, 0.99007225036621)


@cache
def _k_response(n_fft: int) -> np.ndarray:
    h = _biquad_response(_SHELF_B, _SHELF_A, n_fft) * _biquad_response(_HPF_B, _HPF_A, n_fft)
    return h.astype(np.complex64)


def _biquad_response(b: tuple[float, ...], a: tuple[float, ...], n_fft: int) -> np.ndarray:
    z = np.exp(-1j * np.pi * np.arange(n_fft // 2 + 1) / (n_fft // 2))
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


def _fast_length(n: int) -> int:
    """The smallest even 5-smooth number (2^a 3^b 5^c, a >= 1) at least ``n``: a size
    pocketfft transforms fast, at most a few per cent above ``n`` (the next power of two can
    be twice it)."""
    half = max(1, -(-n // 2))
    best = 1 << (half - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            best = min(best, p35 << max(0, (-(-half // p35) - 1).bit_length()))
            p35 *= 3
        p5 *= 5
    return 2 * best


def k_weight(x: np.ndarray) -> np.ndarray:
    """K-weighted copy of ``x`` (samples, channels) at 48 kHz."""
    n = x.shape[0]
    n_fft = _fast_length(n + SAMPLE_RATE)  # room for the filters' tails
    h = _k_response(n_fft)
    spec = np.fft.rfft(x, n=n_fft, axis=0)
    spec *= h[:, None]  # in place: a 60 s ad's spectrum is tens of MB
    return np.fft.irfft(spec, n=n_fft, axis=0)[:n]


def integrated_loudness(x: np.ndarray) -> float:
    """Integrated loudness in LUFS of (samples, channels) audio at 48 kHz; -inf if silent.

    400 ms blocks with 75 % overlap, absolute gate at -70 LUFS, relative gate at -10 LU.
    """
    if x.ndim == 1:
        x = x[:, None]
    block, hop = int(0.4 * SAMPLE_RATE), int(0.1 * SAMPLE_RATE)
    if x.shape[0] < block:
        x = np.pad(x, ((0, block - x.shape[0]), (0, 0)))
    # float32 FFT (twice as fast); the block sums are accumulated in float64. One channel
    # at a time and in place, so a long soundtrack needs few full-length temporaries.
    starts = np.arange(0, x.shape[0] - block + 1, hop)
    z = np.zeros(starts.size)
    for ch in range(x.shape[1]):
        y = k_weight(x[:, ch : ch + 1].astype(np.float32))[:, 0].astype(np.float64)
        np.multiply(y, y, out=y)
        power = np.empty(y.size + 1)
        power[0] = 0.0
        np.cumsum(y, out=power[1:])
        del y
        z += (power[starts + block] - power[starts]) / block  # channel weights are 1 (L, R)
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(z)
    gated = z[lk > -70]
    if gated.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10
    final = z[(lk > -70) & (lk > relative)]
    return float(-0.691 + 10 * np.log10(final.mean()))


@cache
def _fractional_delay_taps(oversample: int, half_width: int = 16) -> np.ndarray:
    """Windowed-sinc taps that interpolate the signal at k/oversample between samples."""
    n = np.arange(-half_width + 1, half_width + 1)
    rows = []
    for k in range(1, oversample):
        x = n - k / oversample
        rows.append(np.sinc(x) * np.kaiser(2 * half_width, 8.0))
    return np.array(rows)


def true_peak(x: np.ndarray, oversample: int = 4, *, above: float | None = None) -> np.ndarray:
    """Per-sample peak magnitude over channels, estimated at 4x oversampling.

    Polyphase: the in-between points come from short windowed-sinc filters (one per phase),
    which is what BS.1770's true-peak meter specifies, and costs a few short convolutions.

    ``above``: only peaks over this level are wanted (a limiter's ceiling). The in-between
    points are then worked out only where they could reach it (no in-between point exceeds
    the largest sample within the filter's reach times the filter's absolute sum); elsewhere
    the sample peak is returned, which is under ``above`` there too. A normalised soundtrack
    has such places in about a third of its length.
    """
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    # Channel by channel: numpy's max over a 2-wide last axis is ten times slower.
    peak = np.abs(x[:, 0])
    for ch in range(1, x.shape[1]):
        np.maximum(peak, np.abs(x[:, ch]), out=peak)
    taps = _fractional_delay_taps(oversample)
    half = taps.shape[1] // 2
    runs = [(0, n)]
    if above is not None:
        reach = cv2.dilate(peak.astype(np.float32)[None, :], np.ones((1, 2 * half + 1), np.uint8))
        may = reach[0].astype(np.float64) * np.abs(taps).sum(axis=1).max() > above
        runs = _runs(may, block=1024)
    for start, end in runs:
        lo, hi = max(0, start - 2 * half), min(n, end + 2 * half)  # the filter's reach
        for ch in range(x.shape[1]):
            for h in taps:
                full = np.convolve(x[lo:hi, ch], h[::-1], mode="full")
                between = full[start - lo + half - 1 : end - lo + half - 1]
                np.maximum(peak[start:end], np.abs(between), out=peak[start:end])
    return peak


def _runs(mask: np.ndarray, block: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of ``block``-sample blocks holding any True in ``mask``."""
    n = mask.size
    marked = np.zeros(-(-n // block), bool)
    hits = np.flatnonzero(mask) // block
    marked[hits] = True
    edges = np.flatnonzero(np.diff(np.concatenate([[False], marked, [False]]).astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    return [(int(a) * block, min(n, int(b) * block)) for a, b in zip(starts, ends, strict=True)]


def _sliding_min(x: np.ndarray, radius: int) -> np.ndarray:
    """Minimum over ±radius samples (a 1-D erosion; OpenCV does it in one pass)."""
    kernel = np.ones((1, 2 * radius + 1), np.uint8)
    row = x.astype(np.float32)[None, :]
    return cv2.erode(row, kernel, borderType=cv2.BORDER_REPLICATE)[0].astype(np.float64)


def limit(x: np.ndarray, ceiling_db: float = -1.0, window_ms: float = 3.0) -> np.ndarray:
    """Keep true peaks under ``ceiling_db`` dBFS with a smooth look-ahead gain.

    The required gain is min-filtered over ±window and then averaged over a window half
    as wide, so the smoothed gain is never above what any nearby peak needs (no overs) and
    has no clicks.
    """
    ceiling = 10 ** (ceiling_db / 20)
    peak = true_peak(x, above=ceiling)  # only what may pass the ceiling is worked out
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    if need.min() >= 1.0:
        return x
    radius = max(1, int(window_ms / 1000 * SAMPLE_RATE))
    k = radius  # box average over `radius` samples (≤ the min window)
    # The gain is 1 wherever no sample within the two windows' reach needs less, so it is
    # worked out only around the samples that do (usually a small part of the soundtrack).
    gain = np.ones(x.shape[0])
    for lo, hi in _around(_runs(need < 1.0, block=1024), 2 * (radius + k), x.shape[0]):
        part = _sliding_min(need[lo:hi], radius)
        c = np.concatenate([[0.0], np.cumsum(np.pad(part, (k // 2, k - k // 2), mode="edge"))])
        gain[lo:hi] = (c[k:] - c[:-k])[: hi - lo] / k
    return x * gain[:, None] if x.ndim == 2 else x * gain


def _around(runs: list[tuple[int, int]], margin: int, n: int) -> list[tuple[int, int]]:
    """The runs widened by ``margin`` on each side (within 0..n), overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for start, end in runs:
        lo, hi = max(0, start - margin), min(n, end + margin)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def normalize(x: np.ndarray, target_lufs: float = -14.0, ceiling_db: float = -1.0) -> np.ndarray:
    """Bring ``x`` to ``target_lufs`` integrated, then limit peaks to ``ceiling_db``.

    Limiting takes a little loudness away, so one correction pass follows.
    """
    for _ in range(2):
        current = integrated_loudness(x)
        if not np.isfinite(current):
            return x
        x = limit(x * 10 ** ((target_lufs - current) / 20), ceiling_db)
    return x
