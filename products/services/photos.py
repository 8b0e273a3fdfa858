"""Product photos: downloaded through the safe fetcher (or taken as uploaded bytes), validated
before decoding, de-duplicated by perceptual hash, stored with a cut-out when the background
is plain."""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile

from core import images as image_tools
from core.errors import ScrapeError
from core.fetch import IMAGE_TYPES, SafeFetcher
from products.models import Product, ProductImage
from products.services.pages import fetcher_build

logger = logging.getLogger(__name__)

# Two photos whose perceptual hashes differ in at most this many bits are the same photo
# (another size or compression of it).
DUPLICATE_HASH_DISTANCE = 6
MAX_IMAGE_BYTES = 15_000_000


def product_images_download(
    *, product: Product, urls: list[str | bytes], fetcher: SafeFetcher | None, keep_existing: bool = False,
    errors: list[dict[str, str]] | None = None,
) -> int:
    """Download (URLs, through the safe fetcher) or take (uploaded bytes), validate,
    de-duplicate and store up to SHOPREEL_MAX_IMAGES photos, main first. Returns how many the
    product has. A retried import starts the photo list afresh unless ``keep_existing``. A link
    that gives no usable photo is skipped; with ``errors`` it is appended there as
    ``{"url", "error"}`` (plain words)."""
    if not keep_existing:
        _product_images_clear(product=product)
    existing = list(product.images.all())
    kept_hashes: list[int] = [int(image.phash, 16) for image in existing if image.phash]
    position = max((image.position for image in existing), default=-1) + 1
    count = len(existing)
    for source in urls:
        url = source if isinstance(source, str) else ""
        if count >= settings.SHOPREEL_MAX_IMAGES:
            if errors is None:
                break
            if url:
                errors.append({"url": url[:2000], "error": f"Not used: a product keeps at most "
                               f"{settings.SHOPREEL_MAX_IMAGES} photos."})
            continue
        try:
            if isinstance(source, bytes | bytearray):
                body = bytes(source)
            elif fetcher is None:
                continue
            else:
                body = fetcher.fetch(source, accept=IMAGE_TYPES, max_bytes=MAX_IMAGE_BYTES).body
            image_tools.validate_image(body, max_bytes=MAX_IMAGE_BYTES)
            rgb = image_tools.load_rgb(body)
        except ScrapeError as exc:
            logger.info("image skipped", extra={"product_id": str(product.id), "url": url, "reason": exc.message})
            if errors is not None and url:
                errors.append({"url": url[:2000], "error": exc.message})
            continue
        phash = image_tools.perceptual_hash(rgb)
        if any(image_tools.hamming(phash, seen) <= DUPLICATE_HASH_DISTANCE for seen in kept_hashes):
            continue
        _product_image_store(product=product, position=position, url=url, rgb=rgb, phash=phash)
        kept_hashes.append(phash)
        position += 1
        count += 1
    return count


def product_photos_add(*, product: Product, images: list[str | bytes], fetcher: SafeFetcher | None) -> None:
    """Add photos after the existing ones; a fetcher is built only when there are links."""
    if not images:
        return
    if fetcher is None and any(isinstance(u, str) for u in images):
        fetcher = fetcher_build()
    product_images_download(product=product, urls=images, fetcher=fetcher, keep_existing=True)


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
    image.on_model = product.vertical == "apparel" and image_tools.looks_on_model(
        rgb, plain_background=image.plain_background
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
    """Drop the photos read from the page; the merchant's own uploads (no source link) stay."""
    for image in product.images.exclude(source_url=""):
        for field in (image.file, image.cutout):
            if field:
                field.delete(save=False)
        image.delete()
