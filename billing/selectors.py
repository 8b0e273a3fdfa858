"""Reads of billing: an account's summary, its ledger, a client's usage this month."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from billing.models import BillingAccount, LedgerEntry


def _month_start():
    now = timezone.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def client_month_usage(*, workspace) -> int:
    """Credits this workspace spent or holds this calendar month (UTC): what its reserves took
    from the pool minus what their ends gave back."""
    moved = LedgerEntry.objects.filter(
        workspace=workspace, created_at__gte=_month_start(),
        kind__in=[LedgerEntry.Kind.RESERVE, LedgerEntry.Kind.SETTLE, LedgerEntry.Kind.RELEASE],
    ).aggregate(total=Sum("balance_change"))["total"]
    return -(moved or 0)


def ledger_for_account(*, account: BillingAccount):
    return LedgerEntry.objects.filter(account=account).select_related("workspace", "actor")
