"""Product facts from meta tags and from the visible page, for shops with little markup.

These rules are deliberately generic (no per-domain selectors): the corpus pages were served
from other domains when captured, and merchants paste links from thousands of small shops.
Each function takes the already-parsed lxml document so the page is parsed once.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from .prices import parse_amount
from .structured import Facts, availability_name

_PRICE_WORD = re.compile(r"price|preis|prix|precio|prezzo|preco|cena|cost|amount|money", re.I)
_NOT_CURRENT = re.compile(
    r"old|was|strike|compare|regular|before|rrp|uvp|list|original|crossed|saving|save|"
    r"discount|instal|per-?month|monthly|shipping|unit|per-|klarna|afterpay|msrp|tax|vat|"
    r"range|from-|filter|slider|total|subtotal|cart|minicart|basket|points|reward|coupon",
    re.I,
)
_OLD_PRICE = re.compile(
    r"old|was|strike|compare|regular|before|rrp|uvp|list|original|crossed|barred|full-?price",
    re.I,
)
_ELSEWHERE = re.compile(
    r"related|recommend|similar|carousel|upsell|up-sell|cross-?sell|recent|also|bundle|"
    r"accessor|sponsor|footer|header|nav|menu|widget|review",
    re.I,
)
_CURRENCY_MARK = re.compile(
    r"[$€£¥₹₩₺₽₴₪₫฿₱]|\b(USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|JPY|CNY|INR|"
    r"BRL|MXN|NZD|SGD|HKD|ZAR|TRY|RUB|Kč|zł|kr|Ft|lei|lv|TL|Rs|RM)\b",
    re.I,
)
_HAS_DIGIT = re.compile(r"\d")
_NUMBER_GROUP = re.compile(r"\d[\d.,'\s]*")
_STRIKE_TAGS = frozenset({"del", "s", "strike"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "option", "select", "svg"})

_OUT_OF_STOCK = re.compile(
    r"out of stock|sold out|currently unavailable|no longer available|ausverkauft|"
    r"nicht (mehr )?verf[üu]gbar|nicht lieferbar|[ée]puis[ée]|rupture de stock|"
    r"indisponible|agotado|sin stock|esaurito|non disponibile|esgotado|indispon[íi]vel|"
    r"uitverkocht|slutsåld|wyprzedane|niedostępny|在庫切れ|売り切れ|缺货|售罄",
    re.I,
)
_IN_STOCK = re.compile(
    r"add to (cart|bag|basket|trolley)|buy now|in stock|in den warenkorb|sofort lieferbar|"
    r"auf lager|ajouter au panier|en stock|añadir al carrito|agregar al carrito|"
    r"aggiungi al carrello|disponibile|adicionar ao carrinho|em estoque|in winkelwagen|"
    r"köp|do koszyka|カートに入れる|加入购物车|有货",
    re.I,
)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _attrs(el: lxml_html.HtmlElement) -> str:
    """The attributes that name what an element is (class, id, test ids...), joined."""
    get = el.attrib.get
    return (f"{get('class', '')} {get('id', '')} {get('itemprop', '')} {get('data-testid', '')} "
            f"{get('data-test', '')} {get('data-qa', '')} {get('aria-label', '')}")


@lru_cache(maxsize=4096)
def _says_price(attrs: str) -> bool:
    """Cached: pages repeat the same class strings thousands of times."""
    return bool(_PRICE_WORD.search(attrs))


# ---------------------------------------------------------------- meta tags


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
              "product:price") or None,
        currency_hint=currency,
    )
    regular, _ = parse_amount(
        first("product:original_price:amount", "og:original_price:amount") or None
    )
    return Facts(
        title=first("og:title", "twitter:title"),
        brand=first("product:brand", "og:brand"),
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


# ---------------------------------------------------------------- visible page


_WORD = re.compile(r"\w+", re.U)
_HIDDEN = re.compile(r"(^|[\s_-])(hdn|dspn|hidden|sr-only|visually-?hidden|screen-reader|d-none|offscreen)($|[\s_-])", re.I)


def visible_text(el: lxml_html.HtmlElement) -> str:
    """Text a shopper sees in ``el``: without hidden spans (screen-reader prefixes such as
    "Details about") and without in-place action links (``href="#"``)."""
    parts: list[str] = [el.text or ""]
    for child in el.iterchildren():
        if isinstance(child.tag, str):
            hidden = _HIDDEN.search(child.get("class") or "") or "display:none" in (
                child.get("style") or "").replace(" ", "")
            action = child.tag == "a" and (child.get("href") or "").startswith(("#", "javascript:"))
            if not hidden and not action and child.tag not in _SKIP_TAGS:
                parts.append(visible_text(child))
        parts.append(child.tail or "")
    return " ".join(" ".join(parts).split())


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1 or not w.isascii()}


def main_heading(doc: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The product title element among the non-empty ``<h1>``s.

    The product's name is nearly always in the document ``<title>`` too, so the ``<h1>``
    sharing most words with it wins; product-ish attributes (product, title, name) help, and
    headings of upsell or related-product strips lose. Ties keep document order.
    """
    headings = [h for h in doc.iter("h1") if _clean(h.text_content())]
    if len(headings) <= 1:
        return headings[0] if headings else None
    title_words = _words(_clean(doc.findtext(".//title")))
    best, best_score = None, float("-inf")
    for h in headings:
        text = _clean(h.text_content())
        words = _words(text[:300])
        score = 0.0
        if title_words and words:
            score += 3.0 * len(words & title_words) / len(words) * min(1.0, len(words) / 2)
        attrs = _attrs(h)
        if re.search(r"product|title|name", attrs, re.I):
            score += 1.0
        if _ELSEWHERE.search(_context_attrs(h, 3)) or re.search(r"upsell|message", attrs, re.I):
            score -= 2.0
        if score > best_score:
            best, best_score = h, score
    return best


def page_title(doc: lxml_html.HtmlElement) -> str:
    """``<title>`` without the " | Shop name" tail."""
    title = _clean(doc.findtext(".//title"))
    parts = [p.strip() for p in re.split(r"\s+[|–—:-]\s+|\s+\|\s*", title) if p.strip()]  # noqa: RUF001
    return max(parts, key=len) if parts else ""


def _price_text(el: lxml_html.HtmlElement) -> str:
    """Element text with superscript cents read as decimals: ``173<sup>34</sup>`` -> 173.34."""
    parts: list[str] = [el.text or ""]
    for child in el.iterchildren():
        if not isinstance(child.tag, str):
            continue
        inner = _clean(child.text_content())
        before = "".join(parts).rstrip()
        if child.tag == "sup" and re.fullmatch(r"\d{2}", inner) and re.search(r"\d$", before):
            parts.append("." + inner)
        else:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return _clean("".join(parts))


def _in_strike(el: lxml_html.HtmlElement) -> bool:
    node: lxml_html.HtmlElement | None = el
    for _ in range(4):
        if node is None:
            return False
        if node.tag in _STRIKE_TAGS or "line-through" in (node.get("style") or ""):
            return True
        node = node.getparent()
    return False


def _context_attrs(el: lxml_html.HtmlElement, levels: int) -> str:
    parts = []
    node: lxml_html.HtmlElement | None = el
    for _ in range(levels):
        if node is None:
            break
        parts.append(_attrs(node))
        node = node.getparent()
    return " ".join(parts)


def price_candidates(
    doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None
) -> list[tuple[float, Decimal, str, bool]]:
    """Visible prices as (score, amount, currency, looks-like-an-old-price), best first.

    A price element is one whose attributes say "price" (in several languages) or whose short
    own text carries a currency mark. It scores higher near the title (``heading``, measured
    in elements of document order) and lower when it sits in a related-products strip, a
    cart, or reads like a crossed-out, monthly or per-unit price. One pass over the tree with
    cheap filters first: this runs on every page.
    """
    found: list[tuple[int, lxml_html.HtmlElement, bool, str]] = []
    anchor = -1
    for position, el in enumerate(doc.iter(etree.Element)):
        if el is heading:
            anchor = position
        if el.tag in _SKIP_TAGS:
            continue
        by_attr = bool(el.attrib) and _says_price(_attrs(el))
        if not by_attr:
            own = el.text
            if not own or len(own) > 60:
                continue
            if not _HAS_DIGIT.search(own):
                # "$<span>99</span>": the mark in this element, the amount in a child.
                if len(el) > 2 or not _CURRENCY_MARK.search(own):
                    continue
                text = _price_text(el)
            else:
                text = _clean(own)
        else:
            text = _price_text(el)
        if not text or len(text) > 40 or not _HAS_DIGIT.search(text):
            continue
        found.append((position, el, by_attr, text))

    results: list[tuple[float, Decimal, str, bool]] = []
    for position, el, by_attr, text in found:
        has_mark = bool(_CURRENCY_MARK.search(text))
        if not by_attr and not has_mark:
            continue
        if (by_attr and len(el) > 6) or len(_NUMBER_GROUP.findall(text)) > 1:
            continue  # a container of several prices (old + new, range): its parts compete
        amount, currency = parse_amount(text)
        if amount is None:
            continue
        distance = abs(position - anchor) if anchor >= 0 else position
        old = _in_strike(el) or bool(_OLD_PRICE.search(_context_attrs(el, 2)))
        score = 4.0 * by_attr + 2.0 * has_mark - min(distance, 4000) / 400
        if anchor >= 0 and position < anchor:
            score -= 1.0
        if _NOT_CURRENT.search(_context_attrs(el, 3)):
            score -= 3.0
        if _ELSEWHERE.search(_context_attrs(el, 6)):
            score -= 4.0
        if old:
            score -= 2.0
        if el.get("itemprop") == "price" or el.get("content"):
            score += 2.0
        if _in_product_card(el):
            score -= 3.0
        results.append((score, amount, currency, old))
    results.sort(key=lambda r: -r[0])
    return results


def _in_product_card(el: lxml_html.HtmlElement) -> bool:
    """True when the price sits in a tile of another product (a linked sub-heading nearby)."""
    node = el.getparent()
    for _ in range(3):
        if node is None or node.tag in ("body", "main"):
            return False
        if node.xpath(".//h2//a | .//h3//a | .//h4//a | .//h5//a | .//a//h2 | .//a//h3 | .//a//h4"):
            return True
        node = node.getparent()
    return False


def availability_from_text(doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None) -> str:
    """InStock / OutOfStock from buy-box words near the title; "" when the page doesn't say."""
    area = heading
    for _ in range(4):  # climb to a container that holds the buy box
        if area is None or area.getparent() is None:
            break
        area = area.getparent()
        if len(_clean(area.text_content())) > 3000:
            break
    scope = area if area is not None else doc
    buttons = " ".join(
        _clean(b.text_content()) + " " + (b.get("value") or "")
        for b in scope.iter("button", "input") if isinstance(b.tag, str)
    )
    text = _clean(scope.text_content())[:5000]
    if _OUT_OF_STOCK.search(buttons) or (_OUT_OF_STOCK.search(text) and not _IN_STOCK.search(buttons)):
        return "OutOfStock"
    if _IN_STOCK.search(buttons) or _IN_STOCK.search(text):
        return "InStock"
    return ""


_IMAGE_ATTRS = ("data-zoom-image", "data-zoom", "data-large_image", "data-large-image",
                "data-old-hires", "data-full", "data-original", "data-src", "src")
_GALLERY = re.compile(r"gallery|product|zoom|main|hero|slide|media|pdp|photo|image", re.I)
_NOT_PRODUCT_IMAGE = re.compile(r"logo|icon|sprite|avatar|badge|flag|payment|rating|star|"
                                r"banner|placeholder|spinner|loading|pixel|blank|\.svg", re.I)


def _largest_srcset(srcset: str) -> str:
    best, best_size = "", -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            try:
                size = float(bits[1].rstrip("wx"))
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = bits[0], size
    return best


def gallery_images(doc: lxml_html.HtmlElement, page_url: str, limit: int = 12) -> list[str]:
    """Product photos from the page: gallery-ish ``<img>`` elements, largest variant of each."""
    urls: list[str] = []
    for img in doc.iter("img"):
        context = _context_attrs(img, 4) + " " + (img.get("alt") or "")
        if not _GALLERY.search(context) or _ELSEWHERE.search(_context_attrs(img, 8)):
            continue
        width = img.get("width") or ""
        if width.isdigit() and int(width) < 100:
            continue
        url = ""
        for attr in _IMAGE_ATTRS[:-2]:
            if img.get(attr):
                url = img.get(attr, "")
                break
        if not url:
            srcset = img.get("srcset") or img.get("data-srcset") or ""
            url = _largest_srcset(srcset) if srcset else (img.get("data-src") or img.get("src") or "")
        url = url.strip()
        if not url or url.startswith("data:") or _NOT_PRODUCT_IMAGE.search(url):
            continue
        urls.append(urljoin(page_url, url))
        if len(urls) >= limit:
            break
    return urls


_FEATURE_AREA = re.compile(r"feature|bullet|highlight|benefit|key-?points|usp|detail|descri|"
                           r"spec|merkmal|caracter|vorteil|points-forts", re.I)


def feature_bullets(doc: lxml_html.HtmlElement, limit: int = 8) -> list[str]:
    """Short bullet points from feature/description sections, deduplicated."""
    seen: set[str] = set()
    features: list[str] = []
    for ul in doc.iter("ul", "ol"):
        if not _FEATURE_AREA.search(_context_attrs(ul, 4)) or _ELSEWHERE.search(_context_attrs(ul, 6)):
            continue
        for li in ul.iter("li"):
            text = _clean(li.text_content())
            if not 3 <= len(text) <= 220 or text.lower() in seen or text.startswith(("http", "{")):
                continue
            if len(li.xpath(".//a")) and len(text) < 25:
                continue  # navigation-like links, not features
            seen.add(text.lower())
            features.append(text)
            if len(features) >= limit:
                return features
    return features


def html_breadcrumbs(doc: lxml_html.HtmlElement) -> list[str]:
    """Breadcrumb trail from a ``nav``/list whose attributes say breadcrumb."""
    for el in doc.xpath('//*[contains(@class, "readcrumb") or contains(@id, "readcrumb") '
                        'or contains(@aria-label, "readcrumb") or contains(@class, "READCRUMB")]'):
        items = [_clean(a.text_content()) for a in el.iter("a", "li")]
        names: list[str] = []
        for name in items:
            if name and len(name) < 60 and name not in names:
                names.append(name)
        if len(names) >= 2:
            return names[:8]
    return []
