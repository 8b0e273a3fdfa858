"""The Celery app. Queues: default (scrape, script, bookkeeping), gpu (diffusion shots, one
task per GPU), render (CPU composition and encoding). Names come from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shopreel")
app.config_from_object("django.conf:settings", namespace="CELERY")


app.autodiscover_tasks()

# Log lines of a task carry its id, name, job and workspace (config/celery_logging.py).
from config import celery_logging  # noqa: E402, F401  (connects the signals)
