"""Exactly once per slot, under real concurrency on PostgreSQL: threads with their own
connections, released together by a barrier."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.engine import run_execute
from campaigns.models import Campaign, CampaignRun, RunItem
from campaigns.services import campaign_create, campaigns_run_due, run_start
from generation.models import RenderJob
from products.models import Product
from tests.factories import ProductFactory, WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(count: int, work) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = f"crashed: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _campaign(products=2):
    workspace = WorkspaceFactory()
    items = [
        ProductFactory(
            workspace=workspace,
            price=Decimal("10.00"),
            currency="EUR",
            availability="InStock",
            fetched_with=Product.FetchedWith.MANUAL,
        )
        for _ in range(products)
    ]
    return campaign_create(
        workspace=workspace,
        data={
            "name": "Race",
            "products": [str(p.id) for p in items],
            "formats": ["9:16"],
            "languages": ["en"],
            "length": 6,
            "schedule": {"weekly": {"days": ["mon"], "time": "09:00"}},
        },
    )


def test_eight_schedulers_ticking_at_once_start_each_due_slot_once(postgres):
    campaigns = [_campaign() for _ in range(3)]
    slot = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    Campaign.objects.filter(id__in=[c.id for c in campaigns]).update(next_run_at=slot)
    outcomes = race(8, lambda i: [run.id for run in campaigns_run_due(queue=False)])
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    started = [run_id for o in outcomes for run_id in o]
    assert len(started) == len(set(started)) == 3
    assert CampaignRun.objects.count() == 3
    assert set(CampaignRun.objects.values_list("slot", flat=True)) == {slot}
    for campaign in Campaign.objects.filter(id__in=[c.id for c in campaigns]):
        assert campaign.next_run_at > timezone.now()  # moved on once, to the next Monday 09:00
    # a tick after them starts nothing
    assert campaigns_run_due(queue=False) == []


def test_run_now_pressed_ten_times_at_once_starts_one_run(postgres):
    campaign = _campaign()
    outcomes = race(10, lambda i: run_start(campaign=campaign, queue=False))
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    assert sum(created for _run, created in outcomes) == 1
    assert len({run.id for run, _created in outcomes}) == 1
    assert CampaignRun.objects.filter(campaign=campaign).count() == 1


def test_the_run_task_delivered_four_times_at_once_queues_each_item_once(postgres):
    campaign = _campaign(products=3)
    run, _ = run_start(campaign=campaign, queue=False)
    # a redelivered task keeps its id: all four claim as the same task
    outcomes = race(4, lambda i: run_execute(run_id=run.id, claimant="task:same", slice_seconds=60))
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    assert RunItem.objects.filter(run=run).count() == 3
    assert RunItem.objects.filter(run=run, state=RunItem.State.QUEUED).count() == 3
    assert RenderJob.objects.filter(workspace_id=campaign.workspace_id).count() == 3
    # a second claimant (another worker) gets nothing while the claim is fresh
    assert run_execute(run_id=run.id, claimant="task:other", slice_seconds=60) is False
    assert RenderJob.objects.filter(workspace_id=campaign.workspace_id).count() == 3
