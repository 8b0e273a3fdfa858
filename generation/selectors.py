"""Reads of ads and jobs, always within the caller's workspace: another workspace's row is
``NotFound``, never its data."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Workspace
from accounts.selectors import scoped_get
from generation.models import Ad, RenderJob, RenderOutput


def ads_for_workspace(*, workspace: Workspace) -> QuerySet[Ad]:
    latest_jobs = RenderJob.objects.order_by("-created_at")
    return (
        Ad.objects.filter(workspace=workspace)
        .select_related("product")
        .prefetch_related(
            Prefetch("jobs", queryset=latest_jobs),
            Prefetch("outputs", queryset=RenderOutput.objects.order_by("-created_at", "format")),
        )
    )


def ad_get(*, workspace: Workspace, ad_id) -> Ad:
    return scoped_get(ads_for_workspace(workspace=workspace), object_id=ad_id, label="Ad")


def jobs_for_workspace(*, workspace: Workspace) -> QuerySet[RenderJob]:
    return RenderJob.objects.filter(workspace=workspace).prefetch_related("outputs")


def job_get(*, workspace: Workspace, job_id) -> RenderJob:
    return scoped_get(jobs_for_workspace(workspace=workspace), object_id=job_id, label="Job")


def output_for_link(*, workspace_id, output_id) -> RenderOutput | None:
    """The rendered output a signed media link names (accounts/media_links.py), or None when
    it is gone or belongs to another workspace."""
    return RenderOutput.objects.filter(workspace_id=workspace_id, id=output_id).first()


def ad_latest_outputs(ad: Ad) -> list[RenderOutput]:
    """The files of the ad's newest render, one per format (from the prefetched outputs)."""
    seen: dict[str, RenderOutput] = {}
    for output in ad.outputs.all():  # newest first
        seen.setdefault(output.format, output)
    return sorted(seen.values(), key=lambda o: o.format)


def jobs_recent(*, workspace: Workspace, limit: int) -> list[RenderJob]:
    """The studio's list: the workspace's newest jobs, with their products."""
    return list(RenderJob.objects.filter(workspace=workspace).select_related("product").order_by("-created_at")[:limit])


def job_stall_cutoff(now: datetime | None = None) -> datetime:
    """A running job whose last heartbeat (or, before the first, its start) is older than this
    has no worker (``SHOPREEL_JOB_STALL_SECONDS``; see generation.watchdog)."""
    return (now or timezone.now()) - timedelta(seconds=settings.SHOPREEL_JOB_STALL_SECONDS)


def job_is_held(*, job: RenderJob, now: datetime | None = None) -> bool:
    """Whether a worker is working on the job now: it is running and its heartbeat (written by
    each step) is younger than the stall limit."""
    if job.state != RenderJob.State.RUNNING:
        return False
    beat = job.heartbeat_at or job.started_at
    return beat is not None and beat >= job_stall_cutoff(now)


def ad_busy(*, ad: Ad) -> bool:
    """Whether a job of the ad is queued or running (its script must not change under it)."""
    return RenderJob.objects.filter(ad=ad, state__in=[RenderJob.State.QUEUED, RenderJob.State.RUNNING]).exists()


# The library's states: the newest job's state, or "draft" for an ad never rendered.
AD_STATES = ("draft", "queued", "running", "succeeded", "failed", "cancelled")


def ads_library(
    *, workspace: Workspace, product=None, state: str = "", language: str = "", format_name: str = "", query: str = "",
) -> QuerySet[Ad]:
    """The studio's library: the workspace's ads, newest first, each with ``latest_state`` (its
    newest job's state, None for a draft), filtered by product (a Product of this workspace),
    state, language, format and a search of the product's title, brand and link and the
    template."""
    newest = RenderJob.objects.filter(ad=OuterRef("pk")).order_by("-created_at").values("state")[:1]
    ads = (
        Ad.objects.filter(workspace=workspace)
        .select_related("product")
        .annotate(latest_state=Subquery(newest))
        .prefetch_related(
            Prefetch("outputs", queryset=RenderOutput.objects.order_by("-created_at", "format")),
            Prefetch("jobs", queryset=RenderJob.objects.order_by("-created_at")),
        )
        .order_by("-created_at")
    )
    if product is not None:
        ads = ads.filter(product=product)
    if state == "draft":
        ads = ads.filter(latest_state__isnull=True)
    elif state:
        ads = ads.filter(latest_state=state)
    if language:
        ads = ads.filter(language=language)
    if format_name:
        ads = ads.filter(formats__icontains=f'"{format_name}"')
    query = " ".join(query.split())
    if query:
        ads = ads.filter(
            Q(product__title__icontains=query) | Q(product__brand__icontains=query)
            | Q(product__source_url__icontains=query) | Q(template__icontains=query)
        )
    return ads
