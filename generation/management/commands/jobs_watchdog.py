"""python manage.py jobs_watchdog

Finish or resend every job lost with its worker (generation/watchdog.py): for cron where no beat
process runs. Prints how many jobs were cancelled, resumed, failed or skipped.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from generation.watchdog import jobs_watchdog_sweep


class Command(BaseCommand):
    help = "Finish or resend jobs whose worker stopped sending heartbeats."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(jobs_watchdog_sweep()))
