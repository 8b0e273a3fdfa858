"""One soundtrack per ad, whatever the number of formats: ``reuse`` and ``soundtrack``.

A job renders the same ad in up to four formats, and the soundtrack (voice-over, music bed,
ducking, loudness) does not depend on the format. Inside ``with reuse():`` the renderer's
``soundtrack`` call builds it once and hands later formats a copy of the same WAV with the
same word timings. A soundtrack is reused only for a spec equal in every field but the format
(and the same frame count and the same kind of voice engine), so anything that could change
the sound makes a new one. Outside ``reuse`` every call builds, as before.

The WAVs are kept in a private temporary folder that goes when the last ``reuse`` block ends;
the scopes nest and may overlap across threads (a process-wide store, counted and locked).
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import audio
from .spec import RenderSpec


@dataclasses.dataclass
class _Entry:
    key: tuple[Any, ...]
    track: audio.Soundtrack  # its path is the kept copy


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scopes = 0
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.entries: list[_Entry] = []
        self.builds = 0  # soundtracks built while a scope was open (for tests and the bench)

    def find(self, key: tuple[Any, ...]) -> audio.Soundtrack | None:
        for entry in self.entries:
            try:
                if entry.key == key:
                    return entry.track
            except (TypeError, ValueError):  # a field that cannot be compared: not the same
                continue
        return None


_store = _Store()


@contextmanager
def reuse() -> Iterator[None]:
    """Within this block, equal soundtracks are built once (see the module's docstring)."""
    with _store.lock:
        if _store.scopes == 0:
            _store.folder = tempfile.TemporaryDirectory(prefix="shopreel-soundtracks-")
            _store.builds = 0
        _store.scopes += 1
    try:
        yield
    finally:
        with _store.lock:
            _store.scopes -= 1
            if _store.scopes == 0:
                folder, _store.folder, _store.entries = _store.folder, None, []
                if folder is not None:
                    folder.cleanup()


def builds() -> int:
    """Soundtracks built since the outermost open ``reuse`` block began."""
    return _store.builds


def _engine_key(engine: audio.TTSEngine | None) -> tuple[Any, ...]:
    if engine is None:
        return (None,)
    try:
        return (type(engine), dict(vars(engine)))
    except TypeError:  # no __dict__ (slots): only the same object is the same engine
        return (type(engine), id(engine), engine)


def _key(spec: RenderSpec, n_samples: int, engine: audio.TTSEngine | None) -> tuple[Any, ...]:
    rest = tuple(
        (f.name, getattr(spec, f.name)) for f in dataclasses.fields(spec) if f.name != "format"
    )
    return (rest, n_samples, _engine_key(engine))


def soundtrack(
    spec: RenderSpec, out_path: Path, *, n_samples: int, engine: audio.TTSEngine | None = None
) -> audio.Soundtrack:
    """``audio.soundtrack``, built once per equal spec inside ``reuse``; the WAV at
    ``out_path`` either way."""
    if _store.scopes == 0:
        return audio.soundtrack(spec, out_path, n_samples=n_samples, engine=engine)
    key = _key(spec, n_samples, engine)
    with _store.lock:
        kept = _store.find(key)
    if kept is not None:
        shutil.copyfile(kept.path, out_path)
        return dataclasses.replace(kept, path=Path(out_path))
    track = audio.soundtrack(spec, out_path, n_samples=n_samples, engine=engine)
    with _store.lock:
        _store.builds += 1
        if _store.folder is not None:  # still inside a scope: keep a copy
            copy = Path(_store.folder.name) / f"{len(_store.entries)}.wav"
            shutil.copyfile(track.path, copy)
            _store.entries.append(_Entry(key, dataclasses.replace(track, path=copy)))
    return track
