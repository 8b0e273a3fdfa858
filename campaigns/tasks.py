"""Celery tasks for campaigns: thin wrappers that take ids and call a service. The beat
scheduler sends ``campaigns.run_due`` (its one periodic task, see ``CampaignsConfig``); runs
are queued by name (``services.RUN_CAMPAIGN_TASK``)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

RUN_DUE_TASK = "campaigns.run_due"


@shared_task(name=RUN_DUE_TASK)
def run_due() -> int:
    """Start what is due (once per slot), and the safety net for runs left behind."""
    from campaigns.services import campaigns_run_due, runs_reconcile

    started = campaigns_run_due()
    runs_reconcile()
    return len(started)


@shared_task(name="campaigns.run_campaign")
def run_campaign(run_id: str, claimant: str) -> None:
    """Read, decide and queue a run's items; a long run goes on in a new task after each slice
    (with the same claimant, so the claim is kept)."""
    from campaigns.engine import run_execute

    if run_execute(run_id=run_id, claimant=claimant):
        run_campaign.apply_async(args=[run_id, claimant], queue=settings.SHOPREEL_QUEUE_DEFAULT)
