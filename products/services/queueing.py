"""Queue a products task by its name once the caller's transaction commits.

Services never import ``products.tasks`` (the tasks import the services): a task is named,
the way ``accounts.webhooks`` queues its deliveries, on the default queue from settings."""

from __future__ import annotations

from celery import signature
from django.conf import settings

from accounts.outbox import outbox_send_on_commit

IMPORT_PRODUCT_TASK = "products.import_product"
IMPORT_BATCH_TASK = "products.import_batch"


def task_queue_on_commit(*, name: str, object_id) -> None:
    """Queue ``name(str(object_id))`` after commit, so a worker never sees an uncommitted row,
    through the outbox, so a broker that is down loses nothing (accounts/outbox.py)."""
    outbox_send_on_commit(signature(name, args=[str(object_id)], queue=settings.SHOPREEL_QUEUE_DEFAULT))
