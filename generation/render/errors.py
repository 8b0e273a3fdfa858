"""Errors the renderer raises.

Every message is written for the merchant who reads it on the job page: it says what is
wrong and, where there is one, what to do about it. Nothing here carries a stack trace.
"""

from __future__ import annotations


class RenderError(Exception):
    """A render that cannot be made as asked (missing input, no font, encoder failure)."""


class RenderCancelled(Exception):
    """The caller asked the render to stop; no output is left at the final paths.

    Deliberately not a ``RenderError``: a cancel is not a failure, and code that marks a job
    failed on ``RenderError`` must not catch it by accident.
    """


class TTSUnavailable(RenderError):
    """The text-to-speech engine is not installed on this worker."""
