"""Celery tasks: thin wrappers that take ids and call a service.

The canvases that chain them (scrape → script → chord(shots → render)) are built by task name
in ``generation.workflow``, which also names the tasks. Failures are recorded on the RenderJob
(or the ModelAdapter row) by the services before the task fails.

A refused input (an ``ApplicationError``: the page is gone, the claims block the ad) and a
cancel are outcomes, not crashes: the job already says so in plain words, so the task logs one
INFO line and ends; only what nobody foresaw reaches Celery's error log with its traceback.
"""

from __future__ import annotations

import functools
import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from core.errors import ApplicationError
from generation import workflow
from generation.backends.base import ShotCancelled
from generation.render.errors import RenderCancelled

logger = logging.getLogger(__name__)

# A step that met an unreachable database (restarted, failing over) is tried again on its own,
# after 2, 4, 8 … up to 60 s (about 3 min in all); then the job watchdog takes over.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 6,
}


def _outcome(task):
    """Recorded outcomes end the task quietly (see the module's docstring)."""

    @functools.wraps(task)
    def run(*args, **kwargs):
        try:
            return task(*args, **kwargs)
        except (ShotCancelled, RenderCancelled):
            logger.info("job step stopped: cancelled", extra={"task": task.__name__, "job_id": _job_id(args, kwargs)})
        except ApplicationError as exc:
            logger.info("job step ended", extra={"task": task.__name__, "job_id": _job_id(args, kwargs), "code": exc.code})
        return None

    return run


def _job_id(args, kwargs) -> str:
    return kwargs.get("job_id") or next((a for a in args if isinstance(a, str)), "")


@shared_task(name=workflow.SCRAPE_PRODUCT, **DB_RETRY)
@_outcome
def scrape_product(job_id: str) -> None:
    from generation.services import job_scrape

    job_scrape(job_id=job_id)


@shared_task(name=workflow.BUILD_SCRIPT, **DB_RETRY)
@_outcome
def build_script(job_id: str) -> None:
    """Write the script; the service queues the shots' chord through the task outbox in the
    same transaction (the shots are known now), so a broker outage delays it, never loses it."""
    from generation.services import job_build_script

    job_build_script(job_id=job_id, queue_shots=True)


@shared_task(bind=True, name=workflow.GENERATE_SHOT, **DB_RETRY)
@_outcome
def generate_shot(self, job_id: str, shot_id: str) -> None:
    from generation.services import job_shot_generate

    job_shot_generate(job_id=job_id, shot_id=shot_id, claimant=self.request.id or "")


@shared_task(bind=True, name=workflow.GENERATE_SHOTS, **DB_RETRY)
@_outcome
def generate_shots(self, job_id: str, shot_ids: list[str]) -> None:
    """A batch of one ad's shots for one model, made together on a gpu worker."""
    from generation.services import job_shots_generate

    job_shots_generate(job_id=job_id, shot_ids=shot_ids, claimant=self.request.id or "")


@shared_task(name=workflow.RENDER_AD, **DB_RETRY)
@_outcome
def render_ad(job_id: str) -> None:
    from generation.services import job_render

    job_render(job_id=job_id)


@shared_task(
    name=workflow.FINETUNE_ADAPTER,
    soft_time_limit=settings.SHOPREEL_TRAINING_TIME_LIMIT,
    time_limit=settings.SHOPREEL_TRAINING_TIME_LIMIT + 60,
)
def finetune_adapter(adapter_id: str) -> str | None:
    """Train and register the queued ModelAdapter row (gpu queue); returns its id, or None when
    another delivery of this task already claimed it (nothing is trained twice). A failure is
    recorded on the row (state failed, plain message) before the task fails."""
    from generation.training.services import model_adapter_run

    adapter = model_adapter_run(adapter_id=adapter_id)
    return str(adapter.id) if adapter is not None else None


@shared_task(name="generation.jobs_watchdog")
def jobs_watchdog() -> dict[str, int]:
    """Every minute from beat: finish or resend jobs lost with their worker (generation.watchdog)."""
    from generation.watchdog import jobs_watchdog_sweep

    return jobs_watchdog_sweep()
