"""Product facts from the page's ``<meta>`` tags: OpenGraph, ``product:*`` and Twitter card.

It decides what the tags say about the product (title, brand, price and earlier price,
currency, description, images, availability, SKU, category) and whether ``og:type``
calls the page a product; the tags are read once into ``meta_map``.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import html as lxml_html

from core.money import parse_amount

from ..structured import Facts, availability_name, clean_brand
from .text import _clean


def meta_map(doc: lxml_html.HtmlElement) -> dict[str, list[str]]:
    """``<meta property|name|itemprop=... content=...>`` values by lower-case key."""
    found: dict[str, list[str]] = {}
    for meta in doc.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content is not None and content.strip():
            found.setdefault(key.strip().lower(), []).append(content.strip())
    return found


def meta_facts(meta: dict[str, list[str]], page_url: str) -> Facts:
    """OpenGraph, ``product:*`` and Twitter card tags."""

    def first(*keys: str) -> str:
        for key in keys:
            if meta.get(key):
                return _clean(meta[key][0])
        return ""

    currency = first("product:price:currency", "og:price:currency", "product:sale_price:currency")
    price, symbol = parse_amount(
        first("product:sale_price:amount", "product:price:amount", "og:price:amount",
              "product:price", "og:price") or None,
        currency_hint=currency,
    )
    regular, _ = parse_amount(
        first("product:original_price:amount", "og:original_price:amount") or None
    )
    return Facts(
        title=first("og:title", "twitter:title"),
        brand=clean_brand(first("product:brand", "og:brand")),
        price=price,
        currency=currency or symbol,
        regular_price=regular if regular and price and regular > price else None,
        description=first("og:description", "description", "twitter:description"),
        images=[urljoin(page_url, u) for u in meta.get("og:image", []) + meta.get(
            "og:image:secure_url", []) + meta.get("twitter:image", [])
            if not u.startswith("data:")],
        availability=availability_name(first("product:availability", "og:availability")),
        sku=first("product:retailer_item_id", "product:sku"),
        category=first("product:category"),
    )


def is_product_type(meta: dict[str, list[str]]) -> bool:
    return any("product" in t.lower() for t in meta.get("og:type", []))
