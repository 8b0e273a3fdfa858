"""The shape of a template file (``library/<vertical>/<structure>.yaml``), checked with pydantic.

A template is data: which scenes, in what order, how much of the ad each gets, and the copy
for each language as sandboxed Jinja. Everything that can be checked without a product is
checked here, at load time, so a broken file never reaches a render.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from templates_engine import sandbox
from templates_engine.schema import MIN_SCENE_SECONDS, CameraMove, ShotType, Transition

TEMPLATE_VERTICALS = (
    "apparel", "beauty", "electronics", "home", "food", "jewellery",
    "sports", "toys", "pets", "generic",
)
Vertical = Literal[
    "apparel", "beauty", "electronics", "home", "food", "jewellery",
    "sports", "toys", "pets", "generic",
]
Tone = Literal["friendly", "energetic", "premium", "playful"]
TONES: tuple[str, ...] = get_args(Tone)
MAX_SCENE_SECONDS = 30.0
FPS = 30


class CopyDef(BaseModel):
    """One language's copy for one scene. Each string is a sandboxed Jinja template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    caption: str = ""
    voiceover: str = ""
    badge: str = ""
    # A variant may be written for a tone; the builder prefers variants of the requested
    # tone and otherwise chooses among all of them.
    tone: Tone | None = None

    @field_validator("caption", "voiceover", "badge")
    @classmethod
    def _safe_template(cls, value: str) -> str:
        sandbox.check_source(value)
        return value

    def variables(self) -> frozenset[str]:
        return sandbox.variables(self.caption) | sandbox.variables(self.voiceover)


class SceneDef(BaseModel):
    """One scene. ``copy`` maps a language to one copy or to variants the seed chooses among.

    ``fallback`` is used, per language, when the product lacks what ``copy`` needs (a price,
    a sale, a feature); without one such a scene is dropped. ``min_length`` leaves the scene
    out of ads shorter than that, which is how one template serves 6 s and 60 s.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    shot_type: ShotType
    share: float = Field(gt=0, le=100)
    camera_move: CameraMove = "push_in"
    transition: Transition = "crossfade"
    image: int | Literal["next"] = "next"
    min_length: float = Field(default=0, ge=0)
    copy_: dict[str, CopyDef | list[CopyDef]] = Field(alias="copy")
    fallback: dict[str, CopyDef] = Field(default_factory=dict)

    @field_validator("image")
    @classmethod
    def _non_negative(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 0:
            raise ValueError("image index must be 0 or more, or 'next'")
        return value

    @field_validator("copy_")
    @classmethod
    def _variants_not_empty(cls, value: dict[str, CopyDef | list[CopyDef]]):
        for lang, copy in value.items():
            if isinstance(copy, list) and not copy:
                raise ValueError(f"copy for {lang!r} is an empty list of variants")
        return value

    @field_validator("fallback")
    @classmethod
    def _fallback_needs_nothing(cls, value: dict[str, CopyDef]) -> dict[str, CopyDef]:
        # The rating is allowed: a template that states it needs it (checked on the template).
        optional = sandbox.PRICE_VARS | sandbox.SALE_VARS | sandbox.FEATURE_VARS | sandbox.REVIEW_VARS
        for lang, copy in value.items():
            used = copy.variables() & optional
            if used:
                raise ValueError(
                    f"fallback copy for {lang!r} uses {', '.join(sorted(used))}, which the "
                    "product may lack; a fallback may use only data every product has"
                )
        return value

    def all_variables(self) -> frozenset[str]:
        copies = [v for lang in self.copy_ for v in self.variants(lang)] + list(self.fallback.values())
        return frozenset().union(*(c.variables() | sandbox.variables(c.badge) for c in copies))

    def variants(self, language: str) -> list[CopyDef]:
        copy = self.copy_[language]
        return copy if isinstance(copy, list) else [copy]


class Needs(BaseModel):
    """What a product must have. ``price``/``sale`` are hard (the builder refuses without
    them); ``min_images``/``min_features`` steer the picker only (the builder cycles images
    and drops feature scenes it cannot fill)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_images: int = Field(default=1, ge=1)
    min_features: int = Field(default=0, ge=0)
    price: bool = False
    sale: bool = False
    # The page must state a rating (aggregateRating): social proof cites it, never invents one.
    rating: bool = False


class TemplateDef(BaseModel):
    """A marketing template for one vertical and one story structure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    vertical: Vertical
    structure: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$")
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    rank: int = 100  # lower wins when several templates fit equally well
    lengths: list[float] = Field(min_length=1)
    languages: list[str] = Field(min_length=1)
    needs: Needs = Needs()
    scenes: list[SceneDef] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> TemplateDef:
        expected = f"{self.vertical}-{self.structure.replace('_', '-')}"
        if self.slug != expected:
            raise ValueError(f"slug must be {expected!r} (vertical-structure), not {self.slug!r}")
        ids = [s.id for s in self.scenes]
        if len(set(ids)) != len(ids):
            raise ValueError(f"scene ids must be unique: {ids}")
        for scene in self.scenes:
            missing = [lang for lang in self.languages if lang not in scene.copy_]
            if missing:
                raise ValueError(f"scene {scene.id!r} has no copy for {', '.join(missing)}")
        rated = [s.id for s in self.scenes if s.all_variables() & sandbox.RATING_VARS]
        if rated and not self.needs.rating:
            raise ValueError(
                f"scene(s) {', '.join(rated)} state the rating; declare needs: {{rating: true}} "
                "so products without a rating on their page are refused"
            )
        for length in self.lengths:
            self._check_length(length)
        return self

    def _check_length(self, length: float) -> None:
        if abs(length * FPS - round(length * FPS)) > 1e-6:
            raise ValueError(f"length {length} is not a whole number of frames at {FPS} fps")
        count = len(self.scenes_for(length))
        if count == 0:
            raise ValueError(f"no scene is included at {length:g} s")
        if count * MIN_SCENE_SECONDS > length or count * MAX_SCENE_SECONDS < length:
            raise ValueError(
                f"{count} scenes cannot share {length:g} s with each between "
                f"{MIN_SCENE_SECONDS:g} and {MAX_SCENE_SECONDS:g} s"
            )

    def scenes_for(self, length: float) -> list[SceneDef]:
        """The scenes an ad of ``length`` seconds includes, in order."""
        return [s for s in self.scenes if s.min_length <= length + 1e-9]

    def supports_length(self, length: float) -> bool:
        """Declared lengths are the ones written and tested for; any length between the
        shortest and the longest works, because scene shares scale."""
        return min(self.lengths) - 1e-9 <= length <= max(self.lengths) + 1e-9
