"""The webhook endpoint and the processing machinery: signatures, storing once, processing
after commit (in the request, or queued by name where there is a broker), claiming, errors
left for a retry, the command and the task."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import UTC, datetime

import pytest
from celery.exceptions import Retry
from django.core.management import call_command

from billing import stripe_events
from billing.checkout import checkout_session_create
from billing.ledger import account_for_workspace
from billing.models import BillingAccount, LedgerEntry, Plan, StripeEvent
from billing.stripe_events import Outcome, stripe_event_process
from billing.tasks import process_stripe_event
from tests.billing.fake_stripe import WEBHOOK_SECRET, FakeStripe, configure, sign

pytestmark = pytest.mark.django_db

URL = "/billing/stripe/webhook/"
SITE = "https://app.shopreel.example"


@pytest.fixture
def fake(settings, plans):
    with FakeStripe() as fake:
        configure(settings, fake)
        settings.SHOPREEL_SITE_URL = SITE
        fake.price("price_starter_m", unit_amount=2900, recurring=True)
        Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter_m")
        yield fake


def post(client, event: dict | str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
         signature: str | None = None, body: str | None = None):
    payload = event if isinstance(event, str) else json.dumps(event)
    header = sign(payload, secret=secret, timestamp=timestamp) if signature is None else signature
    return client.post(URL, data=payload if body is None else body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)


def subscribed(fake: FakeStripe, workspace) -> tuple[dict, dict, dict]:
    """A workspace that went through checkout for Starter and paid: (session, subscription, invoice)."""
    checkout_session_create(workspace=workspace, plan_slug="starter", success_url=f"{SITE}/ok/", cancel_url=f"{SITE}/no/")
    [session_id] = fake.objects["checkout.session"]
    session = fake.pay(session_id)
    subscription = fake.get("subscription", session["subscription"])
    return session, subscription, fake.get("invoice", subscription["latest_invoice"])


# ------------------------------------------------------------------ the endpoint


def test_a_bad_signature_and_a_stale_timestamp_each_answer_400_and_store_nothing(client, fake):
    event = fake.event("invoice.paid", {"id": "in_test_1", "object": "invoice"})
    payload = json.dumps(event)
    refused = [
        post(client, event, secret="whsec_someone_else"),  # signed with another secret
        post(client, event, timestamp=int(time.time()) - 301),  # older than STRIPE_WEBHOOK_TOLERANCE
        post(client, event, body=payload.replace("invoice.paid", "invoice.voided")),  # altered after signing
        post(client, event, signature=""),  # no header
        post(client, event, signature="t=nonsense,v1=zz"),
        post(client, event, signature=sign(payload).replace("v1=", "v0=")),  # not the v1 scheme
    ]
    for response in refused:
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "stripe_signature_invalid"
    assert not StripeEvent.objects.exists()
    assert fake.requests == []
    # Within the tolerance: accepted.
    assert post(client, event, timestamp=int(time.time()) - 200).status_code == 200


def test_only_post_and_billing_off_stores_nothing(client, fake, settings):
    assert client.get(URL).status_code == 405
    settings.SHOPREEL_BILLING = False
    event = fake.event("invoice.paid", {"id": "in_test_1", "object": "invoice"})
    response = post(client, event)
    assert response.status_code == 409 and "SHOPREEL_BILLING" in response.json()["error"]["message"]
    settings.SHOPREEL_BILLING, settings.STRIPE_WEBHOOK_SECRET = True, ""
    response = post(client, event)
    assert response.status_code == 409 and "STRIPE_WEBHOOK_SECRET" in response.json()["error"]["message"]
    assert not StripeEvent.objects.exists()


def test_a_signed_body_that_is_not_an_event_is_refused(client, fake):
    assert post(client, '{"hello": "world"}').status_code == 400
    assert post(client, "not json").status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_unknown_event_type_is_stored_marked_processed_and_ignored(client, fake, django_capture_on_commit_callbacks):
    event = fake.event("customer.tax_id.created", {"id": "txi_123", "object": "tax_id"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event)
    assert response.status_code == 200
    assert response.json() == {"received": True, "id": event["id"], "duplicate": False}
    row = StripeEvent.objects.get()
    assert (row.id, row.type, row.payload) == (event["id"], "customer.tax_id.created", event)
    assert row.processed_at is not None and row.error == ""
    assert row.created.timestamp() == event["created"]
    assert fake.requests == []


def test_a_repeated_event_id_is_stored_once_and_processed_once(client, fake, workspace, django_capture_on_commit_callbacks):
    _session, _subscription, invoice = subscribed(fake, workspace)
    event = fake.event("invoice.paid", invoice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = post(client, event)
    assert len(callbacks) == 1
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = post(client, event)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert callbacks == []  # nothing queued, nothing processed
    assert first.json()["duplicate"] is False
    assert StripeEvent.objects.count() == 1
    assert len(fake.calls("GET", f"/v1/invoices/{invoice['id']}")) == 1
    assert LedgerEntry.objects.filter(reference=invoice["id"]).count() == 1


def test_with_a_broker_the_event_is_queued_by_name_after_commit_not_processed_in_the_request(
    client, fake, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    queued = []

    class FakeSignature:
        def __init__(self, name, args, queue):
            self.sent = (name, args, queue)

        def apply_async(self):
            queued.append(self.sent)

    monkeypatch.setattr(stripe_events, "signature", FakeSignature)
    event = fake.event("customer.subscription.updated", {"id": "sub_1", "object": "subscription"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert post(client, event).status_code == 200
    assert queued == []  # not before commit
    for callback in callbacks:
        callback()
    assert queued == [("billing.process_stripe_event", [event["id"]], settings.SHOPREEL_QUEUE_DEFAULT)]
    assert StripeEvent.objects.get().processed_at is None
    assert fake.requests == []


# ------------------------------------------------------------------ processing


def _stored(event: dict) -> StripeEvent:
    row, created = stripe_events.stripe_event_receive(event=event)
    assert created
    return row


def test_a_handler_error_is_recorded_and_left_for_the_command_to_retry(fake, workspace):
    _session, _subscription, invoice = subscribed(fake, workspace)
    row = _stored(fake.event("invoice.paid", invoice))
    fake.fail("GET", "/v1/invoices/", status=500)
    assert stripe_event_process(event_id=row.id) == Outcome.RETRY
    row.refresh_from_db()
    assert row.processed_at is None and "Stripe could not read the invoice" in row.error
    assert not LedgerEntry.objects.filter(reference=invoice["id"]).exists()

    out, err = io.StringIO(), io.StringIO()
    call_command("process_stripe_events", stdout=out, stderr=err)
    assert "1 Stripe events processed, 0 failed" in out.getvalue()
    row.refresh_from_db()
    assert row.processed_at is not None and row.error == ""
    assert LedgerEntry.objects.filter(reference=invoice["id"]).count() == 1


def test_an_event_for_an_unknown_price_fails_with_a_message_until_the_plan_is_fixed(fake, workspace):
    _session, _subscription, invoice = subscribed(fake, workspace)
    Plan.objects.filter(slug="starter").update(stripe_price_id="")
    row = _stored(fake.event("invoice.paid", invoice))
    assert stripe_event_process(event_id=row.id) == Outcome.FAILED
    row.refresh_from_db()
    assert row.processed_at is None and "price_starter_m" in row.error and "stripe_price_id" in row.error
    assert not LedgerEntry.objects.filter(reference=invoice["id"]).exists()  # rolled back with the claim

    err = io.StringIO()
    call_command("process_stripe_events", stdout=io.StringIO(), stderr=err)
    assert row.id in err.getvalue()
    Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter_m")
    out = io.StringIO()
    call_command("process_stripe_events", stdout=out)
    assert "1 Stripe events processed" in out.getvalue()
    account = BillingAccount.objects.get(workspace=workspace)
    assert account.status == BillingAccount.Status.ACTIVE and account.plan.slug == "starter"


def test_an_event_is_claimed_once(fake, workspace):
    row = _stored(fake.event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"}))
    assert stripe_event_process(event_id=row.id) == Outcome.PROCESSED
    assert stripe_event_process(event_id=row.id) == Outcome.ALREADY
    assert stripe_event_process(event_id="evt_unknown") == Outcome.ALREADY


def test_the_task_processes_by_id_and_retries_only_when_stripe_is_unreachable(fake, workspace):
    _session, _subscription, invoice = subscribed(fake, workspace)
    row = _stored(fake.event("invoice.paid", invoice))
    fake.fail("GET", "/v1/invoices/", status=503)
    with pytest.raises(Retry):
        process_stripe_event(row.id)
    assert process_stripe_event(row.id) == "processed"
    assert process_stripe_event(row.id) == "already"
    assert process_stripe_event.name == "billing.process_stripe_event"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_processing_one_event_at_once_count_it_once(postgres, plans, fake, workspace):
    """On PostgreSQL: the second claim waits for the first transaction and then matches nothing."""
    _session, _subscription, invoice = subscribed(fake, workspace)
    event = fake.event("invoice.paid", invoice)
    row = StripeEvent.objects.create(  # stored as a worker finds it (no in-request processing)
        id=event["id"], type=event["type"], payload=event, created=datetime.fromtimestamp(event["created"], tz=UTC)
    )
    outcomes = []

    def work():
        from django.db import connection

        try:
            outcomes.append(stripe_event_process(event_id=row.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == sorted([Outcome.PROCESSED] + [Outcome.ALREADY] * 3)
    account = account_for_workspace(workspace=workspace)
    assert LedgerEntry.objects.filter(account=account, reference=invoice["id"]).count() == 1
