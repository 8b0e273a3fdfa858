"""One error format for the whole API: ``{"error": {"code", "message", "detail"}}``.

``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) turns the ``ApplicationError``
family (each class carries its HTTP status), DRF's exceptions (validation, authentication, permission, throttling, method, parsing)
and Django's ``Http404`` into it; ``not_found`` answers unknown ``/api/`` URLs the same way.
A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 ``payload_too_large``; one nested so deep
that reading it recursed too far (``accounts.api.parsers`` refuses most up front) a 400.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from accounts.api.parsers import too_deep
from core.errors import ApplicationError


def error_body(code: str, message: str, detail=None) -> dict:
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


def payload_too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    shown = f"{limit / 1_000_000:g} MB" if limit else "the limit"
    return JsonResponse(
        error_body("payload_too_large", f"The request body is larger than {shown}; send less at a time.",
                   {"max_bytes": limit}),
        status=413,
    )


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        set_rollback()
        return payload_too_large()
    if isinstance(exc, RecursionError):
        set_rollback()
        exc = too_deep()
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


def bad_request(request, exception=None):
    """handler400: a body over the upload limit read outside a DRF view (a middleware) still
    answers 413 in the API's format on ``/api/`` paths; Django's page elsewhere."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large()
        return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    """handler404: JSON for ``/api/`` paths (an unknown URL or a malformed id), Django's page
    elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)
