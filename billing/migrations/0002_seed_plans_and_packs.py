"""The plans and credit packs Shopreel sells. Prices in Stripe are per deployment: set each
row's stripe_price_id in the admin. Credits: 1 per started 5 s of video per format, plus 3 per
started 5 s of generative (GPU) footage (billing/pricing.py)."""

from django.db import migrations

PLANS = [
    # slug, name, kind, monthly credits, price (cents), longest ad (s), formats, generative, seats
    ("trial", "Free trial", "trial", 30, 0, 15, 1, False, 1),
    ("starter", "Starter", "monthly", 150, 2900, 30, 2, False, 2),
    ("growth", "Growth", "monthly", 500, 7900, 60, 4, True, 5),
    ("pro", "Pro", "monthly", 1500, 19900, 60, 4, True, 10),
    ("agency", "Agency", "agency", 5000, 49900, 60, 4, True, 25),
]
PACKS = [
    ("pack-100", "100 credits", 100, 2500),
    ("pack-500", "500 credits", 500, 10000),
    ("pack-2000", "2,000 credits", 2000, 35000),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    CreditPack = apps.get_model("billing", "CreditPack")
    for position, (slug, name, kind, credits, cents, longest, formats, generative, seats) in enumerate(PLANS):
        Plan.objects.update_or_create(slug=slug, defaults={
            "name": name, "kind": kind, "monthly_credits": credits, "price_cents": cents,
            "max_length_seconds": longest, "max_formats": formats, "generative_shots": generative,
            "seats": seats, "position": position,
        })
    for slug, name, credits, cents in PACKS:
        CreditPack.objects.update_or_create(slug=slug, defaults={"name": name, "credits": credits, "price_cents": cents})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_plans_accounts_ledger")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
