"""Web requests' log context (core/logcontext.py): every line logged while a request is
handled carries its ``request_id`` and, once known, the ``workspace_id`` it acts on."""

from __future__ import annotations

import re
import uuid

from core import logcontext

REQUEST_ID_HEADER = "X-Request-ID"
# A request id a proxy or client sent is kept when it is a plain token; anything else is replaced.
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class LogContextMiddleware:
    """Binds ``request_id`` (the ``X-Request-ID`` header when it is a plain token of up to 64
    characters, else a new one; answered in the same header) for the whole request, and the
    ``workspace_id`` a studio URL names. The API binds its key's workspace itself
    (accounts.api.base.WorkspaceApiView). Put it first, so other middleware's lines carry it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if _PLAIN_ID.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id
        token = logcontext.push(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            logcontext.pop(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if workspace_id := view_kwargs.get("workspace_id"):
            logcontext.add(workspace_id=workspace_id)
        return None
