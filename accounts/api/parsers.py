"""The API's JSON parser: DRF's, refusing bodies nested deeper than any request needs.

Python's JSON reader and everything after it (serializers, the idempotency fingerprint)
recurse once per level, so a body of a thousand ``[`` ends in a ``RecursionError``. The depth
is measured on the text before it is parsed, without recursion.

Uploads (multipart) are refused before they are read when their ``Content-Length`` is over
what the endpoint takes (``refuse_body_over``: 413 ``payload_too_large``)."""

from __future__ import annotations

import io
import re

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from core.errors import InvalidInput

MAX_DEPTH = 32  # the deepest legitimate body (an ad script) is under 10

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def too_deep() -> InvalidInput:
    return InvalidInput(
        f"The JSON body is nested too deep (more than {MAX_DEPTH} levels of arrays and objects).",
        detail={"max_depth": MAX_DEPTH},
    )


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        text = raw.decode(encoding, errors="replace")
        if json_depth(text) > MAX_DEPTH:
            raise too_deep()
        return super().parse(io.BytesIO(raw), media_type, parser_context)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The upload is too large."


def refuse_body_over(parser_context, limit: int, message: str) -> None:
    """413 ``message`` when the request says its body is longer than ``limit`` bytes (a
    multipart parser calls this before reading the body)."""
    try:
        length = int(parser_context["request"].META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(message)
