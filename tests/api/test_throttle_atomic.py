"""The per-key throttle under a concurrent burst: exactly the limit gets through, on the
local-memory cache and on Redis; with the cache down the API keeps answering."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from accounts.api.throttling import ApiKeyRateThrottle
from tests.api.test_matrix import assert_error

LIMIT = 120


def _burst(*, clients: int, each: int, key_id: str = "burst-key") -> int:
    """``clients`` threads, released together, each asking ``each`` times; how many got through."""
    request = SimpleNamespace(auth=SimpleNamespace(pk=key_id))
    allowed = [0] * clients
    start = threading.Barrier(clients)

    def client(i: int) -> None:
        throttle = ApiKeyRateThrottle()
        start.wait()
        for _ in range(each):
            if throttle.allow_request(request, None):
                allowed[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


@pytest.fixture
def limit(monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": f"{LIMIT}/min"})
    # one window for the whole burst: the clock stands still
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", staticmethod(lambda: 1_800_000_030.0))


class _FarCache:
    """The default cache behind a network's worth of latency (as Redis is): each call waits
    a little after answering, so another thread runs in between, as another web process would."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        method = getattr(self._inner, name)

        def call(*args, **kwargs):
            result = method(*args, **kwargs)
            time.sleep(0.0005)
            return result

        return call


@pytest.mark.parametrize("clients", [10, 20])
def test_a_concurrent_burst_gets_exactly_the_limit_through(limit, monkeypatch, clients):
    cache.clear()
    assert _burst(clients=clients, each=30) == LIMIT
    cache.clear()
    monkeypatch.setattr(ApiKeyRateThrottle, "cache", _FarCache(cache))
    assert _burst(clients=clients, each=30) == LIMIT


def test_each_key_and_window_counts_on_its_own(limit, monkeypatch):
    cache.clear()
    assert _burst(clients=4, each=40, key_id="a") == LIMIT
    assert _burst(clients=4, each=40, key_id="b") == LIMIT
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", staticmethod(lambda: 1_800_000_090.0))  # next minute
    assert _burst(clients=4, each=40, key_id="a") == LIMIT


@pytest.mark.services
@pytest.mark.parametrize("clients", [10, 20])
def test_a_concurrent_burst_on_redis_gets_exactly_the_limit_through(limit, settings, redis_url, clients):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    cache.clear()
    assert _burst(clients=clients, each=30) == LIMIT


@pytest.mark.django_db
def test_retry_after_says_when_the_window_ends(api, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", staticmethod(lambda: 1_800_000_015.0))  # 15 s into a minute
    owner = api.client("owner")
    assert owner.get("/api/v1/templates/").status_code == 200
    assert owner.get("/api/v1/templates/").status_code == 200
    response = owner.get("/api/v1/templates/")
    error = assert_error(response, 429, "throttled")
    assert response["Retry-After"] == "45" and error["detail"]["retry_after"] == 45


@pytest.mark.django_db
def test_with_the_cache_down_the_api_still_answers(api, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9
    owner = api.client("owner")
    with caplog.at_level(logging.WARNING, logger="accounts.api.throttling"):
        for path in ("/api/v1/templates/", "/api/v1/products/", f"/api/v1/products/{api.home.product.id}/"):
            response = owner.get(path)
            assert response.status_code == 200, response.content
    assert "throttle cache unavailable" in caplog.text
