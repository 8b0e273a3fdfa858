"""The credit ledger: every change of an account's ``balance`` or ``reserved`` is one
conditional UPDATE of the account and one append-only ``LedgerEntry``, in one transaction.

Why it can't be overdrawn or double-counted:

- the UPDATE only matches while the result stays ≥ 0 (``balance >= cost``), and the database's
  check constraints refuse a negative balance or reserve whatever code runs;
- the UPDATE locks the account row, so concurrent movements of one account queue up;
- the entry's unique constraints (one reserve per job, one end per job, one movement per Stripe
  reference) make a redelivered task, a retried webhook or a cancel racing a finish a no-op:
  the losing transaction's INSERT fails and its UPDATE is rolled back with it.

Accounts: a workspace pays for itself, or its agency's pool pays for it
(:func:`account_for_workspace`). A new account starts on the trial plan with its credits.
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F

from billing.models import BillingAccount, ClientCap, LedgerEntry, Plan
from billing.selectors import client_month_usage
from core.errors import InvalidInput, PaymentRequired

logger = logging.getLogger(__name__)

TRIAL_PLAN = "trial"
BLOCKING_STATUSES = {BillingAccount.Status.PAST_DUE: "past due", BillingAccount.Status.CANCELED: "cancelled"}


class _AlreadyRecorded(Exception):
    """The movement's unique key exists: someone recorded it first (roll this one back)."""


def account_for_workspace(*, workspace) -> BillingAccount:
    """The account that pays for ``workspace``: its agency's pool when it is an agency's
    client, else its own. Made on first use, on the trial plan with the trial's credits."""
    owner = {"agency_id": workspace.agency_id} if workspace.agency_id else {"workspace_id": workspace.id}
    account = BillingAccount.objects.filter(**owner).first()
    if account is not None:
        return account
    trial = Plan.objects.filter(slug=TRIAL_PLAN, active=True).first()
    try:
        with transaction.atomic():  # the account and its welcome credits, together
            account = BillingAccount.objects.create(
                plan=trial, status=BillingAccount.Status.TRIALING if trial else BillingAccount.Status.NONE, **owner
            )
            if trial and trial.monthly_credits:
                credits_grant(
                    account=account, credits=trial.monthly_credits, reason=f"{trial.name}: welcome credits",
                    reference=f"trial:{account.id}",
                )
    except IntegrityError:  # made by a concurrent request
        return BillingAccount.objects.get(**owner)
    account.refresh_from_db()
    return account


def _move(
    *, account: BillingAccount, kind: str, balance_change: int, reserved_change: int = 0, reason: str,
    workspace=None, job_id=None, reference: str = "", actor=None, flagged: bool = False,
) -> LedgerEntry | None:
    """Apply one movement, or nothing: None when the result would go below zero or when the
    movement (by job or reference) was already recorded."""
    floor = {}
    if balance_change < 0:
        floor["balance__gte"] = -balance_change
    if reserved_change < 0:
        floor["reserved__gte"] = -reserved_change
    try:
        with transaction.atomic():
            updated = BillingAccount.objects.filter(id=account.id, **floor).update(
                balance=F("balance") + balance_change, reserved=F("reserved") + reserved_change
            )
            if not updated:
                return None
            after = BillingAccount.objects.values("balance", "reserved").get(id=account.id)
            try:
                with transaction.atomic():
                    return LedgerEntry.objects.create(
                        account_id=account.id, workspace=workspace, kind=kind, balance_change=balance_change,
                        reserved_change=reserved_change, balance_after=after["balance"],
                        reserved_after=after["reserved"], reason=reason[:300], job_id=job_id,
                        reference=reference, actor=actor, flagged=flagged,
                    )
            except IntegrityError as exc:
                raise _AlreadyRecorded from exc
    except _AlreadyRecorded:
        return None


def credits_grant(
    *, account: BillingAccount, credits: int, reason: str, reference: str = "",
    kind: str = LedgerEntry.Kind.GRANT, actor=None,
) -> LedgerEntry | None:
    """Add credits (a plan's period, a pack, staff). With a ``reference`` (an invoice, a
    checkout session) it counts once: a repeat returns None."""
    if credits <= 0:
        raise InvalidInput("A grant adds at least one credit.", detail={"field": "credits"})
    if not reason.strip():
        raise InvalidInput("Say why the credits are granted.", detail={"field": "reason"})
    return _move(account=account, kind=kind, balance_change=credits, reason=reason, reference=reference, actor=actor)


def credits_adjust(*, account: BillingAccount, credits: int, reason: str, actor) -> LedgerEntry:
    """Staff's correction, up or down, with a reason and who made it; never below zero."""
    if not reason.strip():
        raise InvalidInput("Say why the balance is adjusted.", detail={"field": "reason"})
    if credits == 0:
        raise InvalidInput("An adjustment changes the balance.", detail={"field": "credits"})
    entry = _move(
        account=account, kind=LedgerEntry.Kind.ADJUST, balance_change=credits, reason=reason,
        reference=f"adjust:{uuid.uuid4()}", actor=actor,
    )
    if entry is None:
        account.refresh_from_db()
        raise InvalidInput(
            f"The balance is {account.balance}: it can't go down by {-credits}.", detail={"balance": account.balance}
        )
    return entry


def credits_refund(*, account: BillingAccount, credits: int, reason: str, reference: str) -> LedgerEntry | None:
    """Take back a refunded pack's credits: at most what is left (never negative); an entry
    that takes back less than was refunded is flagged for a person. Once per ``reference``."""
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(id=account.id)
        taken = min(credits, account.balance)
        short = taken < credits
        if short:
            reason = f"{reason} (only {taken} of {credits} credits were left)"
        if taken == 0:
            # Nothing to take back, but the refund is still recorded (and flagged) once.
            return _flagged_zero(account=account, reason=reason, reference=reference)
        return _move(
            account=account, kind=LedgerEntry.Kind.REFUND, balance_change=-taken, reason=reason,
            reference=reference, flagged=short,
        )


def _flagged_zero(*, account: BillingAccount, reason: str, reference: str) -> LedgerEntry | None:
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                account=account, kind=LedgerEntry.Kind.REFUND, balance_change=0, balance_after=account.balance,
                reserved_after=account.reserved, reason=reason[:300], reference=reference, flagged=True,
            )
    except IntegrityError:
        return None


def credits_reserve(*, workspace, job_id, credits: int) -> LedgerEntry | None:
    """Hold ``credits`` for a job about to be queued. Refuses with 402 ``insufficient_credits``
    (naming the cost and the balance) when the pool can't cover it, ``subscription_inactive``
    when the plan is past due or cancelled, ``client_cap_reached`` when an agency's monthly cap
    for this client would be passed. A second reserve for the same job returns None.

    The account row is locked first, so the status and the cap are read after every earlier
    reserve of the pool has committed: two clients' jobs queued at once can't both slip under
    a cap that only one of them fits."""
    account = account_for_workspace(workspace=workspace)
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(id=account.id)
        if account.status in BLOCKING_STATUSES:
            raise PaymentRequired(
                f"The subscription is {BLOCKING_STATUSES[account.status]}: update the payment method or "
                "choose a plan to make new ads. Ads already made stay available.",
                code="subscription_inactive", detail={"status": account.status},
            )
        _check_client_cap(workspace=workspace, account=account, credits=credits)
        if credits <= 0:
            return None
        entry = _move(
            account=account, kind=LedgerEntry.Kind.RESERVE, balance_change=-credits, reserved_change=credits,
            reason=f"ad job {str(job_id)[:8]}: held until it ends", workspace=workspace, job_id=job_id,
        )
        if entry is None and not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RESERVE, job_id=job_id).exists():
            account.refresh_from_db()
            raise PaymentRequired(
                f"This ad costs {credits} credits and the balance is {account.balance}: buy credits or "
                "change plan, or make a shorter ad in fewer formats.",
                code="insufficient_credits", detail={"cost": credits, "balance": account.balance},
            )
        return entry


def _check_client_cap(*, workspace, account: BillingAccount, credits: int) -> None:
    if not account.agency_id:
        return
    # Read now, not through ``workspace.billing_cap``: that accessor caches on the instance, so
    # a cap set or changed after the workspace was loaded would go unseen.
    cap = ClientCap.objects.filter(workspace_id=workspace.id).first()
    if cap is None:
        return
    used = client_month_usage(workspace=workspace)
    if used + credits > cap.monthly_credits:
        raise PaymentRequired(
            f"This client's monthly cap is {cap.monthly_credits} credits and {used} are used or held: "
            "ask the agency to raise it.",
            code="client_cap_reached", detail={"cap": cap.monthly_credits, "used": used, "cost": credits},
        )


def credits_settle(*, job_id, charged: int) -> LedgerEntry | None:
    """End a job's reserve: ``charged`` credits are spent (at most what was reserved), the rest
    goes back to the balance. ``charged == 0`` is a release (a failure or a cancel). A job is
    ended once: a second call returns None."""
    reserve = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RESERVE, job_id=job_id).select_related("account").first()
    if reserve is None:
        return None  # nothing was reserved (billing off when it was queued, or a free job)
    held = reserve.reserved_change
    charged = max(0, min(charged, held))
    kind = LedgerEntry.Kind.SETTLE if charged else LedgerEntry.Kind.RELEASE
    job = str(job_id)[:8]
    reason = (f"ad job {job}: {charged} of {held} held credits charged" if charged
              else f"ad job {job}: failed or cancelled, nothing charged")
    return _move(
        account=reserve.account, kind=kind, balance_change=held - charged, reserved_change=-held, reason=reason,
        workspace=reserve.workspace, job_id=job_id,
    )
