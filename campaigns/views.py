"""The studio's campaign pages (``/app/w/<id>/campaigns/``): the list (with the stale ads), the
editor with a preview of the next runs' times, a campaign's page with its run history and a
"Run now" button, a run's items with links to their ads, and the stale ads.

Thin views: ``workspace_access`` (another workspace is 404, a viewer writing 403), one
service or selector, render. Times are shown in the campaign's zone."""

from __future__ import annotations

import math

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.htmx import fragment, vary_on_htmx, wants_fragment
from accounts.views import dashboard_page, dashboard_refusals
from campaigns import selectors
from campaigns.models import Campaign
from campaigns.representations import campaign_zone_name
from campaigns.schedule import DAYS, Schedule, zone_get
from campaigns.services import (
    MAX_VARIANTS,
    campaign_create,
    campaign_delete,
    campaign_update,
    run_start,
    schedule_input,
)
from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.vocabulary import LANGUAGES
from generation.render.spec import FORMATS
from products.models import ImportBatch
from products.selectors import products_for_workspace
from templates_engine.library import load_templates

LENGTHS = (6, 10, 15, 20, 30, 45, 60)
PREVIEW_RUNS = 5

refusals = dashboard_refusals(
    lambda request, kwargs: reverse("dashboard:campaigns", args=[kwargs["workspace_id"]])
)


def _access(request, workspace_id, *, write: bool = False):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    if write and not access.can_write:
        raise PermissionDenied(
            "Viewers see campaigns; editors, admins and owners make and run them."
        )
    return access


def _local(instant, zone):
    return instant.astimezone(zone) if instant else None


@require_GET
@refusals
def campaign_list(request, workspace_id):
    access = _access(request, workspace_id)
    campaigns = list(selectors.campaigns_for_workspace(workspace=access.workspace))
    rows = []
    for campaign in campaigns:
        zone = zone_get(campaign_zone_name(campaign))
        last = campaign.runs.order_by("-slot").first()
        rows.append(
            {
                "campaign": campaign,
                "schedule": Schedule.from_json(campaign.schedule).describe(),
                "zone": zone.key,
                "next": _local(campaign.next_run_at, zone) if campaign.enabled else None,
                "last": last,
            }
        )
    stale = selectors.ads_stale(workspace=access.workspace)
    context = {"rows": rows, "stale_count": stale.count()}
    return dashboard_page(request, "campaigns/list.html", context, access=access)


def _form_data(post) -> dict:
    """The editor's fields as the service takes them."""
    kind = post.get("schedule_kind", "weekly")
    if kind == "once":
        schedule = {"at": post.get("at", "")}
    elif kind == "cron":
        schedule = {"cron": post.get("cron", "")}
    else:
        schedule = {"weekly": {"days": post.getlist("days"), "time": post.get("time", "")}}
    if kind != "once":
        for key in ("start", "end"):
            if post.get(key):
                schedule[key] = post[key]
    schedule["timezone"] = post.get("timezone", "").strip()
    data = {
        "name": post.get("name", ""),
        "languages": post.getlist("languages"),
        "formats": post.getlist("formats"),
        "lengths": [_number(v) for v in post.getlist("lengths")],
        "templates": [t for t in post.getlist("templates") if t],
        "variants": int(_number(post.get("variants") or "1")),
        "market": post.get("market", ""),
        "schedule": schedule,
        "budget_credits": int(_number(post["budget_credits"]))
        if post.get("budget_credits")
        else None,
        "regenerate": post.get("regenerate", "changed"),
        "regenerate_stale": bool(post.get("regenerate_stale")),
        "enabled": bool(post.get("enabled")),
    }
    if post.get("source") == "batch":
        data["batch"] = post.get("batch") or None
    else:
        data["products"] = post.getlist("products")
    return data


def _number(value: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or abs(number) > 1e9:
        raise InvalidInput(f"{str(value)[:20]!r} is not a number.")
    return number


def _initial(campaign: Campaign | None, workspace) -> dict:
    if campaign is None:
        return {
            "name": "",
            "source": "products",
            "products": [],
            "batch": "",
            "languages": [workspace.default_language or "en"],
            "formats": list(workspace.default_formats or ["9:16"]),
            "lengths": ["15"],
            "templates": [],
            "variants": 1,
            "market": workspace.default_market or "",
            "schedule_kind": "weekly",
            "at": "",
            "days": ["mon"],
            "time": "09:00",
            "cron": "",
            "start": "",
            "end": "",
            "timezone": "",
            "budget_credits": "",
            "regenerate": "changed",
            "regenerate_stale": False,
            "enabled": True,
        }
    raw = schedule_input(campaign)
    weekly = raw.get("weekly") or {}
    return {
        "name": campaign.name,
        "source": campaign.source,
        "products": [str(p.id) for p in campaign.products.all()],
        "batch": str(campaign.batch_id or ""),
        "languages": campaign.languages,
        "formats": campaign.formats,
        "lengths": [f"{n:g}" for n in campaign.lengths],
        "templates": campaign.templates,
        "variants": campaign.variants,
        "market": campaign.market,
        "schedule_kind": campaign.schedule["kind"],
        "at": raw.get("at", ""),
        "days": weekly.get("days", []),
        "time": weekly.get("time", "09:00"),
        "cron": raw.get("cron", ""),
        "start": raw.get("start", ""),
        "end": raw.get("end", ""),
        "timezone": campaign.timezone,
        "budget_credits": campaign.budget_credits or "",
        "regenerate": campaign.regenerate,
        "regenerate_stale": campaign.regenerate_stale,
        "enabled": campaign.enabled,
    }


def _posted(post) -> dict:
    """What was typed, to show the form again as it was."""
    values = {
        key: post.get(key, "")
        for key in (
            "name",
            "source",
            "batch",
            "variants",
            "market",
            "schedule_kind",
            "at",
            "time",
            "cron",
            "start",
            "end",
            "timezone",
            "budget_credits",
            "regenerate",
        )
    }
    values.update(
        {
            key: post.getlist(key)
            for key in ("products", "languages", "formats", "lengths", "templates", "days")
        }
    )
    values.update(
        regenerate_stale=bool(post.get("regenerate_stale")), enabled=bool(post.get("enabled"))
    )
    return values


def _preview(data: dict, workspace) -> tuple[list, str]:
    zone = zone_get(data["schedule"].get("timezone") or workspace.timezone or "UTC")
    schedule = Schedule.from_input(data["schedule"], zone=zone)
    return [
        t.astimezone(zone) for t in schedule.upcoming(timezone.now(), zone, PREVIEW_RUNS)
    ], zone.key


@require_http_methods(["GET", "POST"])
@refusals
def campaign_edit(request, workspace_id, campaign_id=None):
    """New (no ``campaign_id``) or change. "Preview" shows the next runs' times without saving."""
    access = _access(request, workspace_id, write=True)
    campaign = (
        selectors.campaign_get(workspace=access.workspace, campaign_id=campaign_id)
        if campaign_id
        else None
    )
    values, error, preview, zone_name = _initial(campaign, access.workspace), "", [], ""
    if campaign is not None and campaign.enabled and campaign.next_run_at:
        zone = zone_get(campaign_zone_name(campaign))
        schedule = Schedule.from_json(campaign.schedule)
        preview = [
            t.astimezone(zone)
            for t in (
                campaign.next_run_at,
                *schedule.upcoming(campaign.next_run_at, zone, PREVIEW_RUNS - 1),
            )
        ]
        zone_name = zone.key
    if request.method == "POST":
        values = _posted(request.POST)
        try:
            data = _form_data(request.POST)
            preview, zone_name = _preview(data, access.workspace)
            if request.POST.get("action") != "preview":
                if campaign is None:
                    campaign = campaign_create(workspace=access.workspace, data=data)
                    messages.success(request, f"Campaign “{campaign.name}” saved.")
                else:
                    campaign_update(campaign=campaign, data=data)
                    messages.success(request, "Campaign saved.")
                return redirect("dashboard:campaign", access.workspace.id, campaign.id)
        except ApplicationError as exc:
            error, preview = exc.message, []
    templates = sorted(load_templates().values(), key=lambda t: (t.vertical, t.name))
    context = {
        "campaign": campaign,
        "values": values,
        "error": error,
        "preview": preview,
        "zone_name": zone_name,
        "products": products_for_workspace(workspace=access.workspace).order_by("title")[:500],
        "batches": ImportBatch.objects.filter(workspace=access.workspace).order_by("-created_at")[
            :50
        ],
        "languages": LANGUAGES,
        "formats": FORMATS,
        "lengths": [str(n) for n in LENGTHS],
        "days": DAYS,
        "templates": templates,
        "variant_choices": range(1, MAX_VARIANTS + 1),
        "workspace_zone": access.workspace.timezone or "UTC",
    }
    return dashboard_page(
        request, "campaigns/edit.html", context, access=access, status=400 if error else 200
    )


@require_GET
@refusals
def campaign_page(request, workspace_id, campaign_id):
    access = _access(request, workspace_id)
    campaign = selectors.campaign_get(workspace=access.workspace, campaign_id=campaign_id)
    zone = zone_get(campaign_zone_name(campaign))
    schedule = Schedule.from_json(campaign.schedule)
    upcoming = []
    if campaign.enabled and campaign.next_run_at:
        upcoming = [
            t.astimezone(zone)
            for t in (
                campaign.next_run_at,
                *schedule.upcoming(campaign.next_run_at, zone, PREVIEW_RUNS - 1),
            )
        ]
    runs = [
        {"run": run, "slot": run.slot.astimezone(zone)}
        for run in selectors.runs_for_campaign(campaign=campaign).order_by("-slot")[:50]
    ]
    context = {
        "campaign": campaign,
        "schedule": schedule.describe(),
        "zone": zone.key,
        "upcoming": upcoming,
        "runs": runs,
    }
    return dashboard_page(request, "campaigns/campaign.html", context, access=access)


@require_POST
@refusals
def campaign_run_now(request, workspace_id, campaign_id):
    access = _access(request, workspace_id, write=True)
    campaign = selectors.campaign_get(workspace=access.workspace, campaign_id=campaign_id)
    run, created = run_start(campaign=campaign)
    if not created:
        messages.info(request, "This campaign is running already: here is its run.")
    return redirect("dashboard:campaign-run", access.workspace.id, campaign.id, run.id)


@require_POST
@refusals
def campaign_delete_view(request, workspace_id, campaign_id):
    access = _access(request, workspace_id, write=True)
    campaign = selectors.campaign_get(workspace=access.workspace, campaign_id=campaign_id)
    campaign_delete(campaign=campaign)
    messages.success(request, f"Campaign “{campaign.name}” deleted; its ads stay in the library.")
    return redirect("dashboard:campaigns", access.workspace.id)


@require_GET
@refusals
def run_page(request, workspace_id, campaign_id, run_id):
    access = _access(request, workspace_id)
    campaign = selectors.campaign_get(workspace=access.workspace, campaign_id=campaign_id)
    run = selectors.run_get(campaign=campaign, run_id=run_id)
    zone = zone_get(campaign_zone_name(campaign))
    items = list(run.items.all())
    context = {
        "campaign": campaign,
        "run": run,
        "slot": run.slot.astimezone(zone),
        "zone": zone.key,
        "items": items,
        "refresh": run.state in ("queued", "running"),
    }
    if wants_fragment(request):  # the live part's poll
        return fragment(
            request,
            "campaigns/_run_live.html",
            {**context, "access": access, "current": access.workspace},
        )
    return vary_on_htmx(dashboard_page(request, "campaigns/run.html", context, access=access))


@require_GET
@refusals
def stale_ads(request, workspace_id):
    access = _access(request, workspace_id)
    ads = list(selectors.ads_stale(workspace=access.workspace).prefetch_related("jobs")[:200])
    rows = [
        {
            "ad": ad,
            "shown": ad.shown_facts,
            "product": ad.product,
            "job": ad.jobs.order_by("-created_at").first(),
        }
        for ad in ads
    ]
    return dashboard_page(request, "campaigns/stale.html", {"rows": rows}, access=access)
