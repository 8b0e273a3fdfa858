"""Run every campaign whose time has come, once per slot: the beat scheduler's tick, for
machines without a broker (cron, the embedded quick start). Without a broker the runs and their
jobs are made in this process; with one, they are queued for the workers."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand

from campaigns.engine import runs_pending_inline
from campaigns.services import campaigns_run_due, runs_reconcile


class Command(BaseCommand):
    help = "Start the campaign runs that are due (once per slot); without a broker, run them here."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the runs started as JSON")

    def handle(self, *args, **opts):
        inline = not settings.CELERY_BROKER_URL
        started = campaigns_run_due(queue=not inline)
        if inline:
            runs_pending_inline(claimant=f"inline:{uuid.uuid4()}")
        else:
            runs_reconcile()
        rows = [
            {"run": str(run.id), "campaign": str(run.campaign_id), "slot": run.slot.isoformat()}
            for run in started
        ]
        if opts["json"]:
            self.stdout.write(json.dumps({"started": rows}))
        else:
            for row in rows:
                self.stdout.write(
                    f"started run {row['run']} of campaign {row['campaign']} for {row['slot']}"
                )
            if not rows:
                self.stdout.write("nothing due")
