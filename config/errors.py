"""One error family for everything a user may be told. Services raise these; the command line
prints ``message``; the API (later) turns them into ``{"error": {"code", "message", "detail"}}``.
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
