"""What one scene looks like at a given time, before it is blended with its neighbours.

Each scene is built once (plates, overlays, decoders) and then asked for frames in time
order. ``MotionScene`` warps prepared plates; ``ClipScene`` reads a video file and
cover-fits it. Both paint the scene's caption and badge last, inside their bounding boxes.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from . import camera, plates
from .blend import BlendLayer, TimedBlendLayer, crossfade
from .errors import RenderError
from .spec import BrandSpec, ClipShot, MotionShot, OutputFormat

INNER_FADE = 0.25  # seconds: blend between photos inside one scene


class MotionScene:
    """A moving shot over one or more product photos; the scene time is split evenly."""

    def __init__(
        self,
        shot: MotionShot,
        fmt: OutputFormat,
        brand: BrandSpec,
        span: float,
        overlays: list[BlendLayer | TimedBlendLayer],
        *,
        end_card: bool = False,
        seed: int = 0,
        reserve_top: float | None = None,
    ) -> None:
        if not shot.images:
            raise RenderError("a motion shot has no product image")
        self.frame_size = (fmt.width, fmt.height)
        self.span = span
        self.overlays = overlays
        self.plates: list[np.ndarray] = []  # RGBA, plate-sized
        self.moves: list[camera.Move] = []
        for i, image in enumerate(shot.images):
            cutout = shot.cutouts[i] if i < len(shot.cutouts) else None
            plate = plates.motion_plate(
                fmt,
                brand,
                image,
                cutout,
                shot.background,
                shot.seed + seed + i,
                end_card=end_card,
                reserve_top=reserve_top,
            )
            # Four channels: OpenCV's warp has a SIMD path for 4-byte pixels that is ~2.5x
            # faster than for 3-byte ones; dropping the padding afterwards costs 0.1 ms.
            self.plates.append(cv2.cvtColor(plate, cv2.COLOR_RGB2RGBA))
            self.moves.append(camera.make_move(shot.move, shot.seed + seed + i))
        self.plate_size = (self.plates[0].shape[1], self.plates[0].shape[0])
        self._static: dict[int, np.ndarray] = {}

    def _view(self, index: int, p: float) -> np.ndarray:
        move = self.moves[index]
        if move.is_static:
            if index not in self._static:
                m = camera.view_matrix(move, 0.0, self.frame_size, self.plate_size)
                view = camera.render_view(self.plates[index], m, self.frame_size)
                self._static[index] = cv2.cvtColor(view, cv2.COLOR_RGBA2RGB)
            return self._static[index].copy()
        m = camera.view_matrix(move, p, self.frame_size, self.plate_size)
        return cv2.cvtColor(
            camera.render_view(self.plates[index], m, self.frame_size), cv2.COLOR_RGBA2RGB
        )

    def frame(self, t: float) -> np.ndarray:
        """The scene at ``t`` seconds after its visual start (RGB uint8, fresh array)."""
        n = len(self.plates)
        seg = self.span / n
        j = min(n - 1, int(t / seg)) if seg > 0 else 0
        p = (t - j * seg) / seg if seg > 0 else 0.0
        img = self._view(j, p)
        fade = min(INNER_FADE, seg * 0.25)
        if j + 1 < n and fade > 0 and t > (j + 1) * seg - fade:
            weight = (t - ((j + 1) * seg - fade)) / fade
            img = crossfade(img, self._view(j + 1, 0.0), weight)
        for layer in self.overlays:
            layer.apply(img, t)
        return img

    def close(self) -> None:
        self.plates.clear()
        self._static.clear()


class ClipShotScene:
    """A pre-made video (diffusion / try-on shot), cover-fitted, holding its last frame."""

    def __init__(
        self, shot: ClipShot, fmt: OutputFormat, overlays: list[BlendLayer | TimedBlendLayer]
    ) -> None:
        from moviepy import VideoFileClip  # heavy import; only clip scenes need it

        path = Path(shot.path)
        if not path.is_file():
            raise RenderError(f"video clip missing: {path}")
        try:
            self.clip = VideoFileClip(str(path), audio=False)
        except (OSError, KeyError, IndexError, ValueError) as exc:
            raise RenderError(f"video clip could not be read: {path}") from exc
        if not self.clip.duration or not self.clip.fps:
            self.clip.close()
            raise RenderError(f"video clip has no frames: {path}")
        self.frame_size = (fmt.width, fmt.height)
        self.overlays = overlays
        self.last_t = max(0.0, self.clip.duration - 1.5 / self.clip.fps)
        sw, sh = self.clip.size
        scale = max(fmt.width / sw, fmt.height / sh)
        cw, ch = fmt.width / scale, fmt.height / scale
        self.crop = (round((sw - cw) / 2), round((sh - ch) / 2), round(cw), round(ch))

    def frame(self, t: float) -> np.ndarray:
        src = self.clip.get_frame(min(max(0.0, t), self.last_t))
        x, y, w, h = self.crop
        src = src[y : y + h, x : x + w]
        shrinking = w > self.frame_size[0]
        img = cv2.resize(
            src, self.frame_size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        )
        for layer in self.overlays:
            layer.apply(img, t)
        return img

    def close(self) -> None:
        self.clip.close()
