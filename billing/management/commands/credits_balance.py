"""python manage.py credits_balance --workspace SLUG [--json]

The balance and the reserve of the account that pays for the workspace (its own, or its
agency's pool). ``--json`` prints exactly ``{"balance": N, "reserved": N}``: a stable interface
for scripts. Like every other path to it, the account is made on first use (on the trial plan
with its credits)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import workspace_by_slug
from billing.ledger import account_for_workspace
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Show the credits of the account that pays for a workspace."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--json", action="store_true", help='print {"balance": N, "reserved": N}')

    def handle(self, *args, **opts):
        try:
            workspace = workspace_by_slug(slug=opts["workspace"])
            account = account_for_workspace(workspace=workspace)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if opts["json"]:
            self.stdout.write(json.dumps({"balance": account.balance, "reserved": account.reserved}))
        else:
            self.stdout.write(
                f"{workspace.slug}: {account.balance} credits to spend, {account.reserved} held for queued jobs "
                f"({'the pool of the agency ' + account.agency.slug if account.agency_id else 'its own account'})."
            )
