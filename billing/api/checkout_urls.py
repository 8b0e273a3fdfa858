"""/api/v1/billing/checkout/ and /api/v1/billing/portal/."""

from django.urls import path

from billing.api import checkout

urlpatterns = [
    path("billing/checkout/", checkout.CheckoutCreateApi.as_view(), name="billing-checkout"),
    path("billing/portal/", checkout.PortalCreateApi.as_view(), name="billing-portal"),
]
