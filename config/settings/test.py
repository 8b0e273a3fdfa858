"""Test settings: PostgreSQL when DATABASE_URL is set (scripts/test.sh starts one), fast hashing,
in-memory email, media in a temporary folder."""

import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker started by a test shares the test's media folder through MEDIA_ROOT.
MEDIA_ROOT = Path(env("MEDIA_ROOT") or tempfile.mkdtemp(prefix="shopreel-test-media-"))
SHOPREEL_RENDER_PRESET = "ultrafast"
SHOPREEL_FETCH_RETRY_DELAYS = (0.0, 0.0)  # tries stay real, waits do not
