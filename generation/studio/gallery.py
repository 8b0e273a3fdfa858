"""The template gallery for one product: the templates of its vertical (and the generic ones),
each previewed with the script it would write for *this* product, and the picker's default with
its reason in plain words.

The preview is not a rendered frame: it is the product's own photo for the template's first
scene with that scene's real caption over it, and the template's scene plan. A real still
would cost a render per template per visit; the builder's script costs about a millisecond and
says exactly what the ad will say. A template that cannot make this ad (a sale offer for a
product with no sale, a social proof without a rating) is shown with the builder's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from templates_engine import builder, library
from templates_engine.definitions import TEMPLATE_VERTICALS
from templates_engine.errors import ScriptError

GENERIC = "generic"


@dataclass(frozen=True)
class TemplateCard:
    slug: str
    name: str
    description: str
    structure: str
    recommended: bool
    problem: str = ""  # why this template cannot make this ad ("" when it can)
    hook: str = ""  # the first scene's caption for this product
    image_index: int = 0  # the photo the first scene shows
    scenes: tuple[str, ...] = ()  # shot types, in order

    @property
    def fits(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Gallery:
    cards: list[TemplateCard] = field(default_factory=list)
    default: str = ""  # the picker's choice ("" when nothing fits)
    why: str = ""  # why the picker chose it, or why nothing fits


def template_gallery(*, product: dict, language: str, length: float) -> Gallery:
    """``product``: ``Product.as_script_input()``. The recommended template first, then the
    others that fit (by the picker's rank), then those that do not, each with its reason."""
    try:
        default, why = library.pick_template(product=product, language=language, length=length)
        default_slug = default.slug
    except ScriptError as exc:
        default_slug, why = "", str(exc)
    raw = str(product.get("vertical") or "other")
    vertical = raw if raw in TEMPLATE_VERTICALS else GENERIC
    cards = []
    for template in library.load_templates().values():
        if template.vertical not in (vertical, GENERIC):
            continue
        card = dict(
            slug=template.slug,
            name=template.name,
            description=template.description,
            structure=template.structure,
            recommended=template.slug == default_slug,
        )
        try:
            script = builder.build_script(
                product=product, template=template, language=language, length=length
            )
        except ScriptError as exc:
            cards.append(TemplateCard(**card, problem=str(exc)))
            continue
        first = script.scenes[0]
        cards.append(
            TemplateCard(
                **card,
                hook=first.caption or first.voiceover,
                image_index=first.image_index,
                scenes=tuple(s.shot_type for s in script.scenes),
            )
        )
    templates = library.load_templates()
    cards.sort(
        key=lambda c: (
            not c.recommended,
            not c.fits,
            templates[c.slug].vertical != vertical,
            templates[c.slug].rank,
            c.slug,
        )
    )
    return Gallery(cards=cards, default=default_slug, why=why)
