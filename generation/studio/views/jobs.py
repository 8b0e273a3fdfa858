"""A job's page (live progress, cancel, the finished ad with its poster, a player per format,
downloads and the post text), re-rendering an ad, and several jobs (the variants of one request)
side by side.

The live parts poll their own page with htmx: an htmx request gets the page's live part (the
job's sections, or one variant's card), which carries the poll only while the job runs, so the
poll stops by itself at the end state. A plain request gets the whole page (its "Refresh" link
does the same without JavaScript)."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.htmx import fragment, vary_on_htmx, wants_fragment
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


def _job_live(request, access, job: RenderJob):
    """The job page's live part (state, progress, cancel; once made, the players, downloads and
    post text): what an htmx poll or an in-place cancel swaps in."""
    context = {**_job_context(job), **_finished_context(job)}
    return fragment(
        request,
        "studio/_job_live.html",
        {**context, "access": access, "current": access.workspace},
    )


@require_GET
@refusals
def job_page(request, workspace_id, job_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    if wants_fragment(request):
        return _job_live(request, access, job)
    context = {**_job_context(job), **_finished_context(job)}
    return vary_on_htmx(dashboard_page(request, "studio/job.html", context, access=access))


@require_POST
@refusals
def job_cancel_view(request, workspace_id, job_id):
    """Cancel a running job; sent in place (htmx), the answer is the page's live part, which
    says "Cancelling…" (or how the job ended, had it ended meanwhile)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    require_writer(access)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    if job.is_finished:
        if wants_fragment(request):
            return _job_live(request, access, job)
        raise InvalidInput("The job has already ended.", code="job_finished")
    job_cancel(job=job)
    if wants_fragment(request):
        job.refresh_from_db()
        return _job_live(request, access, job)
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
    and, once made, its video. Each running card polls ``?jobs=<its id>&n=<its place>`` with
    htmx, and gets back its own card alone (ids suffixed ``-<n>``, like on the page)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    ids = [uuid_or_404(part) for part in request.GET.get("jobs", "").split(",") if part][
        :MAX_COMPARED
    ]
    n = request.GET.get("n", "")
    first = int(n) if n.isdigit() and 1 <= int(n) <= MAX_COMPARED else 1
    cards = []
    for place, job_id in enumerate(ids, start=first):
        job = selectors.job_get(workspace=access.workspace, job_id=job_id)
        cards.append(
            {**_job_context(job), **_finished_context(job), "suffix": f"-{place}", "n": place}
        )
    if wants_fragment(request) and len(cards) == 1:
        return fragment(
            request,
            "studio/_variant.html",
            {"card": cards[0], "access": access, "current": access.workspace},
        )
    return vary_on_htmx(
        dashboard_page(request, "studio/compare.html", {"cards": cards}, access=access)
    )
