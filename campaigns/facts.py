"""The facts an ad shows about its product: price, regular price (with the currency), title,
availability and main photo. A campaign compares them between runs to decide what to make
again; an ad whose price or availability no longer matches its product's is stale."""

from __future__ import annotations

from decimal import Decimal

from products.models import Product

# What a campaign compares; STALE_FACTS are what make an existing ad untrue.
FACTS = ("price", "regular_price", "currency", "title", "availability", "main_photo")
STALE_FACTS = ("price", "regular_price", "currency", "availability")
LABELS = {
    "price": "price",
    "regular_price": "regular price",
    "currency": "currency",
    "title": "title",
    "availability": "availability",
    "main_photo": "main photo",
}
# schema.org short names (and feed spellings, normalised) that mean "can't be bought now".
_UNAVAILABLE = frozenset({"outofstock", "soldout", "discontinued"})


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01')):f}"


def product_facts(product: Product) -> dict:
    """The product's facts now, as plain JSON: amounts as "24.90", the main photo as its
    perceptual hash (another URL or size of the same photo is no change), else its link."""
    main = product.images.order_by("position").first()
    photo = (main.phash or main.source_url or main.file.name) if main is not None else ""
    if not photo and product.image_urls:
        photo = product.image_urls[0]
    return {
        "price": _money(product.price),
        "regular_price": _money(product.regular_price),
        "currency": product.currency or "",
        "title": product.title or "",
        "availability": product.availability or "",
        "main_photo": photo,
    }


def facts_changed(before: dict, now: dict, *, names: tuple[str, ...] = FACTS) -> list[str]:
    """The names of the facts that differ (in ``names`` order)."""
    return [name for name in names if (before or {}).get(name) != (now or {}).get(name)]


def changes_described(before: dict, now: dict, names: list[str]) -> str:
    """ "price 24.90 → 19.90, availability InStock → OutOfStock" for the run's items."""
    parts = []
    for name in names:
        if name == "main_photo":
            parts.append("main photo changed")
        else:
            parts.append(f"{LABELS[name]} {before.get(name) or '—'} → {now.get(name) or '—'}")
    return ", ".join(parts)


def is_unavailable(availability: str) -> bool:
    """Out of stock, sold out or discontinued (schema.org names or a feed's "out of stock")."""
    return "".join(ch for ch in (availability or "").lower() if ch.isalpha()) in _UNAVAILABLE
