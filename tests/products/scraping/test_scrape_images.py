"""Image validation, loading, hashing and cut-outs on tiny generated images."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.images import (
    cut_out,
    dedupe,
    has_plain_background,
    load_rgb,
    perceptual_hash,
    validate_image,
)
from products.scraping.types import ImageRejected


def _encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A real PNG that declares ``width`` x ``height`` pixels but carries almost no data.

    This is the decompression-bomb shape: a few dozen bytes that would need
    width * height * 3 bytes of memory to decode.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _packshot(size: tuple[int, int] = (200, 160)) -> Image.Image:
    """A dark product (with a light label inside it) on a white studio background."""
    img = Image.new("RGB", size, (252, 252, 250))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((50, 30, 150, 130), radius=12, fill=(30, 60, 140))
    draw.rectangle((80, 60, 120, 100), fill=(250, 250, 250))  # enclosed light area
    return img


def test_validate_reads_type_from_content() -> None:
    info = validate_image(_encode(_packshot(), "JPEG"))
    assert (info.format, info.width, info.height, info.mime) == ("JPEG", 200, 160, "image/jpeg")
    assert validate_image(_encode(_packshot(), "WEBP")).mime == "image/webp"


def test_decompression_bomb_is_rejected_before_decoding() -> None:
    bomb = _png_header_only(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(ImageRejected, match="decompression bomb"):
        validate_image(bomb)


def test_too_many_pixels_is_rejected_from_the_header() -> None:
    big = _png_header_only(8_000, 6_000)  # 48 MP: under Pillow's own limit, over ours
    with pytest.raises(ImageRejected, match="8000x6000 pixels"):
        validate_image(big)


def test_text_file_named_jpg_is_rejected(tmp_path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("<html>definitely not a jpeg</html>")
    with pytest.raises(ImageRejected, match="not an image"):
        validate_image(fake.read_bytes())


def test_too_many_bytes_is_rejected() -> None:
    data = _encode(_packshot(), "JPEG", quality=95)
    with pytest.raises(ImageRejected, match=r"larger than 0\.0001 MB"):
        validate_image(data, max_bytes=100)


def test_unsupported_format_is_rejected() -> None:
    with pytest.raises(ImageRejected):
        validate_image(_encode(_packshot(), "BMP"))


def test_load_rgb_applies_exif_orientation_and_caps_size() -> None:
    img = Image.new("RGB", (300, 100), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    loaded = load_rgb(_encode(img, "JPEG", exif=exif), max_side=2048)
    assert loaded.size == (100, 300)
    assert loaded.mode == "RGB"
    capped = load_rgb(_encode(Image.new("RGB", (4000, 1000))), max_side=1000)
    assert capped.size == (1000, 250)


def test_load_rgb_flattens_transparency_on_white() -> None:
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert load_rgb(_encode(rgba)).getpixel((5, 5)) == (255, 255, 255)


def test_perceptual_hash_matches_resized_copies_only() -> None:
    shot = _packshot()
    other = Image.new("RGB", (200, 160), (255, 255, 255))
    ImageDraw.Draw(other).ellipse((10, 10, 100, 150), fill=(200, 30, 30))
    hashes = [
        perceptual_hash(shot),
        perceptual_hash(load_rgb(_encode(shot.resize((400, 320)), "JPEG", quality=70))),
        perceptual_hash(other),
    ]
    assert dedupe(hashes) == [0, 2]


def test_plain_background_detected_and_cut_out() -> None:
    shot = _packshot()
    assert has_plain_background(shot)
    cut = cut_out(shot)
    alpha = np.asarray(cut)[:, :, 3]
    assert cut.mode == "RGBA" and cut.size == shot.size
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
    assert alpha[80, 100] == 255  # centre of the product, inside its light label
    assert alpha[45, 100] == 255  # solid product body


def test_busy_background_is_not_plain() -> None:
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    assert not has_plain_background(noisy)
    dark = Image.new("RGB", (100, 100), (20, 20, 20))
    assert not has_plain_background(dark)
