"""When each caption word is highlighted: the caption's words matched to the spoken words.

The caption (on-screen text) and the voice-over (spoken text) of a scene are often the same
words, but not always ("Only $29" on screen, "only twenty-nine dollars" spoken). Words that
match (case and punctuation ignored) take the time they are spoken; the others are placed
between their matched neighbours by length; with no match at all the caption words are
spread over the time the voice speaks in that scene. Times come from the TTS layer
(``audio.Speech.words``), never from the caption alone.
"""

from __future__ import annotations

import itertools
import unicodedata
from difflib import SequenceMatcher

from .spec import WordTiming

HOLD = 0.35  # s the last word stays highlighted after it is said


def _norm(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", word).casefold() if ch.isalnum())


def highlight_times(
    caption_words: tuple[str, ...], spoken: tuple[WordTiming, ...]
) -> tuple[tuple[float, float], ...]:
    """(start, end) per caption word, in the same clock as ``spoken``; a word is
    highlighted from its start until the next word starts. Empty when nothing is spoken."""
    n = len(caption_words)
    if not n or not spoken:
        return ()
    starts: list[float | None] = [None] * n
    a = [_norm(w) for w in caption_words]
    b = [_norm(w.text) for w in spoken]
    for block in SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            if a[block.a + k]:
                starts[block.a + k] = spoken[block.b + k].start
    t0, t1 = spoken[0].start, spoken[-1].end
    # Anchors: the speech's start and end around the matched words; fill the gaps by length.
    weights = [len(w) + 1 for w in caption_words]
    known = [(-1, t0)] + [(i, s) for i, s in enumerate(starts) if s is not None] + [(n, t1)]
    for (i, ti), (j, tj) in itertools.pairwise(known):
        if j - i <= 1:
            continue
        lo = i + 1 if i >= 0 else 0
        # A run starting at the speech's start begins there; after a matched word it
        # begins once that word has had its share.
        span_w = sum(weights[max(i, 0) : j]) if i >= 0 else sum(weights[lo:j])
        at, step = ti, (tj - ti) / max(span_w, 1)
        if i >= 0:
            at += weights[i] * step
        for k in range(lo, j):
            starts[k] = at
            at += weights[k] * step
    out = []
    for k in range(n):
        start = float(starts[k])  # type: ignore[arg-type]
        end = float(starts[k + 1]) if k + 1 < n else t1 + HOLD  # type: ignore[arg-type]
        out.append((start, max(start, end)))
    return tuple(out)
