"""Layout: a tall product photo never runs into the caption, in any format, even when the
camera has pushed in or drifted (the caption band is reserved when the product is placed)."""

from __future__ import annotations

import numpy as np
import pytest

from generation.render import camera, captions, plates
from generation.render.spec import FORMATS, BrandSpec

RED = np.array([200, 40, 60])


@pytest.mark.parametrize("fmt_name", ["9:16", "4:5", "1:1", "16:9"])
@pytest.mark.parametrize("background", ["blur", "studio"])
def test_tall_product_stays_above_a_two_line_caption(make_photo, fmt_name, background) -> None:
    fmt = FORMATS[fmt_name]
    tall = make_photo("tall.png", colour=tuple(RED), size=(300, 900), cutout=True)
    caption = captions.render_caption("Keeps drinks ice cold for twenty four hours", fmt)
    plate = plates.motion_plate(
        fmt, BrandSpec(), tall, tall, background, seed=0, reserve_top=caption.y
    )
    plate = np.dstack([plate, np.full(plate.shape[:2], 255, np.uint8)])
    size = (fmt.width, fmt.height)
    moves = [camera.make_move("push_in"), camera.make_move("static")] + [
        camera.make_move("ken_burns", seed) for seed in range(4)
    ]
    for move in moves:
        m = camera.view_matrix(move, 1.0, size, (plate.shape[1], plate.shape[0]))
        view = camera.render_view(plate, m, size)[..., :3].astype(int)
        product = np.abs(view - RED).sum(axis=2) < 30
        rows = np.nonzero(product.any(axis=1))[0]
        assert rows.size, "the product is in the frame"
        assert rows.max() < caption.y, (fmt_name, move, rows.max(), caption.y)
        # ...and it is still a big product, not a thumbnail.
        assert rows.max() - rows.min() > 0.25 * fmt.height


def test_a_three_line_caption_pushes_the_product_up(make_photo) -> None:
    fmt = FORMATS["4:5"]
    two = plates.product_box(fmt, reserve_top=captions.caption_band(fmt, lines=2))
    three = plates.product_box(fmt, reserve_top=captions.caption_band(fmt, lines=3))
    assert three[3] < two[3]
