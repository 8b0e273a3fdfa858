"""Health endpoints for load balancers and orchestrators (no authentication, no secrets).

- ``GET /healthz``: liveness. The process answers; nothing else is checked, so a database
  outage never gets healthy web processes restarted.
- ``GET /readyz``: readiness. The database answers ``SELECT 1``, the cache and the broker
  (Redis, where configured) answer PING, and the media folder is writable. 200 when all pass,
  503 naming the checks that failed (never their error text: it may hold hosts or passwords).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)
PING_TIMEOUT_SECONDS = 1.0


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = "readyz:probe"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=PING_TIMEOUT_SECONDS, socket_timeout=PING_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def _media() -> None:
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".readyz-"):
        pass


def _checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "media": _media}
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        checks["broker"] = _broker
    return checks


@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in _checks().items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            logger.warning("readiness check failed", exc_info=True, extra={"check": name})
            results[name] = "failing"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "failing", "checks": results}, status=200 if ready else 503)
