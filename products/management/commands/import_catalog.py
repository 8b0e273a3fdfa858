"""python manage.py import_catalog FILE [--workspace SLUG] [--json]

Creates one product per row of a CSV of product links or a Google Merchant feed (XML or TSV)
and prints each row's outcome. Exit status 0 even when rows failed: the report says which.
The import is the API's batch (``POST /products/batch/``: the same limits, duplicate rows
imported once), run to its end in this process rather than by a worker.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import workspace_by_slug
from accounts.services import workspace_get_or_create_default
from core.errors import ApplicationError
from products.services import catalog_import


class Command(BaseCommand):
    help = "Import many products from a CSV of links or a Google Merchant feed."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV/TSV of links, or a Merchant feed (XML or TSV)")
        parser.add_argument("--workspace", help="workspace slug (default: the command line's own)")
        parser.add_argument("--json", action="store_true", help="print the outcome of each row as JSON")
        parser.add_argument("--no-browser", action="store_true", help="never fall back to the browser")

    def handle(self, *args, **opts):
        try:
            data = opts["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc.strerror}") from None
        try:
            workspace = (workspace_by_slug(slug=opts["workspace"]) if opts["workspace"]
                         else workspace_get_or_create_default())
            outcomes = catalog_import(workspace=workspace, data=data, browser=not opts["no_browser"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        rows = [o.as_dict() for o in outcomes]
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        if opts["json"]:
            self.stdout.write(json.dumps({"rows": rows, "counts": counts}, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['row']:>4} {row['status']:<9} {row['source'][:70]}  {row['message']}")
        self.stdout.write(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
