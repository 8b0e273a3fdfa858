"""Campaign runs end to end in this process: a loopback shop page whose price the test changes
between runs, real scripts and real renders."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DomainEvent
from campaigns.models import AdFacts, CampaignRun, RunItem
from campaigns.selectors import ads_stale
from campaigns.services import campaign_create
from generation.models import Ad, RenderJob
from products.models import Product
from products.services import product_import
from tests.campaigns.conftest import run_inline

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

WEEKLY = {"weekly": {"days": ["mon"], "time": "09:00"}}


def _campaign(workspace, products, **extra):
    return campaign_create(
        workspace=workspace,
        data={
            "name": "Weekly bottles",
            "products": [str(p.id) for p in products],
            "formats": ["1:1"],
            "languages": ["en"],
            "length": 6,
            "variants": 1,
            "schedule": WEEKLY,
            **extra,
        },
    )


def _outcomes(run):
    return [
        (item.product_title, item.outcome, item.reason_code)
        for item in run.items.order_by("position")
    ]


def test_a_price_change_regenerates_and_nothing_changed_regenerates_nothing(workspace, shop):
    url = shop.put("bottle", title="Trail Bottle 750 ml", price="24.90")
    product = product_import(workspace=workspace, url=url)
    campaign = _campaign(workspace, [product])
    now = timezone.now()

    first = run_inline(campaign, now=now)
    assert first.state == CampaignRun.State.COMPLETED
    assert _outcomes(first) == [("Trail Bottle 750 ml", "regenerated", "new")]
    first_ad = first.items.get().ad
    assert first_ad is not None and RenderJob.objects.get(ad=first_ad).state == "succeeded"
    assert "24.90" in json.dumps(first_ad.script)
    assert first.counts == {"regenerated": 1, "unchanged": 0, "skipped": 0, "failed": 0}

    shop.put("bottle", title="Trail Bottle 750 ml", price="19.90")  # the shop's price today
    second = run_inline(campaign, now=now + timedelta(minutes=1))
    item = second.items.get()
    assert (item.outcome, item.reason_code, item.changed) == ("regenerated", "changed", ["price"])
    assert "24.90 → 19.90" in item.reason
    assert item.ad_id != first_ad.id
    assert "19.90" in json.dumps(item.ad.script) and "24.90" not in json.dumps(item.ad.script)

    third = run_inline(campaign, now=now + timedelta(minutes=2))
    item = third.items.get()
    assert (item.outcome, item.reason_code) == ("unchanged", "unchanged")
    assert item.ad_id == second.items.get().ad_id and item.job_id == second.items.get().job_id
    assert Ad.objects.filter(product=product).count() == 2  # nothing made on run 3

    events = list(
        DomainEvent.objects.filter(type__startswith="campaign.run.")
        .order_by("created_at")
        .values_list("type", "subject_id")
    )
    assert events == [
        ("campaign.run.started", first.id),
        ("campaign.run.completed", first.id),
        ("campaign.run.started", second.id),
        ("campaign.run.completed", second.id),
        ("campaign.run.started", third.id),
        ("campaign.run.completed", third.id),
    ]
    completed = DomainEvent.objects.get(type="campaign.run.completed", subject_id=third.id)
    assert completed.data["counts"] == {"regenerated": 0, "unchanged": 1, "skipped": 0, "failed": 0}


def test_out_of_stock_is_skipped_with_the_reason_and_the_old_ad_is_listed_stale(workspace, shop):
    url = shop.put("mug", title="Enamel Mug", price="12.00")
    product = product_import(workspace=workspace, url=url)
    campaign = _campaign(workspace, [product])
    now = timezone.now()
    first = run_inline(campaign, now=now)
    ad = first.items.get().ad
    facts = AdFacts.objects.get(ad=ad)
    assert (str(facts.price), facts.availability) == ("12.00", "InStock")
    assert list(ads_stale(workspace=workspace)) == []

    shop.put("mug", title="Enamel Mug", price="12.00", availability="OutOfStock")
    second = run_inline(campaign, now=now + timedelta(minutes=1))
    item = second.items.get()
    assert (item.outcome, item.reason_code) == ("skipped", "out_of_stock")
    assert "Out of stock" in item.reason
    assert list(ads_stale(workspace=workspace)) == [
        ad
    ]  # its availability changed since it was made


def test_a_page_that_cannot_be_read_fails_its_items_with_the_reason(workspace, shop):
    url = shop.put("lamp", title="Desk Lamp", price="39.00")
    product = product_import(workspace=workspace, url=url)
    campaign = _campaign(workspace, [product], languages=["en", "de"])
    del shop.routes["/p/lamp"]
    run = run_inline(campaign, make_jobs=False)
    assert run.state == CampaignRun.State.COMPLETED
    assert [(i.language, i.outcome, i.reason_code) for i in run.items.order_by("position")] == [
        ("en", "failed", "http_404"),
        ("de", "failed", "http_404"),
    ]
    assert "could not be read again" in run.items.first().reason
    assert Product.objects.get(id=product.id).status == Product.Status.FAILED


def test_variants_make_one_item_each_and_a_redelivered_run_queues_nothing_twice(workspace, shop):
    from campaigns.engine import run_execute
    from campaigns.services import run_start

    url = shop.put("socks", title="Wool Socks", price="15.00")
    product = product_import(workspace=workspace, url=url)
    campaign = _campaign(workspace, [product], variants=2, languages=["en", "de"])
    run, created = run_start(campaign=campaign, queue=False)
    assert created
    assert run_execute(run_id=run.id, claimant="task:a", slice_seconds=float("inf")) is False
    # the same task redelivered, and a second worker handed it after the claim went quiet
    assert run_execute(run_id=run.id, claimant="task:a", slice_seconds=float("inf")) is False
    CampaignRun.objects.filter(id=run.id).update(claimed_at=timezone.now() - timedelta(days=1))
    assert run_execute(run_id=run.id, claimant="task:b", slice_seconds=float("inf")) is False
    items = list(RunItem.objects.filter(run=run).order_by("position"))
    assert [(i.language, i.variant, i.state) for i in items] == [
        ("en", 0, "queued"),
        ("en", 1, "queued"),
        ("de", 0, "queued"),
        ("de", 1, "queued"),
    ]
    assert RenderJob.objects.count() == 4
    variant = RenderJob.objects.get(id=items[1].job_id).options
    assert variant.get("variant", variant.get("seed")) == 1
