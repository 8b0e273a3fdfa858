"""Turn a stored Ad (its AdScript and finished Shots) into the renderer's RenderSpec."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from accounts.models import BrandKit
from accounts.selectors import brand_kit_for
from generation.backends.base import ShotAsset
from generation.models import Ad, Shot
from generation.render.spec import (
    FORMATS,
    AudioSpec,
    BrandSpec,
    ClipShot,
    MotionShot,
    RenderSpec,
    SceneSpec,
)
from templates_engine.schema import AdScript


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def shot_to_render(asset: ShotAsset) -> ClipShot | MotionShot:
    """The renderer's shot from a made shot's asset (paths resolved under MEDIA_ROOT)."""
    if asset.kind == "clip":
        return ClipShot(path=media_path(asset.path))
    return MotionShot(
        images=tuple(media_path(name) for name in asset.images),
        cutouts=tuple(media_path(name) for name in asset.cutouts),
        move=asset.move,
        background=asset.background,
        seed=asset.seed,
    )


def brand_spec_for(kit: BrandKit | None) -> BrandSpec:
    """The renderer's brand options from a workspace's brand kit (defaults without one)."""
    if kit is None:
        return BrandSpec()
    return BrandSpec(
        primary=kit.primary_color,
        accent=kit.accent_color,
        text=kit.text_color,
        logo=media_path(kit.logo.name) if kit.logo else None,
        caption_style=kit.caption_style,
        font=media_path(kit.font.name) if kit.font else None,
        cta=kit.cta_text,
    )


def render_spec_for(*, ad: Ad, shots: list[Shot], format_name: str) -> RenderSpec:
    script = AdScript.model_validate(ad.script)
    by_scene = {shot.scene_id: shot for shot in shots}
    scenes = []
    for scene in script.scenes:
        shot = by_scene[scene.id]
        scenes.append(
            SceneSpec(
                duration=scene.duration,
                shot=shot_to_render(ShotAsset.from_json(shot.asset)),
                shot_type=scene.shot_type,
                caption=scene.caption,
                voiceover=scene.voiceover,
                transition=scene.transition,
                badge=scene.badge,
            )
        )
    return RenderSpec(
        format=FORMATS[format_name],
        scenes=tuple(scenes),
        language=script.language,
        audio=AudioSpec(
            voice=ad.voice,
            music=ad.music,
            engine=settings.SHOPREEL_TTS_ENGINE,
            voices_dir=settings.SHOPREEL_PIPER_VOICES_DIR,
        ),
        seed=ad.seed,
        preset=settings.SHOPREEL_RENDER_PRESET,
        brand=brand_spec_for(brand_kit_for(workspace=ad.workspace)),
        encoder=settings.SHOPREEL_VIDEO_ENCODER,
    )
