"""python manage.py worker_health [--queue NAME] [--worker NODE] [--timeout SECONDS]

A worker's liveness probe (a container's exec probe, or cron): exits 0 when a Celery worker
answers a ping through the broker within the timeout, 1 otherwise. ``--worker default@$HOSTNAME``
asks that one worker (the node name it was started with, ``-n``); ``--queue render`` asks that
some worker consumes that queue. Prints the workers that answered, as JSON.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from config.celery_app import app
from config.health import workers_answering


class Command(BaseCommand):
    help = "Exit 0 when a Celery worker (of a queue, or by node name) answers a ping, else 1."

    def add_arguments(self, parser):
        parser.add_argument("--queue", help="Only workers consuming this queue count.")
        parser.add_argument("--worker", help="Only this worker counts: its node name, e.g. default@host-1.")
        parser.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait for answers (default 5).")

    def handle(self, *args, queue=None, worker=None, timeout=5.0, **options):
        if timeout <= 0:
            raise CommandError("--timeout must be more than 0 seconds.")
        try:
            answered = workers_answering(app=app, queue=queue, worker=worker, timeout=timeout)
        except Exception as exc:  # the broker is down or refuses: no worker can be reached
            raise CommandError(f"no worker reached: the broker did not answer ({type(exc).__name__})") from None
        if not answered:
            whom = f"worker {worker}" if worker else "worker"
            where = f" consuming queue {queue}" if queue else ""
            raise CommandError(f"no {whom}{where} answered within {timeout:g} s")
        self.stdout.write(json.dumps({"status": "ok", "workers": answered}))
