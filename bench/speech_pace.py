"""Fit the default voice's pace per language (``templates_engine.languages.VOICE_PACE``).

Every shipped template is built for every demo product at 15 s and 30 s in each language; each
scene's voiceover and its shorter versions (``textfit.shorter_lines``) are said by the real
espeak-ng at its own pace (``audio._spoken``: the line as the soundtrack places it, silence
trimmed), and the seconds are fitted by least squares to what ``textfit._sounds`` counts
(ASCII letters, other letters, Han characters, kana or hangul syllables, digits, currency
signs, inner clause marks)
over a fixed ``PACE_BASE``. Prints the table to paste and, per language, the median error of
the fit and of the estimate in the tree now, and how much slower than the estimate espeak is
on its slowest lines (the 95th percentile and the worst of seconds over estimate).

``--expectile 0.9`` fits to the slow side (an asymmetric least squares: a line said slower
than the estimate weighs 0.9, a faster one 0.1), for a voice whose slow lines would run past
their scene (Arabic: numbers and English words said much slower than its median line).

    .venv/bin/python bench/speech_pace.py [--languages en,de,ar,fr,es,it,pt,ja,zh-Hans,ko]
        [--expectile 0.5]

Run by hand, never in CI (~2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build_script import product_json
from generation.render import audio
from products.demo.catalog import PRODUCTS
from templates_engine.builder import build_script
from templates_engine.errors import ScriptError
from templates_engine.languages import PACE_BASE
from templates_engine.library import load_templates
from templates_engine.textfit import _as_said, _sounds, shorter_lines, speech_seconds

LATIN_SCRIPT = {"en", "de", "fr", "es", "it", "pt"}


def lines_for(language: str) -> list[str]:
    """Every distinct line (and shorter version) the demo products' ads would say."""
    out: dict[str, None] = {}
    for template in load_templates().values():
        if language not in template.languages:
            continue
        for p in PRODUCTS:
            for length in (15, 30):
                if not template.supports_length(length):
                    continue
                try:
                    script = build_script(
                        product=product_json(p), template=template, language=language, length=length
                    )
                except ScriptError:
                    continue
                for scene in script.scenes:
                    for line in [scene.voiceover, *shorter_lines(scene.voiceover, language)]:
                        if line:
                            out[line] = None
    return list(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="en,de,ar,fr,es,it,pt,ja,zh-Hans,ko")
    parser.add_argument("--expectile", type=float, default=0.5, help="0.5: least squares")
    args = parser.parse_args()
    engine = audio.EspeakNG()
    for language in [x.strip() for x in args.languages.split(",") if x.strip()]:
        lines = lines_for(language)
        seconds = np.array(
            [
                audio._spoken(engine, line, language, "", 1.0)[0].size / audio.SAMPLE_RATE
                for line in lines
            ]
        )
        x = np.array([_sounds(_as_said(line, language)) for line in lines], dtype=float)
        latin_script = language in LATIN_SCRIPT
        if latin_script:  # one pace for every letter: é is no slower than e
            x[:, 0] += x[:, 1]
            x[:, 1] = 0
        used = [i for i in range(x.shape[1]) if x[:, i].any()]
        coef = _fit(x[:, used], seconds - PACE_BASE, args.expectile)
        pace = np.zeros(x.shape[1])
        pace[used] = np.maximum(coef, 0)
        if latin_script:
            pace[1] = pace[0]
        fitted = x @ pace + PACE_BASE
        now = np.array([speech_seconds(line, language) for line in lines])

        print(
            f'    "{language}": Pace({", ".join(f"{v:.3f}" for v in pace)}),'
            f"  # {len(lines)} lines, median error {_error(fitted, seconds):.1%}"
            f" (the tree's estimate: {_error(now, seconds):.1%});"
            f" slow lines x{_slow(fitted, seconds)} (the tree's: x{_slow(now, seconds)})"
        )


def _fit(x: np.ndarray, y: np.ndarray, expectile: float) -> np.ndarray:
    """Non-negative paces by (asymmetric) least squares: lines said slower than the estimate
    weigh ``expectile``, faster ones ``1 - expectile`` (iteratively reweighted)."""
    weights = np.ones(len(y))
    coef = np.zeros(x.shape[1])
    for _ in range(50 if expectile != 0.5 else 1):
        root = np.sqrt(weights)
        coef, *_ = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)
        coef = np.maximum(coef, 0)
        weights = np.where(y - x @ coef > 0, expectile, 1 - expectile)
    return coef


def _slow(estimate: np.ndarray, seconds: np.ndarray) -> str:
    ratio = seconds / estimate
    return f"{np.percentile(ratio, 95):.2f} p95, {ratio.max():.2f} max"


def _error(estimate: np.ndarray, seconds: np.ndarray) -> float:
    return float(np.median(np.abs(estimate - seconds) / seconds))


if __name__ == "__main__":
    main()
