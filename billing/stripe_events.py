"""Stripe's webhook events: received (verified, stored once by id), then processed once.

Receiving (:func:`stripe_event_receive`, called by the webhook view once the signature has
been checked) stores the event in ``StripeEvent``; a repeated id stores nothing more. After
commit the event is processed by the ``billing.process_stripe_event`` task where a broker is
configured, else in the same request; ``manage.py process_stripe_events`` takes any left
unprocessed (no broker and a failed handler, a lost task).

Processing (:func:`stripe_event_process`) claims the event with a conditional UPDATE of
``processed_at`` inside one transaction with the handler's writes: a second worker's claim
waits for the first to finish and then matches nothing; a handler that fails rolls its claim
back with its writes, and the error is written on the row for the next try.

Handlers never trust the event's snapshot nor the order events arrive in: they read the
object again from Stripe (the subscription, the invoice, the checkout session, the charge) and
apply what Stripe says now. Money is counted once by the ledger's unique references (a
checkout session's purchase, an invoice's grant, a charge's refund), and an account's
subscription mirror is written only by an event at least as new as the last one applied
(``BillingAccount.subscription_synced_at``, Stripe's ``created`` of that event).
"""

from __future__ import annotations

import enum
import logging
import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from celery import signature
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing import stripe_client
from billing.ledger import credits_grant, credits_refund
from billing.models import BillingAccount, CreditPack, LedgerEntry, Plan, StripeEvent
from billing.stripe_client import StripeUnavailable
from core.errors import ApplicationError, InvalidInput

logger = logging.getLogger(__name__)

PROCESS_TASK = "billing.process_stripe_event"

# Stripe's subscription statuses on ours. ``incomplete`` (the first payment is still being
# made) and ``incomplete_expired`` (it never was) are not applied: the subscription never
# started, and the account keeps what it had (a trial's credits stay usable).
SUBSCRIPTION_STATUSES = {
    "trialing": BillingAccount.Status.TRIALING,
    "active": BillingAccount.Status.ACTIVE,
    "past_due": BillingAccount.Status.PAST_DUE,
    "unpaid": BillingAccount.Status.PAST_DUE,  # retries exhausted, left open: blocks like past due
    "paused": BillingAccount.Status.PAST_DUE,  # a trial ended without a card
    "canceled": BillingAccount.Status.CANCELED,
}
LIVE_STATUSES = ("trialing", "active", "past_due", "unpaid", "paused")
# Invoices that open a period get the plan's credits; a proration for a mid-period plan change
# ("subscription_update") or a one-off invoice does not (the new plan's credits come with the
# next period's invoice).
PERIOD_BILLING_REASONS = ("subscription_create", "subscription_cycle", "quote_accept", None, "")


class Outcome(enum.StrEnum):
    PROCESSED = "processed"
    ALREADY = "already"  # processed before, or by another worker
    FAILED = "failed"  # the handler raised: error recorded, left for a retry
    RETRY = "retry"  # Stripe unreachable: left for a retry, soon


class EventNotApplicable(ApplicationError):
    """The event names something Shopreel can't map (an unknown customer or price): it stays
    unprocessed, with this message, until a person fixes the data and it is processed again."""

    code = "stripe_event_not_applicable"
    status = 409


# ------------------------------------------------------------------ receiving


def stripe_event_receive(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once by its id and have it processed after commit. Returns the
    row and whether it is new; a repeated id changes nothing and queues nothing."""
    try:
        created = datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput("The event's `created` is not a timestamp.", code="stripe_event_invalid") from exc
    event_id = str(event["id"])[:100]
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(id=event_id, type=str(event["type"])[:100], payload=event, created=created)
            _queue_on_commit(event_id=event_id)
    except IntegrityError:
        row = StripeEvent.objects.filter(id=event_id).first()
        if row is None:  # not a duplicate after all: a real database error
            raise
        logger.info("stripe event repeated", extra={"stripe_event": event_id, "type": row.type})
        return row, False
    logger.info("stripe event stored", extra={"stripe_event": event_id, "type": row.type})
    return row, True


def _queue_on_commit(*, event_id: str) -> None:
    """After commit: the task on the default queue where there is a broker, else processed
    right here. ``robust``: a broker that is down never fails the webhook (the event is
    stored; ``process_stripe_events`` takes it)."""
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: signature(
            PROCESS_TASK, args=[event_id], queue=settings.SHOPREEL_QUEUE_DEFAULT,
        ).apply_async(), robust=True)
    else:
        transaction.on_commit(lambda: stripe_event_process(event_id=event_id), robust=True)


# ------------------------------------------------------------------ processing


def stripe_event_process(*, event_id: str) -> Outcome:
    """Process one stored event, at most once however many workers try. The claim (a
    conditional UPDATE of ``processed_at``) and the handler's writes commit together; an
    error rolls both back and is written on the row."""
    try:
        with transaction.atomic():
            claimed = StripeEvent.objects.filter(id=event_id, processed_at__isnull=True).update(
                processed_at=timezone.now(), error=""
            )
            if not claimed:
                return Outcome.ALREADY
            event = StripeEvent.objects.get(id=event_id)
            handler = HANDLERS.get(event.type)
            if handler is None:
                logger.info("stripe event ignored", extra={"stripe_event": event_id, "type": event.type})
            else:
                handler(event)
    except Exception as exc:
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        StripeEvent.objects.filter(id=event_id, processed_at__isnull=True).update(error=message[:2000])
        transient = isinstance(exc, StripeUnavailable)
        logger.warning(
            "stripe event failed", exc_info=not isinstance(exc, ApplicationError),
            extra={"stripe_event": event_id, "error": message, "transient": transient},
        )
        return Outcome.RETRY if transient else Outcome.FAILED
    logger.info("stripe event processed", extra={"stripe_event": event_id, "type": event.type})
    return Outcome.PROCESSED


def stripe_events_pending():
    """Events stored and not processed yet, oldest first (the index stripe_event_unprocessed)."""
    return StripeEvent.objects.filter(processed_at__isnull=True).order_by("created", "received_at")


def stripe_events_process_pending(*, limit: int = 100) -> dict[Outcome, int]:
    """Process stored-but-unprocessed events, oldest first; ``manage.py process_stripe_events``
    runs it. Safe beside workers: each event is claimed. Returns how many ended how."""
    counts = {outcome: 0 for outcome in Outcome}
    for event_id in list(stripe_events_pending().values_list("id", flat=True)[:limit]):
        counts[stripe_event_process(event_id=event_id)] += 1
    return counts


# ------------------------------------------------------------------ handlers


def _object(event: StripeEvent) -> dict:
    return (event.payload.get("data") or {}).get("object") or {}


def _id(value) -> str:
    """An expandable field: an id, or the object itself."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _checkout_completed(event: StripeEvent) -> None:
    session = stripe_client.checkout_session_get(session_id=_id(_object(event)))
    account = _account_for_session(session)
    _customer_link(account=account, customer_id=_id(session.get("customer")))
    if session.get("mode") == "payment":
        _pack_purchase_grant(account=account, session=session)
    elif session.get("mode") == "subscription" and session.get("subscription"):
        subscription = stripe_client.subscription_get(subscription_id=_id(session["subscription"]))
        _subscription_apply(account=account, subscription=subscription, event=event)


def _subscription_changed(event: StripeEvent) -> None:
    subscription = stripe_client.subscription_get(subscription_id=_id(_object(event)))
    account = _account_for_customer(_id(subscription.get("customer")), subscription.get("metadata"))
    _subscription_apply(account=account, subscription=subscription, event=event)


def _invoice_paid(event: StripeEvent) -> None:
    invoice = stripe_client.invoice_get(invoice_id=_id(_object(event)))
    subscription_id = _invoice_subscription(invoice)
    if not subscription_id or invoice.get("status") != "paid":
        return  # a one-off invoice: no plan credits (packs are paid through checkout)
    subscription = stripe_client.subscription_get(subscription_id=subscription_id)
    account = _account_for_customer(_id(invoice.get("customer")), subscription.get("metadata"))
    if invoice.get("billing_reason") in PERIOD_BILLING_REASONS:
        price_id = _invoice_price(invoice)
        plan = Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None
        if plan is None:
            raise EventNotApplicable(
                f"Invoice {invoice['id']} is for the Stripe price {price_id or '(none)'}, which no plan has: "
                "set the plan's stripe_price_id in the admin, then run process_stripe_events.",
                detail={"price": price_id},
            )
        if plan.monthly_credits:
            credits_grant(
                account=account, credits=plan.monthly_credits, reference=invoice["id"],
                reason=f"{plan.name}: credits for invoice {invoice.get('number') or invoice['id']}",
            )
    _subscription_apply(account=account, subscription=subscription, event=event)


def _invoice_payment_failed(event: StripeEvent) -> None:
    invoice = stripe_client.invoice_get(invoice_id=_id(_object(event)))
    subscription_id = _invoice_subscription(invoice)
    if not subscription_id:
        return
    subscription = stripe_client.subscription_get(subscription_id=subscription_id)
    account = _account_for_customer(_id(invoice.get("customer")), subscription.get("metadata"))
    _subscription_apply(account=account, subscription=subscription, event=event)


def _charge_refunded(event: StripeEvent) -> None:
    charge = stripe_client.charge_get(charge_id=_id(_object(event)))
    payment_intent = _id(charge.get("payment_intent"))
    session = stripe_client.checkout_session_for_payment_intent(payment_intent_id=payment_intent) if payment_intent else None
    if not session or session.get("mode") != "payment" or not (session.get("metadata") or {}).get("pack"):
        # A subscription's charge (or one Shopreel didn't sell): the event is kept, credits untouched.
        logger.info("refund of a non-pack charge", extra={"stripe_event": event.id, "charge": charge.get("id")})
        return
    account = _account_for_session(session)
    # Granted first if its own event hasn't been processed yet (counted once either way).
    _pack_purchase_grant(account=account, session=session)
    purchase = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PURCHASE, reference=session["id"]).first()
    amount, refunded = int(charge.get("amount") or 0), int(charge.get("amount_refunded") or 0)
    if purchase is None or amount <= 0 or refunded <= 0:
        return
    bought = purchase.balance_change
    credits = min(bought, math.ceil(bought * refunded / amount))
    recorded = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND, reference=charge["id"]).first()
    if recorded is not None:
        # One refund entry per charge (the ledger's reference): a later partial refund of the
        # same charge is left to a person.
        if not recorded.flagged and credits > -recorded.balance_change:
            logger.warning("further refund of a refunded charge: not taken back", extra={
                "stripe_event": event.id, "charge": charge["id"], "amount_refunded": refunded,
                "credits": credits, "taken": -recorded.balance_change,
            })
        return
    credits_refund(
        account=account, credits=credits, reference=charge["id"],
        reason=f"{session['metadata']['pack']} refunded: {refunded} of {amount} {str(charge.get('currency') or '').upper()} cents",
    )


HANDLERS: dict[str, Callable[[StripeEvent], None]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "customer.subscription.paused": _subscription_changed,
    "customer.subscription.resumed": _subscription_changed,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "charge.refunded": _charge_refunded,
}


# ------------------------------------------------------------------ accounts and money


def _account_for_session(session: dict) -> BillingAccount:
    reference = session.get("client_reference_id") or (session.get("metadata") or {}).get("billing_account")
    account = _account_by_id(reference)
    customer_id = _id(session.get("customer"))
    if account is None and customer_id:
        account = BillingAccount.objects.filter(stripe_customer_id=customer_id).first()
    if account is None:
        raise EventNotApplicable(
            f"Checkout session {session.get('id')} names no Shopreel billing account.",
            detail={"checkout_session": session.get("id")},
        )
    return account


def _account_for_customer(customer_id: str, metadata: dict | None) -> BillingAccount:
    account = BillingAccount.objects.filter(stripe_customer_id=customer_id).first() if customer_id else None
    if account is None:
        account = _account_by_id((metadata or {}).get("billing_account"))
        if account is not None:
            _customer_link(account=account, customer_id=customer_id)
    if account is None:
        raise EventNotApplicable(
            f"The Stripe customer {customer_id or '(none)'} is no Shopreel billing account's.",
            detail={"customer": customer_id},
        )
    return account


def _account_by_id(value) -> BillingAccount | None:
    try:
        return BillingAccount.objects.filter(id=uuid.UUID(str(value))).first()
    except ValueError:
        return None


def _customer_link(*, account: BillingAccount, customer_id: str) -> None:
    """Remember the account's Stripe customer if it has none yet (made by checkout, normally)."""
    if customer_id and not account.stripe_customer_id:
        BillingAccount.objects.filter(Q(stripe_customer_id__isnull=True) | Q(stripe_customer_id=""), id=account.id).update(
            stripe_customer_id=customer_id
        )
        account.refresh_from_db(fields=["stripe_customer_id"])


def _pack_purchase_grant(*, account: BillingAccount, session: dict) -> None:
    """A paid pack's credits, once per checkout session (the ledger's reference)."""
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return  # a delayed payment method: checkout.session.async_payment_succeeded follows
    slug = (session.get("metadata") or {}).get("pack")
    pack = CreditPack.objects.filter(slug=slug).first() if slug else None
    if pack is None:
        raise EventNotApplicable(
            f"Checkout session {session.get('id')} is for the credit pack {slug!r}, which doesn't exist.",
            detail={"checkout_session": session.get("id"), "pack": slug},
        )
    credits_grant(
        account=account, credits=pack.credits, kind=LedgerEntry.Kind.PURCHASE, reference=session["id"],
        reason=f"{pack.name} bought",
    )


# ------------------------------------------------------------------ the subscription mirror


def _subscription_apply(*, account: BillingAccount, subscription: dict, event: StripeEvent) -> None:
    """Mirror what Stripe says of ``subscription`` now onto the account: plan (by the item's
    price), status, period end. Skipped when a newer event was applied already, when the
    subscription never started, or when it is an older subscription than the account's live one."""
    status = SUBSCRIPTION_STATUSES.get(subscription.get("status"))
    if status is None:
        logger.info("subscription not started", extra={"subscription": subscription.get("id"),
                                                       "status": subscription.get("status")})
        return
    account = BillingAccount.objects.select_for_update().get(id=account.id)
    current = account.stripe_subscription_id
    if current and current != subscription["id"] and _keeps_current(current=current, other=subscription):
        logger.info("subscription not the account's", extra={"billing_account": str(account.id),
                                                             "subscription": subscription["id"], "current": current})
        return
    price_id = _subscription_price(subscription)
    plan = Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None
    if plan is None and status != BillingAccount.Status.CANCELED:
        raise EventNotApplicable(
            f"Subscription {subscription['id']} is for the Stripe price {price_id or '(none)'}, which no plan has: "
            "set the plan's stripe_price_id in the admin, then run process_stripe_events.",
            detail={"price": price_id},
        )
    fields = {
        "status": status,
        "stripe_subscription_id": subscription["id"],
        "current_period_end": _period_end(subscription),
        "subscription_synced_at": event.created,
    }
    if plan is not None:
        fields["plan"] = plan
    applied = BillingAccount.objects.filter(
        Q(subscription_synced_at__isnull=True) | Q(subscription_synced_at__lte=event.created), id=account.id
    ).update(**fields)
    logger.info("subscription synced" if applied else "subscription sync skipped: a newer event was applied", extra={
        "billing_account": str(account.id), "subscription": subscription["id"], "status": status,
        "plan": plan.slug if plan else None, "stripe_event": event.id,
    })


def _keeps_current(*, current: str, other: dict) -> bool:
    """True when the account should stay on its ``current`` subscription rather than follow
    ``other``: current is still live and ``other`` has ended or is the older of the two."""
    try:
        mine = stripe_client.subscription_get(subscription_id=current)
    except stripe_client.StripeNotFound:
        return False
    if mine.get("status") not in LIVE_STATUSES:
        return False
    return other.get("status") not in LIVE_STATUSES or int(mine.get("created") or 0) >= int(other.get("created") or 0)


def _subscription_items(subscription: dict) -> list[dict]:
    return list((subscription.get("items") or {}).get("data") or [])


def _subscription_price(subscription: dict) -> str:
    for item in _subscription_items(subscription):
        price = _id(item.get("price")) or _id(item.get("plan") or {})
        if price:
            return price
    return ""


def _period_end(subscription: dict) -> datetime | None:
    """``current_period_end``: on the subscription in API versions before 2025-03-31, on each
    item since (the latest of them)."""
    ends = [subscription.get("current_period_end")]
    ends += [item.get("current_period_end") for item in _subscription_items(subscription)]
    ends = [int(end) for end in ends if end]
    return datetime.fromtimestamp(max(ends), tz=UTC) if ends else None


def _invoice_subscription(invoice: dict) -> str:
    """The invoice's subscription: ``subscription`` in older API versions,
    ``parent.subscription_details.subscription`` since 2025-03-31."""
    details = ((invoice.get("parent") or {}).get("subscription_details") or {})
    return _id(invoice.get("subscription")) or _id(details.get("subscription"))


def _invoice_price(invoice: dict) -> str:
    """The price of the invoice's first subscription line: ``lines[].price`` in older API
    versions, ``lines[].pricing.price_details.price`` since 2025-03-31."""
    for line in (invoice.get("lines") or {}).get("data") or []:
        item = ((line.get("parent") or {}).get("subscription_item_details") or {})
        if line.get("proration") or item.get("proration"):
            continue
        price = _id(line.get("price")) or _id(((line.get("pricing") or {}).get("price_details") or {}).get("price"))
        if price:
            return price
    return ""
