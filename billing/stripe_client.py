"""The one door to Stripe: the only module that imports ``stripe``.

Every call goes through :func:`_call`, which

- refuses at once, with :class:`BillingNotConfigured` naming what is missing, when
  ``SHOPREEL_BILLING`` is off or ``STRIPE_SECRET_KEY`` is empty (never a fake success);
- talks to ``STRIPE_API_BASE`` when it is set (tests: a fake Stripe on loopback), else Stripe;
- answers plain ``dict`` s (Stripe's JSON), so the services never see a ``StripeObject``;
- turns stripe-python's errors into the ``core.errors`` family: :class:`StripeUnavailable`
  (network, rate limit, Stripe's 5xx: worth a retry) or :class:`StripeRefused` (Stripe said no:
  retrying the same request won't help), :class:`StripeNotFound` for a missing object.

Webhook payloads are checked here too (:func:`event_verify`), with Stripe's own
``Webhook.construct_event``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import stripe
from django.conf import settings

from core.errors import ApplicationError, Conflict, InvalidInput

logger = logging.getLogger(__name__)

# Seconds one HTTP request to Stripe may take; stripe-python retries a failed one (with its own
# idempotency key on POSTs) this many times before an error comes back.
REQUEST_TIMEOUT = 20
NETWORK_RETRIES = 2


class BillingNotConfigured(Conflict):
    """Billing is switched off, or switched on without what Stripe needs (a key, a price id):
    a right request this deployment can't serve as it is set up (409, not a server error)."""

    code = "billing_not_configured"


class StripeUnavailable(ApplicationError):
    """Stripe could not be reached or asked us to slow down: the same request may work later."""

    code = "stripe_unavailable"
    status = 503


class StripeRefused(ApplicationError):
    """Stripe answered with an error that a retry won't fix (a bad parameter, a wrong key)."""

    code = "stripe_error"
    status = 502


class StripeNotFound(StripeRefused):
    code = "stripe_not_found"


class InvalidSignature(InvalidInput):
    """A webhook whose ``Stripe-Signature`` doesn't match its body, or is too old."""

    code = "stripe_signature_invalid"


def billing_check_configured() -> None:
    """Raise :class:`BillingNotConfigured` unless billing is on with a secret key."""
    if not settings.SHOPREEL_BILLING:
        raise BillingNotConfigured(
            "Billing is switched off (SHOPREEL_BILLING=off): nothing is charged and Stripe is not used.",
            detail={"missing": "SHOPREEL_BILLING"},
        )
    if not settings.STRIPE_SECRET_KEY:
        raise BillingNotConfigured(
            "Billing is on but STRIPE_SECRET_KEY is not set: Shopreel can't talk to Stripe.",
            detail={"missing": "STRIPE_SECRET_KEY"},
        )


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    options: dict[str, Any] = {
        "max_network_retries": NETWORK_RETRIES,
        "http_client": stripe.RequestsClient(timeout=REQUEST_TIMEOUT),
    }
    if api_base:
        options["base_addresses"] = {"api": api_base}
    return stripe.StripeClient(api_key, **options)


def client() -> stripe.StripeClient:
    """A ``StripeClient`` for the configured key (and ``STRIPE_API_BASE`` when set)."""
    billing_check_configured()
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def _call(what: str, request: Callable[[stripe.StripeClient], Any]) -> dict:
    stripe_client = client()
    try:
        result = request(stripe_client)
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise _unavailable(what, exc) from exc
    except stripe.StripeError as exc:
        if exc.http_status is None or exc.http_status >= 500 or exc.http_status == 409:
            raise _unavailable(what, exc) from exc
        logger.warning("stripe refused", extra={"stripe_call": what, "status": exc.http_status, "code": exc.code,
                                                "request_id": exc.request_id})
        detail = {"stripe_status": exc.http_status, "stripe_code": exc.code or ""}
        message = f"Stripe refused to {what}: {exc.user_message or 'no reason given'}"
        if exc.http_status == 404:
            raise StripeNotFound(message, detail=detail) from exc
        raise StripeRefused(message, detail=detail) from exc
    return result.to_dict()


def _unavailable(what: str, exc: stripe.StripeError) -> StripeUnavailable:
    logger.warning("stripe unavailable", extra={"stripe_call": what, "status": exc.http_status,
                                                "error": exc.user_message or type(exc).__name__})
    return StripeUnavailable(
        f"Stripe could not {what} just now: try again in a minute.", detail={"stripe_status": exc.http_status}
    )


# ------------------------------------------------------------------ calls Shopreel makes


def customer_create(*, name: str, metadata: dict[str, str], idempotency_key: str) -> dict:
    return _call("create the customer", lambda c: c.v1.customers.create(
        params={"name": name, "metadata": metadata}, options={"idempotency_key": idempotency_key},
    ))


def checkout_session_create(*, params: dict[str, Any]) -> dict:
    return _call("open a checkout", lambda c: c.v1.checkout.sessions.create(params=params))


def checkout_session_get(*, session_id: str) -> dict:
    return _call("read the checkout session", lambda c: c.v1.checkout.sessions.retrieve(session_id))


def checkout_session_for_payment_intent(*, payment_intent_id: str) -> dict | None:
    """The Checkout Session that made ``payment_intent_id`` (payment mode), or None."""
    found = _call("find the checkout session", lambda c: c.v1.checkout.sessions.list(
        params={"payment_intent": payment_intent_id, "limit": 1},
    ))
    return next(iter(found.get("data") or []), None)


def portal_session_create(*, customer_id: str, return_url: str) -> dict:
    return _call("open the billing portal", lambda c: c.v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": return_url},
    ))


def subscription_get(*, subscription_id: str) -> dict:
    return _call("read the subscription", lambda c: c.v1.subscriptions.retrieve(subscription_id))


def invoice_get(*, invoice_id: str) -> dict:
    return _call("read the invoice", lambda c: c.v1.invoices.retrieve(invoice_id))


def charge_get(*, charge_id: str) -> dict:
    return _call("read the charge", lambda c: c.v1.charges.retrieve(charge_id))


# ------------------------------------------------------------------ webhooks


def event_verify(*, payload: bytes, signature: str | None) -> dict:
    """Check a webhook body against its ``Stripe-Signature`` header (HMAC with
    ``STRIPE_WEBHOOK_SECRET``, timestamp within ``STRIPE_WEBHOOK_TOLERANCE`` seconds) and
    return the event as a dict. Raises :class:`InvalidSignature` (400) for a forged, altered
    or stale body, :class:`BillingNotConfigured` when there is no secret to check with."""
    if not settings.SHOPREEL_BILLING:
        raise BillingNotConfigured(
            "Billing is switched off (SHOPREEL_BILLING=off): Stripe's webhooks are not accepted.",
            detail={"missing": "SHOPREEL_BILLING"},
        )
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise BillingNotConfigured(
            "Billing is on but STRIPE_WEBHOOK_SECRET is not set: Stripe's webhooks can't be verified.",
            detail={"missing": "STRIPE_WEBHOOK_SECRET"},
        )
    try:
        stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature(f"The Stripe-Signature header doesn't verify: {exc.user_message}") from exc
    except ValueError as exc:  # not UTF-8, not JSON
        raise InvalidSignature("The webhook body is not a JSON Stripe event.") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise InvalidInput("The webhook body is not a Stripe event (no id or type).", code="stripe_event_invalid")
    return event
