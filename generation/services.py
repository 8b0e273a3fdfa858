"""The pipeline's writes: product URL → product → script → shots → rendered files.

Each stage is a service that takes ids, claims its work with a conditional UPDATE, and records
progress on the RenderJob. The same services run in Celery tasks (generation.tasks) and
in-process for the command line (``job_run_inline``). A stage run twice (a task redelivered
after its worker died) finds its work done, or redoes it into the same place: the effects
happen once.

This module holds the job: its stages, progress, cancelling and rendering. Its options are a
``JobOptions`` (generation/options.py); its Celery canvas is built by task name in
generation/workflow.py. The ad services (script, claims, edits) are in ``generation/ads.py``
and the shot services (claims, backend chains, batches) in ``generation/shots.py``; their
public names import from here too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from accounts import storage as media_storage
from accounts.models import Workspace
from accounts.outbox import outbox_send_on_commit
from core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from core.fetch import SafeFetcher
from generation import events as generation_events
from generation import selectors, workflow
from generation.ads import (
    ad_create,
    ad_draft,
    ad_facts_translate,
    ad_price_recheck,
    ad_price_refuse_unconfirmed,
    compliance_message,
)
from generation.ads import ad_script_update as ad_script_update
from generation.backends.base import ShotCancelled
from generation.models import Ad, RenderJob, RenderOutput, Shot
from generation.options import JobOptions
from generation.render.errors import RenderCancelled, RenderError
from generation.shots import shot_batches, shots_generate
from generation.shots import shot_generate as shot_generate
from generation.specs import render_spec_for
from products import services as product_services
from products.models import Product

logger = logging.getLogger(__name__)

# Errors that mean the database is unreachable now, not that the work is wrong.
DatabaseUnavailable = (OperationalError, InterfaceError)

# Where each stage's progress starts, in percent of the whole job.
PROGRESS = {"scrape": 0, "script": 10, "shots": 15, "render": 25, "done": 100}
CANCEL_POLL_SECONDS = 0.5
# A worker making shots or rendering proves it is alive this often (generation.watchdog).
HEARTBEAT_SECONDS = 15


# --- creating and finishing jobs ------------------------------------------------------------


def job_create(
    *,
    workspace: Workspace,
    url: str = "",
    options: JobOptions | Mapping[str, Any] | None = None,
    product: Product | None = None,
) -> RenderJob:
    """A queued job for a product URL, or for a product already imported (``product``: its
    scrape stage then has nothing to do). ``options``: a JobOptions, or the user's dict
    (checked with ``JobOptions.from_input`` before any work)."""
    clean = options if isinstance(options, JobOptions) else JobOptions.from_input(options)
    if product is not None:
        if product.workspace_id != workspace.id:
            raise NotFound("Product not found.")
        if product.status != Product.Status.IMPORTED:
            raise InvalidInput(
                "The product is not ready for an ad: "
                + (product.error or f"it is {product.status}."),
                code="product_not_ready",
                detail={"product": product.status},
            )
        url = url or product.source_url
    if not url and product is None:
        raise InvalidInput("Give a product URL or a product.")
    return RenderJob.objects.create(
        workspace=workspace, source_url=url, product=product, options=clean.to_json()
    )


def job_fail(*, job_id, code: str, message: str) -> None:
    """Mark the job failed with a plain message, unless it already finished."""
    with transaction.atomic():  # the conditional UPDATE and its ad.failed webhook, once
        failed = RenderJob.objects.filter(id=job_id).exclude(
            state__in=[RenderJob.State.SUCCEEDED, RenderJob.State.FAILED, RenderJob.State.CANCELLED]
        ).update(state=RenderJob.State.FAILED, error_code=code[:40], error=message, finished_at=timezone.now())
        if failed:
            generation_events.job_finished(job_id=job_id, succeeded=False)
    logger.info("job failed", extra={"job_id": str(job_id), "code": code})


def job_cancelled(*, job_id) -> None:
    """Mark the job cancelled, unless it already finished; its job.cancelled event, once."""
    with transaction.atomic():
        cancelled = RenderJob.objects.filter(id=job_id).exclude(
            state__in=[RenderJob.State.SUCCEEDED, RenderJob.State.FAILED, RenderJob.State.CANCELLED]
        ).update(state=RenderJob.State.CANCELLED, finished_at=timezone.now(), error="Cancelled at the user's request.")
        if cancelled:
            generation_events.job_cancelled(job_id=job_id)


def job_cancel(*, job: RenderJob) -> None:
    """Ask a running job to stop (its worker polls the flag). A job no worker holds — still
    queued, or lost with its worker (generation.watchdog) — is cancelled now."""
    RenderJob.objects.filter(id=job.id).update(cancel_requested=True)
    job.refresh_from_db()
    if not job.is_finished and not selectors.job_is_held(job=job):
        job_cancelled(job_id=job.id)


def job_progress(*, job_id, progress: int) -> None:
    # Only ever forwards: a retried stage does not move the bar back.
    RenderJob.objects.filter(id=job_id, progress__lt=progress).update(progress=min(progress, 100))


@contextmanager
def _job_stage(job_id, stage: str) -> Iterator[RenderJob | None]:
    """Claim the job for ``stage``; yield None when there is nothing to do (already past this
    stage, finished, or cancelled). Failures become the job's plain-language error."""
    now = timezone.now()
    RenderJob.objects.filter(id=job_id, state=RenderJob.State.QUEUED).update(
        state=RenderJob.State.RUNNING, started_at=now
    )
    RenderJob.objects.filter(id=job_id, state=RenderJob.State.RUNNING).update(heartbeat_at=now)
    job = RenderJob.objects.select_related("workspace").get(id=job_id)
    if job.cancel_requested and not job.is_finished:
        job_cancelled(job_id=job_id)
        yield None
        return
    if job.is_finished or job.stage != stage:
        yield None
        return
    try:
        yield job
    except ApplicationError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        raise
    except (RenderCancelled, ShotCancelled):
        job_cancelled(job_id=job_id)
        raise
    except DatabaseUnavailable:
        # The database went away (restarted, failed over): not the job's fault, and job_fail could
        # not write either. The task retries with backoff (generation.tasks); if the database stays
        # down, the watchdog resends the stage once the heartbeat is stale.
        raise
    except SoftTimeLimitExceeded:
        job_fail(job_id=job_id, code="timeout", message=f"The {stage} step took too long and was stopped. Try a shorter ad or fewer formats.")
        raise
    except Exception:
        job_fail(
            job_id=job_id,
            code="internal_error",
            message=f"Something went wrong on our side during the {stage} step. Nothing you made was lost; try again.",
        )
        raise


def _advance(*, job_id, from_stage: str, to_stage: str, **fields) -> bool:
    """Move the job to the next stage exactly once."""
    changed = RenderJob.objects.filter(id=job_id, stage=from_stage).update(stage=to_stage, **fields)
    job_progress(job_id=job_id, progress=PROGRESS[to_stage])
    return changed == 1


# --- stages ---------------------------------------------------------------------------------


def job_scrape(*, job_id, fetcher: SafeFetcher | None = None) -> None:
    with _job_stage(job_id, RenderJob.Stage.SCRAPE) as job:
        if job is None:
            return
        product = job.product or product_services.product_create_pending(
            workspace=job.workspace, url=job.source_url
        )
        if job.product_id is None:
            RenderJob.objects.filter(id=job_id).update(product=product)
        if product.status != Product.Status.IMPORTED:
            product_services.product_scrape(product=product, fetcher=fetcher)
        _advance(job_id=job_id, from_stage=RenderJob.Stage.SCRAPE, to_stage=RenderJob.Stage.SCRIPT)


def job_build_script(*, job_id, queue_shots: bool = False) -> None:
    """Write the ad script and create one Shot per scene. With ``queue_shots`` (the Celery
    task), the shots' chord is written to the task outbox in the transaction that moves the job
    to its shots stage, so the message exists exactly when the shots do and a broker down at
    that moment delays it instead of losing it (accounts/outbox.py)."""
    with _job_stage(job_id, RenderJob.Stage.SCRIPT) as job:
        if job is None:
            return
        draft = None
        if job.ad_id is None:  # translating and writing copy may call a model: not while the job row is locked
            ad_facts_translate(product=job.product, options=JobOptions.from_json(job.options))
            draft = ad_draft(product=job.product, options=JobOptions.from_json(job.options))
        with transaction.atomic():
            job = RenderJob.objects.select_for_update().get(id=job_id)
            if job.ad_id is None:
                ad = ad_create(
                    workspace=job.workspace, product=job.product, options=JobOptions.from_json(job.options),
                    job_id=job.id, draft=draft,
                )
                job.ad = ad
                job.save(update_fields=["ad", "updated_at"])
            else:  # a re-render: the price is checked again (it may have been read again since)
                ad_price_recheck(ad=job.ad, override=JobOptions.from_json(job.options).override_compliance, job_id=job.id)
            unresolved = job.ad.compliance_unresolved()
            if not unresolved:
                advanced = _advance(job_id=job_id, from_stage=RenderJob.Stage.SCRIPT, to_stage=RenderJob.Stage.SHOTS)
                if advanced and queue_shots:
                    outbox_send_on_commit(workflow.shots_signature(str(job_id), job.ad_id))
        if unresolved:  # the Ad and its findings stay stored, for the user to edit or override
            raise ApplicationError(compliance_message(unresolved, market=job.ad.market), code="compliance_blocked")


def job_generate_shots(*, job_id) -> None:
    """In-process shots stage, batch by batch as the Celery canvas sends them."""
    job = RenderJob.objects.filter(id=job_id).values("ad_id").first()
    if job is None or job["ad_id"] is None:
        return
    for batch in shot_batches(ad_id=job["ad_id"]):
        job_shots_generate(job_id=job_id, shot_ids=batch)


def job_shot_generate(*, job_id, shot_id, claimant: str = "") -> None:
    """One shot of a job: a failure fails the job with the shot's reason."""
    job_shots_generate(job_id=job_id, shot_ids=[shot_id], claimant=claimant)


def job_shots_generate(*, job_id, shot_ids: list, claimant: str = "") -> None:
    """A batch of a job's shots (one task on a gpu worker): a failure fails the job with the
    shot's reason. The job's bar moves with the batch's steps within the shots stage."""
    with _job_stage(job_id, RenderJob.Stage.SHOTS) as job:
        if job is None:
            return
        shots = Shot.objects.filter(ad_id=job.ad_id)
        total = shots.count()
        span = PROGRESS["render"] - PROGRESS["shots"]

        def shots_progress(percent: int) -> None:
            # The batch's steps move the bar within its share; finished shots count whole.
            done = shots.filter(state=Shot.State.DONE).count()
            making = shots.filter(id__in=shot_ids).exclude(state=Shot.State.DONE).count()
            job_progress(job_id=job_id, progress=PROGRESS["shots"] + int(span * (done + making * percent / 100) / total))

        shots_generate(
            shot_ids=shot_ids, progress=_throttled(shots_progress), should_cancel=_cancel_poller(job_id), claimant=claimant
        )
        shots_progress(0)


def job_render(*, job_id) -> None:
    """Render every requested format; formats already rendered by an earlier attempt are kept."""
    if RenderJob.objects.filter(id=job_id, stage=RenderJob.Stage.SHOTS).exists():
        unfinished = Shot.objects.filter(ad__jobs__id=job_id).exclude(state=Shot.State.DONE)
        if unfinished.exists():
            job_fail(job_id=job_id, code="shot_failed", message="Some shots could not be made, so the ad was not rendered.")
            return
        _advance(job_id=job_id, from_stage=RenderJob.Stage.SHOTS, to_stage=RenderJob.Stage.RENDER)
    with _job_stage(job_id, RenderJob.Stage.RENDER) as job:
        if job is None:
            return
        ad = job.ad
        shots = list(ad.shots.all())
        formats = ad.formats
        done = set(job.outputs.values_list("format", flat=True))
        span = (PROGRESS["done"] - PROGRESS["render"]) / len(formats)
        from generation.render import soundtracks

        # The soundtrack is the same in every format: built once. Stored photos are read from
        # the media store once for every format (accounts.storage; nothing to do when local).
        with soundtracks.reuse(), media_storage.downloads():
            for i, format_name in enumerate(formats):
                if format_name in done:
                    continue
                base = PROGRESS["render"] + span * i
                spec = render_spec_for(ad=ad, shots=shots, format_name=format_name)
                _render_one(job=job, ad=ad, spec=spec, format_name=format_name,
                            progress=lambda pct, base=base: job_progress(job_id=job_id, progress=int(base + span * pct / 100)))
        with transaction.atomic():  # the conditional UPDATE and its ad.completed webhook, once
            # Not over a cancel or failure recorded meanwhile (a cancel of a job thought lost).
            finished = RenderJob.objects.filter(id=job_id, stage=RenderJob.Stage.RENDER).exclude(
                state__in=[RenderJob.State.CANCELLED, RenderJob.State.FAILED]
            ).update(
                stage=RenderJob.Stage.DONE, state=RenderJob.State.SUCCEEDED, progress=100, finished_at=timezone.now()
            )
            if finished:
                generation_events.job_finished(job_id=job_id, succeeded=True)
        if finished:
            logger.info("job succeeded", extra={"job_id": str(job_id), "ad_id": str(ad.id)})


def _render_one(*, job: RenderJob, ad: Ad, spec, format_name: str, progress: Callable[[int], None]) -> RenderOutput:
    from generation.render.compose import render_ad_video

    relative_dir = f"workspaces/{job.workspace_id}/ads/{ad.id}/{job.id}"
    out_dir = Path(settings.MEDIA_ROOT) / relative_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    basename = format_name.replace(":", "x")
    try:
        result = render_ad_video(
            spec, out_dir=out_dir, basename=basename, progress=progress,
            should_cancel=_cancel_poller(job.id),
        )
    except RenderCancelled:
        raise
    except RenderError as exc:
        raise ApplicationError(str(exc), code="render_failed") from exc
    size_bytes = result.video.stat().st_size
    # Published to the media store (a no-op under MEDIA_ROOT); the row then names what was stored.
    stored = {
        kind: media_storage.store_file(path, f"{relative_dir}/{path.name}")
        for kind, path in (("video", result.video), ("poster", result.poster), ("srt", result.srt), ("vtt", result.vtt))
    }
    output, _ = RenderOutput.objects.update_or_create(
        job=job,
        format=format_name,
        defaults={
            "workspace_id": job.workspace_id,
            "ad": ad,
            **stored,
            "width": spec.format.width,
            "height": spec.format.height,
            "duration": result.duration,
            "size_bytes": size_bytes,
        },
    )
    return output


def _throttled(report: Callable[[int], None]) -> Callable[[int], None]:
    """A progress callback that writes at most every CANCEL_POLL_SECONDS (and always at 100)."""
    state = {"next": 0.0}

    def throttled(percent: int) -> None:
        now = time.monotonic()
        if percent >= 100 or now >= state["next"]:
            state["next"] = now + CANCEL_POLL_SECONDS
            report(percent)

    return throttled


def _cancel_poller(job_id) -> Callable[[], bool]:
    """A should_cancel callback that reads the flag at most every CANCEL_POLL_SECONDS, and
    writes the job's heartbeat at most every HEARTBEAT_SECONDS (generation.watchdog)."""
    state = {"next": 0.0, "cancel": False, "beat": 0.0}

    def should_cancel() -> bool:
        now = time.monotonic()
        if now >= state["next"]:
            state["next"] = now + CANCEL_POLL_SECONDS
            state["cancel"] = RenderJob.objects.filter(id=job_id, cancel_requested=True).exists()
        if now >= state["beat"]:
            state["beat"] = now + HEARTBEAT_SECONDS
            RenderJob.objects.filter(id=job_id, state=RenderJob.State.RUNNING).update(heartbeat_at=timezone.now())
        return state["cancel"]

    return should_cancel


def job_run_inline(*, job_id, fetcher: SafeFetcher | None = None) -> RenderJob:
    """Run every stage in this process (the command line; no broker needed)."""
    job_scrape(job_id=job_id, fetcher=fetcher)
    job_build_script(job_id=job_id)
    job_generate_shots(job_id=job_id)
    job_render(job_id=job_id)
    return RenderJob.objects.get(id=job_id)


def ad_render_start(*, ad: Ad, override_price: bool | str = False) -> RenderJob:
    """Render the ad again (after a script edit, or to retry a failed render): a new job for
    the existing ad and its options, queued after commit. Its scrape and script stages have
    nothing to do (the script's claims and the product's price are checked again); shots
    already made are kept. A price the scraper doubted and nobody confirmed is refused here at
    once (``price_unconfirmed``, no job) unless ``override_price`` (True or who decided), which
    the job records on the ad."""
    ad_price_refuse_unconfirmed(product=ad.product, override=override_price)
    with transaction.atomic():
        Ad.objects.select_for_update().filter(id=ad.id).first()  # one new render at a time
        if RenderJob.objects.filter(ad=ad, state__in=[RenderJob.State.QUEUED, RenderJob.State.RUNNING]).exists():
            raise Conflict("The ad is being rendered already: wait for its job, or cancel it first.", code="ad_busy")
        options = JobOptions.from_input({
            "template": ad.template, "language": ad.language, "length": ad.length, "formats": ad.formats,
            "seed": ad.seed, "voice": ad.voice, "music": ad.music, "market": ad.market, "generative": ad.generative,
            "override_compliance": override_price,
        })
        job = RenderJob.objects.create(
            workspace=ad.workspace, product=ad.product, ad=ad, source_url=ad.product.source_url,
            options=options.to_json(),
        )
    outbox_send_on_commit(workflow.pipeline_signature(str(job.id)))
    return job


def job_start(
    *,
    workspace: Workspace,
    url: str = "",
    options: JobOptions | Mapping[str, Any] | None = None,
    product: Product | None = None,
) -> RenderJob:
    """Create a job and queue its canvas once the row is committed (the server path)."""
    job = job_create(workspace=workspace, url=url, options=options, product=product)
    outbox_send_on_commit(workflow.pipeline_signature(str(job.id)))
    return job
