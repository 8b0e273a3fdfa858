"""The interface every shot backend implements, and the registry that picks one per shot.

A backend turns one scene of the script into an *asset*: a small JSON dict stored on the Shot
that the renderer understands. ``{"kind": "motion", ...}`` names product photos and a camera
move, which the renderer rasterises per output format (so each format is laid out for its own
frame, and no intermediate video is encoded); ``{"kind": "clip", "path": ...}`` names a video
file made by a generative backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Progress = Callable[[int], None]  # percent done of the shot (or of a batch of shots)
ShouldCancel = Callable[[], bool]  # checked between steps; True: raise ShotCancelled


class BackendUnavailable(Exception):
    """This backend cannot run here (no GPU, no weights configured, ...). The message says why;
    the chain moves on to the next backend."""


class ShotCancelled(Exception):
    """The job was cancelled while a backend was making the shot; nothing was kept."""


@dataclass(frozen=True)
class ImageAsset:
    path: str  # storage name, relative to MEDIA_ROOT
    cutout: str = ""  # storage name of the RGBA cut-out, if the photo had a plain background
    plain_background: bool = False


@dataclass(frozen=True)
class ShotRequest:
    shot_type: str
    camera_move: str
    duration: float
    image_index: int
    images: tuple[ImageAsset, ...]
    seed: int
    vertical: str = "other"
    workspace_id: str = ""  # the job's workspace: picks fine-tuned adapters; "" = outside a job


class ShotBackend(Protocol):
    name: str

    def check_available(self) -> None:
        """Raise BackendUnavailable with a plain reason when this backend cannot run here."""

    def generate(
        self,
        request: ShotRequest,
        *,
        workdir: Path,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> dict:
        """Make the shot; return its asset dict. ``workdir`` is where files may be written.
        ``progress`` takes percent done of this shot; ``should_cancel`` is checked between steps
        (raise ShotCancelled, keeping nothing)."""
