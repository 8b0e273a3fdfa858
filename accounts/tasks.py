"""Celery tasks of accounts: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.outbox_flush")
def outbox_flush() -> dict[str, int]:
    """Every 30 s from beat: send the outbox's messages kept while the broker was down."""
    from accounts.outbox import outbox_flush as flush

    return flush()
