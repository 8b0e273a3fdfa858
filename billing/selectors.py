"""Reads of billing: an account's summary, its ledger, a client's usage this month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Agency, Workspace
from billing.models import BillingAccount, ClientCap, LedgerEntry

# The movements that are a client's usage: what its reserves take from the pool, less what
# their ends (settle, release) give back.
USAGE_KINDS = (LedgerEntry.Kind.RESERVE, LedgerEntry.Kind.SETTLE, LedgerEntry.Kind.RELEASE)


def month_start() -> datetime:
    """The start of this calendar month (UTC): caps and usage count from here."""
    now = timezone.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _usage_by_workspace(*, workspace_ids) -> dict:
    """Credits each workspace spent or holds this month. Never below zero: a job reserved last
    month and ended this month gives back credits that were not counted here."""
    rows = (
        LedgerEntry.objects.filter(workspace_id__in=workspace_ids, kind__in=USAGE_KINDS, created_at__gte=month_start())
        .values("workspace_id")
        .annotate(total=Sum("balance_change"))
        .order_by()
    )
    return {row["workspace_id"]: max(0, -(row["total"] or 0)) for row in rows}


def client_month_usage(*, workspace) -> int:
    """Credits this workspace spent or holds this calendar month (UTC): what its reserves took
    from the pool minus what their ends gave back."""
    return _usage_by_workspace(workspace_ids=[workspace.id]).get(workspace.id, 0)


def ledger_for_account(*, account: BillingAccount):
    return LedgerEntry.objects.filter(account=account).select_related("workspace", "actor")


def ledger_for_workspace(*, workspace: Workspace, account: BillingAccount) -> QuerySet:
    """What a workspace's callers see of the account that pays for it: the movements of its
    own jobs, and the account-wide ones (grants, purchases, adjustments, refunds: no
    workspace). An agency pool's other clients' jobs are left out."""
    return (
        LedgerEntry.objects.filter(account=account)
        .filter(Q(workspace=workspace) | Q(workspace__isnull=True))
        .select_related("workspace")
    )


@dataclass(frozen=True)
class ClientUsage:
    """One client workspace of an agency: credits used this month and its cap (None: no cap)."""

    workspace: Workspace
    used: int
    cap: int | None


def agency_clients_usage(*, agency: Agency) -> list[ClientUsage]:
    """Every client workspace of the agency (by name) with its usage this month and its cap:
    three queries whatever the number of clients."""
    clients = list(Workspace.objects.filter(agency=agency).order_by("name", "id"))
    ids = [client.id for client in clients]
    used = _usage_by_workspace(workspace_ids=ids)
    caps = dict(ClientCap.objects.filter(workspace_id__in=ids).values_list("workspace_id", "monthly_credits"))
    return [ClientUsage(workspace=c, used=used.get(c.id, 0), cap=caps.get(c.id)) for c in clients]


def client_usage(*, workspace: Workspace) -> ClientUsage:
    cap = ClientCap.objects.filter(workspace=workspace).values_list("monthly_credits", flat=True).first()
    return ClientUsage(workspace=workspace, used=client_month_usage(workspace=workspace), cap=cap)


def usage_by_day(*, account: BillingAccount, days: int = 30, workspace: Workspace | None = None) -> list[tuple]:
    """``[(date, credits spent)]`` for the last ``days`` days, oldest first, zero days
    included: what settled jobs were charged (a settle's charge is what left the reserve and
    did not come back to the balance). ``workspace``: one client's share of a pool."""
    today = timezone.now().date()
    first = today - timedelta(days=days - 1)
    entries = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.SETTLE, created_at__date__gte=first)
    if workspace is not None:
        entries = entries.filter(workspace=workspace)
    spent = dict(
        entries.annotate(day=TruncDate("created_at")).values("day")
        .annotate(charged=-Sum(F("balance_change") + F("reserved_change"))).values_list("day", "charged")
    )
    return [(first + timedelta(days=i), int(spent.get(first + timedelta(days=i)) or 0)) for i in range(days)]
