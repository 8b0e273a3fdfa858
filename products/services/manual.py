"""Products entered by hand (the dashboard's and API's form, a Merchant feed's own item) and
products completed by hand: no page is fetched; photos are validated like scraped ones."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from accounts.models import Workspace
from core import images as image_tools
from core.errors import ApplicationError, InvalidInput, ScrapeError
from core.fetch import SafeFetcher, check_url
from core.money import currency_code
from core.vocabulary import VERTICALS
from products.models import Product, ProductImage
from products.scraping.catalog import FeedItem
from products.scraping.verticals import classify_vertical
from products.services import photos, queueing
from products.services.pages import fetcher_build

logger = logging.getLogger(__name__)

_COMPLETABLE = ("title", "brand", "description", "availability", "sku", "language", "vertical")


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
    and every photo (uploaded bytes too) is validated like a scraped one, here and now (a
    worker's path: a feed's item, the command line; the API uses
    :func:`product_create_manual_start`). Without a usable photo the product is kept as
    partial, to be completed with :func:`product_complete`."""
    image_list = list(images)
    product = _manual_product_build(
        workspace=workspace, title=title, price=price, currency=currency, regular_price=regular_price,
        brand=brand, description=description, features=features, availability=availability, sku=sku,
        language=language, vertical=vertical, source_url=source_url,
        image_urls=[u for u in image_list if isinstance(u, str)],
    )
    product.save()
    photos.product_photos_add(product=product, images=image_list, fetcher=fetcher)
    return _product_check_complete(product=product)


def product_create_manual_start(
    *,
    workspace: Workspace,
    title: str,
    price: Decimal | str | None,
    currency: str,
    images: Iterable[str] = (),
    regular_price: Decimal | str | None = None,
    brand: str = "",
    description: str = "",
    features: Iterable[str] = (),
    availability: str = "",
    sku: str = "",
    language: str = "",
    vertical: str = "",
    source_url: str = "",
) -> Product:
    """A product entered by hand whose photo links are fetched by a worker (the API's path: a
    request never waits on a shop's server). The facts are checked and stored now; each link
    is checked on its face (scheme, credentials, a private address written out), an
    ``InvalidInput`` naming the first one refused. With links, the product is pending and
    ``products.fetch_photos`` is queued after commit (run here where there is no broker);
    without, it is imported or partial at once."""
    links = [link.strip() for link in images]
    allow = frozenset(settings.SHOPREEL_FETCH_ALLOW_HOSTS)
    for index, link in enumerate(links):
        try:
            check_url(link, allow_hosts=allow)
        except ScrapeError as exc:
            raise InvalidInput(f"Photo {index + 1}: {exc.message}", code="invalid_photo_url",
                               detail={"field": "images", "index": index}) from None
    product = _manual_product_build(
        workspace=workspace, title=title, price=price, currency=currency, regular_price=regular_price,
        brand=brand, description=description, features=features, availability=availability, sku=sku,
        language=language, vertical=vertical, source_url=source_url, image_urls=links,
    )
    if not links:
        product.save()
        return _product_check_complete(product=product)
    product.status = Product.Status.PENDING
    product.save()
    product_id = product.id
    queueing.task_queue_or_run_on_commit(
        name=queueing.FETCH_PHOTOS_TASK, object_id=product_id,
        run=lambda: product_photos_fetch_run(product_id=product_id),
    )
    return product


def product_photos_fetch_run(*, product_id) -> None:
    """Fetch a pending hand-made product's photo links (the worker side of
    :func:`product_create_manual_start`) through the safe fetcher and its limits. Each link
    that gives no usable photo is recorded in ``photo_errors`` in plain words; the facts and
    the good photos stay. The product ends imported, or partial when no photo was usable. A
    product no longer pending (a repeated message) is left alone."""
    product = Product.objects.filter(
        id=product_id, status=Product.Status.PENDING, fetched_with=Product.FetchedWith.MANUAL
    ).first()
    if product is None:
        return
    errors: list[dict[str, str]] = []
    try:
        with fetcher_build() as fetcher:
            photos.product_images_download(
                product=product, urls=list(product.image_urls), fetcher=fetcher, keep_existing=True, errors=errors,
            )
    except Exception:  # a photo no rule foresaw: the product must not stay pending
        logger.exception("manual photos crashed", extra={"product_id": str(product.id)})
        errors.append({"url": "", "error": PHOTOS_CRASHED})
    product.photo_errors = errors
    product.save(update_fields=["photo_errors", "updated_at"])
    logger.info("manual photos fetched", extra={
        "product_id": str(product.id), "links": len(product.image_urls), "refused": len(errors),
    })
    _product_check_complete(product=product)


PHOTOS_CRASHED = "Shopreel could not read these photos: we have logged it. Upload the photos instead."


def _manual_product_build(
    *, workspace: Workspace, title: str, price, currency: str, regular_price, brand: str, description: str,
    features: Iterable[str], availability: str, sku: str, language: str, vertical: str, source_url: str,
    image_urls: list[str],
) -> Product:
    """The unsaved product of facts entered by hand, checked (``ApplicationError`` on a bad one)."""
    title = _clean_title(title)
    product = Product(
        workspace=workspace, source_url=source_url[:2000], title=title[:300], brand=brand[:120],
        price=_decimal(price, field="price"), currency=_currency(currency),
        regular_price=_decimal(regular_price, field="regular price"),
        description=description, features=[f for f in features if f][:8],
        availability=availability[:20], sku=sku[:100], language=language[:20],
        fetched_with=Product.FetchedWith.MANUAL, scrape_sources=["manual"], image_urls=image_urls,
    )
    _drop_regular_price_not_above_price(product)
    product.vertical = _vertical(vertical) or classify_vertical(
        title=title, breadcrumbs=(), category="", description=description[:500]
    )
    return product


def product_create_from_feed_item(*, workspace: Workspace, item: FeedItem, fetcher: SafeFetcher | None) -> Product:
    """A product made from a Merchant feed's item: the merchant's own data, no page fetched
    (photos come from the item's image links); the item's category and options pick the
    vertical and make its one variant."""
    product = product_create_manual(
        workspace=workspace, title=item.title, price=item.price, currency=item.currency,
        regular_price=item.regular_price, images=item.images, brand=item.brand,
        description=item.description, availability=item.availability, sku=item.id,
        source_url=item.link, fetcher=fetcher,
    )
    if item.category or item.options:
        product.vertical = classify_vertical(
            title=product.title, breadcrumbs=(), category=item.category, description=product.description[:500],
        )
        if item.options:
            product.variants = [{"name": " / ".join(item.options.values()), "options": item.options,
                                 "sku": item.id, "price": str(product.price) if product.price is not None else None,
                                 "availability": item.availability}]
        product.save(update_fields=["vertical", "variants", "updated_at"])
    return product


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
        if product.price_needs_confirmation:  # the merchant's own price needs no confirming
            product.price_confirmed_at = timezone.now()
            product.price_confirmed_by = "entered by hand"
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
    photos.product_photos_add(product=product, images=image_list, fetcher=fetcher)
    if any(isinstance(u, str) for u in image_list):
        product.image_urls = [*product.image_urls, *(u for u in image_list if isinstance(u, str))]
        product.save(update_fields=["image_urls", "updated_at"])
    return _product_check_complete(product=product)


def _product_check_complete(*, product: Product) -> Product:
    """Imported when the ad has what it needs (title, price, a photo); else partial, saying what
    is missing."""
    missing = [name for name, ok in (
        ("a title", bool(product.title)),
        ("a price", product.price is not None),
        ("a photo", ProductImage.objects.filter(product=product).exists()),  # not a prefetched list
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


def _decimal(value: Decimal | str | int | float | None, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ApplicationError(f"The {field} must be a number, like 24.90.", code="invalid_price") from None
    if not amount.is_finite():  # "NaN", "Infinity": not an amount (and NaN refuses comparing)
        raise ApplicationError(f"The {field} must be a number, like 24.90.", code="invalid_price")
    if amount < 0 or amount >= Decimal("1e10"):
        raise ApplicationError(f"The {field} is out of range.", code="invalid_price")
    return amount.quantize(Decimal("0.01"))


def _currency(value: str) -> str:
    code = currency_code(value or "") if value else ""
    if value and not code:
        raise ApplicationError(f"Unknown currency {value!r}: use an ISO code such as EUR or USD.",
                               code="invalid_currency")
    return code


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ApplicationError("Give the product a title.", code="invalid_title")
    return title


def _drop_regular_price_not_above_price(product: Product) -> None:
    """A "regular price" only means a sale when it is above the price."""
    if product.regular_price is not None and (product.price is None or product.regular_price <= product.price):
        product.regular_price = None


def _vertical(value: str | None) -> str:
    """A vertical given by hand: one of the known ones (it picks templates and names adapter
    folders, so nothing else may pass), or "" to let the classifier decide."""
    value = (value or "").strip().lower()
    if value and value not in VERTICALS:
        raise InvalidInput(
            f"The vertical must be one of {', '.join(VERTICALS)}, not {value[:40]!r}.", detail={"field": "vertical"}
        )
    return value


# The facts a merchant may set by hand on the product page; each one set is recorded in
# ``Product.edited_fields`` and kept when the page is read again.
EDITABLE_FACTS = (
    "title", "brand", "price", "currency", "regular_price", "description", "features", "vertical", "source_url",
)
MAX_FEATURES = 8
MAX_FEATURE_LENGTH = 200


def product_facts_edit(*, product: Product, by: str, **facts) -> Product:
    """The merchant corrects or completes the product's facts by hand (the studio's product
    page and its "complete by hand" form). Only the facts given change; each one whose value
    changes is recorded in ``edited_fields`` (who and when) so that reading the page again
    keeps it. A price set here is the merchant's own and needs no confirming. Everything is
    checked before anything changes; the first problem is an ``InvalidInput`` naming its
    field. The product becomes imported once it has a title, a price and a photo."""
    unknown = set(facts) - set(EDITABLE_FACTS)
    if unknown:
        raise TypeError(f"product_facts_edit() got unexpected facts {sorted(unknown)}")
    if product.status == Product.Status.PENDING:
        raise ApplicationError("The product's page or photos are being read: edit it once that is done.",
                               code="product_busy")
    new = {name: _fact_clean(name, value) for name, value in facts.items()}
    if "price" in new and new["price"] is None and product.price is not None:
        raise InvalidInput("An ad needs a price: give one, like 24.90.", code="invalid_price",
                           detail={"field": "price"})
    price = new.get("price", product.price)
    regular = new.get("regular_price", product.regular_price)
    if "regular_price" in new and regular is not None and (price is None or regular <= price):
        raise InvalidInput("The regular price must be higher than the price (it shows the saving).",
                           code="invalid_regular_price", detail={"field": "regular_price"})
    if price is not None and not new.get("currency", product.currency):
        raise InvalidInput("Give the price's currency: an ISO code such as EUR or USD.", code="invalid_currency",
                           detail={"field": "currency"})
    changed = [name for name, value in new.items() if getattr(product, name) != value]
    if not changed:
        return product
    now = timezone.now()
    for name in changed:
        setattr(product, name, new[name])
        product.edited_fields = {**product.edited_fields, name: {"at": now.isoformat(), "by": by[:200]}}
    if "price" in changed and product.price is not None:
        product.price_confirmed_at = now  # the merchant's own price needs no confirming
        product.price_confirmed_by = by[:200]
    _drop_regular_price_not_above_price(product)
    product.save()
    return _product_check_complete(product=product)


def _fact_clean(name: str, value):
    """One fact as typed into a form, checked and normalised (hostile input: clear errors)."""
    if isinstance(value, str):
        value = value.replace("\x00", "")  # no database text column may hold a NUL byte
    try:
        if name == "title":
            return _clean_title(value)[:300]
        if name in ("price", "regular_price"):
            return _decimal(value, field=name.replace("_", " "))
        if name == "currency":
            return _currency((value or "").strip())
        if name == "vertical":
            return _vertical(value) or "other"
        if name == "features":
            lines = value.splitlines() if isinstance(value, str) else list(value or ())
            cleaned = [" ".join(str(line).split()) for line in lines]
            cleaned = [line for line in cleaned if line]
            if len(cleaned) > MAX_FEATURES or any(len(line) > MAX_FEATURE_LENGTH for line in cleaned):
                raise InvalidInput(
                    f"Give at most {MAX_FEATURES} features of up to {MAX_FEATURE_LENGTH} characters each.",
                    code="invalid_features",
                )
            return cleaned
        if name == "source_url":
            return _web_link(value)
        text = " ".join((value or "").split()) if name == "brand" else (value or "").strip()
        limit = {"brand": 120, "description": 5000}[name]
        if len(text) > limit:
            raise InvalidInput(f"The {name} is too long (at most {limit} characters).", code=f"invalid_{name}")
        return text
    except ApplicationError as exc:
        raise InvalidInput(exc.message, code=exc.code, detail={"field": name}) from None


def _web_link(value: str | None) -> str:
    link = (value or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 2000 or any(c.isspace() for c in link):
        raise InvalidInput("The product link must be a web address (https://…).", code="invalid_link")
    return link


def product_photos_upload(*, product: Product, files: Iterable[tuple[str, bytes]]) -> int:
    """The merchant's own photos, added after the product's others. Each file is checked like a
    scraped photo (size, real type, pixel count, decompression bombs, a full decode) before any
    is stored: one bad file refuses the upload, naming it, and nothing already there changes.
    A photo the product already has (same perceptual hash) is skipped. Returns how many were
    added; the product becomes imported once it has a title, a price and a photo."""
    files = list(files)
    if not files:
        raise InvalidInput("Choose one or more photos to upload.", code="no_file", detail={"field": "photos"})
    room = settings.SHOPREEL_MAX_IMAGES - product.images.count()
    if len(files) > room:
        raise InvalidInput(
            f"A product keeps at most {settings.SHOPREEL_MAX_IMAGES} photos; there is room for {max(room, 0)} more.",
            code="too_many_photos", detail={"field": "photos"},
        )
    for name, body in files:
        try:
            image_tools.validate_image(body, max_bytes=photos.MAX_IMAGE_BYTES)
            image_tools.load_rgb(body)
        except ScrapeError as exc:
            raise InvalidInput(f"{name[:80]}: {exc.message}", code="image_rejected", detail={"field": "photos"}) from None
    before = product.images.count()
    after = photos.product_images_download(
        product=product, urls=[body for _name, body in files], fetcher=None, keep_existing=True
    )
    _product_check_complete(product=product)
    return after - before
