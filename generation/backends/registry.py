"""Which backend makes which shot: a chain per shot type from settings, first available wins."""

from __future__ import annotations

from django.conf import settings

from generation.backends.base import BackendUnavailable, ShotBackend
from generation.backends.diffusion import DiffusionBackend  # imports torch only when it runs
from generation.backends.motion import MotionBackend

BACKENDS: dict[str, type] = {
    "motion": MotionBackend,
    "diffusion": DiffusionBackend,
}


# Backends that need a GPU worker; their shots go to the "gpu" queue.
GPU_BACKENDS = {"diffusion", "tryon"}


def backend_names(shot_type: str) -> list[str]:
    chains: dict[str, list[str]] = settings.SHOPREEL_SHOT_BACKENDS
    return chains.get(shot_type) or chains["default"]


def backend_chain(shot_type: str) -> list[ShotBackend]:
    names = backend_names(shot_type)
    unknown = [name for name in names if name not in BACKENDS]
    if unknown:
        raise BackendUnavailable(
            f"SHOPREEL_SHOT_BACKENDS names unknown backend(s) {unknown}; known: {sorted(BACKENDS)}"
        )
    return [BACKENDS[name]() for name in names]
