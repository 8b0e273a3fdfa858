"""One error format for the whole API: ``{"error": {"code", "message", "detail"}}``.

``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) turns the ``ApplicationError``
family (each class carries its HTTP status), DRF's exceptions (validation, authentication, permission, throttling, method, parsing)
and Django's ``Http404`` into it; ``not_found`` answers unknown ``/api/`` URLs the same way.
"""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ApplicationError


def error_body(code: str, message: str, detail=None) -> dict:
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.detail), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 (logged), never a traceback in the body

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(math.ceil(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        code, message = "invalid_input", "The request has invalid fields; see detail."
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    else:
        code = _permission_code(exc) or exc.default_code
        message = str(exc.detail)
        detail = {"retry_after": math.ceil(exc.wait)} if isinstance(exc, exceptions.Throttled) and exc.wait else {}
    set_rollback()
    return Response(error_body(code, message, detail), status=exc.status_code, headers=headers)


def _permission_code(exc) -> str | None:
    """A permission's own code (``read_only_key``) in place of the generic one."""
    if isinstance(exc, exceptions.PermissionDenied):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) and codes != "permission_denied" else None
    return None


def not_found(request, exception=None):
    """handler404: JSON for ``/api/`` paths (an unknown URL or a malformed id), Django's page
    elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)
