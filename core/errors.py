"""The errors a user may be told, in two families. Framework-free.

``ApplicationError``: services raise these; the command line prints ``message``; the API turns
them into ``{"error": {"code", "message", "detail"}}`` with the class's ``status``.

``ScrapeError``: reading something from outside failed (a blocked address, a failed fetch, a
rejected image, a page with no product); services turn them into an ``ApplicationError`` or a
row's error with the same ``code``.
"""

from __future__ import annotations


class ApplicationError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "detail": self.detail}}


class NotFound(ApplicationError):
    code = "not_found"


class InvalidInput(ApplicationError):
    code = "invalid_input"


# ------------------------------------------------------------------ reading from outside


class ScrapeError(Exception):
    """A failure the user must read. ``code`` is stable for machines, ``message`` is plain words."""

    code = "scrape_failed"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BlockedURL(ScrapeError):
    code = "url_blocked"


class FetchFailed(ScrapeError):
    code = "fetch_failed"


class NotAProduct(ScrapeError):
    code = "not_a_product"


class ImageRejected(ScrapeError):
    code = "image_rejected"
