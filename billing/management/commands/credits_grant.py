"""python manage.py credits_grant --workspace SLUG --credits N --reason TEXT

Grants N credits to the account that pays for the workspace: its own, or its agency's pool
when it is an agency's client. Recorded in the ledger as a grant with the reason (a staff
grant: reference ``staff:<uuid>``, no actor). Prints one line; bad input exits non-zero with
one plain line. A stable interface for scripts."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import workspace_by_slug
from billing.ledger import account_for_workspace, credits_grant
from core.errors import ApplicationError


def describe_account(*, workspace, account) -> str:
    if account.agency_id:
        return f"the pool of the agency {account.agency.slug} (which pays for {workspace.slug})"
    return f"the workspace {workspace.slug}"


class Command(BaseCommand):
    help = "Grant credits to the account that pays for a workspace (its agency's pool for a client)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--credits", required=True, help="how many credits to add (at least 1)")
        parser.add_argument("--reason", required=True, help="why: shown in the account's ledger")

    def handle(self, *args, **opts):
        try:
            credits = int(opts["credits"])
        except ValueError:
            raise CommandError(f"--credits takes a whole number of credits, not {opts['credits']!r}.") from None
        try:
            workspace = workspace_by_slug(slug=opts["workspace"])
            account = account_for_workspace(workspace=workspace)
            credits_grant(account=account, credits=credits, reason=opts["reason"], reference=f"staff:{uuid.uuid4()}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        account.refresh_from_db()
        self.stdout.write(
            f"Granted {credits} credits to {describe_account(workspace=workspace, account=account)}: "
            f"the balance is {account.balance}."
        )
