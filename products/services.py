"""Writes for products: import from a URL, read the page, download and prepare the photos."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile

from accounts.models import Workspace
from config.errors import ApplicationError
from products.models import Product, ProductImage
from products.scraping import images as image_tools
from products.scraping.extract import extract_product
from products.scraping.fetch import IMAGE_TYPES, SafeFetcher
from products.scraping.types import ExtractedProduct, FetchFailed, FetchResult, ScrapeError

logger = logging.getLogger(__name__)

# Two photos whose perceptual hashes differ in at most this many bits are the same photo
# (another size or compression of it).
DUPLICATE_HASH_DISTANCE = 6
MAX_IMAGE_BYTES = 15_000_000
# Failures worth another try: the shop was slow, unreachable for a moment, or busy.
TRANSIENT_FETCH_CODES = {"timeout", "connection_failed", "http_429", "http_500", "http_502", "http_503", "http_504"}


def fetcher_build(*, extra_allow_hosts: Iterable[str] = ()) -> SafeFetcher:
    allow = frozenset(settings.SHOPREEL_FETCH_ALLOW_HOSTS) | frozenset(extra_allow_hosts)
    return SafeFetcher(allow_hosts=allow, timeout=settings.SHOPREEL_FETCH_TIMEOUT)


def product_create_pending(*, workspace: Workspace, url: str) -> Product:
    return Product.objects.create(workspace=workspace, source_url=url[:2000])


def product_scrape(*, product: Product, fetcher: SafeFetcher | None = None) -> Product:
    """Read the product's page and photos. On failure the product records a plain-words error
    (``status`` failed or partial) and an ``ApplicationError`` with the same message is raised.
    What was read before the failure is kept."""
    fetcher = fetcher or fetcher_build()
    try:
        page = _fetch_page(fetcher=fetcher, url=product.source_url)
        extracted = extract_product(page.body, page.url)
    except ScrapeError as exc:
        _product_fail(product=product, code=exc.code, message=exc.message, status=Product.Status.FAILED)
        raise ApplicationError(exc.message, code=exc.code) from exc

    product_apply_extracted(product=product, extracted=extracted)
    kept = product_images_download(product=product, urls=extracted.images, fetcher=fetcher)
    if kept == 0:
        message = (
            "No usable product photo was found on the page "
            f"({len(extracted.images)} image link(s) tried). Add photos by hand to make an ad."
        )
        _product_fail(product=product, code="no_image", message=message, status=Product.Status.PARTIAL)
        raise ApplicationError(message, code="no_image")

    product.status = Product.Status.IMPORTED
    product.error_code = product.error = ""
    product.save(update_fields=["status", "error_code", "error", "updated_at"])
    logger.info("product imported", extra={"product_id": str(product.id), "images": kept})
    return product


def _fetch_page(*, fetcher: SafeFetcher, url: str) -> FetchResult:
    """Fetch the product page, trying again after SHOPREEL_FETCH_RETRY_DELAYS on transient
    failures only; a 404 or a blocked address fails at once."""
    delays = list(settings.SHOPREEL_FETCH_RETRY_DELAYS)
    while True:
        try:
            return fetcher.fetch(url)
        except FetchFailed as exc:
            if exc.code not in TRANSIENT_FETCH_CODES or not delays:
                raise
            delay = delays.pop(0)
            logger.info("page fetch retried", extra={"url": url, "code": exc.code, "delay": delay})
            time.sleep(delay)


def product_apply_extracted(*, product: Product, extracted: ExtractedProduct) -> Product:
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
    product.save()
    return product


def product_images_download(*, product: Product, urls: list[str], fetcher: SafeFetcher) -> int:
    """Download, validate, de-duplicate and store up to SHOPREEL_MAX_IMAGES photos, main first.
    Returns how many were kept. A retried import starts the photo list afresh."""
    _product_images_clear(product=product)
    kept_hashes: list[int] = []
    for url in urls:
        if len(kept_hashes) >= settings.SHOPREEL_MAX_IMAGES:
            break
        try:
            result = fetcher.fetch(url, accept=IMAGE_TYPES, max_bytes=MAX_IMAGE_BYTES)
            image_tools.validate_image(result.body, max_bytes=MAX_IMAGE_BYTES)
            rgb = image_tools.load_rgb(result.body)
        except ScrapeError as exc:
            logger.info("image skipped", extra={"product_id": str(product.id), "url": url, "reason": exc.message})
            continue
        phash = image_tools.perceptual_hash(rgb)
        if any(image_tools.hamming(phash, seen) <= DUPLICATE_HASH_DISTANCE for seen in kept_hashes):
            continue
        _product_image_store(product=product, position=len(kept_hashes), url=url, rgb=rgb, phash=phash)
        kept_hashes.append(phash)
    return len(kept_hashes)


def _product_image_store(*, product: Product, position: int, url: str, rgb, phash: int) -> ProductImage:
    image = ProductImage(
        workspace_id=product.workspace_id,
        product=product,
        position=position,
        source_url=url[:2000],
        width=rgb.width,
        height=rgb.height,
        phash=f"{phash:016x}",
        plain_background=image_tools.has_plain_background(rgb),
    )
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", quality=92)
    image.file.save(f"image-{position:02d}.jpg", ContentFile(buffer.getvalue()), save=False)
    if image.plain_background:
        buffer = io.BytesIO()
        image_tools.cut_out(rgb).save(buffer, format="PNG")
        image.cutout.save(f"cutout-{position:02d}.png", ContentFile(buffer.getvalue()), save=False)
    image.save()
    return image


def _product_images_clear(*, product: Product) -> None:
    for image in product.images.all():
        for field in (image.file, image.cutout):
            if field:
                field.delete(save=False)
        image.delete()


def _product_fail(*, product: Product, code: str, message: str, status: str) -> None:
    product.status = status
    product.error_code = code[:40]
    product.error = message
    product.save(update_fields=["status", "error_code", "error", "updated_at"])


def _money(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal("0.01"))


def product_import(*, workspace: Workspace, url: str, fetcher: SafeFetcher | None = None) -> Product:
    """Create the product, then read it. The row stays (with its error) when reading fails."""
    product = product_create_pending(workspace=workspace, url=url)
    return product_scrape(product=product, fetcher=fetcher)
