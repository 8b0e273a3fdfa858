"""The studio's pages: make an ad, the recent jobs, a job's page with live progress, and the
job's files served only to the workspace's members. Thin views: ``workspace_access`` (another
workspace is 404), a selector or one service call, render."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.views import dashboard_page, dashboard_refusals
from billing.jobs import job_quote, job_start_paid
from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.vocabulary import FORMATS, LANGUAGES
from generation import selectors
from generation.models import RenderJob, RenderOutput
from generation.services import job_cancel
from generation.training.selectors import adapters_trained_with

LENGTHS = (6, 10, 15, 30, 60)
DEFAULTS = {"language": "en", "length": 15, "formats": ["9:16"]}
RECENT_JOBS = 10
FILE_KINDS = {"video": "video/mp4", "poster": None, "srt": "text/plain; charset=utf-8", "vtt": "text/vtt; charset=utf-8"}
# What a merchant can do about a failed job, whatever its cause.
FAILED_NEXT = (
    "Check that the link opens the product's own page (not a category or the home page), then make the "
    "ad again. A failed ad costs nothing."
)

# Another workspace or job: 404. A viewer making or cancelling: 403. A refused ad: its message
# on the studio (the workspace overview).
_refusals = dashboard_refusals(lambda request, kwargs: reverse("dashboard:workspace", args=[kwargs["workspace_id"]]))


class MakeAdForm(forms.Form):
    url = forms.URLField(max_length=2000, assume_scheme="https", validators=[URLValidator(schemes=["http", "https"])])
    language = forms.ChoiceField(choices=[(code, code) for code in LANGUAGES])
    length = forms.TypedChoiceField(choices=[(n, n) for n in LENGTHS], coerce=int)
    formats = forms.MultipleChoiceField(choices=[(f, f) for f in FORMATS])

    def options(self) -> dict:
        """The checked options, or the first problem as ``InvalidInput`` (a message on the page)."""
        if not self.is_valid():
            field, errors = next(iter(self.errors.items()))
            label = {"url": "The product link", "formats": "Formats"}.get(field, field.capitalize())
            if field == "url":
                raise InvalidInput(f"{label} must be a web address (https://…) of a product page.", code="bad_link")
            raise InvalidInput(f"{label}: {errors[0]}", code="invalid")
        data = self.cleaned_data
        return {"language": data["language"], "length": data["length"], "formats": data["formats"]}


def _require_writer(access) -> None:
    if not access.can_write:
        raise PermissionDenied("Viewers see the ads; editors, admins and owners make and cancel them.")


@require_GET
@_refusals
def overview(request, workspace_id):
    """``/app/w/<id>/``: the studio (make an ad, the newest jobs) above the workspace's overview."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    context = {
        "languages": LANGUAGES, "lengths": LENGTHS, "formats": FORMATS, "defaults": DEFAULTS,
        "jobs": selectors.jobs_recent(workspace=access.workspace, limit=RECENT_JOBS),
        "billing_on": settings.SHOPREEL_BILLING, "quote": None,
    }
    if settings.SHOPREEL_BILLING and access.can_write:
        try:
            context["quote"] = job_quote(workspace=access.workspace, options=DEFAULTS)
        except ApplicationError as exc:  # the plan refuses even the defaults: say so, no price
            context["quote_refused"] = exc.message
    if access.is_owner:
        context["trained_with"] = len(adapters_trained_with(workspace=access.workspace))
    return dashboard_page(request, "accounts/workspace.html", context, access=access)


@require_POST
@_refusals
def ad_make(request, workspace_id):
    """The "Make ad" form: a paid job, then its page (POST-redirect-GET)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    _require_writer(access)
    form = MakeAdForm(request.POST)
    options = form.options()
    job = job_start_paid(workspace=access.workspace, url=form.cleaned_data["url"], options=options)
    return redirect("dashboard:job", workspace_id, job.id)


def _outputs(job: RenderJob) -> list[RenderOutput]:
    """The job's files, 9:16 (the default) first, then in the vocabulary's order."""
    order = {name: i for i, name in enumerate(FORMATS)}
    return sorted(job.outputs.all(), key=lambda o: order.get(o.format, len(order)))


def _job_context(job: RenderJob) -> dict:
    return {"job": job, "failed_next": FAILED_NEXT, "running": not job.is_finished}


@require_GET
@_refusals
def job_page(request, workspace_id, job_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    context = {**_job_context(job), "outputs": _outputs(job) if job.state == RenderJob.State.SUCCEEDED else []}
    return dashboard_page(request, "studio/job.html", context, access=access)


@require_GET
@_refusals
def job_progress(request, workspace_id, job_id):
    """The progress fragment the job's page fetches while the job runs."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    response = render(request, "studio/_progress.html", _job_context(job))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@_refusals
def job_cancel_view(request, workspace_id, job_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    _require_writer(access)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    if job.is_finished:
        raise InvalidInput("The job has already ended.", code="job_finished")
    job_cancel(job=job)
    return redirect("dashboard:job", workspace_id, job.id)


@require_GET
@_refusals
def job_file(request, workspace_id, job_id, format_name, kind):
    """One rendered file of one format (``kind``: video, poster, srt, vtt), to members only;
    ``?download=1`` as an attachment. With ``SHOPREEL_MEDIA_ACCEL_REDIRECT`` set the web server
    sends it (``X-Accel-Redirect``), with its support for Range requests."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    job = selectors.job_get(workspace=access.workspace, job_id=job_id)
    output = next((o for o in job.outputs.all() if o.format == format_name), None)
    if kind not in FILE_KINDS or output is None or not getattr(output, kind):
        raise Http404("File not found.")
    stored = getattr(output, kind)
    name = PurePosixPath(stored.name).name
    content_type = FILE_KINDS[kind] or mimetypes.guess_type(name)[0] or "application/octet-stream"
    download = request.GET.get("download") == "1"
    filename = f"shopreel-{format_name.replace(':', 'x')}-{name}"
    prefix = settings.SHOPREEL_MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{stored.name}"
        if download:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404("File not found.") from exc
    response = FileResponse(handle, as_attachment=download, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
