"""Products entered by hand (the dashboard's and API's form, a Merchant feed's own item) and
products completed by hand: no page is fetched; photos are validated like scraped ones."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from accounts.models import Workspace
from core.errors import ApplicationError, InvalidInput
from core.fetch import SafeFetcher
from core.money import currency_code
from core.vocabulary import VERTICALS
from products.models import Product
from products.scraping.catalog import FeedItem
from products.scraping.verticals import classify_vertical
from products.services import photos

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
    photos.product_photos_add(product=product, images=image_list, fetcher=fetcher)
    return _product_check_complete(product=product)


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


def _decimal(value: Decimal | str | int | float | None, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ApplicationError(f"The {field} must be a number, like 24.90.", code="invalid_price") from None
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
