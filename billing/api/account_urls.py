"""/api/v1/billing/ and /api/v1/billing/ledger/ (and agency client caps)."""

urlpatterns: list = []
