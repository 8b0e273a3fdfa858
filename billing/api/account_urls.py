"""/api/v1/billing/ and /api/v1/billing/ledger/ (and agency client caps)."""

from django.urls import path

from billing.api import account

urlpatterns: list = [
    path("billing/", account.BillingAccountApi.as_view(), name="billing-account"),
    path("billing/ledger/", account.LedgerListApi.as_view(), name="billing-ledger"),
    path("billing/clients/", account.ClientListApi.as_view(), name="billing-clients"),
    path("billing/clients/<str:workspace>/cap/", account.ClientCapApi.as_view(), name="billing-client-cap"),
]
