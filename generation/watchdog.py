"""The watchdog: jobs lost with their worker, or never handed to one, are found and finished.

A step writes its job's ``heartbeat_at`` when it claims the job, and every
``services.HEARTBEAT_SECONDS`` while it makes shots or renders. A job still running whose
heartbeat is older than ``SHOPREEL_JOB_STALL_SECONDS`` was lost: its worker was killed (the
broker would redeliver it only after the visibility timeout, ~25 min), the broker lost the
step's message after taking it (every send goes through the task outbox, accounts/outbox.py,
so a broker down at the send only delays it; this sweep is the second line of defence), or
the database refused the step's last write (PostgreSQL down, so even ``job_fail`` could not
record the failure). Without this sweep such a job shows "running, 41 %" until someone looks,
its credits stay held, and a re-render answers ``ad_busy``.

``jobs_watchdog_sweep`` (every minute from beat, ``generation.jobs_watchdog``; or
``manage.py jobs_watchdog`` from cron where there is no broker) takes each lost job in turn:

- cancel asked: the job is cancelled (its held credits are released by billing's consumer);
- else the job is put back on its stage's queue (every step is idempotent: shots already made
  and formats already rendered are kept), at most ``SHOPREEL_JOB_MAX_RESUMES`` times, after
  removing the killed attempt's temporary ``.part`` files and giving back the shots it was
  making (their claims would otherwise keep the resent shots off them until the hard time
  limit, and the render would find them unfinished);
- after that, it fails in plain words (credits released).

Two sweeps never take one job: the resume is claimed by a conditional UPDATE on the heartbeat
it read. A broker that is still down fails the send; the next sweep tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from generation import services, workflow
from generation.models import RenderJob, Shot
from generation.selectors import job_stall_cutoff

logger = logging.getLogger(__name__)

LOST_MESSAGE = (
    "The ad could not be finished: the machine making it stopped {resumes} times. Nothing was "
    "charged; make the ad again."
)


def jobs_stalled(*, now: datetime | None = None) -> QuerySet[RenderJob]:
    """Running jobs whose heartbeat (or, before the first one, start) is older than the stall limit."""
    cutoff = job_stall_cutoff(now)
    return RenderJob.objects.filter(state=RenderJob.State.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def jobs_watchdog_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Finish or resume every lost job; returns how many of each outcome."""
    counts = {"cancelled": 0, "resumed": 0, "failed": 0, "skipped": 0}
    for job in jobs_stalled(now=now).order_by("heartbeat_at")[:500]:
        counts[job_recover(job=job, now=now)] += 1
    if any(counts[key] for key in ("cancelled", "resumed", "failed")):
        logger.info("watchdog sweep", extra=counts)
    return counts


def job_recover(*, job: RenderJob, now: datetime | None = None) -> str:
    """One lost job: ``cancelled``, ``resumed``, ``failed``, or ``skipped`` (another sweep took it,
    or the broker refused the resend)."""
    now = now or timezone.now()
    # Claim this recovery: only if the heartbeat is still the stale one we read.
    claimed = RenderJob.objects.filter(
        id=job.id, state=RenderJob.State.RUNNING, heartbeat_at=job.heartbeat_at, resumes=job.resumes
    ).update(heartbeat_at=now, resumes=job.resumes + 1)
    if not claimed:
        return "skipped"
    _remove_partial_files(job)
    _release_lost_shots(job)
    if job.cancel_requested:
        services.job_cancelled(job_id=job.id)
        return "cancelled"
    if job.resumes >= settings.SHOPREEL_JOB_MAX_RESUMES:
        services.job_fail(job_id=job.id, code="worker_lost", message=LOST_MESSAGE.format(resumes=job.resumes + 1))
        return "failed"
    try:
        workflow.stage_signature(str(job.id), job.stage, job.ad_id).apply_async()
    except Exception:  # the broker is down: the next sweep tries again
        logger.warning("watchdog could not resend a job", exc_info=True, extra={"job_id": str(job.id)})
        RenderJob.objects.filter(id=job.id).update(heartbeat_at=job.heartbeat_at, resumes=job.resumes)
        return "skipped"
    logger.info("job resumed", extra={"job_id": str(job.id), "stage": job.stage, "resumes": job.resumes + 1})
    return "resumed"


def _release_lost_shots(job: RenderJob) -> None:
    """The shots the lost attempt had claimed and not finished: free for the resent shots. No
    worker is making them: it would have written the job's heartbeat every 15 s."""
    if job.ad_id is not None:
        Shot.objects.filter(ad_id=job.ad_id, state=Shot.State.RUNNING).update(
            state=Shot.State.PENDING, claimed_by="", claimed_at=None
        )


def _remove_partial_files(job: RenderJob) -> None:
    """The killed attempt's temporary outputs (``.<format>.<token>.part.<ext>``) in the job's folder."""
    if job.ad_id is None:
        return
    folder = Path(settings.MEDIA_ROOT) / f"workspaces/{job.workspace_id}/ads/{job.ad_id}/{job.id}"
    for path in folder.glob(".*.part.*") if folder.is_dir() else ():
        path.unlink(missing_ok=True)
