"""What each Stripe event does to the account and its credits, through the real webhook
endpoint (signed events) and the fake Stripe the handlers read back from: counted once,
correct in any order."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from billing.checkout import checkout_session_create
from billing.ledger import account_for_workspace, credits_adjust
from billing.models import BillingAccount, LedgerEntry, StripeEvent
from billing.stripe_events import Outcome, stripe_event_process
from tests.billing.fake_stripe import PERIOD, FakeStripe, configure, sign, stock_prices

pytestmark = pytest.mark.django_db

URL = "/billing/stripe/webhook/"
SITE = "https://app.shopreel.example"
TRIAL_CREDITS = 30


@pytest.fixture(params=[False, True], ids=["current-api", "legacy-api"])
def fake(request, settings, plans):
    with FakeStripe(legacy=request.param) as fake:
        configure(settings, fake)
        settings.SHOPREEL_SITE_URL = SITE
        stock_prices(fake)
        yield fake


@pytest.fixture
def deliver(client, fake, django_capture_on_commit_callbacks):
    """Send a signed event to the webhook as Stripe would; it is processed after commit."""

    def deliver(event: dict) -> StripeEvent:
        payload = json.dumps(event)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, data=payload, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=sign(payload))
        assert response.status_code == 200, response.content
        return StripeEvent.objects.get(id=event["id"])

    return deliver


def _checkout(fake: FakeStripe, workspace, **choice) -> dict:
    checkout_session_create(workspace=workspace, success_url=f"{SITE}/ok/", cancel_url=f"{SITE}/no/", **choice)
    return list(fake.objects["checkout.session"].values())[-1]


def subscribe(fake: FakeStripe, workspace) -> tuple[dict, dict, dict]:
    session = fake.pay(_checkout(fake, workspace, plan_slug="starter")["id"])
    subscription = fake.get("subscription", session["subscription"])
    return session, subscription, fake.get("invoice", subscription["latest_invoice"])


def account_of(workspace) -> BillingAccount:
    return BillingAccount.objects.get(id=account_for_workspace(workspace=workspace).id)


# ------------------------------------------------------------------ subscriptions


def test_invoice_paid_replayed_three_times_grants_the_period_once(fake, workspace, deliver):
    session, subscription, invoice = subscribe(fake, workspace)
    deliver(fake.event("checkout.session.completed", session))
    paid = fake.event("invoice.paid", invoice)
    for _ in range(3):
        row = deliver(paid)  # Stripe's retries: the same event id
    # …and other events about the same invoice (a second endpoint, a resend from the dashboard).
    for _ in range(2):
        deliver(fake.event("invoice.paid", invoice))
    assert row.processed_at is not None
    account = account_of(workspace)
    [grant] = LedgerEntry.objects.filter(account=account, reference=invoice["id"])
    assert (grant.kind, grant.balance_change) == (LedgerEntry.Kind.GRANT, 150)
    assert account.balance == TRIAL_CREDITS + 150
    assert account.status == BillingAccount.Status.ACTIVE and account.plan.slug == "starter"
    assert account.stripe_subscription_id == subscription["id"]
    assert account.stripe_customer_id == subscription["customer"]
    item = fake.objects["subscription"][subscription["id"]]["items"]["data"][0]
    assert account.current_period_end == datetime.fromtimestamp(item["current_period_end"], tz=UTC)

    # The next period's invoice grants again, once.
    renewal = fake.invoice_create(subscription["id"], billing_reason="subscription_cycle")
    deliver(fake.event("invoice.paid", renewal))
    deliver(fake.event("invoice.paid", renewal))
    assert account_of(workspace).balance == TRIAL_CREDITS + 300


def test_a_mid_period_proration_invoice_grants_nothing(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    fake.subscription_update(subscription["id"], price="price_pro_m")
    proration = fake.invoice_create(subscription["id"], billing_reason="subscription_update")
    deliver(fake.event("invoice.paid", proration))
    account = account_of(workspace)
    assert account.balance == TRIAL_CREDITS
    assert account.plan.slug == "pro"  # the plan follows the subscription; its credits, the next period


def test_subscription_deleted_arriving_before_created_ends_canceled(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    created = fake.event("customer.subscription.created", subscription)  # snapshot: active
    deleted = fake.event("customer.subscription.deleted", fake.subscription_cancel(subscription["id"]))
    deliver(deleted)
    assert account_of(workspace).status == BillingAccount.Status.CANCELED
    deliver(created)
    account = account_of(workspace)
    assert account.status == BillingAccount.Status.CANCELED
    assert account.plan.slug == "starter" and account.balance == TRIAL_CREDITS  # credits kept
    assert account.subscription_synced_at == datetime.fromtimestamp(deleted["created"], tz=UTC)


def test_an_event_applies_what_stripe_says_now_not_its_snapshot(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    updated = fake.event("customer.subscription.updated", subscription)  # snapshot: active
    fake.subscription_cancel(subscription["id"])  # its own event is still on the way
    deliver(updated)
    assert account_of(workspace).status == BillingAccount.Status.CANCELED


def test_an_older_update_processed_late_does_not_undo_a_newer_one(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    created = fake.event("customer.subscription.created", subscription)
    upgraded = fake.event("customer.subscription.updated", fake.subscription_update(subscription["id"], price="price_pro_m"))
    deliver(upgraded)
    deliver(created)
    account = account_of(workspace)
    assert account.plan.slug == "pro" and account.status == BillingAccount.Status.ACTIVE


def test_checkout_completed_in_subscription_mode_links_and_syncs_without_granting(fake, workspace, deliver):
    session, subscription, _invoice = subscribe(fake, workspace)
    BillingAccount.objects.filter(workspace=workspace).update(stripe_customer_id=None)  # made elsewhere
    deliver(fake.event("checkout.session.completed", session))
    account = account_of(workspace)
    assert account.stripe_customer_id == session["customer"]
    assert account.stripe_subscription_id == subscription["id"]
    assert account.status == BillingAccount.Status.ACTIVE and account.plan.slug == "starter"
    assert account.balance == TRIAL_CREDITS  # credits come with invoice.paid
    assert fake.calls("GET", f"/v1/checkout/sessions/{session['id']}")


def test_payment_failed_makes_the_account_past_due_unless_stripe_says_it_recovered(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    renewal = fake.invoice_create(subscription["id"], status="open")
    fake.subscription_update(subscription["id"], status="past_due")
    failed = fake.event("invoice.payment_failed", renewal)
    deliver(failed)
    assert account_of(workspace).status == BillingAccount.Status.PAST_DUE

    # Another failure reported late, after the card was fixed: Stripe says active now.
    fake.subscription_update(subscription["id"], status="active")
    deliver(fake.event("invoice.payment_failed", renewal))
    assert account_of(workspace).status == BillingAccount.Status.ACTIVE


def test_status_mapping_and_an_unstarted_subscription_leaves_the_trial_alone(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    for stripe_status, ours in (("unpaid", "past_due"), ("trialing", "trialing"), ("active", "active")):
        deliver(fake.event("customer.subscription.updated", fake.subscription_update(subscription["id"], status=stripe_status)))
        assert account_of(workspace).status == ours, stripe_status

    other = fake.subscription_create(customer=subscription["customer"], price="price_pro_m", status="incomplete")
    deliver(fake.event("customer.subscription.created", other))
    account = account_of(workspace)
    assert account.stripe_subscription_id == subscription["id"] and account.plan.slug == "starter"


def test_an_old_subscription_ending_late_leaves_the_account_on_its_new_one(fake, workspace, deliver):
    _session, old, _invoice = subscribe(fake, workspace)
    new = fake.subscription_create(customer=old["customer"], price="price_pro_m")
    deliver(fake.event("customer.subscription.created", new))
    ended = fake.event("customer.subscription.deleted", fake.subscription_cancel(old["id"]))
    deliver(ended)
    account = account_of(workspace)
    assert account.stripe_subscription_id == new["id"]
    assert account.status == BillingAccount.Status.ACTIVE and account.plan.slug == "pro"


def test_a_subscription_of_a_customer_that_is_not_ours_is_kept_unprocessed_with_the_reason(fake, workspace, deliver):
    stranger = fake.customer_create(name="Someone else")
    subscription = fake.subscription_create(customer=stranger["id"], price="price_starter_m")
    row = deliver(fake.event("customer.subscription.created", subscription))
    assert row.processed_at is None and stranger["id"] in row.error
    assert stripe_event_process(event_id=row.id) == Outcome.FAILED


def test_the_customer_and_plan_are_found_by_the_subscriptions_metadata_when_the_customer_is_new(fake, workspace, deliver):
    account = account_for_workspace(workspace=workspace)
    customer = fake.customer_create(name="Made in the dashboard")
    subscription = fake.subscription_create(
        customer=customer["id"], price="price_starter_m", metadata={"billing_account": str(account.id)}
    )
    deliver(fake.event("customer.subscription.created", subscription))
    account = account_of(workspace)
    assert account.stripe_customer_id == customer["id"] and account.status == BillingAccount.Status.ACTIVE


# ------------------------------------------------------------------ credit packs


def buy_pack(fake: FakeStripe, workspace, deliver) -> tuple[dict, dict]:
    session = fake.pay(_checkout(fake, workspace, pack_slug="pack-500")["id"])
    deliver(fake.event("checkout.session.completed", session))
    return session, fake.charge_of(session)


def test_a_pack_purchase_grants_its_credits_once(fake, workspace, deliver):
    session, _charge = buy_pack(fake, workspace, deliver)
    completed = fake.event("checkout.session.completed", session)
    deliver(completed)
    deliver(completed)
    account = account_of(workspace)
    [purchase] = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PURCHASE)
    assert (purchase.reference, purchase.balance_change) == (session["id"], 500)
    assert account.balance == TRIAL_CREDITS + 500
    assert account.status == BillingAccount.Status.TRIALING  # a pack is no plan


def test_pack_refund_of_more_than_is_left_takes_what_is_left_flagged_and_never_goes_negative(fake, workspace, deliver):
    _session, charge = buy_pack(fake, workspace, deliver)
    account = account_of(workspace)
    credits_adjust(account=account, credits=-(TRIAL_CREDITS + 400), reason="spent on ads", actor=None)
    assert account_of(workspace).balance == 100

    refunded = fake.event("charge.refunded", fake.refund(charge["id"]))
    deliver(refunded)
    deliver(refunded)
    deliver(fake.event("charge.refunded", fake.get("charge", charge["id"])))
    account = account_of(workspace)
    [refund] = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.REFUND)
    assert account.balance == 0
    assert (refund.reference, refund.balance_change, refund.flagged) == (charge["id"], -100, True)
    assert "only 100 of 500" in refund.reason


def test_a_partial_pack_refund_takes_back_credits_in_proportion(fake, workspace, deliver):
    _session, charge = buy_pack(fake, workspace, deliver)
    deliver(fake.event("charge.refunded", fake.refund(charge["id"], amount=2500)))  # a quarter of 10000
    account = account_of(workspace)
    [refund] = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.REFUND)
    assert (refund.balance_change, refund.flagged) == (-125, False)
    assert account.balance == TRIAL_CREDITS + 500 - 125


def test_a_refund_processed_before_its_purchase_still_counts_each_once(fake, workspace, deliver):
    session = fake.pay(_checkout(fake, workspace, pack_slug="pack-500")["id"])
    charge = fake.charge_of(session)
    completed = fake.event("checkout.session.completed", session)
    deliver(fake.event("charge.refunded", fake.refund(charge["id"])))
    deliver(completed)
    account = account_of(workspace)
    kinds = sorted(LedgerEntry.objects.filter(account=account).exclude(kind=LedgerEntry.Kind.GRANT)
                   .values_list("kind", "balance_change"))
    assert kinds == [("purchase", 500), ("refund", -500)]
    assert account.balance == TRIAL_CREDITS


def test_a_subscription_charge_refund_changes_no_credits_but_is_stored(fake, workspace, deliver):
    _session, _subscription, invoice = subscribe(fake, workspace)
    deliver(fake.event("invoice.paid", invoice))
    before = list(LedgerEntry.objects.values_list("id", flat=True))
    row = deliver(fake.event("charge.refunded", fake.refund(fake.charge_of(invoice)["id"])))
    assert row.processed_at is not None and row.error == ""
    assert list(LedgerEntry.objects.values_list("id", flat=True)) == before
    assert account_of(workspace).balance == TRIAL_CREDITS + 150


def test_a_delayed_payment_grants_when_it_succeeds(fake, workspace, deliver):
    session = fake.pay(_checkout(fake, workspace, pack_slug="pack-500")["id"], payment_status="unpaid")
    deliver(fake.event("checkout.session.completed", session))
    assert account_of(workspace).balance == TRIAL_CREDITS
    fake.objects["checkout.session"][session["id"]]["payment_status"] = "paid"
    deliver(fake.event("checkout.session.async_payment_succeeded", fake.get("checkout.session", session["id"])))
    assert account_of(workspace).balance == TRIAL_CREDITS + 500


def test_the_period_end_is_read_from_the_item_or_the_subscription(fake, workspace, deliver):
    _session, subscription, _invoice = subscribe(fake, workspace)
    end = fake.clock + 2 * PERIOD
    deliver(fake.event("customer.subscription.updated", fake.subscription_update(subscription["id"], period_end=end)))
    assert account_of(workspace).current_period_end == datetime.fromtimestamp(end, tz=UTC)
    shape = fake.get("subscription", subscription["id"])
    assert ("current_period_end" in shape) == fake.legacy
