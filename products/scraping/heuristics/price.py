"""Which amount on the page is the product's current price.

``price_candidates`` finds every visible price (an element whose attributes say "price"
or whose short text carries a currency mark) and scores it: near the product's heading and
labelled as the price scores higher; crossed out, labelled as an earlier, monthly,
per-unit or starting price, or sitting in a cart, a related-products strip or another
product's tile scores lower. Two corrections then compare the candidates with each other:
prices whose element shape repeats with different amounts are a list of other products
(``_demote_repeated``), and a price stated without VAT gives way to the VAT-inclusive one
beside it (``_prefer_vat_inclusive``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from lxml import etree
from lxml import html as lxml_html

from core.money import parse_amount

from .price_text import (
    _CURRENCY_MARK,
    _HAS_DIGIT,
    _MARK_AFTER,
    _MARK_BEFORE,
    _in_strike,
    _lead_label,
    _price_text,
    _text_after,
    _text_before,
)
from .text import _ELSEWHERE, _SKIP_TAGS, _attrs, _clean, _context_attrs, _in_product_card

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
_NUMBER_GROUP = re.compile(r"\d[\d.,'\s]*")


@lru_cache(maxsize=4096)
def _says_price(attrs: str) -> bool:
    """Cached: pages repeat the same class strings thousands of times."""
    return bool(_PRICE_WORD.search(attrs))


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
