"""What a run makes ads of: the products chosen, in their order, or every product of an import
batch as it is at the run; and what a finished ad made outside campaigns is recorded showing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.events import event_record
from campaigns.engine import run_execute
from campaigns.models import AdFacts, CampaignRun
from campaigns.services import campaign_create
from core.errors import InvalidInput
from generation.models import Ad, RenderJob
from products.models import ImportBatch, ImportBatchRow, Product
from tests.factories import ProductFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

WEEKLY = {"weekly": {"days": ["mon"], "time": "09:00"}}


def _product(workspace, title, **extra):
    fields = {
        "price": Decimal("20.00"),
        "currency": "EUR",
        "availability": "InStock",
        "fetched_with": Product.FetchedWith.MANUAL,
        **extra,
    }
    return ProductFactory(workspace=workspace, title=title, **fields)


def test_every_product_of_an_import_batch_as_it_is_at_the_run(workspace):
    batch = ImportBatch.objects.create(
        workspace=workspace, source=ImportBatch.Source.URLS, state="done"
    )
    first, second = _product(workspace, "First"), _product(workspace, "Second")
    for position, product in enumerate((first, second), start=1):
        ImportBatchRow.objects.create(
            workspace=workspace,
            batch=batch,
            position=position,
            product=product,
            state="done",
            outcome="imported",
        )
    campaign = campaign_create(
        workspace=workspace,
        data={
            "name": "Feed",
            "batch": str(batch.id),
            "formats": ["9:16"],
            "languages": ["en"],
            "length": 6,
            "schedule": WEEKLY,
        },
    )
    assert campaign.source == "batch" and not campaign.products.exists()
    third = _product(workspace, "Third")  # imported into the batch after the campaign was made
    ImportBatchRow.objects.create(
        workspace=workspace, batch=batch, position=3, product=third, state="done"
    )
    run = CampaignRun.objects.create(
        workspace=workspace, campaign=campaign, slot=campaign.next_run_at
    )
    run_execute(run_id=run.id, claimant="t", slice_seconds=60)
    assert [i.product_title for i in run.items.order_by("position")] == ["First", "Second", "Third"]


def test_a_batch_deleted_since_fails_the_run_saying_why(workspace):
    batch = ImportBatch.objects.create(workspace=workspace, source=ImportBatch.Source.URLS)
    campaign = campaign_create(
        workspace=workspace,
        data={"name": "Feed", "batch": str(batch.id), "languages": ["en"], "schedule": WEEKLY},
    )
    batch.delete()
    run = CampaignRun.objects.create(
        workspace=workspace, campaign=campaign, slot=campaign.next_run_at
    )
    run_execute(run_id=run.id, claimant="t", slice_seconds=60)
    run.refresh_from_db()
    assert (run.state, run.error_code) == ("failed", "batch_missing")


def test_the_chosen_products_keep_their_order_and_another_workspaces_are_refused(workspace):
    products = [_product(workspace, name) for name in ("Charlie", "Alpha", "Bravo")]
    campaign = campaign_create(
        workspace=workspace,
        data={
            "name": "Order",
            "products": [str(p.id) for p in products],
            "languages": ["en"],
            "schedule": WEEKLY,
        },
    )
    run = CampaignRun.objects.create(
        workspace=workspace, campaign=campaign, slot=campaign.next_run_at
    )
    run_execute(run_id=run.id, claimant="t", slice_seconds=60)
    assert [i.product_title for i in run.items.order_by("position")] == [
        "Charlie",
        "Alpha",
        "Bravo",
    ]
    theirs = _product(WorkspaceFactory(), "Theirs")
    with pytest.raises(InvalidInput) as exc:
        campaign_create(
            workspace=workspace,
            data={
                "name": "X",
                "products": [str(theirs.id)],
                "languages": ["en"],
                "schedule": WEEKLY,
            },
        )
    assert exc.value.code == "product_not_found"


def test_an_ad_made_outside_campaigns_records_what_it_shows_when_it_completes(workspace):
    product = _product(workspace, "Lamp", price=Decimal("39.00"), regular_price=Decimal("49.00"))
    ad = Ad.objects.create(workspace=workspace, product=product, template="t", script={})
    job = RenderJob.objects.create(workspace=workspace, product=product, ad=ad, state="succeeded")
    from django.db import transaction

    with transaction.atomic():
        event_record(workspace_id=workspace.id, type="ad.completed", subject_id=job.id, data={})
    facts = AdFacts.objects.get(ad=ad)
    assert (facts.price, facts.regular_price, facts.currency, facts.availability, facts.title) == (
        Decimal("39.00"),
        Decimal("49.00"),
        "EUR",
        "InStock",
        "Lamp",
    )
    # a later render of the same ad keeps what the first one showed
    Product.objects.filter(id=product.id).update(price=Decimal("29.00"))
    with transaction.atomic():
        event_record(workspace_id=workspace.id, type="ad.completed", subject_id=job.id, data={})
    assert AdFacts.objects.get(ad=ad).price == Decimal("39.00")
