"""Checks for a workspace's brand kit files and colours, shared by the service and the admin.

Each ``check_*`` returns what it learnt and raises ``InvalidInput`` in plain words; the
``validate_*`` wrappers raise Django's ``ValidationError`` instead, for model fields and forms.
"""

from __future__ import annotations

import io
import re
import struct

from django.core.exceptions import ValidationError

from core.errors import ImageRejected, InvalidInput
from core.images import ImageInfo, validate_image

MAX_LOGO_BYTES = 5_000_000
MAX_FONT_BYTES = 10_000_000
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LATIN_SAMPLE = "AaBbEeRrSs019"  # a caption font must at least draw these


def check_hex_color(value: str, *, field: str = "colour") -> str:
    """``#RRGGBB`` → upper-case; anything else is refused."""
    if not isinstance(value, str) or not _HEX.match(value.strip()):
        raise InvalidInput(
            f"The {field} must be a hex colour like #FF3B5C, not {value!r}.",
            detail={"field": field},
        )
    return value.strip().upper()


LOGO_FORMATS = ("JPEG", "PNG", "WEBP")


def check_logo(data: bytes) -> ImageInfo:
    """A logo is a JPEG, PNG or WebP of sane size (the importer's own image checks)."""
    try:
        info = validate_image(data, max_bytes=MAX_LOGO_BYTES, max_pixels=16_000_000)
    except ImageRejected as exc:
        raise InvalidInput(str(exc), detail={"field": "logo"}) from exc
    if info.format not in LOGO_FORMATS:  # a product photo may be a GIF or AVIF; a logo not
        raise InvalidInput(
            f"A logo must be a JPEG, PNG or WebP image; this one is {info.format}.",
            detail={"field": "logo"},
        )
    return info


def check_font_size(size: int) -> None:
    """A font file of ``size`` bytes is refused above MAX_FONT_BYTES (an upload: before reading it)."""
    if size > MAX_FONT_BYTES:
        raise InvalidInput(
            f"That font file is larger than {MAX_FONT_BYTES // 1_000_000} MB.",
            detail={"field": "font"},
        )


def check_font(data: bytes) -> str:
    """A TrueType/OpenType font that draws Latin letters; returns its extension (``ttf`` or
    ``otf``). Read with fontTools, the library the renderer picks glyphs with."""
    from fontTools.ttLib import TTFont, TTLibError

    if not data:
        raise InvalidInput("That font file is empty.", detail={"field": "font"})
    check_font_size(len(data))
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        flavor = font.flavor
        sfnt = font.sfntVersion
        cmap = font.getBestCmap() or {}
    except (TTLibError, AssertionError, KeyError, struct.error, ValueError, OSError) as exc:
        raise InvalidInput(
            "That file is not a font Shopreel can read; upload a .ttf or .otf file.",
            detail={"field": "font"},
        ) from exc
    if flavor is not None:  # WOFF/WOFF2: web fonts PIL cannot draw
        raise InvalidInput(
            "Web fonts (WOFF) are not supported; upload the .ttf or .otf file.",
            detail={"field": "font"},
        )
    missing = [ch for ch in _LATIN_SAMPLE if ord(ch) not in cmap]
    if missing:
        raise InvalidInput(
            "That font has no Latin letters or digits (missing "
            f"{''.join(missing)!r}); captions need them.",
            detail={"field": "font"},
        )
    return "otf" if sfnt == "OTTO" else "ttf"


def _as_validation_error(check, field_file) -> None:
    field_file.seek(0)
    data = field_file.read()
    field_file.seek(0)
    try:
        check(data)
    except InvalidInput as exc:
        raise ValidationError(exc.message) from exc


def validate_logo_file(field_file) -> None:
    _as_validation_error(check_logo, field_file)


def validate_font_file(field_file) -> None:
    _as_validation_error(check_font, field_file)


def validate_hex_color(value: str) -> None:
    try:
        check_hex_color(value)
    except InvalidInput as exc:
        raise ValidationError(exc.message) from exc
