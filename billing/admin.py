"""Admin pages for billing.

- Plans and credit packs are data: each deployment sets its own Stripe Price ids here.
  They are deactivated, never deleted (accounts and old subscriptions point at them).
- Accounts are read here, never edited: their plan and status mirror Stripe, and their
  balance moves only through the ledger. The "Grant or adjust credits" action asks for the
  credits and a reason on an intermediate page and records each movement with the staff
  user as its actor (``billing.ledger.credits_grant`` / ``credits_adjust``).
- The ledger and the stored Stripe events are read-only: they are the audit trail.
- Client caps (an agency's monthly limit per client workspace) are editable.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from billing.ledger import credits_adjust, credits_grant
from billing.models import BillingAccount, ClientCap, CreditPack, LedgerEntry, Plan, StripeEvent
from core.errors import ApplicationError


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "monthly_credits", "price_cents", "currency", "stripe_price_id", "active", "position"]
    list_editable = ["stripe_price_id", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["slug", "name", "stripe_price_id"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # untick "active" instead: accounts keep pointing at their plan


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "credits", "price_cents", "currency", "stripe_price_id", "active"]
    list_editable = ["stripe_price_id", "active"]
    list_filter = ["active"]
    search_fields = ["slug", "name", "stripe_price_id"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # untick "active" instead: past purchases name the pack


class CreditsForm(forms.Form):
    """The intermediate page of the "Grant or adjust credits" action."""

    kind = forms.ChoiceField(
        choices=[("grant", "Grant: add credits"), ("adjust", "Adjust: a correction, up or down")], initial="grant",
    )
    credits = forms.IntegerField(help_text="A grant adds at least 1. An adjustment may be negative, never below a zero balance.")
    reason = forms.CharField(max_length=300, help_text="Shown in the account's ledger.")

    def clean(self):
        data = super().clean()
        credits = data.get("credits")
        if credits is not None:
            if data.get("kind") == "grant" and credits < 1:
                self.add_error("credits", "A grant adds at least one credit; use an adjustment to take credits away.")
            elif credits == 0:
                self.add_error("credits", "An adjustment changes the balance.")
        return data


CREDITS_PAGE = engines["django"].from_string("""{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{% url 'admin:billing_billingaccount_changelist' %}">Billing accounts</a> &rsaquo; {{ title }}</div>{% endblock %}
{% block content %}
<p>Recorded in each account's ledger with you as the actor.</p>
<ul>{% for account in accounts %}<li>{{ account }}: balance {{ account.balance }}, reserved {{ account.reserved }}</li>{% endfor %}</ul>
<form method="post">{% csrf_token %}
{{ form.as_p }}
{% for account in accounts %}<input type="hidden" name="{{ action_checkbox_name }}" value="{{ account.pk }}">{% endfor %}
<input type="hidden" name="action" value="change_credits">
<input type="submit" name="apply" value="Record">
<a href="{% url 'admin:billing_billingaccount_changelist' %}">Cancel</a>
</form>
{% endblock %}
""")


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "status", "balance", "reserved", "current_period_end", "created_at"]
    list_filter = ["status", "plan"]
    search_fields = ["workspace__slug", "workspace__name", "agency__slug", "agency__name", "stripe_customer_id"]
    list_select_related = ["workspace", "agency", "plan"]
    readonly_fields = [
        "workspace", "agency", "plan", "status", "balance", "reserved", "ledger", "stripe_customer_id",
        "stripe_subscription_id", "current_period_end", "subscription_synced_at", "low_balance_warned_at", "created_at",
    ]
    fields = readonly_fields
    actions = ["change_credits"]

    def has_add_permission(self, request) -> bool:
        return False  # made on first use (billing.ledger.account_for_workspace)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the ledger points at it

    @admin.display(description="Ledger")
    def ledger(self, obj: BillingAccount) -> str:
        url = reverse("admin:billing_ledgerentry_changelist") + f"?account__id__exact={obj.id}"
        return format_html('<a href="{}">Every movement of this account</a>', url)

    @admin.action(description="Grant or adjust credits…", permissions=["change"])
    def change_credits(self, request, queryset):
        form = CreditsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._record(request, accounts=list(queryset), **form.cleaned_data)
            return None  # back to the list, with a message per account
        context = {
            **self.admin_site.each_context(request),
            "title": "Grant or adjust credits",
            "opts": self.model._meta,
            "form": form,
            "accounts": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, CREDITS_PAGE, context)

    def _record(self, request, *, accounts, kind: str, credits: int, reason: str) -> None:
        for account in accounts:
            try:
                if kind == "grant":
                    credits_grant(account=account, credits=credits, reason=reason, reference=f"staff:{uuid.uuid4()}",
                                  actor=request.user)
                else:
                    credits_adjust(account=account, credits=credits, reason=reason, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{account}: {exc.message}", messages.ERROR)
                continue
            account.refresh_from_db()
            self.message_user(request, f"{account}: {credits:+d} credits recorded; the balance is {account.balance}.",
                              messages.SUCCESS)


class _ReadOnly:
    """Records no one edits by hand: no add, change or delete in the admin."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(_ReadOnly, admin.ModelAdmin):
    """Read-only: the ledger is append-only; corrections are new entries (the accounts' action)."""

    list_display = [
        "created_at", "account", "workspace", "kind", "balance_change", "reserved_change", "balance_after",
        "reserved_after", "reason", "flagged", "actor",
    ]
    list_filter = ["kind", "flagged"]
    search_fields = ["reference", "job_id"]
    list_select_related = ["account__workspace", "account__agency", "workspace", "actor"]
    date_hierarchy = "created_at"


@admin.register(StripeEvent)
class StripeEventAdmin(_ReadOnly, admin.ModelAdmin):
    """Read-only: each webhook event as Stripe sent it, and whether it was processed."""

    list_display = ["id", "type", "created", "received_at", "processed_at", "error"]
    list_filter = ["type"]
    search_fields = ["id", "type"]


class ClientCapForm(forms.ModelForm):
    class Meta:
        model = ClientCap
        fields = ["workspace", "monthly_credits"]

    def clean_workspace(self):
        workspace = self.cleaned_data["workspace"]
        if workspace is not None and workspace.agency_id is None:
            raise forms.ValidationError("Only an agency's client workspace has a cap: this one pays for itself.")
        return workspace


@admin.register(ClientCap)
class ClientCapAdmin(admin.ModelAdmin):
    form = ClientCapForm
    list_display = ["workspace", "agency", "monthly_credits", "updated_at"]
    search_fields = ["workspace__slug", "workspace__name", "workspace__agency__slug"]
    autocomplete_fields = ["workspace"]
    list_select_related = ["workspace__agency"]

    @admin.display(description="Agency")
    def agency(self, obj: ClientCap):
        return obj.workspace.agency
