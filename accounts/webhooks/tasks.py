"""Celery task for webhooks: thin, takes the delivery's id, calls the service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.deliver_webhook", acks_late=True, soft_time_limit=60, time_limit=90)
def deliver_webhook(delivery_id: str) -> None:
    from accounts.webhooks.services import webhook_delivery_attempt

    webhook_delivery_attempt(delivery_id=delivery_id)
