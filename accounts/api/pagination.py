from __future__ import annotations

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Opaque cursors over ``-created_at``: stable while rows are added, no page counting."""

    ordering = "-created_at"
    page_size = 25
    page_size_query_param = "limit"
    max_page_size = 100
