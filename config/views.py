"""Health endpoints for load balancers and orchestrators (no authentication, no secrets).

- ``GET /healthz``: liveness. The process answers; nothing else is checked, so a database
  outage never gets healthy web processes restarted.
- ``GET /readyz``: readiness. The database answers ``SELECT 1``, the cache and the broker
  (Redis, where configured) answer PING, and the media folder is writable (with media in S3,
  the bucket answers). 200 when all pass,
  503 naming the checks that failed (never their error text: it may hold hosts or passwords).
  It also reports the backlog: ``queues`` (messages waiting in each Celery queue, with a Redis
  broker) and ``outbox`` (tasks not yet sent, and the oldest one's age). A queue deeper than
  SHOPREEL_QUEUE_DEPTH_WARN or an outbox message older than SHOPREEL_OUTBOX_AGE_WARN makes the
  status ``degraded`` with a ``warnings`` line each, still 200: a backlog is not fixed by taking
  this web process out of the load balancer. Workers have their own probe (``manage.py
  worker_health``).
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

from accounts import storage as media_storage
from accounts.outbox import outbox_backlog
from config.health import queue_depths

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
    if media_storage.is_remote():  # SHOPREEL_MEDIA_STORAGE=s3: the bucket answers
        media_storage.store_check()
        return
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".readyz-"):
        pass


def _checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "media": _media}
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        checks["broker"] = _broker
    return checks


def _backlog(results: dict[str, str]) -> tuple[dict, list[str]]:
    """The queues' and the outbox's backlog, from the servers that answered, and a warning for
    each over its threshold."""
    report: dict = {}
    warnings: list[str] = []
    if results.get("broker") == "ok":
        names = [settings.SHOPREEL_QUEUE_DEFAULT, settings.SHOPREEL_QUEUE_RENDER, settings.SHOPREEL_QUEUE_GPU]
        try:
            report["queues"] = queue_depths(broker_url=settings.CELERY_BROKER_URL, queues=names)
        except Exception:
            logger.warning("queue depths not read", exc_info=True)
        limit = settings.SHOPREEL_QUEUE_DEPTH_WARN
        warnings += [f"queue {name}: {depth} messages waiting (more than {limit})"
                     for name, depth in report.get("queues", {}).items() if depth > limit]
    if results.get("database") == "ok":
        try:
            report["outbox"] = outbox_backlog()
        except Exception:
            logger.warning("outbox backlog not read", exc_info=True)
        age = report.get("outbox", {}).get("oldest_seconds")
        if age is not None and age > settings.SHOPREEL_OUTBOX_AGE_WARN:
            warnings.append(f"outbox: a task has waited {age} s to be sent (more than "
                            f"{settings.SHOPREEL_OUTBOX_AGE_WARN}): is the broker down, or beat not running?")
    return report, warnings


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
    backlog, warnings = _backlog(results)
    status = "failing" if not ready else "degraded" if warnings else "ok"
    if warnings:
        logger.warning("readiness degraded", extra={"warnings": warnings})
    body = {"status": status, "checks": results, **backlog, **({"warnings": warnings} if warnings else {})}
    return JsonResponse(body, status=200 if ready else 503)
