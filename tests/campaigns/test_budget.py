"""A run's budget and the balance: the run is quoted, queues what it can afford in order, marks
the rest skipped for budget, and a retried run charges nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.ledger import account_for_workspace
from billing.models import LedgerEntry
from campaigns import engine
from campaigns.engine import run_execute
from campaigns.models import RunItem
from campaigns.services import campaign_create, run_start
from generation.models import RenderJob
from products.models import Product
from tests.billing.conftest import make_account
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

WEEKLY = {"weekly": {"days": ["mon"], "time": "09:00"}}


def _products(workspace, count, **extra):
    return [
        ProductFactory(
            workspace=workspace,
            title=f"Candle {i}",
            price=Decimal("18.00"),
            currency="EUR",
            availability="InStock",
            fetched_with=Product.FetchedWith.MANUAL,
            **extra,
        )
        for i in range(count)
    ]


def _campaign(workspace, products, **extra):
    # 15 s in one format: 3 credits an ad
    return campaign_create(
        workspace=workspace,
        data={
            "name": "Candles",
            "products": [str(p.id) for p in products],
            "formats": ["1:1"],
            "languages": ["en"],
            "length": 15,
            "schedule": WEEKLY,
            **extra,
        },
    )


def _run(campaign, claimant="task:1"):
    run, _ = run_start(campaign=campaign, queue=False)
    run_execute(run_id=run.id, claimant=claimant, slice_seconds=float("inf"))
    run.refresh_from_db()
    return run


def _outcomes(run):
    return [(i.state, i.outcome, i.reason_code) for i in run.items.order_by("position")]


@pytest.fixture
def billing_on(settings, plans):
    settings.SHOPREEL_BILLING = True
    return plans


def test_a_budget_for_part_of_the_items_queues_that_part_and_marks_the_rest(workspace, billing_on):
    account = make_account(workspace=workspace, credits=100, plan=billing_on["growth"])
    campaign = _campaign(workspace, _products(workspace, 4), budget_credits=7)
    run = _run(campaign)
    assert run.quoted_credits == 12  # four ads at 3
    assert _outcomes(run) == [
        ("queued", "", "new"),
        ("queued", "", "new"),
        ("done", "skipped", "budget"),
        ("done", "skipped", "budget"),
    ]
    assert "budget of 7 credits" in run.items.order_by("position")[2].reason
    assert run.queued_credits == 6 and RenderJob.objects.count() == 2
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (94, 6)


def test_the_balance_running_out_stops_queuing(workspace, billing_on):
    make_account(workspace=workspace, credits=7, plan=billing_on["growth"])
    campaign = _campaign(workspace, _products(workspace, 4))
    run = _run(campaign)
    assert _outcomes(run) == [
        ("queued", "", "new"),
        ("queued", "", "new"),
        ("done", "skipped", "budget"),
        ("done", "skipped", "budget"),
    ]
    assert "Not enough credits" in run.items.order_by("position")[2].reason
    assert RenderJob.objects.count() == 2


def test_a_retried_run_charges_nothing_twice(workspace, billing_on, monkeypatch):
    make_account(workspace=workspace, credits=100, plan=billing_on["growth"])
    campaign = _campaign(workspace, _products(workspace, 3))
    real = engine.job_start_paid
    calls = {"n": 0}

    def dies_on_the_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("the worker died")  # not an ApplicationError: the task ends here
        return real(**kwargs)

    monkeypatch.setattr(engine, "job_start_paid", dies_on_the_second)
    run, _ = run_start(campaign=campaign, queue=False)
    with pytest.raises(SystemExit):
        run_execute(run_id=run.id, claimant="task:1", slice_seconds=float("inf"))
    assert [i.state for i in run.items.order_by("position")] == ["queued", "pending", "pending"]

    # redelivered (same task id), then redelivered again once everything is queued
    assert run_execute(run_id=run.id, claimant="task:1", slice_seconds=float("inf")) is False
    assert run_execute(run_id=run.id, claimant="task:1", slice_seconds=float("inf")) is False
    assert [i.state for i in run.items.order_by("position")] == ["queued", "queued", "queued"]
    account = account_for_workspace(workspace=workspace)
    reserves = LedgerEntry.objects.filter(account=account, kind="reserve")
    assert reserves.count() == 3 and RenderJob.objects.count() == 3
    assert (account.balance, account.reserved) == (91, 9)
    run.refresh_from_db()
    assert run.queued_credits == 9


def test_billing_off_still_quotes_and_keeps_to_the_budget(workspace):
    campaign = _campaign(workspace, _products(workspace, 3), budget_credits=6)
    run = _run(campaign)
    assert run.quoted_credits == 9
    assert [i.outcome or i.state for i in run.items.order_by("position")] == [
        "queued",
        "queued",
        "skipped",
    ]


def test_products_not_ready_or_with_a_doubted_price_are_skipped_with_the_reason(workspace):
    ready, partial, doubted = _products(workspace, 3)
    Product.objects.filter(id=partial.id).update(
        status=Product.Status.PARTIAL, error="The product needs a photo."
    )
    Product.objects.filter(id=doubted.id).update(price_needs_confirmation=True)
    run = _run(_campaign(workspace, [ready, partial, doubted]))
    items = list(run.items.order_by("position"))
    assert [(i.outcome or i.state, i.reason_code) for i in items] == [
        ("queued", "new"),
        ("skipped", "product_not_ready"),
        ("skipped", "price_unconfirmed"),
    ]
    assert items[1].reason == "The product needs a photo."
    assert RunItem.objects.filter(run=run, job__isnull=False).count() == 1
