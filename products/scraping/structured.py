"""Structured product markup (JSON-LD, microdata, RDFa) read into one plain shape.

Every layer is turned into JSON-LD-like dicts (``{"@type": "Product", "name": ..., "offers":
...}``) so one reader (:func:`product_facts`) handles them all. Shops get this markup wrong in
many small ways, so the reading is tolerant: ``@type`` in any case or as a list, ``@graph``
and deep nesting, several offers, ``AggregateOffer``, ``priceSpecification``, brand as text
or object, images as text, list or ``ImageObject``, and JSON with comments or stray commas.

RDFa is read by a small walker here rather than extruct's pyRdfa path: that path re-parses
the page into a DOM and costs ~100 ms a page, against ~1 ms for the rest of the extraction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urljoin

from extruct.w3cmicrodata import MicrodataExtractor
from lxml import html as lxml_html

from core.money import parse_amount

PRODUCT_TYPES = frozenset({
    "product", "productgroup", "individualproduct", "productmodel", "someproducts",
    "vehicle", "car", "book", "offer",  # an Offer with itemOffered stands for its product
})
_LIST_PRICE_TYPES = ("listprice", "strikethroughprice", "msrp", "srp", "regularprice")
_SCHEMA_PREFIX = re.compile(r"^https?://(www\.)?(schema|data-vocabulary)\.org/", re.I)
_MICRODATA = MicrodataExtractor(nested=True)


@dataclass
class Facts:
    """What one layer says about the product; empty fields mean "this layer doesn't know"."""

    title: str = ""
    brand: str = ""
    price: Decimal | None = None
    currency: str = ""
    regular_price: Decimal | None = None
    description: str = ""
    images: list[str] = field(default_factory=list)
    availability: str = ""
    sku: str = ""
    category: str = ""
    breadcrumbs: list[str] = field(default_factory=list)
    # [{"name", "options": {"size": "M", "color": "Red"}, "sku", "price" (str|None), "availability"}]
    variants: list[dict] = field(default_factory=list)
    # aggregateRating as the page states it: the value, the top of its scale (bestRating,
    # schema.org's default 5) and the number of reviews (reviewCount, else ratingCount).
    rating: Decimal | None = None
    rating_scale: Decimal | None = None
    review_count: int | None = None
    # Every amount the layer's offers state (several offers at different prices), so the
    # price the page shows can pick among them.
    offer_prices: list[Decimal] = field(default_factory=list)


# ---------------------------------------------------------------- reading each syntax


def _loads_lenient(text: str) -> object | None:
    text = text.strip()
    text = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)", "", text)
    text = re.sub(r"(-->|//\s*\]\]>|\]\]>)\s*$", "", text).strip()
    if not text:
        return None
    for attempt in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return _shallow(json.loads(attempt, strict=False))
        except ValueError:
            continue
        except RecursionError:  # nested past Python's stack: no shop's markup, a hostile block
            return None
    try:  # several objects pasted one after another
        return _shallow(json.loads("[" + re.sub(r"}\s*{", "},{", text) + "]", strict=False))
    except (ValueError, RecursionError):
        return None


# Deeper than any real product markup (schema.org graphs nest under ten levels); the readers
# below recurse, so a deeper block is dropped whole rather than half-read.
MAX_JSONLD_DEPTH = 64


def _shallow(data: object) -> object | None:
    """``data`` when it nests at most ``MAX_JSONLD_DEPTH`` levels, else None. Iterative, so a
    hostile depth cannot overflow the stack here either."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSONLD_DEPTH:
            return None
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return data


def jsonld_items(doc: lxml_html.HtmlElement) -> list[object]:
    """Parsed contents of every ``<script type="application/ld+json">`` block."""
    items: list[object] = []
    for script in doc.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _loads_lenient(script.text or "")
        if data is not None:
            items.append(data)
    return items


def _from_microdata(item: object, base_url: str) -> object:
    """extruct's microdata item -> JSON-LD-like dict (recursively)."""
    if isinstance(item, list):
        return [_from_microdata(x, base_url) for x in item]
    if not isinstance(item, dict):
        return item
    if "properties" not in item and "type" not in item:
        return item
    out: dict[str, object] = {}
    types = item.get("type")
    if types:
        out["@type"] = types
    for key, value in (item.get("properties") or {}).items():
        out[key] = _from_microdata(value, base_url)
    if "value" in item and "name" not in out:
        out["value"] = item["value"]
    return out


def microdata_items(doc: lxml_html.HtmlElement, base_url: str) -> list[object]:
    """Top-level microdata items, converted to the JSON-LD shape."""
    if not doc.xpath("//*[@itemscope][1]"):
        return []
    try:
        raw = _MICRODATA.extract_items(doc, base_url)
    except Exception:  # extruct walks arbitrary markup; a broken page must not break us
        return []
    return [_from_microdata(x, base_url) for x in raw]


def _rdfa_value(el: lxml_html.HtmlElement, base_url: str) -> str:
    for attr in ("content", "resource", "href", "src"):
        value = el.get(attr)
        if value is not None:
            return urljoin(base_url, value) if attr != "content" else value
    return " ".join(el.text_content().split())


def _rdfa_node(el: lxml_html.HtmlElement, base_url: str) -> dict[str, object]:
    node: dict[str, object] = {"@type": (el.get("typeof") or "").split()}
    stack = list(el)
    while stack:
        child = stack.pop(0)
        if not isinstance(child.tag, str):
            continue
        prop = child.get("property")
        if prop:
            value: object = (_rdfa_node(child, base_url) if child.get("typeof")
                             else _rdfa_value(child, base_url))
            for name in prop.split():
                key = name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                existing = node.get(key)
                if existing is None:
                    node[key] = value
                elif isinstance(existing, list):
                    existing.append(value)
                else:
                    node[key] = [existing, value]
        if not child.get("typeof"):
            stack[0:0] = list(child)
    return node


def rdfa_items(doc: lxml_html.HtmlElement, base_url: str) -> list[object]:
    """schema.org RDFa (``typeof``/``property``) read as JSON-LD-like dicts; outermost only."""
    nodes = doc.xpath("//*[@typeof][not(ancestor::*[@typeof])]")
    return [_rdfa_node(el, base_url) for el in nodes]


# ---------------------------------------------------------------- walking the data


def type_names(node: dict) -> set[str]:
    raw = node.get("@type") or node.get("type") or ()
    if isinstance(raw, str):
        raw = [raw]
    names = set()
    for t in raw if isinstance(raw, list | tuple) else ():
        if isinstance(t, str):
            names.add(_SCHEMA_PREFIX.sub("", t).rsplit(":", 1)[-1].strip().lower())
    return names


def walk(data: object, depth: int = 0) -> Iterator[dict]:
    """Every dict inside ``data`` (``@graph`` and nested values included), outermost first."""
    if depth > 12:
        return
    if isinstance(data, list):
        for x in data:
            yield from walk(x, depth + 1)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict | list):
                yield from walk(value, depth + 1)


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: object) -> str:
    """A plain string from text, a number, a list (first) or a ``{"name"|"@value"}`` object."""
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("name") or item.get("@value") or item.get("value") or ""
            if isinstance(item, list | dict):
                item = _text(item)
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            text = " ".join(str(item).split())
            if text:
                return text
    return ""


def _images(value: object, base_url: str) -> list[str]:
    urls: list[str] = []
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("contentUrl") or item.get("url") or item.get("@id") or ""
            if isinstance(item, list):
                item = item[0] if item else ""
        if isinstance(item, str) and item.strip() and not item.strip().startswith("data:"):
            urls.append(urljoin(base_url, item.strip()))
    return urls


# Unfilled template variables ("$metabrand", "{{ brand }}", "%BRAND%") and "no brand" words.
_PLACEHOLDER = re.compile(r"^(\$\w+|\{\{.*\}\}|\$\{.*\}|%\w+%|\[\w+\]|null|none|undefined|n/?a)$", re.I)
_BRAND_LABEL = re.compile(
    r"^.{0,60}?\b(brand|marke|marque|marca|marchio|merk|m[äa]rke|zna[čc]ka|znamka|marka|бренд|"
    r"производитель|manufacturer|hersteller|fabricant|fabricante)\s*:\s*(?=\S)",
    re.I,
)


def clean_brand(text: str) -> str:
    """A brand name as a shopper would write it: without a "Brand:" style label in front
    ("See more from the brand: Acme" -> "Acme") and never a template placeholder."""
    text = _BRAND_LABEL.sub("", text.strip()).strip()
    if not text or _PLACEHOLDER.match(text) or len(text) > 80:
        return ""
    return text


def availability_name(value: object) -> str:
    """``http://schema.org/InStock``, ``instock``, ``in_stock`` ... -> ``InStock``."""
    text = _text(value)
    if not text:
        return ""
    key = re.sub(r"[^a-z]", "", text.rsplit("/", 1)[-1].lower())
    return _AVAILABILITY.get(key, "")


_AVAILABILITY = {
    "instock": "InStock", "outofstock": "OutOfStock", "preorder": "PreOrder",
    "presale": "PreSale", "backorder": "BackOrder", "soldout": "OutOfStock",
    "discontinued": "Discontinued", "limitedavailability": "LimitedAvailability",
    "instoreonly": "InStoreOnly", "onlineonly": "OnlineOnly", "madetoorder": "MadeToOrder",
    "available": "InStock", "in": "InStock", "out": "OutOfStock", "oos": "OutOfStock",
}


def _offer_list(product: dict) -> list[dict]:
    offers: list[dict] = []
    for offer in _as_list(product.get("offers")):
        if not isinstance(offer, dict):
            continue
        offers.append(offer)
        for inner in _as_list(offer.get("offers")):  # AggregateOffer.offers
            if isinstance(inner, dict):
                offers.append(inner)
    if "offer" in type_names(product):
        offers.insert(0, product)
    return offers


def _offer_price(offer: dict) -> tuple[Decimal | None, Decimal | None, str]:
    """(price, regular price, currency as written) of one offer."""
    currency = _text(offer.get("priceCurrency"))
    price = None
    regular = None
    for key in ("price", "lowPrice", "minPrice"):
        price, symbol = parse_amount(_text(offer.get(key)) or None, currency_hint=currency)
        if price is not None:
            currency = currency or symbol
            break
    for spec in _as_list(offer.get("priceSpecification")):
        if not isinstance(spec, dict):
            continue
        amount, symbol = parse_amount(_text(spec.get("price")) or None)
        if amount is None:
            continue
        kind = _text(spec.get("priceType")).lower().rsplit("/", 1)[-1]
        currency = currency or _text(spec.get("priceCurrency")) or symbol
        if any(k in kind for k in _LIST_PRICE_TYPES):
            regular = amount
        elif price is None:
            price = amount
    return price, regular, currency


def _offer_for_url(offers: list[dict], page_url: str) -> dict | None:
    """The one offer whose URL is this page's (relative URLs resolved); None when no offer,
    or several (sizes sharing the product's URL), name it."""
    if not page_url:
        return None
    page = page_url.rstrip("/")
    matches = [o for o in offers
               if _text(o.get("url")) and urljoin(page_url, _text(o.get("url"))).rstrip("/") == page]
    return matches[0] if len(matches) == 1 else None


def _pick_offer(offers: list[dict], page_url: str) -> dict | None:
    """The offer the page shows: the one for this URL, else the first priced one."""
    priced = [o for o in offers if _offer_price(o)[0] is not None]
    if not priced:
        return offers[0] if offers else None
    return _offer_for_url(priced, page_url) or priced[0]


def _availability(offers: list[dict], chosen: dict, page_url: str) -> str:
    """The chosen offer's availability; but when several offers (sizes, colours) are listed
    and none is the one this URL names, the product is in stock if any of them is."""
    own = availability_name(chosen.get("availability"))
    if len(offers) < 2 or _offer_for_url(offers, page_url) is not None:
        return own
    states = {availability_name(o.get("availability")) for o in offers}
    return "InStock" if "InStock" in states else own


def _score_product(node: dict) -> int:
    score = len(node)
    if node.get("offers"):
        score += 10
    if node.get("name"):
        score += 5
    if node.get("hasVariant"):
        score += 20  # the group stands for the page; its variants are nested products
    return score


def find_product(items: list[object]) -> dict | None:
    """The page's main product node among everything the markup holds."""
    candidates: list[dict] = []
    for node in walk(items):
        types = type_names(node)
        if not types & PRODUCT_TYPES:
            continue
        if "offer" in types and not node.get("itemOffered"):
            continue  # a bare Offer belongs to a product found elsewhere
        if "offer" in types:
            inner = node.get("itemOffered")
            if isinstance(inner, dict):
                merged = dict(inner)
                merged.setdefault("offers", {k: v for k, v in node.items() if k != "itemOffered"})
                candidates.append(merged)
                continue
        candidates.append(node)
    if not candidates:
        return None
    best = max(candidates, key=_score_product)  # max keeps the first of equal scores
    if not best.get("offers"):
        for variant in _as_list(best.get("hasVariant")):
            if isinstance(variant, dict) and variant.get("offers"):
                merged = dict(best)
                merged["offers"] = variant["offers"]
                return merged
    return best


def breadcrumb_names(items: list[object]) -> list[str]:
    """Names from the first BreadcrumbList, in position order."""
    for node in walk(items):
        if "breadcrumblist" not in type_names(node):
            continue
        elements = [e for e in _as_list(node.get("itemListElement")) if isinstance(e, dict)]

        def position(e: dict) -> float:
            try:
                return float(_text(e.get("position")) or 0)
            except ValueError:
                return 0.0

        names = []
        for element in sorted(elements, key=position):
            name = _text(element.get("name")) or _text(element.get("item"))
            if name and not name.startswith("http"):
                names.append(name)
        if names:
            return names
    return []


def product_facts(product: dict, *, page_url: str) -> Facts:
    """Read one product node (from any syntax) into :class:`Facts`."""
    facts = Facts(
        title=_text(product.get("name")),
        brand=clean_brand(_text(product.get("brand"))) or clean_brand(
            _text(product.get("manufacturer"))),
        description=_text(product.get("description")),
        images=_images(product.get("image"), page_url),
        sku=_text(product.get("sku")) or _text(product.get("productID"))
        or _text(product.get("mpn")),
        category=_text(product.get("category")),
    )
    offers = _offer_list(product)
    offer = _pick_offer(offers, page_url)
    if offer is not None:
        facts.price, facts.regular_price, facts.currency = _offer_price(offer)
        facts.availability = _availability(offers, offer, page_url)
        facts.sku = facts.sku or _text(offer.get("sku"))
        facts.offer_prices = [p for p in (_offer_price(o)[0] for o in offers[:50]) if p is not None]
    if (facts.regular_price is not None and facts.price is not None
            and facts.regular_price <= facts.price):
        facts.regular_price = None
    facts.variants = variants_of(product)
    facts.rating, facts.rating_scale, facts.review_count = aggregate_rating(product)
    return facts


_RATING_NUMBER = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{1,3})?)\s*$")
_COUNT_NUMBER = re.compile(r"^\s*(\d{1,3}(?:[,.\s\u00a0\u202f]\d{3})+|\d+)\s*\+?\s*$")


def _rating_number(value: object) -> Decimal | None:
    match = _RATING_NUMBER.match(_text(value))
    return Decimal(match.group(1).replace(",", ".")) if match else None


# No product has this many reviews; a larger count is a typo or a hostile page (and would not
# fit the review_count column).
MAX_REVIEW_COUNT = 100_000_000
# Ratings are out of 5, 10 or 100; a larger scale is not a rating.
MAX_RATING_SCALE = Decimal(100)


def _count_number(value: object) -> int | None:
    match = _COUNT_NUMBER.match(_text(value))
    if not match:
        return None
    count = int(re.sub(r"\D", "", match.group(1))[:12] or 0)
    return count if count <= MAX_REVIEW_COUNT else None


def aggregate_rating(product: dict) -> tuple[Decimal | None, Decimal | None, int | None]:
    """(rating, scale, review count) from the product's ``aggregateRating``, or Nones.

    Only a rating the page states in full is kept: a value above 0 and within its scale
    (``bestRating``, 5 when absent as schema.org says), and not one "from 0 reviews". The
    count is ``reviewCount``, else ``ratingCount``; None when the page gives neither.
    """
    for node in _as_list(product.get("aggregateRating")):
        if not isinstance(node, dict):
            continue
        rating = _rating_number(node.get("ratingValue"))
        scale = _rating_number(node.get("bestRating")) or Decimal(5)
        worst = _rating_number(node.get("worstRating")) or Decimal(0)
        count = _count_number(node.get("reviewCount"))
        if count is None:
            count = _count_number(node.get("ratingCount"))
        if rating is None or not (0 < rating <= scale <= MAX_RATING_SCALE) or worst >= scale or count == 0:
            continue
        return rating, scale, count
    return None, None, None


_VARIANT_PROPS = (
    ("size", "size"), ("color", "color"), ("colour", "color"), ("material", "material"),
    ("pattern", "pattern"),
)
MAX_VARIANTS = 100


def _variant(node: dict, offer: dict | None) -> dict:
    options = {}
    for prop, name in _VARIANT_PROPS:
        value = _text(node.get(prop))
        if value:
            options[name] = value
    for prop in _as_list(node.get("additionalProperty")):
        if isinstance(prop, dict) and _text(prop.get("name")) and _text(prop.get("value")):
            options.setdefault(_text(prop.get("name")).lower(), _text(prop.get("value")))
    price = _offer_price(offer)[0] if offer else None
    return {
        "name": _text(node.get("name")),
        "options": options,
        "sku": _text(node.get("sku")) or (_text(offer.get("sku")) if offer else ""),
        "price": str(price) if price is not None else None,
        "availability": availability_name(offer.get("availability")) if offer else "",
    }


def variants_of(product: dict) -> list[dict]:
    """Size/colour variants: ``ProductGroup.hasVariant`` products, else several offers that each
    name their own item (sku or name). A single offer is not a choice, so gives none."""
    variants: list[dict] = []
    for node in _as_list(product.get("hasVariant"))[:MAX_VARIANTS]:
        if isinstance(node, dict):
            offer = _pick_offer(_offer_list(node), "") if node.get("offers") else None
            variants.append(_variant(node, offer))
    if not variants:
        offers = [o for o in _offer_list(product) if "offer" in type_names(o) or o.get("price")]
        named = [o for o in offers if _text(o.get("sku")) or _text(o.get("name"))
                 or isinstance(o.get("itemOffered"), dict)]
        if len(named) >= 2:
            for offer in named[:MAX_VARIANTS]:
                item = offer.get("itemOffered") if isinstance(offer.get("itemOffered"), dict) else offer
                variants.append(_variant(item, offer))
    variants = [v for v in variants if v["name"] or v["options"] or v["sku"]]
    return variants if len(variants) >= 2 else []
