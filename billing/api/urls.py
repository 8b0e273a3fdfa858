"""/api/v1/billing/…: the account and its ledger (account_urls), Checkout and the Customer Portal
(checkout_urls)."""

from billing.api import account_urls, checkout_urls

urlpatterns = [*account_urls.urlpatterns, *checkout_urls.urlpatterns]
