"""Reads of ads and jobs, always within the caller's workspace: another workspace's row is
``NotFound``, never its data."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

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


def ad_latest_outputs(ad: Ad) -> list[RenderOutput]:
    """The files of the ad's newest render, one per format (from the prefetched outputs)."""
    seen: dict[str, RenderOutput] = {}
    for output in ad.outputs.all():  # newest first
        seen.setdefault(output.format, output)
    return sorted(seen.values(), key=lambda o: o.format)


def jobs_recent(*, workspace: Workspace, limit: int) -> list[RenderJob]:
    """The studio's list: the workspace's newest jobs, with their products."""
    return list(RenderJob.objects.filter(workspace=workspace).select_related("product").order_by("-created_at")[:limit])
