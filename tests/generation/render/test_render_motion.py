"""Motion shots: the layered scene (sweep, product sprite, photo plate), camera moves, several
photos per shot. Rewritten for issue 15's engine: scenes take a layout and a style and hand
back a picture; text and stickers are the decor's (test_render_engine.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.render import camera
from generation.render.layouts import layout_for
from generation.render.scenes import MotionScene
from generation.render.spec import FORMATS, MotionShot, OutputFormat
from generation.render.styles import _base

from .conftest import SMALL

RED, BLUE = (220, 30, 30), (30, 60, 220)
STYLE = _base("clean", (17, 17, 17), (255, 59, 92))


def _share(frame: np.ndarray, colour) -> float:
    """Fraction of the frame within a few levels of ``colour``."""
    return float((np.abs(frame.astype(int) - colour).max(axis=2) < 40).mean())


def _scene(shot: MotionShot, fmt: OutputFormat = SMALL, span: float = 2.0) -> MotionScene:
    return MotionScene(shot, fmt, layout_for(fmt), STYLE, span)


def test_same_seed_same_frames(make_photo) -> None:
    shot = MotionShot((make_photo(),), "ken_burns", seed=3, background="blur")
    a, b = _scene(shot), _scene(shot)
    for t in (0.0, 0.7, 1.9):
        assert np.array_equal(a.picture(t), b.picture(t))


@pytest.mark.parametrize("move", ["push_in", "pull_out", "pan_left", "pan_right", "ken_burns"])
def test_photo_moves_move(make_photo, move) -> None:
    scene = _scene(MotionShot((make_photo(),), move, background="blur"))
    assert np.abs(scene.picture(0.0).astype(int) - scene.picture(2.0)).mean() > 1


def test_camera_never_stops_inside_the_scene() -> None:
    """A move that eases to a halt reads as a still frame: its speed stays well above 0."""
    move = camera.make_move("pan_left")
    xs = [camera.view_matrix(move, p / 20, (270, 480), (310, 552))[0, 2] for p in range(21)]
    steps = np.abs(np.diff(xs))
    assert xs[0] > xs[10] > xs[20]
    assert steps.min() > 0.5 * steps.mean()


def test_studio_shot_puts_the_cutout_on_a_generated_background(make_photo) -> None:
    cut = make_photo("cut.png", colour=RED, cutout=True)
    shot = MotionShot((make_photo("photo.jpg", colour=BLUE),), "static", cutouts=(cut,))
    frame = _scene(shot, span=1.0).picture(0.8)
    assert _share(frame, RED) > 0.05 and _share(frame, BLUE) == 0  # the cut-out, not the photo
    corner = frame[:10, :10].reshape(-1, 3).mean(axis=0)
    assert not np.allclose(corner, 255, atol=3)  # a studio gradient, not the photo's white


def test_product_and_background_move_at_different_speeds(make_photo) -> None:
    """Parallax: the sweep and the product layer drift by different amounts."""
    cut = make_photo("cut.png", colour=RED, cutout=True)
    scene = _scene(MotionShot((make_photo(),), cutouts=(cut,)), FORMATS["9:16"], span=3.0)
    a, b = scene.picture(0.8), scene.picture(2.8)
    product_a = np.nonzero((np.abs(a.astype(int) - RED).max(axis=2) < 40).any(axis=1))[0]
    product_b = np.nonzero((np.abs(b.astype(int) - RED).max(axis=2) < 40).any(axis=1))[0]
    # The product grew (its rows span more) while the background is still a gradient.
    assert product_b.size > product_a.size
    assert not np.array_equal(a[:40, :40], b[:40, :40])  # the sweep drifted


@pytest.mark.parametrize("fmt", [SMALL, OutputFormat("16:9", 480, 270, FORMATS["16:9"].safe_zone)])
def test_photo_with_surroundings_is_full_bleed_around_the_product(make_photo, fmt) -> None:
    """No box over a blurred copy: the photo fills its picture area, cropped around the
    product, which stays whole in the frame."""
    photo = make_photo("wide.png", colour=BLUE, size=(1600, 800))
    im = Image.open(photo).convert("RGB")
    ImageDraw.Draw(im).rectangle((0, 0, 1599, 799), fill=(120, 160, 90))  # a lawn
    ImageDraw.Draw(im).ellipse((1000, 300, 1200, 500), fill=RED)  # the product, off centre
    im.save(photo)
    scene = _scene(MotionShot((photo,), "static", background="blur"), fmt, span=1.0)
    frame = scene.picture(0.0)
    x0, y0, x1, y1 = (round(v) for v in scene.layout.picture)
    if not scene.layout.split:  # the lower part is darkened under the caption: look above it
        y1 = round(scene.layout.text[1] - 0.12 * fmt.height)
    area = frame[y0:y1, x0:x1].astype(int)
    lawn = (np.abs(area - (120, 160, 90)).max(axis=2) < 30).mean()
    red = np.abs(area - RED).max(axis=2) < 50
    _ys, xs = np.nonzero(red)
    assert lawn + red.mean() > 0.9  # the photo covers its area: no bars, no blurred copy
    assert xs.min() > 0 and xs.max() < area.shape[1] - 1  # the product is inside the crop...
    assert abs(xs.mean() - area.shape[1] / 2) < area.shape[1] * 0.2  # ...and near its centre


def test_several_photos_share_the_scene_time(make_photo) -> None:
    shot = MotionShot(
        (make_photo("r.png", colour=RED), make_photo("b.png", colour=BLUE)),
        "push_in",
        background="blur",
    )
    scene = _scene(shot)
    early, late = scene.picture(0.3), scene.picture(1.7)
    assert _share(early, RED) > _share(early, BLUE) and _share(late, BLUE) > _share(late, RED)


@pytest.mark.parametrize(
    ("photo_w", "plate_w"),
    [(100, 200), (170, 170), (216, 216), (300, 224), (900, 224)],  # area 200 wide
)
def test_a_plate_keeps_the_photos_own_detail_without_enlarging_it_past_its_area(
    photo_w: int, plate_w: int
) -> None:
    """A plate keeps the photo's own pixels from 1.25x smaller than its area up to 1.12x
    larger (the camera's warp resamples once); a smaller photo is enlarged to the area's size
    and a larger one reduced to the 1.12x overscan."""
    from generation.render import plates

    rng = np.random.default_rng(1)
    photo = rng.integers(0, 255, (photo_w * 2, photo_w, 3), dtype=np.uint8)
    focus = (0.0, 0.0, float(photo_w), float(photo_w * 2))
    plate = plates.cover(photo, (200, 400), focus, place=(0, 0, 1, 1))
    assert plate.shape == (plate_w * 2, plate_w, 3)
    if plate_w == photo_w:
        assert np.array_equal(plate, photo)
        assert not np.shares_memory(plate, photo)  # the scrim darkens the plate, not the photo


def test_extended_edges_are_softened_exactly_as_a_whole_picture_blur() -> None:
    """``_extend`` blurs only the strips it adds, with the same values as blurring all."""
    import cv2

    from generation.render import plates

    rng = np.random.default_rng(2)
    photo = rng.integers(0, 255, (240, 180, 3), dtype=np.uint8)
    for top, bottom, left, right in ((30, 0, 0, 0), (0, 25, 10, 12), (40, 40, 0, 50)):
        got = plates._extend(photo, top, bottom, left, right)
        whole = cv2.copyMakeBorder(photo, top, bottom, left, right, cv2.BORDER_REPLICATE)
        k = max(3, (max(photo.shape[:2]) // 12) | 1)
        soft = cv2.blur(whole, (k, k))
        h, w = whole.shape[:2]
        want = whole.copy()
        for y0, y1, x0, x1 in ((0, top, 0, w), (h - bottom, h, 0, w), (0, h, 0, left)):
            want[y0:y1, x0:x1] = soft[y0:y1, x0:x1]
        if right:
            want[:, w - right :] = soft[:, w - right :]
        assert np.array_equal(got, want)
        assert np.array_equal(got[top : top + 240, left : left + 180], photo)


def test_a_jpeg_needed_small_is_decoded_small_and_upright(tmp_path) -> None:
    """``load_image(at_least=...)`` lets a JPEG decode at a reduced scale (the palette needs
    64x64), never below the size asked, and still turns the picture upright (EXIF)."""
    from generation.render import plates

    im = Image.new("RGB", (1200, 800), "white")
    ImageDraw.Draw(im).rectangle((0, 0, 599, 799), fill=(200, 30, 30))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated 90° clockwise
    path = tmp_path / "sideways.jpg"
    im.save(path, quality=92, exif=exif)
    full = plates.load_image(path)
    small = plates.load_image(path, at_least=(128, 128))
    assert full.shape == (1200, 800, 3)
    # 1/4 of the file (1/8 would be 100 px, under the 128 asked), upright
    assert small.shape == (300, 200, 3)
    for picture in (full, small):
        h = picture.shape[0]
        assert (
            picture[h // 4, picture.shape[1] // 2, 0]
            > 150
            > picture[h // 4, picture.shape[1] // 2, 1]
        )
        assert picture[3 * h // 4, picture.shape[1] // 2].min() > 200  # the white half below


def test_dithered_gradients_keep_their_level_with_the_asked_noise() -> None:
    from generation.render import plates

    flat = np.full((300, 400, 3), 120.4, np.float32)
    out = plates.dither(flat, seed=1, sigma=1.2).astype(np.float64)
    assert abs(out.mean() - 120.4) < 0.05
    assert 1.1 < out.std() < 1.3
    assert np.array_equal(out[..., 0], out[..., 2])  # grey noise: no colour speckle
    assert np.array_equal(plates.dither(flat, seed=1, sigma=1.2), plates.dither(flat, 1, 1.2))
