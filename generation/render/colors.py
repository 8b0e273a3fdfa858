"""Colour helpers shared by the plate and caption code."""

from __future__ import annotations

import re

from .errors import RenderError

RGB = tuple[int, int, int]

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def hex_to_rgb(value: str) -> RGB:
    """'#FF3B5C' or 'f35' → (255, 59, 92); a RenderError names a malformed brand colour."""
    match = _HEX.match(value.strip())
    if not match:
        raise RenderError(f"brand colour is not a hex colour like #FF3B5C: {value!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def luminance(rgb: RGB) -> float:
    """Relative luminance 0..1 (sRGB weights, no gamma: good enough to pick light or dark)."""
    r, g, b = rgb
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear mix from a (t=0) to b (t=1)."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def readable_on(background: RGB, preferred: RGB) -> RGB:
    """``preferred`` if it contrasts with the background, else black or white."""
    if abs(luminance(background) - luminance(preferred)) >= 0.35:
        return preferred
    return (0, 0, 0) if luminance(background) > 0.5 else (255, 255, 255)
