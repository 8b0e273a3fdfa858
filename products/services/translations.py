"""A product's facts in an ad's language: translated by the configured backend and cached
(``product_translations_ensure``), edited by the merchant (``product_translation_edit``), and
handed to the script builder (``product_facts_localize``). See ``products.translation``."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.vocabulary import LANGUAGES
from products.models import Product, ProductTranslation
from products.selectors import product_facts_state, product_page_language, translation_keep
from products.translation import engine, facts, protect, state

logger = logging.getLogger(__name__)

MAX_EDIT_CHARS = 500


def product_translations_ensure(*, product: Product, language: str) -> None:
    """Translate (and store) every fact of ``product`` whose cached translation into
    ``language`` is missing or was made from another text, and retry those that failed. No-op
    when translation is off or the page is already in ``language``. The backend is called
    outside any transaction; raises ``TranslationNotConfigured`` when switched on without what
    it needs."""
    _check_language(language)
    translator = engine.translator_from_settings()
    if translator is None or _same_language(product, language):
        return
    sources = {
        k: v
        for k, v in facts.source_facts(product.as_script_input()).items()
        if k not in facts.MACHINE_KEYS_EXCLUDE
    }
    rows = {r.key: r for r in ProductTranslation.objects.filter(product=product, language=language)}
    todo = [key for key, text in sources.items() if _stale(rows.get(key), text, translator.name)]
    if not todo:
        return
    outcomes = engine.translate_checked(
        translator,
        [sources[k] for k in todo],
        source=product_page_language(product),
        target=language,
        keep=translation_keep(product),
    )
    status = {
        engine.TRANSLATED: ProductTranslation.Status.TRANSLATED,
        engine.KEPT: ProductTranslation.Status.TRANSLATED,
        engine.REFUSED: ProductTranslation.Status.REFUSED,
        engine.FAILED: ProductTranslation.Status.FAILED,
    }
    ProductTranslation.objects.bulk_create(
        [
            ProductTranslation(
                workspace_id=product.workspace_id,
                product=product,
                language=language,
                key=key,
                source=sources[key],
                text=outcome.text if outcome.status in (engine.TRANSLATED, engine.KEPT) else "",
                status=status[outcome.status],
                reason=outcome.reason,
                backend=translator.name,
            )
            for key, outcome in zip(todo, outcomes, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["product", "language", "key"],
        # The machine part only: a merchant's edit is never overwritten.
        update_fields=["source", "text", "status", "reason", "backend", "updated_at"],
    )
    refused = [
        (k, o.reason)
        for k, o in zip(todo, outcomes, strict=True)
        if o.status in (engine.REFUSED, engine.FAILED)
    ]
    logger.info(
        "product facts translated",
        extra={
            "product_id": str(product.id),
            "language": language,
            "backend": translator.name,
            "asked": len(todo),
            "not_translated": len(refused),
        },
    )


def product_facts_localize(
    *, product: Product, language: str
) -> tuple[dict, state.FactsInLanguage]:
    """``product.as_script_input()`` with its facts in ``language`` (translating what is not
    cached yet), and the state of each fact (for ``Ad.translation`` and its warning)."""
    product_translations_ensure(product=product, language=language)
    current = product_facts_state(product=product, language=language)
    return facts.apply_texts(product.as_script_input(), current.texts), current


def product_translation_edit(
    *, product: Product, language: str, texts: dict[str, str | None], by: str = ""
) -> None:
    """Set the merchant's words for some facts in ``language`` (``{key: text}``; "" or None
    removes the edit, so the machine translation or the page's words are used again).

    Each key must be one of the product's facts now; each text one line of at most
    ``MAX_EDIT_CHARS`` characters that keeps the page's figures and names (prices, numbers
    with units, brand, model names) exactly. Errors come back together (``InvalidInput``,
    ``detail`` by key) and nothing changes."""
    _check_language(language)
    sources = facts.source_facts(product.as_script_input())
    keep = translation_keep(product)
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for key, text in texts.items():
        if key not in sources:
            errors.setdefault(key, []).append(
                f"Not one of the product's facts; they are: {', '.join(sources) or 'none'}."
            )
            continue
        if text is not None and not isinstance(text, str):
            errors.setdefault(key, []).append("Give text, or null to remove the edit.")
            continue
        words = " ".join((text or "").split())
        if len(words) > MAX_EDIT_CHARS:
            errors.setdefault(key, []).append(f"At most {MAX_EDIT_CHARS} characters.")
        elif words and (problems := protect.check(sources[key], words, keep=keep)):
            errors.setdefault(key, []).append(
                "Keep the page's figures and names exactly as it writes them: "
                + "; ".join(problems)
                + "."
            )
        clean[key] = words
    if errors:
        raise InvalidInput(
            "Some translations could not be saved; nothing was changed.", detail=errors
        )
    now = timezone.now()
    with transaction.atomic():
        rows = {
            r.key: r
            for r in ProductTranslation.objects.select_for_update()
            .filter(product=product, language=language, key__in=list(clean))
            .order_by("pk")
        }
        for key, words in clean.items():
            row = rows.get(key)
            if row is None:
                if not words:
                    continue
                row = ProductTranslation(
                    workspace_id=product.workspace_id,
                    product=product,
                    language=language,
                    key=key,
                    source=sources[key],
                )
            row.edited_text = words
            row.edited_source = sources[key] if words else ""
            row.edited_by = by[:200] if words else ""
            row.edited_at = now if words else None
            row.save()


def _stale(row: ProductTranslation | None, source: str, backend: str) -> bool:
    if row is None or row.source != source:
        return True
    if row.status == ProductTranslation.Status.TRANSLATED:
        return False
    if row.status == ProductTranslation.Status.REFUSED:
        return row.backend != backend  # the same backend would refuse the same text again
    return True  # failed (try again) or never translated


def _same_language(product: Product, language: str) -> bool:
    return product_page_language(product) == language


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(
            f"Translations are kept per ad language: {', '.join(LANGUAGES)}; not {language!r}.",
            code="unsupported_language",
        )
