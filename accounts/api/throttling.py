from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per API key; the rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]``
    (``SHOPREEL_API_RATE``). Counts live in the default cache: share one cache (Redis) between
    web processes in production or each process counts on its own."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
