"""Celery tasks for billing: thin, take ids, call the service."""

from __future__ import annotations

from celery import shared_task

# Seconds before each new try of an event whose handler could not reach Stripe.
RETRY_DELAYS = (30, 120, 600, 1800, 3600)


@shared_task(
    bind=True, name="billing.process_stripe_event", acks_late=True, max_retries=len(RETRY_DELAYS),
    soft_time_limit=120, time_limit=180,
)
def process_stripe_event(self, event_id: str) -> str:
    """Process one stored Stripe event (at most once: the service claims it). Stripe being
    unreachable is retried with backoff; any other failure is written on the event, and
    ``manage.py process_stripe_events`` tries it again later."""
    from billing.stripe_events import Outcome, stripe_event_process

    outcome = stripe_event_process(event_id=event_id)
    if outcome == Outcome.RETRY and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    return str(outcome)
