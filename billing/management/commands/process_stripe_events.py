"""Process the Stripe events that are stored but not processed: where no broker runs (with
cron), after a handler failed (an unknown price fixed in the admin, Stripe unreachable), or
when a task was lost. Safe beside the workers: each event is claimed."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Process stored Stripe webhook events that are not processed yet, oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many events (default 100).")

    def handle(self, *args, limit: int, **options):
        from billing.stripe_events import (
            Outcome,
            stripe_events_pending,
            stripe_events_process_pending,
        )

        counts = stripe_events_process_pending(limit=limit)
        failed = counts[Outcome.FAILED] + counts[Outcome.RETRY]
        self.stdout.write(
            f"{counts[Outcome.PROCESSED]} Stripe events processed, {failed} failed "
            f"(their error is on the event), {stripe_events_pending().count()} still unprocessed."
        )
        for event in stripe_events_pending().exclude(error="")[:10]:
            self.stderr.write(f"{event.id} ({event.type}): {event.error}")
