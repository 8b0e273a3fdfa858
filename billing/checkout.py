"""Paying: Stripe Checkout to subscribe to a plan or buy a credit pack, and the Customer Portal
to change or cancel a plan and update the card.

Nothing here changes credits or the plan: Stripe's signed webhooks do that
(``billing/stripe_events.py``) once the money has moved. The account is the one that pays for
the workspace (``billing.ledger.account_for_workspace``: an agency's client pays from the
agency's pool), and its Stripe customer is made on first use and kept on
``BillingAccount.stripe_customer_id``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from billing import stripe_client
from billing.ledger import account_for_workspace
from billing.models import BillingAccount, CreditPack, Plan
from billing.stripe_client import BillingNotConfigured
from core.errors import Conflict, InvalidInput

logger = logging.getLogger(__name__)

# A second subscription would charge twice: while one is in these states, plan changes go
# through the portal.
SUBSCRIBED = (BillingAccount.Status.TRIALING, BillingAccount.Status.ACTIVE, BillingAccount.Status.PAST_DUE)


def return_url_resolve(*, url: str | None, field: str, workspace, query: str = "", site_url: str = "") -> str:
    """Where Stripe sends the payer back. A given ``url`` must be on the site's own origin
    (``SHOPREEL_SITE_URL``, else ``site_url``: the request's own), so a checkout can't be made
    to end on someone else's page; none given: the workspace's dashboard page."""
    site = (settings.SHOPREEL_SITE_URL or site_url or "").rstrip("/")
    if not url:
        if not site:
            raise InvalidInput(
                f"Send `{field}`, or set SHOPREEL_SITE_URL so Stripe can send the payer back to the dashboard.",
                detail={field: ["Required when SHOPREEL_SITE_URL is not set."]},
            )
        return f"{site}{reverse('dashboard:workspace', args=[workspace.id])}{query}"
    if _origin(url) is None:
        raise InvalidInput(f"`{field}` must be an http(s) address.", detail={field: ["Not an http(s) URL."]})
    if site and _origin(url) != _origin(site):
        scheme, host, port = _origin(site)
        shown = f"{scheme}://{host}" + (f":{port}" if port else "")
        raise InvalidInput(
            f"`{field}` must be on this site ({shown}).", detail={field: [f"Not on {shown}."]}
        )
    return url


def _origin(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return parts.scheme, parts.hostname.lower(), None if port in (None, default) else port


def checkout_session_create(
    *, workspace, plan_slug: str | None = None, pack_slug: str | None = None, success_url: str, cancel_url: str
) -> str:
    """Open a Stripe Checkout for ``workspace``'s account and return its URL: subscription
    mode for a plan, payment mode for a credit pack (exactly one of the two). The Stripe
    customer is made first if the account has none. The session carries the account id as
    ``client_reference_id`` and the plan or pack in its metadata; the webhook does the rest."""
    stripe_client.billing_check_configured()
    if bool(plan_slug) == bool(pack_slug):
        raise InvalidInput("Choose either a plan or a credit pack.", detail={"plan": plan_slug, "pack": pack_slug})
    success_url = return_url_resolve(url=success_url, field="success_url", workspace=workspace)
    cancel_url = return_url_resolve(url=cancel_url, field="cancel_url", workspace=workspace)
    account = account_for_workspace(workspace=workspace)
    metadata = {"billing_account": str(account.id), "workspace": str(workspace.id)}
    if plan_slug:
        plan = _plan_for_sale(plan_slug)
        if account.stripe_subscription_id and account.status in SUBSCRIBED:
            raise Conflict(
                "This account already has a subscription: change the plan in the billing portal.",
                code="already_subscribed", detail={"status": account.status},
            )
        metadata["plan"] = plan.slug
        params = {
            "mode": "subscription",
            "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
            "subscription_data": {"metadata": {"billing_account": str(account.id), "plan": plan.slug}},
        }
    else:
        pack = _pack_for_sale(pack_slug)
        metadata["pack"] = pack.slug
        params = {
            "mode": "payment",
            "line_items": [{"price": pack.stripe_price_id, "quantity": 1}],
            "payment_intent_data": {"metadata": {"billing_account": str(account.id), "pack": pack.slug}},
        }
    params.update({
        "customer": _customer_ensure(account=account),
        "client_reference_id": str(account.id),
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
    })
    session = stripe_client.checkout_session_create(params=params)
    logger.info("checkout opened", extra={
        "billing_account": str(account.id), "workspace_id": str(workspace.id), "checkout_session": session.get("id"),
        "mode": params["mode"],
    })
    return session["url"]


def portal_session_create(*, workspace, return_url: str) -> str:
    """Open the Stripe Customer Portal for ``workspace``'s account and return its URL. The
    account needs a Stripe customer (made by its first checkout)."""
    stripe_client.billing_check_configured()
    return_url = return_url_resolve(url=return_url, field="return_url", workspace=workspace)
    account = account_for_workspace(workspace=workspace)
    if not account.stripe_customer_id:
        raise Conflict(
            "This account has not paid through Stripe yet: choose a plan or buy credits first.",
            code="no_stripe_customer",
        )
    session = stripe_client.portal_session_create(customer_id=account.stripe_customer_id, return_url=return_url)
    return session["url"]


def _plan_for_sale(slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug, active=True).first()
    if plan is None:
        raise InvalidInput(f"There is no plan {slug!r}.", code="unknown_plan", detail={"plan": slug})
    if plan.kind == Plan.Kind.TRIAL:
        raise InvalidInput(f"{plan.name} is not sold: it is given to new accounts.", code="unknown_plan",
                           detail={"plan": slug})
    if not plan.stripe_price_id:
        raise BillingNotConfigured(
            f"The plan {plan.name} has no Stripe price: set its stripe_price_id in the admin.",
            code="stripe_price_missing", detail={"plan": slug},
        )
    return plan


def _pack_for_sale(slug: str) -> CreditPack:
    pack = CreditPack.objects.filter(slug=slug, active=True).first()
    if pack is None:
        raise InvalidInput(f"There is no credit pack {slug!r}.", code="unknown_pack", detail={"pack": slug})
    if not pack.stripe_price_id:
        raise BillingNotConfigured(
            f"The credit pack {pack.name} has no Stripe price: set its stripe_price_id in the admin.",
            code="stripe_price_missing", detail={"pack": slug},
        )
    return pack


def _customer_ensure(*, account: BillingAccount) -> str:
    """The account's Stripe customer id, made now if it has none. Two requests racing make one
    customer: Stripe's idempotency key replays the first, and only an empty column is filled."""
    if account.stripe_customer_id:
        return account.stripe_customer_id
    owner_field, owner = ("agency", account.agency) if account.agency_id else ("workspace", account.workspace)
    customer = stripe_client.customer_create(
        name=owner.name,
        metadata={"billing_account": str(account.id), owner_field: str(owner.id)},
        idempotency_key=f"shopreel-customer-{account.id}",
    )
    BillingAccount.objects.filter(Q(stripe_customer_id__isnull=True) | Q(stripe_customer_id=""), id=account.id).update(
        stripe_customer_id=customer["id"]
    )
    account.refresh_from_db(fields=["stripe_customer_id"])
    logger.info("stripe customer linked", extra={"billing_account": str(account.id),
                                                 "stripe_customer": account.stripe_customer_id})
    return account.stripe_customer_id
