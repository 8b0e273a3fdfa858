"""What every v1 endpoint shares: API-key authentication, scope check, per-key throttle, the
caller's workspace on ``self.workspace``, and ``Idempotency-Key`` handling for POSTs."""

from __future__ import annotations

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import ApiKeyAuthentication
from accounts.api.pagination import NewestFirstCursorPagination
from accounts.api.permissions import HasApiKeyScope
from accounts.api.throttling import ApiKeyRateThrottle
from accounts.selectors import workspace_for_api_key
from accounts.services import idempotency_abandon, idempotency_begin, idempotency_finish
from core import logcontext

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID). A retry with the same key and body gets the first "
        "response again (header `Idempotent-Replayed: true`); the same key with another body "
        "is refused (422 `idempotency_key_reused`). Kept 24 hours per workspace."
    ),
)


WORKSPACE_HEADER_NAME = "Shopreel-Workspace"
WORKSPACE_HEADER = OpenApiParameter(
    name=WORKSPACE_HEADER_NAME,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "The client workspace (slug or id) an agency key works in; required with an agency "
        "key. A workspace key works in its own workspace (naming another answers 404)."
    ),
)


class WorkspaceAutoSchema(AutoSchema):
    """Every v1 operation takes the Shopreel-Workspace header."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), WORKSPACE_HEADER]


def paginated(serializer_class, *, name: str):
    """The schema of a cursor-paginated list of ``serializer_class``."""
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


class ErrorSerializer(serializers.Serializer):
    class ErrorBody(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()
        detail = serializers.DictField()

    error = ErrorBody()


# The error answers every v1 operation documents.
ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409, 422, 429)}


class WorkspaceApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKeyScope]
    throttle_classes = [ApiKeyRateThrottle]

    schema = WorkspaceAutoSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.workspace = workspace_for_api_key(api_key=request.auth, ref=request.headers.get(WORKSPACE_HEADER_NAME))
        logcontext.add(workspace_id=self.workspace.id)  # this request's log lines name it

    def paginate(self, queryset, serializer_class):
        paginator = NewestFirstCursorPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": self.request}).data)


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(handler=None, *, redact: tuple[str, ...] = ()):
    """Wrap a POST handler: with an ``Idempotency-Key`` header, the first answer (2xx to 4xx
    responses the handler returns) is stored and replayed; an exception frees the key.
    ``redact``: top-level fields stored (and so replayed) as null, for secrets shown once."""
    if handler is None:
        return functools.partial(idempotent, redact=redact)

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return handler(self, request, *args, **kwargs)
        record, replay = idempotency_begin(workspace=self.workspace, key=key, fingerprint=_fingerprint(request))
        if replay:
            return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})
        try:
            response = handler(self, request, *args, **kwargs)
        except BaseException:
            idempotency_abandon(record=record)
            raise
        if response.status_code >= 500:
            idempotency_abandon(record=record)
        else:
            body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            if isinstance(body, dict):
                body.update({name: None for name in redact if name in body})
            idempotency_finish(record=record, status=response.status_code, body=body)
        return response

    return wrapper
