"""The interface every shot backend implements; the registry picks one per shot.

A backend turns one scene of the script into a ``ShotAsset``: what the renderer needs, stored
on the Shot as JSON (``to_json``/``from_json``). A ``motion`` asset names product photos and a
camera move, which the renderer rasterises per output format (so each format is laid out for
its own frame, and no intermediate video is encoded); a ``clip`` asset names a video file made
by a generative backend. A backend that can make several shots in one call (one pipeline call
on a GPU) is also a ``BatchingBackend``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

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
    generative: bool = True  # the ad allows GPU backends (its plan has generative shots)


@dataclass(frozen=True)
class ShotAsset:
    """A made shot, as the renderer and the training data read it (``Shot.asset``).

    ``motion``: ``images`` (storage names, relative to MEDIA_ROOT) animated with ``move`` on
    ``background``, cut-outs when the photos have them. ``clip``: the video file ``path``
    (storage name), the ``backend`` that made it, its ``fidelity`` score against the product
    photo, the LoRA ``adapter`` used ("" = none) and how many ``tries`` it took. ``details``
    holds what a backend records about how it made the clip (pipeline, frames, fps, size,
    batch, try-on look, ...), stored alongside."""

    kind: Literal["motion", "clip"]
    seed: int = 0
    # motion
    images: tuple[str, ...] = ()
    cutouts: tuple[str, ...] = ()
    background: str = "studio"
    move: str = "push_in"
    # clip
    path: str = ""
    backend: str = ""
    fidelity: float | None = None
    adapter: str = ""
    tries: int = 1
    details: Mapping[str, Any] = field(default_factory=dict)

    _CLIP = ("kind", "seed", "path", "backend", "fidelity", "adapter", "tries")  # the rest: details

    def to_json(self) -> dict[str, Any]:
        """The JSON stored on the Shot: a motion asset's own fields; a clip's, with its
        ``details`` at the same level."""
        if self.kind == "motion":
            return {
                "kind": "motion", "seed": self.seed, "images": list(self.images), "cutouts": list(self.cutouts),
                "background": self.background, "move": self.move,
            }
        return {
            **self.details, "kind": "clip", "seed": self.seed, "path": self.path, "backend": self.backend,
            "fidelity": self.fidelity, "adapter": self.adapter, "tries": self.tries,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShotAsset:
        """The asset stored on a Shot; ValueError when it is not one (a shot not made yet has
        ``{}``)."""
        kind = data.get("kind")
        if kind == "motion" and "images" in data:
            return cls(
                kind="motion", seed=int(data.get("seed", 0)), images=tuple(data["images"]),
                cutouts=tuple(data.get("cutouts", ())), background=data.get("background", "studio"),
                move=data.get("move", "push_in"),
            )
        if kind == "clip" and "path" in data:
            return cls(
                kind="clip", seed=int(data.get("seed", 0)), path=data["path"], backend=data.get("backend", ""),
                fidelity=data.get("fidelity"), adapter=data.get("adapter", ""), tries=int(data.get("tries", 1)),
                details={k: v for k, v in data.items() if k not in cls._CLIP},
            )
        raise ValueError(f"not a shot asset: {dict(data)!r:.200}")


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
    ) -> ShotAsset:
        """Make the shot; return its asset. ``workdir`` is where files may be written.
        ``progress`` takes percent done of this shot; ``should_cancel`` is checked between steps
        (raise ShotCancelled, keeping nothing)."""


@runtime_checkable
class BatchingBackend(ShotBackend, Protocol):
    """A backend that makes several shots in one call (the diffusion backend: one pipeline call
    per model, adapter and frame rate). ``isinstance(backend, BatchingBackend)`` says whether a
    backend batches; shots are grouped by ``batch_key`` before they are sent to workers."""

    def batch_key(self, request: ShotRequest) -> tuple:
        """What shots must share to be made in one call, known on any host (no GPU, no
        weights needed)."""
        ...

    def generate_batch(
        self,
        requests: list[ShotRequest],
        *,
        workdirs: list[Path],
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> list[ShotAsset | BackendUnavailable]:
        """Per request (``workdirs``: one folder each), its asset or the BackendUnavailable
        saying why this backend did not make it (that shot alone moves down its chain).
        ``progress`` is percent of the whole batch; ShotCancelled keeps no file of any shot."""
        ...
