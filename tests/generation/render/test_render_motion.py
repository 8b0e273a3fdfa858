"""Motion shots: plates laid out per format, camera moves, several photos per shot."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.render import camera
from generation.render.scenes import MotionScene
from generation.render.spec import FORMATS, BrandSpec, MotionShot, OutputFormat

from .conftest import SMALL

RED, BLUE = (220, 30, 30), (30, 60, 220)


def _share(frame: np.ndarray, colour) -> float:
    """Fraction of the frame within a few levels of ``colour``."""
    return float((np.abs(frame.astype(int) - colour).max(axis=2) < 40).mean())


def test_same_seed_same_frames(make_photo) -> None:
    shot = MotionShot((make_photo(),), "ken_burns", seed=3)
    a = MotionScene(shot, SMALL, BrandSpec(), 2.0, [])
    b = MotionScene(shot, SMALL, BrandSpec(), 2.0, [])
    for t in (0.0, 0.7, 1.9):
        assert np.array_equal(a.frame(t), b.frame(t))


@pytest.mark.parametrize("move", ["push_in", "pull_out", "pan_left", "pan_right", "ken_burns"])
def test_moves_move_and_static_does_not(make_photo, move) -> None:
    photo = make_photo()
    moving = MotionScene(MotionShot((photo,), move), SMALL, BrandSpec(), 2.0, [])
    still = MotionScene(MotionShot((photo,), "static"), SMALL, BrandSpec(), 2.0, [])
    assert np.abs(moving.frame(0.0).astype(int) - moving.frame(2.0)).mean() > 1
    assert np.array_equal(still.frame(0.0), still.frame(2.0))


def test_pan_left_travels_left_with_an_eased_start() -> None:
    move = camera.make_move("pan_left")
    xs = [camera.view_matrix(move, p, (270, 480), (310, 552))[0, 2] for p in (0, 0.05, 0.5, 1)]
    assert xs[0] > xs[2] > xs[3]
    assert abs(xs[1] - xs[0]) < abs(xs[2] - xs[1]) / 5  # eases in


def test_studio_shot_puts_the_cutout_on_a_generated_background(make_photo) -> None:
    cut = make_photo("cut.png", colour=RED, cutout=True)
    shot = MotionShot((make_photo("photo.jpg", colour=BLUE),), "static", cutouts=(cut,))
    frame = MotionScene(shot, SMALL, BrandSpec(), 1.0, []).frame(0.0)
    assert _share(frame, RED) > 0.05 and _share(frame, BLUE) == 0  # the cut-out, not the photo
    corner = frame[:10, :10].reshape(-1, 3).mean(axis=0)
    assert not np.allclose(corner, 255, atol=3)  # a studio gradient, not the photo's white


@pytest.mark.parametrize("fmt", [SMALL, OutputFormat("16:9", 480, 270, FORMATS["16:9"].safe_zone)])
def test_blur_shot_shows_the_whole_photo_for_each_format(make_photo, fmt) -> None:
    # A wide photo with a coloured frame: all four sides must be visible, whatever the format.
    photo = make_photo("wide.png", colour=BLUE, size=(800, 400))
    im = Image.open(photo).convert("RGB")
    ImageDraw.Draw(im).rectangle((0, 0, 799, 399), outline=RED, width=24)
    im.save(photo)
    frame = MotionScene(
        MotionShot((photo,), "static", background="blur"), fmt, BrandSpec(), 1.0, []
    ).frame(0.0)
    red = np.abs(frame.astype(int) - RED).max(axis=2) < 50
    ys, xs = np.nonzero(red)
    h, w = ys.max() - ys.min(), xs.max() - xs.min()
    assert abs(w / h - 2.0) < 0.15  # the photo's own aspect ratio: not cropped
    assert xs.min() > 0 and xs.max() < fmt.width - 1  # contained, with background around it


def test_several_photos_share_the_scene_time(make_photo) -> None:
    shot = MotionShot(
        (make_photo("r.png", colour=RED), make_photo("b.png", colour=BLUE)),
        "push_in",
        background="blur",
    )
    scene = MotionScene(shot, SMALL, BrandSpec(), 2.0, [])
    early, late = scene.frame(0.3), scene.frame(1.7)
    assert _share(early, RED) > _share(early, BLUE) and _share(late, BLUE) > _share(late, RED)
