"""Fit the default voice's pace per language (``templates_engine.languages.VOICE_PACE``).

Every shipped template is built for every demo product at 15 s and 30 s in each language; each
scene's voiceover and its shorter versions (``textfit.shorter_lines``) are said by the real
espeak-ng at its own pace (``audio._spoken``: the line as the soundtrack places it, silence
trimmed), and the seconds are fitted by least squares to what ``textfit._sounds`` counts
(ASCII letters, other letters, Han characters, kana or hangul syllables, digits, currency
signs, inner clause marks)
over a fixed ``PACE_BASE``. Prints the table to paste and, per language, the median error of
the fit and of the estimate in the tree now.

    .venv/bin/python bench/speech_pace.py [--languages en,de,ar,fr,es,it,pt,ja,zh-Hans,ko]

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
from templates_engine.textfit import _sounds, shorter_lines, speech_seconds

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
        x = np.array([_sounds(line) for line in lines], dtype=float)
        latin_script = language in LATIN_SCRIPT
        if latin_script:  # one pace for every letter: é is no slower than e
            x[:, 0] += x[:, 1]
            x[:, 1] = 0
        used = [i for i in range(x.shape[1]) if x[:, i].any()]
        coef, *_ = np.linalg.lstsq(x[:, used], seconds - PACE_BASE, rcond=None)
        pace = np.zeros(x.shape[1])
        pace[used] = np.maximum(coef, 0)
        if latin_script:
            pace[1] = pace[0]
        fitted = x @ pace + PACE_BASE
        now = np.array([speech_seconds(line, language) for line in lines])

        print(
            f'    "{language}": Pace({", ".join(f"{v:.3f}" for v in pace)}),'
            f"  # {len(lines)} lines, median error {_error(fitted, seconds):.1%}"
            f" (the tree's estimate: {_error(now, seconds):.1%})"
        )


def _error(estimate: np.ndarray, seconds: np.ndarray) -> float:
    return float(np.median(np.abs(estimate - seconds) / seconds))


if __name__ == "__main__":
    main()
