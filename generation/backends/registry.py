"""Which backend makes which shot: a chain per shot type from settings, first available wins."""

from __future__ import annotations

from django.conf import settings

from generation.backends.base import BackendUnavailable, ShotBackend
from generation.backends.diffusion import DiffusionBackend  # imports torch only when it runs
from generation.backends.motion import MotionBackend
from generation.backends.tryon import TryOnBackend  # likewise

BACKENDS: dict[str, type] = {
    "motion": MotionBackend,
    "diffusion": DiffusionBackend,
    "tryon": TryOnBackend,
}


# Backends that need a GPU worker; their shots go to the "gpu" queue.
GPU_BACKENDS = {"diffusion", "tryon"}

# The settings a GPU backend's weights come from: one empty means it is not configured.
WEIGHTS_SETTINGS = {
    "diffusion": ("SHOPREEL_DIFFUSION_WEIGHTS_DIR",),
    "tryon": ("SHOPREEL_TRYON_WEIGHTS_DIR", "SHOPREEL_DIFFUSION_WEIGHTS_DIR"),
}


def configured(name: str) -> bool:
    """Whether the settings give ``name`` its weights (a cheap check: no file is opened)."""
    return all(getattr(settings, setting, "") for setting in WEIGHTS_SETTINGS.get(name, ()))


def chain_names(shot_type: str, *, generative: bool = True) -> list[str]:
    """The chain from SHOPREEL_SHOT_BACKENDS, as the worker tries it. ``generative=False``
    (an ad whose plan has no GPU shots): the GPU backends left out, motion at the least."""
    chains: dict[str, list[str]] = settings.SHOPREEL_SHOT_BACKENDS
    names = list(chains.get(shot_type) or chains["default"])
    if not generative:
        names = [name for name in names if name not in GPU_BACKENDS] or ["motion"]
    return names


def backend_names(shot_type: str, *, generative: bool = True) -> list[str]:
    """The chain less the backends with no weights configured: what decides the shot's queue,
    so that with nothing configured a shot is not sent to a GPU worker only to be passed on.
    The worker still tries the whole chain, and the Shot records why each was passed over."""
    names = chain_names(shot_type, generative=generative)
    return [name for name in names if configured(name)] or names


def backend_chain(shot_type: str, *, generative: bool = True) -> list[ShotBackend]:
    names = chain_names(shot_type, generative=generative)
    unknown = [name for name in names if name not in BACKENDS]
    if unknown:
        raise BackendUnavailable(
            f"SHOPREEL_SHOT_BACKENDS names unknown backend(s) {unknown}; known: {sorted(BACKENDS)}"
        )
    return [BACKENDS[name]() for name in names]
