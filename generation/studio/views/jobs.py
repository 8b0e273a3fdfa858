"""A job's page (live progress, cancel, the finished ad with its poster, a player per format,
downloads and the post text), its progress fragment, re-rendering an ad, and several jobs (the
variants of one request) side by side."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.views import dashboard_page
from billing.jobs import ad_render_start_paid
from core.errors import InvalidInput
from core.vocabulary import FORMATS
from generation import selectors
from generation.models import RenderJob, RenderOutput
from generation.services import job_cancel
from generation.studio.posttext import post_text
from generation.studio.views.common import (
    FAILED_NEXT,
    FAILED_NEXT_BY_CODE,
    refusals,
    require_writer,
    uuid_or_404,
)

MAX_COMPARED = 4


def _outputs(job: RenderJob) -> list[RenderOutput]:
    """The job's files, 9:16 (the default) first, then in the vocabulary's order."""
    order = {name: i for i, name in enumerate(FORMATS)}
    return sorted(job.outputs.all(), key=lambda o: order.get(o.format, len(order)))


def _job_context(job: RenderJob) -> dict:
    return {
        "job": job,
        "failed_next": FAILED_NEXT_BY_CODE.get(job.error_code, FAILED_NEXT),
        "running": not job.is_finished,
    }


def _finished_context(job: RenderJob) -> dict:
    if job.state != RenderJob.State.SUCCEEDED:
        return {"outputs": []}
    context = {"outputs": _outputs(job)}
    if job.ad is not None and job.ad.product is not None:
        context["post"] = post_text(script=job.ad.script, product=job.ad.product.as_script_input())
    return context


@require_GET
@refusals
def job_page(request, workspace_id, job_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    context = {**_job_context(job), **_finished_context(job)}
    return dashboard_page(request, "studio/job.html", context, access=access)


@require_GET
@refusals
def job_progress(request, workspace_id, job_id):
    """The progress fragment the job's page fetches while the job runs (``?n=<k>``: the k-th of
    the variants side by side, so each has its own element ids)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    n = request.GET.get("n", "")
    suffix = f"-{n}" if n.isdigit() and len(n) == 1 else ""
    response = render(request, "studio/_progress.html", {**_job_context(job), "suffix": suffix})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@refusals
def job_cancel_view(request, workspace_id, job_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    require_writer(access)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    if job.is_finished:
        raise InvalidInput("The job has already ended.", code="job_finished")
    job_cancel(job=job)
    return redirect("dashboard:job", workspace_id, job.id)


@require_POST
@refusals
def ad_rerender(request, workspace_id, ad_id):
    """Render the ad again with its saved script (a new, paid job; unchanged shots are kept)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    require_writer(access)
    ad = selectors.ad_get(workspace=access.workspace, ad_id=ad_id)
    job = ad_render_start_paid(ad=ad)
    return redirect("dashboard:job", workspace_id, job.id)


@require_GET
@refusals
def jobs_compare(request, workspace_id):
    """``?jobs=<id>,<id>``: the variants of one request side by side, each with live progress
    and, once made, its video."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    ids = [uuid_or_404(part) for part in request.GET.get("jobs", "").split(",") if part][
        :MAX_COMPARED
    ]
    cards = []
    for n, job_id in enumerate(ids, start=1):
        job = selectors.job_get(workspace=access.workspace, job_id=job_id)
        cards.append({**_job_context(job), **_finished_context(job), "suffix": f"-{n}"})
    return dashboard_page(request, "studio/compare.html", {"cards": cards}, access=access)
