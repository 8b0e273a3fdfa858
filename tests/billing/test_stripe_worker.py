"""The server stack for real: a signed webhook is stored by the web process, queued by name
through Redis, and processed by a Celery worker process that reads the invoice back from the
fake Stripe and grants the period's credits (PostgreSQL shared by both)."""

from __future__ import annotations

import json
import time

import pytest

from billing.checkout import checkout_session_create
from billing.models import BillingAccount, LedgerEntry, Plan, StripeEvent
from tests.billing.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, configure, sign
from tests.factories import WorkspaceFactory
from tests.workers import celery_workers

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_a_webhook_event_queued_through_the_broker(redis_url, postgres, plans, settings, client, tmp_path):
    with FakeStripe() as fake:
        configure(settings, fake)
        settings.CELERY_BROKER_URL = redis_url
        settings.SHOPREEL_SITE_URL = "https://app.shopreel.example"
        fake.price("price_starter_m", unit_amount=2900, recurring=True)
        Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter_m")
        workspace = WorkspaceFactory()
        checkout_session_create(workspace=workspace, plan_slug="starter", success_url=None, cancel_url=None)
        [session_id] = fake.objects["checkout.session"]
        subscription = fake.get("subscription", fake.pay(session_id)["subscription"])
        invoice = fake.get("invoice", subscription["latest_invoice"])

        env = {"SHOPREEL_BILLING": "on", "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
               "STRIPE_API_BASE": fake.url, "SHOPREEL_QUEUE_DEFAULT": settings.SHOPREEL_QUEUE_DEFAULT}
        with celery_workers({"billing": settings.SHOPREEL_QUEUE_DEFAULT}, redis_url=redis_url, allow_hosts="",
                            log_dir=tmp_path, env=env) as (processes, logs):
            event = fake.event("invoice.paid", invoice)
            payload = json.dumps(event)
            response = client.post("/billing/stripe/webhook/", data=payload, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=sign(payload))
            assert response.status_code == 200
            row = StripeEvent.objects.get(id=event["id"])
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and processes[0].poll() is None:
                row.refresh_from_db()
                if row.processed_at or row.error:
                    break
                time.sleep(0.2)
        log = logs["billing"].read_text()

    assert row.processed_at is not None and row.error == "", log[-3000:]
    assert "billing.process_stripe_event" in log
    account = BillingAccount.objects.get(workspace=workspace)
    assert LedgerEntry.objects.filter(account=account, reference=invoice["id"], balance_change=150).count() == 1
    assert account.status == BillingAccount.Status.ACTIVE and account.plan.slug == "starter"
    assert fake.calls("GET", f"/v1/invoices/{invoice['id']}")  # read back by the worker
