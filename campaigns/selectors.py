"""Reads of campaigns, runs and stale ads, always within the caller's workspace: another
workspace's row is ``NotFound``, never its data."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import Workspace
from accounts.selectors import scoped_get
from campaigns.models import Campaign, CampaignRun, RunItem
from generation.models import Ad


def campaigns_for_workspace(*, workspace: Workspace) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(workspace=workspace)
        .select_related("workspace")
        .prefetch_related("products")
    )


def campaign_get(*, workspace: Workspace, campaign_id) -> Campaign:
    return scoped_get(
        campaigns_for_workspace(workspace=workspace), object_id=campaign_id, label="Campaign"
    )


def runs_for_campaign(*, campaign: Campaign) -> QuerySet[CampaignRun]:
    return CampaignRun.objects.filter(campaign=campaign, workspace_id=campaign.workspace_id)


def run_get(*, campaign: Campaign, run_id) -> CampaignRun:
    items = Prefetch("items", queryset=RunItem.objects.order_by("position"))
    return scoped_get(
        runs_for_campaign(campaign=campaign).prefetch_related(items), object_id=run_id, label="Run"
    )


def _differs(mine: str, theirs: str) -> Q:
    """SQL "IS DISTINCT FROM" for two nullable columns, without negation (portable)."""
    return (
        Q(**{f"{mine}__lt": F(theirs)})
        | Q(**{f"{mine}__gt": F(theirs)})
        | Q(**{f"{mine}__isnull": True, f"{theirs}__isnull": False})
        | Q(**{f"{mine}__isnull": False, f"{theirs}__isnull": True})
    )


STALE = (
    _differs("shown_facts__price", "product__price")
    | _differs("shown_facts__regular_price", "product__regular_price")
    | _differs("shown_facts__currency", "product__currency")
    | _differs("shown_facts__availability", "product__availability")
)


def ads_stale_filter(ads: QuerySet[Ad], *, stale: bool = True) -> QuerySet[Ad]:
    """``ads`` whose product's price, regular price, currency or availability differs from
    what the ad shows (recorded when it was first rendered); ``stale=False``: the others.
    Ads without a record (made before campaigns were installed) are never stale."""
    if stale:
        return ads.filter(shown_facts__isnull=False).filter(STALE)
    return ads.exclude(Q(shown_facts__isnull=False) & STALE)


def ads_stale(*, workspace: Workspace) -> QuerySet[Ad]:
    """The workspace's stale ads, newest first, with what they show and their product."""
    return ads_stale_filter(
        Ad.objects.filter(workspace=workspace).select_related("product", "shown_facts")
    ).order_by("-created_at")
