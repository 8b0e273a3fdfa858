from __future__ import annotations

from rest_framework import permissions


class HasApiKeyScope(permissions.BasePermission):
    """Any key may read; only a write-scope key may change anything."""

    message = "This API key is read-only; use a key with write scope."
    code = "read_only_key"

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None or not getattr(request.user, "is_authenticated", False):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return api_key.can_write
