"""Send webhook deliveries that are due (retries where no broker runs, and any whose task was
lost) and prune the delivery log past SHOPREEL_WEBHOOK_LOG_DAYS. Safe to run from cron beside
the workers: attempts claim their row."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Attempt the webhook deliveries that are due, and prune old finished ones."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many deliveries (default 100).")

    def handle(self, *args, limit: int, **options):
        from accounts.webhooks.services import webhook_deliveries_prune, webhook_deliveries_send_due

        tried = webhook_deliveries_send_due(limit=limit)
        pruned = webhook_deliveries_prune()
        self.stdout.write(f"{tried} webhook deliveries attempted, {pruned} old ones pruned.")
