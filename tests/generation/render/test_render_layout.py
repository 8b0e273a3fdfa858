"""Layouts designed per format (issue 15): 9:16 and 4:5 stack a large product over the
caption; 16:9 and 1:1 split product and text; right-to-left mirrors. Rewritten from the
former "the caption band is reserved" tests: the caption now has its own box under (or
beside) the product, and the product never runs into it."""

from __future__ import annotations

import numpy as np
import pytest

from generation.render.captions import safe_rect
from generation.render.layouts import OCCUPANCY, layout_for
from generation.render.scenes import MotionScene
from generation.render.spec import FORMATS, MotionShot
from generation.render.styles import _base

RED = (200, 40, 60)
STYLE = _base("clean", (17, 17, 17), (255, 59, 92))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("fmt_name", ["9:16", "4:5", "1:1", "16:9"])
@pytest.mark.parametrize("rtl", [False, True])
def test_text_box_is_safe_and_clear_of_the_product(fmt_name, rtl) -> None:
    fmt = FORMATS[fmt_name]
    layout = layout_for(fmt, rtl=rtl)
    sx0, sy0, sx1, sy1 = safe_rect(fmt)
    x0, y0, x1, y1 = layout.text
    assert sx0 <= x0 < x1 <= sx1 and sy0 <= y0 < y1 <= sy1
    assert not _overlap(layout.text, layout.product)
    assert layout.split == (fmt_name in ("16:9", "1:1"))


def test_right_to_left_mirrors_the_split() -> None:
    fmt = FORMATS["16:9"]
    ltr, rtl = layout_for(fmt), layout_for(fmt, rtl=True)
    assert ltr.product[2] <= fmt.width / 2 + 0.05 * fmt.width < rtl.product[0] + 0.1 * fmt.width
    assert ltr.text[0] > fmt.width / 2 > rtl.text[2]
    assert ltr.sticker_top[0] < fmt.width / 2 < rtl.sticker_top[0]


@pytest.mark.parametrize("fmt_name", ["9:16", "4:5", "1:1", "16:9"])
def test_product_occupancy_meets_the_format_target(make_photo, fmt_name) -> None:
    """A product shot on the real renderer: the cut-out's height is at least the format's
    share of the frame, and it stays out of the caption's box."""
    fmt = FORMATS[fmt_name]
    cut = make_photo("cut.png", colour=RED, size=(600, 600), cutout=True)
    layout = layout_for(fmt)
    scene = MotionScene(MotionShot((cut,), cutouts=(cut,)), fmt, layout, STYLE, 2.0)
    frame = scene.picture(1.0)
    product = np.abs(frame.astype(int) - RED).max(axis=2) < 30
    rows = np.nonzero(product.any(axis=1))[0]
    cols = np.nonzero(product.any(axis=0))[0]
    assert (rows.max() - rows.min()) / fmt.height >= OCCUPANCY[fmt_name], fmt_name
    box = (cols.min(), rows.min(), cols.max(), rows.max())
    assert not _overlap(box, layout.text)


def test_a_split_layouts_text_panel_is_made_once_for_all_scenes(make_photo) -> None:
    """The text panel of 16:9 and 1:1 is one picture, shared by every scene of the ad."""
    from generation.render.spec import RenderSpec, SceneSpec
    from generation.render.timeline import Timeline

    photo = make_photo()
    scenes = tuple(
        SceneSpec(duration=1.0, shot=MotionShot((photo,)), shot_type=kind, caption="Hello")
        for kind in ("hero", "feature", "cta")
    )
    timeline = Timeline(RenderSpec(format=FORMATS["16:9"], scenes=scenes))
    for slot in timeline.slots:
        timeline._build(slot)
    panels = [slot.visual.panel for slot in timeline.slots]
    assert panels[0] is not None and all(p is panels[0] for p in panels)
    timeline.close()
