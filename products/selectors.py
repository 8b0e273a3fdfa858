from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Workspace
from accounts.selectors import scoped_get
from products.models import ImportBatch, ImportBatchRow, Product, ProductImage, ProductTranslation


def products_for_workspace(*, workspace: Workspace) -> QuerySet[Product]:
    return Product.objects.filter(workspace=workspace).prefetch_related("images")


# The product list's state filter, as its badges read (products/studio/_status.html).
PRODUCT_STATES = {
    "ready": "Ready",
    "incomplete": "Needs completing",
    "failed": "Could not be read",
    "reading": "Reading",
}


def products_search(*, workspace: Workspace, query: str = "", state: str = "") -> QuerySet[Product]:
    """The workspace's products, newest first, whose title, brand or link contains ``query``
    (any case), in ``state`` (a PRODUCT_STATES key; anything else: all). The search scans one
    workspace's rows through the product_ws_created index; no text index."""
    products = products_for_workspace(workspace=workspace)
    if query := query.strip():
        products = products.filter(
            Q(title__icontains=query) | Q(brand__icontains=query) | Q(source_url__icontains=query)
        )
    imported, has_title = Q(status=Product.Status.IMPORTED), ~Q(title="")
    if state == "ready":
        products = products.filter(imported, has_title, price__isnull=False)
    elif state == "incomplete":
        products = products.filter(
            Q(status=Product.Status.PARTIAL) | (imported & (Q(price__isnull=True) | Q(title="")))
        )
    elif state == "failed":
        products = products.filter(status=Product.Status.FAILED)
    elif state == "reading":
        products = products.filter(status=Product.Status.PENDING)
    return products


def product_get(*, workspace: Workspace, product_id) -> Product:
    return scoped_get(products_for_workspace(workspace=workspace), object_id=product_id, label="Product")


def import_batches_for_workspace(*, workspace: Workspace) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(workspace=workspace)


def import_batch_get(*, workspace: Workspace, batch_id) -> ImportBatch:
    """One batch with its rows (at most SHOPREEL_CATALOG_MAX_ROWS), in input order."""
    rows = Prefetch("rows", queryset=ImportBatchRow.objects.select_related("product").order_by("position"))
    return scoped_get(
        import_batches_for_workspace(workspace=workspace).prefetch_related(rows), object_id=batch_id, label="Batch"
    )


def product_image_get(*, workspace: Workspace, product_id, image_id) -> ProductImage:
    """One photo of one of the workspace's products; any other answers NotFound."""
    product = product_get(workspace=workspace, product_id=product_id)
    return scoped_get(ProductImage.objects.filter(workspace=workspace, product=product), object_id=image_id,
                      label="Photo")


def product_image_for_link(*, workspace_id, image_id) -> ProductImage | None:
    """The photo a signed media link names (accounts/media_links.py), or None when it is gone
    or belongs to another workspace."""
    return ProductImage.objects.filter(workspace_id=workspace_id, id=image_id).first()


# ------------------------------------------------------------------ facts in an ad's language


def product_translations_get(*, workspace: Workspace, product_id, language: str):
    """One of the workspace's products and its facts in ``language`` (``FactsInLanguage``):
    each fact's words, where they come from and any warning. Reads only: nothing is translated."""
    product = product_get(workspace=workspace, product_id=product_id)
    return product, product_facts_state(product=product, language=language)


def product_facts_state(*, product: Product, language: str):
    """Every fact of an already scoped ``product`` in ``language``, from the cache and the edits."""
    from core.errors import InvalidInput
    from core.vocabulary import LANGUAGES
    from products.translation import facts, state
    if language not in LANGUAGES:
        raise InvalidInput(
            f"Translations are kept per ad language: {', '.join(LANGUAGES)}; not {language!r}.",
            code="unsupported_language",
        )
    rows = {r.key: r for r in ProductTranslation.objects.filter(product=product, language=language)}
    sources = facts.source_facts(product.as_script_input())
    page = product_page_language(product)
    return state.resolve(
        language=language,
        source_language=page,
        sources=sources,
        rows=rows,
        backend=translation_backend_name(),
        same_language=page == language,
        keep=translation_keep(product),
    )


def product_page_language(product: Product) -> str:
    """The copy language the product's words are in: the page's ``lang``, else a guess from
    their script (``products.translation.languages.page_language``)."""
    from products.translation import facts
    from products.translation.languages import page_language

    return page_language(product.language, list(facts.source_facts(product.as_script_input()).values()))


def translation_keep(product: Product) -> tuple[str, ...]:
    """Names a translation of this product must carry over as written: its brand."""
    return (product.brand,) if product.brand.strip() else ()


def translation_backend_name() -> str:
    """The configured backend as translations record it: "none", "llm:<model>", "local:<folder>"."""
    from pathlib import Path

    from django.conf import settings

    mode = settings.SHOPREEL_TRANSLATION
    if mode == "llm":
        return f"llm:{settings.SHOPREEL_LLM_MODEL}"[:80]
    if mode == "local":
        return f"local:{Path(settings.SHOPREEL_TRANSLATION_MODEL_DIR).name}"[:80]
    return "none"
