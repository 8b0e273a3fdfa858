"""Script-building benchmark: loading the template library, and ``build_script`` per ad.

    (a) load: a fresh interpreter imports the template engine and loads the shipped library
        (``load_templates()``: every YAML file validated, every copy string parsed, checked and
        try-rendered), as a web or worker process does at start-up. Timed from outside (wall,
        and the child's CPU from ``RUSAGE_CHILDREN``); the import and ``load_templates()`` alone
        are timed inside the child too.
    (b) build: ``build_script`` in a warm process (library loaded) for each demo product x
        language x variant, with the template the picker chooses, 15 s, 9:16; each run builds
        that matrix ``--passes`` times. The picking is set-up, not timed.

Medians of ``--repeat`` runs. CPU is user + system of this process and its children
(``resource.getrusage``). The digest is of every script built (JSON): equal digests before and
after a change mean the change altered no script.

    .venv/bin/python bench/build_script.py [--repeat 3] [--passes 10] [--variants 3]
        [--languages en,de,ja,zh-Hans]

No Django settings are needed: the template engine and the demo catalogue are framework-free.
Run by hand, never in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from products.demo.catalog import PRODUCTS, DemoProduct
from templates_engine.builder import build_script
from templates_engine.library import load_templates, pick_template

ROOT = Path(__file__).resolve().parents[1]
LENGTH = 15.0
# Run in the child for (a): the import and the load, each timed from inside.
_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
w0, c0 = time.perf_counter(), time.process_time()
from templates_engine.library import load_templates
w1, c1 = time.perf_counter(), time.process_time()
count = len(load_templates())
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({{"import": [w1 - w0, c1 - c0], "load": [w2 - w1, c2 - c1], "templates": count}}))
"""


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def product_json(p: DemoProduct) -> dict[str, Any]:
    """A demo product as the scraper hands it on (the keys of ``ExtractedProduct.to_json()``)."""
    return {
        "url": f"http://demo.shop.test/products/{p.slug}",
        "title": p.title,
        "brand": p.brand,
        "price": p.price,
        "currency": p.currency,
        "regular_price": p.regular_price,
        "description": p.description,
        "features": list(p.features),
        "images": [f"http://demo.shop.test/images/{name}" for name in p.images],
        "availability": p.availability,
        "sku": p.sku,
        "language": "en",
        "vertical": p.vertical,
        "breadcrumbs": list(p.breadcrumbs),
        "sources": ["json-ld"],
        "variants": [],
        "fetched_with": "http",
        "rating": p.rating,
        "rating_scale": "5" if p.rating else None,
        "review_count": p.review_count,
    }


def load_in_fresh_process() -> dict[str, Any]:
    """(a) once: wall and CPU of the whole child, and its own import / load figures."""
    cpu0, start = cpu_seconds(), time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=str(ROOT))],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    inside = json.loads(out.stdout.strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, **inside}


def build_cases(languages: list[str], variants: int) -> list[dict[str, Any]]:
    """The keyword arguments of every ``build_script`` call in one pass."""
    cases = []
    for p in PRODUCTS:
        product = product_json(p)
        for language in languages:
            template, why = pick_template(product=product, language=language, length=LENGTH)
            cases.extend(
                {
                    "product": product,
                    "template": template,
                    "language": language,
                    "length": LENGTH,
                    "why": why,
                    "variant": k,
                }
                for k in range(variants)
            )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b); medians")
    parser.add_argument("--passes", type=int, default=10, help="(b): builds of the matrix a run")
    parser.add_argument(
        "--variants", type=int, default=3, help="(b): variants per product+language"
    )
    parser.add_argument(
        "--languages", default="en,de,ja,zh-Hans", help="(b): comma-separated copy languages"
    )
    args = parser.parse_args()
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]

    loads = [load_in_fresh_process() for _ in range(args.repeat)]

    load_templates()  # (b) measures building in a warm process
    cases = build_cases(languages, args.variants)
    digest = hashlib.sha256()
    for case in cases:  # one untimed pass: the digest, and any first-call work
        digest.update(build_script(**case).model_dump_json().encode())
    t_b, cpu_b = [], []
    for _ in range(args.repeat):
        cpu0, start = cpu_seconds(), time.perf_counter()
        for _ in range(args.passes):
            for case in cases:
                build_script(**case)
        t_b.append(time.perf_counter() - start)
        cpu_b.append(cpu_seconds() - cpu0)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def row(label: str, wall: list[float], cpu: list[float], scale: float = 1.0) -> None:
        unit = "s" if scale == 1.0 else "ms"
        runs = ", ".join(f"{v:.2f}" for v in wall) if scale == 1.0 else ""
        line = f"{label:<38} {med(wall) * scale:7.2f} {unit:<2} {med(cpu) * scale:7.2f} {unit:<2}"
        print(f"{line}  {runs}".rstrip())

    scripts = len(cases) * args.passes
    print(
        f"case (a): a fresh `python -c` loading {loads[0]['templates']} templates; "
        f"case (b): {len(PRODUCTS)} demo products x {len(languages)} languages "
        f"({', '.join(languages)}) x {args.variants} variants = {len(cases)} scripts "
        f"({LENGTH:g} s), x {args.passes} passes = {scripts} a run; median of {args.repeat}"
    )
    print(f"{'':<38} {'wall':>10} {'CPU':>10}  runs (wall, s)")
    row("(a) fresh process, in all", [x["wall"] for x in loads], [x["cpu"] for x in loads])
    for key, label in (("import", "import templates_engine"), ("load", "load_templates()")):
        row(f"    of which {label}", [x[key][0] for x in loads], [x[key][1] for x in loads])
    row(f"(b) build_script, {scripts} scripts", t_b, cpu_b)
    row("    a script", [t / scripts for t in t_b], [c / scripts for c in cpu_b], scale=1000)
    print(f"scripts digest (sha256 of one pass's JSON): {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
