"""Strict helpers to read settings from the environment.

A malformed value stops start-up with a message naming the variable, rather than silently
falling back (habit from healthchecks). Secrets may come from ``NAME_FILE`` instead of ``NAME``.
"""

from __future__ import annotations

import os
from pathlib import Path


class EnvError(RuntimeError):
    pass


def env(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise EnvError(f"{name}_FILE points to {file_path!r}, which cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise EnvError(f"{name} must be true or false, got {value!r}")


def envint(name: str, default: int) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise EnvError(f"{name} must be an integer, got {value!r}") from None


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise EnvError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def envfloat(name: str, default: float, *, low: float, high: float) -> float:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise EnvError(f"{name} must be a number between {low:g} and {high:g}, got {value!r}") from None
    if not low <= number <= high:
        raise EnvError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return number


def envlist(name: str, default: tuple[str, ...] = ()) -> list[str]:
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def envurl(name: str, default: str = "") -> str:
    """An http(s) URL, or ``default`` when unset or empty."""
    value = env(name)
    if value is None or value == "":
        return default
    if not value.startswith(("http://", "https://")):
        raise EnvError(f"{name} must be an http(s) URL, got {value!r}")
    return value
