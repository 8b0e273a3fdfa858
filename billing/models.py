"""Plans, who pays, the credit ledger and the Stripe mirror.

- ``Plan`` and ``CreditPack`` are data (seeded by a migration, edited in the admin: each
  deployment puts its own Stripe Price ids there).
- ``BillingAccount`` is who pays: a workspace alone, or an agency for all its client workspaces
  (one pool). ``balance`` is what can be spent now; ``reserved`` is held for queued jobs. Both
  are kept ≥ 0 by the database (check constraints) as well as by the services' conditional
  UPDATEs, so concurrent requests can't overdraw.
- ``LedgerEntry`` is append-only: every movement of ``balance`` or ``reserved``, with a reason
  and a reference. Unique constraints make each job reserve, settle and release at most once,
  and each Stripe invoice or refund count once.
- ``StripeEvent`` stores each webhook event once by Stripe's id; handlers mark it processed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


def money(cents: int, currency: str) -> str:
    """``USD 29.00``: how prices read on the billing page (Stripe's Price is what is charged)."""
    return f"{currency} {cents / 100:,.2f}"


class Plan(models.Model):
    class Kind(models.TextChoices):
        TRIAL = "trial"
        MONTHLY = "monthly"
        AGENCY = "agency"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    monthly_credits = models.PositiveIntegerField()
    price_cents = models.PositiveIntegerField(default=0, help_text="Shown to users; Stripe's Price is what is charged.")
    currency = models.CharField(max_length=3, default="USD")
    stripe_price_id = models.CharField(max_length=100, blank=True, help_text="price_… of this deployment's Stripe account.")
    max_length_seconds = models.PositiveIntegerField(help_text="The longest ad a job may ask for.")
    max_formats = models.PositiveSmallIntegerField(help_text="Formats per ad.")
    generative_shots = models.BooleanField(default=False, help_text="Diffusion and try-on (GPU) shots allowed.")
    seats = models.PositiveSmallIntegerField(help_text="Members per workspace.")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def price_display(self) -> str:
        return money(self.price_cents, self.currency)


class CreditPack(models.Model):
    """One-off credits, bought with Checkout in payment mode. Never expire."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    credits = models.PositiveIntegerField()
    price_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="USD")
    stripe_price_id = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["credits"]

    def __str__(self) -> str:
        return self.name

    @property
    def price_display(self) -> str:
        return money(self.price_cents, self.currency)


class BillingAccount(models.Model):
    class Status(models.TextChoices):
        NONE = "none"  # no plan yet: only granted or bought credits
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"  # blocks new renders; nothing made is hidden
        CANCELED = "canceled"  # blocks new renders; credits kept for a later plan

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.OneToOneField(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="billing_account"
    )
    agency = models.OneToOneField(
        "accounts.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="billing_account"
    )
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NONE)
    balance = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    stripe_customer_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    # Stripe's ``created`` of the newest subscription event applied: an older event that
    # arrives later is not applied over it (events come in any order).
    subscription_synced_at = models.DateTimeField(null=True, blank=True)
    low_balance_warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="billing_balance_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="billing_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(workspace__isnull=False, agency__isnull=True) | Q(workspace__isnull=True, agency__isnull=False),
                name="billing_account_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"account of {self.workspace or self.agency}"


class ClientCap(models.Model):
    """An agency's monthly cap on what one client workspace may spend from the pool."""

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="billing_cap")
    monthly_credits = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.monthly_credits} credits a month for {self.workspace_id}"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        GRANT = "grant"  # a plan's credits for a paid invoice, a trial, staff
        PURCHASE = "purchase"  # a credit pack paid
        ADJUST = "adjust"  # staff, with a reason (may be negative, never below zero)
        RESERVE = "reserve"  # a job queued: balance → reserved
        SETTLE = "settle"  # a job finished: reserved → charged, the rest back to balance
        RELEASE = "release"  # a job failed or was cancelled: reserved → balance
        REFUND = "refund"  # a pack refunded: takes back at most what is left

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="entries")
    # Whose usage it is (an agency pool's client); None for account-wide movements.
    workspace = models.ForeignKey("accounts.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    balance_change = models.IntegerField()
    reserved_change = models.IntegerField(default=0)
    balance_after = models.IntegerField()
    reserved_after = models.IntegerField()
    reason = models.CharField(max_length=300)
    job_id = models.UUIDField(null=True, blank=True)
    # Stripe invoice / charge / checkout session id, or a staff grant's own id.
    reference = models.CharField(max_length=120, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    flagged = models.BooleanField(default=False, help_text="Needs a person: e.g. a refund larger than what was left.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One reserve per job, and one end to it (settled or released), however often a task is
            # redelivered or a cancel races a finish.
            models.UniqueConstraint(fields=["job_id"], condition=Q(kind="reserve"), name="ledger_job_reserved_once"),
            models.UniqueConstraint(
                fields=["job_id"], condition=Q(kind__in=["settle", "release"]), name="ledger_job_ended_once"
            ),
            # One grant per invoice, one purchase per checkout session, one refund per charge.
            models.UniqueConstraint(fields=["kind", "reference"], condition=~Q(reference=""), name="ledger_once_per_reference"),
        ]
        indexes = [
            # The ledger page and GET /billing/ledger/: an account's entries, newest first.
            models.Index(fields=["account", "-created_at"], name="ledger_account_newest"),
            # Usage per client and per day (agency caps, the usage chart).
            models.Index(fields=["workspace", "kind", "created_at"], name="ledger_workspace_usage"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.balance_change:+d} ({self.reason})"


class StripeEvent(models.Model):
    id = models.CharField(primary_key=True, max_length=100)  # evt_…
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    created = models.DateTimeField(help_text="Stripe's creation time of the event.")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            # deliver_stripe_events: events stored but not processed yet (no broker, or a failed handler).
            models.Index(fields=["processed_at", "created"], name="stripe_event_unprocessed"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"
