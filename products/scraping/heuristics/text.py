"""Shared helpers for reading one page element: its text, the attributes that name it, and
whether it sits somewhere that belongs to other products.

It decides what a shopper sees (``visible_text``: hidden spans and in-place action links
left out), which tags never hold product facts (``_SKIP_TAGS``), and whether an element
lies in a related-products strip, header, footer, menu or review (``_ELSEWHERE`` over
``_context_attrs``) or in another product's tile (``_in_product_card``). Every other
module of the package builds on these; this one imports none of them.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "option", "select", "svg"})


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


_WORD = re.compile(r"\w+", re.U)
_HIDDEN = re.compile(r"(^|[\s_-])(hdn|dspn|hidden|sr-only|visually-?hidden|screen-reader|d-none|offscreen)($|[\s_-])", re.I)


# Links inside a title that are account actions (log in to save, add to wishlist), not name.
_ACTION_HREF = re.compile(r"log-?in|sign-?in|account|wish-?list|favou?rite|/cart\b|/basket\b", re.I)


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


_ELSEWHERE = re.compile(
    r"related|recommend|similar|carousel|upsell|up-sell|cross-?sell|recent|also|bundle|"
    r"accessor|sponsor|footer|header|(?<![a-z])nav|menu|(?<![a-z])widget|review",
    re.I,
)


def _attrs(el: lxml_html.HtmlElement) -> str:
    """The attributes that name what an element is (class, id, test ids...), joined."""
    get = el.attrib.get
    return (f"{get('class', '')} {get('id', '')} {get('itemprop', '')} {get('data-testid', '')} "
            f"{get('data-test', '')} {get('data-qa', '')} {get('aria-label', '')}")


def _context_attrs(el: lxml_html.HtmlElement, levels: int) -> str:
    parts = []
    node: lxml_html.HtmlElement | None = el
    for _ in range(levels):
        if node is None:
            break
        parts.append(_attrs(node))
        node = node.getparent()
    return " ".join(parts)


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
