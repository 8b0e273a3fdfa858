"""The events generation emits (``accounts.events``): call each inside the transaction whose
conditional UPDATE finished the job, so a redelivered task records none."""

from __future__ import annotations

from accounts.events import event_record
from generation.models import RenderJob
from generation.representations import job_representation

AD_COMPLETED = "ad.completed"
AD_FAILED = "ad.failed"
# Not a webhook: the user asked for it. Billing releases what the job held.
JOB_CANCELLED = "job.cancelled"


def job_finished(*, job_id, succeeded: bool) -> None:
    """``ad.completed`` or ``ad.failed``, with the ad and the job as the API shows them."""
    job = RenderJob.objects.select_related("workspace").filter(id=job_id).first()
    if job is None:
        return
    event_record(
        workspace_id=job.workspace_id, type=AD_COMPLETED if succeeded else AD_FAILED, subject_id=job.id,
        data=job_representation(job=job),
    )


def job_cancelled(*, job_id) -> None:
    """``job.cancelled``, with the job as the API shows it."""
    job = RenderJob.objects.select_related("workspace").filter(id=job_id).first()
    if job is None:
        return
    event_record(
        workspace_id=job.workspace_id, type=JOB_CANCELLED, subject_id=job.id, data=job_representation(job=job)
    )
