"""Training items and their tensors (no Django).

An item is one product seen one way: the photo that conditions the first frame (the cut-out
over a plain background where the product has one), a caption (from its ads' scripts, else
its title and features) and, where the product already has a generated shot clip or a
rendered ad, that video as the target. Without a video the target is the still photo
repeated: a *static clip*, which teaches the adapter the product's look, not its motion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

PLAIN_BACKGROUND = (245, 245, 245)


@dataclass(frozen=True)
class TrainingItem:
    product_id: str
    photo: Path  # absolute
    caption: str
    cutout: Path | None = None  # RGBA cut-out of the same photo, absolute
    clip: Path | None = None  # a video target (MP4), absolute; None = the photo held still


@dataclass
class DatasetSummary:
    """What an adapter was trained on; stored on its ModelAdapter row."""

    product_ids: list[str] = field(default_factory=list)
    # The workspaces whose products it learnt from (an opt-out is traced through these).
    workspace_ids: list[str] = field(default_factory=list)
    images: int = 0
    clips: int = 0
    items: int = 0

    def as_dict(self) -> dict:
        return {
            "products": len(self.product_ids),
            "product_ids": list(self.product_ids),
            "workspaces": len(self.workspace_ids),
            "workspace_ids": list(self.workspace_ids),
            "images": self.images,
            "clips": self.clips,
            "items": self.items,
        }


def conditioning_image(item: TrainingItem, size: tuple[int, int]) -> Image.Image:
    """The item's photo, cover-fitted to ``size`` (width, height); with a cut-out, the product
    is laid on a plain background."""
    with Image.open(item.photo) as photo:
        image = ImageOps.exif_transpose(photo).convert("RGB")
    if item.cutout is not None:
        with Image.open(item.cutout) as cutout:
            rgba = ImageOps.exif_transpose(cutout).convert("RGBA")
        if rgba.size != image.size:
            rgba = rgba.resize(image.size, Image.Resampling.BILINEAR)
        plain = Image.new("RGB", image.size, PLAIN_BACKGROUND)
        plain.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
        image = plain
    return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)


def target_frames(
    item: TrainingItem, size: tuple[int, int], num_frames: int, *, fps: float
) -> np.ndarray:
    """``num_frames`` RGB frames [n, h, w, 3] uint8 at ``size``: the clip's opening frames at
    about ``fps`` (a shorter clip holds its last frame), or the photo repeated."""
    if item.clip is None:
        frame = np.asarray(conditioning_image(item, size))
        return np.repeat(frame[None], num_frames, axis=0)
    frames = _read_clip(item.clip, num_frames, fps=fps)
    if not frames:
        raise ValueError(f"the clip {item.clip} has no readable frame")
    frames += [frames[-1]] * (num_frames - len(frames))
    return np.stack(
        [np.asarray(ImageOps.fit(Image.fromarray(f), size, method=Image.Resampling.BILINEAR)) for f in frames]
    )


def _read_clip(path: Path, num_frames: int, *, fps: float) -> list[np.ndarray]:
    """Up to ``num_frames`` frames from the start of ``path``, every ``source fps / fps``-th
    frame; stops reading once it has them (a 15 s ad is not decoded whole)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        source_fps = capture.get(cv2.CAP_PROP_FPS) or fps
        stride = max(1, round(source_fps / fps))
        frames: list[np.ndarray] = []
        index = 0
        while len(frames) < num_frames:
            ok, frame = capture.read()
            if not ok:
                break
            if index % stride == 0:
                frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            index += 1
        return frames
    finally:
        capture.release()
