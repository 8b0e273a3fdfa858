"""Finding fonts and choosing, per run of characters, one that has the glyphs.

Captions must never show tofu (the empty boxes a font draws for characters it lacks), the
complaint users of other tools raise most about CJK captions. We therefore keep an ordered
*chain* of fonts and, for each character, use the first font whose cmap (read with fontTools)
maps it. Characters no font has (most emoji: we ship no colour emoji font) are dropped.

Fonts are looked up first in the bundled ``generation/render/fonts/`` directory, then under the
system font directories by file name (glob, not fc-match, so it works in slim containers).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from PIL import ImageFont

from .errors import RenderError

BUNDLED_DIR = Path(__file__).with_name("fonts")
SYSTEM_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")

# CJK collections hold one face per region; the glyph shapes differ (e.g. 骨, 直), so the
# face follows the caption's language. Values are the family names inside the .ttc.
_CJK_FACE = {
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
    "zh-hant": "Noto Sans CJK TC",
    "zh-tw": "Noto Sans CJK TC",
    "zh-hk": "Noto Sans CJK HK",
}
_CJK_DEFAULT_FACE = "Noto Sans CJK SC"

# (file name patterns, bold first) in chain order. The Latin font comes first so Latin text
# inside a CJK caption uses Latin shapes; the script fonts follow; DejaVu catches symbols.
_CHAIN_PATTERNS: tuple[tuple[str, ...], ...] = (
    ("NotoSans-{w}.ttf",),
    ("NotoSansCJK-{w}.ttc", "NotoSansCJK{region}-{w}.otf", "NotoSansCJKsc-{w}.otf"),
    ("NotoSansArabic-{w}.ttf", "NotoNaskhArabic-{w}.ttf"),
    ("NotoSansHebrew-{w}.ttf",),
    ("NotoSansThai-{w}.ttf",),
    ("NotoSansDevanagari-{w}.ttf",),
    ("DejaVuSans-{w}.ttf", "DejaVuSans.ttf"),
    ("NotoSansSymbols-{w}.ttf",),
    ("NotoSansSymbols2-Regular.ttf",),
)

_INSTALL_HINT = (
    "no usable caption font found: install fonts-noto-core and fonts-noto-cjk "
    "(apt-get install fonts-noto-core fonts-noto-cjk) or put .ttf files in "
    f"{BUNDLED_DIR}"
)


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: a .ttf, or one member (``index``) of a .ttc collection."""

    path: Path
    index: int = 0

    @property
    def name(self) -> str:
        return f"{self.path.name}#{self.index}" if self.index else self.path.name


@cache
def _find_file(name: str) -> Path | None:
    """The first file called ``name`` in the bundled dir, then the system dirs."""
    for root in (BUNDLED_DIR, *SYSTEM_DIRS):
        if not root.is_dir():
            continue
        direct = root / name
        if direct.is_file():
            return direct
        for hit in sorted(root.rglob(name)):
            if hit.is_file():
                return hit
    return None


def _cjk_face_index(path: Path, language: str) -> int:
    if path.suffix.lower() != ".ttc":
        return 0
    wanted = _CJK_FACE.get(language.lower(), _CJK_DEFAULT_FACE)
    collection = TTCollection(str(path), lazy=True)
    names = [f["name"].getDebugName(1) for f in collection.fonts]
    return names.index(wanted) if wanted in names else 0


def _cjk_region(language: str) -> str:
    face = _CJK_FACE.get(language.lower(), _CJK_DEFAULT_FACE)
    return face.rsplit(" ", 1)[-1]


@cache
def font_chain(language: str = "en", *, bold: bool = True) -> tuple[FontFace, ...]:
    """The ordered fonts captions are drawn with; raises RenderError if there are none."""
    weights = ("Bold", "Regular") if bold else ("Regular", "Bold")
    chain: list[FontFace] = []
    for patterns in _CHAIN_PATTERNS:
        face = None
        for weight in weights:
            for pattern in patterns:
                found = _find_file(pattern.format(w=weight, region=_cjk_region(language)))
                if found is not None:
                    face = FontFace(found, _cjk_face_index(found, language))
                    break
            if face:
                break
        if face is not None and face not in chain:
            chain.append(face)
    if not chain:
        # Any bundled font is better than none.
        chain.extend(FontFace(p) for p in sorted(BUNDLED_DIR.glob("*.[ot]tf")))
    if not chain:
        raise RenderError(_INSTALL_HINT)
    return tuple(chain)


@cache
def coverage(face: FontFace) -> frozenset[int]:
    """The code points the face maps to a real glyph (not .notdef)."""
    font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    try:
        cmap = font.getBestCmap() or {}
        return frozenset(cp for cp, glyph in cmap.items() if glyph != ".notdef")
    finally:
        font.close()


@cache
def pil_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    """A PIL font with the raqm layout engine (shaping, bidi) when PIL has it."""
    return ImageFont.truetype(
        str(face.path), size=size, index=face.index, layout_engine=ImageFont.Layout.RAQM
    )


def _is_invisible(ch: str) -> bool:
    """Emoji plumbing (variation selectors, zero-width joiner, skin tones): dropped with the
    emoji they belong to, since we draw no colour emoji."""
    cp = ord(ch)
    return (
        cp == 0x200D
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF
    )


def face_for_char(ch: str, chain: tuple[FontFace, ...]) -> FontFace | None:
    """The first face in the chain that has ``ch``; None if no face does."""
    cp = ord(ch)
    for face in chain:
        if cp in coverage(face):
            return face
    return None


def clean_text(text: str, chain: tuple[FontFace, ...]) -> str:
    """The text with every character no font can draw removed (emoji, stray selectors).

    Spaces left doubled by a removed emoji are collapsed so the caption does not look gappy.
    """
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "\n\t":
            kept.append(" ")
        elif ch == " " or (face_for_char(ch, chain) is not None and not _is_invisible(ch)):
            kept.append(ch)
    return " ".join("".join(kept).split())


def _is_neutral(ch: str) -> bool:
    """Spaces, digits and punctuation: shared by scripts, so they join the run they are in."""
    return unicodedata.bidirectional(ch) in (
        "WS",
        "S",
        "B",
        "ON",
        "CS",
        "ES",
        "ET",
        "EN",
        "AN",
        "BN",
        "NSM",
    )


@dataclass(frozen=True)
class Run:
    """A stretch of text drawn with one face and one direction."""

    text: str
    face: FontFace
    rtl: bool


_NUMBER_TAIL = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9.,:/%]+$")


def split_runs(text: str, chain: tuple[FontFace, ...]) -> list[Run]:
    """Split cleaned text into runs of one face, in logical (reading) order.

    A neutral character (space, digit, punctuation) stays in the current run when the current
    face has it, so "عرض خاص" shapes as one run and "限时 优惠" does not switch fonts at the
    space; otherwise it takes the first face that has it. A run is right-to-left when it has
    a right-to-left letter, or has no letters at all in a right-to-left paragraph (digits
    in an Arabic price): raqm then orders what is inside it by the Unicode bidi rules.
    """
    groups: list[list] = []  # [text, face]
    for ch in text:
        face = face_for_char(ch, chain)
        if face is None:
            continue
        if groups and (
            groups[-1][1] == face or (_is_neutral(ch) and ord(ch) in coverage(groups[-1][1]))
        ):
            groups[-1][0] += ch
        else:
            # A number split by a face change ("4.5" in one face, "/5" in the next) moves
            # whole into the new run, so it stays one run that reads left to right.
            tail = _NUMBER_TAIL.search(groups[-1][0]) if groups and _is_neutral(ch) else None
            cover = coverage(face)
            if tail and tail.group(0).strip() and all(ord(c) in cover for c in tail.group(0)):
                groups[-1][0] = groups[-1][0][: tail.start()]
                if not groups[-1][0]:
                    groups.pop()
                groups.append([tail.group(0) + ch, face])
            else:
                groups.append([ch, face])
    base_rtl = paragraph_is_rtl(text)
    runs = []
    for run_text, face in groups:
        strong = [unicodedata.bidirectional(c) for c in run_text]
        rtl = any(b in ("R", "AL") for b in strong) or (base_rtl and "L" not in strong)
        runs.append(Run(run_text, face, rtl))
    return runs


def paragraph_is_rtl(text: str) -> bool:
    """Unicode's rule of thumb: the first strong character sets the paragraph direction."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


# Fonts a brand kit may pick (the brand page): Latin faces bundled in ``fonts/`` or present on
# the system, by file name, bold first (captions are bold). Display name → file name.
_BRAND_FONTS = (
    ("Noto Sans", ("NotoSans-Bold.ttf", "NotoSans-Regular.ttf")),
    ("Noto Serif", ("NotoSerif-Bold.ttf", "NotoSerif-Regular.ttf")),
    ("Noto Sans Mono", ("NotoSansMono-Bold.ttf", "NotoSansMono-Regular.ttf")),
    ("DejaVu Sans", ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")),
    ("DejaVu Serif", ("DejaVuSerif-Bold.ttf", "DejaVuSerif.ttf")),
    ("DejaVu Sans Condensed", ("DejaVuSansCondensed-Bold.ttf",)),
)


def brand_font_choices() -> dict[str, Path]:
    """The fonts a brand kit may choose from (name → file), only those found here: every
    .ttf/.otf bundled in ``fonts/`` (by file stem), then the known Latin faces above."""
    found: dict[str, Path] = {p.stem: p for p in sorted(BUNDLED_DIR.glob("*.[ot]tf"))}
    for name, files in _BRAND_FONTS:
        path = next((p for p in map(_find_file, files) if p is not None), None)
        if path is not None and name not in found:
            found[name] = path
    return found
