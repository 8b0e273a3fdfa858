"""/api/v1/billing/checkout/ and /api/v1/billing/portal/."""

urlpatterns: list = []
