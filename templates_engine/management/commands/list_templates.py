"""python manage.py list_templates [--json]

Every template in the library: slug, vertical, structure, languages, supported lengths. The
JSON form is a stable interface: a list of objects with the keys in ``KEYS``.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from templates_engine.library import load_templates
from templates_engine.summary import template_summary


class Command(BaseCommand):
    help = "List the ad templates: vertical, structure, languages and lengths."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        rows = [template_summary(t) for t in load_templates().values()]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            lengths = "/".join(f"{x:g}" for x in row["lengths"])
            self.stdout.write(f"{row['slug']:<32} {row['vertical']:<11} {row['structure']:<18} {lengths:<12} {', '.join(row['languages'])}")
