"""Voice-over fit benchmark: how well each demo ad's voice fills its scenes.

For every demo product x language the script is built as an ad is (``pick_template`` +
``build_script``, 15 s by default) and its soundtrack made with the real espeak-ng
(``audio.soundtrack``: the same fitting and mixing as a render, no frames). The engine is
wrapped in a recorder, so what is measured is what the soundtrack asked espeak for:

- ``speed``: the largest speed factor any line was spoken at (1 = the voice's own pace);
- ``spoken``: per line, the share of the script's line (by characters) that is said;
- ``cut``: words that would end after the ad does (only the ad's end can cut a line now);
- ``overruns``: lines that run on past their scene's end (the next line waits);
- ``coverage``: the share of the ad during which the voice speaks (first word to last word of
  each scene's line, over the ad's length);
- ``gap LUFS``: the mix's loudness (BS.1770, 400 ms blocks) in the blocks where no voice is
  heard, as a power mean, and its quietest 10 % (``p10``); the bed's own fade in (first 1 s)
  and out (last 1.5 s) are not gaps; ``nan`` when there is no gap; ``LUFS`` is the whole mix;
- ``silent``: scenes with a caption and no voice heard in them (a line carried over from the
  previous scene counts, as does the next scene's line starting early in it: L- and J-cuts).

Each line's fit comes from ``Soundtrack.lines`` (what was said, at what speed, its share of the
asked line's characters); ``cut`` counts words of what was said that are not heard whole.
The facts stay in English (translation is another module's); the figures are about the voice.

    .venv/bin/python bench/voice_fit.py [--languages en,ja,zh-Hans,ar,de] [--length 15]
        [--json]

Run by hand, never in CI.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build_script import product_json
from generation.render import audio
from generation.render.loudness import SAMPLE_RATE, integrated_loudness, k_weight
from generation.render.spec import FORMATS, AudioSpec, MotionShot, RenderSpec, SceneSpec
from products.demo.catalog import PRODUCTS
from templates_engine.builder import build_script
from templates_engine.library import pick_template

BED_FADE_IN, BED_FADE_OUT = 1.0, 1.5  # music.music_bed's envelope at 15 s and longer


def _gap_loudness(path: Path, spans: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(integrated LUFS of the mix, power mean and 10th percentile of the gap blocks)."""
    with wave.open(str(path), "rb") as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    x = pcm.reshape(-1, 2).astype(np.float64) / 32768.0
    whole = integrated_loudness(x)
    y = k_weight(x.astype(np.float32)).astype(np.float64)
    block, hop = int(0.4 * SAMPLE_RATE), int(0.1 * SAMPLE_RATE)
    gaps = []
    length = y.shape[0] / SAMPLE_RATE
    for s in range(0, y.shape[0] - block + 1, hop):
        a, b = s / SAMPLE_RATE, (s + block) / SAMPLE_RATE
        if any(a < e + 0.1 and b > st - 0.05 for st, e in spans):
            continue
        if a < BED_FADE_IN or b > length - BED_FADE_OUT:
            continue  # the bed's own fade in / out, which frames the ad
        gaps.append((y[s : s + block] ** 2).mean(axis=0).sum())
    if not gaps:
        return whole, float("nan"), float("nan")
    g = np.array(gaps)
    lufs = -0.691 + 10 * np.log10(np.maximum(g, 1e-12))
    return whole, float(-0.691 + 10 * np.log10(g.mean())), float(np.percentile(lufs, 10))


def measure(product: dict[str, Any], language: str, length: float, tmp: Path) -> dict[str, Any]:
    template, _why = pick_template(product=product, language=language, length=length)
    script = build_script(product=product, template=template, language=language, length=length)
    shot = MotionShot(images=(tmp / "none.jpg",))
    spec = RenderSpec(
        format=FORMATS["9:16"],
        scenes=tuple(
            SceneSpec(
                duration=s.duration,
                shot=shot,
                shot_type=s.shot_type,
                caption=s.caption,
                voiceover=s.voiceover,
                badge=s.badge,
            )
            for s in script.scenes
        ),
        language=language,
        audio=AudioSpec(),
    )
    n = round(script.length * SAMPLE_RATE)
    out = tmp / f"{product['sku']}-{language}.wav"
    track = audio.soundtrack(spec, out, n_samples=n, engine=audio.EspeakNG())
    fits = {f.scene: f for f in getattr(track, "lines", ())}  # (an older tree has none)
    lines, spans = [], []
    heard = [w for words in track.words for w in words]
    begin = 0.0
    for i, (scene, words) in enumerate(zip(spec.scenes, track.words, strict=True)):
        # Silent: a caption and no word heard in the scene (a line carried over from the
        # previous scene counts: an L-cut).
        voiced = any(w.start < begin + scene.duration and w.end > begin for w in heard)
        begin += scene.duration
        fit = fits.get(i)
        said = fit.said if fit else ""
        # Cut: a word placed to end after the ad does (the mix is exactly the ad's length).
        cut = sum(1 for w in words if w.end > script.length + 1e-6)
        lines.append(
            {
                "caption": scene.caption,
                "asked": scene.voiceover,
                "said": said,
                "rate": fit.rate if fit else None,
                "seconds": fit.seconds if fit else None,
                "room": fit.room if fit else None,
                "spoken": fit.share if fit else None,
                "overrun": fit.overrun if fit else None,
                "cut": cut,
                "silent": bool(scene.caption) and not voiced,
            }
        )
        if words:
            spans.append((words[0].start, words[-1].end))
    whole, gap_mean, gap_p10 = _gap_loudness(out, spans)
    voiced = sum(b - a for a, b in spans)
    spoken = [line for line in lines if line["said"]]
    return {
        "product": product["sku"],
        "language": language,
        "template": template.slug,
        "length": script.length,
        "coverage": round(voiced / script.length, 3),
        "max_speed": max((line["rate"] for line in spoken), default=1.0),
        "min_spoken": min((line["spoken"] for line in lines if line["asked"]), default=1.0),
        "overruns": sum(1 for line in spoken if line["overrun"]),
        "cut_words": sum(line["cut"] for line in spoken),
        "silent_scenes": sum(1 for line in lines if line["silent"]),
        "lufs": round(whole, 1),
        "gap_lufs": round(gap_mean, 1),
        "gap_p10": round(gap_p10, 1),
        "lines": lines,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="en,ja,zh-Hans,ar,de")
    parser.add_argument("--length", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="print every line too")
    args = parser.parse_args()
    languages = [x.strip() for x in args.languages.split(",") if x.strip()]
    rows = []
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="voice-fit-") as tmp:
        for p in PRODUCTS:
            for language in languages:
                rows.append(measure(product_json(p), language, args.length, Path(tmp)))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    print(
        "product | lang | coverage | max speed | min line spoken | words cut | overruns | "
        "silent | LUFS | gap LUFS | gap p10"
    )
    print("|".join(["---"] * 11))
    for r in rows:
        print(
            f"{r['product']} | {r['language']} | {r['coverage']:.0%} | {r['max_speed']:.2f} | "
            f"{r['min_spoken']:.0%} | {r['cut_words']} | {r['overruns']} | {r['silent_scenes']} | {r['lufs']} | "
            f"{r['gap_lufs']} | {r['gap_p10']}"
        )
    for language in languages:
        mine = [r for r in rows if r["language"] == language]
        lines = [x for r in mine for x in r["lines"] if x["asked"]]
        print(
            f"{language}: mean coverage {np.mean([r['coverage'] for r in mine]):.0%}, "
            f"mean line spoken {np.mean([x['spoken'] for x in lines]):.0%}, "
            f"max speed {max(r['max_speed'] for r in mine):.2f}, "
            f"words cut {sum(r['cut_words'] for r in mine)}, "
            f"silent scenes {sum(r['silent_scenes'] for r in mine)}, "
            f"gap LUFS {np.nanmean([r['gap_lufs'] for r in mine]):.1f}"
        )
    print(f"({time.perf_counter() - t:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
