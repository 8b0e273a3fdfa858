"""Importing one product from its page: create it pending, read the page and photos, apply
what was read, record a failure in plain words. Queued by the API (import, re-read) and run by
the ``products.import_product`` task; run in-process by the command line and ``make_ad``."""

from __future__ import annotations

import contextlib
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from core.errors import ApplicationError, Conflict, InvalidInput, ScrapeError
from core.fetch import SafeFetcher
from products import events as product_events
from products.models import Product
from products.scraping.browser import BrowserRenderer
from products.scraping.types import ExtractedProduct
from products.services import photos
from products.services.pages import browser_build, fetcher_build, page_extract, page_fetch
from products.services.queueing import IMPORT_PRODUCT_TASK, task_queue_on_commit

logger = logging.getLogger(__name__)


def product_create_pending(*, workspace: Workspace, url: str) -> Product:
    return Product.objects.create(workspace=workspace, source_url=url[:2000])


def product_scrape(
    *, product: Product, fetcher: SafeFetcher | None = None,
    browser: BrowserRenderer | bool | None = True,
) -> Product:
    """Read the product's page and photos. On failure the product records a plain-words error
    (``status`` failed or partial) and an ``ApplicationError`` with the same message is raised.
    What was read before the failure is kept. ``browser=True`` uses this worker's warm
    browser when the static page lacks the product (and the setting allows it); ``False``
    never does."""
    fetcher = fetcher or fetcher_build()
    renderer = browser_build() if browser is True else (browser or None)
    try:
        page = page_fetch(fetcher=fetcher, url=product.source_url)
        extracted = page_extract(page=page, fetcher=fetcher, browser=renderer)
    except ScrapeError as exc:
        _product_fail(product=product, code=exc.code, message=exc.message, status=Product.Status.FAILED)
        raise ApplicationError(exc.message, code=exc.code) from exc
    except Exception as exc:  # a page no rule foresaw: the product must not stay "pending"
        _product_crash(product=product, exc=exc)

    try:
        with transaction.atomic():  # a value the database refuses rolls back this step only
            product_apply_extracted(product=product, extracted=extracted)
        # Through the module, so a test may replace the download (tests/api/test_schemathesis.py).
        kept = photos.product_images_download(product=product, urls=extracted.images, fetcher=fetcher)
    except (ApplicationError, ScrapeError):
        raise
    except Exception as exc:
        product.refresh_from_db()
        _product_crash(product=product, exc=exc)
    if kept == 0:
        message = (
            "No usable product photo was found on the page "
            f"({len(extracted.images)} image link(s) tried). Add photos by hand to make an ad."
        )
        _product_fail(product=product, code="no_image", message=message, status=Product.Status.PARTIAL)
        raise ApplicationError(message, code="no_image")

    product.status = Product.Status.IMPORTED
    product.error_code = product.error = ""
    product.updated_at = timezone.now()
    with transaction.atomic():
        # Conditional, so of two runs of one import (a redelivered task) one emits the webhook.
        finished = Product.objects.filter(pk=product.pk).exclude(status=Product.Status.IMPORTED).update(
            status=product.status, error_code="", error="", updated_at=product.updated_at
        )
        if finished:
            product_events.product_imported(product=product)
    logger.info("product imported", extra={"product_id": str(product.id), "images": kept})
    return product


# What a fact set by hand keeps besides itself when the page is read again: a price the merchant
# set stays confirmed, with the evidence it was confirmed against.
_KEPT_WITH = {"price": ("price_evidence", "price_needs_confirmation", "price_confirmed_at", "price_confirmed_by")}


def product_apply_extracted(*, product: Product, extracted: ExtractedProduct) -> Product:
    """Store what was read from the page, except the facts the merchant set by hand
    (``edited_fields``): those are kept."""
    kept = {name: getattr(product, name) for name in product.edited_fields
            for name in (name, *_KEPT_WITH.get(name, ())) if hasattr(product, name)}
    product.title = extracted.title[:300]
    product.brand = extracted.brand[:120]
    product.price = _money(extracted.price)
    product.currency = extracted.currency[:3]
    product.regular_price = _money(extracted.regular_price)
    product.description = extracted.description
    product.features = list(extracted.features)
    product.availability = extracted.availability[:20]
    product.sku = extracted.sku[:100]
    product.language = extracted.language[:20]
    product.vertical = extracted.vertical
    product.breadcrumbs = list(extracted.breadcrumbs)
    product.image_urls = list(extracted.images)
    product.scrape_sources = list(extracted.sources)
    product.variants = list(extracted.variants)
    product.fetched_with = extracted.fetched_with
    product.rating = extracted.rating
    product.rating_scale = extracted.rating_scale if extracted.rating is not None else None
    product.review_count = extracted.review_count if extracted.rating is not None else None
    product.price_evidence = dict(extracted.price_evidence)
    product.price_needs_confirmation = extracted.price_needs_confirmation
    product.price_confirmed_at = None  # a price read again is confirmed again
    product.price_confirmed_by = ""
    for name, value in kept.items():
        setattr(product, name, value)
    product.save()
    return product


def product_price_confirm(
    *, product: Product, by: str, price: Decimal | None = None, regular_price: Decimal | None = None
) -> Product:
    """The merchant confirms the price the scraper read, or sets another (e.g. one of the
    amounts in ``price_evidence["rejected"]``), and optionally the regular price. Records who
    and when; the product's ads may then be rendered with it."""
    if product.status == Product.Status.PENDING:
        raise Conflict("The product is being read: confirm its price once it is done.", code="product_busy")
    if price is None and product.price is None:
        raise InvalidInput("The product has no price to confirm: give one.", code="price_missing")
    fields = ["price_confirmed_at", "price_confirmed_by", "updated_at"]
    if price is not None:
        product.price = _money(price)
        fields.append("price")
    if regular_price is not None:
        product.regular_price = _money(regular_price)
        fields.append("regular_price")
    if product.regular_price is not None and product.regular_price <= product.price:
        if regular_price is not None:
            raise InvalidInput("The regular price must be higher than the price.", code="invalid_regular_price")
        product.regular_price = None  # the confirmed price is no sale from the old regular one
        fields.append("regular_price")
    product.price_confirmed_at = timezone.now()
    product.price_confirmed_by = by[:200]
    product.save(update_fields=fields)
    return product


def _product_fail(*, product: Product, code: str, message: str, status: str) -> None:
    product.status = status
    product.error_code = code[:40]
    product.error = message
    product.save(update_fields=["status", "error_code", "error", "updated_at"])


SCRAPE_CRASHED = (
    "Shopreel could not read this page: it holds something our reader does not handle. We have "
    "logged it. Enter the product by hand, or try again later."
)


def _product_crash(*, product: Product, exc: Exception) -> None:
    """Record an unforeseen failure in plain words (the trace goes to the log) and raise it as
    an ``ApplicationError``, so no product is left pending by a bug or a hostile page."""
    logger.exception("product read crashed", extra={"product_id": str(product.id)})
    _product_fail(product=product, code="scrape_crashed", message=SCRAPE_CRASHED, status=Product.Status.FAILED)
    raise ApplicationError(SCRAPE_CRASHED, code="scrape_crashed") from exc


def _money(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal("0.01"))


def product_import(*, workspace: Workspace, url: str, fetcher: SafeFetcher | None = None) -> Product:
    """Create the product, then read it. The row stays (with its error) when reading fails."""
    product = product_create_pending(workspace=workspace, url=url)
    return product_scrape(product=product, fetcher=fetcher)


def product_import_start(*, workspace: Workspace, url: str) -> Product:
    """Create the product (pending) and queue reading its page once the row is committed
    (the API's path; a worker runs :func:`product_import_run`)."""
    product = product_create_pending(workspace=workspace, url=url)
    task_queue_on_commit(name=IMPORT_PRODUCT_TASK, object_id=product.id)
    return product


def product_rescrape_start(*, product: Product) -> Product:
    """Read the product's page again (prices and photos change): pending, then queued like an
    import. Refused for a product without a page, or one being read now."""
    if not product.source_url or product.fetched_with == Product.FetchedWith.MANUAL:
        raise ApplicationError("The product was entered by hand: it has no page to read again.",
                               code="no_source_page")
    updated = Product.objects.filter(id=product.id).exclude(status=Product.Status.PENDING).update(
        status=Product.Status.PENDING, error_code="", error=""
    )
    if not updated:
        raise Conflict("The product's page is being read now; wait for it.", code="product_busy")
    task_queue_on_commit(name=IMPORT_PRODUCT_TASK, object_id=product.id)
    product.refresh_from_db()
    return product


def product_import_run(*, product_id) -> None:
    """Read a pending product's page (the worker side of :func:`product_import_start`). A
    failure is recorded on the product; a product no longer pending is left alone."""
    product = Product.objects.filter(id=product_id, status=Product.Status.PENDING).first()
    if product is None:
        return
    with contextlib.suppress(ApplicationError):  # written to the product by product_scrape
        product_scrape(product=product)
