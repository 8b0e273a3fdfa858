"""Queue a products task by its name once the caller's transaction commits.

Services never import ``products.tasks`` (the tasks import the services): a task is named,
the way ``accounts.webhooks`` queues its deliveries, on the default queue from settings."""

from __future__ import annotations

from collections.abc import Callable

from celery import signature
from django.conf import settings
from django.db import transaction

from accounts.outbox import outbox_send_on_commit

IMPORT_PRODUCT_TASK = "products.import_product"
IMPORT_BATCH_TASK = "products.import_batch"
FETCH_PHOTOS_TASK = "products.fetch_photos"


def task_queue_on_commit(*, name: str, object_id) -> None:
    """Queue ``name(str(object_id))`` after commit, so a worker never sees an uncommitted row,
    through the outbox, so a broker that is down loses nothing (accounts/outbox.py)."""
    outbox_send_on_commit(signature(name, args=[str(object_id)], queue=settings.SHOPREEL_QUEUE_DEFAULT))


def task_queue_or_run_on_commit(*, name: str, object_id, run: Callable[[], None]) -> None:
    """Like :func:`task_queue_on_commit` where there is a broker. Where there is none
    (``CELERY_BROKER_URL`` empty: the embedded defaults, no worker to take the message) ``run``
    is called after commit in this process instead, so the work still ends."""
    if settings.CELERY_BROKER_URL:
        task_queue_on_commit(name=name, object_id=object_id)
    else:
        transaction.on_commit(run, robust=True)
