"""The AdScript: a versioned, validated description of one ad, stored as JSON on the Ad.

Framework-free (pydantic only). The builder (``templates_engine.builder``) makes one from a
product and a template; users may edit it; ``AdScript.model_validate`` checks it again.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1

ShotType = Literal["hero", "detail", "feature", "on_model", "lifestyle", "offer", "cta"]
CameraMove = Literal["push_in", "pull_out", "pan_left", "pan_right", "ken_burns", "static"]
Transition = Literal["cut", "crossfade"]

# A scene shorter than this cannot show a caption long enough to read.
MIN_SCENE_SECONDS = 1.0


class Scene(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    shot_type: ShotType
    duration: float = Field(ge=MIN_SCENE_SECONDS, le=30)
    camera_move: CameraMove = "push_in"
    image_index: int = Field(default=0, ge=0)  # which product image the shot uses
    caption: str = Field(default="", max_length=160)
    voiceover: str = Field(default="", max_length=400)
    transition: Transition = "crossfade"
    badge: str = Field(default="", max_length=40)


class AdScript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = SCHEMA_VERSION
    template: str
    vertical: str
    structure: str  # e.g. "feature_showcase", "problem_solution"
    language: str = "en"
    length: float = Field(gt=0, le=120)  # seconds; the scenes' durations sum to it
    seed: int = 0
    cta: str = ""
    scenes: list[Scene] = Field(min_length=1, max_length=20)
    variant: int = Field(default=0, ge=0)  # which of N variants (hook and scene order) this is
    platform: str = ""  # the platform it was written for (tiktok, reels, shorts...), "" for any
    tone: str = ""  # the tone asked for ("" = the template's own)
    why: str = ""  # why the picker chose this template, in plain words
    # What the builder changed to keep the ad true and readable (a scene dropped for want of
    # a price, a caption cut short...), in plain words, for the editor to show.
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _durations_sum_to_length(self) -> AdScript:
        total = sum(s.duration for s in self.scenes)
        if abs(total - self.length) > 0.05:
            raise ValueError(
                f"scene durations add up to {total:.2f} s but the script length is {self.length:.2f} s"
            )
        ids = [s.id for s in self.scenes]
        if len(set(ids)) != len(ids):
            raise ValueError("scene ids must be unique")
        return self
