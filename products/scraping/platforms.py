"""Shop platforms' own product endpoints: Shopify ``/products/<handle>.js`` and the
WooCommerce Store API (``/wp-json/wc/store/v1/products/<id>``).

When the page shows it runs on one of these platforms, the platform's JSON is the shop's own
record of the product (prices, variants, stock), so it becomes the most trusted layer. The
detection reads only generic platform markers (asset hosts, script globals, body classes),
never a particular shop. Fetching is left to the caller (``fetch_json``), so this module and
the extractor stay network-free and the corpus benchmark needs no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import html as lxml_html

from .structured import Facts

FetchJSON = Callable[[str], object | None]

_SHOPIFY_PATH = re.compile(r"^(?P<prefix>(?:/[^/]+)*?)/products/(?P<handle>[^/?#.]+)")
_WOO_ID = re.compile(r"\bpostid-(\d+)\b")
_TAGS = re.compile(r"<[^>]+>")


def _is_shopify(doc: lxml_html.HtmlElement) -> bool:
    return bool(doc.xpath(
        '//script[contains(., "Shopify.shop") or contains(@src, "cdn.shopify.com")]'
        ' | //link[contains(@href, "cdn.shopify.com")]'
        ' | //meta[@name="shopify-checkout-api-token" or @name="shopify-digital-wallet"]'
    ))


def _woo_product_id(doc: lxml_html.HtmlElement) -> str:
    body_class = " ".join(doc.xpath("//body/@class"))
    if "woocommerce" not in body_class and not doc.xpath(
        '//link[contains(@href, "plugins/woocommerce")] | //script[contains(@src, "plugins/woocommerce")]'
    ):
        return ""
    match = _WOO_ID.search(body_class)
    if match:
        return match.group(1)
    for value in doc.xpath(
        '//*[@name="add-to-cart"]/@value | //form[contains(@class, "cart")]/@data-product_id'
    ):
        if value.strip().isdigit():
            return value.strip()
    return ""


def endpoints(doc: lxml_html.HtmlElement, url: str) -> list[tuple[str, str]]:
    """``[(platform, endpoint URL)]`` for the platform this page shows, if any."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    match = _SHOPIFY_PATH.match(parts.path)
    if match and _is_shopify(doc):
        variant = parse_qs(parts.query).get("variant", [""])[0]
        endpoint = f"{origin}{match['prefix']}/products/{match['handle']}.js"
        return [("shopify", endpoint + (f"#variant={variant}" if variant.isdigit() else ""))]
    woo_id = _woo_product_id(doc)
    if woo_id:
        api = (doc.xpath('//link[@rel="https://api.w.org/"]/@href') or [f"{origin}/wp-json/"])[0]
        api = urljoin(url, api)
        if urlsplit(api).netloc != parts.netloc:
            api = f"{origin}/wp-json/"
        return [("woocommerce", urljoin(api.rstrip("/") + "/", f"wc/store/v1/products/{woo_id}"))]
    return []


def _money(value: object, *, minor_units: int | None = None) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if minor_units:
        amount = amount.scaleb(-minor_units)
    return amount if amount > 0 else None


def _text(html: object) -> str:
    return " ".join(_TAGS.sub(" ", str(html or "")).split())


def shopify_facts(data: object, *, page_url: str, variant_id: str = "") -> Facts | None:
    """Facts from ``/products/<handle>.js`` (prices in cents) or ``.json`` (``{"product": ...}``,
    prices as decimal strings)."""
    if not isinstance(data, dict):
        return None
    cents = "product" not in data
    product = data.get("product", data)
    if not isinstance(product, dict) or not product.get("title"):
        return None
    minor = 2 if cents else None
    raw_options = product.get("options") or []
    option_names = [o.get("name", "") if isinstance(o, dict) else str(o) for o in raw_options]
    variants_raw = [v for v in product.get("variants") or [] if isinstance(v, dict)]
    variants = []
    for v in variants_raw:
        options = {
            name.lower(): v.get(f"option{i + 1}")
            for i, name in enumerate(option_names[:3])
            if v.get(f"option{i + 1}") and name.lower() != "title"
        }
        price = _money(v.get("price"), minor_units=minor)
        available = v.get("available")
        variants.append({
            "name": str(v.get("title") or ""),
            "options": options,
            "sku": str(v.get("sku") or ""),
            "price": str(price) if price is not None else None,
            "availability": "" if available is None else ("InStock" if available else "OutOfStock"),
            "id": str(v.get("id") or ""),
        })
    if len(variants) == 1 and not variants[0]["options"]:
        variants_out: list[dict] = []  # Shopify's "Default Title": no real choice
    else:
        variants_out = [{k: v for k, v in item.items() if k != "id"} for item in variants]
    chosen_raw = next((v for v in variants_raw if str(v.get("id")) == variant_id), None)
    chosen_raw = chosen_raw or next((v for v in variants_raw if v.get("available")), None)
    chosen_raw = chosen_raw or (variants_raw[0] if variants_raw else product)
    price = _money(chosen_raw.get("price"), minor_units=minor)
    regular = _money(chosen_raw.get("compare_at_price"), minor_units=minor)
    images: list[str] = []
    for image in product.get("images") or []:
        src = image.get("src") if isinstance(image, dict) else image
        if isinstance(src, str) and src:
            images.append(urljoin(page_url, src))
    available = chosen_raw.get("available", product.get("available"))
    return Facts(
        title=str(product.get("title") or ""),
        brand=str(product.get("vendor") or ""),
        price=price,
        regular_price=regular if regular is not None and price is not None and regular > price else None,
        description=_text(product.get("description") or product.get("body_html")),
        images=images,
        availability="" if available is None else ("InStock" if available else "OutOfStock"),
        sku=str(chosen_raw.get("sku") or ""),
        category=str(product.get("type") or product.get("product_type") or ""),
        variants=variants_out,
    )


def woocommerce_facts(data: object, *, page_url: str) -> Facts | None:
    """Facts from the WooCommerce Store API's product (prices in minor units)."""
    if not isinstance(data, dict) or not data.get("name"):
        return None
    prices = data.get("prices") or {}
    minor = prices.get("currency_minor_unit")
    minor = minor if isinstance(minor, int) else 2
    price = _money(prices.get("sale_price") or prices.get("price"), minor_units=minor)
    regular = _money(prices.get("regular_price"), minor_units=minor)
    options: dict[str, list[str]] = {}
    for attribute in data.get("attributes") or []:
        if isinstance(attribute, dict) and attribute.get("has_variations", True):
            terms = [t.get("name", "") for t in attribute.get("terms") or [] if isinstance(t, dict)]
            options[str(attribute.get("name") or "").lower()] = [t for t in terms if t]
    variants = []
    for variation in data.get("variations") or []:
        if not isinstance(variation, dict):
            continue
        chosen = {
            str(a.get("name") or "").lower(): a.get("value")
            for a in variation.get("attributes") or [] if isinstance(a, dict) and a.get("value")
        }
        if chosen:
            variants.append({"name": " / ".join(map(str, chosen.values())), "options": chosen,
                             "sku": "", "price": None, "availability": ""})
    if not variants and options:
        variants = [{"name": term, "options": {name: term}, "sku": "", "price": None, "availability": ""}
                    for name, terms in options.items() for term in terms]
    in_stock = data.get("is_in_stock")
    categories = [c.get("name", "") for c in data.get("categories") or [] if isinstance(c, dict)]
    brands = [b.get("name", "") for b in data.get("brands") or [] if isinstance(b, dict)]
    return Facts(
        title=_text(data.get("name")),
        brand=brands[0] if brands else "",
        price=price,
        currency=str(prices.get("currency_code") or ""),
        regular_price=regular if regular is not None and price is not None and regular > price else None,
        description=_text(data.get("short_description") or data.get("description")),
        images=[urljoin(page_url, i["src"]) for i in data.get("images") or []
                if isinstance(i, dict) and isinstance(i.get("src"), str)],
        availability="" if in_stock is None else ("InStock" if in_stock else "OutOfStock"),
        sku=str(data.get("sku") or ""),
        category=categories[0] if categories else "",
        variants=variants,
    )


def platform_facts(doc: lxml_html.HtmlElement, url: str, fetch_json: FetchJSON) -> Facts | None:
    """The platform layer for this page, fetched with ``fetch_json``; None when there is none
    or the endpoint did not answer with a product."""
    for platform, endpoint in endpoints(doc, url):
        endpoint, _, fragment = endpoint.partition("#")
        data = fetch_json(endpoint)
        if data is None:
            continue
        if platform == "shopify":
            facts = shopify_facts(data, page_url=url, variant_id=fragment.partition("=")[2])
        else:
            facts = woocommerce_facts(data, page_url=url)
        if facts is not None:
            return facts
    return None
