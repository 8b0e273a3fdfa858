"""Ids that every log line of a unit of work carries: the job, the workspace, the task, the request.

``bind(job_id=..., workspace_id=...)`` adds fields for the ``with`` block (nested blocks add
to the outer one's); :class:`ContextFilter`, on the log handlers (``LOGGING`` in settings),
copies them onto every record, so the JSON formatter (``SHOPREEL_LOG_FORMAT=json``) writes
them as fields and no logger call has to name them. A field the call gives itself
(``extra={"job_id": ...}``) wins.

Who binds: the Celery signals (``config.celery_logging``: task id and name, and the ids the
task was called with, with their workspace) and the web middleware
(``config.middleware.LogContextMiddleware``: the request id, and the workspace a URL or an
API key names).

Framework-free: contextvars and logging only.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

_fields: ContextVar[dict[str, str] | None] = ContextVar("shopreel_log_fields", default=None)


def current() -> dict[str, str]:
    """The fields bound now."""
    return dict(_fields.get() or {})


def push(**fields: Any) -> Token:
    """Add ``fields`` (``None`` values left out; others as text) until :func:`pop` of the token."""
    added = {name: str(value) for name, value in fields.items() if value is not None and value != ""}
    return _fields.set({**(_fields.get() or {}), **added})


def pop(token: Token) -> None:
    """Restore the fields as they were before the :func:`push` that gave ``token``."""
    try:
        _fields.reset(token)
    except ValueError:  # a token of another context (a signal sent from another thread)
        _fields.set({})


def add(**fields: Any) -> None:
    """Add ``fields`` to the current block (a view learns the workspace after the middleware
    bound the request): they end with the block that encloses this call."""
    push(**fields)


@contextmanager
def bind(**fields: Any) -> Iterator[dict[str, str]]:
    token = push(**fields)
    try:
        yield current()
    finally:
        pop(token)


def call_ids(func: Callable, args: tuple | list, kwargs: dict) -> dict[str, str]:
    """The ``*_id`` arguments of a call to ``func`` (tasks take ids: ``render_ad(job_id)``),
    by parameter name; nothing when the arguments do not fit the signature."""
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return {}
    return {
        name: str(value) for name, value in bound.arguments.items()
        if name.endswith("_id") and isinstance(value, str | int) and not isinstance(value, bool)
    }


# SHOPREEL_LOG_FORMAT=json: these fields first, then the bound ids and any ``extra`` fields.
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def json_formatter() -> logging.Formatter:
    """One JSON object a line (python-json-logger)."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(JSON_FORMAT, rename_fields=JSON_RENAMED)


class ContextFilter(logging.Filter):
    """Copies the bound fields onto each record (never over a field the call set itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_fields.get() or {}).items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True
