"""Production: everything that matters must come from the environment; refuse to start without it."""

from config.env import EnvError, envbool
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, SECRET_KEY

DEBUG = False
if SECRET_KEY == "dev-only-insecure-key":  # noqa: S105 (the dev default must not reach production)
    raise EnvError("SECRET_KEY must be set in production")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise EnvError("DATABASE_URL must point to PostgreSQL in production")
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Webhook URLs must be https in production unless explicitly allowed otherwise.
SHOPREEL_WEBHOOK_REQUIRE_HTTPS = envbool("SHOPREEL_WEBHOOK_REQUIRE_HTTPS", True)
