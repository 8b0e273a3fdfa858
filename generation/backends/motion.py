"""The ``motion`` backend: real product photos made to move. CPU only, deterministic, no files.

Choosing what the shot shows happens here; rasterising it per frame happens in the renderer
(generation.render), which knows the output format.
"""

from __future__ import annotations

from pathlib import Path

from generation.backends.base import BackendUnavailable, ImageAsset, ShotAsset, ShotRequest

# Shots that present the product itself want the clean cut-out on a studio background;
# the others want a photo with its surroundings.
PRODUCT_SHOTS = {"hero", "offer", "cta", "detail", "feature"}


class MotionBackend:
    name = "motion"

    def check_available(self) -> None:
        return None  # runs everywhere

    def generate(self, request: ShotRequest, *, workdir: Path, progress=None, should_cancel=None) -> ShotAsset:
        # Choosing photos is instant: nothing to report or cancel.
        if not request.images:
            raise BackendUnavailable("the product has no photos to animate")
        chosen = self._choose(request)
        use_cutout = request.shot_type in PRODUCT_SHOTS and all(image.cutout for image in chosen)
        return ShotAsset(
            kind="motion",
            images=tuple(image.path for image in chosen),
            cutouts=tuple(image.cutout for image in chosen) if use_cutout else (),
            background="studio" if use_cutout else "blur",
            move=request.camera_move,
            seed=request.seed,
        )

    @staticmethod
    def _choose(request: ShotRequest) -> list[ImageAsset]:
        images = list(request.images)
        first = images[request.image_index % len(images)]
        if request.shot_type in ("lifestyle", "on_model"):
            # Prefer photos with surroundings (lifestyle, worn) over packshots.
            scenic = [image for image in images if not image.plain_background]
            if scenic:
                first = scenic[request.image_index % len(scenic)]
        chosen = [first]
        # A long feature or lifestyle scene shows a second photo for its second half.
        if request.duration >= 4 and request.shot_type in ("feature", "lifestyle") and len(images) > 1:
            second = images[(images.index(first) + 1) % len(images)]
            if second is not first:
                chosen.append(second)
        return chosen
