"""Writes for products: import from a URL, read the page, download and prepare the photos."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Workspace
from config.errors import ApplicationError, InvalidInput
from products import events as product_events
from products.models import ImportBatch, ImportBatchRow, Product, ProductImage
from products.scraping import images as image_tools
from products.scraping.browser import BrowserRenderer, shared_renderer
from products.scraping.catalog import CatalogRow, FeedItem, parse_catalog
from products.scraping.extract import extract_product
from products.scraping.fetch import IMAGE_TYPES, SafeFetcher, check_url
from products.scraping.prices import currency_code
from products.scraping.types import (
    VERTICALS,
    BlockedURL,
    ExtractedProduct,
    FetchFailed,
    FetchResult,
    NotAProduct,
    ScrapeError,
)
from products.scraping.verticals import classify_vertical

logger = logging.getLogger(__name__)

# Two photos whose perceptual hashes differ in at most this many bits are the same photo
# (another size or compression of it).
DUPLICATE_HASH_DISTANCE = 6
MAX_IMAGE_BYTES = 15_000_000
MAX_PLATFORM_JSON_BYTES = 3_000_000
PLATFORM_JSON_TIMEOUT = 6.0
# Failures worth another try: the shop was slow, unreachable for a moment, or busy.
TRANSIENT_FETCH_CODES = {"timeout", "connection_failed", "http_429", "http_500", "http_502", "http_503", "http_504"}


def fetcher_build(*, extra_allow_hosts: Iterable[str] = ()) -> SafeFetcher:
    allow = frozenset(settings.SHOPREEL_FETCH_ALLOW_HOSTS) | frozenset(extra_allow_hosts)
    return SafeFetcher(allow_hosts=allow, timeout=settings.SHOPREEL_FETCH_TIMEOUT)


def product_create_pending(*, workspace: Workspace, url: str) -> Product:
    return Product.objects.create(workspace=workspace, source_url=url[:2000])


def browser_build() -> BrowserRenderer | None:
    """This worker's warm browser, or None when the fallback is off or Chromium is missing."""
    if not settings.SHOPREEL_BROWSER_FALLBACK:
        return None
    renderer = shared_renderer()
    renderer.executable_path = settings.SHOPREEL_BROWSER_PATH
    renderer.timeout = float(settings.SHOPREEL_BROWSER_TIMEOUT)
    return renderer if renderer.available() else None


def _platform_json(fetcher: SafeFetcher):
    """``fetch_json`` for the extractor: a platform endpoint's JSON through the safe fetcher,
    or None on any failure (the page's own markup is used then)."""

    def fetch_json(url: str) -> object | None:
        try:
            result = fetcher.fetch(
                url, accept=("application/json", "text/javascript", "application/javascript"),
                max_bytes=MAX_PLATFORM_JSON_BYTES, timeout=PLATFORM_JSON_TIMEOUT,
            )
            return json.loads(result.body)
        except (ScrapeError, ValueError):
            logger.info("platform endpoint skipped", extra={"url": url})
            return None

    return fetch_json


def _lacks_product(extracted: ExtractedProduct | None) -> bool:
    return extracted is None or extracted.price is None or not extracted.images


def page_extract(
    *, page: FetchResult, fetcher: SafeFetcher, browser: BrowserRenderer | None = None,
) -> ExtractedProduct:
    """The product on a fetched page: static HTML (plus the platform endpoint), and only when
    that lacks the product (no product, no price or no photo), the page rendered in the
    browser. ``fetched_with`` says which path gave the result."""
    fetch_json = _platform_json(fetcher) if settings.SHOPREEL_PLATFORM_API else None
    static: ExtractedProduct | None = None
    static_error: NotAProduct | None = None
    try:
        static = extract_product(page.body, page.url, fetch_json=fetch_json)
    except NotAProduct as exc:
        static_error = exc
    if not _lacks_product(static) or browser is None:
        if static is None:
            raise static_error
        return static
    try:
        rendered = browser.render(page.url, fetcher=fetcher)
        dynamic = extract_product(rendered.body, page.url, fetch_json=fetch_json)
    except ScrapeError as exc:
        logger.info("browser fallback gave nothing", extra={"url": page.url, "code": exc.code})
        if static is None:
            raise static_error from None
        return static
    if dynamic.fetched_with == "http":
        dynamic.fetched_with = "browser"
    if static is not None and _score(static) >= _score(dynamic):
        return static
    return dynamic


def _score(extracted: ExtractedProduct) -> int:
    return (2 * (extracted.price is not None) + 2 * bool(extracted.images) + bool(extracted.title)
            + bool(extracted.availability) + bool(extracted.sku))


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
        page = _fetch_page(fetcher=fetcher, url=product.source_url)
        extracted = page_extract(page=page, fetcher=fetcher, browser=renderer)
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
    product.variants = list(extracted.variants)
    product.fetched_with = extracted.fetched_with
    product.rating = extracted.rating
    product.rating_scale = extracted.rating_scale if extracted.rating is not None else None
    product.review_count = extracted.review_count if extracted.rating is not None else None
    product.save()
    return product


def product_images_download(
    *, product: Product, urls: list[str | bytes], fetcher: SafeFetcher | None, keep_existing: bool = False,
) -> int:
    """Download (URLs, through the safe fetcher) or take (uploaded bytes), validate,
    de-duplicate and store up to SHOPREEL_MAX_IMAGES photos, main first. Returns how many the
    product has. A retried import starts the photo list afresh unless ``keep_existing``."""
    if not keep_existing:
        _product_images_clear(product=product)
    existing = list(product.images.all())
    kept_hashes: list[int] = [int(image.phash, 16) for image in existing if image.phash]
    position = max((image.position for image in existing), default=-1) + 1
    count = len(existing)
    for source in urls:
        if count >= settings.SHOPREEL_MAX_IMAGES:
            break
        url = source if isinstance(source, str) else ""
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
            continue
        phash = image_tools.perceptual_hash(rgb)
        if any(image_tools.hamming(phash, seen) <= DUPLICATE_HASH_DISTANCE for seen in kept_hashes):
            continue
        _product_image_store(product=product, position=position, url=url, rgb=rgb, phash=phash)
        kept_hashes.append(phash)
        position += 1
        count += 1
    return count


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


def product_import_start(*, workspace: Workspace, url: str) -> Product:
    """Create the product (pending) and queue reading its page once the row is committed
    (the API's path; a worker runs :func:`product_import_run`)."""
    from products.tasks import import_product

    product = product_create_pending(workspace=workspace, url=url)
    transaction.on_commit(lambda: import_product.delay(str(product.id)))
    return product


def product_rescrape_start(*, product: Product) -> Product:
    """Read the product's page again (prices and photos change): pending, then queued like an
    import. Refused for a product without a page, or one being read now."""
    from products.tasks import import_product

    if not product.source_url or product.fetched_with == Product.FetchedWith.MANUAL:
        raise ApplicationError("The product was entered by hand: it has no page to read again.",
                               code="no_source_page")
    updated = Product.objects.filter(id=product.id).exclude(status=Product.Status.PENDING).update(
        status=Product.Status.PENDING, error_code="", error=""
    )
    if not updated:
        raise ApplicationError("The product's page is being read now; wait for it.", code="product_busy")
    transaction.on_commit(lambda: import_product.delay(str(product.id)))
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


# ------------------------------------------------------------------ the manual path


def _decimal(value: Decimal | str | int | float | None, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ApplicationError(f"The {field} must be a number, like 24.90.", code="invalid_price") from None
    if amount < 0 or amount >= Decimal("1e10"):
        raise ApplicationError(f"The {field} is out of range.", code="invalid_price")
    return _money(amount)


def _currency(value: str) -> str:
    code = currency_code(value or "") if value else ""
    if value and not code:
        raise ApplicationError(f"Unknown currency {value!r}: use an ISO code such as EUR or USD.",
                               code="invalid_currency")
    return code


def _product_check_complete(*, product: Product) -> Product:
    """Imported when the ad has what it needs (title, price, a photo); else partial, saying what
    is missing."""
    missing = [name for name, ok in (
        ("a title", bool(product.title)),
        ("a price", product.price is not None),
        ("a photo", product.images.exists()),
    ) if not ok]
    if missing:
        product.status = Product.Status.PARTIAL
        product.error_code = "no_image" if missing == ["a photo"] else "incomplete"
        product.error = "The product needs " + " and ".join(missing) + " before an ad can be made."
    else:
        product.status = Product.Status.IMPORTED
        product.error_code = product.error = ""
    product.save(update_fields=["status", "error_code", "error", "updated_at"])
    return product


def product_create_manual(
    *,
    workspace: Workspace,
    title: str,
    price: Decimal | str | None,
    currency: str,
    images: Iterable[str | bytes] = (),
    regular_price: Decimal | str | None = None,
    brand: str = "",
    description: str = "",
    features: Iterable[str] = (),
    availability: str = "",
    sku: str = "",
    language: str = "",
    vertical: str = "",
    source_url: str = "",
    fetcher: SafeFetcher | None = None,
) -> Product:
    """A product entered by hand: no page is fetched. Photo URLs go through the safe fetcher
    and every photo (uploaded bytes too) is validated like a scraped one. Without a usable
    photo the product is kept as partial, to be completed with :func:`product_complete`."""
    title = _clean_title(title)
    product = Product(
        workspace=workspace, source_url=source_url[:2000], title=title[:300], brand=brand[:120],
        price=_decimal(price, field="price"), currency=_currency(currency),
        regular_price=_decimal(regular_price, field="regular price"),
        description=description, features=[f for f in features if f][:8],
        availability=availability[:20], sku=sku[:100], language=language[:20],
        fetched_with=Product.FetchedWith.MANUAL, scrape_sources=["manual"],
    )
    _drop_regular_price_not_above_price(product)
    product.vertical = _vertical(vertical) or classify_vertical(
        title=title, breadcrumbs=(), category="", description=description[:500]
    )
    image_list = list(images)
    product.image_urls = [u for u in image_list if isinstance(u, str)]
    product.save()
    _product_photos_add(product=product, images=image_list, fetcher=fetcher)
    return _product_check_complete(product=product)


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ApplicationError("Give the product a title.", code="invalid_title")
    return title


def _drop_regular_price_not_above_price(product: Product) -> None:
    """A "regular price" only means a sale when it is above the price."""
    if product.regular_price is not None and (product.price is None or product.regular_price <= product.price):
        product.regular_price = None


def _product_photos_add(*, product: Product, images: list[str | bytes], fetcher: SafeFetcher | None) -> None:
    """Add photos after the existing ones; a fetcher is built only when there are links."""
    if not images:
        return
    if fetcher is None and any(isinstance(u, str) for u in images):
        fetcher = fetcher_build()
    product_images_download(product=product, urls=images, fetcher=fetcher, keep_existing=True)


def _vertical(value: str | None) -> str:
    """A vertical given by hand: one of the known ones (it picks templates and names adapter
    folders, so nothing else may pass), or "" to let the classifier decide."""
    value = (value or "").strip().lower()
    if value and value not in VERTICALS:
        raise InvalidInput(
            f"The vertical must be one of {', '.join(VERTICALS)}, not {value[:40]!r}.", detail={"field": "vertical"}
        )
    return value


_COMPLETABLE = ("title", "brand", "description", "availability", "sku", "language", "vertical")


def product_complete(
    *,
    product: Product,
    title: str | None = None,
    price: Decimal | str | None = None,
    currency: str | None = None,
    regular_price: Decimal | str | None = None,
    images: Iterable[str | bytes] = (),
    features: Iterable[str] | None = None,
    fetcher: SafeFetcher | None = None,
    **fields: str,
) -> Product:
    """Fill in what the page did not give (or correct it): only the arguments given change;
    photos are added after the existing ones (validated, duplicates dropped). The product
    becomes imported once it has a title, a price and a photo."""
    unknown = set(fields) - set(_COMPLETABLE)
    if unknown:
        raise TypeError(f"product_complete() got unexpected fields {sorted(unknown)}")
    if title is not None:
        product.title = _clean_title(title)[:300]
    if price is not None:
        product.price = _decimal(price, field="price")
    if currency is not None:
        product.currency = _currency(currency)
    if regular_price is not None:
        product.regular_price = _decimal(regular_price, field="regular price")
    if features is not None:
        product.features = [f for f in features if f][:8]
    if "vertical" in fields:
        fields["vertical"] = _vertical(fields["vertical"]) or product.vertical
    for name, value in fields.items():
        setattr(product, name, value)
    _drop_regular_price_not_above_price(product)
    product.save()
    image_list = list(images)
    _product_photos_add(product=product, images=image_list, fetcher=fetcher)
    if any(isinstance(u, str) for u in image_list):
        product.image_urls = [*product.image_urls, *(u for u in image_list if isinstance(u, str))]
        product.save(update_fields=["image_urls", "updated_at"])
    return _product_check_complete(product=product)


# ------------------------------------------------------------------ catalogue import


@dataclass
class CatalogOutcome:
    row: int
    source: str  # the link, or the feed item's id/title
    status: str  # imported | partial | failed | skipped
    product_id: str | None = None
    code: str = ""
    message: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def catalog_import(
    *, workspace: Workspace, data: bytes, fetcher: SafeFetcher | None = None,
    browser: BrowserRenderer | bool | None = True,
) -> list[CatalogOutcome]:
    """Create one product per row of a CSV of links or a Google Merchant feed (XML or TSV) and
    report each row's outcome; one bad row never stops the others. Link rows are imported from
    their page (:func:`product_import`); feed rows are created from the feed's own data
    (:func:`product_create_manual`, photos fetched and validated)."""
    try:
        rows = parse_catalog(data, max_rows=settings.SHOPREEL_CATALOG_MAX_ROWS)
    except ScrapeError as exc:
        raise ApplicationError(exc.message, code=exc.code) from exc
    fetcher = fetcher or fetcher_build()
    return [_catalog_row(workspace=workspace, row=row, fetcher=fetcher, browser=browser) for row in rows]


def _catalog_row(*, workspace: Workspace, row: CatalogRow, fetcher: SafeFetcher, browser) -> CatalogOutcome:
    source = row.url or (row.item.link or row.item.id or row.item.title if row.item else "")
    if row.error:
        return CatalogOutcome(row=row.row, source=source, status="skipped", code="invalid_row", message=row.error)
    try:
        if row.item is None:
            product = product_create_pending(workspace=workspace, url=row.url)
            with contextlib.suppress(ApplicationError):  # the product row carries the message
                product_scrape(product=product, fetcher=fetcher, browser=browser)
        else:
            item = row.item
            product = product_create_manual(
                workspace=workspace, title=item.title, price=item.price, currency=item.currency,
                regular_price=item.regular_price, images=item.images, brand=item.brand,
                description=item.description, availability=item.availability, sku=item.id,
                source_url=item.link, fetcher=fetcher,
            )
            if item.category or item.options:
                product.vertical = classify_vertical(
                    title=product.title, breadcrumbs=(), category=item.category,
                    description=product.description[:500],
                )
                if item.options:
                    product.variants = [{"name": " / ".join(item.options.values()), "options": item.options,
                                         "sku": item.id, "price": str(product.price) if product.price is not None else None,
                                         "availability": item.availability}]
                product.save(update_fields=["vertical", "variants", "updated_at"])
    except ApplicationError as exc:
        return CatalogOutcome(row=row.row, source=source, status="failed", code=exc.code, message=exc.message)
    return CatalogOutcome(row=row.row, source=source, status=product.status, product_id=str(product.id),
                          code=product.error_code, message=product.error)


# ------------------------------------------------------------------ batch import (API)

# A row claimed this long ago and still running was left by a worker that died: claim it again.
# Longer than one row can take (page tries, browser fallback, photo downloads).
BATCH_ROW_STALE = timedelta(minutes=10)
# One task imports rows for about this long, then queues the next slice (under the time limits).
BATCH_SLICE_SECONDS = 240.0
FEED_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
              "text/csv", "text/tab-separated-values", "text/plain", "application/octet-stream")


def _link_key(url: str) -> str:
    """The same page written twice: scheme and host case, default port, fragment, trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/") or "/", parts.query, ""))


def _is_web_link(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _feed_item_json(item: FeedItem) -> dict:
    data = asdict(item)
    for name in ("price", "regular_price"):
        data[name] = str(data[name]) if data[name] is not None else None
    return data


def _feed_item_from_json(data: dict) -> FeedItem:
    values = dict(data)
    for name in ("price", "regular_price"):
        values[name] = Decimal(values[name]) if values.get(name) is not None else None
    return FeedItem(**values)


def _batch_rows_add(*, batch: ImportBatch, rows: list[CatalogRow]) -> None:
    """Store the batch's rows. An unreadable line is finished at once (skipped); a line naming
    the same product as an earlier one (same link, or same feed item id) is a duplicate of it
    and shares its product, so a batch makes one product per distinct link."""
    first_by_key: dict[str, ImportBatchRow] = {}
    objects: list[ImportBatchRow] = []
    for row in rows:
        if row.item is None and len(row.url) > 2000 and not row.error:
            row.error = "The link is longer than 2,000 characters."
        obj = ImportBatchRow(workspace_id=batch.workspace_id, batch=batch, position=row.row, url=row.url[:2000])
        if row.item is not None:
            obj.item = _feed_item_json(row.item)
        key = ""
        if row.error:
            obj.state, obj.outcome, obj.error_code = ImportBatchRow.State.DONE, ImportBatchRow.Outcome.SKIPPED, "invalid_row"
            obj.message = row.error
        elif row.item is None:
            key = "link:" + _link_key(row.url)
        elif row.item.id or row.item.link:
            key = f"item:{row.item.id}" if row.item.id else "link:" + _link_key(row.item.link)
        if key and key in first_by_key:
            first = first_by_key[key]
            obj.state, obj.outcome, obj.duplicate_of = ImportBatchRow.State.DONE, ImportBatchRow.Outcome.DUPLICATE, first
            obj.message = f"The same product as row {first.position}: imported once."
        elif key:
            first_by_key[key] = obj
        objects.append(obj)
    ImportBatchRow.objects.bulk_create(objects)
    finished = [o for o in objects if o.state == ImportBatchRow.State.DONE]
    batch.total = len(objects)
    batch.done = len(finished)
    batch.failed = sum(o.outcome == ImportBatchRow.Outcome.SKIPPED for o in finished)
    fields = ["total", "done", "failed", "updated_at"]
    if batch.done == batch.total:
        batch.state, batch.finished_at = ImportBatch.State.DONE, timezone.now()
        fields += ["state", "finished_at"]
    batch.save(update_fields=fields)


def _catalog_rows(data: bytes) -> list[CatalogRow]:
    """Rows of an uploaded or fetched feed; more rows than a batch takes is refused, not cut."""
    limit = settings.SHOPREEL_CATALOG_MAX_ROWS
    data = data.replace(b"\x00", b"")  # NUL bytes: no database text column may hold them
    try:
        rows = parse_catalog(data, max_rows=limit + 1)
    except ScrapeError as exc:
        raise ApplicationError(exc.message, code=exc.code) from exc
    if not rows:
        raise ApplicationError("The feed holds no products.", code="catalog_empty")
    if len(rows) > limit:
        raise ApplicationError(f"A batch takes at most {limit} rows; split the file.", code="too_many_rows")
    return rows


def import_batch_create(
    *, workspace: Workspace, urls: list[str] | None = None, data: bytes | None = None, feed_url: str = "",
) -> ImportBatch:
    """A batch of product imports from a list of links, an uploaded feed (CSV of links, Google
    Merchant XML or TSV) or a feed link the worker fetches. The file is read now (a malformed
    one is refused with nothing stored); the rows are imported by the ``import_batch`` task
    once committed. A link that is not http(s) is a skipped row, not a refused batch."""
    from products.tasks import import_batch

    if sum(x is not None and x != "" for x in (urls, data, feed_url)) != 1:
        raise ApplicationError("Send one of: a list of links, a feed file, or a feed link.", code="invalid_batch")
    limit = settings.SHOPREEL_CATALOG_MAX_ROWS
    if urls is not None:
        if not urls or len(urls) > limit:
            raise ApplicationError(f"Send between 1 and {limit} links.", code="too_many_rows")
        rows = [
            CatalogRow(row=i, url=url.strip(),
                       error="" if _is_web_link(url.strip()) else "Not a web link (http or https).")
            for i, url in enumerate(urls, start=1)
        ]
        source = ImportBatch.Source.URLS
    elif data is not None:
        if len(data) > settings.SHOPREEL_BATCH_MAX_BYTES:
            raise ApplicationError("The feed file is too large.", code="file_too_large")
        rows, source = _catalog_rows(data), ImportBatch.Source.FILE
    else:
        if not _is_web_link(feed_url):
            raise ApplicationError("The feed link must be an http or https address.", code="invalid_feed_url")
        try:  # refused on its face now (the worker checks every resolved address again)
            check_url(feed_url, allow_hosts=frozenset(h.lower() for h in settings.SHOPREEL_FETCH_ALLOW_HOSTS))
        except BlockedURL as exc:
            raise ApplicationError(f"This feed link is refused. {exc.message}", code="invalid_feed_url") from None
        rows, source = [], ImportBatch.Source.FEED_URL
    with transaction.atomic():
        batch = ImportBatch.objects.create(workspace=workspace, source=source, feed_url=feed_url[:2000])
        if rows:
            _batch_rows_add(batch=batch, rows=rows)
        if batch.state != ImportBatch.State.DONE:
            transaction.on_commit(lambda: import_batch.delay(str(batch.id)))
    logger.info("import batch created", extra={"batch_id": str(batch.id), "rows": batch.total, "source": source})
    return batch


def _batch_fail(*, batch: ImportBatch, code: str, message: str) -> None:
    ImportBatch.objects.filter(id=batch.id).exclude(state=ImportBatch.State.DONE).update(
        state=ImportBatch.State.FAILED, error_code=code[:40], error=message, finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _batch_feed_read(*, batch: ImportBatch, fetcher: SafeFetcher) -> bool:
    """Fetch and read a ``feed_url`` batch's feed into rows (once: a redelivered task finds
    them there). False when the feed could not be read: the batch failed, saying why."""
    try:
        result = fetcher.fetch(batch.feed_url, accept=FEED_TYPES, max_bytes=settings.SHOPREEL_BATCH_MAX_BYTES)
        rows = _catalog_rows(result.body)
    except ScrapeError as exc:
        _batch_fail(batch=batch, code=exc.code, message=f"The feed could not be fetched: {exc.message}")
        return False
    except ApplicationError as exc:
        _batch_fail(batch=batch, code=exc.code, message=exc.message)
        return False
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(id=batch.id)
        if not ImportBatchRow.objects.filter(batch=locked).exists():
            _batch_rows_add(batch=locked, rows=rows)
    return True


def _batch_row_claim(*, batch: ImportBatch) -> ImportBatchRow | None:
    """The next row to import, claimed atomically (pending → running): the first pending row,
    or a running one whose worker died (claimed over BATCH_ROW_STALE ago). None when none is left."""
    while True:
        now = timezone.now()
        candidate = (
            ImportBatchRow.objects.filter(batch=batch)
            .filter(Q(state=ImportBatchRow.State.PENDING)
                    | Q(state=ImportBatchRow.State.RUNNING, claimed_at__lt=now - BATCH_ROW_STALE))
            .order_by("position")
            .first()
        )
        if candidate is None:
            return None
        claimed = ImportBatchRow.objects.filter(
            id=candidate.id, state=candidate.state, claimed_at=candidate.claimed_at
        ).update(state=ImportBatchRow.State.RUNNING, claimed_at=now, updated_at=now)
        if claimed == 1:
            candidate.state, candidate.claimed_at = ImportBatchRow.State.RUNNING, now
            return candidate


def _batch_row_import(*, row: ImportBatchRow, fetcher: SafeFetcher) -> tuple[str, str, str]:
    """Import one row; its product is linked to the row before the page is read, so a retried
    row reads the same product again instead of making a second one. Returns (outcome, code,
    message). Feed rows are created from the feed's own data (the merchant's truth: no page is
    fetched, photos come from the feed's image links), as in :func:`catalog_import`."""
    workspace = row.batch.workspace
    if row.url:
        if row.product_id is None:
            with transaction.atomic():
                row.product = product_create_pending(workspace=workspace, url=row.url)
                ImportBatchRow.objects.filter(id=row.id).update(product=row.product)
        product = row.product
        with contextlib.suppress(ApplicationError):  # written to the product by product_scrape
            product_scrape(product=product, fetcher=fetcher)
        return product.status, product.error_code, product.error
    if row.product_id is not None:  # the feed product was made before the worker stopped
        return row.product.status, row.product.error_code, row.product.error
    item = _feed_item_from_json(row.item)
    outcome = _catalog_row(workspace=workspace, row=CatalogRow(row=row.position, item=item), fetcher=fetcher,
                           browser=True)
    row.product_id = outcome.product_id
    return outcome.status, outcome.code, outcome.message


def _batch_row_finish(*, row: ImportBatchRow, outcome: str, code: str, message: str) -> None:
    """Record the row's outcome and count it, once: only the claim that ran it may finish it."""
    failed = outcome in (ImportBatchRow.Outcome.FAILED, ImportBatchRow.Outcome.SKIPPED)
    now = timezone.now()
    with transaction.atomic():
        finished = ImportBatchRow.objects.filter(
            id=row.id, state=ImportBatchRow.State.RUNNING, claimed_at=row.claimed_at
        ).update(state=ImportBatchRow.State.DONE, outcome=outcome, product_id=row.product_id,
                 error_code=code[:40], message=message, updated_at=now)
        if not finished:
            return
        ImportBatchRow.objects.filter(duplicate_of_id=row.id).update(product_id=row.product_id, updated_at=now)
        ImportBatch.objects.filter(id=row.batch_id).update(
            done=F("done") + 1, failed=F("failed") + int(failed), updated_at=now
        )


def import_batch_run(*, batch_id, slice_seconds: float | None = None) -> bool:
    """Import a batch's rows one by one (the worker side of :func:`import_batch_create`). A row
    that fails records its error and the next goes on; nothing stops the batch but an
    unreadable feed. Returns True when rows are left after this slice (queue another run)."""
    batch = ImportBatch.objects.select_related("workspace").filter(id=batch_id).first()
    if batch is None or batch.state in (ImportBatch.State.DONE, ImportBatch.State.FAILED):
        return False
    ImportBatch.objects.filter(id=batch.id, state=ImportBatch.State.QUEUED).update(
        state=ImportBatch.State.RUNNING, updated_at=timezone.now()
    )
    fetcher = fetcher_build()
    feed_unread = batch.source == ImportBatch.Source.FEED_URL and not ImportBatchRow.objects.filter(batch=batch).exists()
    if feed_unread and not _batch_feed_read(batch=batch, fetcher=fetcher):
        return False
    deadline = time.monotonic() + (BATCH_SLICE_SECONDS if slice_seconds is None else slice_seconds)
    while (row := _batch_row_claim(batch=batch)) is not None:
        row.batch = batch
        try:
            outcome, code, message = _batch_row_import(row=row, fetcher=fetcher)
        except SoftTimeLimitExceeded:
            raise  # the row stays claimed; a later run takes it again once stale
        except ApplicationError as exc:
            outcome, code, message = ImportBatchRow.Outcome.FAILED, exc.code, exc.message
        except Exception:  # one broken row never stops the batch; the log has the traceback
            logger.exception("batch row failed", extra={"batch_id": str(batch.id), "row": row.position})
            outcome, code, message = (ImportBatchRow.Outcome.FAILED, "internal_error",
                                      "This row could not be imported because of an error on our side.")
        _batch_row_finish(row=row, outcome=outcome, code=code, message=message)
        if time.monotonic() > deadline:
            sliced = True
            break
    else:
        sliced = False
    # Rows still running belong to a live worker; the run that finishes the last row closes the batch.
    left = ImportBatchRow.objects.filter(batch=batch).exclude(state=ImportBatchRow.State.DONE).exists()
    if not left:
        ImportBatch.objects.filter(id=batch.id, state=ImportBatch.State.RUNNING).update(
            state=ImportBatch.State.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
    return sliced and left
