"""The task outbox: work is never lost because the broker was down when it was queued.

A service that starts background work calls ``outbox_send_on_commit(signature)`` instead of
``transaction.on_commit(lambda: signature.apply_async())``. The signature is written as a row in
the caller's transaction, so it exists exactly when the work's own rows exist. After commit it
is sent at once and its row deleted; when the broker is down (Redis restarting, a network
split) the send fails, the caller's request still succeeds, and the row stays. ``outbox_flush``
sends the rows that are due, with backoff: beat runs it every 30 s (``accounts.outbox_flush``),
and ``manage.py outbox_flush`` does it from cron or by hand.

Delivery is at least once: a process that dies between the send and the delete sends that
message again on the next flush. Every task Shopreel queues is idempotent (it claims its row
with a conditional UPDATE), so a second copy finds its work done.

The command line (``make_ad``, the embedded quick start) queues nothing: it runs its work
in-process.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import signature as celery_signature
from celery.canvas import Signature
from django.db import transaction
from django.utils import timezone

from accounts.models import OutboxMessage

logger = logging.getLogger(__name__)

# A message just written is sent by its own commit hook; the flush leaves it that long.
FRESH_SECONDS = 15
BACKOFF_MAX_SECONDS = 300
FLUSH_BATCH = 200


def outbox_send_on_commit(sig: Signature) -> OutboxMessage:
    """Write ``sig`` in the current transaction and send it once that commits."""
    message = OutboxMessage.objects.create(
        signature=_as_json(sig), next_attempt_at=timezone.now() + timedelta(seconds=FRESH_SECONDS)
    )
    transaction.on_commit(lambda: outbox_send(message_id=message.id), robust=True)
    return message


def outbox_send(*, message_id) -> bool:
    """Send one message and delete its row; on a broker error keep it for the next flush."""
    message = OutboxMessage.objects.filter(id=message_id).first()
    if message is None:  # sent by a flush meanwhile
        return True
    try:
        publish(celery_signature(message.signature))
    except Exception as exc:  # the broker is down or refuses: keep the row, try later
        attempts = message.attempts + 1
        delay = min(BACKOFF_MAX_SECONDS, FRESH_SECONDS * 2 ** min(attempts, 8))
        OutboxMessage.objects.filter(id=message.id).update(
            attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:300],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        logger.warning("outbox: send failed, kept for later", extra={
            "message_id": str(message.id), "task": message.signature.get("task"), "attempts": attempts,
        })
        return False
    OutboxMessage.objects.filter(id=message.id).delete()
    return True


def outbox_flush(*, limit: int = FLUSH_BATCH) -> dict[str, int]:
    """Send the messages that are due, oldest first; how many were sent and how many kept."""
    due = list(
        OutboxMessage.objects.filter(next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at").values_list("id", flat=True)[:limit]
    )
    sent = sum(outbox_send(message_id=message_id) for message_id in due)
    counts = {"sent": sent, "kept": len(due) - sent}
    if due:
        logger.info("outbox flushed", extra=counts)
    return counts


def outbox_backlog() -> dict[str, int | None]:
    """How many messages wait to be sent and the age in seconds of the oldest (``None`` when
    none wait): an age that keeps growing means the broker is down or nothing runs the flush
    (``/readyz`` reports it, docs/OPERATIONS.md)."""
    from django.db.models import Count, Min

    backlog = OutboxMessage.objects.aggregate(unsent=Count("id"), oldest=Min("created_at"))
    oldest = backlog["oldest"]
    age = None if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    return {"unsent": backlog["unsent"], "oldest_seconds": age}


def publish(sig: Signature) -> None:
    """The one place a message leaves for the broker (tests record here, at the broker's edge)."""
    sig.apply_async()


def _as_json(sig: Signature) -> dict:
    """The signature as plain JSON (canvases nest their tasks as dicts)."""
    import json

    from kombu.utils.json import dumps

    return json.loads(dumps(dict(sig)))
