"""The template library: load the YAML files, look templates up, pick one for a product.

Files live in ``library/<vertical>/<structure>.yaml``. They are validated once per process
(``load_templates`` is cached); a bad file raises ``TemplateLoadError`` naming the file and
the field, so a broken template stops start-up instead of a customer's render. The validated
library is also kept on disk (``library_cache``: keyed by the files' and the code's digest),
so a new process reads it in milliseconds instead of parsing it again.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from templates_engine import library_cache
from templates_engine.context import ProductFacts, product_facts
from templates_engine.definitions import TEMPLATE_VERTICALS, TemplateDef
from templates_engine.errors import ScriptError, TemplateLoadError, UnknownTemplate
from templates_engine.languages import resolve_language

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
GENERIC = "generic"
# Structures that only make sense for a product on sale; preferred when there is one.
SALE_STRUCTURES = frozenset({"offer_urgency"})
# Structures that lead with the page's rating; preferred when the rating is strong
# (``ProductFacts.strong_rating``), ranked last when it is weak.
SOCIAL_STRUCTURES = frozenset({"social_proof"})


def load_template_file(path: Path) -> TemplateDef:
    """Parse and validate one file; errors name the file and the dotted field path."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateLoadError(str(path), [f"cannot read YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise TemplateLoadError(str(path), ["the file must hold a mapping of template fields"])
    try:
        template = TemplateDef.model_validate(data)
    except ValidationError as exc:
        raise TemplateLoadError(str(path), _problems(exc)) from exc
    folder, stem = path.parent.name, path.stem
    if (folder, stem) != (template.vertical, template.structure):
        raise TemplateLoadError(
            str(path),
            [
                f"vertical/structure: file is {folder}/{stem}.yaml but declares "
                f"{template.vertical}/{template.structure}"
            ],
        )
    return template


# Error types pydantic adds for the union branch that was not meant ("copy" is one mapping
# or a list of variants); when a real error exists they are noise.
_BRANCH_NOISE = {"list_type", "model_type", "dict_type"}


def _problems(exc: ValidationError) -> list[str]:
    """Pydantic errors as "dotted.field: message", without union-branch noise."""
    errors = exc.errors()
    real = [e for e in errors if e["type"] not in _BRANCH_NOISE] or errors
    out = []
    for err in real:
        loc = [
            str(p) for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p == "CopyDef"))
        ]
        out.append(f"{'.'.join(loc) or '(top level)'}: {err['msg']}")
    return out


def load_library(directory: Path) -> dict[str, TemplateDef]:
    """Every template under ``directory``, by slug, in a stable order."""
    templates: dict[str, TemplateDef] = {}
    for path in sorted(directory.glob("*/*.yaml")):
        template = load_template_file(path)
        if template.slug in templates:
            raise TemplateLoadError(str(path), [f"slug: {template.slug!r} is used twice"])
        templates[template.slug] = template
    return templates


@lru_cache(maxsize=1)
def load_templates() -> dict[str, TemplateDef]:
    """The shipped library (cached for the process and on disk; the dict must not be mutated)."""
    return library_cache.load_cached(LIBRARY_DIR, load_library, library_cache.cache_dir())


def get_template(slug: str) -> TemplateDef:
    templates = load_templates()
    try:
        return templates[slug]
    except KeyError:
        raise UnknownTemplate(slug, sorted(templates)) from None


def pick_template(
    *, product: dict[str, Any], language: str, length: float
) -> tuple[TemplateDef, str]:
    """Choose a template for ``product`` and say why in plain words. Deterministic.

    The product's vertical first ("other" or an unknown one → generic), keeping templates
    that speak ``language``, fit ``length`` and whose needs the product meets; a product on
    sale prefers an offer structure; ties go to the template's ``rank`` then its slug. If the
    vertical has nothing that fits, generic templates are used. ``ScriptError`` when nothing fits.
    """
    facts = product_facts(product)
    raw_vertical = str(product.get("vertical") or "other")
    vertical = raw_vertical if raw_vertical in TEMPLATE_VERTICALS else GENERIC
    templates = load_templates()

    def fits(t: TemplateDef) -> bool:
        try:
            resolve_language(language, t.languages)
        except LookupError:
            return False
        return (
            t.supports_length(length)
            and (facts.price is not None or not t.needs.price)
            and (facts.has_sale or not t.needs.sale)
            and (facts.rating is not None or not t.needs.rating)
        )

    def score(t: TemplateDef) -> tuple:
        on_sale_offer = facts.has_sale and t.structure in SALE_STRUCTURES
        enough_images = facts.image_count >= t.needs.min_images
        enough_features = len(facts.features) >= t.needs.min_features
        social = t.structure in SOCIAL_STRUCTURES
        return (
            not on_sale_offer,
            not enough_images,
            not enough_features,
            not (social and facts.strong_rating),
            social,
            t.rank,
            t.slug,
        )

    for candidate_vertical in dict.fromkeys([vertical, GENERIC]):
        fitting = sorted(
            (t for t in templates.values() if t.vertical == candidate_vertical and fits(t)),
            key=score,
        )
        if fitting:
            chosen = fitting[0]
            return chosen, _reason(chosen, raw_vertical, vertical, facts, language, length)
    available = sorted({lang for t in templates.values() for lang in t.languages})
    raise ScriptError(
        f"no template fits a {length:g} s ad in {language!r} for this product; templates "
        f"are written in {', '.join(available)} for lengths "
        f"{min(min(t.lengths) for t in templates.values()):g} to {max(max(t.lengths) for t in templates.values()):g} s"
    )


def _reason(
    t: TemplateDef,
    raw_vertical: str,
    vertical: str,
    facts: ProductFacts,
    language: str,
    length: float,
) -> str:
    structure, on_sale = t.structure, facts.has_sale
    if t.vertical == GENERIC and raw_vertical not in (GENERIC, "other") and vertical != GENERIC:
        subject = (
            f"no {raw_vertical} template fits a {length:g} s ad in {language}, so the generic one"
        )
        return f"{subject} → {structure}"
    if t.vertical == GENERIC:
        kind = (
            "product of another kind"
            if raw_vertical in ("other", GENERIC)
            else f"{raw_vertical!r} product"
        )
        subject = f"{kind} (no vertical template)"
    else:
        subject = f"{t.vertical} product"
    if on_sale and structure in SALE_STRUCTURES:
        return f"{subject} with a sale price → {structure}"
    if structure in SOCIAL_STRUCTURES and facts.strong_rating:
        return (
            f"{subject} rated {facts.rating.normalize():f}/{facts.rating_scale.normalize():f} from {facts.review_count} "
            f"reviews → {structure}"
        )
    return f"{subject} → {structure} ({t.name})"
