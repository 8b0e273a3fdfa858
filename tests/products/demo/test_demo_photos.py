"""The demo shop's drawn product photos: valid, square, deterministic, packshots on white."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from products.demo.catalog import PRODUCTS
from products.demo.photos import DRAWERS, JPEG_QUALITY, ensure_photos

PACKSHOTS = ["aurora-tee-white.jpg", "aurora-tee-navy.jpg", "lumen-serum-packshot.jpg",
             "pulse-headphones-packshot.jpg", "terra-mug-packshot.jpg"]


def test_every_catalogued_image_is_generated(photos):
    assert set(photos) == {p.slug for p in PRODUCTS}
    for product in PRODUCTS:
        assert [path.name for path in photos[product.slug]] == list(product.images)
        assert all(path.exists() for path in photos[product.slug])
    assert {p.vertical for p in PRODUCTS} >= {"apparel", "beauty", "electronics", "home"}


def test_photos_are_1200_square_jpegs(photos):
    for paths in photos.values():
        for path in paths:
            with Image.open(path) as img:
                assert img.format == "JPEG"
                assert img.size == (1200, 1200)
                assert img.mode == "RGB"
                img.verify()


@pytest.mark.parametrize("name", PACKSHOTS)
def test_packshots_have_a_near_white_border(name, photos):
    path = next(p for paths in photos.values() for p in paths if p.name == name)
    a = np.asarray(Image.open(path).convert("L"), dtype=np.int16)
    border = np.concatenate([a[:60].ravel(), a[-60:].ravel(), a[:, :60].ravel(), a[:, -60:].ravel()])
    assert border.min() >= 245, f"{name}: darkest border pixel {border.min()}"
    centre = a[300:900, 300:900]
    assert centre.min() < 120, "the product itself is in the middle of the frame"


def test_photos_are_not_blank_and_have_shading(photos):
    for paths in photos.values():
        for path in paths:
            a = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
            assert a.std() > 15, path.name
            assert len(np.unique(a)) > 100, f"{path.name}: gradients, not flat fills"


@pytest.mark.parametrize("name", ["lumen-serum-packshot.jpg", "aurora-tee-flatlay.jpg"])
def test_drawing_is_deterministic_to_the_byte(name, photos):
    path = next(p for paths in photos.values() for p in paths if p.name == name)
    buf = io.BytesIO()
    DRAWERS[name]().save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    assert buf.getvalue() == path.read_bytes()


def test_cache_is_reused(photo_cache, photos):
    path = photos[PRODUCTS[0].slug][0]
    before = path.stat().st_mtime_ns
    again = ensure_photos(photo_cache)
    assert again == photos
    assert path.stat().st_mtime_ns == before
