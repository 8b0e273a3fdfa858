"""python manage.py build_script --product-json FILE --template SLUG|auto --language CODE
--length SECONDS [--variants N] [--market CN|US|EU] [--seed N] [--platform P] [--tone T]
[--cta TEXT] --json

Writes the ad script(s) for a product read from FILE (the shape ``scrape --json`` prints;
"-" reads standard input) and checks their claims for the market. Nothing is stored.

JSON (a stable interface): ``{"template", "why", "language", "length", "market",
"scripts": [{"variant", "script", "findings", "blocked"}]}`` where ``script`` is the AdScript
and each finding has ``rule, severity, scene, field, start, end, text, message, suggestion, path``.
Exit status 0 even when findings block: the findings are the answer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from templates_engine import builder, compliance, library
from templates_engine.errors import ScriptError, UnknownTemplate


class Command(BaseCommand):
    help = "Write an ad script for a product (from scrape --json) and check its claims."

    def add_arguments(self, parser):
        parser.add_argument("--product-json", required=True, help="product JSON file (scrape --json), or - for stdin")
        parser.add_argument("--template", default="auto", help="a template slug (see list_templates), or auto")
        parser.add_argument("--language", default="en", help="copy language, e.g. en, zh-Hans, es-MX")
        parser.add_argument("--length", type=float, default=15, help="seconds")
        parser.add_argument("--variants", type=int, default=1, help="how many variants (1-10)")
        parser.add_argument("--market", default="US", help="CN, US or EU: whose advertising rules apply")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--platform", default="", help=", ".join(p for p in builder.PLATFORMS if p))
        parser.add_argument("--tone", default="", help=", ".join(builder.TONES))
        parser.add_argument("--cta", default=None, help="call to action text ('' for none)")
        parser.add_argument("--format", action="append", dest="formats", help="9:16, 1:1, 4:5, 16:9 (repeatable)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        product = _read_product(opts["product_json"])
        try:
            market = compliance.normalise_market(opts["market"])
            if opts["template"] == "auto":
                template, why = library.pick_template(product=product, language=opts["language"], length=opts["length"])
            else:
                template, why = library.get_template(opts["template"]), "chosen by the user"
            scripts = builder.variants(
                count=opts["variants"], product=product, template=template, language=opts["language"],
                length=opts["length"], seed=opts["seed"], cta=opts["cta"], formats=tuple(opts["formats"] or ["9:16"]),
                why=why, platform=opts["platform"], tone=opts["tone"],
            )
        except (ScriptError, UnknownTemplate, ValueError) as exc:
            raise CommandError(str(exc)) from None
        results = []
        for script in scripts:
            findings = compliance.check_script(script, product=product, market=market)
            results.append({
                "variant": script.variant,
                "script": script.model_dump(mode="json"),
                "findings": [f.as_dict() for f in findings],
                "blocked": bool(compliance.blocking(findings)),
            })
        data = {
            "template": template.slug, "why": why, "language": scripts[0].language,
            "length": scripts[0].length, "market": market, "scripts": results,
        }
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{template.slug}: {why}")
        for result in results:
            self.stdout.write(f"\n-- variant {result['variant']}")
            for scene in result["script"]["scenes"]:
                self.stdout.write(f"{scene['duration']:5.2f}s {scene['shot_type']:<9} {scene['caption']!r}  / {scene['voiceover']!r}")
            for f in result["findings"]:
                self.stdout.write(f"  [{f['severity']}] {f['rule']} at {f['path']}: {f['message']} -> {f['suggestion']!r}")


def _read_product(name: str) -> dict:
    try:
        raw = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read {name}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{name} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CommandError(f"{name} must hold one product object (the shape scrape --json prints)")
    return data
