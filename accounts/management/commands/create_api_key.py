"""python manage.py create_api_key (--workspace SLUG | --agency SLUG) [--scope read|write] [--name NAME] [--json]

Makes an API key for the workspace (or for an agency: all its client workspaces) and prints it
once: only its hash is stored. ``--json`` prints ``{"id", "key", "prefix", "scope",
"workspace"}`` (``"agency"`` in place of ``"workspace"`` for an agency key): a stable
interface for scripts."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiKey
from accounts.selectors import agency_by_slug, workspace_by_slug
from accounts.services import api_key_create
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for a workspace; the key is printed once."

    def add_arguments(self, parser):
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--workspace", help="the workspace's slug")
        owner.add_argument("--agency", help="an agency's slug: the key reaches all its clients")
        parser.add_argument("--scope", choices=ApiKey.Scope.values, default=ApiKey.Scope.READ)
        parser.add_argument("--name", default="Command line", help="a label to recognise the key by")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        try:
            if opts["workspace"]:
                owner = {"workspace": workspace_by_slug(slug=opts["workspace"])}
            else:
                owner = {"agency": agency_by_slug(slug=opts["agency"])}
            key, plaintext = api_key_create(**owner, name=opts["name"], scope=opts["scope"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        [(kind, target)] = owner.items()
        if opts["json"]:
            self.stdout.write(json.dumps({
                "id": str(key.id), "key": plaintext, "prefix": key.prefix, "scope": key.scope, kind: target.slug,
            }))
        else:
            self.stdout.write(f"API key ({key.scope}) for the {kind} {target.slug}, shown only now:\n{plaintext}")
