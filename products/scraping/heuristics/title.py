"""The product's name as the page shows it.

It decides which ``<h1>`` is the product's heading when there are several
(``main_heading``: the one sharing most words with ``<title>``), which element holds the
name on a page without one (``title_element``), what ``<title>`` says without the shop's
name (``page_title``, ``TITLE_PARTS``), and what part of a title is a price written in
front of the name (``strip_leading_price``). The heading it finds anchors the buy box
for the price and stock rules.
"""

# Full-width bars are meant here:
# ruff: noqa: RUF001

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from .text import _ELSEWHERE, _SKIP_TAGS, _attrs, _clean, _context_attrs, _words

# A price written in front of the name: "$60 · Vintage skateboard".
_LEADING_PRICE = re.compile(
    r"^\s*(?:[$€£¥₹]\s?\d[\d.,]*|\d[\d.,]*\s?[$€£¥₹])\s*[·|•–—-]\s+(?=\w)"
)


def strip_leading_price(title: str) -> str:
    return _LEADING_PRICE.sub("", title, count=1)


# The shop's name in square brackets in front of the name: "[Acme] Drill". Lenticular
# brackets ("【Brand】 name") stay: Chinese-language shops write the brand or producer there.
# A bracket with a digit ("[2-Pack]") is a fact about the product and stays too.
_BRACKET_PREFIX = re.compile(r"^\s*(\[[^\]\d]{1,40}\]|［[^］\d]{1,40}］)\s*(?=\S)")
# A tail part that sells rather than names: "Buy ... on Shop.com", "Jetzt kaufen bei ...",
# a domain, or a list of search keywords.
_SELLING_PART = re.compile(
    r"^(buy|shop|order|get|kaufen|jetzt\s*kaufen|bestellen|acheter|achetez|commander|comprar|"
    r"compre|compra|acquista|acquistare|купить|заказать)\b|\b(online\s*kaufen|kaufen|acheter|"
    r"comprar|acquista|купить)$|(購入|购买|購買|구매|通販|通贩)|"
    r"\b[\w-]+\.(com|net|org|shop|store|de|fr|es|it|co\.uk|uk|pt|br|jp|cn|kr|ru)\b",
    re.I,
)


def without_shop_decorations(title: str) -> str:
    """A title without the shop's name in square brackets in front, or a selling tail ("- Buy Drill
    Online at Best Price on Shop.com, drill, cheap drill"): from the first tail part that
    sells, the rest goes (its keyword list with it). The first part always stays."""
    rest = _BRACKET_PREFIX.sub("", title, count=1)
    title = rest if len(rest) >= 3 else title
    pieces = re.split(r"(\s+[|–—-]\s+|\s*[|｜]\s*)", title)
    if len(pieces) < 3:
        return title
    kept = [pieces[0]]
    for separator, part in zip(pieces[1::2], pieces[2::2], strict=False):
        if _SELLING_PART.search(part.strip()):
            break
        kept.extend([separator, part])
    return "".join(kept).strip()


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
