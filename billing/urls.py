"""/billing/stripe/webhook/: Stripe's signed events."""

app_name = "billing"
urlpatterns: list = []
