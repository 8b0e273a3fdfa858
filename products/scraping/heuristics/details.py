"""Brand and SKU from labelled rows of a product-details block, and the item number in the URL.

It decides which rows are labelled brand, manufacturer or SKU in many languages (table
rows, definition lists, ``<b>SKU:</b> AC-1``, "SKU: AC-1"), which value follows each
label, and whether a SKU value looks like an identifier (``labelled_details``); and
which number in the product URL's path or query is the shop's item number
(``url_item_id``).
"""

# Words in many scripts (Cyrillic, Hebrew, full-width colons) are meant here:
# ruff: noqa: RUF001

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from lxml import html as lxml_html

from ..structured import clean_brand
from .text import _ELSEWHERE, _SKIP_TAGS, _clean, _context_attrs

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


_LABEL_AND_ID = re.compile(r"^(.{2,30}?)\s+([A-Za-z0-9][\w./-]*\d[\w./-]*)$")
# An identifier: one token holding a digit ("AC-1", "B004SNMXRS") or an upper-case code.
_LOOKS_LIKE_ID = re.compile(r"(?=[^ ]*\d)[A-Za-z0-9][\w./#-]{1,40}|[A-Z0-9-]{4,40}")


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
