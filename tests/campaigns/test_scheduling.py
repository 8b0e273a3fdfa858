"""The scheduler's tick (``campaigns_run_due``): what is due runs once, paused campaigns don't,
missed slots are caught up once, a zone change moves the next run, stale ads can start a run,
and the command line does it all without a broker. Plus the run's webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.webhooks.models import WebhookDelivery
from accounts.webhooks.services import webhook_endpoint_create
from campaigns.engine import run_execute
from campaigns.models import AdFacts, Campaign, CampaignRun, RunItem
from campaigns.services import campaign_create, campaigns_run_due, item_job_ended, runs_reconcile
from generation.models import Ad, RenderJob
from products.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _product(workspace, **extra):
    fields = {
        "price": Decimal("20.00"),
        "currency": "EUR",
        "availability": "InStock",
        "fetched_with": Product.FetchedWith.MANUAL,
        **extra,
    }
    return ProductFactory(workspace=workspace, **fields)


def _campaign(workspace, products, schedule=None, **extra):
    return campaign_create(
        workspace=workspace,
        data={
            "name": "Tick",
            "products": [str(p.id) for p in products],
            "formats": ["9:16"],
            "languages": ["en"],
            "length": 6,
            "schedule": schedule or {"weekly": {"days": ["mon"], "time": "09:00"}},
            **extra,
        },
    )


def test_a_due_campaign_runs_once_and_its_next_run_moves_on(workspace):
    campaign = _campaign(workspace, [_product(workspace)])
    slot = campaign.next_run_at
    assert campaigns_run_due(now=slot - timedelta(seconds=1), queue=False) == []
    started = campaigns_run_due(now=slot + timedelta(seconds=5), queue=False)
    assert [(r.slot, r.trigger) for r in started] == [(slot, "schedule")]
    campaign.refresh_from_db()
    assert campaign.next_run_at == slot + timedelta(days=7)
    assert campaigns_run_due(now=slot + timedelta(seconds=10), queue=False) == []


def test_a_scheduler_down_for_weeks_runs_the_latest_missed_slot_once(workspace):
    campaign = _campaign(workspace, [_product(workspace)])
    first = campaign.next_run_at
    started = campaigns_run_due(now=first + timedelta(days=22), queue=False)
    assert [r.slot for r in started] == [first + timedelta(days=21)]
    campaign.refresh_from_db()
    assert campaign.next_run_at == first + timedelta(days=28)


def test_a_paused_campaign_does_not_run_and_resumes_from_now(workspace):
    campaign = _campaign(workspace, [_product(workspace)], enabled=False)
    assert campaigns_run_due(now=campaign.next_run_at + timedelta(days=30), queue=False) == []
    assert not CampaignRun.objects.exists()


def test_a_one_off_runs_once_and_has_no_next_run(workspace):
    at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    campaign = _campaign(workspace, [_product(workspace)], schedule={"at": at.isoformat()})
    assert campaign.next_run_at == at
    assert len(campaigns_run_due(now=at + timedelta(minutes=1), queue=False)) == 1
    campaign.refresh_from_db()
    assert campaign.next_run_at is None
    assert campaigns_run_due(now=at + timedelta(days=1), queue=False) == []


def test_when_the_workspace_zone_changes_the_wall_clock_time_stays(workspace):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    campaign = _campaign(workspace, [_product(workspace)])
    assert campaign.next_run_at.astimezone(UTC).hour in (7, 8)  # 09:00 Berlin
    workspace.timezone = "America/New_York"
    workspace.save()
    campaigns_run_due(queue=False)
    campaign.refresh_from_db()
    assert campaign.next_run_zone == "America/New_York"
    assert campaign.next_run_at.astimezone(UTC).hour in (13, 14)  # 09:00 New York
    # a campaign with its own zone keeps it
    own = _campaign(
        workspace,
        [_product(workspace)],
        schedule={"weekly": {"days": ["mon"], "time": "09:00"}, "timezone": "Asia/Tokyo"},
    )
    assert own.next_run_at.astimezone(UTC).hour == 0


def test_the_command_runs_what_is_due_without_a_broker(workspace, settings):
    settings.CELERY_BROKER_URL = ""
    campaign = _campaign(workspace, [_product(workspace, availability="OutOfStock")])
    Campaign.objects.filter(id=campaign.id).update(
        next_run_at=timezone.now() - timedelta(minutes=1)
    )
    out = StringIO()
    call_command("campaigns_run_due", "--json", stdout=out)
    started = json.loads(out.getvalue())["started"]
    run = CampaignRun.objects.get(campaign=campaign)
    assert [s["run"] for s in started] == [str(run.id)]
    assert run.state == "completed" and run.counts["skipped"] == 1
    out = StringIO()
    call_command("campaigns_run_due", stdout=out)
    assert "nothing due" in out.getvalue()


def test_run_webhooks_carry_the_counts(workspace):
    endpoint, _secret = webhook_endpoint_create(
        workspace=workspace,
        url="https://hooks.example.com/in",
        events=["campaign.run.started", "campaign.run.completed"],
        description="crm",
    )
    campaign = _campaign(
        workspace,
        [_product(workspace, availability="OutOfStock"), _product(workspace, status="partial")],
    )
    run = CampaignRun.objects.create(
        workspace=workspace, campaign=campaign, slot=timezone.now().replace(microsecond=0)
    )
    run_execute(run_id=run.id, claimant="t", slice_seconds=60)
    deliveries = {d.event_type: d for d in WebhookDelivery.objects.filter(endpoint=endpoint)}
    assert set(deliveries) == {"campaign.run.started", "campaign.run.completed"}
    data = deliveries["campaign.run.completed"].payload["data"]
    assert data["id"] == str(run.id) and data["state"] == "completed"
    assert data["counts"] == {"regenerated": 0, "unchanged": 0, "skipped": 2, "failed": 0}


def test_a_stale_ad_starts_a_run_of_a_campaign_that_regenerates_stale_ads(workspace):
    product = _product(workspace)
    campaign = _campaign(workspace, [product], regenerate_stale=True)
    earlier = CampaignRun.objects.create(
        workspace=workspace,
        campaign=campaign,
        slot=datetime(2026, 1, 5, 9, tzinfo=UTC),
        state="completed",
    )
    ad = Ad.objects.create(workspace=workspace, product=product, template="t", script={})
    RunItem.objects.create(
        workspace=workspace,
        run=earlier,
        product=product,
        key="auto|en|6|0",
        template="auto",
        language="en",
        length=6,
        state="done",
        outcome="regenerated",
        ad=ad,
    )
    AdFacts.objects.create(
        workspace=workspace, ad=ad, price=Decimal("20.00"), currency="EUR", availability="InStock"
    )
    assert campaigns_run_due(queue=False) == []  # nothing stale
    Product.objects.filter(id=product.id).update(price=Decimal("15.00"))
    started = campaigns_run_due(queue=False)
    assert [r.trigger for r in started] == ["stale"]
    assert campaigns_run_due(queue=False) == []  # that run is still queued: no second one


def test_the_tick_finishes_an_item_whose_job_ended_unnoticed(workspace):
    product = _product(workspace)
    campaign = _campaign(workspace, [product])
    run = CampaignRun.objects.create(
        workspace=workspace,
        campaign=campaign,
        slot=timezone.now().replace(microsecond=0),
        state="running",
        queuing_done=True,
    )
    job = RenderJob.objects.create(
        workspace=workspace,
        product=product,
        state="failed",
        error_code="render_failed",
        error="The video could not be encoded.",
    )
    RunItem.objects.create(
        workspace=workspace,
        run=run,
        product=product,
        key="k",
        template="auto",
        language="en",
        length=6,
        state="queued",
        job=job,
    )
    assert runs_reconcile(queue=False) == 1
    run.refresh_from_db()
    item = run.items.get()
    assert (run.state, item.outcome, item.reason_code, item.reason) == (
        "completed",
        "failed",
        "render_failed",
        "The video could not be encoded.",
    )
    item_job_ended(job=job)  # once: a second end changes nothing
    assert CampaignRun.objects.get(id=run.id).counts == {
        "regenerated": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 1,
    }
