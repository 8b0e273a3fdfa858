"""Production: everything that matters must come from the environment; refuse to start without it."""

from config.env import EnvError, envbool
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    DATABASES,
    EMAIL_HOST,
    SECRET_KEY,
    SHOPREEL_BILLING,
    SHOPREEL_CACHE_URL,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
)

DEBUG = False
if SECRET_KEY == "dev-only-insecure-key":  # noqa: S105 (the dev default must not reach production)
    raise EnvError("SECRET_KEY must be set in production")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise EnvError("DATABASE_URL must point to PostgreSQL in production")
if not SHOPREEL_CACHE_URL:
    # Login rate limits and API throttles are counted in the cache: per process they'd multiply.
    raise EnvError("SHOPREEL_CACHE_URL must point to Redis in production (login limits, API throttles)")
if not EMAIL_HOST:
    # Sign-up verification, password resets and invitations are emails; the console loses them.
    raise EnvError("EMAIL_HOST must be set in production (verification, reset and invitation emails)")
if SHOPREEL_BILLING and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    # Billing on without Stripe would take no money and verify no webhook.
    raise EnvError("SHOPREEL_BILLING=on needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Webhook URLs must be https in production unless explicitly allowed otherwise.
SHOPREEL_WEBHOOK_REQUIRE_HTTPS = envbool("SHOPREEL_WEBHOOK_REQUIRE_HTTPS", True)
