from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Plans, Stripe subscriptions and the credit ledger. Not built yet: the billing issue
    brings its models; until then renders are not charged."""

    name = "billing"
