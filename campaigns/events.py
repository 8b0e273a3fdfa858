"""The events campaigns emits (``accounts.events``), also sent as webhooks: a run started, and
a run completed with its counts. Call each inside the transaction that moved the run's state."""

from __future__ import annotations

from accounts.events import event_record
from campaigns.models import CampaignRun
from campaigns.representations import run_representation

RUN_STARTED = "campaign.run.started"
RUN_COMPLETED = "campaign.run.completed"


def run_started(*, run: CampaignRun) -> None:
    """``campaign.run.started``: the run as the API shows it, without its items."""
    event_record(
        workspace_id=run.workspace_id,
        type=RUN_STARTED,
        subject_id=run.id,
        data=run_representation(run=run, items=False),
    )


def run_completed(*, run: CampaignRun) -> None:
    """``campaign.run.completed``: the run with its counts (regenerated, unchanged, skipped,
    failed); the items are at ``GET /campaigns/{id}/runs/{run_id}/``."""
    event_record(
        workspace_id=run.workspace_id,
        type=RUN_COMPLETED,
        subject_id=run.id,
        data=run_representation(run=run, items=False),
    )
