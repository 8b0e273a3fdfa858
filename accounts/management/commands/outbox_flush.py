"""python manage.py outbox_flush

Send the task messages kept in the outbox while the broker was down (accounts/outbox.py): from
cron where no beat process runs, or by hand after an outage. Prints how many were sent and kept.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from accounts.outbox import outbox_flush


class Command(BaseCommand):
    help = "Send the task messages that waited in the outbox for the broker."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(outbox_flush()))
