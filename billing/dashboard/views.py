"""The billing page: the plan and its limits, balance and held credits, spending by day, the
ledger, and buying (a plan or a credit pack through Stripe Checkout, the Customer Portal for
everything about the subscription). Every member sees it; owners and admins buy."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.views import dashboard_page, dashboard_refusals
from billing import selectors
from billing.checkout import checkout_session_create, portal_session_create
from billing.ledger import account_for_workspace
from billing.models import CreditPack, Plan

LEDGER_ROWS = 25
CHART_DAYS = 30


# Another workspace: 404. Not an owner or admin: 403. A refused purchase: its message here.
_refusals = dashboard_refusals(lambda request, kwargs: reverse("dashboard:billing", args=[kwargs["workspace_id"]]))


def _chart(days: list[tuple]) -> dict:
    """Bars for an inline SVG (no JavaScript): x, height and label per day."""
    top = max((credits for _, credits in days), default=0) or 1
    width, height = 8, 60
    bars = [
        {"x": i * (width + 2), "h": round(credits / top * height), "y": height - round(credits / top * height),
         "label": f"{day:%b %d}: {credits} credit{'s' if credits != 1 else ''}"}
        for i, (day, credits) in enumerate(days)
    ]
    return {"bars": bars, "width": len(days) * (width + 2), "height": height, "bar": width,
            "total": sum(credits for _, credits in days), "first": days[0][0], "last": days[-1][0]}


@require_GET
@_refusals
def billing(request, workspace_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    context = {"billing_on": settings.SHOPREEL_BILLING}
    if settings.SHOPREEL_BILLING:
        account = account_for_workspace(workspace=access.workspace)
        pool = bool(account.agency_id)
        context.update({
            "account": account,
            "pool": pool,
            "low_balance": account.balance < settings.SHOPREEL_BILLING_LOW_BALANCE,
            "chart": _chart(selectors.usage_by_day(
                account=account, days=CHART_DAYS, workspace=access.workspace if pool else None
            )),
            "ledger": selectors.ledger_for_workspace(workspace=access.workspace, account=account)[:LEDGER_ROWS],
            "plans": Plan.objects.filter(active=True).exclude(kind=Plan.Kind.TRIAL),
            "packs": CreditPack.objects.filter(active=True),
            "client": selectors.client_usage(workspace=access.workspace) if pool else None,
        })
    return dashboard_page(request, "billing/billing.html", context, access=access)


def _here(request, workspace_id) -> str:
    return request.build_absolute_uri(reverse("dashboard:billing", args=[workspace_id]))


@require_POST
@_refusals
def billing_checkout(request, workspace_id):
    """A plan (subscription) or a credit pack (one payment): off to Stripe Checkout."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    access.require_manager()
    here = _here(request, workspace_id)
    url = checkout_session_create(
        workspace=access.workspace, plan_slug=request.POST.get("plan") or None,
        pack_slug=request.POST.get("pack") or None, success_url=f"{here}?paid=1", cancel_url=here,
    )
    return redirect(url)


@require_POST
@_refusals
def billing_portal(request, workspace_id):
    """Change plan, cancel, payment method: Stripe's Customer Portal."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    access.require_manager()
    return redirect(portal_session_create(workspace=access.workspace, return_url=_here(request, workspace_id)))
