"""Product facts from meta tags and from the visible page, for shops with little markup.

These rules are deliberately generic (no per-domain selectors): the corpus pages were served
from other domains when captured, and merchants paste links from thousands of small shops.
Each function takes the already-parsed lxml document so the page is parsed once.
"""

# Words in many scripts (Cyrillic, Hebrew, full-width colons) are meant here:
# ruff: noqa: RUF001

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import NamedTuple
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from .prices import parse_amount
from .structured import Facts, availability_name, clean_brand

_PRICE_WORD = re.compile(r"price|preis|prix|precio|prezzo|preco|cena|cost|amount|money", re.I)
_NOT_CURRENT = re.compile(
    r"old|was|strike|compare|regular|before|rrp|uvp|list|original|crossed|saving|save|"
    r"discount|instal|per-?month|monthly|shipping|unit|per-|klarna|afterpay|msrp|tax|vat|"
    r"range|from-|filter|total|subtotal|cart|minicart|basket|points|reward|coupon",
    re.I,
)
_OLD_PRICE = re.compile(
    r"old|was|strike|compare|regular|before|rrp|uvp|list|original|crossed|barred|full-?price",
    re.I,
)
_ELSEWHERE = re.compile(
    r"related|recommend|similar|carousel|upsell|up-sell|cross-?sell|recent|also|bundle|"
    r"accessor|sponsor|footer|header|(?<![a-z])nav|menu|(?<![a-z])widget|review",
    re.I,
)
_CURRENCY_MARK = re.compile(
    r"[$€£¥₹₩₺₽₴₪₫฿₱₸원円元]|\b(USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|JPY|CNY|INR|"
    r"BRL|MXN|NZD|SGD|HKD|ZAR|TRY|RUB|HRK|KZT|BGN|UAH|ILS|AED|SAR|CLP|ARS|COP|PEN|ISK|BYN|"
    r"Kč|zł|kr|kn|Ft|lei|lv|лв|TL|Rs|RM|тг|грн|руб)(?!\w)",
    re.I,
)
# A price stated without VAT ("Brez DDV: 81.97 €", "excl. VAT", "netto", "HT"): the shopper
# pays the VAT-inclusive price shown beside it.
_EX_VAT = re.compile(
    r"\b(excl?\.?|excluding|exclusive|ex\.?|without|zonder|ohne|sans|sin|senza|bez|brez|utan|"
    r"uden|uten|ilman)\s*(of\s*)?(vat|tax|mwst|ust|tva|iva|btw|dph|ddv|pdv|moms|mva|alv|áfa)\b|"
    r"\bnetto\b|\b(prix\s*)?HT\b|\bnet\s*price\b",
    re.I,
)
# An auction's opening price: what bidding started at, not what the item sells for now.
_STARTING_PRICE = re.compile(
    r"\b(starting|start|opening|minimum|min\.?)\s*(price|bid)\b|\bstartpreis|\bstartgebot|"
    r"\bmindestgebot|\bprix\s*de\s*d[ée]part|\bmise\s*[àa]\s*prix|\bprecio\s*de\s*salida|"
    r"\bpuja\s*(inicial|m[ií]nima)|\bprezzo\s*(di\s*)?partenza|\bbase\s*d.asta|\blance\s*inicial|"
    r"\bcena\s*wywo[łl]awcza|\bvyvol[áa]vac[íi]\s*cena|\butropspris|\bstartbod|\bstartprijs|"
    r"起標價|起拍价|起拍價|開始価格",
    re.I,
)
# A label naming the amount beside it as the price ("Price:", "特價", "Preis"); words for an
# earlier or per-instalment price are not such labels.
_PRICE_LABEL = re.compile(
    r"price|preis|prix|precio|prezzo|preço|preco|cena|цена|ціна|fiyat|hinta|pris|prijs|"
    r"價|价|価格|가격",
    re.I,
)
_NOT_PRICE_LABEL = re.compile(
    r"\b(was|list|regular|before|original|old|rrp|uvp|msrp|statt|ab|from|per|unit)\b|"
    r"原價|原价|定價|定价|市價|市价|建議|参考|每期|分期|/月|每月",
    re.I,
)
_BARE_NUMBER = re.compile(r"^\s*\d(?:[\d.,'\s]*\d)?\s*$")
_SPLIT_PART = re.compile(r"^\s*\d[\d.,'\s]*$")
_CENTS = re.compile(r"\d{2}")
_HAS_DIGIT = re.compile(r"\d")
_NUMBER_GROUP = re.compile(r"\d[\d.,'\s]*")
_STRIKE_TAGS = frozenset({"del", "s", "strike"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "option", "select", "svg"})

_OUT_OF_STOCK = re.compile(
    r"out[ -]of[ -]stock|sold[ -]out|(currently|temporarily) (unavailable|not available)|"
    r"no longer available|ausverkauft|nicht (mehr )?(verf[üu]gbar|lieferbar|auf lager|vorr[äa]tig)|"
    r"[ée]puis[ée]|rupture de stock|indisponible|non disponible|no disponible|agotado|sin stock|"
    r"esaurito|non disponibile|esgotado|indispon[íi]vel|uitverkocht|niet (op voorraad|leverbaar)|"
    r"slutsåld|ikke på lager|inte i lager|wyprzedane|niedostępny|brak w magazynie|"
    r"nen[íi] skladem|nie je na sklade|vypredan|nema na (stanju|zalihi)|ni na zalogi|"
    r"нет в наличии|немає в наявності|stokta yok|tükendi|"
    r"在庫切れ|売り切れ|缺货|售罄|已售完|품절",
    re.I,
)
_IN_STOCK = re.compile(
    r"add to (cart|bag|basket|trolley)|buy now|in stock|in den warenkorb|sofort lieferbar|"
    r"auf lager|lieferbar|vorr[äa]tig|ajouter au panier|en stock|añadir al carrito|"
    r"agregar al carrito|aggiungi al carrello|disponibile|in magazzino|adicionar ao carrinho|"
    r"em estoque|dispon[íi]vel|disponible|in winkelwagen|op voorraad|på lager|i lager|köp|"
    r"do koszyka|na stanie|dostępny|skladem|na sklade|na stanju|na zalogi|dobavljivo|raktáron|"
    r"в наличии|в наявності|stokta|カートに入れる|在庫あり|加入购物车|有货|現貨|재고 있음|"
    r"\bavailable\b",
    re.I,
)
# "Image not available for this colour" is about a photo, not stock.
_ABOUT_IMAGE = re.compile(r"image|imagen|immagine|imagem|bild|abbildung|afbeelding|foto|photo|"
                          r"picture|obrázek|zdjęcie|изображение|画像|图片", re.I)
# Elements that state stock (id="availability", class="stock-status"...): see _STOCK_XPATH.


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


# ---------------------------------------------------------------- visible page


_WORD = re.compile(r"\w+", re.U)
_HIDDEN = re.compile(r"(^|[\s_-])(hdn|dspn|hidden|sr-only|visually-?hidden|screen-reader|d-none|offscreen)($|[\s_-])", re.I)


# Links inside a title that are account actions (log in to save, add to wishlist), not name.
_ACTION_HREF = re.compile(r"log-?in|sign-?in|account|wish-?list|favou?rite|/cart\b|/basket\b", re.I)
# A price written in front of the name: "$60 · Vintage skateboard".
_LEADING_PRICE = re.compile(
    r"^\s*(?:[$€£¥₹]\s?\d[\d.,]*|\d[\d.,]*\s?[$€£¥₹])\s*[·|•–—-]\s+(?=\w)"
)


def strip_leading_price(title: str) -> str:
    return _LEADING_PRICE.sub("", title, count=1)


def visible_text(el: lxml_html.HtmlElement) -> str:
    """Text a shopper sees in ``el``: without hidden spans (screen-reader prefixes such as
    "Details about") and without in-place action links (``href="#"``)."""
    parts: list[str] = [el.text or ""]
    for child in el.iterchildren():
        if isinstance(child.tag, str):
            hidden = _HIDDEN.search(child.get("class") or "") or "display:none" in (
                child.get("style") or "").replace(" ", "")
            href = child.get("href") or ""
            action = child.tag == "a" and (href.startswith(("#", "javascript:"))
                                           or bool(_ACTION_HREF.search(href)))
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


# The separators between a page title's parts: "Name | Shop", "Shop - Name", dashes, full-width bars.
TITLE_PARTS = re.compile(r"\s+[|–—:-]\s+|\s*[|｜]\s*")


def title_element(doc: lxml_html.HtmlElement, titles: list[str]) -> lxml_html.HtmlElement | None:
    """For pages without an ``<h1>``: the first element in the body whose own text is the
    product's name as the ``<title>`` or ``og:title`` gives it (any " - " / " | " part of
    them; the shop's name is rarely written alone outside the header), to anchor the buy box."""
    names = {
        part.lower()
        for title in titles
        for part in TITLE_PARTS.split(_clean(title))
        if len(part) >= 4
    }
    if not names:
        return None
    body = doc.find("body")
    for el in (body if body is not None else doc).iter(etree.Element):
        if el.tag in _SKIP_TAGS or el.tag in ("a", "title", "option"):
            continue
        own = _clean(el.text).lower()
        if own and own in names and not _ELSEWHERE.search(_context_attrs(el, 6)):
            return el
    return None


def page_title(doc: lxml_html.HtmlElement) -> str:
    """``<title>`` without the " | Shop name" tail."""
    title = _clean(doc.findtext(".//title"))
    parts = [p.strip() for p in re.split(r"\s+[|–—:-]\s+|\s+\|\s*", title) if p.strip()]
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


class PriceCandidate(NamedTuple):
    score: float
    amount: Decimal
    currency: str
    old: bool  # crossed out, labelled as an earlier price, or an auction's starting price
    starting: bool  # labelled as an auction's starting price / opening bid


def price_candidates(
    doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None
) -> list[PriceCandidate]:
    """Visible prices, best first.

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

    scored: list[list] = []  # [score, amount, currency, old, element, signature]
    for position, el, by_attr, text in found:
        mark = _CURRENCY_MARK.search(text)
        if mark is None and _SPLIT_PART.match(text):
            # "<b>294</b> 元", "NT$<span>294</span>": the mark written just outside the number.
            # A piece of a price split over elements (<whole>29.</whole><cents>99</cents>) is
            # no price of its own: the whole one is read from the elements around it.
            after, before = _text_after(el), _text_before(el)
            if _CENTS.fullmatch(after.strip()) or (
                _CENTS.fullmatch(text.strip()) and before.rstrip()[-1:] in (".", ",")
            ):
                continue
            if _BARE_NUMBER.match(text):
                mark = _MARK_AFTER.match(after) or _MARK_BEFORE.search(before)
        has_mark = mark is not None
        if not by_attr and not has_mark:
            continue
        if (by_attr and len(el) > 6) or len(_NUMBER_GROUP.findall(text)) > 1:
            continue  # a container of several prices (old + new, range): its parts compete
        amount, currency = parse_amount(text)
        if amount is None:
            continue
        currency = currency or (mark.group() if mark else "")
        distance = abs(position - anchor) if anchor >= 0 else position
        old = _in_strike(el) or bool(_OLD_PRICE.search(_context_attrs(el, 2)))
        score = 4.0 * by_attr + 2.0 * has_mark - min(distance, 4000) / 400
        label = _lead_label(el, text)
        starting = bool(_STARTING_PRICE.search(label))
        if starting:
            old = True  # an auction's opening price; the current bid is the price
        elif _PRICE_LABEL.search(label) and not _NOT_PRICE_LABEL.search(label):
            score += 1.0
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
        scored.append([score, amount, currency, old, el, (el.tag, el.get("class") or "", distance),
                       starting])
    _demote_repeated(scored)
    _prefer_vat_inclusive(scored)
    scored.sort(key=lambda r: -r[0])
    return [PriceCandidate(r[0], r[1], r[2], r[3], r[6]) for r in scored]


_MARK_AFTER = re.compile(r"\s*(" + _CURRENCY_MARK.pattern + r")", re.I)
_MARK_BEFORE = re.compile(r"(" + _CURRENCY_MARK.pattern + r")\s*$", re.I)


def _text_before(el: lxml_html.HtmlElement) -> str:
    """The text written just before an element inside its parent (the last 40 characters):
    the previous sibling's tail, or that sibling's own words when only space follows it."""
    previous = el.getprevious()
    if previous is None:
        parent = el.getparent()
        return ((parent.text or "") if parent is not None else "")[-40:]
    tail = previous.tail or ""
    if tail.strip() or not isinstance(previous.tag, str) or previous.tag in _SKIP_TAGS:
        return tail[-40:]
    return (previous.text_content()[-40:] + tail)[-40:]


def _text_after(el: lxml_html.HtmlElement) -> str:
    """The text written just after an element: its tail, or the next sibling's first words."""
    tail = el.tail or ""
    following = el.getnext()
    if tail.strip() or following is None or not isinstance(following.tag, str):
        return tail[:40]
    return (tail + (following.text or ""))[:40]


def _lead_label(el: lxml_html.HtmlElement, text: str) -> str:
    """The words that introduce a price: the text before it in its parent ("<b>特價</b> 7 折
    <span>294</span>") and its own text before the number ("Starting Price $150")."""
    parts: list[str] = []
    parent = el.getparent()
    if parent is not None and len(parent) <= 8:
        parts.append(parent.text or "")
        for sibling in parent.iterchildren():
            if sibling is el:
                break
            if isinstance(sibling.tag, str) and sibling.tag not in _SKIP_TAGS:
                parts.append(sibling.text_content())
            parts.append(sibling.tail or "")
    digit = _HAS_DIGIT.search(text)
    parts.append(text[: digit.start()] if digit else "")
    return _clean(" ".join(parts)[-80:])[-40:]


REPEATED_MIN = 3


def _demote_repeated(scored: list[list]) -> None:
    """Prices whose element shape (tag + class) repeats with several different amounts are a
    list of other products (tiles, a carousel, variant swatches); all but the one nearest the
    title lose ground."""
    groups: dict[tuple[str, str], list[list]] = {}
    for row in scored:
        tag, cls, _distance = row[5]
        if cls:
            groups.setdefault((tag, cls), []).append(row)
    for rows in groups.values():
        if len(rows) < REPEATED_MIN or len({r[1] for r in rows}) < REPEATED_MIN:
            continue
        nearest = min(rows, key=lambda r: r[5][2])
        for row in rows:
            if row is not nearest:
                row[0] -= 2.5


def _label_text(el: lxml_html.HtmlElement) -> str:
    """The words around a price (its parent's first few text pieces): "excl. VAT 81.97"."""
    parent = el.getparent()
    scope = parent if parent is not None else el
    return _clean(" ".join(islice(scope.itertext(), 8)))[:160]


def _prefer_vat_inclusive(scored: list[list]) -> None:
    """A price labelled as excluding VAT is not what the shopper pays: it drops out, and a
    higher price in the same small block (the VAT-inclusive one, however its class is named)
    counts as the current price."""
    for row in scored:
        el = row[4]
        if not _EX_VAT.search(_label_text(el)):
            continue
        row[0] -= 6.0
        block = el.getparent()
        for _ in range(3):
            if block is None:
                break
            block = block.getparent()
            if block is None:
                break
            inside = {id(x) for x in block.iter()}
            partners = [r for r in scored if r is not row and id(r[4]) in inside and r[1] > row[1]
                        and not _in_strike(r[4]) and not _EX_VAT.search(_label_text(r[4]))]
            if partners:
                for partner in partners:
                    if partner[3]:
                        partner[3] = False
                        partner[0] += 2.0
                    partner[0] += 2.0
                break


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


_STOCK_ATTR = re.compile(r"availab|stock|lager|dispon|inventory|verfueg|verfüg|skladem", re.I)


@lru_cache(maxsize=4096)
def _says_stock(value: str) -> bool:
    return bool(_STOCK_ATTR.search(value))


def stock_status(doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None) -> str:
    """InStock / OutOfStock from a short stock message in an element named for it
    (``<div id="availability">In stock.</div>``), the one nearest the title; "" when none."""
    found: list[tuple[int, str]] = []
    anchor = -1
    for position, el in enumerate(doc.iter(etree.Element)):
        if el is heading:
            anchor = position
        cls, ident = el.get("class"), el.get("id")
        if not ((cls and _says_stock(cls)) or (ident and _says_stock(ident))
                or (el.get("itemprop") or "").lower() == "availability"):
            continue
        if el.tag in _SKIP_TAGS:
            continue
        text = _clean(el.text_content())
        if not text or len(text) > 120 or _ABOUT_IMAGE.search(text):
            continue
        if _OUT_OF_STOCK.search(text):
            state = "OutOfStock"
        elif _IN_STOCK.search(text):
            state = "InStock"
        else:
            continue
        if _ELSEWHERE.search(_context_attrs(el, 6)):
            continue
        found.append((position, state))
    if not found:
        return ""
    if anchor < 0:
        return found[0][1]
    return min(found, key=lambda f: abs(f[0] - anchor))[1]


def _is_disabled(button: lxml_html.HtmlElement) -> bool:
    return button.get("disabled") is not None or button.get("aria-disabled") == "true"


def availability_from_text(doc: lxml_html.HtmlElement, heading: lxml_html.HtmlElement | None) -> str:
    """InStock / OutOfStock from buy-box words near the title; "" when the page doesn't say.

    A stock message in an element named for it wins; else the buy-box buttons (an "Add to
    cart" button that is disabled means out of stock), else the words around the title."""
    status = stock_status(doc, heading)
    if status:
        return status
    area = heading
    for _ in range(4):  # climb to a container that holds the buy box
        if area is None or area.getparent() is None:
            break
        area = area.getparent()
        if len(_clean(area.text_content())) > 3000:
            break
    scope = area if area is not None else doc
    own_buttons = [b for b in scope.iter("button", "input")
                   if not _ELSEWHERE.search(_context_attrs(b, 6))]
    buttons = " ".join(
        _clean(b.text_content()) + " " + (b.get("value") or "")
        for b in own_buttons
        if not _is_disabled(b)
    )
    disabled = " ".join(
        _clean(b.text_content()) + " " + (b.get("value") or "")
        for b in own_buttons
        if _is_disabled(b)
    )
    if _IN_STOCK.search(disabled) and not _IN_STOCK.search(buttons):
        return "OutOfStock"
    # Stock messages are short labels; a long sentence that mentions stock ("if no price is
    # shown the item is out of stock") is not one.
    parts: list[str] = []
    for node in scope.xpath(".//text()[normalize-space()]")[:600]:
        part = _clean(node)
        if len(part) > 80 or not (_OUT_OF_STOCK.search(part) or _IN_STOCK.search(part)):
            continue
        parent = node.getparent()
        if parent is not None and _ELSEWHERE.search(_context_attrs(parent, 6)):
            continue  # a related product's stock or button
        parts.append(part)
    text = " | ".join(parts)
    if _OUT_OF_STOCK.search(buttons) or (_OUT_OF_STOCK.search(text) and not _IN_STOCK.search(buttons)):
        return "OutOfStock"
    if _IN_STOCK.search(buttons) or _IN_STOCK.search(text):
        return "InStock"
    return "InStock" if _has_buy_button(doc) else ""


_BUY = re.compile(
    r"add to (cart|bag|basket|trolley)|buy( it)? now|^buy$|in den warenkorb|jetzt kaufen|^kaufen$|"
    r"ajouter au panier|^acheter$|añadir al (carrito|carro)|agregar al carrito|^comprar$|"
    r"aggiungi al carrello|^acquista$|adicionar ao carrinho|in winkelwagen|^köp$|l[äa]gg i varukorg|"
    r"do koszyka|do ko[šs][íi]ka|^k[úu]pi[ťt]?$|^kupi$|v ko[šs]arico|u ko[šs]aricu|"
    r"в корзину|^купить$|sepete ekle|カートに入れる|加入購物車|加入购物车|立即購買|立即购买|장바구니|구매하기",
    re.I,
)


def _has_buy_button(doc: lxml_html.HtmlElement) -> bool:
    """An enabled buy / add-to-cart button outside related-product strips: the product can be
    bought, so it is in stock."""
    for el in doc.iter("button", "input", "a"):
        if _is_disabled(el):
            continue
        if el.tag == "a" and not re.search(r"btn|button|cart|buy", el.get("class") or "", re.I):
            continue
        if el.tag == "input" and (el.get("type") or "").lower() not in ("submit", "button"):
            continue
        label = _clean(el.text_content() if el.tag != "input" else el.get("value"))
        if not label or len(label) > 40 or not _BUY.search(label):
            continue
        if _ELSEWHERE.search(_context_attrs(el, 6)) or _in_product_card(el):
            continue
        return True
    return False


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


def gallery_images(
    doc: lxml_html.HtmlElement, page_url: str, limit: int = 12, *, title: str = ""
) -> list[str]:
    """Product photos from the page: gallery-ish ``<img>`` elements, largest variant of each.

    Images inside carousels and other strips are skipped (related products) unless their
    ``alt`` text names this product (``title``): a product's own photo slider is a carousel too.
    """
    urls: list[str] = []
    title = _clean(title).lower()
    for img in doc.iter("img"):
        alt = img.get("alt") or ""
        context = _context_attrs(img, 4) + " " + alt
        names_product = len(title) >= 4 and title in _clean(alt).lower()
        if not _GALLERY.search(context) or (
                not names_product and _ELSEWHERE.search(_context_attrs(img, 8))):
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


# ---------------------------------------------------------------- labelled details

# Labels of a product-details row ("Brand | Acme", "<dt>SKU</dt><dd>AC-1</dd>",
# "<b>Item number:</b> 1234"), matched on the whole label text in many languages.
_BRAND_LABELS = re.compile(
    r"(brand|brand name|marke|marque|marca|marchio|merk|m[äæ]rke|merke|zna[čc]ka|znamka|marka|"
    r"бренд|торговая марка|品牌|ブランド|브랜드|מותג)",
    re.I,
)
_MAKER_LABELS = re.compile(
    r"(manufacturer|hersteller|fabricant|fabricante|produttore|producent|výrobca|výrobce|"
    r"proizvo[đd]a[čc]|proizvajalec|gyártó|производитель|制造商|メーカー|제조사)",
    re.I,
)
# SKU labels, most direct first: "SKU", then "item/article/product number", then the looser
# "reference"/"code" words, which some shops use for the model number.
_SKU_LABEL_TIERS = (
    re.compile(r"(sku|asin|sku[ -]?(number|no\.?|nr\.?|#))", re.I),
    re.compile(
        r"((\w+ )?(item|article|product|art\.?|artikel|prod\.?)[ .-]?(number|no\.?|nr\.?|nummer|"
        r"code|id|#)|artikelnummer|artikelnr\.?|bestellnummer|best\.?-?nr\.?|"
        r"codice (articolo|prodotto)|c[óo]digo de (producto|artículo|produto)|"
        r"kód (produktu|tovaru|zbo[žz]í)|cikkszám|артикул|код товара|商品編號|商品番号|상품번호)",
        re.I,
    ),
    re.compile(
        r"(codice|c[óo]digo|referencia|r[ée]f[ée]rence|r[ée]f\.?|ref\.?|k[óo]d|"
        r"katal[óo]gov[ée] [čc][íi]slo|[šs]ifra( artikla)?|koda|код|מק\"ט)",
        re.I,
    ),
)
_LABEL_TAGS = ("th", "td", "dt", "span", "strong", "b", "label", "div", "li", "p", "em")


def _label_key(text: str) -> str:
    text = _clean(text).rstrip(":：# ").strip()
    if not text or len(text) > 40:
        return ""
    for tier, pattern in enumerate(_SKU_LABEL_TIERS):
        if pattern.fullmatch(text):
            return f"sku{tier}"
    if _BRAND_LABELS.fullmatch(text):
        return "brand"
    if _MAKER_LABELS.fullmatch(text):
        return "maker"
    return ""


def _next_value(el: lxml_html.HtmlElement) -> str:
    """The value that follows a label: text after it in the same element, else the next
    element's text."""
    tail = _clean(el.tail).lstrip(":：- ").strip()
    if tail:
        return tail
    sibling = el.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if sibling is None or sibling.tag in _SKIP_TAGS:
        return ""
    return _clean(sibling.text_content()).lstrip(":：- ").strip()


def labelled_details(doc: lxml_html.HtmlElement) -> dict[str, str]:
    """``{"brand": ..., "sku": ...}`` from labelled rows of a product-details block.

    Covers table rows (``<th>Brand</th><td>Acme</td>``), definition lists, ``<b>SKU:</b>
    AC-1`` and "SKU: AC-1" in one short element. Related-product strips, navigation and
    reviews are skipped; the first row for each label wins (a manufacturer row stands in for
    a missing brand)."""
    found: dict[str, str] = {}
    for el in doc.iter(*_LABEL_TAGS):
        own = el.text
        if not own or len(own) > 60:
            continue
        key = _label_key(own) if len(el) == 0 or el.tag in ("th", "dt", "td") else ""
        value = ""
        if key and (el.tag in ("th", "dt", "td") or len(el) == 0):
            value = _next_value(el)
        elif len(el) == 0:
            # "SKU: AC-1" or "Order number 106606" in one element
            label, colon, rest = own.partition(":")
            if not colon:
                match = _LABEL_AND_ID.match(_clean(own))
                label, rest = match.groups() if match else ("", "")
            key = _label_key(label)
            value = _clean(rest)
        if not key or key in found or not value or len(value) > 60:
            continue
        if _ELSEWHERE.search(_context_attrs(el, 5)):
            continue
        if key.startswith("sku") and not _LOOKS_LIKE_ID.fullmatch(value):
            continue
        found[key] = value.split(" | ")[0]
    brand = clean_brand(found.get("brand") or found.get("maker") or "")
    sku = next((found[k] for k in ("sku0", "sku1", "sku2") if k in found), "")
    return {"brand": brand, "sku": sku}


_LABEL_AND_ID = re.compile(r"^(.{2,30}?)\s+([A-Za-z0-9][\w./-]*\d[\w./-]*)$")
# An identifier: one token holding a digit ("AC-1", "B004SNMXRS") or an upper-case code.
_LOOKS_LIKE_ID = re.compile(r"(?=[^ ]*\d)[A-Za-z0-9][\w./#-]{1,40}|[A-Z0-9-]{4,40}")


# A lower-case prefix is a route ("/p5095123", "/dp-...") and dropped; an upper-case one is
# part of the item number the shop prints ("M67296549.htm").
_URL_ID = re.compile(
    r"(?:^|[/_-])(?:([A-Z]{1,2})|[a-z]{0,2})(\d{6,14})(?i:\.html?|\.aspx|\.php)?/?$"
)
_ID_PARAMS = ("pid", "product_id", "productid", "item_id", "itemid", "sku", "id")


def url_item_id(url: str) -> str:
    """The shop's item number when the product URL ends in one (``/itm/1234567``,
    ``.../chair-418295.htm``) or names it (``?pid=260591``); "" otherwise."""
    parts = urlsplit(url)
    for name, values in parse_qs(parts.query).items():
        if name.lower() in _ID_PARAMS and values and re.fullmatch(r"\d{4,14}", values[0]):
            return values[0]
    match = _URL_ID.search(parts.path)
    return (match.group(1) or "") + match.group(2) if match else ""
