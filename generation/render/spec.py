"""What the renderer is asked to make: plain data, no Django.

The Django side (``generation.services``) turns an Ad's AdScript and its finished Shots into a
``RenderSpec`` per output format; ``generation.render.compose.render_ad_video`` turns a spec
into files. Keeping this boundary framework-free lets the renderer be tested and benchmarked
alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CameraMove = Literal["push_in", "pull_out", "pan_left", "pan_right", "ken_burns", "static"]
# What joins a scene to the next. "crossfade" (the scripts' word for "a designed move") lets
# the style preset pick one of the motion transitions; the others ask for that one.
Transition = Literal["cut", "crossfade", "slide", "push", "zoom", "whip", "wipe"]
TRANSITIONS: tuple[str, ...] = ("cut", "slide", "push", "zoom", "whip", "wipe")
# Style presets (``styles.PRESETS``); "" picks the vertical's default.
StylePreset = Literal["", "clean", "bold", "premium", "playful"]
STYLE_PRESETS: tuple[str, ...] = ("clean", "bold", "premium", "playful")
ShotType = Literal["hero", "detail", "feature", "on_model", "lifestyle", "offer", "cta"]
# "outline": bold text with a dark outline and shadow; "boxed": text on a brand-coloured box;
# "highlight": the outline style with the word being spoken in the accent colour.
CaptionStyle = Literal["outline", "boxed", "highlight"]
CAPTION_STYLES: tuple[str, ...] = ("outline", "boxed", "highlight")
# "auto": h264_nvenc when the ffmpeg in use has it and an NVIDIA device is present.
VideoEncoder = Literal["auto", "libx264", "h264_nvenc"]
VIDEO_ENCODERS: tuple[str, ...] = ("auto", "libx264", "h264_nvenc")


@dataclass(frozen=True)
class SafeZone:
    """Fractions of the frame that a platform covers with its own buttons and text."""

    top: float
    bottom: float
    left: float
    right: float


@dataclass(frozen=True)
class OutputFormat:
    name: str  # "9:16", "1:1", "4:5", "16:9"
    width: int
    height: int
    safe_zone: SafeZone


# TikTok/Reels/Shorts cover the bottom ~20% (caption, music ticker) and a right-hand column of
# buttons; feeds cover little. Values are the union of the three short-video platforms.
FORMATS: dict[str, OutputFormat] = {
    "9:16": OutputFormat(
        "9:16", 1080, 1920, SafeZone(top=0.12, bottom=0.22, left=0.06, right=0.14)
    ),
    "1:1": OutputFormat("1:1", 1080, 1080, SafeZone(top=0.06, bottom=0.08, left=0.06, right=0.06)),
    "4:5": OutputFormat("4:5", 1080, 1350, SafeZone(top=0.06, bottom=0.10, left=0.06, right=0.06)),
    "16:9": OutputFormat(
        "16:9", 1920, 1080, SafeZone(top=0.08, bottom=0.12, left=0.05, right=0.05)
    ),
}


@dataclass(frozen=True)
class MotionShot:
    """A shot made to move from the product's real photos (the ``motion`` backend).

    ``images`` are local files already validated by the importer; ``cutouts`` (same order,
    may be shorter or empty) are RGBA PNGs of the product on transparency where the photo had
    a plain background.
    """

    images: tuple[Path, ...]
    move: CameraMove = "push_in"
    cutouts: tuple[Path, ...] = ()
    background: Literal["studio", "blur"] = "studio"
    seed: int = 0


@dataclass(frozen=True)
class ClipShot:
    """A shot that is already a video file (diffusion / try-on backends)."""

    path: Path


@dataclass(frozen=True)
class SceneSpec:
    duration: float  # seconds
    shot: MotionShot | ClipShot
    shot_type: ShotType = "hero"
    caption: str = ""  # on-screen text; empty for none
    voiceover: str = ""  # spoken text; empty for none
    transition: Transition = "crossfade"  # into the next scene
    badge: str = ""  # price / offer badge text shown on offer and cta scenes, e.g. "$29.99"


@dataclass(frozen=True)
class BrandSpec:
    primary: str = "#111111"  # hex colours
    accent: str = "#FF3B5C"
    text: str = "#FFFFFF"
    logo: Path | None = None
    caption_style: CaptionStyle = "outline"
    font: Path | None = None  # a validated .ttf/.otf, first in the chain for Latin captions
    cta: str = ""  # default call to action, used on an end card whose caption is empty
    style: StylePreset = ""  # a style preset; "" = the vertical's default
    # True when the colours above are the workspace's own (a brand kit); otherwise the
    # renderer takes its palette from the product photos.
    custom_colours: bool = False


@dataclass(frozen=True)
class OfferSpec:
    """The facts the page stated that stickers may show, already formatted for the ad's
    language ("" / None / False when the page said nothing): the price, a sale's earlier
    price and discount, the rating, "new", free shipping, and the shop's name."""

    price: str = ""
    regular_price: str = ""  # only for a real sale (above ``price``)
    discount_percent: int | None = None
    rating: str = ""  # e.g. "4.7/5"
    review_count: int | None = None
    new: bool = False
    free_shipping: bool = False
    shop_name: str = ""


@dataclass(frozen=True)
class AudioSpec:
    voice: bool = True
    music: bool = True
    music_volume: float = 0.25  # linear gain of the bed before ducking
    voice_name: str = ""  # engine-specific; empty = the language's default voice
    engine: Literal["espeak", "piper", "kokoro"] = "espeak"  # text-to-speech engine
    voices_dir: str = ""  # local voice files for engines that need them (piper, kokoro)


@dataclass(frozen=True)
class RenderSpec:
    format: OutputFormat
    scenes: tuple[SceneSpec, ...]
    language: str = "en"  # BCP-47-ish code: "en", "zh-Hans", "ja", "ar", ...
    fps: int = 30
    audio: AudioSpec = field(default_factory=AudioSpec)
    brand: BrandSpec = field(default_factory=BrandSpec)
    seed: int = 0
    preset: str = "veryfast"  # libx264 preset
    crf: int = 21
    encoder: VideoEncoder = "libx264"
    offer: OfferSpec = field(default_factory=OfferSpec)
    vertical: str = ""  # the product's vertical (apparel, beauty...): picks the default style

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.scenes)


def on_screen_caption(scene: SceneSpec, brand: BrandSpec) -> str:
    """The caption a scene shows: on the end card the brand's own call to action, when the
    workspace set one, replaces the template's."""
    if scene.shot_type == "cta" and brand.cta.strip():
        return brand.cta
    return scene.caption


@dataclass(frozen=True)
class CaptionCue:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class WordTiming:
    """One spoken word: seconds from the start of its line (or of the ad, once placed)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class RenderResult:
    video: Path
    poster: Path
    srt: Path
    vtt: Path
    duration: float  # seconds, as encoded
    frames: int
    cues: tuple[CaptionCue, ...] = ()
