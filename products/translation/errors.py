"""What goes wrong when translating, by who must act."""

from __future__ import annotations

from core.errors import ApplicationError


class TranslationNotConfigured(ApplicationError):
    """Translation is switched on (``SHOPREEL_TRANSLATION``) but what it needs is missing: the
    operator must act. Raised, never turned into a quiet fallback."""

    code = "translation_not_configured"


class TranslationUnavailable(Exception):
    """The backend could not translate now (unreachable, timed out, busy): tried again next time."""


class TranslationRefused(Exception):
    """The backend answered, but not with translations Shopreel can use (wrong shape, hostile)."""
