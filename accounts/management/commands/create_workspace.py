"""python manage.py create_workspace NAME [--slug SLUG] [--agency SLUG] [--json]

Creates a workspace (one merchant), as a client of an agency with ``--agency``. ``--json`` prints ``{"id", "slug", "name"}``: a stable
interface for scripts."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from accounts.selectors import agency_by_slug
from accounts.services import workspace_create
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a workspace and print its id and slug."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", help="URL name (default: from the name)")
        parser.add_argument("--agency", help="the slug of the agency whose client it is")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        name = " ".join(opts["name"].split())
        if not name:
            raise CommandError("Give the workspace a name.")
        from django.utils.text import slugify

        slug = opts["slug"] or slugify(name)[:60]
        if not slug:
            raise CommandError("The name gives no usable slug; pass --slug.")
        if Workspace.objects.filter(slug=slug).exists():
            raise CommandError(f"A workspace with the slug {slug!r} exists; pass another --slug.")
        try:
            agency = agency_by_slug(slug=opts["agency"]) if opts["agency"] else None
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        workspace = workspace_create(name=name, slug=slug, agency=agency)
        if opts["json"]:
            self.stdout.write(json.dumps({"id": str(workspace.id), "slug": workspace.slug, "name": workspace.name}))
        else:
            self.stdout.write(f"Workspace {workspace.name!r}: id {workspace.id}, slug {workspace.slug}")
