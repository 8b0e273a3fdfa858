"""A parsed template library kept on disk, so a new process does not parse it again.

Parsing and validating the shipped library (34 YAML files, every copy string parsed, checked
and try-rendered) costs about 2.5 CPU seconds, and every web, worker and ``make_ad`` process
did it again. ``load_cached`` keeps the validated templates as one pickle named by a digest
of everything the result depends on: each YAML file's path and bytes, the source of this
package's modules (the schema and the checks), and the versions of Python, pydantic, Jinja2
and PyYAML. Any change to any of them names another file, so a stale cache is never read;
the old one is removed when the new one is written.

The folder is ``SHOPREEL_TEMPLATE_CACHE_DIR`` (empty: no cache), else
``$XDG_CACHE_HOME/shopreel`` or ``~/.cache/shopreel``. A pickle runs code when loaded, so a
cache is read only from a folder and file owned by this user that nobody else may write; a
cache that cannot be read or written is skipped (the library is parsed as before).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent
PREFIX = "templates-"


def cache_dir() -> Path | None:
    """Where the cache lives (``None``: switched off)."""
    configured = os.environ.get("SHOPREEL_TEMPLATE_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shopreel"


def digest(directory: Path, pattern: str = "*/*.yaml") -> str:
    """SHA-256 of the library's files, this package's code and the parsing libraries."""
    import jinja2
    import pydantic
    import yaml

    h = hashlib.sha256()
    versions = (sys.version, pydantic.VERSION, jinja2.__version__, yaml.__version__)
    h.update(repr(versions).encode())
    for group in (sorted(directory.glob(pattern)), sorted(PACKAGE_DIR.glob("*.py"))):
        for path in group:
            h.update(path.name.encode() + b"\0" + path.parent.name.encode() + b"\0")
            data = path.read_bytes()
            h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _private(path: Path) -> bool:
    """Owned by this user, and neither the group nor others may write it."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def load_cached(directory: Path, build: Callable[[Path], T], folder: Path | None) -> T:
    """``build(directory)``, or the copy of its result cached for exactly these inputs."""
    if folder is None:
        return build(directory)
    try:
        name = f"{PREFIX}{digest(directory)}.pickle"
    except OSError:
        return build(directory)
    path = folder / name
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
        if path.is_file() and _private(folder) and _private(path):
            with path.open("rb") as f:
                return pickle.load(f)  # noqa: S301 - our own private file, named by its inputs
    result = build(directory)
    _store(folder, path, result)
    return result


def _store(folder: Path, path: Path, result: object) -> None:
    part: Path | None = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        fd, name = tempfile.mkstemp(dir=folder, prefix=".part-")
        part = Path(name)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, path)  # atomic: a reader sees the old file, none, or the whole new one
        part = None
        for old in folder.glob(f"{PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        logger.debug("template cache not written", extra={"path": str(path), "error": str(exc)})
    finally:
        if part is not None:
            part.unlink(missing_ok=True)
