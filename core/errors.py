"""The errors a user may be told, in two families. Framework-free.

``ApplicationError``: services raise these; the command line prints ``message``; the API turns
them into ``{"error": {"code", "message", "detail"}}`` with the class's ``status``.

``ScrapeError``: reading something from outside failed (a blocked address, a failed fetch, a
rejected image, a page with no product); services turn them into an ``ApplicationError`` or a
row's error with the same ``code``.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """Something the user must be told. ``code`` is stable for machines, ``message`` is plain
    words, ``status`` is the HTTP status the API answers with (the class's, one per kind of
    refusal: pick the subclass, not a status)."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "detail": self.detail}}


class InvalidInput(ApplicationError):
    """The request itself is wrong: a field, a file, a value out of range."""

    code = "invalid_input"


class PaymentRequired(ApplicationError):
    """Not enough credits (or no plan) for the work asked for."""

    code = "payment_required"
    status = 402


class PermissionDenied(ApplicationError):
    """The caller may see this, but not do this (a member's role, a read-only key)."""

    code = "permission_denied"
    status = 403


class NotFound(ApplicationError):
    """Absent, or another workspace's: the two are never told apart."""

    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    """Right request, wrong moment: the thing is busy, or its state forbids it now (a job
    already rendering, the last owner, an invitation already used)."""

    code = "conflict"
    status = 409


class Unprocessable(ApplicationError):
    """Well-formed, but contradicts an earlier request (an Idempotency-Key reused with
    another body)."""

    code = "unprocessable"
    status = 422


class TooSoon(ApplicationError):
    """Allowed, but not again yet."""

    code = "too_soon"
    status = 429


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
