"""The shot asset stored on a Shot row, and which backends batch."""

from __future__ import annotations

import pytest

from generation.backends.base import BatchingBackend, ShotAsset
from generation.backends.diffusion import DiffusionBackend
from generation.backends.motion import MotionBackend
from generation.backends.tryon import TryOnBackend

# Rows as the backends stored them before the asset had a type: still read, written the same.
MOTION_ROW = {"kind": "motion", "images": ["p/0.png"], "cutouts": ["p/0-cut.png"], "background": "studio",
              "move": "push_in", "seed": 3000}  # fmt: skip
CLIP_ROW = {"kind": "clip", "path": "w/ads/a/shots/00/diffusion-7.mp4", "seed": 7, "backend": "diffusion",
            "pipeline": "LTXImageToVideoPipeline", "fidelity": 0.91, "frames": 8, "fps": 4.0, "width": 64,
            "height": 64, "tries": 1, "batch": 3, "adapter": ""}  # fmt: skip


@pytest.mark.parametrize("row", [MOTION_ROW, CLIP_ROW])
def test_an_asset_reads_its_row_and_writes_it_back_unchanged(row):
    asset = ShotAsset.from_json(row)
    assert asset.to_json() == row
    assert ShotAsset.from_json(asset.to_json()) == asset


def test_a_clips_typed_fields_and_its_details():
    clip = ShotAsset.from_json(CLIP_ROW)
    assert (clip.kind, clip.path, clip.fidelity, clip.tries, clip.adapter) == (
        "clip", CLIP_ROW["path"], 0.91, 1, ""
    )
    assert clip.details == {"pipeline": "LTXImageToVideoPipeline", "frames": 8, "fps": 4.0, "width": 64,
                            "height": 64, "batch": 3}  # fmt: skip
    motion = ShotAsset.from_json(MOTION_ROW)
    assert motion.images == ("p/0.png",) and motion.fidelity is None


@pytest.mark.parametrize("row", [{}, {"kind": "clip"}, {"kind": "motion"}, {"kind": "gif", "path": "x"}])
def test_what_is_not_a_made_shot_is_refused(row):
    with pytest.raises(ValueError, match="not a shot asset"):
        ShotAsset.from_json(row)


def test_only_the_diffusion_backend_batches():
    assert isinstance(DiffusionBackend(), BatchingBackend)
    assert not isinstance(MotionBackend(), BatchingBackend)
    assert not isinstance(TryOnBackend(), BatchingBackend)
