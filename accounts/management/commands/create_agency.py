"""python manage.py create_agency NAME [--slug SLUG] [--json]

Creates an agency; its clients are made with ``create_workspace NAME --agency SLUG`` and an
agency key with ``create_api_key --agency SLUG``. ``--json`` prints ``{"id", "slug", "name"}``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from accounts.models import Agency
from accounts.services import agency_create


class Command(BaseCommand):
    help = "Create an agency and print its id and slug."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", help="URL name (default: from the name)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        name = " ".join(opts["name"].split())
        slug = opts["slug"] or slugify(name)[:60]
        if not name or not slug:
            raise CommandError("Give the agency a name (or a --slug).")
        if Agency.objects.filter(slug=slug).exists():
            raise CommandError(f"An agency with the slug {slug!r} exists; pass another --slug.")
        agency = agency_create(name=name, slug=slug)
        if opts["json"]:
            self.stdout.write(json.dumps({"id": str(agency.id), "slug": agency.slug, "name": agency.name}))
        else:
            self.stdout.write(f"Agency {agency.name!r}: id {agency.id}, slug {agency.slug}")
