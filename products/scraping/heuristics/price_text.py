"""How a price is written around its number, read from one price element.

It decides the element's price text (``_price_text``: superscript cents read as decimals),
the words just before and after it (``_text_before`` / ``_text_after``: a currency mark or
the cents of a price split over elements), the label that introduces it (``_lead_label``:
"Price:", "Starting bid"), whether it carries a currency mark (``_CURRENCY_MARK``,
``_MARK_AFTER``, ``_MARK_BEFORE``) and whether it is crossed out (``_in_strike``). The
scoring that uses these lives in ``price``.
"""

# Currency names in Cyrillic are meant here:
# ruff: noqa: RUF001

from __future__ import annotations

import re

from lxml import html as lxml_html

from .text import _SKIP_TAGS, _clean

_CURRENCY_MARK = re.compile(
    r"[$€£¥₹₩₺₽₴₪₫฿₱₸원円元]|\b(USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|JPY|CNY|INR|"
    r"BRL|MXN|NZD|SGD|HKD|ZAR|TRY|RUB|HRK|KZT|BGN|UAH|ILS|AED|SAR|CLP|ARS|COP|PEN|ISK|BYN|"
    r"Kč|zł|kr|kn|Ft|lei|lv|лв|TL|Rs|RM|тг|грн|руб)(?!\w)",
    re.I,
)
_HAS_DIGIT = re.compile(r"\d")
_STRIKE_TAGS = frozenset({"del", "s", "strike"})


_MARK_AFTER = re.compile(r"\s*(" + _CURRENCY_MARK.pattern + r")", re.I)
_MARK_BEFORE = re.compile(r"(" + _CURRENCY_MARK.pattern + r")\s*$", re.I)


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
