"""Ad services: write an ad's script and check its claims (``ad_create``), and replace it with
a user's edit (``ad_script_update``), keeping the Shots in step with the scenes.

The options an ad is made with are a ``JobOptions`` (generation/options.py), checked once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from core.errors import ApplicationError, InvalidInput
from core.vocabulary import LANGUAGES
from generation.copywriting import ad_copy_write
from generation.models import Ad, Shot
from generation.options import JobOptions
from products.models import Product
from products.services.translations import product_facts_localize, product_translations_ensure
from products.translation.state import FactsInLanguage
from templates_engine import builder, compliance, library
from templates_engine.languages import resolve_language
from templates_engine.schema import AdScript

logger = logging.getLogger(__name__)


def compliance_message(findings: list[dict], *, market: str) -> str:
    return (
        f"The ad was not rendered: its copy makes claims that ads in the {market} market may not "
        f"make. {compliance.summary(findings)}. Edit the script, or render it anyway with "
        "override_compliance."
    )


PRICE_UNCONFIRMED_MESSAGE = (
    "The ad was not rendered: the price read from the product page ({price}) is uncertain "
    "({why}). Confirm the price or set the right one (POST /api/v1/products/{id}/price/confirm/), or "
    "render anyway with override_compliance (make_ad --override-compliance)."
)


def _price_doubt_check(product: Product, override: bool | str, *, job_id=None) -> dict:
    """An ad never goes out with a price the scraper doubted and nobody confirmed: refused
    with ``price_unconfirmed`` unless the job overrides, and the override is recorded (who,
    when, which job, the price and its evidence) like a compliance override."""
    if product.price is None or not product.price_unconfirmed:
        return {}
    evidence = product.price_evidence or {}
    if not override:
        why = f"confidence {evidence.get('confidence', '?')}, read from {evidence.get('source') or 'the page'}"
        raise ApplicationError(
            PRICE_UNCONFIRMED_MESSAGE.format(price=f"{product.price} {product.currency}".strip(), why=why, id=product.id),
            code="price_unconfirmed",
        )
    return {
        "by": override if isinstance(override, str) else "",
        "at": timezone.now().isoformat(),
        "job": str(job_id) if job_id else "",
        "price": str(product.price),
        "confidence": evidence.get("confidence"),
        "source": evidence.get("source", ""),
    }


def ad_price_refuse_unconfirmed(*, product: Product, override: bool | str) -> None:
    """Refuse at once (``price_unconfirmed``) what the render would refuse for the price."""
    _price_doubt_check(product, override)


def ad_price_recheck(*, ad: Ad, override: bool | str, job_id=None) -> None:
    """A re-render checks the product's price again, the way the first render does: a price the
    scraper doubted and nobody confirmed (read again since, perhaps) is refused with
    ``price_unconfirmed`` unless this render overrides, and the override is recorded under the
    ad's ``compliance_override["price"]`` (who, when, which job, the price and its evidence)."""
    price_override = _price_doubt_check(ad.product, override, job_id=job_id)
    if price_override:
        ad.compliance_override = {**(ad.compliance_override or {}), "price": price_override}
        Ad.objects.filter(id=ad.id).update(compliance_override=ad.compliance_override)


def ad_copy_language(options: JobOptions) -> str:
    """The copy language an ad made with ``options`` is written in ("ja-JP" → "ja")."""
    return resolve_language(options.language, list(LANGUAGES))[0]


def ad_facts_translate(*, product: Product, options: JobOptions) -> None:
    """Translate the product's facts into the ad's language ahead of ``ad_create``, outside
    any transaction (a backend call can take seconds); ``ad_create`` then reads the cache."""
    product_translations_ensure(product=product, language=ad_copy_language(options))


@dataclass(frozen=True)
class AdDraft:
    """An ad's script before it is stored: the facts it was written from (in the ad's language,
    and the record of which are not), the script, and who wrote its copy (``Ad.copy``)."""

    product_data: dict[str, Any]
    in_language: FactsInLanguage
    script: AdScript
    copy: dict[str, Any]
    market: str


def ad_draft(*, product: Product, options: JobOptions) -> AdDraft:
    """Pick the template, write the script and, with ``SHOPREEL_COPYWRITER=llm``, have the model
    write its copy (``generation.copywriting``): a model call can take seconds, so the job's
    script stage drafts before it locks the job row and hands the draft to ``ad_create``."""
    ad_price_refuse_unconfirmed(product=product, override=options.override_compliance)
    # The product's own words in the ad's language (cached; see products.translation), with a
    # record of which stayed in the page's words and why.
    product_data, in_language = product_facts_localize(product=product, language=ad_copy_language(options))
    try:
        if options.template == "auto":
            template, why = library.pick_template(
                product=product_data, language=options.language, length=options.length
            )
        else:
            template, why = library.get_template(options.template), "chosen by the user"
        script = builder.build_script(
            product=product_data,
            template=template,
            language=options.language,
            length=options.length,
            seed=options.seed,
            formats=options.formats,
            why=why,
            cta=options.cta,
            platform=options.platform,
            tone=options.tone,
            variant=options.variant,
        )
    except (builder.ScriptError, library.UnknownTemplate) as exc:
        raise ApplicationError(str(exc), code="script_failed") from exc
    market = compliance.normalise_market(options.market)
    script, copy = ad_copy_write(script=script, product_data=product_data, options=options, market=market)
    return AdDraft(product_data=product_data, in_language=in_language, script=script, copy=copy, market=market)


def ad_create(
    *,
    workspace: Workspace,
    product: Product,
    options: JobOptions | Mapping[str, Any],
    job_id=None,
    draft: AdDraft | None = None,
) -> Ad:
    """Write the script, check its claims for the market and store both. ``options``: a
    JobOptions, or the user's dict (checked with ``JobOptions.from_input``). With blocking
    findings and no override the Ad is stored without shots (nothing is made or rendered);
    with an override, who let which findings through is recorded on the Ad. A product whose
    price the scraper doubted and nobody confirmed is refused (``price_unconfirmed``) unless
    overridden; that override is recorded under ``compliance_override["price"]``. The builder
    gets the product's facts in the ad's language (``products.services.translations``), and
    ``Ad.translation`` records which stayed in the page's words and why; ``Ad.copy`` records
    who wrote the copy (``ad_draft``; ``draft`` is one made earlier for the same options)."""
    if not isinstance(options, JobOptions):
        options = JobOptions.from_input(options)
    price_override = _price_doubt_check(product, options.override_compliance, job_id=job_id)
    draft = draft or ad_draft(product=product, options=options)
    product_data, script, market = draft.product_data, draft.script, draft.market
    findings = [f.as_dict() for f in compliance.check_script(script, product=product_data, market=market)]
    blocking = [f for f in findings if f["severity"] == "block"]
    override = _compliance_override(blocking, options.override_compliance, job_id=job_id)
    if price_override:
        override = {**override, "price": price_override}
    with transaction.atomic():
        ad = Ad.objects.create(
            workspace=workspace,
            product=product,
            template=script.template,
            language=script.language,
            length=script.length,
            formats=list(options.formats),
            seed=options.seed,
            script=script.model_dump(mode="json"),
            voice=options.voice,
            generative=options.generative,
            music=options.music,
            market=market,
            compliance=findings,
            compliance_override=override,
            translation=draft.in_language.record(product_id=product.id),
            copy=draft.copy,
        )
        if blocking and not override:
            logger.info("script blocked by compliance", extra={"ad_id": str(ad.id), "findings": len(blocking)})
            return ad
        Shot.objects.bulk_create(
            Shot(workspace=workspace, ad=ad, index=i, scene_id=scene.id, shot_type=scene.shot_type)
            for i, scene in enumerate(script.scenes)
        )
    return ad


def ad_script_update(*, ad: Ad, script: dict, override_compliance: bool | str = False) -> Ad:
    """Replace the Ad's script with a user's edit (scene order, captions, voice-over,
    durations, which photo a shot uses), after checking all of it.

    Errors come back together as ``InvalidInput`` whose ``detail`` maps a field path
    ("scenes.2.caption") to messages; on error nothing changes. A blocking compliance finding
    is an error unless ``override_compliance`` (True or who decided), which is then recorded.
    Shots whose picture changes (photo, shot type, camera move, duration) are made again.
    """
    from pydantic import ValidationError

    from templates_engine.schema import AdScript
    from templates_engine.textfit import fit_caption, speech_seconds

    errors: dict[str, list[str]] = {}
    try:
        parsed = AdScript.model_validate(script)
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "script"
            errors.setdefault(key, []).append(err["msg"].removeprefix("Value error, "))
        raise InvalidInput("The edited script has errors; nothing was changed.", detail=errors) from None
    if abs(parsed.length - ad.length) > 0.05:
        errors.setdefault("length", []).append(f"The ad is {ad.length:g} s long; the scenes must add up to that.")
    if parsed.language != ad.language:
        errors.setdefault("language", []).append(f"The ad is in {ad.language}; make another ad for another language.")
    image_count = ad.product.images.count()
    for i, scene in enumerate(parsed.scenes):
        if scene.image_index >= image_count:
            errors.setdefault(f"scenes.{i}.image_index", []).append(
                f"The product has {image_count} photo(s); choose 0 to {image_count - 1}."
            )
        if scene.caption and fit_caption(scene.caption, parsed.language)[1]:
            errors.setdefault(f"scenes.{i}.caption", []).append("Too long to fit on screen in two lines; shorten it.")
        if scene.badge and fit_caption(scene.badge, parsed.language, max_lines=1)[1]:
            errors.setdefault(f"scenes.{i}.badge", []).append("Too long for one line; shorten it.")
        needed = speech_seconds(scene.voiceover, parsed.language)
        if scene.voiceover and needed > scene.duration:
            errors.setdefault(f"scenes.{i}.voiceover", []).append(
                f"Takes about {needed:.1f} s to say and the scene lasts {scene.duration:.1f} s; shorten it or lengthen the scene."
            )
    product_data = ad.product.as_script_input()
    findings = [f.as_dict() for f in compliance.check_script(parsed, product=product_data, market=ad.market)]
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking and not override_compliance:
        for f in blocking:
            errors.setdefault(f["path"], []).append(
                f"{f['message']} ({f['rule']}); try: {f['suggestion']!r}" if f["suggestion"] else f"{f['message']} ({f['rule']})"
            )
    if errors:
        raise InvalidInput("The edited script has errors; nothing was changed.", detail=errors)
    new_script = parsed.model_dump(mode="json")
    with transaction.atomic():
        ad = Ad.objects.select_for_update().get(id=ad.id)
        _shots_resync(ad=ad, old=ad.script, new=new_script)
        edited = _words_edited(ad.script, new_script)
        ad.script = new_script
        ad.compliance = findings
        if edited:
            # The words are now (partly) the merchant's: who wrote them first stays on record.
            ad.copy = {**ad.copy, "edited": sorted({*ad.copy.get("edited", []), *edited})}
        if blocking:
            ad.compliance_override = _compliance_override(blocking, override_compliance)
        ad.save(update_fields=["script", "compliance", "compliance_override", "copy", "updated_at"])
    return ad


_SHOT_FIELDS = ("shot_type", "image_index", "camera_move", "duration")
_WORD_FIELDS = ("caption", "voiceover", "badge")


def _words_edited(old: dict, new: dict) -> list[str]:
    """The ids of scenes whose words (caption, voice-over, badge) the edit changed or added."""
    before = {s["id"]: s for s in old.get("scenes", [])}
    return [
        scene["id"]
        for scene in new["scenes"]
        if any((before.get(scene["id"]) or {}).get(k, "") != scene.get(k, "") for k in _WORD_FIELDS)
    ]


def _shots_resync(*, ad: Ad, old: dict, new: dict) -> None:
    """One Shot per scene, in the new order; a scene whose picture is unchanged keeps its shot."""
    old_scenes = {s["id"]: s for s in old.get("scenes", [])}
    kept = {shot.scene_id: shot for shot in ad.shots.all()}
    ad.shots.all().delete()
    shots = []
    for i, scene in enumerate(new["scenes"]):
        before, shot = old_scenes.get(scene["id"]), kept.get(scene["id"])
        same = shot is not None and before is not None and all(before.get(k) == scene.get(k) for k in _SHOT_FIELDS)
        shots.append(Shot(
            workspace_id=ad.workspace_id, ad=ad, index=i, scene_id=scene["id"], shot_type=scene["shot_type"],
            **({"state": shot.state, "backend": shot.backend, "backend_reason": shot.backend_reason,
                "asset": shot.asset, "attempts": shot.attempts} if same else {}),
        ))
    Shot.objects.bulk_create(shots)


def _compliance_override(blocking: list[dict], override: bool | str, *, job_id=None) -> dict:
    """The record of an override: who (the option's value when it names someone), when,
    from which job, and exactly which findings it let through. Empty when nothing is overridden."""
    if not blocking or not override:
        return {}
    return {
        "by": override if isinstance(override, str) else "",
        "at": timezone.now().isoformat(),
        "job": str(job_id) if job_id else "",
        "findings": blocking,
    }
