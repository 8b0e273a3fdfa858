"""The identity of a diffusers weights directory, cheap enough to check on every shot.

An adapter only fits the base weights it was trained on. The fingerprint hashes
``model_index.json``, the denoiser's ``config.json`` and, for each of the denoiser's weight
files, its name, its size and its first and last MiB (a different checkpoint of the same
architecture differs there; hashing whole multi-GB files on each shot would not do). The
result is cached per directory and per the files' sizes and modification times.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

DENOISERS = ("unet", "transformer")
EDGE = 1 << 20  # bytes hashed at each end of a weight file


def denoiser_name(weights_dir: Path) -> str:
    """The denoiser's folder in a weights directory: ``unet`` (SVD) or ``transformer`` (LTX)."""
    for name in DENOISERS:
        if (weights_dir / name / "config.json").is_file():
            return name
    raise ValueError(f"{weights_dir} has neither unet/config.json nor transformer/config.json")


def weights_fingerprint(weights_dir: str | Path) -> str:
    """A sha256 hex digest naming the base weights in ``weights_dir`` (see module docstring)."""
    path = Path(weights_dir).resolve()
    index = path / "model_index.json"
    if not index.is_file():
        raise ValueError(f"{path} has no model_index.json: not a diffusers weights directory")
    denoiser = path / denoiser_name(path)
    files = sorted(p for p in denoiser.iterdir() if p.is_file())
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in [index, *files])
    return _fingerprint(str(path), stamp)


@functools.lru_cache(maxsize=16)
def _fingerprint(path: str, stamp: tuple) -> str:
    root = Path(path)
    digest = hashlib.sha256()
    digest.update((root / "model_index.json").read_bytes())
    denoiser = root / denoiser_name(root)
    for name, size, _mtime in stamp[1:]:
        digest.update(f"{name}\0{size}\0".encode())
        with open(denoiser / name, "rb") as handle:
            digest.update(handle.read(EDGE))
            if size > 2 * EDGE:
                handle.seek(size - EDGE)
                digest.update(handle.read(EDGE))
            else:
                digest.update(handle.read())
    return digest.hexdigest()
