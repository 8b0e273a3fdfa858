from __future__ import annotations

import logging
import math

from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key; the rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]``
    (``SHOPREEL_API_RATE``). Counts live in the default cache: share one cache (Redis) between
    web processes in production or each process counts on its own.

    A fixed window per key: one counter per key and window (``cache.add`` then ``cache.incr``,
    both atomic on Redis and on the local-memory cache), so however many requests arrive at
    once, exactly the limit get through in a window. (DRF's own throttle reads a list, appends
    and writes it back: concurrent requests overwrite each other's counts.) A burst can span
    two windows' ends, so at most twice the limit in any one period.

    With the cache down the request goes through and a warning is logged: throttling protects
    the API, it must not take it down."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        self.key = f"{key}:{window}"
        try:
            count = self._count()
        except Exception:  # the cache is down (a connection error): fail open
            logger.warning("API throttle cache unavailable; request let through",
                           extra={"api_key_id": str(request.auth.pk)}, exc_info=True)
            return True
        return count <= self.num_requests

    def _count(self) -> int:
        """This request's number in its window, counted atomically."""
        for _ in range(2):
            # The key outlives its window by a little, so no request ever increments it after
            # it expired (Django's Redis incr checks existence, then increments).
            if self.cache.add(self.key, 1, timeout=self.duration + 5):
                return 1
            try:
                return self.cache.incr(self.key)
            except ValueError:  # evicted between add and incr: start it again
                continue
        return 1

    def wait(self):
        return max(math.ceil(self.window_ends - self.now), 1)
