from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from core.errors import InvalidInput


class NewestFirstCursorPagination(CursorPagination):
    """Opaque cursors over ``-created_at``: stable while rows are added, no page counting.

    A cursor comes back from the client, so it is checked before it reaches a query: one that
    does not decode, or whose position is not a date and time, answers 400 ``invalid_cursor``
    (DRF answers 404 for the first and the database refuses the second with a 500)."""

    ordering = "-created_at"
    page_size = 25
    page_size_query_param = "limit"
    max_page_size = 100

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise _invalid_cursor() from None
        if cursor is not None and cursor.position is not None:
            try:
                position = parse_datetime(cursor.position)
            except ValueError:  # well-formed but impossible, e.g. month 13
                position = None
            if position is None:
                raise _invalid_cursor()
        return cursor


def _invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is not one this API gave out. Start again from the first page, then follow `next`.",
        code="invalid_cursor",
    )
